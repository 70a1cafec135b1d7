/**
 * Word alignment with PocketSphinx (the word times of Moonshine's phrases), on flite speech
 * through Debian's libpocketsphinx3 and en-us model.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { PocketSphinxAligner } from "../src/engines/pocketsphinx/align.js";
import { spokenSamples } from "./helpers/engine-stream.js";

const WORDS =
	"he hoped there would be stew for dinner turnips and carrots".split(" ");
const aligner = PocketSphinxAligner.create();
after(() => aligner.close());

test("audio cut where its last word starts, as a partial's may be: a cut alignment times the words before it as the whole audio does; one that must reach the last word times none", async () => {
	const samples = await spokenSamples(WORDS.join(" "));
	const whole = await aligner.align(samples, WORDS);
	assert.equal(whole.length, WORDS.length);
	const last = whole.at(-1);
	assert.ok(last && last.confidence > 0, "the whole audio reaches every word");
	// 50 ms of the last word: fewer frames than its phones' states need.
	const cutAt = last.startSample + 800;
	const audio = samples.subarray(0, cutAt);

	assert.deepEqual(await aligner.align(audio, WORDS), []);
	const cut = await aligner.align(audio, WORDS, true);
	assert.equal(cut.length, WORDS.length);
	for (const [i, word] of cut.slice(0, -2).entries()) {
		const same = whole[i];
		assert.ok(word.confidence > 0 && same, `${word.word} was searched for`);
		// 10 ms frames: the same boundaries, give or take a few frames.
		assert.ok(
			Math.abs(word.startSample - same.startSample) <= 480 &&
				Math.abs(word.endSample - same.endSample) <= 480,
			`${word.word}: ${word.startSample}–${word.endSample} against ${same.startSample}–${same.endSample}`,
		);
	}
	for (const word of cut) assert.ok(word.endSample <= audio.length);
});
