import { basename } from "node:path";
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
import { onInterrupt, stopOnEnter } from "./interrupt.js";
import {
	isSubtitles,
	type OutputFormatName,
	TranscriptWriter,
} from "./output.js";
import { formatProgress, StatusLine } from "./status-line.js";

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

/** Files shorter than this finish before a progress bar would help. */
const PROGRESS_MIN_SECONDS = 30;

/**
 * `earshot recognize`: transcribes a file, stdin or the microphone; resolves with the exit
 * code: 0, 1 on a recognition error, 130 after Ctrl-C and 143 after SIGTERM (what was heard
 * until then is printed first).
 */
export async function runRecognize(
	speechConfig: SpeechConfig,
	options: RecognizeOptions,
): Promise<number> {
	const live = options.mic !== undefined && options.mic !== false;
	const inputs = [options.file !== undefined, options.stdin === true, live];
	if (inputs.filter(Boolean).length !== 1)
		throw new UsageError("give exactly one of FILE, --file, --stdin or --mic");
	const silence = options.segmentationSilenceMs;
	if (silence !== undefined && !(silence >= 100 && silence <= 5000))
		throw new UsageError(
			`--segmentation-silence-ms must be 100–5000, not ${silence}`,
		);
	if (options.language)
		speechConfig.speechRecognitionLanguage = options.language;
	if (silence !== undefined) {
		speechConfig.setProperty(
			PropertyId.Speech_SegmentationSilenceTimeoutMs,
			String(silence),
		);
	}
	// Subtitles are timed from the word times that only Detailed output carries.
	if (options.detailed || isSubtitles(options.output))
		speechConfig.outputFormat = OutputFormat.Detailed;

	const status = new StatusLine();
	const note = (text: string) =>
		status.print(process.stderr, `${pc.yellow(`earshot: ${text}`)}\n`);
	for (const text of ignoredFlags(options)) note(text);

	const stopping = new AbortController();
	const audioConfig = live
		? AudioConfig.fromMicrophoneInput(
				typeof options.mic === "string" ? options.mic : undefined,
			)
		: AudioConfig.fromSource(async () => {
				const source = await openInput(options, stopping.signal);
				for (const warning of source.warnings ?? []) note(warning);
				return withProgress(source, status);
			});

	const recognizer = new SpeechRecognizer(speechConfig, audioConfig);
	const writer = new TranscriptWriter(
		options.output,
		(text) => status.print(process.stdout, text),
		options.captions,
	);
	const showPartials = options.output === "text";
	let heard = false;
	// An offline model re-decodes each growing phrase for its partials: only where they are shown.
	recognizer.decodePartials = showPartials && process.stderr.isTTY === true;
	let error: string | undefined;
	const stopped = new Promise<void>((resolve) => {
		recognizer.sessionStopped = () => resolve();
	});
	recognizer.recognizing = (_sender, event) => {
		if (showPartials) status.setPartial(event.result.text);
	};
	recognizer.recognized = (_sender, event) => {
		status.setPartial("");
		if (event.result.reason !== ResultReason.RecognizedSpeech) return;
		heard = true;
		writer.phrase(event.result, options.detailed === true);
	};
	recognizer.canceled = (_sender, event) => {
		if (event.errorDetails) error = event.errorDetails;
	};

	const stop = () => {
		stopping.abort();
		void recognizer.stopContinuousRecognition();
	};
	const interrupt = onInterrupt(stop, () => status.close());
	if (options.stdin && process.stdin.isTTY)
		note(
			"reading audio from stdin, which is this terminal: pipe audio in, or press Ctrl-C to stop",
		);
	let restoreInput: (() => void) | undefined;
	try {
		await recognizer.startContinuousRecognition();
		if (live && !error) {
			status.print(
				process.stderr,
				pc.dim("Listening, press ENTER to stop...\n"),
			);
			restoreInput = stopOnEnter(stop);
		}
		await stopped;
	} finally {
		restoreInput?.();
		interrupt.dispose();
		status.close();
	}
	writer.end();
	await recognizer.dispose();
	if (error) {
		process.stderr.write(`${pc.red(`earshot: ${error}`)}\n`);
		return 1;
	}
	if (!heard)
		process.stderr.write(
			`${pc.yellow(`earshot: nothing was heard${whereFrom(options)}`)}\n`,
		);
	return interrupt.exitCode(0);
}

export class UsageError extends Error {}

/** Notes for options that the chosen input or output does not use. */
function ignoredFlags(options: RecognizeOptions): string[] {
	const notes: string[] = [];
	if (!options.stdin) {
		const raw = (["rate", "bits", "channels"] as const).filter(
			(flag) => options[flag] !== undefined,
		);
		for (const flag of raw)
			notes.push(
				`--${flag} has no effect without --stdin (${options.file !== undefined ? "the file gives its own format" : "the microphone is read at its own format"})`,
			);
	}
	if (options.detailed && !["json", "jsonl"].includes(options.output))
		notes.push(
			`--detailed has no effect with --output ${options.output} (use json or jsonl)`,
		);
	return notes;
}

function whereFrom(options: RecognizeOptions): string {
	if (options.file !== undefined) return ` in ${basename(options.file)}`;
	return options.stdin ? " on stdin" : "";
}

async function openInput(
	options: RecognizeOptions,
	signal: AbortSignal,
): Promise<AudioSource> {
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
	return openReadableSource(process.stdin, raw, { name: "stdin", signal });
}

/** Shows on the status line how much of a long source has been handed on. */
function withProgress(source: AudioSource, status: StatusLine): AudioSource {
	const total = source.durationSeconds;
	if (!status.enabled || total === undefined || total < PROGRESS_MIN_SECONDS)
		return source;
	const seconds = Math.round(total);
	const startedAt = Date.now();
	status.setProgress(formatProgress(0, seconds, " s", startedAt));
	return {
		sampleRate: source.sampleRate,
		durationSeconds: total,
		live: source.live,
		warnings: source.warnings,
		close: () => source.close(),
		async *chunks() {
			let samples = 0;
			for await (const chunk of source.chunks()) {
				samples += chunk.length;
				const done = Math.min(seconds, Math.round(samples / source.sampleRate));
				status.setProgress(formatProgress(done, seconds, " s", startedAt));
				yield chunk;
			}
		},
	};
}
