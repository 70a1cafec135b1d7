import { createInterface } from "node:readline";

/** Exit codes of a run cut short by a signal, as shells report them (128 + the signal's number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface Interrupt {
	/** The first signal received, if any. */
	readonly signal: StopSignal | undefined;
	/** `normal`, or the signal's exit code when one stopped the run. */
	exitCode(normal: number): number;
	dispose(): void;
}

/**
 * Ctrl-C (SIGINT) or SIGTERM: the first calls `stop`, which flushes what was heard; a second
 * one gives up waiting and exits at once, after `cleanUp`.
 */
export function onInterrupt(stop: () => void, cleanUp: () => void): Interrupt {
	let signal: StopSignal | undefined;
	const handler = (received: StopSignal) => {
		if (signal) {
			cleanUp();
			process.exit(SIGNAL_EXIT_CODES[signal]);
		}
		signal = received;
		stop();
	};
	process.on("SIGINT", handler);
	process.on("SIGTERM", handler);
	return {
		get signal() {
			return signal;
		},
		exitCode: (normal) => (signal ? SIGNAL_EXIT_CODES[signal] : normal),
		dispose() {
			process.off("SIGINT", handler);
			process.off("SIGTERM", handler);
		},
	};
}

/**
 * Calls `stop` on ENTER. On a terminal, keys are read raw, so the terminal echoes nothing
 * (an echoed ENTER would move the live row down and leave a stale copy): Ctrl-C is then
 * passed on as SIGINT and Ctrl-D stops like ENTER. Returns what restores the terminal.
 */
export function stopOnEnter(stop: () => void): () => void {
	const input = process.stdin;
	if (!input.isTTY) {
		const lines = createInterface({ input });
		lines.once("line", stop);
		return () => lines.close();
	}
	input.setRawMode(true);
	const onData = (bytes: Buffer) => {
		if (bytes.includes(0x03)) process.kill(process.pid, "SIGINT");
		else if (
			bytes.includes(0x0d) ||
			bytes.includes(0x0a) ||
			bytes.includes(0x04)
		)
			stop();
	};
	input.on("data", onData);
	return () => {
		input.off("data", onData);
		input.setRawMode(false);
		input.pause();
	};
}
