import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { POCKETSPHINX_PASSES } from "../src/engines/pocketsphinx/index.js";
import { scoreCorpus, scoreTranscript } from "../src/eval/score.js";
import {
	AudioConfig,
	CancellationErrorCode,
	CancellationReason,
	EarshotProperty,
	NoMatchDetails,
	NoMatchReason,
	OutputFormat,
	PropertyId,
	ResultReason,
	type SpeechConfig,
} from "../src/index.js";
import { durationOf, recognizeAll } from "./helpers/recognize.js";
import { noSharedReason, sharedDir, sharedManifest } from "./helpers/shared.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const TICKS = 10_000_000;
const SENTENCES = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"i would like a cup of coffee",
	"open the door",
];
const GAP = 1;
const clips = SENTENCES.map((s) => synthesize(s, { voice: "awb" }));
const sentencesFile = withPauses(clips, GAP);

describe("real speech through PocketSphinx", () => {
	test("synthesized sentences: one phrase each, within a WER bound, on the absolute clock", async () => {
		const run = await recognizeAll(AudioConfig.fromWavFileInput(sentencesFile));
		assert.equal(
			run.phrases.length,
			SENTENCES.length,
			`phrases: ${JSON.stringify(run.phrases)}`,
		);
		const score = scoreTranscript(SENTENCES.join(" "), run.transcript);
		assert.ok(score.wer <= 0.35, `WER ${score.wer} for "${run.transcript}"`);

		// Each phrase lies inside its own clip's span of the file (clips carry a little silence).
		const recognized = run.events.filter(
			(e) =>
				e.type === "recognized" &&
				e.args.result.reason === ResultReason.RecognizedSpeech,
		);
		let clipStart = GAP;
		for (const [i, clip] of clips.entries()) {
			const clipEnd = clipStart + durationOf(clip);
			assert.ok(recognized[i].type === "recognized");
			const { offset, duration } = recognized[i].args.result;
			assert.ok(
				offset / TICKS >= clipStart - 0.15,
				`phrase ${i} starts at ${offset / TICKS}, clip at ${clipStart}`,
			);
			assert.ok(
				(offset + duration) / TICKS <= clipEnd + 0.15,
				`phrase ${i} ends at ${(offset + duration) / TICKS}, clip at ${clipEnd}`,
			);
			clipStart = clipEnd + GAP;
		}
	});

	test("../shared speech: corpus WER within a bound", {
		skip: sharedDir ? false : noSharedReason,
	}, async () => {
		const rows = sharedManifest().filter(
			(r) => r.referenceKind === "exact" && r.path.includes("/speech/"),
		);
		assert.ok(rows.length >= 10);
		const pairs = [];
		for (const row of rows) {
			const run = await recognizeAll(AudioConfig.fromAudioFileInput(row.path));
			assert.equal(
				run.canceled?.reason,
				CancellationReason.EndOfStream,
				`${row.path}: ${run.canceled?.errorDetails}`,
			);
			pairs.push({ reference: row.reference, hypothesis: run.transcript });
		}
		const { total } = scoreCorpus(pairs);
		// PocketSphinx's 2015 US English model; the bound guards against regressions in earshot's path.
		assert.ok(total.wer <= 0.45, `corpus WER ${total.wer.toFixed(3)}`);
	});

	test("every format of the same speech is recognized", async () => {
		const { execFileSync } = await import("node:child_process");
		const wav = sentencesFile;
		const expected = (await recognizeAll(AudioConfig.fromWavFileInput(wav)))
			.transcript;
		assert.ok(expected.length > 0);
		// Lossless at the engine's rate: the very same samples, so the very same transcript.
		for (const [ext, args] of [
			["flac", []],
			["wav", ["-e", "floating-point", "-b", "32"]],
			["wav", ["-b", "24", "-c", "2"]],
		] as const) {
			const out = `${wav}.lossless${args.join("")}.${ext}`;
			execFileSync("sox", ["-R", wav, ...args, out]);
			const run = await recognizeAll(AudioConfig.fromAudioFileInput(out));
			assert.equal(run.transcript, expected, `${ext} ${args.join(" ")}`);
		}
		// Resampled or lossy: still the sentence, within a WER bound.
		const lossy: [string, string[]][] = [
			["mp3", ["sox", "-r", "44100", "-c", "2"]],
			["wav", ["sox", "-r", "8000"]],
			["wav", ["sox", "-r", "48000", "-b", "32", "-e", "signed-integer"]],
			["opus", ["ffmpeg", "-c:a", "libopus"]],
			["m4a", ["ffmpeg", "-c:a", "aac"]],
		];
		for (const [ext, [tool, ...args]] of lossy) {
			const out = `${wav}.${args.join("")}.${ext}`;
			if (tool === "sox") execFileSync("sox", ["-R", wav, ...args, out]);
			else
				execFileSync("ffmpeg", [
					"-loglevel",
					"error",
					"-y",
					"-i",
					wav,
					...args,
					out,
				]);
			const run = await recognizeAll(AudioConfig.fromAudioFileInput(out));
			const { wer } = scoreTranscript(SENTENCES.join(" "), run.transcript);
			assert.ok(wer <= 0.4, `${ext} ${args.join(" ")}: "${run.transcript}"`);
		}
	});
});

