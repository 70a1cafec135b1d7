import { type Command, InvalidArgumentError, Option } from "commander";
import { engineOption, MODEL_HELP } from "../cli/engine-option.js";
import { modelArgument } from "../engines/select.js";
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
		.option("--port <n>", "port to listen on", whole(0), 5000)
		.addOption(
			new Option(
				"--key <key>",
				"require this key (Ocp-Apim-Subscription-Key, or a bearer token from /sts/v1.0/issueToken)",
			).env("EARSHOT_KEY"),
		)
		.option(
			"--max-sessions <n>",
			"sessions at once; more get TooManyRequests",
			whole(1),
			64,
		)
		.option(
			"--max-session-seconds <s>",
			"wall-clock limit of one session",
			whole(1),
			3600,
		)
		.option(
			"--max-frame-bytes <b>",
			"largest WebSocket message accepted",
			whole(1024),
			1024 * 1024,
		)
		.option(
			"--drain-seconds <s>",
			"on SIGTERM/SIGINT, how long open turns may finish",
			whole(0),
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
			logLine({
				event: "listening",
				url: server.url,
				key: Boolean(options.key),
			});
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

function whole(min: number): (value: string) => number {
	return (value) => {
		const n = Number(value);
		if (!Number.isInteger(n) || n < min)
			throw new InvalidArgumentError(`not a whole number >= ${min}.`);
		return n;
	};
}

function logLine(record: object): void {
	process.stderr.write(`${JSON.stringify(record)}\n`);
}
