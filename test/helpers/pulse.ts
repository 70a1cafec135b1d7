import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
	accessSync,
	constants,
	mkdtempSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

function onPath(tool: string): boolean {
	return (process.env.PATH ?? "").split(delimiter).some((dir) => {
		try {
			accessSync(join(dir, tool), constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
}

/** Why a test that needs a headless PulseAudio must skip, or undefined when it can run. */
export const noPulseReason: string | undefined = [
	"pulseaudio",
	"pactl",
	"paplay",
].every(onPath)
	? undefined
	: "PulseAudio is not installed (apt-get install pulseaudio pulseaudio-utils)";

export interface Pulse {
	/** `PULSE_SERVER` for clients; also set in `process.env` while the server runs. */
	server: string;
	/** Plays a sound file into the null sink, whose monitor is the default source (the "microphone"). */
	play(file: string): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Starts a private PulseAudio with a null sink whose monitor is the default source, so what
 * `play` plays is what a microphone capture hears, with well under 200 ms of latency. Works
 * as root and without a session bus. arecord reaches it through the ALSA pulse plugin
 * (libasound2-plugins), parec directly.
 */
export async function startPulse(): Promise<Pulse> {
	const dir = mkdtempSync(join(tmpdir(), "earshot-pulse-"));
	const socket = join(dir, "native");
	const config = join(dir, "default.pa");
	writeFileSync(
		config,
		[
			"load-module module-null-sink sink_name=earshot_null rate=16000 channels=1",
			`load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
			"set-default-sink earshot_null",
			"set-default-source earshot_null.monitor",
			"",
		].join("\n"),
	);
	const server = `unix:${socket}`;
	const env = {
		...process.env,
		HOME: dir,
		XDG_RUNTIME_DIR: dir,
		PULSE_SERVER: server,
	};
	const daemon: ChildProcess = spawn(
		"pulseaudio",
		[
			"-n",
			"-F",
			config,
			"--daemonize=no",
			"--exit-idle-time=-1",
			"--use-pid-file=no",
			"--disable-shm=yes",
		],
		{ env, stdio: ["ignore", "ignore", "pipe"] },
	);
	let log = "";
	daemon.stderr?.on("data", (text: Buffer) => {
		log += text.toString();
	});
	const exited = new Promise<void>((resolve) =>
		daemon.once("exit", () => resolve()),
	);
	const previous = process.env.PULSE_SERVER;
	let keeper: ChildProcess | undefined;

	const stop = async (): Promise<void> => {
		if (previous === undefined) delete process.env.PULSE_SERVER;
		else process.env.PULSE_SERVER = previous;
		keeper?.kill("SIGTERM");
		if (daemon.exitCode === null && daemon.signalCode === null)
			daemon.kill("SIGTERM");
		await exited;
		rmSync(dir, { recursive: true, force: true });
	};

	const deadline = Date.now() + 10_000;
	for (;;) {
		try {
			await run("pactl", ["info"], { env, timeout: 2000 });
			break;
		} catch {
			if (daemon.exitCode !== null || Date.now() > deadline) {
				await stop();
				throw new Error(
					`PulseAudio did not start: ${log.trim().split("\n").pop() ?? ""}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	// A null sink renders in blocks as long as its streams allow, up to 2 s, so a new capture
	// would wait that long for its first audio. A low-latency listener keeps the blocks short.
	keeper = spawn("parec", ["--raw", "--latency-msec=20"], {
		env,
		stdio: ["ignore", "pipe", "ignore"],
	});
	const listening = await new Promise<boolean>((resolve) => {
		const timer = setTimeout(() => resolve(false), 10_000);
		keeper?.stdout?.once("data", () => {
			clearTimeout(timer);
			resolve(true);
		});
	});
	keeper.stdout?.resume();
	if (!listening) {
		await stop();
		throw new Error("PulseAudio's null sink delivered no audio within 10 s");
	}
	process.env.PULSE_SERVER = server;
	return {
		server,
		play: async (file) => {
			await run("paplay", [file], { env, timeout: 5 * 60_000 });
		},
		stop,
	};
}
