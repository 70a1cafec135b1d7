/**
 * The wire format against the real client: the official Azure Speech SDK talks to a tiny
 * service built on src/protocol, which parses what the SDK sends and answers with our messages.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import { type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import {
	decodeFrame,
	encodeTextMessage,
	type TextMessage,
} from "../src/protocol/frame.js";
import {
	CLOSE_CODE_CANCELLATION,
	type ClientMessage,
	parseClientMessage,
	phraseBody,
	RECOGNITION_STATUS_OUTCOMES,
	type RecognitionStatus,
	speechEndDetectedMessage,
	speechHypothesisMessage,
	speechPhraseMessage,
	speechStartDetectedMessage,
	statusPhraseBody,
	turnEndMessage,
	turnStartMessage,
} from "../src/protocol/messages.js";
import {
	parseSessionRequest,
	type SessionRequest,
} from "../src/protocol/paths.js";
import { parseAudioHeader } from "../src/protocol/wav-header.js";
import type { TextOptions } from "../src/recognition/text.js";

type Parsed<T extends ClientMessage["type"]> = Extract<
	ClientMessage,
	{ type: T }
>;
type Waiter = {
	type?: ClientMessage["type"];
	resolve: (m: ClientMessage) => void;
};

/** One client connection as the fake service sees it. */
class Connection {
	readonly messages: ClientMessage[] = [];
	readonly #waiters: Waiter[] = [];
	#read = 0;

	constructor(
		readonly ws: WebSocket,
		readonly request: SessionRequest,
	) {
		ws.on("message", (data, isBinary) => {
			const message = parseClientMessage(decodeFrame(data as Buffer, isBinary));
			this.messages.push(message);
			this.#deliver();
		});
	}

	/** The next unread message, which must be of `type`. */
	next<T extends ClientMessage["type"]>(type: T): Promise<Parsed<T>> {
		return new Promise((resolve) => {
			this.#waiters.push({
				type,
				resolve: resolve as (m: ClientMessage) => void,
			});
			this.#deliver();
		});
	}

	/** Skips messages up to the next one of `type`. */
	async skipTo<T extends ClientMessage["type"]>(type: T): Promise<Parsed<T>> {
		for (;;) {
			const message = await new Promise<ClientMessage>((resolve) => {
				this.#waiters.push({ resolve });
				this.#deliver();
			});
			if (message.type === type) return message as Parsed<T>;
		}
	}

	send(message: TextMessage): void {
		this.ws.send(encodeTextMessage(message));
	}

	#deliver(): void {
		while (this.#waiters.length > 0 && this.#read < this.messages.length) {
			const waiter = this.#waiters.shift() as Waiter;
			const message = this.messages[this.#read++];
			if (waiter.type)
				assert.equal(
					message.type,
					waiter.type,
					`expected ${waiter.type}, got ${message.type}`,
				);
			waiter.resolve(message);
		}
	}

	/** Reads a turn's opening: speech.context (speech.config first on a new connection), then the RIFF header. */
	async openTurn(
		withConfig: boolean,
	): Promise<{ requestId: string; context: Parsed<"speech.context"> }> {
		if (withConfig) await this.next("speech.config");
		const context = await this.next("speech.context");
		const header = await this.next("audio");
		assert.equal(header.requestId, context.requestId);
		assert.equal(header.contentType, "audio/x-wav");
		return { requestId: context.requestId, context };
	}

	/** Reads audio up to and including the empty end-of-audio message; returns the bytes. */
	async audioUntilEnd(): Promise<number> {
		let bytes = 0;
		for (;;) {
			const audio = await this.next("audio");
			if (audio.payload.length === 0) return bytes;
			bytes += audio.payload.length;
		}
	}
}

interface Service {
	host: URL;
	connections: Connection[];
	/** Resolves with each new connection, in order. */
	nextConnection(): Promise<Connection>;
}

const servers: WebSocketServer[] = [];
after(() => {
	for (const server of servers) {
		for (const client of server.clients) client.terminate();
		server.close();
	}
});