describe("events, offsets and segmentation", () => {
	test("event order: sessionStarted, per phrase speechStart/recognizing*/speechEnd/recognized, canceled(EndOfStream), sessionStopped", async () => {
		const run = await recognizeAll(AudioConfig.fromWavFileInput(sentencesFile));
		const types = run.events.map((e) => e.type);
		const grammar =
			/^sessionStarted( speechStartDetected( recognizing)* speechEndDetected recognized)+ canceled sessionStopped$/;
		assert.match(types.join(" "), grammar);
		assert.ok(
			types.filter((t) => t === "recognizing").length >= SENTENCES.length,
			"partials for each phrase",
		);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
		const ids = new Set(run.events.map((e) => e.args.sessionId));
		assert.equal(ids.size, 1, "one session id throughout");
	});

	test("offsets and durations are ticks on one clock: phrases ascend, words lie inside their phrase", async () => {
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(sentencesFile),
			(c) => {
				c.outputFormat = OutputFormat.Detailed;
			},
		);
		let lastEnd = 0;
		for (const e of run.events) {
			if (
				e.type !== "recognized" ||
				e.args.result.reason !== ResultReason.RecognizedSpeech
			)
				continue;
			const { offset, duration, json } = e.args.result;
			assert.ok(offset >= lastEnd, "phrases do not overlap");
			lastEnd = offset + duration;
			const detail = JSON.parse(json);
			assert.equal(detail.Offset, offset);
			assert.equal(detail.Duration, duration);
			let wordEnd = offset;
			for (const w of detail.NBest[0].Words) {
				assert.ok(
					w.Offset >= wordEnd && w.Offset + w.Duration <= offset + duration,
					`word ${w.Word} in phrase`,
				);
				wordEnd = w.Offset + w.Duration;
			}
		}
		const total = durationOf(sentencesFile) * TICKS;
		assert.ok(lastEnd <= total);
		const end = run.events.find((e) => e.type === "canceled");
		assert.ok(
			end && Math.abs(end.args.offset - total) < TICKS / 100,
			"EndOfStream offset is the end of the audio",
		);
	});

	test("Detailed output has Azure's shape with the engine's words", async () => {
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(clips[3]),
			(c) => {
				c.outputFormat = OutputFormat.Detailed;
			},
		);
		const e = run.events.find((x) => x.type === "recognized");
		assert.ok(e?.type === "recognized");
		const detail = JSON.parse(e.args.result.json);
		assert.equal(detail.RecognitionStatus, "Success");
		assert.equal(detail.DisplayText, e.args.result.text);
		const best = detail.NBest[0];
		for (const key of [
			"Confidence",
			"Lexical",
			"ITN",
			"MaskedITN",
			"Display",
			"Words",
		])
			assert.ok(key in best, key);
		assert.equal(
			best.Words.map((w: { Word: string }) => w.Word).join(" "),
			best.Lexical,
		);
		for (const w of best.Words) {
			assert.ok(w.Confidence >= 0 && w.Confidence <= 1);
			assert.ok(w.Duration > 0);
		}
		assert.equal(
			e.args.result.properties.getProperty(
				PropertyId.SpeechServiceResponse_JsonResult,
			),
			e.args.result.json,
		);
	});

	test("segmentation silence decides where phrases end", async () => {
		const file = withPauses([clips[0], clips[1]], 0.8);
		const short = await recognizeAll(
			AudioConfig.fromWavFileInput(file),
			silence(400),
		);
		const long = await recognizeAll(
			AudioConfig.fromWavFileInput(file),
			silence(1500),
		);
		assert.equal(short.phrases.length, 2, JSON.stringify(short.phrases));
		assert.equal(long.phrases.length, 1, JSON.stringify(long.phrases));
		// The phrase ends once the silence timeout has passed after the speech: with 400 ms it is
		// reported before the second clip starts.
		const firstEnd = short.events.find((e) => e.type === "speechEndDetected");
		assert.ok(
			firstEnd?.type === "speechEndDetected" &&
				firstEnd.args.offset / TICKS < 0.8 + durationOf(clips[0]) + 0.8,
		);
	});

	test("maximum segment time cuts a phrase of continuous speech", async () => {
		const { execFileSync } = await import("node:child_process");
		const long = `${clips[0]}.long.wav`;
		execFileSync("sox", [
			"-R",
			...Array(8).fill(clips.slice(0, 3)).flat(),
			long,
		]);
		assert.ok(durationOf(long) > 24);
		const run = await recognizeAll(AudioConfig.fromWavFileInput(long), (c) => {
			c.setProperty(PropertyId.Speech_SegmentationMaximumTimeMs, "20000");
			c.setProperty(PropertyId.Speech_SegmentationSilenceTimeoutMs, "5000");
		});
		const durations = run.events.flatMap((e) =>
			e.type === "recognized" ? [e.args.result.duration / TICKS] : [],
		);
		assert.ok(durations.length >= 2, `phrases: ${durations}`);
		for (const d of durations) assert.ok(d <= 20.2, `phrase of ${d} s`);
	});

	test("initial silence timeout gives NoMatch(InitialSilenceTimeout), then speech is still recognized", async () => {
		const file = withPauses([clips[3]], 2.5);
		const run = await recognizeAll(AudioConfig.fromWavFileInput(file), (c) => {
			c.setProperty(
				PropertyId.SpeechServiceConnection_InitialSilenceTimeoutMs,
				"1000",
			);
		});
		const finals = run.events.flatMap((e) =>
			e.type === "recognized" ? [e.args.result] : [],
		);
		const timeout = finals.findIndex(
			(r) =>
				r.reason === ResultReason.NoMatch &&
				NoMatchDetails.fromResult(r).reason ===
					NoMatchReason.InitialSilenceTimeout,
		);
		const speech = finals.findIndex(
			(r) => r.reason === ResultReason.RecognizedSpeech,
		);
		assert.ok(
			timeout >= 0 && timeout < speech,
			`finals: ${finals.map((r) => r.reason)}`,
		);
		assert.ok(finals[timeout].duration >= 1000 * 10_000);
		assert.equal(run.phrases.length, 1);
	});

	for (const [id, value] of [
		[PropertyId.Speech_SegmentationSilenceTimeoutMs, "50"],
		[PropertyId.Speech_SegmentationSilenceTimeoutMs, "6000"],
		[PropertyId.Speech_SegmentationMaximumTimeMs, "10000"],
		[PropertyId.Speech_SegmentationMaximumTimeMs, "abc"],
		[PropertyId.SpeechServiceConnection_InitialSilenceTimeoutMs, "-1"],
	] as const) {
		test(`${PropertyId[id]}=${value} cancels with BadRequestParameters naming the property`, async () => {
			const run = await recognizeAll(
				AudioConfig.fromWavFileInput(clips[3]),
				(c) => c.setProperty(id, value),
			);
			assert.deepEqual(
				run.events.map((e) => e.type),
				["sessionStarted", "canceled", "sessionStopped"],
			);
			assert.equal(run.canceled?.reason, CancellationReason.Error);
			assert.equal(
				run.canceled?.errorCode,
				CancellationErrorCode.BadRequestParameters,
			);
			assert.match(
				run.canceled?.errorDetails ?? "",
				new RegExp(PropertyId[id]),
			);
		});
	}

	for (const passes of POCKETSPHINX_PASSES) {
		test(`PocketSphinx passes ${passes}: every sentence, with timed words`, async () => {
			const run = await recognizeAll(
				AudioConfig.fromWavFileInput(sentencesFile),
				(c) => {
					c.setProperty(EarshotProperty.PocketSphinxPasses, passes);
					c.outputFormat = OutputFormat.Detailed;
				},
			);
			assert.equal(run.phrases.length, SENTENCES.length, run.transcript);
			const score = scoreTranscript(SENTENCES.join(" "), run.transcript);
			assert.ok(score.wer <= 0.35, `WER ${score.wer} for "${run.transcript}"`);
			for (const e of run.events) {
				if (
					e.type !== "recognized" ||
					e.args.result.reason !== ResultReason.RecognizedSpeech
				)
					continue;
				const best = JSON.parse(e.args.result.json).NBest[0];
				assert.equal(
					best.Words.map((w: { Word: string }) => w.Word).join(" "),
					best.Lexical,
				);
			}
		});
	}

	test("unknown PocketSphinx passes cancel with the choices", async () => {
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(clips[3]),
			(c) => c.setProperty(EarshotProperty.PocketSphinxPasses, "fwdflat"),
		);
		assert.equal(run.canceled?.reason, CancellationReason.Error);
		assert.match(
			run.canceled?.errorDetails ?? "",
			/unknown PocketSphinx passes: fwdflat \(available: fwdtree, fwdtree\+bestpath, /,
		);
	});

	test("an unavailable language cancels with a clear message", async () => {
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(clips[3]),
			(c) => {
				c.speechRecognitionLanguage = "de-DE";
			},
		);
		assert.equal(run.canceled?.reason, CancellationReason.Error);
		assert.match(run.canceled?.errorDetails ?? "", /de-DE.*en-US/);
	});
});

