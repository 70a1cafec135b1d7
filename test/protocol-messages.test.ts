import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
	decodeFrame,
	encodeMessage,
	type Message,
	MessageHeaders,
	ProtocolError,
} from "../src/protocol/frame.js";
import {
	audioMessage,
	endOfAudioMessage,
	newRequestId,
	parseClientMessage,
	parseServiceMessage,
	phraseBody,
	secondsToTicks,
	speechConfigMessage,
	speechContextMessage,
	speechEndDetectedMessage,
	speechHypothesisMessage,
	speechPhraseMessage,
	speechStartDetectedMessage,
	statusPhraseBody,
	telemetryMessage,
	turnEndMessage,
	turnStartMessage,
} from "../src/protocol/messages.js";
import {
	modeForPath,
	parseSessionRequest,
	RECOGNITION_PATHS,
	sessionUrl,
} from "../src/protocol/paths.js";
import { parseAudioHeader, waveHeader } from "../src/protocol/wav-header.js";
import {
	messageTargets,
	SDK_SPEECH_CONFIG,
	SDK_SPEECH_CONTEXT,
} from "./helpers/fuzz.js";

const id = "AA40EB62BA934B20B3DCBF4265EA9594";

/** Through the wire and back, as the other side reads it. */
function wire(message: Message): Message {
	const encoded = encodeMessage(message);
	return decodeFrame(encoded, typeof encoded !== "string");
}

function throwsProtocolError(fn: () => unknown, message?: RegExp): void {
	assert.throws(
		fn,
		(error: unknown) =>
			error instanceof ProtocolError &&
			(!message || message.test(error.message)),
	);
}

