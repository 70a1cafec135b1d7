import { execFileSync } from "node:child_process";
import {
	type AudioConfig,
	CancellationReason,
	type RecognizerEvent,
	ResultReason,
	SpeechConfig,
	SpeechRecognizer,
} from "../../src/index.js";

export interface Run {
	events: RecognizerEvent[];
	/** Texts of the `recognized` events that matched speech, in order. */
	phrases: string[];
	transcript: string;
	canceled?: {
		reason: CancellationReason;
		errorDetails: string;
		errorCode: number;
	};
}

/**
 * Runs continuous recognition to the end of the input and collects every event. Without
 * `decodePartials`, an offline model decodes each phrase only once it ends.
 */
export async function recognizeAll(
	audio: AudioConfig,
	configure?: (config: SpeechConfig) => void,
	{ decodePartials = true } = {},
): Promise<Run> {
	const config = SpeechConfig.fromSubscription("unused", "offline");
	configure?.(config);
	const recognizer = new SpeechRecognizer(config, audio);
	recognizer.decodePartials = decodePartials;
	const events: RecognizerEvent[] = [];
	const iteration = (async () => {
		for await (const event of recognizer.events()) events.push(event);
	})();
	await recognizer.startContinuousRecognition();
	await iteration;
	await recognizer.dispose();
	return summarize(events);
}

export function summarize(events: RecognizerEvent[]): Run {
	const phrases = events.flatMap((e) =>
		e.type === "recognized" &&
		e.args.result.reason === ResultReason.RecognizedSpeech
			? [e.args.result.text]
			: [],
	);
	const canceled = events.find((e) => e.type === "canceled");
	return {
		events,
		phrases,
		transcript: phrases.join(" "),
		canceled:
			canceled?.type === "canceled"
				? {
						reason: canceled.args.reason,
						errorDetails: canceled.args.errorDetails,
						errorCode: canceled.args.errorCode,
					}
				: undefined,
	};
}

/** The duration of an audio file in seconds, by `soxi`. */
export function durationOf(file: string): number {
	return Number(
		execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim(),
	);
}

export { CancellationReason };
