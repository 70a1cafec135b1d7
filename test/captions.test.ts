/**
 * The subtitle cue builder (web/captions.js), shared by `earshot recognize -o srt|vtt` and the
 * captions page: limits, word-time splits, punctuation and pauses, and the edge cases; then the
 * CLI's flags on real speech.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
	buildCues,
	CAPTION_DEFAULTS,
	type CaptionPhrase,
	type Cue,
	formatCue,
	settleCues,
} from "../web/captions.js";
import { earshot } from "./helpers/cli.js";
import { synthesize, withPauses } from "./helpers/speech.js";

const TICKS = 10_000_000;

/**
 * A phrase of the words in `spec`, from `start` s: each 0.3 s long (or `seconds`), 0.05 s after
 * the one before plus any `pause`; the engine's words are the text's, bare and lower-case.
 */
function spoken(
	spec: (string | [string, { pause?: number; seconds?: number }])[],
	start = 0,
): CaptionPhrase {
	let at = start;
	const words = spec.map((item) => {
		const [text, { pause = 0, seconds = 0.3 }] =
			typeof item === "string" ? [item, {}] : item;
		at += pause;
		const word = {
			word: text.toLowerCase().replace(/[^a-z0-9']/g, ""),
			offset: Math.round(at * TICKS),
			duration: Math.round(seconds * TICKS),
		};
		at += seconds + 0.05;
		return { text, word };
	});
	const first = words[0]?.word.offset ?? Math.round(start * TICKS);
	const last = words.at(-1)?.word;
	return {
		text: words.map((w) => w.text).join(" "),
		offset: first,
		duration: last ? last.offset + last.duration - first : 0,
		words: words.map((w) => w.word),
	};
}

const text = (cues: Cue[]) => cues.map((c) => c.lines.join(" ")).join(" ");
const lines = (cues: Cue[]) => cues.map((c) => c.lines);

describe("subtitle cues", () => {
	test("a short phrase is one cue on one line, timed by its words", () => {
		const cues = buildCues([spoken(["Hello", "there."], 2)]);
		assert.deepEqual(lines(cues), [["Hello there."]]);
		assert.equal(cues[0].start, 2);
		// 0.65 s of speech stays up for the minimum second.
		assert.equal(cues[0].end, 3);
	});

	test("a long phrase is cut into cues of at most 2 lines of 42 characters and 7 s", () => {
		const words = Array.from({ length: 120 }, (_, i) =>
			i % 9 === 8 ? "wisdom," : ["it", "was", "the", "age", "of"][i % 5],
		);
		const phrase = spoken(words);
		const cues = buildCues([phrase]);
		assert.equal(text(cues), phrase.text);
		for (const cue of cues) {
			assert.ok(cue.lines.length <= 2, JSON.stringify(cue));
			for (const line of cue.lines) assert.ok(line.length <= 42, line);
			assert.ok(cue.end - cue.start <= 7, JSON.stringify(cue));
			assert.ok(cue.end - cue.start >= 1, JSON.stringify(cue));
		}
		for (const [a, b] of cues.slice(1).map((c, i) => [cues[i], c]))
			assert.ok(a.end <= b.start, "cues do not overlap");
	});

	test("cuts prefer a sentence end, then a comma, to filling the cue", () => {
		const phrase = spoken(
			"So it was decided. We would leave at dawn, before the heat of the day came over the hills and the road.".split(
				" ",
			),
		);
		const cues = buildCues([phrase]);
		assert.equal(cues[0].lines.join(" "), "So it was decided.");
		assert.match(cues[1].lines.join(" "), /^We would leave at dawn,/);
		// What fits on one line stays on one; two lines break after a comma.
		const two = buildCues([
			spoken("Well, in the end we went back home.".split(" ")),
		]);
		assert.deepEqual(lines(two), [["Well, in the end we went back home."]]);
		const wrapped = buildCues([
			spoken(
				"When the rain stopped at last, we walked down to the river.".split(
					" ",
				),
			),
		]);
		assert.deepEqual(lines(wrapped), [
			["When the rain stopped at last,", "we walked down to the river."],
		]);
	});

	test("a pause is a good place to cut, even without punctuation", () => {
		const before =
			"and then we all went down to the old mill by the water".split(" ");
		const after = "where nobody had been for years and years and years".split(
			" ",
		);
		const phrase = spoken([
			...before,
			...after.map((w, i): [string, { pause?: number }] => [
				w,
				i === 0 ? { pause: 0.8 } : {},
			]),
		]);
		const cues = buildCues([phrase]);
		assert.equal(cues.length, 2, JSON.stringify(cues));
		assert.equal(cues[0].lines.join(" "), before.join(" "));
		assert.equal(
			cues[1].start,
			(phrase.words?.[before.length].offset ?? 0) / TICKS,
		);
	});

	test("cues are timed from the words, not spread evenly", () => {
		// A slow start: the first five words take 4 s, the rest are quick.
		const phrase = spoken([
			...["Slowly,", "very", "slowly,", "he", "said"].map(
				(w): [string, { seconds: number }] => [w, { seconds: 0.75 }],
			),
			..."that the train would never come to this station again today or tomorrow or ever.".split(
				" ",
			),
		]);
		const cues = buildCues([phrase]);
		assert.ok(cues.length >= 2);
		const second = cues[1];
		const firstWord = second.lines[0].split(" ")[0];
		const index = phrase.text.split(" ").indexOf(firstWord);
		assert.equal(second.start, (phrase.words?.[index].offset ?? 0) / TICKS);
	});

	test("with no word times the phrase's time is split in proportion to characters", () => {
		const words =
			"one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(
				" ",
			);
		const phrase = {
			text: words.join(" "),
			offset: 10 * TICKS,
			duration: 10 * TICKS,
		};
		const cues = buildCues([phrase], { maxLines: 1 });
		assert.ok(cues.length >= 3, JSON.stringify(cues));
		assert.equal(cues[0].start, 10);
		assert.equal(cues.at(-1)?.end, 20);
		const chars = words.join("").length;
		let seen = 0;
		for (const cue of cues) {
			assert.ok(
				Math.abs(cue.start - (10 + (10 * seen) / chars)) < 1e-9,
				JSON.stringify(cue),
			);
			seen += cue.lines.join("").replaceAll(" ", "").length;
		}
	});

	test("words that differ from the text (digits, punctuation words) are mapped by characters", () => {
		const phrase: CaptionPhrase = {
			text: "It costs 25 dollars.",
			offset: 0,
			duration: 3 * TICKS,
			words: ["it", "costs", "twenty", "five", "dollars"].map((word, i) => ({
				word,
				offset: Math.round(i * 0.6 * TICKS),
				duration: Math.round(0.5 * TICKS),
			})),
		};
		const cues = buildCues([phrase], { maxLineChars: 10, maxLines: 1 });
		assert.deepEqual(lines(cues), [["It costs"], ["25"], ["dollars."]]);
		assert.ok(
			cues[1].start >= 1.2 && cues[1].start < 2.4,
			JSON.stringify(cues),
		);
	});

	test("a word longer than a line gets a cue of its own, uncut", () => {
		const long =
			"Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-and-more";
		const cues = buildCues([spoken(["I", "have", long, "today."])]);
		assert.deepEqual(lines(cues), [["I have"], [long], ["today."]]);
		const alone = buildCues([spoken([long])]);
		assert.deepEqual(lines(alone), [[long]]);
	});

	test("no text, or no words at all, makes no cue", () => {
		assert.deepEqual(buildCues([]), []);
		assert.deepEqual(
			buildCues([{ text: "", offset: 0, duration: 5 * TICKS }]),
			[],
		);
		assert.deepEqual(
			buildCues([{ text: "   ", offset: 0, duration: 0, words: [] }]),
			[],
		);
	});

	test("very short phrases stay up for the minimum, but never over the next cue", () => {
		const cues = buildCues([
			spoken(["Yes."], 1),
			spoken(["No."], 1.5),
			spoken(["Maybe."], 4),
			{ text: "Instant.", offset: 10 * TICKS, duration: 0 },
		]);
		assert.deepEqual(
			cues.map((c) => [c.start, c.end]),
			[
				[1, 1.5],
				[1.5, 2.5],
				[4, 5],
				[10, 11],
			],
		);
		assert.deepEqual(
			settleCues(cues.slice(0, 1), 1.2, CAPTION_DEFAULTS).at(0)?.end,
			1.2,
		);
	});

	test("the limits can be changed", () => {
		const phrase = spoken(
			"the quick brown fox jumps over the lazy dog and runs away into the dark green forest".split(
				" ",
			),
		);
		const narrow = buildCues([phrase], { maxLineChars: 20, maxLines: 1 });
		for (const cue of narrow) {
			assert.equal(cue.lines.length, 1);
			assert.ok(cue.lines[0].length <= 20, cue.lines[0]);
		}
		const short = buildCues([phrase], { maxCueSeconds: 1.5, minCueSeconds: 0 });
		for (const cue of short)
			assert.ok(cue.end - cue.start <= 1.5, JSON.stringify(cue));
		assert.ok(short.length > narrow.length / 2);
		assert.equal(text(short), phrase.text);
	});

	test("SRT and WebVTT blocks", () => {
		const cue = { start: 61.5, end: 3723.0004, lines: ["one", "two"] };
		assert.equal(
			formatCue(cue, 3, "srt"),
			"3\n00:01:01,500 --> 01:02:03,000\none\ntwo\n\n",
		);
		assert.equal(
			formatCue(cue, 3, "vtt"),
			"00:01:01.500 --> 01:02:03.000\none\ntwo\n\n",
		);
	});

	test("any phrases: the text is kept in order, within the limits, in non-overlapping cues", () => {
		const word = fc.oneof(
			fc.stringMatching(/^[a-z]{1,12}[,.?]?$/),
			fc.stringMatching(/^[a-z]{40,60}$/),
		);
		const phrase = fc.record({
			words: fc.array(
				fc.record({
					text: word,
					pause: fc.double({ min: 0, max: 2, noNaN: true }),
				}),
				{ maxLength: 80 },
			),
			gap: fc.double({ min: 0, max: 3, noNaN: true }),
			timed: fc.boolean(),
		});
		const limits = fc.record({
			maxLineChars: fc.integer({ min: 10, max: 60 }),
			maxLines: fc.integer({ min: 1, max: 3 }),
			maxCueSeconds: fc.double({ min: 1, max: 10, noNaN: true }),
			minCueSeconds: fc.double({ min: 0, max: 2, noNaN: true }),
		});
		fc.assert(
			fc.property(
				fc.array(phrase, { maxLength: 6 }),
				limits,
				(specs, limit) => {
					let at = 0;
					const phrases = specs.map((spec) => {
						at += spec.gap;
						const p = spoken(
							spec.words.map((w): [string, { pause: number }] => [
								w.text,
								{ pause: w.pause },
							]),
							at,
						);
						at = (p.offset + p.duration) / TICKS + 0.01;
						return spec.timed ? p : { ...p, words: undefined };
					});
					const cues = buildCues(phrases, limit);
					assert.equal(
						text(cues),
						phrases
							.map((p) => p.text)
							.filter(Boolean)
							.join(" "),
					);
					for (const [i, cue] of cues.entries()) {
						const single =
							cue.lines.length === 1 && !cue.lines[0].includes(" ");
						if (!single) {
							assert.ok(cue.lines.length <= limit.maxLines);
							for (const line of cue.lines)
								assert.ok(line.length <= limit.maxLineChars);
						}
						assert.ok(cue.start <= cue.end);
						if (i > 0) assert.ok(cues[i - 1].end <= cue.start + 1e-9);
					}
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe("earshot recognize -o srt|vtt", () => {
	const sentences = [
		"the birch canoe slid on the smooth planks and glued the sheet to the dark blue background",
		"it is easy to tell the depth of a well",
	];
	const file = withPauses(
		sentences.map((s) => synthesize(s, { voice: "awb" })),
		1,
	);

	test("the limits given as flags shape the cues, which keep every word", () => {
		const { code, stdout, stderr } = earshot([
			"recognize",
			"--engine",
			"pocketsphinx",
			"-f",
			file,
			"-o",
			"srt",
			"--max-line-chars",
			"20",
			"--max-lines",
			"1",
			"--max-cue-seconds",
			"2",
		]);
		assert.equal(code, 0, stderr);
		const cues = stdout
			.trim()
			.split("\n\n")
			.map((block) => block.split("\n"));
		const text = earshot(["recognize", "--engine", "pocketsphinx", "-f", file]);
		assert.equal(
			cues.map((c) => c.slice(2).join(" ")).join(" "),
			text.stdout.trim().split("\n").join(" "),
		);
		assert.ok(cues.length >= 4, stdout);
		for (const [i, [index, times, ...lines]] of cues.entries()) {
			assert.equal(index, String(i + 1));
			const [start, end] = times.split(" --> ").map(srtSeconds);
			assert.ok(end - start <= 2 || !lines[0].includes(" "), times);
			assert.equal(lines.length, 1, stdout);
			assert.ok(lines[0].length <= 20 || !lines[0].includes(" "), stdout);
		}
	});

	test("a limit out of range is refused, naming the flag", () => {
		const bad = earshot([
			"recognize",
			"-f",
			file,
			"-o",
			"srt",
			"--max-lines",
			"0",
		]);
		assert.equal(bad.code, 1);
		assert.match(
			bad.stderr,
			/--max-lines <n>' argument '0' is invalid\. must be a whole number from 1 to 5\./,
		);
		const crossed = earshot([
			"recognize",
			"-f",
			file,
			"--min-cue-seconds",
			"5",
			"--max-cue-seconds",
			"3",
		]);
		assert.equal(crossed.code, 2);
		assert.match(
			crossed.stderr,
			/--min-cue-seconds \(5\) is more than --max-cue-seconds \(3\)/,
		);
	});
});

function srtSeconds(time: string): number {
	const [h, m, s] = time.replace(",", ".").split(":").map(Number);
	return h * 3600 + m * 60 + s;
}
