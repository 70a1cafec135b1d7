import { type Command, Option } from "commander";
import { engineOption, MODEL_HELP } from "../cli/engine-option.js";
import { wholeNumber } from "../cli/options.js";
import { modelArgument } from "../engines/select.js";
import { startServer } from "./server.js";

interface ServeOptions {
	host: string;
	port: number;
	key?: string;
	maxSessions: number;
	maxSessionSeconds: number;
	maxFrameBytes: number;
	drainSeconds: number;
	engine?: string;
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
		.option("--model <dir|name>", MODEL_HELP)
		.addHelpText(
			"after",
			'\nClients:\n  JavaScript: sdk.SpeechConfig.fromHost(new URL("ws://localhost:5000"))\n  Python:     speechsdk.SpeechConfig(host="ws://localhost:5000")\n\nGET /healthz and /metrics (Prometheus); one JSON line per session on stderr.',
		)
		.action(async (options: ServeOptions) => {
			const server = await startServer({
				host: options.host,
				port: options.port,
				key: options.key,
				maxSessions: options.maxSessions,
				maxSessionSeconds: options.maxSessionSeconds,
				maxFrameBytes: options.maxFrameBytes,
				engine: {
					engine: options.engine,
					...(options.model ? modelArgument(options.model) : {}),
				},
			});
			process.stderr.write(
				`${JSON.stringify({ event: "listening", url: server.url, key: Boolean(options.key) })}\n`,
			);
			const stop = () => {
				process.stderr.write(
					`${JSON.stringify({ event: "draining", deadlineSeconds: options.drainSeconds })}\n`,
				);
				void server
					.drain(options.drainSeconds * 1000)
					.then(() => process.exit(0));
			};
			process.once("SIGTERM", stop);
			process.once("SIGINT", stop);
		});
}
