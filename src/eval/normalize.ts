/**
 * English transcript normalization for scoring, in the spirit of Whisper's
 * EnglishTextNormalizer: two spellings of the same speech normalize to the same words.
 */

import { spelledNumbersToDigits } from "../text/numbers.js";
import { americanize } from "./spelling.js";

// Hesitations that references leave out.
const FILLERS = new Set(
	"uh uhh uhm um umm hm hmm hmmm mm mmm mhm ah ahh er erm eh".split(" "),
);

const TITLES = new Map<string, string>(
	Object.entries({
		mr: "mister",
		mrs: "missus",
		dr: "doctor",
		prof: "professor",
		st: "saint",
		jr: "junior",
		sr: "senior",
		capt: "captain",
		col: "colonel",
		gen: "general",
		gov: "governor",
		lt: "lieutenant",
		sgt: "sergeant",
		rev: "reverend",
		esq: "esquire",
	}),
);

// Spoken shortenings written as one word, spelled out in full.
const COLLOQUIAL = new Map<string, string>(
	Object.entries({
		"'cause": "because",
		cuz: "because",
		"'em": "them",
		"'til": "till",
		"'bout": "about",
		gonna: "going to",
		wanna: "want to",
		gotta: "got to",
		gimme: "give me",
		lemme: "let me",
		kinda: "kind of",
		sorta: "sort of",
		outta: "out of",
		dunno: "do not know",
		"y'all": "you all",
		cannot: "can not",
		"won't": "will not",
		"can't": "can not",
		"shan't": "shall not",
		ok: "okay",
	}),
);

