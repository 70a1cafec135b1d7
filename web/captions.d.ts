/** Types of captions.js, for the CLI and the tests (the page itself is plain JavaScript). */

export interface CaptionLimits {
	maxLineChars: number;
	maxLines: number;
	maxCueSeconds: number;
	minCueSeconds: number;
}

/** A phrase as recognized: times in 100-ns ticks. */
export interface CaptionPhrase {
	text: string;
	offset: number;
	duration: number;
	words?: readonly { word: string; offset: number; duration: number }[];
}

/** One subtitle: times in seconds, the text as its lines. */
export interface Cue {
	start: number;
	end: number;
	lines: string[];
}

export const CAPTION_DEFAULTS: Readonly<CaptionLimits>;
export const CAPTION_RANGES: Readonly<
	Record<keyof CaptionLimits, readonly [number, number]>
>;
/** Azure's phrase JSON, as far as cues need it. */
export interface PhraseJson {
	Offset?: number;
	Duration?: number;
	NBest?: readonly {
		Words?: readonly { Word: string; Offset: number; Duration: number }[];
	}[];
}

export function captionPhrase(
	text: string,
	json: PhraseJson | undefined,
): CaptionPhrase;
export function buildCues(
	phrases: readonly CaptionPhrase[],
	limits?: Partial<CaptionLimits>,
): Cue[];
export function phraseCues(
	phrase: CaptionPhrase,
	limits?: Partial<CaptionLimits>,
): Cue[];
export function settleCues(
	cues: readonly Cue[],
	nextStart: number,
	limits?: Partial<CaptionLimits>,
): Cue[];
export function formatCue(
	cue: Cue,
	index: number,
	format: "srt" | "vtt",
): string;
export function timestamp(seconds: number, separator: "," | "."): string;
