/**
 * `earshot serve` under bad input, wrong keys, limits and shutdown: each closes only the
 * connection at fault, with a close code or message the official SDK understands, while other
 * sessions keep going, and nothing leaks.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import WebSocket from "ws";
import { scoreTranscript } from "../src/eval/score.js";
import {
	encodeMessage,
	encodeTextMessage,
	MessageHeaders,
} from "../src/protocol/frame.js";
import {
	audioMessage,
	ContentType,
	endOfAudioMessage,
	newRequestId,
	speechConfigMessage,
	speechContextMessage,
} from "../src/protocol/messages.js";
import { RECOGNITION_PATHS } from "../src/protocol/paths.js";
import type { SessionLog } from "../src/server/connection.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import {
	messagePath,
	mutatedBody,
	SDK_SPEECH_CONFIG,
	SDK_SPEECH_CONTEXT,
} from "./helpers/fuzz.js";
import { SPEECH_WAV_HEADER, synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const SENTENCES = ["please turn on the kitchen light", "open the door"];
const file = withPauses(
	SENTENCES.map((s) => synthesize(s, { voice: "awb" })),
	1,
);
const pcm = readFileSync(file).subarray(44);

const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(options: Parameters<typeof startServer>[0] = {}) {
	const logs: SessionLog[] = [];
	const server = await startServer({
		port: 0,
		log: (r) => logs.push(r),
		...options,
	});
	servers.push(server);
	return { server, logs };
}

/** The official SDK on a push stream; `feed` writes the audio at real-time pace. */
function officialClient(config: sdk.SpeechConfig) {
	const push = sdk.AudioInputStream.createPushStream();
	const recognizer = new sdk.SpeechRecognizer(
		config,
		sdk.AudioConfig.fromStreamInput(push),
	);
	const phrases: string[] = [];
	const canceled: { reason: string; code: string; details: string }[] = [];
	recognizer.recognized = (_, e) => {
		if (e.result.reason === sdk.ResultReason.RecognizedSpeech)
			phrases.push(e.result.text);
	};
	let resolve!: () => void;
	const stopped = new Promise<void>((r) => {
		resolve = r;
	});
	recognizer.canceled = (_, e) => {
		canceled.push({
			reason: sdk.CancellationReason[e.reason],
			code: sdk.CancellationErrorCode[e.errorCode],
			details: e.errorDetails ?? "",
		});
		if (e.reason === sdk.CancellationReason.Error) resolve();
	};
	recognizer.sessionStopped = () => resolve();
	recognizer.startContinuousRecognitionAsync();
	const feed = async (audio: Uint8Array) => {
		const started = Date.now();
		for (let at = 0; at < audio.length; at += 3200) {
			push.write(new Uint8Array(audio.subarray(at, at + 3200)).buffer);
			const due = started + ((at + 3200) / 32000) * 1000;
			await sleep(due - Date.now());
		}
	};
	const done = async () => {
		await stopped;
		recognizer.close();
		return { phrases, canceled };
	};
	return { push, feed, done };
}

/** A raw WebSocket client; resolves with how the server closed it. */
async function rawClient(
	url: string,
	send: (ws: WebSocket) => void | Promise<void>,
): Promise<{ code: number; reason: string }> {
	const ws = new WebSocket(`${url}${RECOGNITION_PATHS.conversation}`);
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.once("close", (code, reason) =>
			resolve({ code, reason: reason.toString() }),
		),
	);
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	ws.on("error", () => {});
	await send(ws);
	return closed;
}

function opening(requestId: string): (string | Uint8Array)[] {
	return [
		encodeMessage(speechConfigMessage(requestId, {})),
		encodeMessage(speechContextMessage(requestId, {})),
		encodeMessage(audioMessage(requestId, SPEECH_WAV_HEADER, ContentType.Wav)),
	];
}