describe("bad input ends in canceled(Error) with clear details", () => {
	const wav = readFileSync(clips[0]);
	const lying = Buffer.from(wav);
	lying.writeUInt16LE(0, 22); // zero channels
	const cases: [string, AudioConfig, RegExp][] = [
		[
			"a missing file",
			AudioConfig.fromWavFileInput("/nonexistent/speech.wav"),
			/no such file/,
		],
		[
			"text",
			AudioConfig.fromWavFileInput(
				Buffer.from("hello, this is not audio at all".repeat(20)),
			),
			/not an audio file|unsupported|unknown/i,
		],
		[
			"a truncated header",
			AudioConfig.fromWavFileInput(wav.subarray(0, 30)),
			/truncated|header/i,
		],
		["a lying header", AudioConfig.fromWavFileInput(lying), /channel/i],
		[
			"random bytes",
			AudioConfig.fromWavFileInput(
				Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
			),
			/audio|format/i,
		],
	];
	for (const [name, audio, details] of cases) {
		test(name, async () => {
			const run = await recognizeAll(audio);
			assert.deepEqual(
				run.events.map((e) => e.type),
				["sessionStarted", "canceled", "sessionStopped"],
			);
			assert.equal(run.canceled?.reason, CancellationReason.Error);
			assert.match(run.canceled?.errorDetails ?? "", details);
		});
	}
});

function silence(ms: number): (c: SpeechConfig) => void {
	return (c) =>
		c.setProperty(PropertyId.Speech_SegmentationSilenceTimeoutMs, String(ms));
}
