/**
 * An unexpected error in one session, with healthy sessions beside it: that session alone ends
 * (close 4000, which the official SDK reports as ConnectionFailure; canceled RuntimeError in the
 * embedded SDK), the error is logged with its stack and counted, a failed decoder is not pooled,
 * and the others finish with their full transcripts.
 *
 * Faults are real where a test can reach them: a malformed message, a decoder closed under its
 * stream, a native call that fails because the utterance was ended underneath it. The engine
 * is reached through its shared instance (`selectEngine`), whose next `openStream` the test
 * wraps. One fault has no real trigger left, since the schema stops malformed input first: an
 * error thrown inside the server's message handler, injected by making the metrics counter that
 * handler calls throw for one client's frame size (a test-only fault, at the metrics boundary).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import WebSocket from "ws";
import type { EngineStream } from "../src/engines/engine.js";
import { loadPocketSphinx } from "../src/engines/pocketsphinx/native.js";
import { selectEngine } from "../src/engines/select.js";
import { scoreTranscript } from "../src/eval/score.js";
import {
	AudioConfig,
	CancellationErrorCode,
	CancellationReason,
	EarshotProperty,
	type SpeechConfig,
} from "../src/index.js";
import { encodeMessage } from "../src/protocol/frame.js";
import {
	audioMessage,
	ContentType,
	speechConfigMessage,
} from "../src/protocol/messages.js";
import { RECOGNITION_PATHS } from "../src/protocol/paths.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { explainDeaths } from "./helpers/death.js";
import { recognizeAll } from "./helpers/recognize.js";
import { SPEECH_WAV_HEADER, synthesize, withPauses } from "./helpers/speech.js";

explainDeaths();
const CHOICE = { engine: "pocketsphinx" };
const file = withPauses(
	["please turn on the kitchen light", "open the door"].map((s) =>
		synthesize(s, { voice: "awb" }),
	),
	1,
);
const BESIDE = 2;

let server: RunningServer;
let reference: string;
const errors: string[] = [];
const write = process.stderr.write.bind(process.stderr);
before(async () => {
	server = await startServer({ port: 0, engine: CHOICE, log: false });
	reference = (
		await recognizeAll(AudioConfig.fromWavFileInput(file), engineChoice)
	).transcript;
	// The server's error log, read as it is written.
	process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
		if (String(chunk).includes("closed by an unexpected error"))
			errors.push(String(chunk));
		return write(chunk, ...rest);
	}) as typeof process.stderr.write;
});
after(async () => {
	process.stderr.write = write;
	await server.close();
});

function engineChoice(config: SpeechConfig) {
	config.setProperty(EarshotProperty.Engine, CHOICE.engine);
}

/** The official SDK on the whole file; resolves with its phrases and how it ended. */
async function officialClient() {
	const recognizer = new sdk.SpeechRecognizer(
		sdk.SpeechConfig.fromHost(new URL(server.url)),
		sdk.AudioConfig.fromWavFileInput(readFileSync(file)),
	);
	const phrases: string[] = [];
	let canceled: { reason: string; code: string; details: string } | undefined;
	await new Promise<void>((resolve) => {
		recognizer.recognized = (_, e) => {
			if (e.result.reason === sdk.ResultReason.RecognizedSpeech)
				phrases.push(e.result.text);
		};
		recognizer.canceled = (_, e) => {
			canceled = {
				reason: sdk.CancellationReason[e.reason],
				code: sdk.CancellationErrorCode[e.errorCode],
				details: e.errorDetails ?? "",
			};
			if (e.reason === sdk.CancellationReason.Error) resolve();
		};
		recognizer.sessionStopped = () => resolve();
		recognizer.startContinuousRecognitionAsync();
	});
	recognizer.close();
	return { transcript: phrases.join(" "), canceled };
}

/** Healthy clients, started once the faulty one is open. */
function beside() {
	return Promise.all(Array.from({ length: BESIDE }, () => officialClient()));
}

