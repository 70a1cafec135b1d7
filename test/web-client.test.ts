/**
 * The page's protocol code (web/speech.js) and downloads (web/transcript.js), run in Node: what
 * the browser sends must parse with the server's codec, and what the server sends with the
 * browser's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { TranscriptWriter } from "../src/cli/output.js";
import { decodeFrame, encodeMessage } from "../src/protocol/frame.js";
import {
	parseClientMessage,
	speechHypothesisMessage,
	turnEndMessage,
} from "../src/protocol/messages.js";
import { parseAudioHeader } from "../src/protocol/wav-header.js";
import { ResultReason } from "../src/sdk/enums.js";
import { SpeechRecognitionResult } from "../src/sdk/results.js";
import { WEB_DIR } from "../src/server/static.js";

// Plain browser modules without type declarations.
const load = (name: string) => import(pathToFileURL(join(WEB_DIR, name)).href);
const speech = await load("speech.js");
const transcript = await load("transcript.js");
const captions = await load("captions.js");

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

test("downloads: subtitles as `earshot recognize` writes them, JSON as its entries", () => {
	// Two phrases as the server sends them (Detailed, with word times), one long enough to cut.
	const words =
		"so it was that we came at last to the end of the long road by the sea and rested there".split(
			" ",
		);
	const bodies = [
		{
			Offset: 12_000_000,
			Duration: 3_000_000,
			DisplayText: "Hello.",
			NBest: [
				{ Words: [{ Word: "hello", Offset: 12_000_000, Duration: 3_000_000 }] },
			],
		},
		{
			Offset: 25_000_000,
			Duration: words.length * 3_000_000,
			DisplayText: `${words.join(" ")}.`,
			NBest: [
				{
					Words: words.map((Word, i) => ({
						Word,
						Offset: 25_000_000 + i * 3_000_000,
						Duration: 2_500_000,
					})),
				},
			],
		},
	];
	const phrases = bodies.map((b) => captions.captionPhrase(b.DisplayText, b));
	for (const limits of [
		{},
		{ maxLineChars: 20, maxLines: 1, minCueSeconds: 2 },
	])
		for (const format of ["srt", "vtt"] as const) {
			let cli = "";
			const writer = new TranscriptWriter(
				format,
				(text) => {
					cli += text;
				},
				limits,
			);
			for (const body of bodies)
				writer.phrase(
					new SpeechRecognitionResult(
						"id",
						ResultReason.RecognizedSpeech,
						body.DisplayText,
						body.Duration,
						body.Offset,
						JSON.stringify(body),
					),
					false,
				);
			writer.end();
			assert.equal(transcript.render(phrases, format, limits), cli);
			assert.ok(cli.split("\n\n").length > 3, cli);
		}
	assert.equal(
		transcript.render(phrases, "txt"),
		`Hello.\n${words.join(" ")}.\n`,
	);
	assert.deepEqual(JSON.parse(transcript.render(phrases, "json"))[0], {
		text: "Hello.",
		offset: 12_000_000,
		duration: 3_000_000,
		start: 1.2,
		end: 1.5,
	});
	assert.equal(transcript.clock(0), "0:00");
	assert.equal(transcript.clock(754_000_000), "1:15");
	assert.equal(transcript.clock(37_230_000_000), "1:02:03");
});
