import { statSync } from "node:fs";
import { dirname, relative } from "node:path";
import { type Command, Option } from "commander";
import pc from "picocolors";
import { openAudioFile } from "../audio/decode.js";
import {
	engineOption,
	MODEL_HELP,
	passesOption,
} from "../cli/engine-option.js";
import { formatProgress, StatusLine } from "../cli/status-line.js";
import { selectEngine } from "../engines/select.js";
import { AudioConfig } from "../sdk/audio-config.js";
import { ResultReason } from "../sdk/enums.js";
import { SpeechRecognizer } from "../sdk/recognizer.js";
import { engineChoiceOf, type SpeechConfig } from "../sdk/speech-config.js";
import { type DatasetItem, loadDataset } from "./dataset.js";
import { scoreTranscript } from "./score.js";
import { aggregate, type ErrorRate } from "./wer.js";

export interface EvalOptions {
	dataset: string;
	engine?: string;
	passes?: string;
	model?: string;
	language?: string;
	includeApprox?: boolean;
	output: "text" | "json";
}

export interface UtteranceResult extends ErrorRate {
	id: string;
	/** The audio file, relative to the dataset (the manifest's folder, or the tree's root). */
	path: string;
	reference: string;
	hypothesis: string;
	cer: number;
	/** Characters of the normalized reference: CER's denominator. */
	referenceCharacters: number;
	audioSeconds: number;
	/** Wall time from start to the session's end, decoding the file included. */
	processingSeconds: number;
	rtf: number;
}

export interface EvalReport {
	dataset: string;
	/** The engine that ran, as it names itself: `pocketsphinx`, `sherpa-onnx:KIND:MODEL`. */
	engine: string;
	model?: string;
	utterances: UtteranceResult[];
	total: ErrorRate & {
		/** Character error rate over all utterances: summed edits over summed characters. */
		cer: number;
		audioSeconds: number;
		processingSeconds: number;
		rtf: number;
	};
}

/**
 * `earshot eval`. `speechConfig` is the CLI's own maker of configs from --engine/--model/
 * --language, so eval picks engines exactly as `recognize` does.
 */
export function registerEvalCommand(
	program: Command,
	speechConfig: (options: EvalOptions) => SpeechConfig,
): void {
	program
		.command("eval")
		.description(
			"transcribe a dataset and report word error rate (S/D/I), character error rate and RTF",
		)
		.requiredOption(
			"--dataset <path>",
			"a manifest TSV (path, reference_kind, reference) or a LibriSpeech-style folder (*.flac + *.trans.txt)",
		)
		.option(
			"--include-approx",
			"also score manifest rows whose reference is approximate",
		)
		.addOption(
			new Option("-o, --output <format>", "report format")
				.choices(["text", "json"])
				.default("text"),
		)
		.addOption(engineOption())
		.addOption(passesOption())
		.option("--model <dir|name>", MODEL_HELP)
		.option("--language <lang>", "recognition language", "en-US")
		.addHelpText(
			"after",
			"\nExamples:\n  earshot eval --dataset ../shared/audio/manifest.tsv\n  earshot eval --dataset LibriSpeech/test-clean --output json > wer.json",
		)
		.action(async (options: EvalOptions) => {
			const report = await runEval(speechConfig(options), options);
			process.stdout.write(
				options.output === "json"
					? `${JSON.stringify(report, null, 2)}\n`
					: formatReport(report),
			);
		});
}

