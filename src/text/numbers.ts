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

const ONES_WORDS = [...ONES.keys()];
const TEENS_WORDS = [...TEENS.keys()];
const TENS_WORDS = ["", "", ...TENS.keys()];
const ORDINAL_OF = new Map([...ORDINALS].map(([ordinal, c]) => [c, ordinal]));

function belowThousandWords(n: number): string[] {
	const words: string[] = [];
	if (n >= 100) {
		words.push(ONES_WORDS[Math.floor(n / 100)] as string, "hundred");
		n %= 100;
	}
	if (n >= 20) {
		words.push(TENS_WORDS[Math.floor(n / 10)] as string);
		n %= 10;
		if (n > 0) words.push(ONES_WORDS[n] as string);
	} else if (n >= 10) words.push(TEENS_WORDS[n - 10] as string);
	else if (n > 0) words.push(ONES_WORDS[n] as string);
	return words;
}

/** A whole number in words, as read ("one hundred twenty three"); digit by digit past the trillions. */
export function cardinalWords(digits: string): string[] {
	if (/^0\d/.test(digits) || digits.length > 15)
		return [...digits].map((d) => ONES_WORDS[Number(d)] as string);
	let n = Number(digits);
	if (n === 0) return ["zero"];
	const words: string[] = [];
	for (const [name, size] of [...MULTIPLIERS].reverse()) {
		if (n >= size) {
			words.push(...belowThousandWords(Math.floor(n / size)), name);
			n %= size;
		}
	}
	return [...words, ...belowThousandWords(n)];
}

/**
 * A four-digit year as read in pairs ("nineteen oh five", "twenty twenty four", "eighteen
 * hundred"); undefined for numbers not read that way (2000 to 2009, under 1100).
 */
function yearWords(digits: string): string[] | undefined {
	const n = Number(digits);
	if (!/^\d{4}$/.test(digits) || n < 1100 || (n >= 2000 && n < 2010))
		return undefined;
	const century = belowThousandWords(Math.floor(n / 100));
	const rest = n % 100;
	if (rest === 0) return [...century, "hundred"];
	if (rest < 10) return [...century, "oh", ONES_WORDS[rest] as string];
	return [...century, ...belowThousandWords(rest)];
}

/**
 * A written number as spoken words: "1905" → "nineteen oh five", "1,500" → "one thousand
 * five hundred", "3.14" → "three point one four", "21st" → "twenty first". Undefined when
 * `token` is not a number.
 */
export function numberWords(token: string): string[] | undefined {
	const match = /^(-?)(\d[\d,]*)(?:\.(\d+))?(st|nd|rd|th)?$/.exec(token);
	if (!match) return undefined;
	const [, minus, whole = "", fraction, ordinal] = match;
	if (whole.includes(",") && !/^\d{1,3}(,\d{3})+$/.test(whole))
		return undefined;
	const digits = whole.replace(/,/g, "");
	let words =
		(!whole.includes(",") && !fraction && !ordinal && !minus
			? yearWords(digits)
			: undefined) ?? cardinalWords(digits);
	if (ordinal) {
		const last = words.at(-1) as string;
		words = [...words.slice(0, -1), ORDINAL_OF.get(last) ?? `${last}th`];
	}
	if (fraction)
		words.push(
			"point",
			...[...fraction].map((d) => ONES_WORDS[Number(d)] as string),
		);
	return minus ? ["minus", ...words] : words;
}
