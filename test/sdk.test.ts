import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { scoreTranscript } from "../src/eval/score.js";
import {
	AudioConfig,
	AudioInputStream,
	CancellationReason,
	PullAudioInputStreamCallback,
	type RecognizerEvent,
	ResultReason,
	SpeechConfig,
	SpeechRecognizer,
} from "../src/index.js";
import { durationOf, summarize } from "./helpers/recognize.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const SENTENCES = [
	"please turn on the kitchen light",
	"i would like a cup of coffee",
	"open the door",
];
const clips = SENTENCES.map((s) => synthesize(s, { voice: "awb" }));
const file = withPauses(clips, 1);
/** 16 kHz 16-bit mono PCM, without sox's 44-byte header. */
const pcm = readFileSync(file).subarray(44);
const BYTES_PER_SECOND = 32000;
const CHUNK = BYTES_PER_SECOND / 10;

function recognizer(audio: AudioConfig): SpeechRecognizer {
	return new SpeechRecognizer(
		SpeechConfig.fromSubscription("unused", "offline"),
		audio,
	);
}

interface Timed {
	event: RecognizerEvent;
	at: number;
}

/** Collects events with the time they arrived, until sessionStopped. */
function collect(r: SpeechRecognizer): {
	events: Timed[];
	done: Promise<void>;
} {
	const events: Timed[] = [];
	const done = (async () => {
		for await (const event of r.events())
			events.push({ event, at: performance.now() });
	})();
	return { events, done };
}

/** Recognizes until the input ends and summarizes the events. */
async function runToEnd(r: SpeechRecognizer) {
	const { events, done } = collect(r);
	await r.startContinuousRecognition();
	await done;
	await r.dispose();
	return summarize(events.map((e) => e.event));
}

/** Writes `bytes` to a push stream in 100 ms pieces at real-time pace; resolves when written. */
async function pushRealtime(
	write: (b: Buffer) => void,
	bytes: Buffer,
	until = bytes.length,
): Promise<void> {
	const start = performance.now();
	for (let at = 0; at < until; at += CHUNK) {
		write(bytes.subarray(at, Math.min(at + CHUNK, until)));
		const due = ((at + CHUNK) / BYTES_PER_SECOND) * 1000;
		await sleep(Math.max(0, due - (performance.now() - start)));
	}
}

