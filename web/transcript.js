/**
 * Transcript downloads, in the shapes of the CLI's output (src/cli/output.ts). A phrase is
 * `{text, offset, duration, words?, detail?}` with offsets in 100-ns ticks.
 */

import { buildCues, formatCue } from "./captions.js";

const TICKS_PER_SECOND = 10_000_000;

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

/**
 * The file body for `format`: "txt", "srt", "vtt" or "json". Subtitles are cut into cues by
 * `limits` (captions.js, as `earshot recognize` does).
 */
export function render(phrases, format, limits = {}) {
	switch (format) {
		case "txt":
			return phrases.map((p) => `${p.text}\n`).join("");
		case "srt":
		case "vtt":
			return `${format === "vtt" ? "WEBVTT\n\n" : ""}${buildCues(
				phrases,
				limits,
			)
				.map((cue, i) => formatCue(cue, i + 1, format))
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
