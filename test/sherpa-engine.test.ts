import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Worker } from "node:worker_threads";
import sherpa from "sherpa-onnx-node";
import { createResampler } from "../src/audio/resample.js";
import type {
	EndedSegment,
	Engine,
	StreamUpdate,
} from "../src/engines/engine.js";
import {
	createSherpaEngine,
	detectorSilenceMs,
	offlineConfigFor,
	segmentEndPastSilence,
	vadConfigFor,
} from "../src/engines/sherpa/index.js";
import {
	writeOfflineNemoCtcModel,
	writeStreamingNemoCtcModel,
} from "./helpers/onnx-models.js";
import { vadFixture } from "./helpers/shared.js";

const RATE = 16000;

function tone(freq: number, seconds: number, amplitude = 0.3): Float32Array {
	const out = new Float32Array(Math.round(seconds * RATE));
	for (let i = 0; i < out.length; i++)
		out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / RATE);
	return out;
}

function concat(parts: Float32Array[]): Float32Array {
	const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

type Event =
	| { kind: "partial"; text: string; at: number }
	| { kind: "ended"; segment: EndedSegment; at: number };

/** Writes `samples` in `chunk`-sample pieces, then finalizes; returns every event in order. */
async function run(
	engine: Engine,
	samples: Float32Array,
	chunk: number,
	segmentationSilenceMs = 500,
	partials?: boolean,
) {
	const stream = await engine.openStream({ segmentationSilenceMs, partials });
	const events: Event[] = [];
	const updates: StreamUpdate[] = [];
	for (let i = 0; i < samples.length; i += chunk) {
		const update = await stream.write(samples.subarray(i, i + chunk));
		updates.push(update);
		const at = Math.min(samples.length, i + chunk);
		for (const segment of update.ended)
			events.push({ kind: "ended", segment, at });
		if (update.partial)
			events.push({ kind: "partial", text: update.partial.text, at });
	}
	const last = await stream.finalize();
	if (last) events.push({ kind: "ended", segment: last, at: samples.length });
	await stream.close();
	return {
		events,
		updates,
		ended: events.flatMap((e) => (e.kind === "ended" ? [e.segment] : [])),
	};
}

const silence = (seconds: number) =>
	new Float32Array(Math.round(seconds * RATE));
/** 0.5 s silence, 0.5 s at 300 Hz ("lo"), 1 s silence, 0.5 s at 5 kHz ("hi"), 1 s silence. */
const tones = concat([
	silence(0.5),
	tone(300, 0.5),
	silence(1),
	tone(5000, 0.5),
	silence(1),
]);

describe("generated models through the native library", () => {
	test("the offline NeMo CTC model maps tones to tokens with timestamps", async () => {
		const model = writeOfflineNemoCtcModel();
		const recognizer = new sherpa.OfflineRecognizer(
			offlineConfigFor({
				kind: "nemo-ctc",
				dir: model.dir,
				files: { model: "model.onnx", tokens: "tokens.txt" },
			}),
		);
		const stream = recognizer.createStream();
		stream.acceptWaveform({ samples: tones, sampleRate: RATE });
		const result = await recognizer.decodeAsync(stream);
		assert.equal(result.text.trim(), "lo hi");
		assert.deepEqual(
			result.timestamps.map((t) => Math.round(t * 10) / 10),
			[0.5, 2],
		);
	});
});

describe("streaming engine (generated NeMo CTC)", () => {
	let engine: Engine;
	before(async () => {
		const model = writeStreamingNemoCtcModel();
		engine = await createSherpaEngine(
			{
				kind: "streaming-nemo-ctc",
				dir: model.dir,
				files: { model: "model.onnx", tokens: "tokens.txt" },
			},
			{ numThreads: 1 },
		);
	});
	after(() => engine.close());

	test("a killed decoding worker fails only its streams; the next stream gets a fresh worker", async () => {
		const model = writeStreamingNemoCtcModel();
		const own = await createSherpaEngine(
			{
				kind: "streaming-nemo-ctc",
				dir: model.dir,
				files: { model: "model.onnx", tokens: "tokens.txt" },
			},
			{ numThreads: 1 },
		);
		const doomed = [
			await own.openStream({ segmentationSilenceMs: 500 }),
			await own.openStream({ segmentationSilenceMs: 500 }),
		];
		await doomed[0].write(tones.subarray(0, 1600));
		// The fault: the engine's private worker thread is terminated, as a crash would end it.
		const { slots } = own as unknown as { slots: { worker: Worker }[] };
		await slots[0]?.worker.terminate();
		for (const stream of doomed) {
			await assert.rejects(
				stream.write(tones.subarray(0, 1600)),
				/sherpa decoding worker exited/,
			);
			await assert.rejects(stream.close(), /sherpa decoding worker exited/);
		}
		// The other engine's worker never noticed; this one recovers for the next stream.
		const [fresh, beside] = await Promise.all([
			run(own, tones, 1600),
			run(engine, tones, 1600),
		]);
		assert.deepEqual(
			fresh.ended.map((s) => s.result?.text),
			["lo", "hi"],
		);
		assert.deepEqual(
			beside.ended.map((s) => s.result?.text),
			["lo", "hi"],
		);
		await own.close();
	});

	test("partials stream, endpoints end segments on the absolute clock", async () => {
		assert.equal(engine.sampleRate, RATE);
		const { events, ended, updates } = await run(engine, tones, 1600);
		assert.deepEqual(
			ended.map((s) => s.result?.text),
			["lo", "hi"],
		);
		const [lo, hi] = ended as [EndedSegment, EndedSegment];
		// Tones start at 0.5 s and 2 s; tokens land within one 40 ms output frame.
		assert.ok(
			Math.abs(lo.startSample - 0.5 * RATE) <= 0.05 * RATE,
			`lo starts at ${lo.startSample}`,
		);
		assert.ok(
			Math.abs(hi.startSample - 2 * RATE) <= 0.05 * RATE,
			`hi starts at ${hi.startSample}`,
		);
		assert.ok(lo.endSample <= hi.startSample && hi.endSample <= tones.length);
		assert.equal(lo.result?.words[0]?.word, "lo");
		assert.equal(lo.result?.words[0]?.startSample, lo.startSample);
		// Each segment's partial comes before its end.
		const firstLoPartial = events.findIndex(
			(e) => e.kind === "partial" && e.text === "lo",
		);
		const loEnd = events.findIndex((e) => e.kind === "ended");
		assert.ok(firstLoPartial >= 0 && firstLoPartial < loEnd);
		const speaking = updates.find((u) => u.inSpeech);
		assert.ok(speaking?.speechStartSample !== undefined);
		assert.ok(Math.abs(speaking.speechStartSample - 0.5 * RATE) <= 0.05 * RATE);
		assert.equal(updates.at(-1)?.inSpeech, false);
	});

	test("finalize ends the open segment and the clock runs on", async () => {
		const stream = await engine.openStream({ segmentationSilenceMs: 500 });
		await stream.write(concat([silence(0.3), tone(300, 0.4)]));
		const first = await stream.finalize();
		assert.equal(first?.result?.text, "lo");
		assert.equal(await stream.finalize(), null);
		await stream.write(concat([silence(0.3), tone(5000, 0.4)]));
		const second = await stream.finalize();
		assert.equal(second?.result?.text, "hi");
		// The second tone starts 0.7 + 0.3 s into the stream.
		assert.ok(
			Math.abs((second?.startSample ?? 0) - 1.0 * RATE) <= 0.05 * RATE,
			`at ${second?.startSample}`,
		);
		await stream.close();
	});

	test("several streams decode together without blocking the event loop", async () => {
		let ticks = 0;
		const timer = setInterval(() => ticks++, 1);
		const results = await Promise.all([
			run(engine, tones, 3200),
			run(engine, tones, 800),
			run(engine, tones, 4000),
		]);
		clearInterval(timer);
		for (const { ended } of results) {
			assert.deepEqual(
				ended.map((s) => s.result?.text),
				["lo", "hi"],
			);
		}
		assert.deepEqual(
			results[0].ended.map((s) => s.startSample),
			results[1].ended.map((s) => s.startSample),
		);
		assert.ok(ticks > 0);
	});
});

const { vad: vadModel, harvard, skip: noVad } = vadFixture;

describe("offline engine behind Silero VAD (generated NeMo CTC, real speech)", {
	skip: noVad,
}, () => {
	let engine: Engine;
	let speech: Float32Array;
	before(async () => {
		const model = writeOfflineNemoCtcModel();
		engine = await createSherpaEngine(
			{
				kind: "nemo-ctc",
				dir: model.dir,
				files: { model: "model.onnx", tokens: "tokens.txt" },
			},
			{ numThreads: 1, vad: { model: vadModel as string } },
		);
		const wave = sherpa.readWave(harvard as string);
		assert.equal(wave.sampleRate, 8000);
		const resampler = createResampler(wave.sampleRate, RATE);
		speech = concat([resampler.process(wave.samples), resampler.flush()]);
	});
	after(() => engine.close());

	test("ten sentences give about ten segments, in order, inside the file", async () => {
		const { ended, events } = await run(engine, speech, 1600, 500);
		assert.ok(
			ended.length >= 8 && ended.length <= 13,
			`${ended.length} segments`,
		);
		let previousEnd = 0;
		for (const segment of ended) {
			assert.ok(
				segment.startSample >= previousEnd,
				"segments do not overlap and come in order",
			);
			assert.ok(segment.endSample > segment.startSample);
			assert.ok(segment.endSample <= speech.length, "inside the file");
			previousEnd = segment.endSample;
			for (const word of segment.result?.words ?? []) {
				assert.ok(
					word.startSample >= segment.startSample &&
						word.endSample <= segment.endSample,
				);
			}
		}
		// Sentences last seconds: the segments cover most of the file but not the pauses.
		const covered = ended.reduce((n, s) => n + s.endSample - s.startSample, 0);
		assert.ok(
			covered > 0.5 * speech.length && covered < 0.95 * speech.length,
			`covers ${covered / speech.length}`,
		);
		assert.ok(
			ended.filter((s) => s.result !== null).length >= ended.length - 1,
			"the toy model hears the speech",
		);
		// Every segment was preceded by a partial of its own (sentences are longer than 300 ms).
		let partialsSinceEnd = 0;
		for (const event of events) {
			if (event.kind === "partial") partialsSinceEnd++;
			else {
				assert.ok(partialsSinceEnd > 0, "a partial before each ended segment");
				partialsSinceEnd = 0;
			}
		}
	});

	test("partials re-decode the open segment after 0.3 s, then after as much as it last decoded (at most 3 s), and at pauses", async () => {
		const chunk = 1600;
		const { updates, events } = await run(engine, speech, chunk, 500);
		const due = (previousAt: number, start: number) =>
			Math.min(3 * RATE, Math.max(0.3 * RATE, previousAt - start));
		let previous: { at: number; start: number } | undefined;
		let grown = 0;
		for (const [i, update] of updates.entries()) {
			const at = Math.min(speech.length, (i + 1) * chunk);
			const start = update.speechStartSample;
			if (update.ended.length > 0 || start === undefined) previous = undefined;
			if (!update.partial || start === undefined) continue;
			if (previous?.start === start) {
				// Never later than the first write that the schedule allowed (a pause may come sooner).
				const gap = at - previous.at;
				assert.ok(
					gap - chunk < due(previous.at, start),
					`late partial: gap ${gap} at ${at}`,
				);
				if (gap > 0.3 * RATE + chunk) grown++;
			}
			previous = { at, start };
		}
		assert.ok(grown > 0, "some gap grew past 0.3 s with the segment");
		// A phrase that ends in silence ends with what its partial at the pause decoded.
		let fromPause = 0;
		let finals = 0;
		let lastPartial: string | undefined;
		for (const event of events) {
			if (event.kind === "partial") lastPartial = event.text;
			else if (event.segment.result) {
				finals++;
				if (event.segment.result.text === lastPartial) fromPause++;
				lastPartial = undefined;
			}
		}
		assert.ok(
			fromPause >= finals / 2,
			`${fromPause} of ${finals} finals are their last partial`,
		);
	});

	test("chunking does not move boundaries; the sample clock is absolute", async () => {
		const a = await run(engine, speech, 1600);
		const b = await run(engine, speech, 4096);
		assert.equal(a.ended.length, b.ended.length);
		for (const [i, s] of a.ended.entries()) {
			const t = b.ended[i] as EndedSegment;
			// Speech is first seen per 32 ms VAD window, whatever the chunk size.
			assert.ok(
				Math.abs(s.startSample - t.startSample) <= 512,
				`segment ${i} start`,
			);
			assert.ok(Math.abs(s.endSample - t.endSample) <= 512, `segment ${i} end`);
		}
		// Prefixing silence shifts every boundary by exactly that much.
		const shift = 1 * RATE;
		const c = await run(engine, concat([silence(1), speech]), 1600);
		assert.equal(c.ended.length, a.ended.length);
		for (const [i, s] of a.ended.entries()) {
			assert.ok(
				Math.abs(
					(c.ended[i] as EndedSegment).startSample - shift - s.startSample,
				) <= 512,
			);
		}
	});

	test("without partials, no partial is decoded and the segments come out the same", async () => {
		const withPartials = await run(engine, speech, 1600, 500);
		const without = await run(engine, speech, 1600, 500, false);
		assert.ok(withPartials.events.some((e) => e.kind === "partial"));
		assert.deepEqual(
			without.events.filter((e) => e.kind === "partial"),
			[],
		);
		// Speech is still tracked, so the session opens phrases where it did.
		assert.deepEqual(
			without.updates.map((u) => [u.inSpeech, u.speechStartSample]),
			withPartials.updates.map((u) => [u.inSpeech, u.speechStartSample]),
		);
		// The same segments, with the same text: with partials, a phrase's final result is its
		// partial at the pause, which decoded exactly the segment's audio.
		const finals = (ended: EndedSegment[]) =>
			ended.map((s) => [s.startSample, s.endSample, s.result?.text]);
		assert.deepEqual(finals(without.ended), finals(withPartials.ended));
	});

	test("a short and a long detector end a phrase at the same sample, less how far each ends past its silence", () => {
		const ends = (silenceMs: number) => {
			const vad = new sherpa.Vad(
				vadConfigFor({ model: vadModel as string }, silenceMs),
				60,
			);
			const out: number[] = [];
			for (let i = 0; i + 512 <= speech.length; i += 512) {
				vad.acceptWaveform(speech.subarray(i, i + 512));
				for (; !vad.isEmpty(); vad.pop()) {
					const { start, samples } = vad.front(false);
					out.push(start + samples.length - segmentEndPastSilence(silenceMs));
				}
			}
			return out;
		};
		const short = new Set(ends(64));
		for (const segmentationSilenceMs of [300, 500, 733, 1000]) {
			const long = ends(detectorSilenceMs(segmentationSilenceMs));
			assert.ok(long.length >= 5, `${long.length} phrases`);
			for (const end of long)
				assert.ok(short.has(end), `${segmentationSilenceMs} ms: ${end}`);
		}
	});

	test("finalize flushes the open segment; the clock continues after it", async () => {
		const stream = await engine.openStream({ segmentationSilenceMs: 500 });
		const cut = Math.round(2 * RATE);
		await stream.write(speech.subarray(0, cut));
		const flushed = await stream.finalize();
		assert.ok(flushed, "a segment was open");
		assert.ok(flushed.endSample <= cut);
		const rest = await stream.write(speech.subarray(cut, 6 * RATE));
		const later = [...rest.ended, await stream.finalize()].filter(
			(s): s is EndedSegment => s !== null,
		);
		assert.ok(later.length > 0);
		assert.ok(
			(later[0] as EndedSegment).startSample >= flushed.endSample,
			"no time went backwards",
		);
		assert.ok((later.at(-1) as EndedSegment).endSample <= 6 * RATE);
		await stream.close();
	});
});

test("a loaded engine that was never used does not keep the process alive", () => {
	const model = writeStreamingNemoCtcModel();
	const engine = new URL("../src/engines/sherpa/index.ts", import.meta.url);
	const descriptor = {
		kind: "streaming-nemo-ctc",
		dir: model.dir,
		files: { model: model.model, tokens: model.tokens },
	};
	const script = `import(${JSON.stringify(engine.href)}).then((m) => m.createSherpaEngine(${JSON.stringify(descriptor)})).then((e) => console.log(e.name))`;
	const child = spawnSync(
		process.execPath,
		["--import", "tsx", "--input-type=module", "-e", script],
		{ encoding: "utf8", timeout: 120_000 },
	);
	assert.equal(child.signal, null, "exited on its own, not killed");
	assert.equal(child.status, 0, child.stderr);
	assert.match(child.stdout, /^sherpa-onnx:/);
});
