/**
 * Azure's text forms of a recognized phrase, from the engine's display text: Lexical is
 * lowercase words as spoken (numbers spelled out), ITN has numbers as digits.
 */
import { numberWords, spelledNumbersToDigits } from "./numbers.js";

const CURRENCIES = {
	$: ["dollars", "cents"],
	"£": ["pounds", "pence"],
	"€": ["euros", "cents"],
} as const;

const SYMBOLS = new Map([
	["&", "and"],
	["%", "percent"],
	["+", "plus"],
	["@", "at"],
]);

/** One written token as spoken words: "$5" → "five dollars", "4:30" → "four thirty", "10%" → "ten percent". */
function spokenWords(token: string): string[] {
	const symbol = SYMBOLS.get(token);
	if (symbol) return [symbol];
	const money = /^([$£€])(\d[\d,]*)(?:\.(\d\d))?$/.exec(token);
	if (money) {
		const [, currency, whole = "", cents] = money;
		const [unit, hundredth] = CURRENCIES[currency as keyof typeof CURRENCIES];
		const amount = [...(numberWords(whole) ?? []), unit];
		return cents && Number(cents) > 0
			? [...amount, "and", ...(numberWords(cents) ?? []), hundredth]
			: amount;
	}
	const percent = /^(.+)%$/.exec(token);
	if (percent) return [...spokenWords(percent[1] as string), "percent"];
	const time = /^(\d{1,2}):(\d\d)$/.exec(token);
	if (time) {
		const minutes = Number(time[2]);
		return [
			...(numberWords(time[1] as string) ?? []),
			...(minutes === 0
				? []
				: minutes < 10
					? ["oh", ...(numberWords(String(minutes)) ?? [])]
					: (numberWords(time[2] as string) ?? [])),
		];
	}
	const number = numberWords(token);
	if (number) return number;
	// Letters, digits and apostrophes inside a word ("what's", "o'clock"); the rest separates.
	return token
		.split(/[^\p{L}\p{N}']+/u)
		.map((w) => w.replace(/^'+|'+$/g, ""))
		.filter((w) => w.length > 0)
		.flatMap((w) => numberWords(w) ?? [w]);
}

/** Lowercase spoken words of a display text: punctuation dropped, numbers and symbols spelled out. */
export function lexicalWords(text: string): string[] {
	return text
		.toLowerCase()
		.split(/\s+/)
		.map((t) =>
			SYMBOLS.has(t)
				? t
				: t.replace(/^[^\p{L}\p{N}$£€]+|[^\p{L}\p{N}%]+$/gu, ""),
		)
		.filter((t) => t.length > 0)
		.flatMap(spokenWords);
}

/** Inverse text normalization of lexical words: numbers as digits ("twenty one" → "21"). */
export function itnText(lexical: readonly string[]): string {
	return spelledNumbersToDigits(lexical).join(" ");
}