describe("earshot serve under bad input and limits", () => {
	test("malformed input closes only that connection, with 1007; a vanished client leaks nothing", async () => {
		const { server, logs } = await serve({ maxFrameBytes: 65536 });
		const witness = officialClient(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
		);
		const feeding = witness.feed(pcm);
		await sleep(500);

		const id = newRequestId();
		const cases: [string, (ws: WebSocket) => void | Promise<void>, RegExp][] = [
			[
				"bad header length",
				(ws) => ws.send(Uint8Array.of(0x7f, 0xff, 0x50, 0x61)),
				/header length 32767/,
			],
			[
				"binary before config",
				(ws) => ws.send(opening(id)[2]),
				/audio before speech.config/,
			],
			["garbage text", (ws) => ws.send("hello\u0000there"), /blank line/],
			[
				"oversized frame",
				(ws) => {
					ws.send(opening(id)[0]);
					ws.send(new Uint8Array(100_000));
				},
				/exceeds the limit of 65536/,
			],
			[
				"bad RIFF header",
				(ws) => {
					ws.send(opening(id)[0]);
					ws.send(encodeMessage(audioMessage(id, new Uint8Array(44))));
				},
				/not a WAV/,
			],
		];
		for (const [name, send, reason] of cases) {
			const closed = await rawClient(server.url, send);
			assert.equal(closed.code, 1007, name);
			assert.match(closed.reason, reason, name);
		}

		// A client that vanishes mid-phrase: its session is stopped and its decoder released.
		await rawClient(server.url, async (ws) => {
			for (const message of opening(id)) ws.send(message);
			ws.send(encodeMessage(audioMessage(id, pcm.subarray(0, 32000 * 2))));
			await sleep(300);
			ws.terminate();
		});

		await finishesWhole(witness, feeding);
		await waitFor(() => logs.length === cases.length + 2);
		assert.equal(await activeSessions(server), 0);
		const vanished = logs.find((l) => l.closeCode === 1006);
		assert.ok(vanished && vanished.audioSeconds === 2, JSON.stringify(logs));
	});

	test("keys: a wrong key is refused at the upgrade with 401; the key and a token from /sts/v1.0/issueToken work", async () => {
		const { server } = await serve({ key: "s3cret" });
		const http = server.url.replace("ws:", "http:");
		const once = async (config: sdk.SpeechConfig) => {
			const recognizer = new sdk.SpeechRecognizer(
				config,
				sdk.AudioConfig.fromWavFileInput(readFileSync(file)),
			);
			const result = await new Promise<sdk.SpeechRecognitionResult>(
				(resolve, reject) => recognizer.recognizeOnceAsync(resolve, reject),
			);
			recognizer.close();
			return result;
		};
		// The JS SDK reports a refused upgrade as ConnectionFailure; it has no path to
		// AuthenticationFailure (see docs/server.md).
		const wrong = await once(
			sdk.SpeechConfig.fromHost(new URL(server.url), "wrong"),
		);
		const details = sdk.CancellationDetails.fromResult(wrong);
		assert.equal(details.reason, sdk.CancellationReason.Error);
		assert.equal(
			details.ErrorCode,
			sdk.CancellationErrorCode.ConnectionFailure,
		);
		assert.match(details.errorDetails, /401/);

		const keyed = await once(
			sdk.SpeechConfig.fromHost(new URL(server.url), "s3cret"),
		);
		assert.equal(keyed.reason, sdk.ResultReason.RecognizedSpeech);

		const refused = await fetch(`${http}/sts/v1.0/issueToken`, {
			method: "POST",
			headers: { "Ocp-Apim-Subscription-Key": "wrong" },
		});
		assert.equal(refused.status, 401);
		const token = await (
			await fetch(`${http}/sts/v1.0/issueToken`, {
				method: "POST",
				headers: { "Ocp-Apim-Subscription-Key": "s3cret" },
			})
		).text();
		const withToken = sdk.SpeechConfig.fromHost(new URL(server.url));
		withToken.authorizationToken = token;
		assert.equal(
			(await once(withToken)).reason,
			sdk.ResultReason.RecognizedSpeech,
		);
	});

	test("capacity gives TooManyRequests; the session time limit gives ConnectionFailure naming it", async () => {
		const { server } = await serve({ maxSessions: 1, maxSessionSeconds: 2 });
		const first = officialClient(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
		);
		first.push.write(new Uint8Array(pcm.subarray(0, 32000)).buffer);
		await waitFor(async () => (await activeSessions(server)) === 1);
		const second = officialClient(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
		);
		second.push.write(new Uint8Array(pcm.subarray(0, 3200)).buffer);
		const refused = await second.done();
		assert.deepEqual(
			refused.canceled.map((c) => [c.reason, c.code]),
			[["Error", "TooManyRequests"]],
		);
		const limited = await first.done();
		assert.equal(limited.canceled[0]?.code, "ConnectionFailure");
		assert.match(
			limited.canceled[0]?.details ?? "",
			/session time limit of 2 s/,
		);
		await waitFor(async () => (await activeSessions(server)) === 0);
	});

	test("drain: new sessions are refused, the open turn finishes, then the server closes", async () => {
		const { server } = await serve();
		const client = officialClient(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
		);
		const feeding = client.feed(pcm.subarray(0, 32000 * 4));
		// A turn is open once audio has arrived; a connection without one is closed at once.
		await waitFor(
			async () => (await metric(server, "earshot_audio_seconds_total")) > 0,
		);
		const draining = server.drain(20_000);
		const health = await fetch(`${server.url.replace("ws:", "http:")}/healthz`);
		assert.equal(health.status, 503);
		const refused = await rawClient(server.url, () => {}).catch(
			(error: Error) => error,
		);
		assert.ok(refused instanceof Error);
		await feeding;
		client.push.close();
		const result = await client.done();
		await draining;
		assert.deepEqual(
			result.canceled.map((c) => c.reason),
			["EndOfStream"],
		);
		assert.ok(
			scoreTranscript(SENTENCES[0], result.phrases[0] ?? "").wer <= 0.5,
		);
	});
});

