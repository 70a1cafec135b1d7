/**
 * `earshot serve` as a person starts it: on a terminal it says where the captions page is and
 * which engine and model it runs, besides the JSON line that machines read.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { Terminal } from "./helpers/cli.js";
import { projectRoot } from "./helpers/shared.js";

const ARGS = ["serve", "--port", "0", "--engine", "pocketsphinx"];

test("on a terminal: the page's address, the engine and the model, and the JSON line", async () => {
	const term = new Terminal(ARGS);
	try {
		const [, page] = await term.waitFor(
			/earshot: live captions at (http:\/\/127\.0\.0\.1:\d+\/)\r?\n/,
		);
		await term.waitFor(/earshot: engine pocketsphinx, model en-us/);
		const json = term.lines.find((l) => l.startsWith("{"));
		assert.ok(json, term.output);
		const listening = JSON.parse(json);
		assert.equal(listening.event, "listening");
		assert.equal(listening.page, page);
		assert.equal(listening.engine, "pocketsphinx");
		const response = await fetch(page);
		assert.equal(response.status, 200);
		assert.match(await response.text(), /live captions/);
		term.type("\x03");
		assert.equal(await term.exited, 0);
	} finally {
		term.child.kill();
	}
});

test("off a terminal: only the JSON line", async () => {
	const child = spawn(
		process.execPath,
		["--import", "tsx", join(projectRoot, "src/cli/main.ts"), ...ARGS],
		{ cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] },
	);
	let stderr = "";
	await new Promise<void>((resolve) =>
		child.stderr.on("data", (d: Buffer) => {
			stderr += d.toString();
			if (stderr.includes("\n")) resolve();
		}),
	);
	const exited = new Promise((resolve) => child.on("exit", resolve));
	child.kill("SIGTERM");
	await exited;
	const lines = stderr.trim().split("\n");
	assert.equal(JSON.parse(lines[0]).event, "listening", stderr);
	assert.doesNotMatch(stderr, /live captions at/);
});