describe("streams", () => {
	test("push stream at real-time pace: partials while audio flows, all phrases, EndOfStream on close", async () => {
		const stream = AudioInputStream.createPushStream();
		const r = recognizer(AudioConfig.fromStreamInput(stream));
		const { events, done } = collect(r);
		await r.startContinuousRecognition();
		await pushRealtime((b) => stream.write(b), pcm);
		const writtenAt = performance.now();
		stream.close();
		await done;
		await r.dispose();
		const run = summarize(events.map((e) => e.event));
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), run.transcript).wer <= 0.35,
			run.transcript,
		);
		// Live: phrases before the last one were final while audio was still being written.
		const finals = events.filter(
			(e) =>
				e.event.type === "recognized" &&
				e.event.args.result.reason === ResultReason.RecognizedSpeech,
		);
		assert.ok(finals.length === SENTENCES.length);
		assert.ok(finals[0].at < writtenAt && finals[1].at < writtenAt);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
	});

	test("stop mid-phrase flushes what was heard into a final recognized, without waiting for more audio", async () => {
		const stream = AudioInputStream.createPushStream();
		const r = recognizer(AudioConfig.fromStreamInput(stream));
		const { events, done } = collect(r);
		await r.startContinuousRecognition();
		// Through the first sentence, its pause, and most of the second sentence.
		const cut =
			Math.round(
				(1 + durationOf(clips[0]) + 1 + durationOf(clips[1]) * 0.8) *
					BYTES_PER_SECOND,
			) & ~1;
		await pushRealtime((b) => stream.write(b), pcm, cut);
		const stopAt = performance.now();
		await r.stopContinuousRecognition(); // the stream is never closed: stop must not wait for it
		await done;
		const types = events.map((e) => e.event.type);
		assert.equal(types.at(-1), "sessionStopped");
		assert.ok(!types.includes("canceled"), "a stop is not an end of stream");
		const afterStop = events.filter(
			(e) => e.at >= stopAt && e.event.type === "recognized",
		);
		assert.equal(afterStop.length, 1, "the open phrase is flushed");
		const last = afterStop[0].event;
		assert.ok(
			last.type === "recognized" &&
				last.args.result.reason === ResultReason.RecognizedSpeech,
		);
		const heard = last.args.result.text.toLowerCase();
		assert.ok(
			/coffee|cup|like|would/.test(heard),
			`flushed phrase "${heard}" holds the second sentence's words`,
		);
		await r.dispose();
	});

	test("pull stream with an async read at real-time pace", async () => {
		let at = 0;
		const callback = new (class extends PullAudioInputStreamCallback {
			closed = false;
			async read(buffer: ArrayBuffer): Promise<number> {
				await sleep(20);
				const n = Math.min(buffer.byteLength, 640, pcm.length - at);
				new Uint8Array(buffer).set(pcm.subarray(at, at + n));
				at += n;
				return n;
			}
			close(): void {
				this.closed = true;
			}
		})();
		const r = recognizer(
			AudioConfig.fromStreamInput(AudioInputStream.createPullStream(callback)),
		);
		const run = await runToEnd(r);
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), run.transcript).wer <= 0.35,
			run.transcript,
		);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
		assert.ok(callback.closed, "the callback is closed at the end");
	});

	test("pull stream with Azure's synchronous read, in another format (8 kHz)", async () => {
		const { execFileSync } = await import("node:child_process");
		const eight = `${file}.8k.wav`;
		execFileSync("sox", ["-R", file, "-r", "8000", eight]);
		const bytes = readFileSync(eight).subarray(44);
		let at = 0;
		const callback = new (class extends PullAudioInputStreamCallback {
			read(buffer: ArrayBuffer): number {
				const n = Math.min(buffer.byteLength, bytes.length - at);
				new Uint8Array(buffer).set(bytes.subarray(at, at + n));
				at += n;
				return n;
			}
			close(): void {}
		})();
		const { AudioStreamFormat } = await import("../src/index.js");
		const stream = AudioInputStream.createPullStream(
			callback,
			AudioStreamFormat.getWaveFormatPCM(8000, 16, 1),
		);
		const r = recognizer(AudioConfig.fromStreamInput(stream));
		const run = await runToEnd(r);
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), run.transcript).wer <= 0.5,
			run.transcript,
		);
	});
});

