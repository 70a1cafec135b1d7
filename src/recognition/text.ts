import { itnText, lexicalWords } from "../text/lexical.js";
import type { Phrase } from "./events.js";

export type Profanity = "Masked" | "Removed" | "Raw";

export interface TextOptions {
	profanity: Profanity;
	/** Dictation mode: spoken punctuation ("comma", "period") becomes punctuation. */
	dictation: boolean;
}

// A short list on purpose: enough to honour the option, not a content filter.
const PROFANITY = new Set([
	"damn",
	"hell",
	"shit",
	"fuck",
	"fucking",
	"bitch",
	"bastard",
	"crap",
	"ass",
	"asshole",
	"dick",
	"piss",
]);

const SPOKEN_PUNCTUATION: Record<string, string> = {
	comma: ",",
	period: ".",
	"full stop": ".",
	"question mark": "?",
	"exclamation mark": "!",
	"exclamation point": "!",
	colon: ":",
	semicolon: ";",
	"new line": "\n",
	"new paragraph": "\n\n",
};

/** Applies the profanity option to a lowercase word sequence. */
export function filterProfanity(text: string, profanity: Profanity): string {
	if (profanity === "Raw") return text;
	return text
		.split(" ")
		.flatMap((word) => {
			if (!PROFANITY.has(word.toLowerCase().replace(/[^a-z]/g, "")))
				return [word];
			return profanity === "Removed" ? [] : ["*".repeat(word.length)];
		})
		.join(" ");
}

/**
 * The display form of an engine's text: profanity handled, spoken punctuation applied in
 * dictation mode, first letter capitalised and a closing period added when the engine
 * (like PocketSphinx) gives bare lowercase words.
 */
export function displayText(text: string, options: TextOptions): string {
	let display = filterProfanity(text.trim(), options.profanity);
	if (!display) return "";
	if (options.dictation) {
		for (const [spoken, mark] of Object.entries(SPOKEN_PUNCTUATION)) {
			display = display.replace(new RegExp(`\\s*\\b${spoken}\\b`, "gi"), mark);
		}
		display = display.replace(
			/([.?!]\s*)([a-z])/g,
			(_, p, c: string) => p + c.toUpperCase(),
		);
	}
	const bare = !/[.,?!;:]/.test(display) && display === display.toLowerCase();
	if (bare) display = `${display.replace(/\bi\b/g, "I")}.`;
	return display.charAt(0).toUpperCase() + display.slice(1);
}

export type JsonFormat = "Simple" | "Detailed";

/** The JSON Azure puts in `result.json` and in `speech.phrase` messages. */
export function phraseJson(
	phrase: Phrase,
	format: JsonFormat,
	options: TextOptions,
): Record<string, unknown> {
	const status =
		phrase.noMatch === "InitialSilenceTimeout"
			? "InitialSilenceTimeout"
			: phrase.noMatch
				? "NoMatch"
				: "Success";
	const spoken = lexicalWords(phrase.text);
	const lexical = spoken.join(" ");
	const itn = itnText(spoken);
	const display = displayText(phrase.text, options);
	const base = {
		RecognitionStatus: status,
		Offset: phrase.offset,
		Duration: phrase.duration,
	};
	if (format === "Simple") return { ...base, DisplayText: display };
	if (phrase.noMatch) return { ...base, DisplayText: "", NBest: [] };
	const masked = filterProfanity(
		itn,
		options.profanity === "Raw" ? "Masked" : options.profanity,
	);
	return {
		...base,
		DisplayText: display,
		NBest: [
			{
				Confidence: round(phrase.confidence),
				Lexical: lexical,
				ITN: filterProfanity(itn, options.profanity),
				MaskedITN: masked,
				Display: display,
				Words: phrase.words.map((w) => ({
					Word: filterProfanity(w.word.toLowerCase(), options.profanity) || "",
					Offset: w.offset,
					Duration: w.duration,
					Confidence: round(w.confidence),
				})),
			},
		],
	};
}

function round(value: number): number {
	return Math.round(value * 10000) / 10000;
}
