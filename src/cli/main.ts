#!/usr/bin/env node
import "./threadpool.js";
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { modelArgument } from "../engines/select.js";
import { registerEvalCommand } from "../eval/cli.js";
import { registerModelsCommand } from "../models/cli.js";
import {
	EarshotProperty,
	EmbeddedSpeechConfig,
	type SpeechConfig,
} from "../sdk/speech-config.js";
import { registerServeCommand } from "../server/cli.js";
import { captionLimits, captionOptions } from "./caption-options.js";
import { engineOption, MODEL_HELP, passesOption } from "./engine-option.js";
import { wholeNumber } from "./options.js";
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
	.addOption(passesOption())
	.option("--model <dir|name>", MODEL_HELP)
	.option("--language <lang>", "recognition language", "en-US")
	.showSuggestionAfterError()
	.helpCommand(true)
	// Set before the subcommands exist, so they inherit it. Commander's own messages start
	// "error:"; every message of earshot starts "earshot:".
	.exitOverride()
	.configureOutput({
		outputError: (text, write) =>
			write(pc.red(text.replace(/^error: /, "earshot: "))),
	})
	.enablePositionalOptions()
	.action(async (options: EngineOptions) => {
		process.exitCode = await runSample(speechConfig(options));
	});

const recognize = program
	.command("recognize")
	.description("transcribe a file, stdin or the microphone")
	.argument("[file]", "an audio file, as with --file")
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
	.option("--rate <hz>", "raw PCM sample rate for --stdin", wholeNumber(1))
	.option(
		"--bits <n>",
		"raw PCM bits per sample for --stdin: 8, 16, 24 or 32 (default: 16)",
		wholeNumber(1),
	)
	.option(
		"--channels <n>",
		"raw PCM channels for --stdin (default: 1)",
		wholeNumber(1),
	)
	.option(
		"--segmentation-silence-ms <ms>",
		"silence that ends a phrase, 100-5000",
		wholeNumber(1),
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
	.addOption(passesOption())
	.option("--model <dir|name>", MODEL_HELP)
	.option("--language <lang>", "recognition language", "en-US")
	.addHelpText(
		"after",
		"\nExamples:\n  earshot recognize talk.mp3 --output srt > talk.srt\n  arecord -f S16_LE -r 16000 | earshot recognize --stdin --rate 16000\n  earshot recognize --mic --output jsonl\n\nExit status: 0 when done, 1 on an error, 130 after Ctrl-C and 143 after SIGTERM;\nan interrupted run still prints what was heard until then.",
	)
	.action(async (file: string | undefined, options) => {
		if (file !== undefined && options.file !== undefined)
			throw new UsageError("give the file once: FILE or --file, not both");
		process.exitCode = await runRecognize(speechConfig(options), {
			...options,
			file: file ?? options.file,
			captions: captionLimits(options),
		});
	});

for (const option of captionOptions()) recognize.addOption(option);

registerModelsCommand(program);
registerEvalCommand(program, speechConfig);
registerServeCommand(program);

interface EngineOptions {
	engine?: string;
	passes?: string;
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
	if (options.passes)
		config.setProperty(EarshotProperty.PocketSphinxPasses, options.passes);
	if (options.language) config.speechRecognitionLanguage = options.language;
	return config;
}

// A reader that goes away (`| head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
	if (error.code === "EPIPE") process.exit(0);
	throw error;
});

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
