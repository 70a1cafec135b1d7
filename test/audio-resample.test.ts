import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createResampler } from "../src/audio/resample.js";
import {
	crossingsPerSecond,
	maxDifference,
	rms,
	sine,
	soxSamples,
} from "./audio-fixtures.js";

function resampleInPieces(
	samples: Float32Array,
	from: number,
	to: number,
	sizes: number[],
): Float32Array {
	const resampler = createResampler(from, to);
	const parts: Float32Array[] = [];
	for (let at = 0, i = 0; at < samples.length; i++) {
		const size = sizes[i % sizes.length];
		parts.push(resampler.process(samples.slice(at, at + size)));
		at += size;
	}
	parts.push(resampler.flush());
	return Float32Array.from(parts.flatMap((p) => [...p]));
}

describe("resampler", () => {
	test("passes samples through when the rates match", () => {
		const resampler = createResampler(16000, 16000);
		const chunk = new Float32Array([0.1, -0.2, 0.3]);
		assert.equal(resampler.process(chunk), chunk);
		assert.equal(resampler.flush().length, 0);
	});

	for (const [from, to] of [
		[44100, 16000],
		[48000, 16000],
		[8000, 16000],
		[22050, 16000],
		[16000, 44100],
	]) {
		test(`${from} Hz → ${to} Hz keeps duration, pitch and level`, () => {
			const samples = soxSamples(
				sine({ rate: from, seconds: 2, freq: 440, amp: 0.5 }),
			);
			const out = resampleInPieces(samples, from, to, [samples.length]);
			assert.ok(
				Math.abs(out.length - 2 * to) <= 2,
				`${out.length} samples for 2 s at ${to} Hz`,
			);
			assert.ok(Math.abs(crossingsPerSecond(out, to) - 880) < 5);
			assert.ok(Math.abs(rms(out) - 0.5 / Math.SQRT2) < 0.02);
		});

		test(`${from} Hz → ${to} Hz in chunks equals all at once`, () => {
			const samples = soxSamples(sine({ rate: from, seconds: 1, freq: 300 }));
			const whole = resampleInPieces(samples, from, to, [samples.length]);
			for (const sizes of [
				[1],
				[7, 160, 3],
				[from / 10],
				[1000, 1, 4410, 333],
			]) {
				const pieces = resampleInPieces(samples, from, to, sizes);
				assert.equal(pieces.length, whole.length, `chunk sizes ${sizes}`);
				assert.ok(maxDifference(pieces, whole) < 1e-6, `chunk sizes ${sizes}`);
			}
		});
	}
});