async function startService(verifyClient?: ServerOptions["verifyClient"]) {
	const server = new WebSocketServer({
		host: "127.0.0.1",
		port: 0,
		...(verifyClient ? { verifyClient } : {}),
	});
	servers.push(server);
	await new Promise((resolve) => server.once("listening", resolve));
	const connections: Connection[] = [];
	const pending: Array<(c: Connection) => void> = [];
	let handedOut = 0;
	const handOut = () => {
		while (pending.length > 0 && handedOut < connections.length)
			pending.shift()?.(connections[handedOut++]);
	};
	server.on("connection", (ws, req) => {
		connections.push(
			new Connection(ws, parseSessionRequest(req.url ?? "/", req.headers)),
		);
		handOut();
	});
	const service: Service = {
		host: new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`),
		connections,
		nextConnection: () =>
			new Promise((resolve) => {
				pending.push(resolve);
				handOut();
			}),
	};
	return service;
}

type Recorded =
	| { name: "sessionStarted" | "sessionStopped" }
	| { name: "speechStartDetected" | "speechEndDetected"; offset: number }
	| {
			name: "recognizing" | "recognized";
			reason: string;
			text: string;
			offset: number;
			duration: number;
			json: string;
	  }
	| { name: "canceled"; reason: string; errorCode: string; details: string };

/** Records a recognizer's events; `stopped` resolves on sessionStopped or a canceled with an error. */
function record(recognizer: sdk.SpeechRecognizer) {
	const events: Recorded[] = [];
	let stop: () => void = () => {};
	const stopped = new Promise<void>((resolve) => {
		stop = resolve;
	});
	recognizer.sessionStarted = () => events.push({ name: "sessionStarted" });
	recognizer.sessionStopped = () => {
		events.push({ name: "sessionStopped" });
		stop();
	};
	recognizer.speechStartDetected = (_, e) =>
		events.push({ name: "speechStartDetected", offset: e.offset });
	recognizer.speechEndDetected = (_, e) =>
		events.push({ name: "speechEndDetected", offset: e.offset });
	const result =
		(name: "recognizing" | "recognized") =>
		(_: unknown, e: sdk.SpeechRecognitionEventArgs) =>
			events.push({
				name,
				reason: sdk.ResultReason[e.result.reason],
				text: e.result.text,
				offset: e.result.offset,
				duration: e.result.duration,
				json: e.result.properties.getProperty(
					sdk.PropertyId.SpeechServiceResponse_JsonResult,
				),
			});
	recognizer.recognizing = result("recognizing");
	recognizer.recognized = result("recognized");
	recognizer.canceled = (_, e) => {
		events.push({
			name: "canceled",
			reason: sdk.CancellationReason[e.reason],
			errorCode: sdk.CancellationErrorCode[e.errorCode],
			details: e.errorDetails ?? "",
		});
		if (e.reason === sdk.CancellationReason.Error) stop();
	};
	return { events, stopped };
}

const RAW: TextOptions = { profanity: "Raw", dictation: false };

/** A Simple speech.phrase body whose display text is `text`. */
function simplePhrase(text: string, offset: number, duration: number) {
	return phraseBody(
		"simple",
		{ text, offset, duration, words: [], confidence: 1 },
		RAW,
	);
}

/** One second of 16 kHz mono 16-bit silence. */
const oneSecond = new ArrayBuffer(32000);

function recognizerFor(
	config: sdk.SpeechConfig,
	audio: ArrayBuffer | undefined = oneSecond,
) {
	const push = sdk.AudioInputStream.createPushStream();
	if (audio) push.write(audio);
	const recognizer = new sdk.SpeechRecognizer(
		config,
		sdk.AudioConfig.fromStreamInput(push),
	);
	return { push, recognizer, ...record(recognizer) };
}

describe("against the official Speech SDK", () => {
	test("continuous recognition: what the SDK sends parses, and our answers fire its events", async () => {
		const service = await startService();
		const config = sdk.SpeechConfig.fromHost(service.host);
		config.speechRecognitionLanguage = "de-DE";
		config.setProfanity(sdk.ProfanityOption.Removed);
		config.setProperty(
			sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs,
			"700",
		);
		config.setProperty(
			sdk.PropertyId.SpeechServiceConnection_InitialSilenceTimeoutMs,
			"3000",
		);
		const { push, recognizer, events, stopped } = recognizerFor(config);
		recognizer.startContinuousRecognitionAsync();

		const connection = await service.nextConnection();
		assert.equal(connection.request.mode, "conversation");
		assert.equal(connection.request.language, "de-DE");
		assert.equal(connection.request.format, "simple");
		assert.equal(connection.request.profanity, "removed");
		assert.equal(connection.request.segmentationSilenceTimeoutMs, 700);
		assert.equal(connection.request.initialSilenceTimeoutMs, 3000);
		assert.match(connection.request.connectionId ?? "", /^[0-9A-F]{32}$/);
		assert.deepEqual(connection.request.credentials, {});

		const speechConfig = await connection.next("speech.config");
		assert.equal(speechConfig.body.context?.system?.name, "SpeechSDK");
		assert.equal(speechConfig.body.recognition, "conversation");
		assert.equal(speechConfig.body.context?.audio?.source?.samplerate, 16000);
		const context = await connection.next("speech.context");
		assert.equal(context.requestId, speechConfig.requestId);
		assert.equal(context.body.phraseDetection?.language, "de-DE");
		assert.equal(context.body.phraseDetection?.initialSilenceTimeout, 3000);
		assert.equal(
			context.body.phraseDetection?.conversation?.segmentation
				?.segmentationSilenceTimeoutMs,
			700,
		);
		assert.equal(
			context.body.phraseDetection?.enrichment?.profanity,
			"Removed",
		);

		const header = await connection.next("audio");
		assert.equal(header.contentType, "audio/x-wav");
		assert.equal(header.payload.length, 44);
		const wav = parseAudioHeader(header.payload);
		assert.deepEqual(wav.format, {
			sampleRate: 16000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		assert.equal(wav.dataOffset, 44);
		assert.equal(wav.dataBytes, undefined);

		const requestId = context.requestId;
		const rawConfig = connection.messages[0];
		assert.equal(rawConfig.requestId, requestId);

		const first = await connection.next("audio");
		assert.equal(
			first.contentType,
			undefined,
			"only the RIFF header has a Content-Type",
		);
		connection.send(turnStartMessage(requestId));
		connection.send(speechStartDetectedMessage(requestId, 1_000_000));
		connection.send(
			speechHypothesisMessage("0123456789ABCDEF0123456789ABCDEF", {
				Text: "not mine",
				Offset: 0,
				Duration: 1,
			}),
		);
		connection.send(
			speechHypothesisMessage(requestId, {
				Text: "hallo",
				Offset: 1_000_000,
				Duration: 3_000_000,
			}),
		);
		connection.send(
			speechPhraseMessage(
				requestId,
				simplePhrase("Hallo Welt.", 1_000_000, 5_000_000),
			),
		);
		push.close();

		const bytes = first.payload.length + (await connection.audioUntilEnd());
		assert.equal(
			bytes,
			oneSecond.byteLength,
			"all audio arrives, then an empty payload",
		);
		connection.send(speechEndDetectedMessage(requestId, 8_000_000));
		connection.send(turnEndMessage(requestId));
		const telemetry = await connection.next("telemetry");
		assert.equal(telemetry.requestId, requestId);
		await stopped;
		recognizer.close();

		assert.deepEqual(
			events.map((e) => e.name),
			[
				"sessionStarted",
				"speechStartDetected",
				"recognizing",
				"recognized",
				"speechEndDetected",
				"canceled",
				"sessionStopped",
			],
		);
		assert.deepEqual(events[1], {
			name: "speechStartDetected",
			offset: 1_000_000,
		});
		assert.deepEqual(
			{ ...events[2], json: undefined },
			{
				name: "recognizing",
				reason: "RecognizingSpeech",
				text: "hallo",
				offset: 1_000_000,
				duration: 3_000_000,
				json: undefined,
			},
		);
		assert.deepEqual(
			{ ...events[3], json: undefined },
			{
				name: "recognized",
				reason: "RecognizedSpeech",
				text: "Hallo Welt.",
				offset: 1_000_000,
				duration: 5_000_000,
				json: undefined,
			},
		);
		assert.deepEqual(events[4], {
			name: "speechEndDetected",
			offset: 8_000_000,
		});
		assert.deepEqual(events[5], {
			name: "canceled",
			reason: "EndOfStream",
			errorCode: "NoError",
			details: "",
		});
	});

	test("a new turn in continuous mode: new request id, new RIFF header, offsets relative to the turn", async () => {
		const service = await startService();
		const { push, recognizer, events, stopped } = recognizerFor(
			sdk.SpeechConfig.fromHost(service.host),
		);
		recognizer.startContinuousRecognitionAsync();
		const connection = await service.nextConnection();

		const turn1 = await connection.openTurn(true);
		connection.send(turnStartMessage(turn1.requestId));
		connection.send(
			speechPhraseMessage(
				turn1.requestId,
				simplePhrase("One.", 2_000_000, 3_000_000),
			),
		);
		connection.send(turnEndMessage(turn1.requestId));

		const turn2 = await waitForTurn(connection);
		assert.notEqual(turn2.requestId, turn1.requestId);
		connection.send(turnStartMessage(turn2.requestId));
		connection.send(
			speechPhraseMessage(
				turn2.requestId,
				simplePhrase("Two.", 1_000_000, 2_000_000),
			),
		);
		push.close();
		await connection.audioUntilEnd();
		connection.send(turnEndMessage(turn2.requestId));
		await stopped;
		recognizer.close();

		assert.deepEqual(
			events.flatMap((e) =>
				e.name === "recognized" ? [[e.text, e.offset]] : [],
			),
			[
				["One.", 2_000_000],
				// The SDK adds the end of the last recognized phrase (2 s + 3 s), where its replay starts.
				["Two.", 5_000_000 + 1_000_000],
			],
		);
	});

	test("recognizeOnceAsync with Detailed output and word timings", async () => {
		const service = await startService();
		const config = sdk.SpeechConfig.fromHost(service.host);
		config.outputFormat = sdk.OutputFormat.Detailed;
		config.requestWordLevelTimestamps();
		const { recognizer, events } = recognizerFor(config);
		const resultPromise = new Promise<sdk.SpeechRecognitionResult>(
			(resolve, reject) => recognizer.recognizeOnceAsync(resolve, reject),
		);
		const connection = await service.nextConnection();
		assert.equal(connection.request.mode, "interactive");
		assert.equal(connection.request.format, "detailed");
		assert.equal(connection.request.wordLevelTimestamps, true);
		const { requestId, context } = await connection.openTurn(true);
		assert.equal(context.body.phraseOutput?.format, "Detailed");
		assert.deepEqual(context.body.phraseOutput?.detailed?.options, [
			"WordTimings",
		]);

		const words = [
			{
				word: "hello",
				offset: 1_000_000,
				duration: 2_000_000,
				confidence: 0.9,
			},
			{
				word: "world",
				offset: 3_000_000,
				duration: 2_500_000,
				confidence: 0.8,
			},
		];
		connection.send(turnStartMessage(requestId));
		connection.send(speechStartDetectedMessage(requestId, 1_000_000));
		connection.send(speechEndDetectedMessage(requestId, 6_000_000));
		connection.send(
			speechPhraseMessage(
				requestId,
				phraseBody(
					"detailed",
					{
						text: "hello world",
						offset: 1_000_000,
						duration: 4_500_000,
						confidence: 0.85,
						words,
					},
					RAW,
				),
			),
		);
		connection.send(turnEndMessage(requestId));
		const result = await resultPromise;
		recognizer.close();

		assert.equal(result.reason, sdk.ResultReason.RecognizedSpeech);
		assert.equal(result.text, "Hello world.");
		assert.equal(result.offset, 1_000_000);
		assert.equal(result.duration, 4_500_000);
		const detailed = JSON.parse(result.json);
		assert.equal(detailed.RecognitionStatus, "Success");
		assert.equal(detailed.NBest[0].Lexical, "hello world");
		assert.equal(detailed.NBest[0].Confidence, 0.85);
		assert.deepEqual(detailed.NBest[0].Words, [
			{
				Word: "hello",
				Offset: 1_000_000,
				Duration: 2_000_000,
				Confidence: 0.9,
			},
			{
				Word: "world",
				Offset: 3_000_000,
				Duration: 2_500_000,
				Confidence: 0.8,
			},
		]);
		assert.ok(
			events.some((e) => e.name === "recognized" && e.text === "Hello world."),
		);
	});

	for (const [status, outcome] of Object.entries(RECOGNITION_STATUS_OUTCOMES)) {
		test(`RecognitionStatus ${status} gives what RECOGNITION_STATUS_OUTCOMES says`, async () => {
			const service = await startService();
			const { recognizer, events, stopped } = recognizerFor(
				sdk.SpeechConfig.fromHost(service.host),
			);
			recognizer.startContinuousRecognitionAsync();
			const connection = await service.nextConnection();
			const { requestId } = await connection.openTurn(true);
			connection.send(turnStartMessage(requestId));
			const body =
				status === "Success"
					? simplePhrase("ok", 0, 1)
					: statusPhraseBody(status as Exclude<RecognitionStatus, "Success">);
			connection.send(speechPhraseMessage(requestId, body));
			// A marker phrase shows that the SDK went on reading after the status phrase.
			connection.send(
				speechPhraseMessage(requestId, simplePhrase("Marker.", 0, 1)),
			);
			connection.send(turnEndMessage(requestId));
			if (outcome.event === "canceled") await stopped;
			else
				await waitFor(() =>
					events.some((e) => e.name === "recognized" && e.text === "Marker."),
				);
			recognizer.close();

			const first = events.find(
				(e) => e.name === "recognized" || e.name === "canceled",
			);
			if (outcome.event === "recognized") {
				assert.ok(first?.name === "recognized");
				assert.equal(first.reason, outcome.resultReason);
			} else if (outcome.event === "canceled") {
				assert.ok(first?.name === "canceled");
				assert.equal(first.reason, outcome.cancellationReason);
				assert.equal(first.errorCode, outcome.errorCode);
			} else {
				assert.ok(first?.name === "recognized");
				assert.equal(
					first.text,
					"Marker.",
					"no event for the status phrase itself",
				);
			}
		});
	}

	for (const [code, errorCode] of Object.entries(CLOSE_CODE_CANCELLATION)) {
		test(`closing with ${code} cancels with ${errorCode}`, async () => {
			const service = await startService();
			const { recognizer, events, stopped } = recognizerFor(
				sdk.SpeechConfig.fromHost(service.host),
			);
			recognizer.startContinuousRecognitionAsync();
			const connection = await service.nextConnection();
			await connection.openTurn(true);
			connection.ws.close(Number(code), "bad audio");
			await stopped;
			recognizer.close();
			const canceled = events.find((e) => e.name === "canceled");
			assert.ok(canceled?.name === "canceled");
			assert.equal(canceled.reason, "Error");
			assert.equal(canceled.errorCode, errorCode);
			assert.equal(canceled.details, `bad audio websocket error code: ${code}`);
		});
	}

	test("credentials: key header, bearer token, and none with fromHost; also repeated in the query", async () => {
		const service = await startService();
		const open = async (config: sdk.SpeechConfig) => {
			const { recognizer } = recognizerFor(config);
			recognizer.startContinuousRecognitionAsync();
			const connection = await service.nextConnection();
			await connection.next("speech.config");
			recognizer.close();
			return connection.request;
		};
		const keyed = await open(
			sdk.SpeechConfig.fromHost(service.host, "secret-key"),
		);
		assert.deepEqual(keyed.credentials, { subscriptionKey: "secret-key" });

		const withToken = sdk.SpeechConfig.fromHost(service.host);
		withToken.authorizationToken = "a.jwt.token";
		assert.deepEqual((await open(withToken)).credentials, {
			authorizationToken: "a.jwt.token",
		});

		// The same credentials also arrive in the query, for clients that cannot send headers.
		const fromQuery = parseSessionRequest(
			"/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=simple&Ocp-Apim-Subscription-Key=k&Authorization=Bearer%20t",
		);
		assert.deepEqual(fromQuery.credentials, {
			subscriptionKey: "k",
			authorizationToken: "t",
		});
	});

	test("an upgrade refused with 401: the JS SDK retries, then cancels with ConnectionFailure (never AuthenticationFailure)", async () => {
		let attempts = 0;
		const service = await startService((_info, done) => {
			attempts++;
			done(false, 401, "Unauthorized");
		});
		const { recognizer, events, stopped } = recognizerFor(
			sdk.SpeechConfig.fromHost(service.host, "wrong"),
		);
		recognizer.startContinuousRecognitionAsync();
		await stopped;
		recognizer.close();
		const canceled = events.find((e) => e.name === "canceled");
		assert.ok(canceled?.name === "canceled");
		assert.equal(canceled.errorCode, "ConnectionFailure");
		assert.match(canceled.details, /401/);
		assert.equal(
			attempts,
			5,
			"one attempt plus SPEECH-Error-MaxRetryCount (4) retries",
		);
	});

	test("at capacity: a TooManyRequests phrase cancels with TooManyRequests", async () => {
		const service = await startService();
		const { recognizer, events, stopped } = recognizerFor(
			sdk.SpeechConfig.fromHost(service.host),
		);
		recognizer.startContinuousRecognitionAsync();
		const connection = await service.nextConnection();
		const config = await connection.next("speech.config");
		connection.send(
			speechPhraseMessage(
				config.requestId ??
					assert.fail("the JS SDK's speech.config has X-RequestId"),
				statusPhraseBody("TooManyRequests"),
			),
		);
		await stopped;
		recognizer.close();
		assert.deepEqual(
			events
				.filter((e) => e.name === "canceled")
				.map((e) => e.name === "canceled" && [e.reason, e.errorCode]),
			[["Error", "TooManyRequests"]],
		);
	});
});

/** Skips audio until the SDK opens its next turn with speech.context, then reads its RIFF header. */
async function waitForTurn(
	connection: Connection,
): Promise<{ requestId: string }> {
	const context = await connection.skipTo("speech.context");
	const header = await connection.next("audio");
	assert.equal(header.contentType, "audio/x-wav");
	parseAudioHeader(header.payload);
	return { requestId: context.requestId };
}

async function waitFor(
	condition: () => boolean,
	timeoutMs = 5000,
): Promise<void> {
	const start = Date.now();
	while (!condition()) {
		if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
