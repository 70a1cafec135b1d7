/**
 * earshot's own greedy decoding of Moonshine on onnxruntime, against sherpa-onnx's decoder of
 * the same files, and with drafts right, partly right and wrong: the transcript never depends
 * on the draft.
 */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, before, describe, test } from "node:test";
import sherpa from "sherpa-onnx-node";
import type { Engine, EngineStream } from "../src/engines/engine.js";
import { selectEngine } from "../src/engines/select.js";
import { STREAMS_PER_WORKER } from "../src/engines/sherpa/engine.js";
import {
	joinDraft,
	loopStart,
	MoonshineDecoder,
} from "../src/engines/sherpa/moonshine.js";
import { scoreTranscript } from "../src/eval/score.js";
import { AudioConfig } from "../src/index.js";
import { findInstalledModel } from "../src/models/index.js";
import { recognizeStream, spokenSamples } from "./helpers/engine-stream.js";
import { MOONSHINE, moonshineFixture } from "./helpers/moonshine.js";
import { CancellationReason, recognizeAll } from "./helpers/recognize.js";
import { synthesize, withPauses } from "./helpers/speech.js";

const moonshine = await moonshineFixture();
const SENTENCE = "please turn on the kitchen light and close the window";

test("a looping decode keeps the first period of what it repeats to its end", () => {
	// "He can win. He can win."
	assert.equal(loopStart([7, 8, 9, 3, 7, 8, 9, 3]), 4);
	// "R. R. R. R."
	assert.equal(loopStart([5, 3, 5, 3, 5, 3, 5, 3]), 2);
	// "After after after after"
	assert.equal(loopStart([4, 5, 5, 5, 5]), 2);
	// "Turn on the left side. Turn on": the repeat is cut off by the limit.
	assert.equal(loopStart([4, 5, 6, 7, 8, 9, 4, 5]), 6);
	// No repeat runs to the end, or one too short to tell from speech ("the the").
	assert.equal(loopStart([4, 5, 6, 7]), 4);
	assert.equal(loopStart([4, 5, 5]), 3);
	assert.equal(loopStart([4, 5, 4, 6, 4]), 5);
	assert.equal(loopStart([]), 0);
});

