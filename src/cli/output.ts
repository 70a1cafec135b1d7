import {
	type CaptionLimits,
	type Cue,
	captionPhrase,
	formatCue,
	phraseCues,
	settleCues,
} from "../../web/captions.js";
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

/** Output formats that are subtitles, cut into cues by the caption limits. */
export function isSubtitles(format: OutputFormatName): format is "srt" | "vtt" {
	return format === "srt" || format === "vtt";
}

/**
 * Writes final phrases as they arrive, in one of the CLI's output formats. Subtitle cues of a
 * phrase wait for the next phrase, which says how long a short one may stay up.
 */
export class TranscriptWriter {
	private cues = 0;
	private pending: Cue[] = [];
	private readonly all: unknown[] = [];

	constructor(
		private readonly format: OutputFormatName,
		private readonly write: (text: string) => void,
		private readonly captions: Partial<CaptionLimits> = {},
	) {
		if (format === "vtt") write("WEBVTT\n\n");
	}

	phrase(result: SpeechRecognitionResult, detailed: boolean): void {
		const detail = result.json ? JSON.parse(result.json) : undefined;
		const entry = {
			text: result.text,
			offset: result.offset,
			duration: result.duration,
			start: result.offset / TICKS_PER_SECOND,
			end: (result.offset + result.duration) / TICKS_PER_SECOND,
			...(detailed && detail ? { detail } : {}),
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
			case "vtt": {
				const cues = phraseCues(
					{
						...captionPhrase(result.text, detail),
						offset: result.offset,
						duration: result.duration,
					},
					this.captions,
				);
				if (cues.length === 0) break;
				this.flush(cues[0].start);
				this.pending = cues;
			}
		}
	}

	end(): void {
		this.flush(Number.POSITIVE_INFINITY);
		if (this.format === "json")
			this.write(`${JSON.stringify(this.all, null, 2)}\n`);
	}

	private flush(nextStart: number): void {
		for (const cue of settleCues(this.pending, nextStart, this.captions))
			this.write(formatCue(cue, ++this.cues, this.format as "srt" | "vtt"));
		this.pending = [];
	}
}
