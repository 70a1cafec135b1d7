import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createReadStream, readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import {
	createPcmConverter,
	type PcmFormat,
	parseWavHeader,
} from "../src/audio/pcm.js";
import { AudioFormatError } from "../src/audio/source.js";
import { createStreamSource, openReadableSource } from "../src/audio/stream.js";
import {
	collect,
	maxDifference,
	scratchPath,
	sine,
	sox,
	soxSamples,
} from "./audio-fixtures.js";
import { synthesize } from "./helpers/speech.js";

const speech = synthesize("Seven silver spoons.");
const reference = soxSamples(speech);

/** `speech` as raw interleaved PCM in `format` (stereo carries the speech in both channels). */
function rawPcm(format: PcmFormat): Buffer {
	const encoding = {
		pcm: format.bitsPerSample === 8 ? "unsigned" : "signed",
		float: "float",
		alaw: "a-law",
		mulaw: "mu-law",
	}[format.encoding];
	return execFileSync("sox", [
		"-R",
		"-D",
		speech,
		"-t",
		"raw",
		"-e",
		encoding,
		"-b",
		String(format.bitsPerSample),
		"-c",
		String(format.channels),
		"-r",
		String(format.sampleRate),
		"-",
	]);
}

const formats: [PcmFormat, number][] = [
	[
		{ sampleRate: 16000, channels: 1, bitsPerSample: 8, encoding: "pcm" },
		1 / 64,
	],
	[
		{ sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: "pcm" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 2, bitsPerSample: 16, encoding: "pcm" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 3, bitsPerSample: 24, encoding: "pcm" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 2, bitsPerSample: 32, encoding: "pcm" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 2, bitsPerSample: 32, encoding: "float" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 1, bitsPerSample: 64, encoding: "float" },
		1e-6,
	],
	[
		{ sampleRate: 16000, channels: 1, bitsPerSample: 8, encoding: "alaw" },
		0.02,
	],
	[
		{ sampleRate: 16000, channels: 1, bitsPerSample: 8, encoding: "mulaw" },
		0.02,
	],
];

