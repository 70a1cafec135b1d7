import { createInterface } from "node:readline";
import { SingleBar } from "cli-progress";
import pc from "picocolors";
import { openAudioFile } from "../audio/decode.js";
import type { PcmFormat } from "../audio/pcm.js";
import type { AudioSource } from "../audio/source.js";
import { openReadableSource } from "../audio/stream.js";
import { AudioConfig } from "../sdk/audio-config.js";
import { OutputFormat, PropertyId, ResultReason } from "../sdk/enums.js";
import { SpeechRecognizer } from "../sdk/recognizer.js";
import type { SpeechConfig } from "../sdk/speech-config.js";
import type { CaptionLimits } from "./caption-options.js";
import {
	isSubtitles,
	type OutputFormatName,
	TranscriptWriter,
} from "./output.js";

export interface RecognizeOptions {
	file?: string;
	stdin?: boolean;
	mic?: string | boolean;
	rate?: number;
	bits?: number;
	channels?: number;
	language?: string;
	segmentationSilenceMs?: number;
	detailed?: boolean;
	output: OutputFormatName;
	/** Subtitle limits for srt and vtt. */
	captions?: Partial<CaptionLimits>;
}

/** `earshot recognize`: transcribes a file, stdin or the microphone; resolves with the exit code. */
export async function runRecognize(
	speechConfig: SpeechConfig,
	options: RecognizeOptions,
): Promise<number> {
	const inputs = [
		options.file !== undefined,
		options.stdin === true,
		options.mic !== undefined && options.mic !== false,
	];
	if (inputs.filter(Boolean).length !== 1)
		throw new UsageError("give exactly one of --file, --stdin or --mic");
	if (options.language)
		speechConfig.speechRecognitionLanguage = options.language;
	if (options.segmentationSilenceMs !== undefined) {
		speechConfig.setProperty(
			PropertyId.Speech_SegmentationSilenceTimeoutMs,
			String(options.segmentationSilenceMs),
		);
	}
	// Subtitles are timed from the word times that only Detailed output carries.
	if (options.detailed || isSubtitles(options.output))
		speechConfig.outputFormat = OutputFormat.Detailed;

	const live = options.mic !== undefined && options.mic !== false;
	const progress = live ? undefined : createProgress();
	const audioConfig = live
		? AudioConfig.fromMicrophoneInput(
				typeof options.mic === "string" ? options.mic : undefined,
			)
		: AudioConfig.fromSource(async () =>
				counted(await openInput(options), progress),
			);

	const recognizer = new SpeechRecognizer(speechConfig, audioConfig);
	const writer = new TranscriptWriter(
		options.output,
		(text) => {
			progress?.clear();
			process.stdout.write(text);
		},
		options.captions,
	);
	const showPartials = options.output === "text" && process.stderr.isTTY;
	let error: string | undefined;
	const stopped = new Promise<void>((resolve) => {
		recognizer.sessionStopped = () => resolve();
	});
	recognizer.recognizing = (_sender, event) => {
		if (showPartials)
			process.stderr.write(`\r\x1b[K${pc.dim(event.result.text)}`);
	};
	recognizer.recognized = (_sender, event) => {
		if (showPartials) process.stderr.write("\r\x1b[K");
		if (event.result.reason === ResultReason.RecognizedSpeech)
			writer.phrase(event.result, options.detailed === true);
	};
	recognizer.canceled = (_sender, event) => {
		if (event.errorDetails) error = event.errorDetails;
	};

	await recognizer.startContinuousRecognition();
	const stopOnSignal = () => void recognizer.stopContinuousRecognition();
	process.once("SIGINT", stopOnSignal);
	let input: ReturnType<typeof createInterface> | undefined;
	if (live) {
		process.stderr.write(pc.dim("Listening, press ENTER to stop...\n"));
		input = createInterface({ input: process.stdin });
		input.once("line", stopOnSignal);
	}
	await stopped;
	input?.close();
	process.off("SIGINT", stopOnSignal);
	progress?.stop();
	writer.end();
	await recognizer.dispose();
	if (error) {
		process.stderr.write(`${pc.red(`earshot: ${error}`)}\n`);
		return 1;
	}
	return 0;
}

export class UsageError extends Error {}

async function openInput(options: RecognizeOptions): Promise<AudioSource> {
	if (options.file !== undefined) return openAudioFile(options.file);
	const raw: PcmFormat | undefined =
		options.rate !== undefined
			? {
					sampleRate: options.rate,
					bitsPerSample: options.bits ?? 16,
					channels: options.channels ?? 1,
					encoding: "pcm",
				}
			: undefined;
	return openReadableSource(process.stdin, raw, { name: "stdin" });
}

interface Progress {
	start(total: number): void;
	update(seconds: number): void;
	clear(): void;
	stop(): void;
}

/** A progress bar on stderr for long files; nothing when stderr is not a terminal. */
function createProgress(): Progress | undefined {
	if (!process.stderr.isTTY) return undefined;
	const bar = new SingleBar(
		{
			stream: process.stderr,
			format: `${pc.cyan("{bar}")} {percentage}% | {value}/{total} s | ETA {eta_formatted}`,
			hideCursor: true,
			clearOnComplete: true,
		},
		undefined,
	);
	let started = false;
	return {
		start(total) {
			// Short files finish before a bar would help.
			if (total < 30) return;
			started = true;
			bar.start(Math.round(total), 0);
		},
		update(seconds) {
			if (started) bar.update(Math.round(seconds));
		},
		clear() {
			if (started) process.stderr.write("\r\x1b[K");
		},
		stop() {
			if (started) bar.stop();
		},
	};
}

/** Reports how much of the source has been handed on. */
function counted(
	source: AudioSource,
	progress: Progress | undefined,
): AudioSource {
	if (!progress || source.durationSeconds === undefined) return source;
	progress.start(source.durationSeconds);
	return {
		sampleRate: source.sampleRate,
		durationSeconds: source.durationSeconds,
		live: source.live,
		close: () => source.close(),
		async *chunks() {
			let samples = 0;
			for await (const chunk of source.chunks()) {
				samples += chunk.length;
				progress.update(samples / source.sampleRate);
				yield chunk;
			}
		},
	};
}