function assertWhole(
	runs: { transcript: string; canceled?: { reason: string } }[],
) {
	for (const run of runs) {
		assert.equal(run.canceled?.reason, "EndOfStream");
		assert.ok(
			scoreTranscript(reference, run.transcript).wer <= 0.25,
			`"${run.transcript}", alone "${reference}"`,
		);
	}
}

async function internalErrors(stage: string): Promise<number> {
	const metric = await server.metrics.internalErrors.get();
	return metric.values.find((v) => v.labels.stage === stage)?.value ?? 0;
}

/**
 * Wraps the next stream the shared engine opens: at its `atWrite`-th write, once `ready`
 * resolves (the healthy sessions are open beside it), `fault` runs on the real stream.
 */
async function faultNextStream(
	fault: (stream: EngineStream) => Promise<void> | void,
	ready: () => Promise<unknown> = sessionsBeside,
	atWrite = 20,
): Promise<{ opening: Promise<void> }> {
	const engine = await selectEngine(CHOICE);
	const open = engine.openStream;
	let opening!: () => void;
	const result = { opening: new Promise<void>((r) => (opening = r)) };
	engine.openStream = async (options) => {
		engine.openStream = open;
		opening();
		const stream = await open.call(engine, options);
		const realWrite = stream.write.bind(stream);
		let writes = 0;
		stream.write = async (samples) => {
			if (++writes === atWrite) {
				await ready();
				await fault(stream);
			}
			return realWrite(samples);
		};
		return stream;
	};
	return result;
}

async function sessionsBeside(): Promise<void> {
	while ((await activeSessions()) < BESIDE + 1)
		await new Promise((r) => setTimeout(r, 20));
}

async function activeSessions(): Promise<number> {
	return (await server.metrics.activeSessions.get()).values[0]?.value ?? 0;
}

/** A raw client: `send` gets the socket; resolves with the close code and reason. */
async function rawClient(send: (ws: WebSocket) => void) {
	const ws = new WebSocket(`${server.url}${RECOGNITION_PATHS.conversation}`);
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.once("close", (code, reason) => resolve({ code, reason: `${reason}` })),
	);
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	send(ws);
	return closed;
}

