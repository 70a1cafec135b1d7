/**
 * Transcript downloads, in the shapes of the CLI's output (src/cli/output.ts). A phrase is
 * `{text, offset, duration, detail?}` with offsets in 100-ns ticks.
 */

const TICKS_PER_SECOND = 10_000_000;

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT), as the CLI writes them. */
export function timestamp(seconds, separator) {
	const ms = Math.round(seconds * 1000);
	const pad = (n, width = 2) => String(n).padStart(width, "0");
	const h = Math.floor(ms / 3_600_000);
	const m = Math.floor(ms / 60_000) % 60;
	const s = Math.floor(ms / 1000) % 60;
	return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** `m:ss`, or `h:mm:ss` past an hour: a phrase's start on the page. */
export function clock(ticks) {
	const total = Math.floor(ticks / TICKS_PER_SECOND);
	const s = String(total % 60).padStart(2, "0");
	const m = Math.floor(total / 60) % 60;
	const h = Math.floor(total / 3600);
	return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function seconds(phrase) {
	return {
		start: phrase.offset / TICKS_PER_SECOND,
		end: (phrase.offset + phrase.duration) / TICKS_PER_SECOND,
	};
}

/** The file body for `format`: "txt", "srt", "vtt" or "json". */
export function render(phrases, format) {
	switch (format) {
		case "txt":
			return phrases.map((p) => `${p.text}\n`).join("");
		case "srt":
			return phrases
				.map((p, i) => {
					const { start, end } = seconds(p);
					return `${i + 1}\n${timestamp(start, ",")} --> ${timestamp(end, ",")}\n${p.text}\n\n`;
				})
				.join("");
		case "vtt":
			return `WEBVTT\n\n${phrases
				.map((p) => {
					const { start, end } = seconds(p);
					return `${timestamp(start, ".")} --> ${timestamp(end, ".")}\n${p.text}\n\n`;
				})
				.join("")}`;
		case "json":
			return `${JSON.stringify(
				phrases.map((p) => ({
					text: p.text,
					offset: p.offset,
					duration: p.duration,
					...seconds(p),
					...(p.detail ? { detail: p.detail } : {}),
				})),
				null,
				2,
			)}\n`;
		default:
			throw new Error(`unknown format ${format}`);
	}
}

export const MEDIA_TYPES = {
	txt: "text/plain",
	srt: "application/x-subrip",
	vtt: "text/vtt",
	json: "application/json",
};
