import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { openAudioFile } from "../src/audio/decode.js";
import { AudioFormatError } from "../src/audio/source.js";
import {
	collect,
	crossingsPerSecond,
	maxDifference,
	rms,
	scratch,
	scratchPath,
	sine,
	sox,
	soxSamples,
	soxSeconds,
} from "./audio-fixtures.js";
import { noSharedReason, sharedDir } from "./helpers/shared.js";
import { synthesize } from "./helpers/speech.js";

const speech = synthesize("The quick brown fox jumps over the lazy dog.");
const reference = soxSamples(speech);

describe("WAV variants decode to the same mono samples", () => {
	const variants: [string, string[], number][] = [
		["8-bit unsigned", ["-b", "8", "-e", "unsigned-integer"], 1 / 64],
		["16-bit signed", ["-b", "16", "-e", "signed-integer"], 1e-4],
		["24-bit signed (extensible)", ["-b", "24", "-e", "signed-integer"], 1e-4],
		["32-bit signed", ["-b", "32", "-e", "signed-integer"], 1e-4],
		["32-bit float", ["-b", "32", "-e", "floating-point"], 1e-4],
		["64-bit float", ["-b", "64", "-e", "floating-point"], 1e-4],
		["A-law", ["-e", "a-law"], 0.02],
		["mu-law", ["-e", "mu-law"], 0.02],
	];
	for (const [label, args, tolerance] of variants) {
		test(label, async () => {
			const file = scratchPath("wav");
			sox("-D", speech, ...args, file);
			const source = await openAudioFile(file);
			assert.equal(source.sampleRate, 16000);
			assert.equal(source.live, false);
			const { samples, sizes } = await collect(source.chunks());
			assert.equal(samples.length, reference.length);
			assert.ok(
				maxDifference(samples, reference) <= tolerance,
				`max difference ${maxDifference(samples, reference)}`,
			);
			assert.ok(Math.max(...sizes) <= 1600, "chunks of about 100 ms");
			assert.equal(sizes[0], 1600);
		});
	}

	test("stereo is averaged to mono", async () => {
		const tone = sine({ seconds: soxSeconds(speech), freq: 1000, amp: 0.3 });
		const file = scratchPath("wav");
		sox("-M", speech, tone, file);
		const source = await openAudioFile(file);
		const { samples } = await collect(source.chunks());
		const toneSamples = soxSamples(tone);
		const expected = reference.map((s, i) => (s + toneSamples[i]) / 2);
		assert.ok(maxDifference(samples, expected) < 1e-4);
	});

	test("six channels (WAVE_FORMAT_EXTENSIBLE) keep the speech", async () => {
		const file = scratchPath("wav");
		sox(speech, "-c", "6", file);
		assert.equal(
			readFileSync(file).readUInt16LE(20),
			0xfffe,
			"sox writes 6 channels as extensible",
		);
		const { samples } = await collect((await openAudioFile(file)).chunks());
		assert.ok(maxDifference(samples, reference) < 1e-4);
	});

	for (const rate of [8000, 22050, 44100, 48000, 96000]) {
		test(`a 440 Hz sine at ${rate} Hz keeps its rate, length and pitch`, async () => {
			const file = sine({ rate, seconds: 1.5, freq: 440, amp: 0.5 });
			const source = await openAudioFile(file);
			assert.equal(source.sampleRate, rate);
			assert.ok(Math.abs(source.durationSeconds - 1.5) < 1e-3);
			const { samples } = await collect(source.chunks());
			assert.equal(samples.length, 1.5 * rate);
			assert.ok(Math.abs(crossingsPerSecond(samples, rate) - 880) < 5);
			assert.ok(Math.abs(rms(samples) - 0.5 / Math.SQRT2) < 0.01);
		});
	}

	test("a WAV with a LIST chunk before the data (ffmpeg's)", async () => {
		const file = scratchPath("wav");
		execFileSync("ffmpeg", [
			"-loglevel",
			"error",
			"-i",
			speech,
			"-metadata",
			"title=earshot",
			file,
		]);
		assert.ok(readFileSync(file).includes("LIST"), "ffmpeg wrote a LIST chunk");
		const { samples } = await collect((await openAudioFile(file)).chunks());
		assert.ok(maxDifference(samples, reference) < 1e-4);
	});

	test("a Buffer decodes like its file", async () => {
		const source = await openAudioFile(readFileSync(speech));
		assert.ok(maxDifference(source.samples, reference) < 1e-4);
	});
});

