import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./shared.js";

/** `earshot` from source, as tests run it: the command line for a child process. */
export const EARSHOT_COMMAND = [
	process.execPath,
	"--import",
	"tsx",
	join(projectRoot, "src", "cli", "main.ts"),
];

/** A child process whose output is kept, line by line, for the test to wait on. */
export class Watched {
	readonly child: ChildProcess;
	readonly lines: string[] = [];
	readonly exited: Promise<{ code: number | null; signal: string | null }>;
	private waiters: (() => void)[] = [];

	constructor(command: string[], env: NodeJS.ProcessEnv = {}) {
		this.child = spawn(command[0], command.slice(1), {
			cwd: projectRoot,
			env: { ...process.env, NO_COLOR: "1", ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		for (const stream of [this.child.stdout, this.child.stderr]) {
			let rest = "";
			stream?.on("data", (data: Buffer) => {
				const parts = (rest + data.toString()).split("\n");
				rest = parts.pop() ?? "";
				this.lines.push(...parts);
				for (const wake of this.waiters.splice(0)) wake();
			});
		}
		this.exited = new Promise((resolve) =>
			this.child.once("exit", (code, signal) => {
				resolve({ code, signal });
				for (const wake of this.waiters.splice(0)) wake();
			}),
		);
	}

	/** The first line (from the start) that `pattern` matches; rejects if the process exits first. */
	async line(pattern: RegExp): Promise<RegExpMatchArray> {
		for (;;) {
			for (const line of this.lines) {
				const match = line.match(pattern);
				if (match) return match;
			}
			if (this.child.exitCode !== null || this.child.signalCode !== null)
				throw new Error(
					`exited before printing ${pattern}:\n${this.lines.join("\n")}`,
				);
			await new Promise<void>((resolve) => this.waiters.push(resolve));
		}
	}

	/** JSON lines with this `event`. */
	events(event: string): Record<string, unknown>[] {
		return this.lines
			.filter((l) => l.startsWith("{"))
			.map((l) => JSON.parse(l) as Record<string, unknown>)
			.filter((r) => r.event === event);
	}

	/** Ends the process if it still runs (after a failed test). */
	kill(): void {
		if (this.child.exitCode === null && this.child.signalCode === null)
			this.child.kill("SIGKILL");
	}
}
