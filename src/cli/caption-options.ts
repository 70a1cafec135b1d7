import { InvalidArgumentError, Option } from "commander";
import {
	CAPTION_DEFAULTS,
	CAPTION_RANGES,
	type CaptionLimits,
} from "../../web/captions.js";

import { UsageError } from "./recognize.js";

export type { CaptionLimits };

const FLAGS: Record<keyof CaptionLimits, [string, string]> = {
	maxLineChars: ["--max-line-chars <n>", "subtitle line length, in characters"],
	maxLines: ["--max-lines <n>", "lines per subtitle cue"],
	maxCueSeconds: ["--max-cue-seconds <s>", "longest subtitle cue"],
	minCueSeconds: [
		"--min-cue-seconds <s>",
		"shortest time a subtitle cue stays up (unless the next one starts)",
	],
};

/** The subtitle limits of `-o srt` and `-o vtt`, shared by the commands that write subtitles. */
export function captionOptions(): Option[] {
	return Object.entries(FLAGS).map(([key, [flags, help]]) => {
		const name = key as keyof CaptionLimits;
		const [min, max] = CAPTION_RANGES[name];
		const whole = name === "maxLineChars" || name === "maxLines";
		return new Option(flags, `${help}, ${min}-${max}`)
			.default(CAPTION_DEFAULTS[name])
			.argParser((value: string) => {
				const n = Number(value);
				if (
					!Number.isFinite(n) ||
					n < min ||
					n > max ||
					(whole && !Number.isInteger(n))
				)
					throw new InvalidArgumentError(
						`must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}.`,
					);
				return n;
			});
	});
}

/** The limits from parsed options that include `captionOptions()`; unset ones keep defaults. */
export function captionLimits(options: Partial<CaptionLimits>): CaptionLimits {
	const limits = { ...CAPTION_DEFAULTS };
	for (const key of Object.keys(limits) as (keyof CaptionLimits)[])
		limits[key] = options[key] ?? limits[key];
	if (limits.minCueSeconds > limits.maxCueSeconds)
		throw new UsageError(
			`--min-cue-seconds (${limits.minCueSeconds}) is more than --max-cue-seconds (${limits.maxCueSeconds})`,
		);
	return limits;
}
