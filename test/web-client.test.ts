/**
 * The page's protocol code (web/speech.js) and downloads (web/transcript.js), run in Node: what
 * the browser sends must parse with the server's codec, and what the server sends with the
 * browser's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { timestamp } from "../src/cli/output.js";
import { decodeFrame, encodeMessage } from "../src/protocol/frame.js";
import {
	parseClientMessage,
	speechHypothesisMessage,
	turnEndMessage,
} from "../src/protocol/messages.js";
import { parseAudioHeader } from "../src/protocol/wav-header.js";
import { WEB_DIR } from "../src/server/static.js";

// Plain browser modules without type declarations.
const load = (name: string) => import(pathToFileURL(join(WEB_DIR, name)).href);
const speech = await load("speech.js");
const transcript = await load("transcript.js");

test("the browser's messages parse with the server's codec", () => {
	const id = speech.requestId();
	assert.match(id, /^[0-9A-F]{32}$/);
	const config = parseClientMessage(
		decodeFrame(speech.textMessage("speech.config", id, { a: 1 }), false),
	);
	assert.deepEqual(config, {
		type: "speech.config",
		requestId: id,
		body: { a: 1 },
	});

	const header = parseClientMessage(
		decodeFrame(
			speech.audioMessage(id, speech.waveHeader(), "audio/x-wav"),
			true,
		),
	);
	assert.equal(header.type, "audio");
	if (header.type !== "audio") return;
	assert.equal(header.contentType, "audio/x-wav");
	assert.deepEqual(parseAudioHeader(header.payload).format, {
		sampleRate: 16000,
		channels: 1,
		bitsPerSample: 16,
		encoding: "pcm",
	});

	const pcm = new Int16Array([1, -2, 300]);
	const audio = parseClientMessage(
		decodeFrame(speech.audioMessage(id, pcm.buffer), true),
	);
	assert.equal(audio.type, "audio");
	if (audio.type !== "audio") return;
	assert.deepEqual(
		[...new Int16Array(audio.payload.slice().buffer)],
		[1, -2, 300],
	);
	const end = parseClientMessage(
		decodeFrame(speech.audioMessage(id, new ArrayBuffer(0)), true),
	);
	assert.equal(end.type === "audio" && end.payload.length, 0);
});

test("the server's messages parse with the browser's codec", () => {
	const hypothesis = speech.parseMessage(
		encodeMessage(
			speechHypothesisMessage("ABC", {
				Text: "hi there",
				Offset: 1,
				Duration: 2,
			}),
		),
	);
	assert.deepEqual(hypothesis, {
		path: "speech.hypothesis",
		requestId: "ABC",
		body: { Text: "hi there", Offset: 1, Duration: 2 },
	});
	assert.equal(
		speech.parseMessage(encodeMessage(turnEndMessage("ABC"))).path,
		"turn.end",
	);
});

test("downloads: SRT and WebVTT times as the CLI writes them, JSON as its entries", () => {
	for (const seconds of [0, 0.0004, 1.5, 59.9996, 3599.9995, 4000.123])
		for (const separator of [",", "."] as const)
			assert.equal(
				transcript.timestamp(seconds, separator),
				timestamp(seconds, separator),
			);
	const phrases = [
		{ text: "Hello.", offset: 12_000_000, duration: 8_000_000 },
		{ text: "World.", offset: 25_000_000, duration: 5_000_000 },
	];
	assert.equal(transcript.render(phrases, "txt"), "Hello.\nWorld.\n");
	assert.equal(
		transcript.render(phrases, "srt"),
		"1\n00:00:01,200 --> 00:00:02,000\nHello.\n\n2\n00:00:02,500 --> 00:00:03,000\nWorld.\n\n",
	);
	assert.equal(
		transcript.render(phrases, "vtt"),
		"WEBVTT\n\n00:00:01.200 --> 00:00:02.000\nHello.\n\n00:00:02.500 --> 00:00:03.000\nWorld.\n\n",
	);
	assert.deepEqual(JSON.parse(transcript.render(phrases, "json"))[1], {
		text: "World.",
		offset: 25_000_000,
		duration: 5_000_000,
		start: 2.5,
		end: 3,
	});
	assert.equal(transcript.clock(0), "0:00");
	assert.equal(transcript.clock(754_000_000), "1:15");
	assert.equal(transcript.clock(37_230_000_000), "1:02:03");
});