export async function runEval(
	config: SpeechConfig,
	options: EvalOptions,
): Promise<EvalReport> {
	const note = (text: string) =>
		process.stderr.write(`${pc.yellow(`earshot: ${text}`)}\n`);
	const items = loadDataset(options.dataset, { ...options, onSkip: note });
	const root = statSync(options.dataset).isDirectory()
		? options.dataset
		: dirname(options.dataset);
	// Loaded before the bar, so what loading prints (the model hint) has a line of its own.
	const engine = await selectEngine(engineChoiceOf(config.properties));
	const status = new StatusLine();
	const startedAt = Date.now();
	const utterances: UtteranceResult[] = [];
	try {
		for (const item of items) {
			status.setProgress(
				formatProgress(
					utterances.length,
					items.length,
					" utterances",
					startedAt,
				),
			);
			utterances.push({
				...(await evaluate(config, item)),
				path: relative(root, item.path),
			});
		}
	} finally {
		status.close();
	}
	const sum = (value: (u: UtteranceResult) => number) =>
		utterances.reduce((total, u) => total + value(u), 0);
	const characters = sum((u) => u.referenceCharacters);
	const audioSeconds = sum((u) => u.audioSeconds);
	const processingSeconds = sum((u) => u.processingSeconds);
	return {
		dataset: options.dataset,
		engine: engine.name,
		model: options.model,
		utterances,
		total: {
			...aggregate(utterances),
			cer:
				characters > 0
					? sum((u) => u.cer * u.referenceCharacters) / characters
					: 0,
			audioSeconds,
			processingSeconds,
			rtf: audioSeconds > 0 ? processingSeconds / audioSeconds : 0,
		},
	};
}

async function evaluate(
	config: SpeechConfig,
	item: DatasetItem,
): Promise<UtteranceResult> {
	let audioSeconds = 0;
	const audio = AudioConfig.fromSource(async () => {
		const source = await openAudioFile(item.path);
		audioSeconds = source.durationSeconds;
		return source;
	});
	const recognizer = new SpeechRecognizer(config, audio);
	const phrases: string[] = [];
	let error: string | undefined;
	const start = performance.now();
	const events = (async () => {
		for await (const { type, args } of recognizer.events()) {
			if (
				type === "recognized" &&
				args.result.reason === ResultReason.RecognizedSpeech
			)
				phrases.push(args.result.text);
			if (type === "canceled" && args.errorDetails) error = args.errorDetails;
		}
	})();
	await recognizer.startContinuousRecognition();
	await events;
	const processingSeconds = (performance.now() - start) / 1000;
	await recognizer.dispose();
	if (error) throw new Error(`${item.id}: ${error}`);
	const hypothesis = phrases.join(" ");
	const {
		alignment,
		normalizedReference,
		normalizedHypothesis: _,
		...score
	} = scoreTranscript(item.reference, hypothesis);
	return {
		id: item.id,
		path: item.path,
		reference: item.reference,
		hypothesis,
		...score,
		referenceCharacters: Array.from(normalizedReference).length,
		audioSeconds,
		processingSeconds,
		rtf: audioSeconds > 0 ? processingSeconds / audioSeconds : 0,
	};
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** A table of utterances, then the totals. */
export function formatReport(report: EvalReport): string {
	const width = Math.max(9, ...report.utterances.map((u) => u.id.length));
	const row = (cells: string[]) =>
		`${cells[0].padEnd(width)} ${cells
			.slice(1)
			.map((c) => c.padStart(8))
			.join(" ")}\n`;
	let out = row(["utterance", "WER", "S", "D", "I", "N", "CER", "RTF"]);
	for (const u of report.utterances) {
		out += row([
			u.id,
			percent(u.wer),
			String(u.substitutions),
			String(u.deletions),
			String(u.insertions),
			String(u.referenceLength),
			percent(u.cer),
			u.rtf.toFixed(3),
		]);
	}
	const t = report.total;
	const count = report.utterances.length;
	out += `\n${count} ${count === 1 ? "utterance" : "utterances"}, ${t.audioSeconds.toFixed(1)} s of audio, engine ${report.engine}\n`;
	out += `WER ${percent(t.wer)} (S ${t.substitutions}, D ${t.deletions}, I ${t.insertions}, N ${t.referenceLength})\n`;
	out += `CER ${percent(t.cer)}\n`;
	out += `RTF ${t.rtf.toFixed(3)} (${t.processingSeconds.toFixed(1)} s to transcribe)\n`;
	return out;
}
