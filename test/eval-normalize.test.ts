import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeEnglish, words } from "../src/eval/normalize.js";
import { scoreTranscript } from "../src/eval/score.js";

function assertSame(a: string, b: string): void {
	assert.equal(
		normalizeEnglish(a),
		normalizeEnglish(b),
		`${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
	);
}

test("lower-cases and strips punctuation, keeping apostrophes inside words", () => {
	assert.equal(
		normalizeEnglish("Hello, World!  How are YOU?"),
		"hello world how are you",
	);
	assert.equal(
		normalizeEnglish("“Quoted” — text; with: various… marks"),
		"quoted text with various marks",
	);
	assert.equal(
		normalizeEnglish("'Tis the dog's bone, the dogs' bones."),
		"tis the dog's bone the dogs bones",
	);
	assert.equal(normalizeEnglish("It’s o’clock"), "it's o'clock");
	assert.equal(normalizeEnglish("Café naïve"), "cafe naive");
});

test("removes bracketed and parenthesized asides", () => {
	assert.equal(
		normalizeEnglish("[laughter] Hello (aside) there <noise> {breath}"),
		"hello there",
	);
});

test("titles read as words: Mr. is mister", () => {
	assertSame("Mr. Quilter", "mister quilter");
	assertSame("Mrs. Jones", "missus jones");
	assertSame("Dr. Smith", "doctor smith");
	assertSame("St. Paul", "saint paul");
	assert.equal(normalizeEnglish("Mr Brown, Jr."), "mister brown junior");
});

test("British spellings become American", () => {
	assertSame("dishonoured", "dishonored");
	assertSame(
		"colour colours coloured colourful",
		"color colors colored colorful",
	);
	assertSame("neighbour neighbourhood", "neighbor neighborhood");
	assertSame(
		"counselled travelling cancelled labelled",
		"counseled traveling canceled labeled",
	);
	assertSame("centre theatre metres centred", "center theater meters centered");
	assertSame(
		"realise organised apologising civilisation",
		"realize organized apologizing civilization",
	);
	assertSame("analyse paralysed", "analyze paralyzed");
	assertSame("grey programme defence", "gray program defense");
	// Words that only look British stay.
	assert.equal(
		normalizeEnglish("our hour flour tour acre promise"),
		"our hour flour tour acre promise",
	);
});

test("contractions and their full forms normalize alike", () => {
	assertSame("what's that", "what is that");
	assertSame("I don't know", "I do not know");
	assertSame("it isn't", "it is not");
	assertSame("it's not", "it is not");
	assertSame("I'm here", "I am here");
	assertSame("they're gone", "they are gone");
	assertSame("we've been", "we have been");
	assertSame("she'll go", "she will go");
	assertSame("he'd gone", "he had gone");
	assertSame("he'd go", "he would go");
	assertSame("I won't", "I will not");
	assertSame("you can't", "you cannot");
	assertSame("you can't", "you can not");
	assertSame("let's go", "let us go");
	assertSame("I'm gonna go", "I am going to go");
	assert.equal(normalizeEnglish("what is that"), "what's that");
	assert.equal(normalizeEnglish("ain't"), "ain't");
});

test("spelled-out numbers become digits", () => {
	assertSame("twenty one", "21");
	assertSame("twenty-one", "21");
	assertSame("one hundred and five", "105");
	assertSame("a hundred people", "100 people");
	assertSame("two thousand and five", "2005");
	assertSame("one million two hundred thousand", "1,200,000");
	assertSame("nineteen ninety nine", "1999");
	assertSame("twenty twenty four", "2024");
	assertSame("nineteen oh five", "1905");
	assertSame("three point one four", "3.14");
	assertSame("the twenty first century", "the 21st century");
	assertSame("zero", "0");
	// Separate numbers stay separate.
	assert.equal(normalizeEnglish("one two three"), "1 2 3");
	assert.equal(normalizeEnglish("seven fifteen"), "7 15");
});

test("percent and currency read as words", () => {
	assertSame("10%", "ten percent");
	assertSame("10 per cent", "ten percent");
	assertSame("$5", "five dollars");
	assertSame("$1", "one dollar");
	assertSame("$5.50", "five dollars and fifty cents");
	assertSame("$5 million", "five million dollars");
	assertSame("£20", "twenty pounds");
	assertSame("rock & roll", "rock and roll");
});

test("drops fillers that references leave out", () => {
	assert.equal(
		normalizeEnglish("Uh, I um think, hmm, mm, ah, er, yes."),
		"i think yes",
	);
	assert.equal(normalizeEnglish("uh"), "");
});

test("splits hyphenated words and collapses whitespace", () => {
	assert.equal(
		normalizeEnglish("  a  well-known\tmother-in-law \n "),
		"a well known mother in law",
	);
	assert.deepEqual(words(normalizeEnglish("  spaced   out  ")), [
		"spaced",
		"out",
	]);
	assert.deepEqual(words(""), []);
});

test("words that look like object keys are plain words", () => {
	assert.equal(
		normalizeEnglish("constructor toString valueOf one"),
		"constructor tostring valueof 1",
	);
});

test("scores do not punish equivalent spellings", () => {
	const cases: [string, string][] = [
		[
			"Mr. Quilter is the apostle of the middle classes.",
			"mister quilter is the apostle of the middle classes",
		],
		["He was dishonoured.", "he was dishonored"],
		[
			"What's twenty-one percent of $100?",
			"what is 21% of one hundred dollars",
		],
		["Um, I'd say it's the centre.", "I would say it is the center"],
	];
	for (const [reference, hypothesis] of cases) {
		assert.equal(
			scoreTranscript(reference, hypothesis).wer,
			0,
			`${reference} | ${hypothesis}`,
		);
	}
});

test("digit groups and odd commas", () => {
	assert.equal(
		normalizeEnglish("1,000,000 and 1,0000 and 3,5"),
		"1000000 and 1 0000 and 3 5",
	);
	assertSame("£5.50", "five pounds and fifty pence");
	assertSame("50¢", "fifty cents");
});