describe("compressed formats", () => {
	const speechRms = rms(reference);
	const seconds = soxSeconds(speech);
	const formats: [string, string, string[]][] = [
		["FLAC", "flac", ["sox", speech]],
		["MP3", "mp3", ["sox", speech]],
		[
			"Ogg Vorbis",
			"ogg",
			["ffmpeg", "-loglevel", "error", "-i", speech, "-c:a", "libvorbis"],
		],
		[
			"Ogg Opus",
			"opus",
			["ffmpeg", "-loglevel", "error", "-i", speech, "-c:a", "libopus"],
		],
		[
			"M4A (AAC)",
			"m4a",
			["ffmpeg", "-loglevel", "error", "-i", speech, "-c:a", "aac"],
		],
	];
	for (const [label, ext, [tool, ...args]] of formats) {
		test(label, async () => {
			const file = scratchPath(ext);
			execFileSync(tool, [...args, file]);
			const source = await openAudioFile(file);
			const { samples } = await collect(source.chunks());
			assert.ok(
				Math.abs(samples.length / source.sampleRate - seconds) < 0.15,
				`${samples.length / source.sampleRate} s vs ${seconds} s`,
			);
			assert.ok(
				Math.abs(rms(samples) / speechRms - 1) < 0.2,
				`rms ${rms(samples)} vs ${speechRms}`,
			);
			if (ext === "flac")
				assert.ok(maxDifference(samples, reference) < 1e-4, "FLAC is lossless");
		});
	}
});

describe("../shared/audio/formats", {
	skip: sharedDir ? false : noSharedReason,
}, () => {
	const dir = join(sharedDir ?? "", "audio", "formats");
	for (const name of sharedDir ? readdirSync(dir) : []) {
		test(name, async () => {
			const file = join(dir, name);
			const source = await openAudioFile(file);
			const expected = soxSeconds(file);
			// MP3 decoders disagree by a frame or so on encoder padding.
			assert.ok(
				Math.abs(source.durationSeconds - expected) < 0.06,
				`${source.durationSeconds} s vs ${expected} s`,
			);
			assert.ok(rms(source.samples) > 0.001, "has sound");
		});
	}
});

