/**
 * earshot's own SDK in remote mode (SpeechConfig.fromHost / fromEndpoint) against `earshot
 * serve`: the same app code gives the same events as embedded mode on the same audio.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
	AudioConfig,
	CancellationErrorCode,
	CancellationReason,
	OutputFormat,
	ProfanityOption,
	PropertyId,
	type RecognizerEvent,
	SpeechConfig,
	SpeechRecognizer,
} from "../src/index.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { recognizeAll } from "./helpers/recognize.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const SENTENCES = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"open the door",
];
const file = withPauses(
	SENTENCES.map((s) => synthesize(s, { voice: "awb" })),
	1,
);

let server: RunningServer;
before(async () => {
	server = await startServer({ port: 0, key: "k3y", log: false });
});
after(() => server.close());

/** What an app sees of an event, without the ids that differ per run. */
function shape(event: RecognizerEvent) {
	const type = event.type;
	if (event.type === "sessionStarted" || event.type === "sessionStopped")
		return { type };
	if (
		event.type === "speechStartDetected" ||
		event.type === "speechEndDetected"
	)
		return { type, offset: event.args.offset };
	if (event.type === "canceled")
		return {
			type,
			reason: event.args.reason,
			errorCode: event.args.errorCode,
			offset: event.args.offset,
		};
	if (!("result" in event.args)) throw new Error(`unexpected ${type}`);
	const { result } = event.args;
	return {
		type,
		reason: result.reason,
		text: result.text,
		offset: result.offset,
		duration: result.duration,
		json: result.json,
	};
}

describe("our SDK in remote mode", () => {
	for (const format of [OutputFormat.Simple, OutputFormat.Detailed]) {
		test(`same events as embedded mode on the same audio (${OutputFormat[format]})`, async () => {
			const configure = (config: SpeechConfig) => {
				config.outputFormat = format;
				config.setProfanity(ProfanityOption.Raw);
			};
			const embedded = await recognizeAll(
				AudioConfig.fromWavFileInput(file),
				configure,
			);
			const config = SpeechConfig.fromHost(server.url, "k3y");
			configure(config);
			const recognizer = new SpeechRecognizer(
				config,
				AudioConfig.fromWavFileInput(file),
			);
			const events: RecognizerEvent[] = [];
			const iteration = (async () => {
				for await (const event of recognizer.events()) events.push(event);
			})();
			await recognizer.startContinuousRecognition();
			await iteration;
			await recognizer.dispose();
			assert.equal(embedded.phrases.length, SENTENCES.length);
			assert.deepEqual(events.map(shape), embedded.events.map(shape));
		});
	}

	test("fromEndpoint with a bearer token, and a phrase at a time with recognizeOnce", async () => {
		const config = SpeechConfig.fromEndpoint(
			`${server.url}/speech/recognition/conversation/cognitiveservices/v1`,
		);
		config.authorizationToken = "k3y";
		const recognizer = new SpeechRecognizer(
			config,
			AudioConfig.fromWavFileInput(file),
		);
		const result = await recognizer.recognizeOnce();
		await recognizer.dispose();
		const embedded = await recognizeAll(AudioConfig.fromWavFileInput(file));
		assert.equal(result.text, embedded.phrases[0]);
	});

	test("a wrong key is AuthenticationFailure, no server is ConnectionFailure, segmentation settings reach the server", async () => {
		const cases: [SpeechConfig, CancellationErrorCode, RegExp][] = [
			[
				SpeechConfig.fromHost(server.url, "wrong"),
				CancellationErrorCode.AuthenticationFailure,
				/401/,
			],
			[
				SpeechConfig.fromHost("ws://127.0.0.1:9", "k3y"),
				CancellationErrorCode.ConnectionFailure,
				/cannot connect/,
			],
		];
		for (const [config, code, details] of cases) {
			const run = await recognizeRemote(config);
			assert.equal(run.canceled?.reason, CancellationReason.Error);
			assert.equal(run.canceled?.errorCode, code);
			assert.match(run.canceled?.errorDetails ?? "", details);
		}
		// The server checks segmentation settings again; ours are in range.
		const config = SpeechConfig.fromHost(server.url, "k3y");
		config.setProperty(PropertyId.Speech_SegmentationMaximumTimeMs, "20000");
		config.setProperty(PropertyId.Speech_SegmentationSilenceTimeoutMs, "100");
		const fine = await recognizeRemote(config);
		assert.equal(fine.canceled?.reason, CancellationReason.EndOfStream);
	});
});

async function recognizeRemote(config: SpeechConfig) {
	const recognizer = new SpeechRecognizer(
		config,
		AudioConfig.fromWavFileInput(file),
	);
	const events: RecognizerEvent[] = [];
	const iteration = (async () => {
		for await (const event of recognizer.events()) events.push(event);
	})();
	await recognizer.startContinuousRecognition();
	await iteration;
	await recognizer.dispose();
	const canceled = events.find((e) => e.type === "canceled");
	return {
		events,
		canceled: canceled?.type === "canceled" ? canceled.args : undefined,
	};
}
