import { createInterface } from "node:readline";
import { AudioConfig } from "../sdk/audio-config.js";
import { CancellationReason, ResultReason } from "../sdk/enums.js";
import { SpeechRecognizer } from "../sdk/recognizer.js";
import { CancellationDetails } from "../sdk/results.js";
import type { SpeechConfig } from "../sdk/speech-config.js";

/**
 * Azure's continuous-recognition console sample, offline: the default microphone (or the
 * given audio), the sample's exact lines, ENTER to stop. Resolves with the exit code.
 */
export async function runSample(
	speechConfig: SpeechConfig,
	audioConfig = AudioConfig.fromDefaultMicrophoneInput(),
): Promise<number> {
	const recognizer = new SpeechRecognizer(speechConfig, audioConfig);
	const print = (line = "") => process.stdout.write(`${line}\n`);
	let failed = false;
	const stopped = new Promise<void>((resolve) => {
		recognizer.sessionStopped = (_sender, event) => {
			print(`SESSION STOPPED: ${event.sessionId}`);
			resolve();
		};
	});
	recognizer.recognizing = (_sender, event) =>
		print(`RECOGNIZING: ${event.result.text}`);
	recognizer.recognized = (_sender, event) => {
		if (event.result.reason === ResultReason.RecognizedSpeech)
			print(`RECOGNIZED: ${event.result.text}`);
		else if (event.result.reason === ResultReason.NoMatch)
			print("NOMATCH: Speech could not be recognized.");
		print();
	};
	recognizer.sessionStarted = (_sender, event) => {
		print(`SESSION STARTED: ${event.sessionId}`);
		print();
	};
	recognizer.canceled = (_sender, event) => {
		const details = CancellationDetails.fromResult(event.result);
		print(
			`CANCELED: Reason=CancellationReason.${CancellationReason[details.reason]}`,
		);
		if (details.reason === CancellationReason.Error) {
			failed = true;
			print(`CANCELED: ErrorDetails=${details.errorDetails}`);
		}
	};

	await recognizer.startContinuousRecognition();
	print("Listening, press ENTER to stop...");
	const input = createInterface({ input: process.stdin });
	const enter = new Promise<void>((resolve) => {
		input.once("line", () => resolve());
		input.once("close", () => resolve());
	});
	await Promise.race([enter, stopped]);
	input.close();
	await recognizer.stopContinuousRecognition();
	await stopped;
	await recognizer.dispose();
	return failed ? 1 : 0;
}