describe("bad input rejects with a clear AudioFormatError", () => {
	const wav = readFileSync(sine({ seconds: 1 }));
	const patched = (at: number, value: number, bytes = 4) => {
		const copy = Buffer.from(wav);
		copy.writeUIntLE(value, at, bytes);
		return copy;
	};
	const write = (name: string, bytes: Buffer | string) => {
		const file = join(scratch, name);
		writeFileSync(file, bytes);
		return file;
	};
	const flac = scratchPath("flac");
	sox(speech, flac);
	const opus = scratchPath("opus");
	execFileSync("ffmpeg", [
		"-loglevel",
		"error",
		"-i",
		speech,
		"-c:a",
		"libopus",
		opus,
	]);
	const cases: [string, () => string, RegExp][] = [
		[
			"missing file",
			() => join(scratch, "nope.wav"),
			/^no such file: .*nope\.wav$/,
		],
		["directory", () => scratch, /^not a file but a directory/],
		[
			"text file",
			() => write("x.txt", "hello, this is not audio\n"),
			/^not an audio file: x\.txt$/,
		],
		[
			"empty file",
			() => write("empty.wav", ""),
			/^no audio: .*empty\.wav is empty$/,
		],
		[
			"random bytes",
			() => write("random.bin", randomBytes(65536)),
			/^not an audio file: random\.bin$/,
		],
		[
			"WAV cut in the header",
			() => write("head.wav", wav.subarray(0, 30)),
			/^truncated WAV: no audio data/,
		],
		[
			"WAV with zero channels",
			() => write("zero.wav", patched(22, 0, 2)),
			/unsupported channel count 0/,
		],
		[
			"WAV with a 4 GHz rate",
			() => write("fast.wav", patched(24, 4_000_000_000)),
			/unsupported sample rate 4000000000 Hz/,
		],
		[
			"WAV with a zero rate",
			() => write("slow.wav", patched(24, 0)),
			/unsupported sample rate 0 Hz/,
		],
		[
			"WAV with 12-bit samples",
			() => write("b12.wav", patched(34, 12, 2)),
			/unsupported 12-bit pcm samples/,
		],
		[
			"WAV in an unknown encoding",
			() => write("adpcm.wav", patched(20, 0x55, 2)),
			/unsupported WAV encoding 0x55/,
		],
		[
			"RIFF but not WAVE",
			() =>
				write(
					"avi.wav",
					Buffer.concat([
						wav.subarray(0, 8),
						Buffer.from("AVI "),
						wav.subarray(12),
					]),
				),
			/avi\.wav/,
		],
		[
			"truncated FLAC",
			() => write("cut.flac", readFileSync(flac).subarray(0, 12000)),
			/^truncated FLAC: cut\.flac holds \d+ of \d+ samples$/,
		],
		[
			"Opus cut before any audio",
			() => write("cut.opus", readFileSync(opus).subarray(0, 3000)),
			/no audio could be decoded from cut\.opus/,
		],
	];
	for (const [label, make, message] of cases) {
		test(label, async () => {
			const file = make();
			await assert.rejects(openAudioFile(file), (error: Error) => {
				assert.ok(
					error instanceof AudioFormatError,
					`${error.name}: ${error.message}`,
				);
				assert.match(error.message, message);
				assert.ok(!error.message.includes("\n"), "one line");
				return true;
			});
		});
	}

	test("/dev/null is named as given", async () => {
		await assert.rejects(openAudioFile("/dev/null"), {
			message: "no audio: /dev/null is empty",
		});
	});

	for (const [label, bytes, seconds] of [
		["a WAV cut mid-data", () => wav.subarray(0, 12001), 0.37],
		[
			"a WAV whose data size exceeds the file",
			() => patched(40, 10_000_000),
			1,
		],
	] as const) {
		test(`${label} decodes what it holds, with a warning`, async () => {
			const source = await openAudioFile(write("cut.wav", bytes()));
			assert.ok(
				Math.abs(source.durationSeconds - seconds) < 0.01,
				`${source.durationSeconds} s`,
			);
			assert.equal(source.warnings?.length, 1);
			assert.match(
				source.warnings?.[0] ?? "",
				/^truncated WAV: cut\.wav declares \d+\.\d\d s of audio but holds \d\.\d\d s; transcribing what is there$/,
			);
			assert.ok(rms(source.samples) > 0.001, "has sound");
		});
	}

	test("a streamed WAV whose data size is left open decodes", async () => {
		const { samples } = await collect(
			(await openAudioFile(patched(40, 0xffffffff))).chunks(),
		);
		assert.equal(samples.length, 16000);
	});

	test("a WAV that overstates its data by one sample still decodes", async () => {
		const { samples } = await collect(
			(await openAudioFile(patched(40, 32002))).chunks(),
		);
		assert.equal(samples.length, 16000);
	});
});

function randomBytes(length: number): Buffer {
	const bytes = Buffer.alloc(length);
	// Seeded so a failure reproduces.
	let seed = 12345;
	for (let i = 0; i < length; i++) {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		bytes[i] = seed >> 16;
	}
	return bytes;
}