describe("service messages", () => {
	test("carry Path, X-RequestId, an ISO X-Timestamp and a JSON Content-Type", () => {
		const message = wire(turnStartMessage(id));
		assert.equal(message.headers.get("path"), "turn.start");
		assert.equal(message.headers.get("x-requestid"), id);
		assert.match(
			message.headers.get("x-timestamp") ?? "",
			/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
		);
		assert.equal(
			message.headers.get("content-type"),
			"application/json; charset=utf-8",
		);
		assert.deepEqual(JSON.parse(message.kind === "text" ? message.body : ""), {
			context: { serviceTag: id },
		});
	});

	test("round-trip through parseServiceMessage", () => {
		assert.deepEqual(parseServiceMessage(wire(turnStartMessage(id))), {
			type: "turn.start",
			requestId: id,
		});
		assert.deepEqual(
			parseServiceMessage(wire(speechStartDetectedMessage(id, 5))),
			{
				type: "speech.startDetected",
				requestId: id,
				offset: 5,
			},
		);
		const hypothesis = { Text: "hel", Offset: 1, Duration: 2 };
		assert.deepEqual(
			parseServiceMessage(wire(speechHypothesisMessage(id, hypothesis))),
			{
				type: "speech.hypothesis",
				requestId: id,
				body: hypothesis,
			},
		);
		const raw = { profanity: "Raw", dictation: false } as const;
		const simple = phraseBody(
			"simple",
			{ text: "Hello.", offset: 10, duration: 20, words: [], confidence: 1 },
			raw,
		);
		assert.deepEqual(simple, {
			RecognitionStatus: "Success",
			Offset: 10,
			Duration: 20,
			DisplayText: "Hello.",
		});
		assert.deepEqual(
			parseServiceMessage(wire(speechPhraseMessage(id, simple))),
			{
				type: "speech.phrase",
				requestId: id,
				body: simple,
			},
		);
		const detailed = phraseBody(
			"detailed",
			{
				text: "twenty one",
				offset: 10,
				duration: 20,
				confidence: 0.5,
				words: [{ word: "twenty", offset: 10, duration: 8, confidence: 1 }],
			},
			raw,
		);
		assert.deepEqual(detailed.NBest, [
			{
				Confidence: 0.5,
				Lexical: "twenty one",
				ITN: "21",
				MaskedITN: "21",
				Display: "Twenty one.",
				Words: [{ Word: "twenty", Offset: 10, Duration: 8, Confidence: 1 }],
			},
		]);
		assert.equal(
			detailed.DisplayText,
			"Twenty one.",
			"a Simple client still gets its text",
		);
		assert.deepEqual(
			parseServiceMessage(wire(speechPhraseMessage(id, detailed))),
			{
				type: "speech.phrase",
				requestId: id,
				body: detailed,
			},
		);
		assert.deepEqual(
			parseServiceMessage(
				wire(speechPhraseMessage(id, statusPhraseBody("NoMatch", 3, 4))),
			),
			{
				type: "speech.phrase",
				requestId: id,
				body: { RecognitionStatus: "NoMatch", Offset: 3, Duration: 4 },
			},
		);
		assert.deepEqual(
			parseServiceMessage(wire(speechEndDetectedMessage(id, 7))),
			{
				type: "speech.endDetected",
				requestId: id,
				offset: 7,
			},
		);
		assert.deepEqual(parseServiceMessage(wire(turnEndMessage(id))), {
			type: "turn.end",
			requestId: id,
		});
	});

	test("paths are matched case-insensitively; speech.fragment reads as a hypothesis; others are unknown", () => {
		const parse = (text: string) =>
			parseServiceMessage(decodeFrame(text, false));
		assert.equal(
			parse(`path:TURN.START\r\nx-requestid:${id}\r\n\r\n`).type,
			"turn.start",
		);
		assert.equal(
			parse(
				`Path:speech.fragment\r\nX-RequestId:${id}\r\n\r\n{"Text":"a","Offset":0,"Duration":0}`,
			).type,
			"speech.hypothesis",
		);
		assert.deepEqual(
			parse(`Path:speech.endDetected\r\nX-RequestId:${id}\r\n\r\n`),
			{
				type: "speech.endDetected",
				requestId: id,
				offset: 0,
			},
		);
		assert.deepEqual(
			parse(`Path:speech.keyword\r\nX-RequestId:${id}\r\n\r\n{}`),
			{
				type: "unknown",
				requestId: id,
				path: "speech.keyword",
			},
		);
	});

	test("malformed service messages", () => {
		const parse = (text: string) =>
			parseServiceMessage(decodeFrame(text, false));
		throwsProtocolError(() => parse("Path:turn.start\r\n\r\n"), /X-RequestId/);
		throwsProtocolError(
			() => parse(`Path:speech.phrase\r\nX-RequestId:${id}\r\n\r\n{`),
			/not valid JSON/,
		);
		throwsProtocolError(
			() => parse(`Path:speech.phrase\r\nX-RequestId:${id}\r\n\r\n[]`),
			/not a JSON object/,
		);
		throwsProtocolError(
			() =>
				parse(
					`Path:speech.phrase\r\nX-RequestId:${id}\r\n\r\n{"RecognitionStatus":"Great","Offset":0,"Duration":0}`,
				),
			/unknown/,
		);
		throwsProtocolError(
			() =>
				parse(
					`Path:speech.phrase\r\nX-RequestId:${id}\r\n\r\n{"RecognitionStatus":"Success","Offset":"0","Duration":0}`,
				),
			/Offset/,
		);
		throwsProtocolError(
			() =>
				parse(
					`Path:speech.phrase\r\nX-RequestId:${id}\r\n\r\n{"RecognitionStatus":"Success","Offset":0,"Duration":0,"NBest":[]}`,
				),
			/NBest/,
		);
		throwsProtocolError(
			() =>
				parse(
					`Path:speech.hypothesis\r\nX-RequestId:${id}\r\n\r\n{"Offset":0,"Duration":0}`,
				),
			/Text/,
		);
		throwsProtocolError(
			() =>
				speechPhraseMessage(id, { ...statusPhraseBody("Error"), NBest: [] }),
			/NBest/,
		);
	});
});

