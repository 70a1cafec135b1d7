import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { createPcmConverter } from "./pcm.js";
import { ChunkQueue, split } from "./queue.js";
import type { AudioSource } from "./source.js";

/** Capture failed: no tool, no device, no permission. The message carries the tool's own words. */
export class MicrophoneError extends Error {
	override name = "MicrophoneError";
}

interface Recorder {
	tool: string;
	args: string[];
	env?: NodeJS.ProcessEnv;
}

/**
 * How often the capture tools hand over audio. Their defaults wait longer, and audio waits
 * with them before the recognizer hears it: arecord reads in periods of 125 ms, and parec
 * asks PulseAudio for 2 s fragments, which a source with no lower-latency client delivers
 * in blocks of 2 s. sox's PulseAudio input cannot be asked (up to 1.4 s blocks); ffmpeg's
 * comes in 50 ms.
 */
const CAPTURE_PERIOD_MS = 20;

/** Capture commands in order of preference, each writing 16-bit mono PCM to stdout. */
function recorders(device: string | undefined, rate: number): Recorder[] {
	const r = String(rate);
	return [
		{
			tool: "arecord",
			args: [
				"-q",
				"-t",
				"raw",
				"-f",
				"S16_LE",
				"-c",
				"1",
				"-r",
				r,
				`--period-time=${CAPTURE_PERIOD_MS * 1000}`,
				...(device ? ["-D", device] : []),
			],
		},
		{
			tool: "parec",
			args: [
				"--raw",
				"--format=s16le",
				"--channels=1",
				`--rate=${r}`,
				`--latency-msec=${CAPTURE_PERIOD_MS}`,
				...(device ? ["-d", device] : []),
			],
		},
		{
			tool: "sox",
			args: [
				"-q",
				"-d",
				"-t",
				"raw",
				"-e",
				"signed",
				"-b",
				"16",
				"-c",
				"1",
				"-r",
				r,
				"-",
			],
			env: device ? { ...process.env, AUDIODEV: device } : undefined,
		},
		{
			tool: "ffmpeg",
			args: [
				"-loglevel",
				"error",
				"-f",
				"pulse",
				"-i",
				device ?? "default",
				"-f",
				"s16le",
				"-ac",
				"1",
				"-ar",
				r,
				"-",
			],
		},
	];
}

function onPath(tool: string): boolean {
	for (const dir of (process.env.PATH ?? "").split(delimiter)) {
		try {
			accessSync(join(dir, tool), constants.X_OK);
			return true;
		} catch {}
	}
	return false;
}

const INSTALL_HINT =
	"no audio capture tool found (arecord, parec, sox or ffmpeg); install one, e.g. `apt-get install alsa-utils` or `apt-get install pulseaudio-utils`";

/**
 * Captures mono audio at `sampleRate` from the default (or named) input device through the
 * first capture tool on PATH. A tool that fails before delivering any audio gives way to
 * the next one, since e.g. arecord exists on many machines without a usable ALSA device.
 */
export function openMicrophone(
	device?: string,
	sampleRate = 16000,
): AudioSource {
	const queue = new ChunkQueue();
	const candidates = recorders(device, sampleRate).filter((r) =>
		onPath(r.tool),
	);
	const failures: string[] = [];
	let child: ChildProcess | undefined;
	let closed = false;

	const start = (index: number): void => {
		if (closed) return;
		const recorder = candidates[index];
		if (!recorder) {
			queue.fail(
				new MicrophoneError(
					failures.length
						? `microphone capture failed: ${failures.join("; ")}`
						: INSTALL_HINT,
				),
			);
			return;
		}
		const converter = createPcmConverter({
			sampleRate,
			channels: 1,
			bitsPerSample: 16,
			encoding: "pcm",
		});
		const proc = spawn(recorder.tool, recorder.args, {
			env: recorder.env,
			stdio: ["ignore", "pipe", "pipe"],
		});
		child = proc;
		let heard = false;
		let stderr = "";
		proc.stdout.on("data", (bytes: Buffer) => {
			heard = true;
			for (const chunk of split(
				converter.convert(bytes),
				Math.ceil(sampleRate / 10),
			))
				queue.push(chunk);
		});
		proc.stderr.on("data", (text: Buffer) => {
			// Only the last line is reported; a long capture may print many.
			stderr = (stderr + text.toString()).slice(-4096);
		});
		let finished = false;
		// A spawn failure reports through "error", and "close" may or may not follow.
		const finish = (problem: string | undefined): void => {
			if (finished) return;
			finished = true;
			if (closed || (!problem && heard)) {
				queue.end();
				return;
			}
			const line = problem ?? "exited without delivering audio";
			// arecord already starts its messages with its name.
			const said = line.startsWith(`${recorder.tool}:`)
				? line
				: `${recorder.tool}: ${line}`;
			failures.push(said);
			if (heard)
				queue.fail(new MicrophoneError(`microphone capture stopped: ${said}`));
			else start(index + 1);
		};
		proc.on("error", (error) => finish(error.message));
		proc.on("close", (code, signal) => {
			if (code === 0) return finish(undefined);
			const last = stderr.trim().split("\n").pop();
			finish(last || (signal ? `killed by ${signal}` : `exit code ${code}`));
		});
	};
	start(0);

	const close = (): void => {
		if (closed) return;
		closed = true;
		child?.kill("SIGTERM");
		queue.end();
	};
	return {
		sampleRate,
		live: true,
		async *chunks() {
			try {
				yield* queue.drain();
			} finally {
				close();
			}
		},
		close,
	};
}
