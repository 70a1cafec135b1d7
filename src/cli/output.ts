import { TICKS_PER_SECOND } from "../recognition/events.js";
import type { SpeechRecognitionResult } from "../sdk/results.js";

export type OutputFormatName = "text" | "json" | "jsonl" | "srt" | "vtt";
export const OUTPUT_FORMATS: OutputFormatName[] = [
	"text",
	"json",
	"jsonl",
	"srt",
	"vtt",
];

/** Writes final phrases as they arrive, in one of the CLI's output formats. */
export class TranscriptWriter {
	private cues = 0;
	private readonly all: unknown[] = [];

	constructor(
		private readonly format: OutputFormatName,
		private readonly write: (text: string) => void,
	) {
		if (format === "vtt") write("WEBVTT\n\n");
	}

	phrase(result: SpeechRecognitionResult, detailed: boolean): void {
		const entry = {
			text: result.text,
			offset: result.offset,
			duration: result.duration,
			start: result.offset / TICKS_PER_SECOND,
			end: (result.offset + result.duration) / TICKS_PER_SECOND,
			...(detailed && result.json ? { detail: JSON.parse(result.json) } : {}),
		};
		switch (this.format) {
			case "text":
				this.write(`${result.text}\n`);
				break;
			case "jsonl":
				this.write(`${JSON.stringify(entry)}\n`);
				break;
			case "json":
				this.all.push(entry);
				break;
			case "srt":
				this.write(
					`${++this.cues}\n${timestamp(entry.start, ",")} --> ${timestamp(entry.end, ",")}\n${result.text}\n\n`,
				);
				break;
			case "vtt":
				this.write(
					`${timestamp(entry.start, ".")} --> ${timestamp(entry.end, ".")}\n${result.text}\n\n`,
				);
				break;
		}
	}

	end(): void {
		if (this.format === "json")
			this.write(`${JSON.stringify(this.all, null, 2)}\n`);
	}
}

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT). */
export function timestamp(seconds: number, separator: "," | "."): string {
	const ms = Math.round(seconds * 1000);
	const pad = (n: number, width = 2) => String(n).padStart(width, "0");
	const h = Math.floor(ms / 3_600_000);
	const m = Math.floor(ms / 60_000) % 60;
	const s = Math.floor(ms / 1000) % 60;
	return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}
