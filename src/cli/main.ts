#!/usr/bin/env node
import {
	Command,
	CommanderError,
	InvalidArgumentError,
	Option,
} from "commander";
import pc from "picocolors";
import { modelArgument } from "../engines/select.js";
import { registerEvalCommand } from "../eval/cli.js";
import { registerModelsCommand } from "../models/cli.js";
import {
	EmbeddedSpeechConfig,
	type SpeechConfig,
} from "../sdk/speech-config.js";
import { registerServeCommand } from "../server/cli.js";
import { captionLimits, captionOptions } from "./caption-options.js";
import { engineOption, MODEL_HELP } from "./engine-option.js";
import { OUTPUT_FORMATS } from "./output.js";
import { runRecognize, UsageError } from "./recognize.js";
import { runSample } from "./sample.js";

const program = new Command("earshot")
	.description(
		"Offline, continuous speech-to-text with the Azure Speech SDK's API.\n\n" +
			"With no command, runs Azure's continuous-recognition console sample on the default " +
			"microphone: it prints RECOGNIZING / RECOGNIZED lines live and stops on ENTER.",
	)
	.version(process.env.npm_package_version ?? "0.1.0")
	.addOption(engineOption())
	.option("--model <dir|name>", MODEL_HELP)
	.option("--language <lang>", "recognition language", "en-US")
	.showSuggestionAfterError()
	.enablePositionalOptions()
	.action(async (options: EngineOptions) => {
		process.exitCode = await runSample(speechConfig(options));
	});

const recognize = program
	.command("recognize")
	.description("transcribe a file, stdin or the microphone")
	.option(
		"-f, --file <path>",
		"an audio file: WAV (any kind), FLAC, MP3, Ogg/Opus, M4A",
	)
	.option(
		"--stdin",
		"read a WAV stream, or raw PCM with --rate/--bits/--channels, from stdin",
	)
	.option(
		"--mic [device]",
		"capture from the microphone (default device, or an arecord/PulseAudio name)",
	)
	.option("--rate <hz>", "raw PCM sample rate for --stdin", integer)
	.option(
		"--bits <n>",
		"raw PCM bits per sample for --stdin (8, 16, 24, 32)",
		integer,
		16,
	)
	.option("--channels <n>", "raw PCM channels for --stdin", integer, 1)
	.option(
		"--segmentation-silence-ms <ms>",
		"silence that ends a phrase, 100-5000",
		integer,
	)
	.option(
		"--detailed",
		"Detailed output: confidences and word timings (with --output json/jsonl)",
	)
	.addOption(
		new Option("-o, --output <format>", "output format")
			.choices(OUTPUT_FORMATS)
			.default("text"),
	)
	.addOption(engineOption())
	.option("--model <dir|name>", MODEL_HELP)
	.option("--language <lang>", "recognition language", "en-US")
	.addHelpText(
		"after",
		"\nExamples:\n  earshot recognize --file talk.mp3 --output srt > talk.srt\n  arecord -f S16_LE -r 16000 | earshot recognize --stdin --rate 16000\n  earshot recognize --mic --output jsonl",
	)
	.action(async (options) => {
		process.exitCode = await runRecognize(speechConfig(options), {
			...options,
			captions: captionLimits(options),
		});
	});

for (const option of captionOptions()) recognize.addOption(option);

registerModelsCommand(program);
registerEvalCommand(program, speechConfig);
registerServeCommand(program);

interface EngineOptions {
	engine?: string;
	model?: string;
	language?: string;
}

function speechConfig(options: EngineOptions): SpeechConfig {
	const model = options.model ? modelArgument(options.model) : {};
	const config = model.modelPath
		? EmbeddedSpeechConfig.fromPath(model.modelPath)
		: EmbeddedSpeechConfig.fromDefaults();
	if (model.modelName) config.setSpeechRecognitionModel(model.modelName);
	if (options.engine) config.setEngine(options.engine);
	if (options.language) config.speechRecognitionLanguage = options.language;
	return config;
}

function integer(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n)) throw new InvalidArgumentError("not an integer.");
	return n;
}

// A reader that goes away (`| head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
	if (error.code === "EPIPE") process.exit(0);
	throw error;
});

program.exitOverride();
program.configureOutput({ outputError: (text, write) => write(pc.red(text)) });
try {
	await program.parseAsync();
} catch (error) {
	if (error instanceof CommanderError) {
		process.exitCode = error.exitCode;
	} else {
		const message =
			error instanceof UsageError || error instanceof Error
				? error.message
				: String(error);
		process.stderr.write(`${pc.red(`earshot: ${message}`)}\n`);
		process.exitCode = error instanceof UsageError ? 2 : 1;
	}
}