// Unambiguous contraction suffixes, expanded before contracting again canonically.
const SUFFIX_EXPANSIONS: [RegExp, string][] = [
	[/^(?!ain't$)(.+)n't$/, "not"],
	[/^(.+)'re$/, "are"],
	[/^(.+)'ve$/, "have"],
	[/^(.+)'ll$/, "will"],
	[/^(i)'m$/, "am"],
];

const hosts = (list: string) => new Set(list.split(" "));

// Pronoun + auxiliary → contraction. One direction for both sides, and the contracted form
// also absorbs the has/is and had/would ambiguity of "'s" and "'d".
const CONTRACTIONS = new Map<string, { suffix: string; after: Set<string> }>([
	[
		"is",
		{
			suffix: "'s",
			after: hosts("he she it that there here what where who how when why"),
		},
	],
	[
		"has",
		{
			suffix: "'s",
			after: hosts("he she it that there here what where who how when why"),
		},
	],
	[
		"would",
		{
			suffix: "'d",
			after: hosts("i you he she it we they that there who what where how"),
		},
	],
	[
		"had",
		{
			suffix: "'d",
			after: hosts("i you he she it we they that there who what where how"),
		},
	],
	[
		"will",
		{
			suffix: "'ll",
			after: hosts("i you he she it we they that there who what"),
		},
	],
	["are", { suffix: "'re", after: hosts("you we they who what") }],
	[
		"have",
		{
			suffix: "'ve",
			after: hosts("i you we they who would could should might must"),
		},
	],
	["am", { suffix: "'m", after: hosts("i") }],
]);

const NEGATED = new Map<string, string>([
	...Array.from(
		hosts(
			"is are was were do does did has have had would could should must need might",
		),
		(aux): [string, string] => [aux, `${aux}n't`],
	),
	["will", "won't"],
	["can", "can't"],
	["shall", "shan't"],
]);

// Currency symbol → [unit, hundredth]
const CURRENCIES: Record<string, [string, string]> = {
	$: ["dollars", "cents"],
	"€": ["euros", "cents"],
	"£": ["pounds", "pence"],
};
const CURRENCY_WORDS = new Set([
	"dollars",
	"dollar",
	"pounds",
	"pound",
	"euros",
	"euro",
]);
const UNITS_AFTER_NUMBERS = new Map<string, string>(
	Object.entries({
		dollar: "dollars",
		cent: "cents",
		pound: "pounds",
		euro: "euros",
	}),
);

/** Lower case, symbols spelled out, asides and punctuation gone; apostrophes inside words kept. */
function cleanText(text: string): string {
	return (
		text
			.normalize("NFKD")
			.replace(/\p{M}/gu, "")
			.toLowerCase()
			.replace(/[‘’ʼ`´]/g, "'")
			.replace(/\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|<[^>]*>/g, " ")
			// 1,000,000 → 1000000
			.replace(/(\d),(?=\d{3}(?!\d))/g, "$1")
			.replace(
				/([$£€])\s?(\d+)\.(\d\d)\b/g,
				(_, symbol: string, whole: string, hundredths: string) => {
					const [unit, hundredth] = CURRENCIES[symbol];
					return ` ${whole} ${unit} ${Number(hundredths)} ${hundredth} `;
				},
			)
			.replace(
				/([$£€])\s?(\d+(?:\.\d+)?)(\s+(?:thousand|million|billion|trillion)\b)?/g,
				(_, symbol: string, amount: string, scale = "") =>
					` ${amount}${scale} ${CURRENCIES[symbol][0]} `,
			)
			.replace(/(\d)\s*¢/g, "$1 cents ")
			.replace(/(\d)\s*%/g, "$1 percent ")
			.replace(/\bper cent\b/g, "percent")
			.replace(/&/g, " and ")
			// Keep the decimal point of 3.5; 3:30 reads as "3 30".
			.replace(/[^\p{L}\p{N}'.\s]/gu, " ")
			.replace(/(?<!\d)\.|\.(?!\d)/g, " ")
	);
}

/** Apostrophes that only quote or mark a dropped letter: 'hello', dogs', goin' → going. */
function tidyApostrophes(word: string): string[] {
	const colloquial = COLLOQUIAL.get(word);
	if (colloquial) return colloquial.split(" ");
	let w = word.replace(/^'+(?!(cause|em|til|bout)$)/, "");
	if (/^[a-z]{2,}in'$/.test(w)) return [`${w.slice(0, -1)}g`];
	w = w.replace(/'+$/, "");
	const again = COLLOQUIAL.get(w);
	return again ? again.split(" ") : w === "" ? [] : [w];
}

function expandContraction(word: string): string[] {
	for (const [pattern, full] of SUFFIX_EXPANSIONS) {
		const match = pattern.exec(word);
		if (match) return [match[1], full];
	}
	return [word];
}

function contract(words: readonly string[]): string[] {
	const out: string[] = [];
	for (let i = 0; i < words.length; i++) {
		const word = words[i];
		const next = words[i + 1];
		const pronounForm = next === undefined ? undefined : CONTRACTIONS.get(next);
		if (word === "let" && next === "us") {
			out.push("let's");
			i++;
		} else if (pronounForm?.after.has(word)) {
			out.push(`${word}${pronounForm.suffix}`);
			i++;
		} else if (next === "not" && NEGATED.has(word)) {
			out.push(NEGATED.get(word) as string);
			i++;
		} else {
			out.push(word);
		}
	}
	return out;
}

/** "1 dollar" → "1 dollars" as "$1" reads; "5 dollars and 50 cents" → "5 dollars 50 cents" as "$5.50" reads. */
function tidyAmounts(words: readonly string[]): string[] {
	const isNumber = (w: string | undefined) => w !== undefined && /^\d/.test(w);
	const out: string[] = [];
	words.forEach((word, i) => {
		const previous = words[i - 1];
		if (
			word === "and" &&
			CURRENCY_WORDS.has(previous) &&
			isNumber(words[i + 1]) &&
			(words[i + 2] === "cents" || words[i + 2] === "pence")
		)
			return;
		out.push(
			isNumber(previous) ? (UNITS_AFTER_NUMBERS.get(word) ?? word) : word,
		);
	});
	return out;
}

/** Words of a normalized text. */
export function words(text: string): string[] {
	return text.split(/\s+/).filter((w) => w !== "");
}

export function normalizeEnglish(text: string): string {
	const tokens = words(cleanText(text))
		.flatMap(tidyApostrophes)
		.filter((w) => !FILLERS.has(w))
		.flatMap((w) => (TITLES.get(w) ?? americanize(w)).split(" "))
		.flatMap(expandContraction);
	return contract(tidyAmounts(spelledNumbersToDigits(tokens))).join(" ");
}
