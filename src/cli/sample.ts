import { AudioConfig } from "../sdk/audio-config.js";
import { CancellationReason, ResultReason } from "../sdk/enums.js";
import { SpeechRecognizer } from "../sdk/recognizer.js";
import { CancellationDetails } from "../sdk/results.js";
import type { SpeechConfig } from "../sdk/speech-config.js";
import { onInterrupt, stopOnEnter } from "./interrupt.js";

/**
 * Azure's continuous-recognition console sample, offline: the default microphone (or the
 * given audio), the sample's exact lines, ENTER to stop. The end of stdin does not stop it
 * (`earshot </dev/null` listens until Ctrl-C). Resolves with the exit code: 0, 1 when
 * canceled by an error, 130 after Ctrl-C and 143 after SIGTERM.
 */
export async function runSample(
	speechConfig: SpeechConfig,
	audioConfig = AudioConfig.fromDefaultMicrophoneInput(),
): Promise<number> {
	const recognizer = new SpeechRecognizer(speechConfig, audioConfig);
	const print = (line = "") => process.stdout.write(`${line}\n`);
	let failed = false;
	let over = false;
	const stopped = new Promise<void>((resolve) => {
		recognizer.sessionStopped = (_sender, event) => {
			over = true;
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
		print(`CANCELED: Reason=${CancellationReason[details.reason]}`);
		if (details.reason === CancellationReason.Error) {
			failed = true;
			print(`CANCELED: ErrorDetails=${details.errorDetails}`);
		}
	};

	const stop = () => void recognizer.stopContinuousRecognition();
	const interrupt = onInterrupt(stop, () => {});
	let restoreInput: (() => void) | undefined;
	try {
		await recognizer.startContinuousRecognition();
		if (!over) {
			print("Listening, press ENTER to stop...");
			restoreInput = stopOnEnter(stop);
		}
		await stopped;
	} finally {
		restoreInput?.();
		interrupt.dispose();
	}
	await recognizer.dispose();
	return failed ? 1 : interrupt.exitCode(0);
}
