/**
 * `earshot serve --drain-seconds` as a process. SIGTERM with a long file session open: the
 * deadline is kept: the open phrase is flushed, the socket closed with 4000 (the SDK's
 * ConnectionFailure), audio the server had not decoded yet is dropped, and the process exits 0.
 * SIGTERM as a turn ends: its client still gets the end of its session.
 * The test's own timeout is the failure mode if the server overstays; nothing here is timed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import { EARSHOT_COMMAND, Watched } from "./helpers/processes.js";
import { synthesize } from "./helpers/speech.js";

const TICKS = 10_000_000;
const BYTES_PER_SECOND = 32000;

/** About 3 minutes of continuous flite speech: far more than any machine decodes in seconds. */
function longSpeech(): string {
	const once = synthesize(
		"the birch canoe slid on the smooth planks and glue the sheet to the dark blue background and it is easy to tell the depth of a well",
		{ voice: "awb" },
	);
	const out = once.replace(/\.wav$/, "-long.wav");
	execFileSync("sox", ["-R", once, out, "repeat", "24"]);
	return out;
}

let server: Watched | undefined;
after(() => server?.kill());

test("SIGTERM with a long file session open: at the deadline the phrase is flushed, the socket closed with 4000, and the process exits 0", {
	timeout: 120_000,
}, async () => {
	const file = longSpeech();
	const wav = readFileSync(file);
	const audioSeconds = (wav.length - 44) / BYTES_PER_SECOND;
	server = new Watched([
		...EARSHOT_COMMAND,
		"serve",
		"--port",
		"0",
		"--drain-seconds",
		"1",
		"--engine",
		"pocketsphinx",
	]);
	const [, url] = await server.line(/"event":"listening","url":"([^"]+)"/);

	const config = sdk.SpeechConfig.fromHost(new URL(url));
	// The whole file at once, as the captions page sends a dropped file.
	config.setProperty("SPEECH-TransmitLengthBeforThrottleMs", "100000000");
	// One phrase all along: speech is open whenever the deadline falls.
	config.setProperty(
		sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs,
		"5000",
	);
	const recognizer = new sdk.SpeechRecognizer(
		config,
		sdk.AudioConfig.fromWavFileInput(wav),
	);
	const events: { name: string; text?: string; end?: number }[] = [];
	let signalled = false;
	const stopped = new Promise<void>((resolve) => {
		recognizer.recognizing = () => {
			if (signalled) return;
			signalled = true;
			events.push({ name: "SIGTERM" });
			server?.child.kill("SIGTERM");
		};
		recognizer.recognized = (_, e) => {
			if (e.result.reason === sdk.ResultReason.RecognizedSpeech)
				events.push({
					name: "recognized",
					text: e.result.text,
					end: (e.result.offset + e.result.duration) / TICKS,
				});
		};
		recognizer.canceled = (_, e) => {
			events.push({
				name: "canceled",
				text: `${sdk.CancellationErrorCode[e.errorCode]}: ${e.errorDetails}`,
			});
			resolve();
		};
		recognizer.sessionStopped = () => resolve();
	});
	recognizer.startContinuousRecognitionAsync();
	await stopped;
	recognizer.close();
	const exit = await server.exited;

	const names = events.map((e) => e.name);
	assert.deepEqual(
		names.slice(names.indexOf("SIGTERM")),
		["SIGTERM", "recognized", "canceled"],
		JSON.stringify(events),
	);
	const flushed = events.find((e) => e.name === "recognized");
	assert.ok(flushed?.text, "the open phrase is flushed with its words");
	// What the server had not decoded at the deadline was dropped, not decoded first.
	assert.ok(
		(flushed?.end ?? 0) < audioSeconds / 2,
		`flushed up to ${flushed?.end} s of ${audioSeconds} s`,
	);
	assert.match(events.at(-1)?.text ?? "", /^ConnectionFailure: .*4000/);
	assert.match(events.at(-1)?.text ?? "", /server shutting down/);
	assert.deepEqual(exit, { code: 0, signal: null });
	const [drained] = server.events("drained");
	assert.equal(drained?.deadlineReached, true, server.lines.join("\n"));
	assert.equal(drained?.cutShort, 1);
	const [session] = server.events("session");
	assert.equal(session?.closeCode, 4000);
});

test("SIGTERM as a turn ends: the client reads turn.end and reports sessionStopped before the drain closes its socket", {
	timeout: 120_000,
}, async () => {
	const wav = readFileSync(
		synthesize("the weather is nice today", { voice: "awb" }),
	);
	const drainable = new Watched([
		...EARSHOT_COMMAND,
		"serve",
		"--port",
		"0",
		"--drain-seconds",
		"30",
		"--engine",
		"pocketsphinx",
	]);
	server = drainable;
	const [, url] = await drainable.line(/"event":"listening","url":"([^"]+)"/);
	const push = sdk.AudioInputStream.createPushStream();
	const recognizer = new sdk.SpeechRecognizer(
		sdk.SpeechConfig.fromHost(new URL(url)),
		sdk.AudioConfig.fromStreamInput(push),
	);
	const events: string[] = [];
	let signalled = false;
	const stopped = new Promise<void>((resolve) => {
		recognizer.recognizing = () => {
			if (signalled) return;
			signalled = true;
			// The drain waits for this open turn, which ends with the audio.
			drainable.child.kill("SIGTERM");
			push.close();
		};
		recognizer.recognized = (_, e) => {
			if (e.result.reason !== sdk.ResultReason.RecognizedSpeech) return;
			events.push("recognized");
			// A busy client: turn.end, and any close after it, arrive before the SDK reads them.
			const until = performance.now() + 1000;
			while (performance.now() < until);
		};
		recognizer.canceled = (_, e) => {
			events.push(`canceled ${sdk.CancellationReason[e.reason]}`);
			if (e.reason === sdk.CancellationReason.Error) resolve();
		};
		recognizer.sessionStopped = () => {
			events.push("sessionStopped");
			resolve();
		};
	});
	recognizer.startContinuousRecognitionAsync();
	push.write(new Uint8Array(wav.subarray(44)).buffer);
	await stopped;
	recognizer.close();
	assert.deepEqual(events, [
		"recognized",
		"canceled EndOfStream",
		"sessionStopped",
	]);
	assert.deepEqual(await drainable.exited, { code: 0, signal: null });
	const [drained] = drainable.events("drained");
	assert.equal(drained?.deadlineReached, false, drainable.lines.join("\n"));
});
