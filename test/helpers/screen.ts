import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "./shared.js";

const MAIN = join(projectRoot, "src", "cli", "main.ts");

/** Why terminal tests skip, or false when tmux is installed. */
export const noTmuxReason =
	spawnSync("tmux", ["-V"]).status === 0
		? false
		: "tmux is not installed (apt-get install tmux)";

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * `earshot ARGS` in a real terminal of a fixed size: a tmux pane, read back as a person sees
 * it (capture-pane) and as the raw bytes the program wrote (pipe-pane).
 */
export class Screen {
	/** A tmux server of its own, whose socket lives in the test's scratch folder. */
	private readonly socket: string;
	private readonly log: string;
	/** Where bash writes the program's exit status. */
	private readonly status: string;

	constructor(
		args: string[],
		options: {
			columns?: number;
			rows?: number;
			env?: NodeJS.ProcessEnv;
			/** A file (a FIFO) to read stdin from instead of the terminal. */
			stdin?: string;
		} = {},
	) {
		const dir = mkdtempSync(join(tmpdir(), "earshot-screen-"));
		this.log = join(dir, "raw.log");
		this.socket = join(dir, "tmux.sock");
		const env = { NO_COLOR: "1", ...options.env };
		// The environment the test runner sets would hide what a person sees (the model hint).
		this.status = join(dir, "status");
		const program = [
			"env -u NODE_TEST_CONTEXT",
			...Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)),
			quote(process.execPath),
			"--import tsx",
			quote(MAIN),
			...args.map(quote),
			...(options.stdin ? ["<", quote(options.stdin)] : []),
		].join(" ");
		// tmux 3.3 sometimes never reaps a pane's program (its exit status stays unknown), so
		// bash runs it and writes the status. bash, unlike dash, outlives a Ctrl-C that the
		// program handles and exits from by itself.
		const command = `read _ && exec bash -c ${quote(`${program}; echo $? > ${quote(this.status)}`)}`;
		this.tmux(
			"new-session",
			"-d",
			"-x",
			String(options.columns ?? 100),
			"-y",
			String(options.rows ?? 30),
			"-c",
			projectRoot,
			command,
		);
		this.tmux("set-option", "-t", "0", "remain-on-exit", "on");
		// Logging starts before the program does: the pane waits for this ENTER.
		this.tmux("pipe-pane", "-t", "0", "-o", `cat >> ${quote(this.log)}`);
		this.tmux("send-keys", "-t", "0", "Enter");
	}

	private tmux(...args: string[]): string {
		return execFileSync("tmux", ["-S", this.socket, ...args], {
			encoding: "utf8",
		});
	}

	/** The screen and its scrollback, wrapped rows joined into lines, trailing blanks cut. */
	get lines(): string[] {
		const text = this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "0");
		const lines = text
			.split("\n")
			.map((l) => l.trimEnd())
			// tmux's own note under a pane whose program has exited.
			.filter((l) => !l.startsWith("Pane is dead"));
		while (lines.length > 0 && lines.at(-1) === "") lines.pop();
		return lines;
	}

	/** The rows as they are on screen (no joining). */
	get rows(): string[] {
		return this.tmux("capture-pane", "-p", "-t", "0").split("\n");
	}

	/** Everything the program wrote to the terminal, escape sequences included. */
	get raw(): string {
		try {
			return readFileSync(this.log, "utf8");
		} catch {
			return "";
		}
	}

	/** The program's process ID: the child of the pane's bash. */
	get pid(): number {
		const bash = this.tmux(
			"display-message",
			"-p",
			"-t",
			"0",
			"#{pane_pid}",
		).trim();
		return Number(
			spawnSync("pgrep", ["-P", bash], { encoding: "utf8" }).stdout.trim(),
		);
	}

	/** Sends keys as tmux names them ("C-c", "Enter"). */
	keys(...keys: string[]): void {
		this.tmux("send-keys", "-t", "0", ...keys);
	}

	/** Resolves once `test(this)` holds; rejects with the screen and the pane's state after `ms`. */
	async waitFor(
		test: (screen: Screen) => boolean,
		ms = 120_000,
	): Promise<void> {
		const deadline = Date.now() + ms;
		while (!test(this)) {
			if (Date.now() > deadline) {
				const pane = this.tmux(
					"display-message",
					"-p",
					"-t",
					"0",
					"dead #{pane_dead} status #{pane_dead_status} signal #{pane_dead_signal}",
				).trim();
				const ps = spawnSync(
					"ps",
					[
						"-o",
						"pid,stat,args",
						"--ppid",
						String(this.pid),
						"-p",
						String(this.pid),
					],
					{
						encoding: "utf8",
					},
				).stdout;
				throw new Error(
					`timed out; pane: ${pane}\n${ps}screen:\n${this.lines.join("\n")}`,
				);
			}
			await new Promise((r) => setTimeout(r, 50));
		}
	}

	/** The program's exit status once it has exited (128 + N when signal N killed it). */
	async exited(ms = 180_000): Promise<number> {
		let status = Number.NaN;
		await this.waitFor(() => {
			try {
				const text = readFileSync(this.status, "utf8").trim();
				if (text === "") return false;
				status = Number(text);
				return true;
			} catch {
				return false;
			}
		}, ms);
		return status;
	}

	close(): void {
		spawnSync("tmux", ["-S", this.socket, "kill-server"]);
	}
}

/** Text the program drew, without escape sequences, one entry per redraw of a row. */
export function drawnRows(raw: string): string[] {
	return (
		raw
			// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
			.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, "")
			.split(/[\r\n]+/)
			.filter((row) => row.trim() !== "")
	);
}
