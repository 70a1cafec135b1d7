/**
 * `earshot serve` with the official Azure Speech SDK as the client, on real speech.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import { scoreTranscript } from "../src/eval/score.js";
import { AudioConfig } from "../src/index.js";
import { explainDeaths } from "./helpers/death.js";
import { recognizeAll } from "./helpers/recognize.js";
import { type ServerProcess, spawnServer } from "./helpers/server-process.js";
import { noSharedReason, sharedDir } from "./helpers/shared.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const TICKS = 10_000_000;
const SENTENCES = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"i would like a cup of coffee",
];
const clips = SENTENCES.map((s) => synthesize(s, { voice: "awb" }));
const sentencesFile = withPauses(clips, 1);

explainDeaths();
let server: ServerProcess;
before(async () => {
	server = await spawnServer();
});
after(() => server.close());

type Recorded = {
	name: string;
	text?: string;
	offset?: number;
	json?: string;
	reason?: string;
	code?: string;
	details?: string;
};

/** Runs the official SDK's recognizer on `audio` and records its events until sessionStopped. */
function record(recognizer: sdk.SpeechRecognizer) {
	const events: Recorded[] = [];
	let resolve!: () => void;
	const stopped = new Promise<void>((r) => {
		resolve = r;
	});
	recognizer.sessionStarted = () => events.push({ name: "sessionStarted" });
	recognizer.sessionStopped = () => {
		events.push({ name: "sessionStopped" });
		resolve();
	};
	recognizer.speechStartDetected = (_, e) =>
		events.push({ name: "speechStartDetected", offset: e.offset });
	recognizer.speechEndDetected = (_, e) =>
		events.push({ name: "speechEndDetected", offset: e.offset });
	recognizer.recognizing = (_, e) =>
		events.push({ name: "recognizing", text: e.result.text });
	recognizer.recognized = (_, e) =>
		events.push({
			name: "recognized",
			reason: sdk.ResultReason[e.result.reason],
			text: e.result.text,
			offset: e.result.offset,
			json: e.result.json,
		});
	recognizer.canceled = (_, e) => {
		events.push({
			name: "canceled",
			reason: sdk.CancellationReason[e.reason],
			code: sdk.CancellationErrorCode[e.errorCode],
			details: e.errorDetails,
		});
		if (e.reason === sdk.CancellationReason.Error) resolve();
	};
	const phrases = () =>
		events
			.filter((e) => e.name === "recognized" && e.reason === "RecognizedSpeech")
			.map((e) => e.text as string);
	return { events, stopped, phrases };
}

function fileRecognizer(
	file: string,
	configure?: (c: sdk.SpeechConfig) => void,
) {
	const config = sdk.SpeechConfig.fromHost(new URL(server.url));
	configure?.(config);
	const recognizer = new sdk.SpeechRecognizer(
		config,
		sdk.AudioConfig.fromWavFileInput(readFileSync(file)),
	);
	return { recognizer, ...record(recognizer) };
}

async function continuous(
	file: string,
	configure?: (c: sdk.SpeechConfig) => void,
) {
	const run = fileRecognizer(file, configure);
	run.recognizer.startContinuousRecognitionAsync();
	await run.stopped;
	run.recognizer.close();
	return run;
}

