/**
 * Rewrites spelled-out English numbers in a lower-case word list as digits:
 * "twenty one" → "21", "one hundred and five" → "105", "nineteen oh five" → "1905",
 * "three point one four" → "3.14", "twenty first" → "21st", "5 million" → "5000000".
 */

const ONES = new Map<string, number>(
	Object.entries({
		zero: 0,
		one: 1,
		two: 2,
		three: 3,
		four: 4,
		five: 5,
		six: 6,
		seven: 7,
		eight: 8,
		nine: 9,
	}),
);
const TEENS = new Map<string, number>(
	Object.entries({
		ten: 10,
		eleven: 11,
		twelve: 12,
		thirteen: 13,
		fourteen: 14,
		fifteen: 15,
		sixteen: 16,
		seventeen: 17,
		eighteen: 18,
		nineteen: 19,
	}),
);
const TENS = new Map<string, number>(
	Object.entries({
		twenty: 20,
		thirty: 30,
		forty: 40,
		fifty: 50,
		sixty: 60,
		seventy: 70,
		eighty: 80,
		ninety: 90,
	}),
);
const MULTIPLIERS = new Map<string, number>(
	Object.entries({
		thousand: 1e3,
		million: 1e6,
		billion: 1e9,
		trillion: 1e12,
	}),
);
const ORDINALS = new Map<string, string>(
	Object.entries({
		first: "one",
		second: "two",
		third: "three",
		fourth: "four",
		fifth: "five",
		sixth: "six",
		seventh: "seven",
		eighth: "eight",
		ninth: "nine",
		tenth: "ten",
		eleventh: "eleven",
		twelfth: "twelve",
		thirteenth: "thirteen",
		fourteenth: "fourteen",
		fifteenth: "fifteen",
		sixteenth: "sixteen",
		seventeenth: "seventeen",
		eighteenth: "eighteen",
		nineteenth: "nineteen",
		twentieth: "twenty",
		thirtieth: "thirty",
		fortieth: "forty",
		fiftieth: "fifty",
		sixtieth: "sixty",
		seventieth: "seventy",
		eightieth: "eighty",
		ninetieth: "ninety",
		hundredth: "hundred",
		thousandth: "thousand",
		millionth: "million",
		billionth: "billion",
	}),
);

const DIGITS = /^\d+(\.\d+)?$/;

/** A word's cardinal meaning; ordinals are read as their cardinal. */
function cardinalOf(word: string): string {
	return ORDINALS.get(word) ?? word;
}

function belowHundred(word: string | undefined): number | undefined {
	if (word === undefined) return undefined;
	const cardinal = cardinalOf(word);
	return ONES.get(cardinal) ?? TEENS.get(cardinal) ?? TENS.get(cardinal);
}

function ordinalSuffix(value: number): string {
	const lastTwo = value % 100;
	if (lastTwo >= 11 && lastTwo <= 13) return "th";
	return ["th", "st", "nd", "rd"][value % 10] ?? "th";
}

interface ParsedNumber {
	text: string;
	/** Index after the last word used. */
	end: number;
}

type WordKind =
	| "none"
	| "one"
	| "teen"
	| "ten"
	| "hundred"
	| "multiplier"
	| "and";

/**
 * Reads the longest number starting at `start`: groups below a thousand are built from
 * ones, teens, tens and "hundred", closed by ever-smaller multipliers.
 */