describe("one session's unexpected error ends that session alone", () => {
	test("a speech.context field of the wrong type: 1007 naming it; nothing else is touched", async () => {
		const requestId = "F00DF00DF00DF00DF00DF00DF00DF00D";
		const [closed, runs] = await Promise.all([
			rawClient((ws) => {
				ws.send(encodeMessage(speechConfigMessage(requestId, {})));
				ws.send(
					`Path:speech.context\r\nX-RequestId:${requestId}\r\nContent-Type:application/json\r\n\r\n{"phraseDetection":{"language":{"en":"US"}}}`,
				);
			}),
			beside(),
		]);
		assert.equal(closed.code, 1007);
		assert.match(closed.reason, /phraseDetection\.language: expected string/);
		assertWhole(runs);
	});

	test("an error thrown in the message handler (injected): 4000 without a stack, logged and counted", async () => {
		const before = await internalErrors("message");
		const counter = server.metrics.audioSeconds;
		const inc = counter.inc.bind(counter);
		const FAULTY_BYTES = 1234;
		counter.inc = ((value?: number) => {
			if (value === FAULTY_BYTES / 32000)
				throw new TypeError("injected fault in the message handler");
			inc(value);
		}) as typeof counter.inc;
		try {
			const runs = beside();
			const requestId = "BADC0DEBADC0DEBADC0DEBADC0DE0000";
			const closed = await rawClient((ws) => {
				ws.send(encodeMessage(speechConfigMessage(requestId, {})));
				ws.send(
					encodeMessage(
						audioMessage(requestId, SPEECH_WAV_HEADER, ContentType.Wav),
					),
				);
				ws.send(
					encodeMessage(audioMessage(requestId, new Uint8Array(FAULTY_BYTES))),
				);
			});
			assert.equal(closed.code, 4000);
			assert.equal(
				closed.reason,
				"internal error: injected fault in the message handler",
			);
			assertWhole(await runs);
		} finally {
			counter.inc = inc;
		}
		assert.equal(await internalErrors("message"), before + 1);
		assert.match(
			errors.at(-1) ?? "",
			/injected fault in the message handler\n\s+at /,
		);
	});

	test("a decoder closed under its stream: the SDK gets ConnectionFailure, the others their transcripts", async () => {
		const before = await internalErrors("engine");
		await faultNextStream((stream) => stream.close());
		const faulty = officialClient();
		const [run, runs] = await Promise.all([faulty, beside()]);
		assert.equal(run.canceled?.reason, "Error");
		assert.equal(run.canceled?.code, "ConnectionFailure");
		assert.match(
			run.canceled?.details ?? "",
			/internal error: the stream is closed/,
		);
		assertWhole(runs);
		assert.equal(await internalErrors("engine"), before + 1);
		assert.match(errors.at(-1) ?? "", /the stream is closed\n\s+at /);
	});

	test("a native call that fails: the decoder is freed, not pooled", async () => {
		const engine = await selectEngine(CHOICE);
		const stream = await engine.openStream({ segmentationSilenceMs: 500 });
		await stream.write(new Float32Array(1600));
		const handle = (stream as unknown as { decoder: unknown }).decoder;
		// Ending the utterance underneath makes the stream's own ps_end_utt fail.
		loadPocketSphinx().ps_end_utt(handle);
		await assert.rejects(stream.close(), /PocketSphinx ps_end_utt failed/);
		// The pool (the engine's private idle lists, read here) does not hold it. Its address
		// cannot be compared with later decoders': a freed one's memory is reused.
		const idle = (
			engine as unknown as { idle: Map<number, { handle: unknown }[]> }
		).idle;
		assert.ok(![...idle.values()].flat().some((d) => d.handle === handle));
		// The pool held a healthy decoder before: a sound stream still goes back to it.
		const sound = await engine.openStream({ segmentationSilenceMs: 500 });
		const soundHandle = (sound as unknown as { decoder: unknown }).decoder;
		await sound.close();
		assert.ok([...idle.values()].flat().some((d) => d.handle === soundHandle));
		assertWhole([await officialClient()]);
	});

	test("metrics: the counter is exported by name, and every session closes", async () => {
		const text = await server.metrics.registry.metrics();
		assert.match(
			text,
			/^earshot_internal_errors_total\{stage="engine"\} \d+$/m,
		);
		// Every session closes: none is left hanging by a fault (the SDK's close arrives a moment later).
		while ((await activeSessions()) > 0)
			await new Promise((r) => setTimeout(r, 20));
	});
});

describe("the embedded SDK: an engine fault cancels that recognizer alone", () => {
	test("canceled Error/RuntimeError for the faulty recognizer; the one beside it recognizes everything", async () => {
		let started!: () => void;
		const besideIt = new Promise<void>((r) => (started = r));
		const { opening } = await faultNextStream(
			(stream) => stream.close(),
			() => besideIt,
			10,
		);
		const faulty = recognizeAll(
			AudioConfig.fromWavFileInput(file),
			engineChoice,
		);
		// The healthy one starts once the faulty one opens its stream, so the fault hits the right one.
		await opening;
		const healthy = recognizeAll(
			AudioConfig.fromWavFileInput(file),
			engineChoice,
		);
		started();
		const [bad, good] = await Promise.all([faulty, healthy]);
		assert.equal(bad.canceled?.reason, CancellationReason.Error);
		assert.equal(bad.canceled?.errorCode, CancellationErrorCode.RuntimeError);
		assert.match(bad.canceled?.errorDetails ?? "", /the stream is closed/);
		assert.equal(good.canceled?.reason, CancellationReason.EndOfStream);
		assert.ok(
			scoreTranscript(reference, good.transcript).wer <= 0.25,
			good.transcript,
		);
	});
});
