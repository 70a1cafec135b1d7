import { basename } from "node:path";
import { type Command, Option } from "commander";
import {
	engineOption,
	MODEL_HELP,
	passesOption,
} from "../cli/engine-option.js";
import { wholeNumber } from "../cli/options.js";
import {
	type EngineChoice,
	modelArgument,
	type ResolvedEngine,
	resolveEngine,
} from "../engines/select.js";
import { CLOSE_MARGIN_MS, startServer } from "./server.js";

interface ServeOptions {
	host: string;
	port: number;
	key?: string;
	maxSessions: number;
	maxSessionSeconds: number;
	maxFrameBytes: number;
	drainSeconds: number;
	engine?: string;
	passes?: string;
	maxDecoders?: number;
	model?: string;
}

/** `earshot serve`: the speech server that Azure Speech SDK clients point at with fromHost. */
export function registerServeCommand(program: Command): void {
	program
		.command("serve")
		.description(
			"serve the Azure Speech WebSocket protocol offline: point the official Speech SDK at it with SpeechConfig.fromHost",
		)
		.option("--host <address>", "address to listen on", "127.0.0.1")
		.option("--port <n>", "port to listen on", wholeNumber(0, 65535), 5000)
		.addOption(
			new Option(
				"--key <key>",
				"require this key (Ocp-Apim-Subscription-Key, or a bearer token from /sts/v1.0/issueToken)",
			).env("EARSHOT_KEY"),
		)
		.option(
			"--max-sessions <n>",
			"sessions at once; more get TooManyRequests",
			wholeNumber(1),
			64,
		)
		.option(
			"--max-session-seconds <s>",
			"wall-clock limit of one session",
			wholeNumber(1),
			3600,
		)
		.option(
			"--max-frame-bytes <b>",
			"largest WebSocket message accepted",
			wholeNumber(1024),
			1024 * 1024,
		)
		.option(
			"--drain-seconds <s>",
			"on SIGTERM/SIGINT, how long open turns may finish",
			wholeNumber(0),
			30,
		)
		.addOption(engineOption())
		.addOption(passesOption())
		.option(
			"--max-decoders <n>",
			"PocketSphinx decoders loaded at once, about 47 MiB each, every 4 sharing one 33 MiB language model; sessions beyond wait, in turn, for one to be free (default: 4 per core)",
			wholeNumber(1),
		)
		.option("--model <dir|name>", MODEL_HELP)
		.addHelpText(
			"after",
			'\nClients:\n  JavaScript: sdk.SpeechConfig.fromHost(new URL("ws://localhost:5000"))\n  Python:     speechsdk.SpeechConfig(host="ws://localhost:5000")\n\nGET /healthz and /metrics (Prometheus); one JSON line per session on stderr.',
		)
		.action(async (options: ServeOptions) => {
			const engine: EngineChoice = {
				engine: options.engine,
				passes: options.passes,
				maxDecoders: options.maxDecoders,
				...(options.model ? modelArgument(options.model) : {}),
			};
			const server = await startServer({
				host: options.host,
				port: options.port,
				key: options.key,
				maxSessions: options.maxSessions,
				maxSessionSeconds: options.maxSessionSeconds,
				maxFrameBytes: options.maxFrameBytes,
				engine,
			});
			const resolved = await resolveEngine(engine);
			const model = modelDescription(resolved);
			const page = `${server.url.replace(/^ws/, "http")}/`;
			logLine({
				event: "listening",
				url: server.url,
				page,
				engine: resolved.engine,
				model,
				key: Boolean(options.key),
			});
			// The JSON line is for machines; a person at a terminal also gets where to go.
			if (process.stderr.isTTY)
				process.stderr.write(
					`earshot: live captions at ${page}\n` +
						`earshot: engine ${resolved.engine}, model ${model}\n` +
						`earshot: Speech SDK clients: SpeechConfig.fromHost(new URL("${server.url}"))${options.key ? ", with the key" : ""}; Ctrl-C stops\n`,
				);
			let stopping = false;
			// A second signal (a terminal's Ctrl-C reaching a process group) does not restart the drain.
			const stop = () => {
				if (stopping) return;
				stopping = true;
				const deadlineMs = options.drainSeconds * 1000;
				logLine({ event: "draining", deadlineSeconds: options.drainSeconds });
				// The drain bounds itself; this only guards against a bug holding the process.
				setTimeout(
					() => {
						logLine({
							event: "drain overran",
							deadlineSeconds: options.drainSeconds,
						});
						process.exit(1);
					},
					deadlineMs + 2 * CLOSE_MARGIN_MS,
				).unref();
				void server.drain(deadlineMs).then((outcome) => {
					logLine({ event: "drained", ...outcome });
					process.exit(0);
				});
			};
			process.on("SIGTERM", stop);
			process.on("SIGINT", stop);
		});
}

/** The model in words: its directory's name, or the default model. */
function modelDescription(resolved: ResolvedEngine): string {
	if (resolved.engine === "sherpa")
		return `${basename(resolved.model.dir)} (${resolved.model.kind})`;
	return resolved.modelDir
		? basename(resolved.modelDir)
		: "en-us (Debian's PocketSphinx model)";
}

function logLine(record: object): void {
	process.stderr.write(`${JSON.stringify(record)}\n`);
}
