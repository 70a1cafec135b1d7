/**
 * `earshot serve` in a child process, so that a crash of the server (a native fault, an
 * uncaught error) fails the test that was running with the signal or exit code and the end of
 * the server's stderr, instead of taking the test process down unexplained.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { SessionLog } from "../../src/server/connection.js";
import { currentTest } from "./death.js";
import { projectRoot } from "./shared.js";

const MAIN = join(projectRoot, "src", "cli", "main.ts");

export interface ServerProcess {
	/** ws://host:port */
	url: string;
	/** The session records the server wrote on stderr so far. */
	logs(): SessionLog[];
	stderr(): string;
	/** One value from /metrics; NaN when absent. */
	metric(name: string): Promise<number>;
	/** Drains (SIGTERM) and waits for the exit. */
	close(): Promise<void>;
}

export async function spawnServer(args: string[] = []): Promise<ServerProcess> {
	const child = spawn(
		process.execPath,
		["--import", "tsx", MAIN, "serve", "--port", "0", ...args],
		{ cwd: projectRoot, stdio: ["ignore", "ignore", "pipe"] },
	);
	let stderr = "";
	let closing = false;
	let started = false;
	const exited = new Promise<void>((resolve) =>
		child.once("exit", () => resolve()),
	);
	const death = (code: number | null, signal: string | null) =>
		new Error(
			`earshot serve died (${signal ?? `exit code ${code}`}) during "${currentTest()}"; its stderr ends:\n${stderr.slice(-4000)}`,
		);
	const url = await new Promise<string>((resolve, reject) => {
		child.stderr.on("data", (chunk: Buffer) => {
			stderr += chunk.toString();
			const match = stderr.match(/{"event":"listening","url":"([^"]+)"/);
			if (match) resolve(match[1]);
		});
		child.once("exit", (code, signal) => {
			if (closing) return;
			const error = death(code, signal);
			if (!started) return reject(error);
			// An uncaught error, which node:test charges to the test that is running.
			setImmediate(() => {
				throw error;
			});
		});
	});
	started = true;
	return {
		url,
		logs: () =>
			stderr
				.split("\n")
				.filter((line) => line.startsWith('{"event":"session"'))
				.map((line) => JSON.parse(line) as SessionLog),
		stderr: () => stderr,
		async metric(name) {
			const response = await fetch(`${url.replace("ws:", "http:")}/metrics`);
			const line = (await response.text())
				.split("\n")
				.find((l) => l.startsWith(`${name} `));
			return Number(line?.split(" ")[1]);
		},
		async close() {
			closing = true;
			child.kill("SIGTERM");
			await exited;
		},
	};
}