describe("PCM converter", () => {
	for (const [format, tolerance] of formats) {
		const label = `${format.bitsPerSample}-bit ${format.encoding}, ${format.channels} channel(s)`;
		test(`${label} matches sox's decoding`, () => {
			const out = createPcmConverter(format).convert(rawPcm(format));
			assert.equal(out.length, reference.length);
			assert.ok(
				maxDifference(out, reference) <= tolerance,
				`max difference ${maxDifference(out, reference)}`,
			);
		});

		test(`${label} split at every offset of a frame gives the same samples`, () => {
			// 50 ms is enough to cover every split point; a frame is at most 12 bytes here.
			const bytes = rawPcm(format).subarray(
				0,
				800 * (format.bitsPerSample / 8) * format.channels,
			);
			const whole = createPcmConverter(format).convert(bytes);
			for (
				let cut = 1;
				cut < 3 * (format.bitsPerSample / 8) * format.channels;
				cut++
			) {
				const converter = createPcmConverter(format);
				const parts: Float32Array[] = [];
				// Uneven pieces so every position inside a frame is a boundary somewhere.
				for (
					let at = 0, step = cut;
					at < bytes.length;
					at += step, step = (step % 7) + 1
				) {
					parts.push(converter.convert(bytes.subarray(at, at + step)));
				}
				const joined = Float32Array.from(parts.flatMap((p) => [...p]));
				assert.deepEqual(joined, whole, `pieces starting at ${cut} bytes`);
				assert.equal(converter.pendingBytes, 0);
			}
		});
	}

	test("holds back a partial frame", () => {
		const converter = createPcmConverter({
			sampleRate: 16000,
			channels: 2,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		assert.equal(converter.convert(new Uint8Array([0, 64, 0])).length, 0);
		assert.equal(converter.pendingBytes, 3);
		assert.deepEqual(
			converter.convert(new Uint8Array([192])),
			new Float32Array([0]),
		);
		assert.equal(converter.pendingBytes, 0);
	});

	test("full-scale values map to [-1, 1)", () => {
		const bytes = Buffer.alloc(4);
		bytes.writeInt16LE(-32768, 0);
		bytes.writeInt16LE(16384, 2);
		const out = createPcmConverter({
			sampleRate: 8000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		}).convert(bytes);
		assert.deepEqual([...out], [-1, 0.5]);
	});

	test("rejects formats it cannot read", () => {
		assert.throws(
			() =>
				createPcmConverter({
					sampleRate: 16000,
					channels: 1,
					bitsPerSample: 12,
					encoding: "pcm",
				}),
			AudioFormatError,
		);
		assert.throws(
			() =>
				createPcmConverter({
					sampleRate: 16000,
					channels: 0,
					bitsPerSample: 16,
					encoding: "pcm",
				}),
			/channel count 0/,
		);
	});
});

describe("WAV header parser", () => {
	test("a plain 16-bit header", () => {
		const header = parseWavHeader(readFileSync(speech));
		assert.deepEqual(header, {
			format: {
				sampleRate: 16000,
				channels: 1,
				bitsPerSample: 16,
				encoding: "pcm",
			},
			dataOffset: 44,
			dataBytes: reference.length * 2,
		});
	});

	test("extensible float stereo, with a LIST chunk", () => {
		const file = scratchPath("wav");
		execFileSync("ffmpeg", [
			"-loglevel",
			"error",
			"-i",
			speech,
			"-ac",
			"2",
			"-c:a",
			"pcm_f32le",
			"-metadata",
			"title=x",
			file,
		]);
		const bytes = readFileSync(file);
		const header = parseWavHeader(bytes);
		assert.deepEqual(header?.format, {
			sampleRate: 16000,
			channels: 2,
			bitsPerSample: 32,
			encoding: "float",
		});
		assert.equal(
			bytes.toString(
				"latin1",
				(header?.dataOffset ?? 0) - 8,
				(header?.dataOffset ?? 0) - 4,
			),
			"data",
		);
	});

	test("24-bit extensible", () => {
		const file = scratchPath("wav");
		sox(speech, "-b", "24", "-c", "4", file);
		assert.deepEqual(parseWavHeader(readFileSync(file))?.format, {
			sampleRate: 16000,
			channels: 4,
			bitsPerSample: 24,
			encoding: "pcm",
		});
	});

	test("asks for more bytes until the data chunk, at every length", () => {
		const bytes = readFileSync(speech);
		for (let length = 0; length < 44; length++)
			assert.equal(parseWavHeader(bytes.subarray(0, length)), undefined);
		assert.equal(parseWavHeader(bytes.subarray(0, 44))?.dataOffset, 44);
	});

	test("rejects what is not a WAV", () => {
		assert.throws(
			() => parseWavHeader(Buffer.from("hello world, not a wav")),
			/^AudioFormatError: not a WAV file/,
		);
		assert.throws(
			() => parseWavHeader(Buffer.from("RIFF\0\0\0\0AVI LIST")),
			/not a WAV file/,
		);
	});
});

describe("push stream source", () => {
	const format: PcmFormat = {
		sampleRate: 16000,
		channels: 1,
		bitsPerSample: 16,
		encoding: "pcm",
	};

	test("delivers everything written, in chunks of at most 100 ms, across odd write sizes", async () => {
		const source = createStreamSource(format);
		assert.equal(source.live, true);
		assert.equal(source.sampleRate, 16000);
		const bytes = rawPcm(format);
		const result = collect(source.chunks());
		for (let at = 0; at < bytes.length; at += 4097)
			source.write(bytes.subarray(at, at + 4097));
		source.end();
		const { samples, sizes } = await result;
		assert.deepEqual(samples, createPcmConverter(format).convert(bytes));
		assert.ok(Math.max(...sizes) <= 1600);
	});

	test("buffers writes made before anyone reads", async () => {
		const source = createStreamSource(format);
		const bytes = rawPcm(format);
		source.write(bytes);
		source.end();
		const { samples } = await collect(source.chunks());
		assert.equal(samples.length, reference.length);
	});

	test("skips a WAV header pushed with the audio", async () => {
		const source = createStreamSource(format);
		const file = readFileSync(speech);
		// The header arrives in pieces.
		for (let at = 0; at < file.length; at += 10)
			source.write(file.subarray(at, at + 10));
		source.end();
		const { samples } = await collect(source.chunks());
		assert.ok(maxDifference(samples, reference) < 1e-6);
		assert.equal(samples.length, reference.length);
	});

	test("a pushed WAV at another rate rejects", async () => {
		const source = createStreamSource(format);
		source.write(readFileSync(sine({ rate: 44100 })));
		source.end();
		await assert.rejects(
			collect(source.chunks()),
			/WAV header says 44100 Hz but the stream format is 16000 Hz/,
		);
	});

	test("close ends the iteration while nothing is written", async () => {
		const source = createStreamSource(format);
		source.write(new Uint8Array(640));
		setTimeout(() => source.close(), 50);
		const { samples } = await collect(source.chunks());
		assert.equal(samples.length, 320);
	});

	test("write after end throws", () => {
		const source = createStreamSource(format);
		source.end();
		assert.throws(() => source.write(new Uint8Array(2)), /write after end/);
	});
});

describe("readable (stdin) source", () => {
	test("a WAV file piped in", async () => {
		const source = await openReadableSource(
			createReadStream(speech, { highWaterMark: 1000 }),
		);
		assert.equal(source.sampleRate, 16000);
		assert.equal(source.live, false);
		const { samples, sizes } = await collect(source.chunks());
		assert.ok(maxDifference(samples, reference) < 1e-6);
		assert.equal(samples.length, reference.length);
		assert.ok(Math.max(...sizes) <= 1600);
	});

	test("a streamed WAV from ffmpeg (open data size, LIST chunk) at 8 kHz stereo", async () => {
		const wav = execFileSync("ffmpeg", [
			"-loglevel",
			"error",
			"-i",
			speech,
			"-ar",
			"8000",
			"-ac",
			"2",
			"-f",
			"wav",
			"-",
		]);
		const header = parseWavHeader(wav);
		assert.equal(
			header?.dataBytes,
			undefined,
			"ffmpeg writes an open size to a pipe",
		);
		const stream = new PassThrough();
		stream.end(wav);
		const source = await openReadableSource(stream);
		assert.equal(source.sampleRate, 8000);
		const { samples } = await collect(source.chunks());
		assert.ok(Math.abs(samples.length - reference.length / 2) <= 1);
	});

	test("raw PCM with a given format", async () => {
		const format: PcmFormat = {
			sampleRate: 16000,
			channels: 2,
			bitsPerSample: 24,
			encoding: "pcm",
		};
		const stream = new PassThrough();
		stream.end(rawPcm(format));
		const { samples } = await collect(
			(await openReadableSource(stream, format)).chunks(),
		);
		assert.ok(maxDifference(samples, reference) < 1e-6);
	});

	test("raw bytes without a format reject", async () => {
		const stream = new PassThrough();
		stream.end(Buffer.from("definitely not audio"));
		await assert.rejects(openReadableSource(stream), (error: Error) => {
			assert.ok(error instanceof AudioFormatError);
			assert.equal(
				error.message,
				"not a WAV stream, and no raw PCM format was given: stdin",
			);
			return true;
		});
	});

	test("a WAV cut inside its header rejects", async () => {
		const stream = new PassThrough();
		stream.end(readFileSync(speech).subarray(0, 30));
		await assert.rejects(
			openReadableSource(stream),
			/^AudioFormatError: truncated WAV header: stdin$/,
		);
	});

	test("an empty stream rejects", async () => {
		const stream = new PassThrough();
		stream.end();
		await assert.rejects(
			openReadableSource(stream),
			/no audio: stdin is empty/,
		);
	});

	test("reads only as fast as the consumer: nothing lost when the consumer is slow", async () => {
		const format: PcmFormat = {
			sampleRate: 16000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		};
		const bytes = rawPcm(format);
		const stream = new PassThrough({ highWaterMark: 1024 });
		let written = 0;
		const feed = (async () => {
			for (let at = 0; at < bytes.length; at += 512) {
				if (!stream.write(bytes.subarray(at, at + 512)))
					await new Promise((r) => stream.once("drain", r));
				written = at + 512;
			}
			stream.end();
		})();
		const source = await openReadableSource(stream, format);
		const iterator = source.chunks()[Symbol.asyncIterator]();
		const first = await iterator.next();
		await new Promise((r) => setTimeout(r, 50));
		assert.ok(
			written < bytes.length,
			"the writer was held back while the consumer waited",
		);
		const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
		await feed;
		assert.equal(
			(first.value as Float32Array).length + rest.samples.length,
			reference.length,
		);
	});

	test("close ends the iteration of an idle stream", async () => {
		const stream = new PassThrough();
		stream.write(Buffer.from(readFileSync(speech).subarray(0, 44 + 3200)));
		const source = await openReadableSource(stream, undefined, {
			name: "pipe",
		});
		setTimeout(() => source.close(), 50);
		const { samples } = await collect(source.chunks());
		assert.equal(samples.length, 1600);
	});
});
