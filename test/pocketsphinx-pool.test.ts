import assert from "node:assert/strict";
import { test } from "node:test";
import { createPocketSphinxEngine } from "../src/engines/pocketsphinx/index.js";
import {
	recognizeStream as recognize,
	spokenSamples,
} from "./helpers/engine-stream.js";

const SENTENCE = "please turn on the kitchen light";
const OPTIONS = { segmentationSilenceMs: 500 };

const speech = () => spokenSamples(SENTENCE);

/** Records when each promise settles, so the order of events can be checked. */
function track<T>(
	log: string[],
	name: string,
	promise: Promise<T>,
): Promise<T> {
	return promise.then((value) => {
		log.push(name);
		return value;
	});
}

test("a full decoder pool queues streams first come, first served, and hands each a clean decoder", async () => {
	const samples = await speech();
	const engine = createPocketSphinxEngine({ maxDecoders: 1 });
	const log: string[] = [];
	try {
		const first = await engine.openStream(OPTIONS);
		const second = track(log, "second opened", engine.openStream(OPTIONS));
		const third = track(log, "third opened", engine.openStream(OPTIONS));
		const alone = await recognize(first, samples);
		assert.match(alone, /kitchen/);
		log.push("first closing");
		await first.close();
		const handed = await second;
		// The reused decoder starts afresh: the same words as the first stream heard.
		assert.equal(await recognize(handed, samples), alone);
		log.push("second closing");
		await handed.close();
		const last = await third;
		assert.equal(await recognize(last, samples), alone);
		await last.close();
		assert.deepEqual(log, [
			"first closing",
			"second opened",
			"second closing",
			"third opened",
		]);
	} finally {
		await engine.close();
	}
});

test("a stream waiting for a decoder of another silence setting gets room once one is released", async () => {
	const samples = await speech();
	const engine = createPocketSphinxEngine({ maxDecoders: 1 });
	const log: string[] = [];
	try {
		const first = await engine.openStream(OPTIONS);
		const other = track(
			log,
			"other opened",
			engine.openStream({ segmentationSilenceMs: 300 }),
		);
		assert.match(await recognize(first, samples), /kitchen/);
		log.push("first closing");
		await first.close();
		const stream = await other;
		assert.deepEqual(log, ["first closing", "other opened"]);
		assert.match(await recognize(stream, samples), /kitchen/);
		await stream.close();
	} finally {
		await engine.close();
	}
});

test("streams that share a language model decode at once, each hearing what it hears alone", async () => {
	// Four decoders make one lane: they share one loaded model and take turns on it.
	const sentences = [
		SENTENCE,
		"i would like a cup of coffee",
		"the weather is nice today",
		"open the door",
	];
	const clips = await Promise.all(sentences.map(spokenSamples));
	const engine = createPocketSphinxEngine({ maxDecoders: 4 });
	try {
		const alone: string[] = [];
		for (const clip of clips) {
			const stream = await engine.openStream(OPTIONS);
			alone.push(await recognize(stream, clip));
			await stream.close();
		}
		assert.match(alone[0] as string, /kitchen/);
		const streams = await Promise.all(
			clips.map(() => engine.openStream(OPTIONS)),
		);
		const together = await Promise.all(
			streams.map((stream, i) => recognize(stream, clips[i] as Float32Array)),
		);
		assert.deepEqual(together, alone);
		await Promise.all(streams.map((s) => s.close()));
	} finally {
		await engine.close();
	}
});

test("closing the engine fails the streams still waiting, with a clear error", async () => {
	const engine = createPocketSphinxEngine({ maxDecoders: 1 });
	const first = await engine.openStream(OPTIONS);
	const waiting = engine.openStream(OPTIONS);
	await first.close();
	await (await waiting).close();
	const second = await engine.openStream(OPTIONS);
	const refused = engine.openStream(OPTIONS);
	await engine.close();
	await assert.rejects(refused, /the engine is closed/);
	await second.close();
});

test("maxDecoders must be a whole number >= 1", () => {
	assert.throws(
		() => createPocketSphinxEngine({ maxDecoders: 0 }),
		/maxDecoders must be a whole number >= 1, not 0/,
	);
});
