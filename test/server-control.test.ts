/**
 * earshot's speech.control stop (what the captions page's Stop sends for a file): the server
 * drops the audio it has not recognized yet, finishes the open phrase and ends the turn.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import WebSocket from "ws";
import { decodeFrame, encodeMessage } from "../src/protocol/frame.js";
import {
	audioMessage,
	ContentType,
	endOfAudioMessage,
	newRequestId,
	parseServiceMessage,
	speechConfigMessage,
	speechControlMessage,
	TICKS_PER_SECOND,
} from "../src/protocol/messages.js";
import { RECOGNITION_PATHS } from "../src/protocol/paths.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { SPEECH_WAV_HEADER, synthesize, withPauses } from "./helpers/speech.js";

const clip = synthesize("please turn on the kitchen light and open the door", {
	voice: "awb",
});
// About a minute of speech with pauses.
const pcm = readFileSync(withPauses(Array(16).fill(clip), 1)).subarray(44);
const seconds = pcm.length / 32000;

let server: RunningServer;
after(() => server?.close());

/** Sends the whole recording at once, then `finish`; resolves with what the server answered. */
async function session(finish: (ws: WebSocket, id: string) => void) {
	server ??= await startServer({
		port: 0,
		log: false,
		engine: { engine: "pocketsphinx" },
	});
	const ws = new WebSocket(`${server.url}${RECOGNITION_PATHS.conversation}`);
	const id = newRequestId();
	const paths: string[] = [];
	const phraseEnds: number[] = [];
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.once("close", (code, reason) =>
			resolve({ code, reason: reason.toString() }),
		),
	);
	const turnEnd = new Promise<void>((resolve) => {
		ws.on("message", (data, isBinary) => {
			const message = parseServiceMessage(
				decodeFrame(data as Buffer, isBinary),
			);
			paths.push(message.type);
			// EndOfDictation closes every turn and covers the whole audio: count recognized phrases.
			if (
				message.type === "speech.phrase" &&
				message.body.RecognitionStatus !== "EndOfDictation"
			)
				phraseEnds.push(
					(message.body.Offset + message.body.Duration) / TICKS_PER_SECOND,
				);
			if (message.type === "turn.end") resolve();
		});
	});
	await new Promise((resolve) => ws.once("open", resolve));
	ws.send(encodeMessage(speechConfigMessage(id, {})));
	ws.send(encodeMessage(audioMessage(id, SPEECH_WAV_HEADER, ContentType.Wav)));
	for (let at = 0; at < pcm.length; at += 3200)
		ws.send(encodeMessage(audioMessage(id, pcm.subarray(at, at + 3200))));
	finish(ws, id);
	return { ws, paths, phraseEnds, turnEnd, closed };
}

// A server that ignored the message would never close: the timeout makes that a failure.
describe("speech.control", { timeout: 300_000 }, () => {
	test("stop drops the audio not yet recognized, flushes the open phrase and ends the turn", async () => {
		const { ws, paths, phraseEnds, turnEnd } = await session((ws, id) => {
			ws.send(encodeMessage(speechControlMessage(id, "stop")));
			ws.send(encodeMessage(endOfAudioMessage(id)));
		});
		await turnEnd;
		// The minute arrived in one burst, just before the stop: little of it was recognized.
		assert.ok(
			(phraseEnds.at(-1) ?? 0) < seconds / 2,
			`recognized up to ${phraseEnds.at(-1)} s of ${seconds} s`,
		);
		assert.equal(paths.at(-1), "turn.end");
		assert.equal(ws.readyState, WebSocket.OPEN);
		ws.close();
	});

	test("an unknown action is refused with 1007", async () => {
		const { closed } = await session((ws, id) =>
			ws.send(
				encodeMessage({
					...speechControlMessage(id, "stop"),
					body: JSON.stringify({ action: "pause" }),
				}),
			),
		);
		assert.deepEqual(await closed, {
			code: 1007,
			reason: 'unknown speech.control action "pause"',
		});
	});
});