/**
 * A turn as the SDK opens it, with any JSON in any body field, and any client messages (any
 * path, any JSON, audio of any request id) anywhere in between.
 */
const anyMessages = (() => {
	const id = fc.constantFrom("A".repeat(32), "B".repeat(32), "");
	const json = (path: fc.Arbitrary<string>, body: fc.Arbitrary<unknown>) =>
		fc.tuple(path, id, body).map(([p, requestId, b]) =>
			encodeTextMessage({
				headers: new MessageHeaders([
					["Path", p],
					["X-RequestId", requestId],
					["Content-Type", "application/json"],
				]),
				body: JSON.stringify(b) ?? "",
			}),
		);
	const audio = (payload: fc.Arbitrary<Uint8Array>) =>
		fc
			.tuple(id, payload)
			.map(([requestId, bytes]) =>
				encodeMessage(
					bytes.length > 0
						? audioMessage(requestId || "C".repeat(32), bytes)
						: endOfAudioMessage(requestId || "C".repeat(32)),
				),
			);
	const any = fc.oneof(
		json(
			fc.constant("speech.config"),
			fc.oneof(
				mutatedBody(SDK_SPEECH_CONFIG).map((m) => m.body),
				fc.jsonValue(),
			),
		),
		json(
			fc.constant("speech.context"),
			fc.oneof(
				mutatedBody(SDK_SPEECH_CONTEXT).map((m) => m.body),
				fc.jsonValue(),
			),
		),
		json(fc.constantFrom("telemetry", "Speech.Context"), fc.jsonValue()),
		json(messagePath, fc.jsonValue()),
		audio(fc.constant(SPEECH_WAV_HEADER)),
		audio(fc.uint8Array({ maxLength: 3200 })),
	);
	const requestId = "A".repeat(32);
	const body = (path: string, value: unknown) =>
		encodeTextMessage({
			headers: new MessageHeaders([
				["Path", path],
				["X-RequestId", requestId],
			]),
			body: JSON.stringify(value),
		});
	const turn = fc
		.tuple(
			mutatedBody(SDK_SPEECH_CONFIG),
			mutatedBody(SDK_SPEECH_CONTEXT),
			fc.uint8Array({ maxLength: 3200 }),
		)
		.map(([config, context, bytes]) => [
			body("speech.config", config.body),
			body("speech.context", context.body),
			encodeMessage(
				audioMessage(requestId, SPEECH_WAV_HEADER, ContentType.Wav),
			),
			...(bytes.length > 0
				? [encodeMessage(audioMessage(requestId, bytes))]
				: []),
		]);
	return fc
		.tuple(turn, fc.array(fc.tuple(fc.nat(), any), { maxLength: 5 }))
		.map(([messages, extras]) => {
			const all: (string | Uint8Array)[] = [...messages];
			for (const [at, extra] of extras)
				all.splice(at % (all.length + 1), 0, extra);
			return all;
		});
})();

describe("earshot serve under any client messages", () => {
	test("any JSON in any field, in any order: a close with 1007 or a working session, never an internal error", async () => {
		const { server } = await serve();
		const witness = officialClient(
			sdk.SpeechConfig.fromHost(new URL(server.url)),
		);
		const feeding = witness.feed(pcm);
		await fc.assert(
			fc.asyncProperty(anyMessages, async (messages) => {
				const closed = await rawClient(server.url, async (ws) => {
					for (const message of messages) ws.send(message);
					await sleep(100);
					ws.close(1000);
				});
				assert.ok(
					closed.code === 1000 || closed.code === 1007,
					`${closed.code} ${closed.reason}`,
				);
			}),
			{ numRuns: 60 },
		);
		await finishesWhole(witness, feeding);
		const internal = await server.metrics.internalErrors.get();
		assert.deepEqual(internal.values, []);
		await waitFor(async () => (await activeSessions(server)) === 0);
	});
});

/** A witness session beside the bad ones ends its audio and gets its whole transcript. */
async function finishesWhole(
	witness: ReturnType<typeof officialClient>,
	feeding: Promise<void>,
): Promise<void> {
	await feeding;
	witness.push.close();
	const result = await witness.done();
	assert.deepEqual(
		result.canceled.map((c) => c.reason),
		["EndOfStream"],
	);
	assert.ok(
		scoreTranscript(SENTENCES.join(" "), result.phrases.join(" ")).wer <= 0.45,
		result.phrases.join(" "),
	);
}

async function activeSessions(server: RunningServer): Promise<number> {
	return metric(server, "earshot_active_sessions");
}

async function metric(server: RunningServer, name: string): Promise<number> {
	const text = await server.metrics.registry.getSingleMetricAsString(name);
	return Number(text.trim().split("\n").at(-1)?.split(" ")[1]);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

async function waitFor(
	condition: () => boolean | Promise<boolean>,
	ms = 10_000,
): Promise<void> {
	const start = Date.now();
	while (!(await condition())) {
		if (Date.now() - start > ms) throw new Error("timed out waiting");
		await sleep(20);
	}
}
