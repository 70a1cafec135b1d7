import pc from "picocolors";

// Wide (two-column) ranges: CJK, Hangul, fullwidth forms, emoji.
const WIDE =
	/[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200B-\u200F]/u;

function charWidth(char: string): number {
	if (ZERO_WIDTH.test(char)) return 0;
	return WIDE.test(char) ? 2 : 1;
}

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
	let width = 0;
	for (const char of text) width += charWidth(char);
	return width;
}

/** The start of `text` that fits in `columns`. */
export function fitStart(text: string, columns: number): string {
	let width = 0;
	let out = "";
	for (const char of text) {
		width += charWidth(char);
		if (width > columns) return out;
		out += char;
	}
	return out;
}

/** The end of `text` that fits in `columns`, after an ellipsis when cut: a partial grows at its end. */
export function fitEnd(text: string, columns: number): string {
	if (displayWidth(text) <= columns) return text;
	const chars = Array.from(text);
	let width = 1;
	let start = chars.length;
	while (start > 0 && width + charWidth(chars[start - 1]) <= columns)
		width += charWidth(chars[--start]);
	return `…${chars.slice(start).join("")}`;
}

/** `12s`, `1m05s`, `2h03m`. */
export function formatEta(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	if (s < 60) return `${s}s`;
	const pad = (n: number) => String(n).padStart(2, "0");
	if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
	return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

const BAR_WIDTH = 24;
// Before this much work, a rate (and so an ETA) is a guess.
const ETA_AFTER_MS = 1000;

/**
 * Progress of `value` out of `total` begun at `startedAt`: `████░░ 45% | 20/44 s | ETA 12s`.
 * The ETA is left out until there is a rate to base it on, and once the work is done.
 */
export function formatProgress(
	value: number,
	total: number,
	unit: string,
	startedAt: number,
	now = Date.now(),
): { bar: string; text: string } {
	const fraction = total > 0 ? Math.min(1, value / total) : 0;
	const filled = Math.round(fraction * BAR_WIDTH);
	const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
	let text = ` ${Math.floor(fraction * 100)}% | ${value}/${total}${unit}`;
	const elapsed = now - startedAt;
	if (value > 0 && value < total && elapsed >= ETA_AFTER_MS) {
		const eta = ((total - value) * elapsed) / value / 1000;
		text += ` | ETA ${formatEta(eta)}`;
	}
	return { bar, text };
}

/**
 * The live row under the transcript on a terminal (stderr): progress, then the partial phrase.
 * It is always one row, cut to the terminal's width, so clearing it erases exactly what it
 * drew; transcript lines are written while it is cleared, so they are never cut, overwritten
 * or left behind. Line wrapping and the cursor are never touched. Does nothing off a terminal.
 */
export class StatusLine {
	private progress: { bar: string; text: string } | undefined;
	private partial = "";
	private drawn = "";

	constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
		if (this.enabled) stream.on("resize", this.redraw);
	}

	get enabled(): boolean {
		return this.stream.isTTY === true;
	}

	setProgress(progress: { bar: string; text: string } | undefined): void {
		this.progress = progress;
		this.draw();
	}

	setPartial(text: string): void {
		this.partial = text;
		this.draw();
	}

	/** Writes `text` (whole lines) to `out` with the status row out of its way, then redraws the row. */
	print(out: NodeJS.WritableStream, text: string): void {
		this.clear();
		out.write(text);
		this.draw();
	}

	/**
	 * Removes the row for good, and whatever the terminal echoed on it ("^C"): the row is
	 * always one whose start is a line's start.
	 */
	close(): void {
		this.progress = undefined;
		this.partial = "";
		this.drawn = "";
		if (!this.enabled) return;
		this.stream.write("\r\x1b[K");
		this.stream.off("resize", this.redraw);
	}

	private readonly redraw = () => {
		this.clear();
		this.draw();
	};

	private clear(): void {
		if (!this.drawn) return;
		this.stream.write("\r\x1b[K");
		this.drawn = "";
	}

	private draw(): void {
		if (!this.enabled) return;
		// Three columns are left free: a full row leaves some terminals waiting to wrap, and the
		// terminal's echo of Ctrl-C ("^C") must not push the row onto a second one.
		const columns = Math.max(1, (this.stream.columns || 80) - 3);
		let row = "";
		let plain = "";
		if (this.progress) {
			const bar = fitStart(this.progress.bar, columns);
			const text = fitStart(this.progress.text, columns - displayWidth(bar));
			row = pc.cyan(bar) + text;
			plain = bar + text;
		}
		const room = columns - displayWidth(plain) - (plain ? 2 : 0);
		if (this.partial && room >= 8) {
			row += `${plain ? "  " : ""}${pc.dim(fitEnd(this.partial, room))}`;
		}
		if (row === this.drawn) return;
		this.stream.write(`\r${row}\x1b[K`);
		this.drawn = row;
	}
}