function parseNumber(
	words: readonly string[],
	start: number,
): ParsedNumber | undefined {
	let total = 0;
	let group = 0;
	let lastMultiplier = Number.POSITIVE_INFINITY;
	// The kind of the previous word decides what may follow it: "twenty one" but not "one twenty".
	let previous: WordKind = "none";
	let ordinal = false;
	let end = start;

	const leadingMultiplier = MULTIPLIERS.get(words[start + 1] ?? "");
	if (
		words[start] === "a" &&
		(words[start + 1] === "hundred" || leadingMultiplier !== undefined)
	) {
		group = 1;
		previous = "one";
		end = start + 1;
	} else if (leadingMultiplier !== undefined && DIGITS.test(words[start])) {
		// "5 million", "2.5 billion"
		total = Number(words[start]) * leadingMultiplier;
		if (!Number.isSafeInteger(total)) return undefined;
		lastMultiplier = leadingMultiplier;
		previous = "multiplier";
		end = start + 2;
	}

	while (end < words.length && !ordinal) {
		const raw = words[end];
		const word = cardinalOf(raw);
		const afterGroupStart =
			previous === "none" ||
			previous === "hundred" ||
			previous === "multiplier" ||
			previous === "and";
		const one = ONES.get(word);
		const teenOrTen = TEENS.get(word) ?? TENS.get(word);
		const multiplier = MULTIPLIERS.get(word);
		if (one !== undefined && one > 0) {
			if (!afterGroupStart && !(previous === "ten" && group % 10 === 0)) break;
			group += one;
			previous = "one";
		} else if (teenOrTen !== undefined) {
			if (!afterGroupStart) break;
			group += teenOrTen;
			previous = teenOrTen < 20 ? "teen" : "ten";
		} else if (word === "hundred") {
			if (group === 0 || group >= 100 || previous === "and") break;
			group *= 100;
			previous = "hundred";
		} else if (multiplier !== undefined) {
			if (group === 0 || multiplier >= lastMultiplier || previous === "and")
				break;
			total += group * multiplier;
			group = 0;
			lastMultiplier = multiplier;
			previous = "multiplier";
		} else if (raw === "and") {
			const next = belowHundred(words[end + 1]);
			if (!(previous === "hundred" || previous === "multiplier") || !next)
				break;
			previous = "and";
		} else {
			break;
		}
		ordinal = word !== raw;
		end++;
	}

	const value = total + group;
	if (end === start || value === 0) return undefined;
	if (ordinal) return { text: `${value}${ordinalSuffix(value)}`, end };
	if (end - start === 1 && value >= 16 && value <= 20)
		return readYear(words, value, end) ?? { text: String(value), end };
	return { text: String(value), end };
}

/** "nineteen ninety nine", "twenty twenty four", "nineteen oh five": a year read in pairs. */
function readYear(
	words: readonly string[],
	century: number,
	start: number,
): ParsedNumber | undefined {
	const afterOh = ONES.get(words[start + 1] ?? "");
	if (words[start] === "oh" && afterOh)
		return { text: `${century}0${afterOh}`, end: start + 2 };
	const first = words[start];
	if (first === undefined || ONES.has(first) || !belowHundred(first))
		return undefined;
	const rest = parseNumber(words, start);
	if (!rest || !/^\d\d$/.test(rest.text)) return undefined;
	return { text: `${century}${rest.text}`, end: rest.end };
}

/** "point" followed by digit words: the fractional digits and where they end. */
function parseFraction(
	words: readonly string[],
	start: number,
): ParsedNumber | undefined {
	if (words[start] !== "point") return undefined;
	let digits = "";
	let end = start + 1;
	while (end < words.length) {
		const digit = words[end] === "oh" ? 0 : ONES.get(words[end]);
		if (digit === undefined) break;
		digits += digit;
		end++;
	}
	return digits === "" ? undefined : { text: digits, end };
}

export function spelledNumbersToDigits(words: readonly string[]): string[] {
	const out: string[] = [];
	let i = 0;
	while (i < words.length) {
		const number =
			words[i] === "zero" ? { text: "0", end: i + 1 } : parseNumber(words, i);
		if (!number) {
			out.push(words[i++]);
			continue;
		}
		const fraction = DIGITS.test(number.text)
			? parseFraction(words, number.end)
			: undefined;
		out.push(fraction ? `${number.text}.${fraction.text}` : number.text);
		i = fraction ? fraction.end : number.end;
	}
	return out;
}