describe("Moonshine decoded on onnxruntime", { skip: moonshine.skip }, () => {
	let decoder: MoonshineDecoder;
	let files: { encoder: string; mergedDecoder: string; tokens: string };
	let samples: Float32Array;

	before(async () => {
		assert.equal(moonshine.missing, undefined, moonshine.missing);
		const model = await findInstalledModel(MOONSHINE);
		assert.ok(model?.kind === "moonshine-v2", `${MOONSHINE} is ${model?.kind}`);
		files = model.files;
		decoder = await MoonshineDecoder.load(files, { encoder: 1, decoder: 1 });
		samples = sherpa.readWave(synthesize(SENTENCE, { voice: "awb" })).samples;
	});
	after(() => decoder?.release());

	test("the transcript is sherpa-onnx's for the same files", async () => {
		const ours = await decoder.decode(samples);
		assert.ok(
			scoreTranscript(SENTENCE, ours.text).wer <= 0.2,
			`"${ours.text}" is not "${SENTENCE}"`,
		);
		const recognizer = new sherpa.OfflineRecognizer({
			featConfig: { sampleRate: 16000, featureDim: 80 },
			modelConfig: {
				moonshine: {
					encoder: files.encoder,
					mergedDecoder: files.mergedDecoder,
				},
				tokens: files.tokens,
				numThreads: 1,
			},
		});
		const stream = recognizer.createStream();
		stream.acceptWaveform({ samples, sampleRate: 16000 });
		recognizer.decode(stream);
		assert.equal(ours.text, recognizer.getResult(stream).text.trim());
		assert.equal(ours.tokens.length, ours.logProbs.length);
		assert.ok(ours.logProbs.every((p) => p <= 0 && p > -50));
	});

	test("a draft, right, partly right or wrong, never changes the transcript", async () => {
		const plain = await decoder.decode(samples);
		const start = await decoder.decode(
			samples.subarray(0, samples.length >> 1),
		);
		const drafts = {
			"its own tokens": plain.ids,
			"the first half's tokens": start.ids,
			"the tokens reversed": [...plain.ids].reverse(),
			"too many tokens": [...plain.ids, ...plain.ids, ...plain.ids],
			// Wrong at one place, then right again: checked on from there, a pass at a time.
			"its first token changed": [5, ...plain.ids.slice(1)],
			"a token left out": [...plain.ids.slice(0, 3), ...plain.ids.slice(4)],
			"a token put in": [...plain.ids.slice(0, 3), 7, ...plain.ids.slice(3)],
			// Right again after the first, then wrong: the step after it builds on the pass.
			"two tokens changed": [
				...plain.ids.slice(0, 2),
				5,
				...plain.ids.slice(3, 6),
				5,
				...plain.ids.slice(7),
			],
		};
		for (const [name, draft] of Object.entries(drafts)) {
			const drafted = await decoder.decode(samples, { draft });
			assert.deepEqual(drafted.ids, plain.ids, name);
			assert.equal(drafted.text, plain.text, name);
			// The same tokens from other decoder inputs would not have the same scores: a pass
			// over several tokens and a step give the same to within int8 rounding (measured
			// up to 0.03), and a step that lost the tokens before it does not.
			for (const [i, p] of drafted.logProbs.entries())
				assert.ok(
					Math.abs(p - (plain.logProbs[i] as number)) < 0.05,
					`${name}: token ${i} scored ${p}, not ${plain.logProbs[i]}`,
				);
		}
	});

	test("a draft joined with a decode of its audio's end and what followed is the whole audio's tokens", async () => {
		const whole = await decoder.decode(samples);
		const third = Math.round(samples.length / 3);
		const start = await decoder.decode(samples.subarray(0, 2 * third));
		const end = await decoder.decode(samples.subarray(third));
		// No word doubled or lost where they join; the end's decode may end on a full stop
		// where the whole's does not.
		const joined = joinDraft(start.ids, end.ids);
		assert.deepEqual(
			joined?.slice(0, whole.ids.length),
			whole.ids,
			`"${start.text}" + "${end.text}" is not "${whole.text}"`,
		);
		assert.ok((joined?.length ?? 0) <= whole.ids.length + 1);
		assert.equal(joinDraft(start.ids, [5, 6, 7]), undefined);
		assert.equal(joinDraft([], end.ids), undefined);
	});

	test("the first fifth of a second of speech, which the decoder loops on, gives each word once", async () => {
		// Traced: each of these prefixes decoded to "I, I, I, I," up to the token limit.
		const speech = sherpa.readWave(
			synthesize("i would like a cup of coffee", { voice: "awb" }),
		).samples;
		const onset = speech.findIndex((s) => Math.abs(s) >= 0.01);
		for (const ms of [150, 200, 250]) {
			const result = await decoder.decode(speech.subarray(0, onset + ms * 16));
			const words = result.text.toLowerCase().match(/[a-z']+/g) ?? [];
			assert.ok(result.ids.length < 8, `${ms} ms: "${result.text}"`);
			assert.ok(
				words.every((word, i) => word !== words[i - 1]),
				`${ms} ms: "${result.text}"`,
			);
		}
	});

	test("audio shorter than the encoder's window decodes, to a bounded number of tokens", async () => {
		for (const length of [0, 400, 1000]) {
			const result = await decoder.decode(samples.subarray(0, length));
			assert.ok(result.ids.length <= 8, `${length} samples: ${result.text}`);
		}
	});

	test("streams at once each get their own transcript, with partials, from one shared worker", async () => {
		delete process.env.EARSHOT_ENGINE;
		const texts = [
			["the weather is nice today", "i would like a cup of coffee"],
			["please turn on the kitchen light", "close the window"],
			["call my sister tomorrow", "the train leaves at noon"],
		];
		const runs = await Promise.all(
			texts.map((sentences) =>
				recognizeAll(
					AudioConfig.fromWavFileInput(
						withPauses(
							sentences.map((t) => synthesize(t, { voice: "awb" })),
							1,
						),
					),
				),
			),
		);
		for (const [i, run] of runs.entries()) {
			const reference = (texts[i] as string[]).join(" ");
			assert.equal(
				run.canceled?.reason,
				CancellationReason.EndOfStream,
				run.canceled?.errorDetails,
			);
			assert.ok(
				scoreTranscript(reference, run.transcript).wer <= 0.25,
				`"${run.transcript}" is not "${reference}"`,
			);
		}
		assert.ok(
			runs.some((run) => run.events.some((e) => e.type === "recognizing")),
			"partials were decoded",
		);
		// The recognizers share the engine, whose model is loaded once for all three.
		assert.equal(workersOf(await selectEngine()), 1);
	});

	test(`a stream beyond ${STREAMS_PER_WORKER} on a worker starts another, where a core is free, and both decode`, async () => {
		delete process.env.EARSHOT_ENGINE;
		const engine = await selectEngine();
		const streams: EngineStream[] = [];
		try {
			for (let i = 0; i <= STREAMS_PER_WORKER; i++)
				streams.push(await engine.openStream({ segmentationSilenceMs: 500 }));
			assert.equal(workersOf(engine), Math.min(2, availableParallelism()));
			// The first worker's first stream and the second worker's, at once.
			const sentences = [
				"the weather is nice today",
				"please turn on the kitchen light",
			];
			const pair = [streams[0], streams[STREAMS_PER_WORKER]];
			const heard = await Promise.all(
				sentences.map(async (sentence, i) =>
					recognizeStream(
						pair[i] as EngineStream,
						await spokenSamples(sentence),
					),
				),
			);
			for (const [i, text] of heard.entries())
				assert.ok(
					scoreTranscript(sentences[i] as string, text).wer <= 0.2,
					`"${text}" is not "${sentences[i]}"`,
				);
		} finally {
			await Promise.all(streams.map((s) => s.close()));
		}
	});
});

/** The decoding workers the engine has started: its private slots, read for the test. */
function workersOf(engine: Engine): number {
	return (engine as unknown as { slots: unknown[] }).slots.length;
}
