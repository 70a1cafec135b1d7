import assert from "node:assert/strict";
import { test } from "node:test";
import { scoreCorpus, scoreTranscript } from "../src/eval/score.js";
import {
	aggregate,
	characterErrorRate,
	countAlignment,
	countErrors,
	type ErrorCounts,
	renderAlignment,
	wordErrorRate,
} from "../src/eval/wer.js";

const split = (text: string) => text.split(" ").filter((w) => w !== "");

function counts(
	reference: string,
	hypothesis: string,
): ErrorCounts & { wer: number } {
	const { hits, substitutions, deletions, insertions, referenceLength, wer } =
		wordErrorRate(split(reference), split(hypothesis));
	return { hits, substitutions, deletions, insertions, referenceLength, wer };
}

test("counts hits, substitutions, deletions and insertions", () => {
	assert.deepEqual(counts("a b c d", "a b c d"), {
		hits: 4,
		substitutions: 0,
		deletions: 0,
		insertions: 0,
		referenceLength: 4,
		wer: 0,
	});
	assert.deepEqual(counts("a b c d", "a x c d"), {
		hits: 3,
		substitutions: 1,
		deletions: 0,
		insertions: 0,
		referenceLength: 4,
		wer: 0.25,
	});
	assert.deepEqual(counts("a b c d", "a c d"), {
		hits: 3,
		substitutions: 0,
		deletions: 1,
		insertions: 0,
		referenceLength: 4,
		wer: 0.25,
	});
	assert.deepEqual(counts("a b c", "a b x c"), {
		hits: 3,
		substitutions: 0,
		deletions: 0,
		insertions: 1,
		referenceLength: 3,
		wer: 1 / 3,
	});
	// "on the" have no partner; "here" is extra: 3 errors over 6 reference words.
	assert.deepEqual(counts("the cat sat on the mat", "the cat sat mat here"), {
		hits: 4,
		substitutions: 0,
		deletions: 2,
		insertions: 1,
		referenceLength: 6,
		wer: 0.5,
	});
});

test("prefers a deletion and an insertion to two substitutions, as sclite does", () => {
	// Two substitutions cost 4 + 4; deleting "a" and inserting "c" around the hit "b" costs 3 + 3.
	assert.deepEqual(wordErrorRate(["a", "b"], ["b", "c"]).alignment, [
		{ op: "D", ref: "a" },
		{ op: "=", ref: "b", hyp: "b" },
		{ op: "I", hyp: "c" },
	]);
});

test("breaks equal-cost ties toward the later substitution, as sclite does", () => {
	// "b" then "c" for "a": S+I and I+S both cost 7; sclite's back-trace takes the diagonal at the end.
	assert.deepEqual(wordErrorRate(["a"], ["b", "c"]).alignment, [
		{ op: "I", hyp: "b" },
		{ op: "S", ref: "a", hyp: "c" },
	]);
});

test("countErrors gives the counts of align()'s alignment", () => {
	let seed = 7;
	// A linear congruential generator: reproducible inputs without a dependency.
	const next = () => {
		seed = (seed * 1103515245 + 12345) % 2147483648;
		return seed / 2147483648;
	};
	const sequence = () =>
		Array.from(
			{ length: Math.floor(next() * 12) },
			() => "abcd"[Math.floor(next() * 4)],
		);
	for (let n = 0; n < 500; n++) {
		const reference = sequence();
		const hypothesis = sequence();
		assert.deepEqual(
			countErrors(reference, hypothesis),
			countAlignment(wordErrorRate(reference, hypothesis).alignment),
			`${reference.join("")} / ${hypothesis.join("")}`,
		);
	}
});

test("empty reference or hypothesis", () => {
	assert.deepEqual(counts("", ""), {
		hits: 0,
		substitutions: 0,
		deletions: 0,
		insertions: 0,
		referenceLength: 0,
		wer: 0,
	});
	assert.deepEqual(counts("", "x y"), {
		hits: 0,
		substitutions: 0,
		deletions: 0,
		insertions: 2,
		referenceLength: 0,
		wer: Number.POSITIVE_INFINITY,
	});
	assert.deepEqual(counts("x y", ""), {
		hits: 0,
		substitutions: 0,
		deletions: 2,
		insertions: 0,
		referenceLength: 2,
		wer: 1,
	});
	assert.deepEqual(wordErrorRate([], []).alignment, []);
});

test("renders the alignment as sclite's REF/HYP/Eval lines", () => {
	// Substituting "sit" for "sat", "on" or "the" costs the same; sclite takes the last.
	const { alignment } = wordErrorRate(
		split("the cat sat on the mat"),
		split("the cat sit mat here"),
	);
	assert.equal(
		renderAlignment(alignment),
		[
			"REF:  the cat SAT ON THE mat **** ",
			"HYP:  the cat *** ** SIT mat HERE ",
			"Eval:         D   D  S       I    ",
		].join("\n"),
	);
	assert.equal(renderAlignment([]), "REF:  \nHYP:  \nEval: ");
});

test("aggregates by summing counts, not averaging rates", () => {
	const total = aggregate([
		wordErrorRate(split("a b c d"), split("a x c d")),
		wordErrorRate(["a"], split("a b c")),
	]);
	// 1 substitution + 2 insertions over 4 + 1 reference words; the mean of rates would be 1.125.
	assert.deepEqual(total, {
		hits: 4,
		substitutions: 1,
		deletions: 0,
		insertions: 2,
		referenceLength: 5,
		wer: 0.6,
	});
	assert.equal(aggregate([]).wer, 0);
});

test("character error rate counts code points, spaces included", () => {
	// kitten → sitting: k→s, e→i, +g.
	const result = characterErrorRate("kitten", "sitting");
	assert.deepEqual(
		[
			result.substitutions,
			result.deletions,
			result.insertions,
			result.referenceLength,
		],
		[2, 0, 1, 6],
	);
	assert.equal(result.wer, 0.5);
	assert.equal(characterErrorRate("a b", "ab").deletions, 1);
	assert.equal(characterErrorRate("naïve", "naive").substitutions, 1);
});

test("scoreTranscript normalizes both sides before scoring", () => {
	const score = scoreTranscript(
		"Mr. Quilter was dishonoured, and he couldn't bear it.",
		"mister quilter was um dishonored and he could not bear it",
	);
	assert.equal(score.wer, 0);
	assert.equal(score.cer, 0);
	assert.equal(
		score.normalizedReference,
		"mister quilter was dishonored and he couldn't bear it",
	);

	const wrong = scoreTranscript("The colour is grey.", "the collar is gray");
	assert.equal(wrong.substitutions, 1);
	assert.equal(wrong.wer, 0.25);
	assert.equal(wrong.cer, 2 / "the color is gray".length);
});

test("scoreCorpus totals the counts of every utterance", () => {
	const { utterances, total } = scoreCorpus([
		{ reference: "Twenty-one guns.", hypothesis: "21 guns" },
		{ reference: "What's up?", hypothesis: "what is it" },
	]);
	assert.deepEqual(
		utterances.map((u) => u.wer),
		[0, 0.5],
	);
	assert.equal(total.referenceLength, 4);
	assert.equal(total.wer, 1 / 4);
});
