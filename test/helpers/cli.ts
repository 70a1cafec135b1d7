import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./shared.js";

const MAIN = join(projectRoot, "src", "cli", "main.ts");

/** Runs `earshot ARGS` to completion, with optional stdin; killed after `timeoutMs` (default 120 s). */
export function earshot(
	args: string[],
	options: {
		input?: Buffer | string;
		env?: NodeJS.ProcessEnv;
		timeoutMs?: number;
	} = {},
) {
	const result = spawnSync(
		process.execPath,
		["--import", "tsx", MAIN, ...args],
		{
			cwd: projectRoot,
			input: options.input,
			// picocolors colours output when CI is set; tests read the plain text.
			env: { ...process.env, NO_COLOR: "1", ...options.env },
			maxBuffer: 64 * 1024 * 1024,
			timeout: options.timeoutMs ?? 120_000,
		},
	);
	return {
		code: result.status,
		stdout: result.stdout.toString(),
		stderr: result.stderr.toString(),
	};
}

/** `earshot ARGS` in a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
export class Terminal {
	readonly child: ChildProcess;
	output = "";
	readonly exited: Promise<number | null>;

	constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
		// `script` runs the command with $SHELL, else /bin/sh. dash (Debian's sh) stays as the
		// program's parent and dies of the Ctrl-C that the program handles, so exec replaces it.
		const command = `exec ${[process.execPath, "--import", "tsx", MAIN, ...args]
			.map((a) => `'${a}'`)
			.join(" ")}`;
		this.child = spawn("script", ["-qfec", command, "/dev/null"], {
			cwd: projectRoot,
			env: { ...process.env, NO_COLOR: "1", ...env, TERM: "xterm" },
			stdio: ["pipe", "pipe", "pipe"],
		});
		this.child.stdout?.on("data", (d: Buffer) => {
			this.output += d.toString();
		});
		this.exited = new Promise((resolve) =>
			this.child.on("exit", (code) => resolve(code)),
		);
	}

	/** Resolves once the screen output matches `pattern`; rejects with the output after `ms`. */
	async waitFor(pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
		const deadline = Date.now() + ms;
		for (;;) {
			const match = this.output.match(pattern);
			if (match) return match;
			if (Date.now() > deadline)
				throw new Error(
					`timed out waiting for ${pattern}; output:\n${this.output}`,
				);
			await new Promise((r) => setTimeout(r, 50));
		}
	}

	type(text: string): void {
		this.child.stdin?.write(text);
	}

	/** The output as lines, without the terminal's carriage returns. */
	get lines(): string[] {
		return this.output.replaceAll("\r", "").split("\n");
	}
}