describe("SpeechRecognizer API", () => {
	test("recognizeOnceAsync gives the first phrase, with callbacks", async () => {
		const r = recognizer(AudioConfig.fromWavFileInput(file));
		const types: string[] = [];
		r.sessionStopped = () => types.push("sessionStopped");
		const result = await new Promise<
			import("../src/index.js").SpeechRecognitionResult
		>((resolve, reject) => r.recognizeOnceAsync(resolve, reject));
		assert.equal(result.reason, ResultReason.RecognizedSpeech);
		assert.ok(
			scoreTranscript(SENTENCES[0], result.text).wer <= 0.5,
			result.text,
		);
		assert.ok(
			result.offset > 0.8 * 1e7 && result.offset < 1.5 * 1e7,
			`offset ${result.offset}`,
		);
		assert.deepEqual(types, ["sessionStopped"]);
		await new Promise<void>((resolve) => r.close(resolve));
	});

	test("callback forms start and stop; a second start while running is refused", async () => {
		const stream = AudioInputStream.createPushStream();
		const r = recognizer(AudioConfig.fromStreamInput(stream));
		let stopped = false;
		r.sessionStopped = () => {
			stopped = true;
		};
		await new Promise<void>((resolve, reject) =>
			r.startContinuousRecognitionAsync(resolve, reject),
		);
		const error = await new Promise<string>((resolve) =>
			r.startContinuousRecognitionAsync(
				() => resolve("started twice"),
				resolve,
			),
		);
		assert.match(error, /already running/);
		stream.write(pcm.subarray(0, BYTES_PER_SECOND));
		await new Promise<void>((resolve, reject) =>
			r.stopContinuousRecognitionAsync(resolve, reject),
		);
		assert.ok(stopped);
		await r.dispose();
	});

	test("a handler that throws does not break recognition", async () => {
		const r = recognizer(AudioConfig.fromWavFileInput(file));
		const warnings: string[] = [];
		const onWarning = (w: Error) => warnings.push(w.message);
		process.on("warning", onWarning);
		let recognized = 0;
		r.recognizing = () => {
			throw new Error("boom");
		};
		r.recognized = (_s, e) => {
			if (e.result.reason === ResultReason.RecognizedSpeech) recognized++;
			throw new Error("bang");
		};
		const { done } = collect(r);
		await r.startContinuousRecognition();
		await done;
		await sleep(10);
		process.off("warning", onWarning);
		await r.dispose();
		assert.equal(recognized, SENTENCES.length);
		assert.ok(warnings.some((w) => /recognizing handler threw: boom/.test(w)));
	});

	test("events() made after the start resolves begins with sessionStarted", async () => {
		const r = recognizer(AudioConfig.fromWavFileInput(file));
		await r.startContinuousRecognition();
		const types: string[] = [];
		for await (const { type } of r.events()) types.push(type);
		await r.dispose();
		assert.equal(types[0], "sessionStarted");
		assert.equal(types.at(-1), "sessionStopped");
		assert.equal(types.filter((t) => t === "recognized").length, 3);
	});

	test("events() listens from the call, not from the first next()", async () => {
		const r = recognizer(AudioConfig.fromWavFileInput(file));
		const events = r.events();
		const firstPhrase = new Promise<void>((resolve) => {
			r.recognized = () => resolve();
		});
		await r.startContinuousRecognition();
		await firstPhrase;
		const types: string[] = [];
		for await (const { type } of events) types.push(type);
		await r.dispose();
		assert.equal(types[0], "sessionStarted");
		assert.equal(types.filter((t) => t === "recognized").length, 3);
	});

	test("a WAV cut short (fromWavFileInput): what it holds is recognized, with a process warning", async () => {
		const wav = readFileSync(file);
		const keep = 44 + 2 * Math.round(16000 * (1 + durationOf(clips[0]) + 0.8));
		const warnings: { message: string; code?: string }[] = [];
		const onWarning = (w: Error & { code?: string }) =>
			warnings.push({ message: w.message, code: w.code });
		process.on("warning", onWarning);
		const run = await runToEnd(
			recognizer(AudioConfig.fromWavFileInput(wav.subarray(0, keep))),
		);
		await sleep(10);
		process.off("warning", onWarning);
		assert.equal(run.phrases.length, 1, run.transcript);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
		const truncated = warnings.filter(
			(w) => w.code === "EARSHOT_TRUNCATED_AUDIO",
		);
		assert.equal(truncated.length, 1);
		assert.match(
			truncated[0].message,
			/^earshot: truncated WAV: audio buffer declares \d+\.\d\d s of audio but holds \d+\.\d\d s; transcribing what is there$/,
		);
	});

	test("two recognizers at once each get their own transcript, and the event loop stays responsive", async () => {
		const other = withPauses(
			["the weather is nice today", "she sells sea shells"].map((s) =>
				synthesize(s, { voice: "awb" }),
			),
			1,
		);
		let last = performance.now();
		let maxGap = 0;
		const timer = setInterval(() => {
			const now = performance.now();
			maxGap = Math.max(maxGap, now - last);
			last = now;
		}, 10);
		const runs = await Promise.all(
			[file, other].map(async (f) => {
				const r = recognizer(AudioConfig.fromWavFileInput(f));
				const { events, done } = collect(r);
				await r.startContinuousRecognition();
				await done;
				await r.dispose();
				return summarize(events.map((e) => e.event));
			}),
		);
		clearInterval(timer);
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), runs[0].transcript).wer <= 0.35,
			runs[0].transcript,
		);
		assert.ok(
			scoreTranscript(
				"the weather is nice today she sells sea shells",
				runs[1].transcript,
			).wer <= 0.5,
			runs[1].transcript,
		);
		// Decoding a whole file on the main thread would block it for seconds.
		assert.ok(
			maxGap < 500,
			`the event loop stalled for ${maxGap.toFixed(0)} ms`,
		);
	});
});