describe("the official Speech SDK against earshot serve", () => {
	test("continuous recognition: the embedded transcript, offsets and event order", async () => {
		const embedded = await recognizeAll(
			AudioConfig.fromWavFileInput(sentencesFile),
		);
		const run = await continuous(sentencesFile);
		const transcript = run.phrases().join(" ");
		// Not always identical: sox dithers, and a loaded machine has given a word apart.
		assert.ok(
			scoreTranscript(embedded.transcript, transcript).wer <= 0.25,
			`server "${transcript}", embedded "${embedded.transcript}"`,
		);
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), transcript).wer <= 0.45,
			transcript,
		);
		const offsets = (events: { name: string; offset?: number }[]) =>
			events.filter((e) => e.name === "recognized").map((e) => e.offset ?? 0);
		const embeddedOffsets = offsets(
			embedded.events.map((e) => ({
				name: e.type,
				offset: e.type === "recognized" ? e.args.result.offset : undefined,
			})),
		);
		const serverOffsets = offsets(run.events);
		assert.equal(serverOffsets.length, embeddedOffsets.length);
		for (const [i, offset] of serverOffsets.entries())
			assert.ok(Math.abs(offset - embeddedOffsets[i]) <= 0.3 * TICKS);
		const names = run.events.map((e) => e.name);
		assert.equal(names[0], "sessionStarted");
		assert.deepEqual(names.slice(-2), ["canceled", "sessionStopped"]);
		assert.equal(run.events.at(-2)?.reason, "EndOfStream");
		// Per phrase: speechStartDetected, recognizing…, speechEndDetected, recognized.
		const phrases = names
			.slice(1, -2)
			.join(" ")
			.split("speechStartDetected ")
			.slice(1);
		assert.equal(phrases.length, SENTENCES.length);
		for (const phrase of phrases)
			assert.match(
				phrase.trim(),
				/^(recognizing )+speechEndDetected recognized$/,
			);
	});

	test("../shared harvard list: the embedded transcript through the server", {
		skip: sharedDir ? false : noSharedReason,
	}, async () => {
		const file = `${sharedDir}/audio/speech/harvard-list72-8k.wav`;
		const embedded = await recognizeAll(AudioConfig.fromWavFileInput(file));
		const run = await continuous(file);
		const score = scoreTranscript(embedded.transcript, run.phrases().join(" "));
		assert.ok(score.wer <= 0.05, `WER ${score.wer} against embedded`);
	});

	test("recognizeOnceAsync with Detailed output: NBest and Words on the absolute clock", async () => {
		const { recognizer } = fileRecognizer(sentencesFile, (config) => {
			config.outputFormat = sdk.OutputFormat.Detailed;
			config.requestWordLevelTimestamps();
		});
		const result = await new Promise<sdk.SpeechRecognitionResult>(
			(resolve, reject) => recognizer.recognizeOnceAsync(resolve, reject),
		);
		recognizer.close();
		assert.equal(result.reason, sdk.ResultReason.RecognizedSpeech);
		const json = JSON.parse(result.json);
		assert.equal(json.RecognitionStatus, "Success");
		const best = json.NBest[0];
		assert.equal(best.Display, result.text);
		assert.ok(
			scoreTranscript(SENTENCES[0], best.Lexical).wer <= 0.4,
			best.Lexical,
		);
		assert.ok(best.Words.length >= 3);
		for (const word of best.Words) {
			assert.ok(word.Offset >= result.offset && word.Duration > 0);
			assert.ok(
				word.Offset + word.Duration <= result.offset + result.duration + 1,
			);
		}
		assert.ok(
			result.offset >= 0.8 * TICKS,
			"the phrase starts after the 1 s of silence",
		);
	});

	test("a push stream at real-time pace, stopped in the middle of the second sentence", async () => {
		const pcm = readFileSync(sentencesFile).subarray(44);
		const stopAt = 1 + durationOf(clips[0]) + 1 + durationOf(clips[1]) / 2;
		const push = sdk.AudioInputStream.createPushStream();
		const recognizer = new sdk.SpeechRecognizer(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
			sdk.AudioConfig.fromStreamInput(push),
		);
		const run = record(recognizer);
		recognizer.startContinuousRecognitionAsync();
		const started = Date.now();
		for (let at = 0; at < stopAt * 32000; at += 3200) {
			push.write(new Uint8Array(pcm.subarray(at, at + 3200)).buffer);
			const due = started + ((at + 3200) / 32000) * 1000;
			await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
		}
		// The push stream is never closed: a stop that waited for more audio would hang here until
		// the test's timeout. How fast it is, is the bench's to measure.
		await new Promise<void>((resolve, reject) =>
			recognizer.stopContinuousRecognitionAsync(resolve, reject),
		);
		await run.stopped;
		recognizer.close();
		const phrases = run.phrases();
		assert.equal(phrases.length, 2, JSON.stringify(phrases));
		assert.ok(
			scoreTranscript(SENTENCES[0], phrases[0]).wer <= 0.45,
			phrases[0],
		);
		assert.ok(
			phrases[1].split(" ").length >= 1,
			"the half-heard sentence is flushed",
		);
		assert.ok(
			!run.events.some((e) => e.name === "canceled"),
			"a stop is not a cancel",
		);
		assert.equal(run.events.at(-1)?.name, "sessionStopped");
	});

	test("16 concurrent clients, each with its own transcript", async () => {
		const texts = [
			"open the door",
			"close the window",
			"turn on the light",
			"call my mother",
			"play some music",
			"what time is it",
			"set an alarm",
			"read the news",
			"stop the car",
			"check the weather",
			"send a message",
			"find a restaurant",
			"start the timer",
			"lock the house",
			"feed the cat",
			"water the plants",
		];
		const files = texts.map((t) =>
			withPauses([synthesize(t, { voice: "awb" })], 0.5),
		);
		const embedded = [];
		for (const file of files)
			embedded.push(
				(await recognizeAll(AudioConfig.fromWavFileInput(file))).transcript,
			);
		const runs = await Promise.all(files.map((file) => continuous(file)));
		for (const [i, run] of runs.entries()) {
			const transcript = run.phrases().join(" ");
			assert.ok(
				scoreTranscript(embedded[i], transcript).wer <= 0.25,
				`client ${i}: "${transcript}", embedded "${embedded[i]}"`,
			);
			assert.equal(run.events.at(-2)?.reason, "EndOfStream");
		}
		assert.ok(new Set(embedded).size >= 14, "the clients' transcripts differ");
	});

	test("an out-of-range setting closes with 1007: the SDK reports BadRequestParameters naming it", async () => {
		const run = await continuous(sentencesFile, (config) =>
			config.setProperty(
				sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs,
				"50",
			),
		);
		const canceled = run.events.find((e) => e.name === "canceled");
		assert.equal(canceled?.code, "BadRequestParameters");
		assert.match(
			canceled?.details ?? "",
			/Speech_SegmentationSilenceTimeoutMs/,
		);
	});

	test("metrics, health and one log line per session; nothing stays active", async () => {
		const metric = server.metric;
		await waitFor(async () => (await metric("earshot_active_sessions")) === 0);
		assert.ok((await metric("earshot_audio_seconds_total")) > 10);
		assert.ok(
			(await metric("earshot_finalization_latency_seconds_count")) > 10,
		);
		assert.ok((await metric("earshot_real_time_factor")) > 0);
		const health = await fetch(`${server.url.replace("ws:", "http:")}/healthz`);
		assert.deepEqual(await health.json(), { status: "ok", activeSessions: 0 });
		const logs = server.logs();
		assert.ok(logs.length >= 20);
		const first = logs[0];
		assert.equal(first.mode, "conversation");
		assert.equal(first.turns, 1);
		assert.equal(first.phrases, SENTENCES.length);
		assert.ok(first.audioSeconds > 5);
		assert.ok(logs.some((l) => l.mode === "interactive"));
	});
});

function durationOf(file: string): number {
	return (readFileSync(file).length - 44) / 32000;
}

async function waitFor(condition: () => Promise<boolean>, ms = 5000) {
	const start = Date.now();
	while (!(await condition())) {
		if (Date.now() - start > ms) throw new Error("timed out");
		await new Promise((r) => setTimeout(r, 20));
	}
}