describe("client messages", () => {
	test("round-trip through parseClientMessage", () => {
		const config = {
			context: { system: { name: "earshot" } },
			recognition: "conversation",
		};
		assert.deepEqual(
			parseClientMessage(wire(speechConfigMessage(id, config))),
			{
				type: "speech.config",
				requestId: id,
				body: config,
			},
		);
		const context = { phraseDetection: { language: "en-GB" } };
		assert.deepEqual(
			parseClientMessage(wire(speechContextMessage(id, context))),
			{
				type: "speech.context",
				requestId: id,
				body: context,
			},
		);
		const header = waveHeader({
			sampleRate: 16000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		const first = parseClientMessage(
			wire(audioMessage(id, header, "audio/x-wav")),
		);
		assert.ok(first.type === "audio");
		assert.equal(first.contentType, "audio/x-wav");
		assert.deepEqual(first.payload, header);
		const chunk = parseClientMessage(
			wire(audioMessage(id, new Uint8Array([1, 2]))),
		);
		assert.ok(
			chunk.type === "audio" &&
				chunk.contentType === undefined &&
				chunk.payload.length === 2,
		);
		const end = parseClientMessage(wire(endOfAudioMessage(id)));
		assert.ok(end.type === "audio" && end.payload.length === 0);
		assert.deepEqual(
			parseClientMessage(wire(telemetryMessage(id, { Metrics: [] }))),
			{
				type: "telemetry",
				requestId: id,
				body: { Metrics: [] },
			},
		);
		throwsProtocolError(
			() => audioMessage(id, new Uint8Array(0)),
			/endOfAudioMessage/,
		);
	});

	test("the native SDKs' speech.config has no X-RequestId", () => {
		const message = decodeFrame(
			'X-Timestamp:2026-11-30T21:35:00.741Z\r\nPath:speech.config\r\nContent-Type:application/json\r\n\r\n{"context":{"system":{"name":"SpeechSDK","lang":"Python"}}}',
			false,
		);
		assert.deepEqual(parseClientMessage(message), {
			type: "speech.config",
			body: { context: { system: { name: "SpeechSDK", lang: "Python" } } },
		});
	});

	test("malformed client messages", () => {
		const text = (headers: string, body: string) =>
			decodeFrame(`${headers}\r\n\r\n${body}`, false);
		throwsProtocolError(
			() => parseClientMessage(text("Path:speech.context", "{}")),
			/X-RequestId/,
		);
		throwsProtocolError(
			() =>
				parseClientMessage(
					text(`Path:speech.config\r\nX-RequestId:${id}`, "nope"),
				),
			/JSON/,
		);
		throwsProtocolError(
			() =>
				parseClientMessage(
					text(`Path:speech.context\r\nX-RequestId:${id}`, "1"),
				),
			/object/,
		);
		throwsProtocolError(
			() => parseClientMessage(text(`Path:audio\r\nX-RequestId:${id}`, "")),
			/binary/,
		);
		const binaryConfig = {
			kind: "binary",
			path: "speech.config",
			headers: new MessageHeaders([
				["Path", "speech.config"],
				["X-RequestId", id],
			]),
			body: new Uint8Array(2),
		} as const;
		throwsProtocolError(() => parseClientMessage(binaryConfig), /text message/);
		assert.deepEqual(
			parseClientMessage(
				text(`Path:synthesis.context\r\nX-RequestId:${id}`, "{}"),
			),
			{
				type: "unknown",
				requestId: id,
				path: "synthesis.context",
			},
		);
	});

	test("request ids look like the SDK's and ticks are 100 ns", () => {
		assert.match(newRequestId(), /^[0-9A-F]{32}$/);
		assert.notEqual(newRequestId(), newRequestId());
		assert.equal(secondsToTicks(1.5), 15_000_000);
	});
});

describe("session URL", () => {
	test("parses what the SDK opens", () => {
		const request = parseSessionRequest(
			"/speech/recognition/interactive/cognitiveservices/v1?language=fr-FR&format=detailed&profanity=raw&storeAudio=false" +
				"&wordLevelTimestamps=true&initialSilenceTimeoutMs=5000&endSilenceTimeoutMs=800&segmentationSilenceTimeoutMs=600" +
				"&stableIntermediateThreshold=3&X-ConnectionId=C0&connectionId=C0",
			{ "ocp-apim-subscription-key": "k1" },
		);
		assert.deepEqual(request, {
			mode: "interactive",
			language: "fr-FR",
			format: "detailed",
			profanity: "raw",
			storeAudio: false,
			wordLevelTimestamps: true,
			initialSilenceTimeoutMs: 5000,
			endSilenceTimeoutMs: 800,
			segmentationSilenceTimeoutMs: 600,
			stableIntermediateThreshold: 3,
			connectionId: "C0",
			credentials: { subscriptionKey: "k1" },
		});
	});

	test("defaults, modes, a trailing slash, bearer tokens from headers", () => {
		const request = parseSessionRequest(
			"/speech/recognition/dictation/cognitiveservices/v1/",
			{
				authorization: "Bearer abc",
			},
		);
		assert.deepEqual(request, {
			mode: "dictation",
			language: "en-US",
			format: "simple",
			wordLevelTimestamps: false,
			credentials: { authorizationToken: "abc" },
		});
		for (const [mode, path] of Object.entries(RECOGNITION_PATHS))
			assert.equal(modeForPath(path), mode);
		assert.equal(modeForPath("/stt/speech/universal/v2"), undefined);
	});

	test("refuses unknown paths and bad parameters", () => {
		throwsProtocolError(() => parseSessionRequest("/"), /unknown path/);
		throwsProtocolError(
			() =>
				parseSessionRequest("/speech/recognition/other/cognitiveservices/v1"),
			/unknown path/,
		);
		const base = RECOGNITION_PATHS.conversation;
		throwsProtocolError(
			() => parseSessionRequest(`${base}?format=fancy`),
			/format/,
		);
		throwsProtocolError(
			() => parseSessionRequest(`${base}?profanity=loud`),
			/profanity/,
		);
		throwsProtocolError(
			() => parseSessionRequest(`${base}?initialSilenceTimeoutMs=-1`),
			/whole number/,
		);
		throwsProtocolError(
			() => parseSessionRequest(`${base}?wordLevelTimestamps=yes`),
			/wordLevelTimestamps/,
		);
	});

	test("sessionUrl builds what parseSessionRequest reads", () => {
		const url = sessionUrl("ws://localhost:5000", {
			mode: "conversation",
			language: "es-ES",
			format: "detailed",
			profanity: "masked",
			wordLevelTimestamps: true,
			segmentationSilenceTimeoutMs: 500,
		});
		assert.equal(url.origin, "ws://localhost:5000");
		const request = parseSessionRequest(url);
		assert.equal(request.mode, "conversation");
		assert.equal(request.language, "es-ES");
		assert.equal(request.format, "detailed");
		assert.equal(request.profanity, "masked");
		assert.equal(request.wordLevelTimestamps, true);
		assert.equal(request.segmentationSilenceTimeoutMs, 500);
	});
});

describe("audio header", () => {
	test("waveHeader matches the SDK's 44 bytes and parses back", () => {
		const sdkHeader = Buffer.from(
			"524946460000000057415645666d74201000000001000100803e0000007d0000020010006461746100000000",
			"hex",
		);
		const ours = waveHeader({
			sampleRate: 16000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		assert.deepEqual(Buffer.from(ours), sdkHeader);
		const alaw = parseAudioHeader(
			waveHeader({
				sampleRate: 8000,
				channels: 2,
				bitsPerSample: 8,
				encoding: "alaw",
			}),
		);
		assert.deepEqual(alaw.format, {
			sampleRate: 8000,
			channels: 2,
			bitsPerSample: 8,
			encoding: "alaw",
		});
	});

	test("a missing, partial or bad header is a ProtocolError", () => {
		const header = waveHeader({
			sampleRate: 16000,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		throwsProtocolError(() => parseAudioHeader(new Uint8Array(0)), /complete/);
		throwsProtocolError(
			() => parseAudioHeader(header.subarray(0, 30)),
			/complete/,
		);
		throwsProtocolError(
			() => parseAudioHeader(new Uint8Array(3200)),
			/not a WAV/,
		);
		const badRate = header.slice();
		new DataView(badRate.buffer).setUint32(24, 5, true);
		throwsProtocolError(() => parseAudioHeader(badRate), /sample rate/);
	});
});

describe("client message bodies: what the server reads is checked, the rest passes", () => {
	const parse = (path: string, body: string) =>
		parseClientMessage(
			decodeFrame(
				`Path:${path}\r\nX-RequestId:${id}\r\nContent-Type:application/json\r\n\r\n${body}`,
				false,
			),
		);

	test("the official SDK's bodies, unknown fields included, are accepted as sent", () => {
		for (const [path, body] of [
			["speech.config", SDK_SPEECH_CONFIG],
			["speech.context", SDK_SPEECH_CONTEXT],
		] as const) {
			const message = parse(path, JSON.stringify(body));
			assert.ok("body" in message);
			assert.deepEqual(message.body, body);
		}
		const telemetry = parse("telemetry", '{"Metrics":[{"x":1}]}');
		assert.equal(telemetry.type, "telemetry");
	});

	test("a field the server reads, of the wrong type, is refused by its path", () => {
		throwsProtocolError(
			() => parse("speech.context", '{"phraseDetection":{"language":{}}}'),
			/^speech\.context phraseDetection\.language: expected string, got object$/,
		);
		throwsProtocolError(
			() =>
				parse(
					"speech.context",
					'{"dgi":{"groups":[{"items":[{"text":"a"},null]}]}}',
				),
			/^speech\.context dgi\.groups\.0\.items\.1: expected object, got null$/,
		);
		throwsProtocolError(
			() => parse("speech.context", '{"phraseOutput":{"format":5}}'),
			/phraseOutput\.format: expected string, got number/,
		);
		throwsProtocolError(
			() => parse("speech.context", "[]"),
			/^speech\.context: expected object, got array$/,
		);
		throwsProtocolError(
			() => parse("speech.config", '"conversation"'),
			/^speech\.config: expected object, got string$/,
		);
	});

	test("null counts as absent", () => {
		const message = parse(
			"speech.context",
			'{"phraseDetection":{"language":null,"conversation":null},"phraseOutput":null}',
		);
		assert.equal(message.type, "speech.context");
	});

	for (const { name, property, runs } of messageTargets())
		test(name, () => fc.assert(property, { numRuns: runs }));
});
