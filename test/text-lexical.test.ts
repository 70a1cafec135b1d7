import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { spell } from "../src/engines/pocketsphinx/align.js";
import { phraseJson } from "../src/recognition/text.js";
import { itnText, lexicalWords } from "../src/text/lexical.js";
import { numberWords, spelledNumbersToDigits } from "../src/text/numbers.js";

describe("Lexical: lowercase words as spoken", () => {
	test("punctuation goes, casing goes, apostrophes inside words stay", () => {
		assert.deepEqual(
			lexicalWords("Stuff it into you, his belly counseled him. What's that?"),
			"stuff it into you his belly counseled him what's that".split(" "),
		);
		assert.deepEqual(
			lexicalWords("flower-fat and “quoted” (words)…"),
			"flower fat and quoted words".split(" "),
		);
	});

	test("numbers, money, times and symbols are spelled out", () => {
		const cases: [string, string][] = [
			["In 1905.", "in nineteen oh five"],
			["In 2024 and 2005", "in twenty twenty four and two thousand five"],
			["1800", "eighteen hundred"],
			["1,500 cars", "one thousand five hundred cars"],
			["3.14", "three point one four"],
			["the 21st", "the twenty first"],
			["the 3rd and 12th", "the third and twelfth"],
			["$5.50", "five dollars and fifty cents"],
			["$20", "twenty dollars"],
			["10%", "ten percent"],
			["at 4:30 or 4:05 or 7:00", "at four thirty or four oh five or seven"],
			["R&D & co", "r d and co"],
			["007", "zero zero seven"],
			["123456", "one hundred twenty three thousand four hundred fifty six"],
		];
		for (const [text, lexical] of cases)
			assert.equal(lexicalWords(text).join(" "), lexical, text);
	});
});

describe("ITN: numbers as digits", () => {
	test("spelled-out numbers written as Moonshine or PocketSphinx gives them come back as digits", () => {
		for (const [text, itn] of [
			["In 1905, I paid $20.", "in 1905 i paid 20 dollars"],
			["one thousand five hundred cars", "1500 cars"],
			["the twenty first century", "the 21st century"],
			["three point one four", "3.14"],
			["turn on the lamp", "turn on the lamp"],
		])
			assert.equal(itnText(lexicalWords(text)), itn, text);
	});

	test("every number read out reads back to itself", () => {
		for (const n of [
			0, 7, 13, 20, 42, 100, 101, 999, 1000, 1066, 1500, 1905, 2000, 2005, 2010,
			2024, 12345, 1000000, 7000021,
		])
			assert.deepEqual(
				spelledNumbersToDigits(numberWords(String(n)) ?? []),
				[String(n)],
				String(n),
			);
	});
});

test("Detailed output: Lexical, ITN, MaskedITN and Display from one engine text", () => {
	const json = phraseJson(
		{
			text: "He paid $20 for 21 damn hats.",
			offset: 0,
			duration: 1,
			confidence: 0.9,
			words: [],
		},
		"Detailed",
		{ profanity: "Masked", dictation: false },
	) as { NBest: Record<string, string>[]; DisplayText: string };
	const best = json.NBest[0] as Record<string, string>;
	assert.equal(best.Lexical, "he paid twenty dollars for twenty one damn hats");
	assert.equal(best.ITN, "he paid 20 dollars for 21 **** hats");
	assert.equal(best.MaskedITN, "he paid 20 dollars for 21 **** hats");
	// Display keeps the engine's casing and punctuation.
	assert.equal(best.Display, "He paid $20 for 21 **** hats.");
});

describe("spellings for words the dictionary lacks", () => {
	const dictionary = new Map([
		["hester", "HH EH S T ER"],
		["night", "N AY T"],
		["lamp", "L AE M P"],
	]);
	const lookup = (w: string) => dictionary.get(w) ?? null;

	test("a dictionary stem with an ending, or two dictionary words", () => {
		assert.equal(spell("hester's", lookup), "HH EH S T ER Z");
		assert.equal(spell("hesters", lookup), "HH EH S T ER Z");
		assert.equal(spell("nightlamp", lookup), "N AY T L AE M P");
	});

	test("else a reading of its letters, doubled consonants once, a final e silent", () => {
		assert.equal(spell("prynne", lookup), "P R IY N");
		assert.equal(spell("shwa", lookup), "SH W AE");
		assert.equal(spell("x", lookup), "K S");
	});
});
