import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import type { EngineChoice } from "../src/engines/select.js";
import { EarshotProperty } from "../src/index.js";
import { noPythonSdk, runPython } from "../test/helpers/native-sdks.js";
import { projectRoot } from "../test/helpers/shared.js";
import { type Corpus, duration } from "./corpus.js";
import type { BenchEngine } from "./engines.js";
import {
	type Bounds,
	BYTES_PER_SECOND,
	embeddedRealtime,
	latencySummary,
	pushRealtime,
	SEGMENTATION_SILENCE_MS,
	speechBounds,
	type TimedResult,
	utteranceLatencies,
} from "./latency.js";
import { round, type Summary, summarize } from "./stats.js";

/** Issue 12's bound on p95 finalization latency beyond the segmentation silence. */
const P95_BOUND_MS = 500;
/** Each stream sends whole utterances, at least this long and at most 1.5 times as long. */
const STREAM_SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 30);
/** The sweep stops here even if the bound still holds (a short check of the bench itself). */
const MAX_STREAMS = Number(process.env.BENCH_MAX_STREAMS ?? 1000);
/** Slices streamed by each official SDK in turn, for their finalization latencies. */
const CLIENT_RUNS = 3;
const cli = join(projectRoot, "dist", "cli", "main.js");
const ticksPerSecond = Number(
	execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }),
);

export interface SweepStep {
	streams: number;
	utterances: number;
	/** Sessions that ended in `canceled` with an error. */
	errors: number;
	/** End of speech (see speechBounds) → `recognized` at the client, ms: what a user waits. */
	finalizationMs: Summary & { p95: number };
	/** The same beyond the segmentation silence: the server's processing lag. */
	finalizationOverheadMs: Summary & { p95: number };
	/** CPU seconds per wall second over the step, in cores (the machine has `cores`). */
	serverCpuCores: number;
	/** serverCpuCores / streams. */
	cpuPerStreamCores: number;
	/** The server's JavaScript thread alone: one core is its ceiling. */
	serverJsThreadCores: number;
	clientCpuCores: number;
	/** Everything else on the machine (other developers' tests): the noise indicator. */
	otherCpuCores: number;
	/** Median server RSS while all streams were sending. */
	serverRssMiB: number;
}

/** Finalization latency as one official SDK sees it: end of speech → `recognized`, ms. */
export interface ClientLatency {
	utterances: number;
	errors: number;
	finalizationMs: Summary & { p95: number };
}

export interface ServerBenchResult {
	engine: string;
	cores: number;
	/** The JavaScript and Python SDKs, one at a time, streaming the same slices at real-time pace. */
	clients: {
		runs: number;
		audioSeconds: number;
		javascript: ClientLatency;
		/** Absent when the Python SDK is not installed (bash scripts/sdks.sh). */
		python?: ClientLatency;
	};
	/**
	 * The same slice through the server (official SDK client) and embedded (earshot's
	 * SpeechRecognizer), one after the other: per utterance, the server's finalization minus
	 * the embedded one, ms. Issue 12's goal: ≤ 50 ms.
	 */
	serverAddedMs: Summary & { p95: number };
	/** 1, 5 and 15 minute load averages before and after the server bench. */
	loadAverage: { before: number[]; after: number[] };
	sweep: {
		/** What `maxStreams` bounds: the latency beyond the segmentation silence. */
		criterion: string;
		segmentationSilenceMs: number;
		/** Audio each stream sends at real-time pace, a slice of whole utterances, s. */
		streamSeconds: Summary;
		steps: SweepStep[];
		/** The largest N up to which every N measured meets `criterion`. */
		maxStreams: number;
		/** The same for the raw latency, end of speech → recognized, silence included. */
		maxStreamsRaw: number;
	};
	cpuOverhead: {
		audioSeconds: number;
		runs: number;
		/** Server process CPU for one session decoding the file, client excluded, s. */
		serverCpuSeconds: Summary;
		/** Embedded recognition of the same file in its own process, s. */
		embeddedCpuSeconds: Summary;
		/** Server / embedded, per pair of alternating runs; the goal is ≤ 1.10. */
		ratio: Summary;
	};
	memory: {
		/** Server RSS with no session, after warm-up sessions: one pooled decoder is loaded. */
		idleRssMiB: number;
		perSession: {
			streams: number;
			rssMiB: number;
			/** (RSS at N − idle RSS) / N. */
			perSessionMiB: number;
			/** (RSS at N − RSS at 1) / (N − 1): what each session beyond the first adds. */
			marginalMiB?: number;
		}[];
	};
}

/** A stream's audio, whole utterances cut from the paced file, and their speech in s from its start. */
interface Slice {
	pcm: Buffer;
	seconds: number;
	speech: Bounds[];
}

/**
 * `earshot serve` in a child process, with the official Speech SDK as client in this one: a
 * sweep of concurrent real-time streams, the server's CPU against embedded recognition, and
 * memory per session.
 */
export async function benchServer(
	corpus: Corpus,
	engine: BenchEngine,
	cpuRuns: number,
): Promise<ServerBenchResult> {
	const before = loadavg();
	const slices = streamSlices(corpus, await speechBounds(corpus));
	if (slices.length === 0)
		throw new Error(
			`the corpus has no ${STREAM_SECONDS} s slice of whole utterances: set BENCH_STREAM_SECONDS lower`,
		);
	const server = await Server.start(engine.serveArgs);
	try {
		const cpuFile = join(tmpdir(), "earshot-bench", "server-cpu.wav");
		writeWav(slices[0].pcm, cpuFile);
		const warmUp = corpus.utterances[0].file;
		await server.session(warmUp);
		const cpuOverhead = await benchCpuOverhead(
			server,
			cpuFile,
			warmUp,
			engine,
			cpuRuns,
		);
		process.stderr.write(
			`  CPU, server / embedded: ${cpuOverhead.ratio.median}× (${cpuOverhead.ratio.min}–${cpuOverhead.ratio.max})\n`,
		);
		const clients = await benchClients(server, slices);
		const serverAddedMs = await benchServerAdded(server, slices[0], engine);
		process.stderr.write(
			`  server − embedded, same slice: median ${serverAddedMs.median} ms, p95 ${serverAddedMs.p95} ms\n`,
		);
		await sleep(1000);
		const idleRssMiB = server.rssMiB();
		const steps: SweepStep[] = [];
		const measure = async (n: number) => {
			const step = await sweepStep(server, n, slices);
			steps.push(step);
			process.stderr.write(
				`  ${n} streams: p95 ${step.finalizationMs.p95} ms (beyond silence ${step.finalizationOverheadMs.p95} ms), server ${step.serverCpuCores} cores (JS thread ${step.serverJsThreadCores}), other ${step.otherCpuCores}\n`,
			);
			return withinBound(step, "finalizationOverheadMs");
		};
		let passed = 0;
		let n = 1;
		while (n <= MAX_STREAMS && (await measure(n))) {
			passed = n;
			n = n < 8 ? n * 2 : n + 4;
		}
		// One step between the last N that passed and the first that failed.
		const between = Math.floor((passed + n) / 2);
		if (between > passed && n <= MAX_STREAMS) await measure(between);
		// Memory only where the decoder pool had not yet grown past N in an earlier step.
		const rising = steps.filter((s, i) =>
			steps.slice(0, i).every((earlier) => earlier.streams < s.streams),
		);
		steps.sort((a, b) => a.streams - b.streams);
		// The largest N up to which every N measured is within the bound.
		const most = (key: LatencyKey) => {
			const first = steps.findIndex((s) => !withinBound(s, key));
			return (first < 0 ? steps : steps.slice(0, first)).at(-1)?.streams ?? 0;
		};
		return {
			engine: engine.label,
			serverAddedMs,
			cores: cpus().length,
			clients,
			loadAverage: {
				before: before.map((l) => round(l, 2)),
				after: loadavg().map((l) => round(l, 2)),
			},
			sweep: {
				criterion: `p95 finalization latency beyond the segmentation silence ≤ ${P95_BOUND_MS} ms: end of speech → recognized at the client, minus the ${SEGMENTATION_SILENCE_MS} ms of silence that ends a phrase by configuration`,
				segmentationSilenceMs: SEGMENTATION_SILENCE_MS,
				streamSeconds: summarize(slices.map((s) => round(s.seconds, 1))),
				steps,
				maxStreams: most("finalizationOverheadMs"),
				maxStreamsRaw: most("finalizationMs"),
			},
			cpuOverhead,
			memory: {
				idleRssMiB: round(idleRssMiB, 1),
				perSession: rising.map((s) => ({
					streams: s.streams,
					rssMiB: s.serverRssMiB,
					perSessionMiB: round((s.serverRssMiB - idleRssMiB) / s.streams, 1),
					marginalMiB:
						s.streams > 1
							? round(
									(s.serverRssMiB - steps[0].serverRssMiB) / (s.streams - 1),
									1,
								)
							: undefined,
				})),
			},
		};
	} finally {
		await server.stop();
	}
}

type LatencyKey = "finalizationMs" | "finalizationOverheadMs";

function withinBound(step: SweepStep, key: LatencyKey): boolean {
	return step.errors === 0 && step[key].p95 <= P95_BOUND_MS;
}

/**
 * Slices of whole utterances, at least STREAM_SECONDS long, starting at each utterance in turn:
 * concurrent streams get different ones, so their phrases do not all end at once.
 */
function streamSlices(corpus: Corpus, bounds: Bounds[]): Slice[] {
	const pcm = readFileSync(corpus.paced.file).subarray(44);
	const spans = corpus.paced.spans;
	const byte = (s: number) => Math.round(s * BYTES_PER_SECOND) & ~1;
	const slices: Slice[] = [];
	for (let k = 0; k < spans.length; k++) {
		// Cut inside the 1.5 s pauses, leaving more than the segmentation silence after speech.
		const from = spans[k].start - 0.75;
		let last = k;
		while (last < spans.length && spans[last].end - from < STREAM_SECONDS)
			last++;
		if (last === spans.length) break;
		const to = spans[last].end + 1.2;
		if (to - from > STREAM_SECONDS * 1.5) continue;
		slices.push({
			pcm: pcm.subarray(byte(from), byte(to)),
			seconds: to - from,
			speech: bounds
				.slice(k, last + 1)
				.map((b) => ({ onset: b.onset - from, end: b.end - from })),
		});
	}
	return slices;
}

async function sweepStep(
	server: Server,
	n: number,
	slices: Slice[],
): Promise<SweepStep> {
	const cpu = {
		server: server.cpuSeconds(),
		js: server.cpuSeconds(true),
		client: process.cpuUsage(),
		machine: machineCpuSeconds(),
		wall: performance.now(),
	};
	const rss: number[] = [];
	let sending = true;
	const sampler = setInterval(() => {
		if (sending) rss.push(server.rssMiB());
	}, 1000);
	// Different slices, spread over the corpus, while there are enough.
	const spread = Math.min(n, slices.length);
	const streams = Array.from({ length: n }, (_, i) =>
		realtimeStream(
			server.url,
			slices[Math.floor((i * slices.length) / spread) % slices.length],
			() => {
				sending = false;
			},
		),
	);
	const runs = await Promise.all(streams);
	clearInterval(sampler);
	const wall = (performance.now() - cpu.wall) / 1000;
	const serverCores = (server.cpuSeconds() - cpu.server) / wall;
	const jsCores = (server.cpuSeconds(true) - cpu.js) / wall;
	const client = process.cpuUsage(cpu.client);
	const clientCores = (client.user + client.system) / 1e6 / wall;
	const machineCores = (machineCpuSeconds() - cpu.machine) / wall;
	await server.idle();
	const finalization = runs.flatMap((r) => r.finalization);
	return {
		streams: n,
		utterances: finalization.length,
		errors: runs.filter((r) => r.error).length,
		finalizationMs: latencySummary(finalization),
		finalizationOverheadMs: latencySummary(
			finalization.map((ms) => ms - SEGMENTATION_SILENCE_MS),
		),
		serverCpuCores: round(serverCores, 2),
		cpuPerStreamCores: round(serverCores / n, 3),
		serverJsThreadCores: round(jsCores, 2),
		clientCpuCores: round(clientCores, 2),
		otherCpuCores: round(machineCores - serverCores - clientCores, 2),
		serverRssMiB: round(summarize(rss).median, 1),
	};
}

/** One official-SDK client streaming a slice at real-time pace; `sent` once its audio is out. */
async function realtimeStream(url: string, slice: Slice, sent: () => void) {
	const push = sdk.AudioInputStream.createPushStream();
	const session = new ClientSession(url, sdk.AudioConfig.fromStreamInput(push));
	const t0 = await pushRealtime(
		{ write: (b) => push.write(new Uint8Array(b).buffer) },
		slice.pcm,
		slice.pcm.length,
	);
	sent();
	push.close();
	const error = await session.ended;
	const byUtterance = slice.speech.map(
		(bounds) =>
			utteranceLatencies(session.results, [bounds], t0).finalization[0],
	);
	return {
		error,
		byUtterance,
		finalization: byUtterance.filter((ms) => ms !== undefined),
	};
}

/** What one client's stream gave: an error, and finalization latencies in ms. */
interface ClientStream {
	error?: string;
	finalization: number[];
}

/**
 * The same slices through the JavaScript SDK and then the Python SDK, alternating, one stream at a
 * time: finalization latency as each client sees it.
 */
async function benchClients(
	server: Server,
	slices: Slice[],
): Promise<ServerBenchResult["clients"]> {
	const runs = Math.min(CLIENT_RUNS, slices.length);
	const js: ClientStream[] = [];
	const py: ClientStream[] = [];
	if (noPythonSdk)
		process.stderr.write(`  Python client skipped: ${noPythonSdk}\n`);
	for (let i = 0; i < runs; i++) {
		const slice = slices[Math.floor((i * slices.length) / runs)];
		js.push(await realtimeStream(server.url, slice, () => {}));
		await server.idle();
		if (!noPythonSdk) py.push(await pythonStream(server.url, slice));
		await server.idle();
	}
	const latency = (streams: ClientStream[]): ClientLatency => ({
		utterances: streams.reduce((n, s) => n + s.finalization.length, 0),
		errors: streams.filter((s) => s.error).length,
		finalizationMs: latencySummary(streams.flatMap((s) => s.finalization)),
	});
	const result = {
		runs,
		audioSeconds: round(
			slices.slice(0, runs).reduce((total, s) => total + s.seconds, 0),
			1,
		),
		javascript: latency(js),
		...(py.length > 0 ? { python: latency(py) } : {}),
	};
	const report = (name: string, client: ClientLatency) =>
		process.stderr.write(
			`  ${name} SDK: finalization p50 ${client.finalizationMs.median} ms, p95 ${client.finalizationMs.p95} ms (${client.utterances} utterances)\n`,
		);
	report("JavaScript", result.javascript);
	if (result.python) report("Python", result.python);
	return result;
}

/** The Python SDK (test/clients/recognize.py) pushing a slice at real-time pace. */
async function pythonStream(url: string, slice: Slice) {
	const wav = join(tmpdir(), "earshot-bench", "python-client.wav");
	writeWav(slice.pcm, wav);
	const events = await runPython({
		host: url,
		input: "push",
		wav,
		realtime: true,
		mode: "continuous",
		properties: {
			Speech_SegmentationSilenceTimeoutMs: String(SEGMENTATION_SILENCE_MS),
		},
	});
	// Python's `at` is seconds since audio time 0 was due, so t0 is 0.
	const results: TimedResult[] = events.flatMap((e) =>
		e.event === "recognizing" || e.event === "recognized"
			? [
					{
						final: e.event === "recognized",
						speech: e.reason === "RecognizedSpeech",
						offset: (e.offset ?? 0) / 1e7,
						duration: (e.duration ?? 0) / 1e7,
						at: (e.at ?? 0) * 1000,
					},
				]
			: [],
	);
	const canceled = events.find(
		(e) => e.event === "canceled" && e.reason === "Error",
	);
	return {
		error: canceled?.details,
		finalization: utteranceLatencies(results, slice.speech, 0).finalization,
	};
}

/** Per utterance of `slice`: finalization at an official-SDK client minus embedded, ms. */
async function benchServerAdded(
	server: Server,
	slice: Slice,
	engine: BenchEngine,
) {
	const embedded = await embeddedRealtime(slice.pcm, engine.choice);
	const served = await realtimeStream(server.url, slice, () => {});
	const added = slice.speech.flatMap((bounds, i) => {
		const [mine] = utteranceLatencies(
			embedded.results,
			[bounds],
			embedded.t0,
		).finalization;
		const theirs = served.byUtterance[i];
		return mine === undefined || theirs === undefined ? [] : [theirs - mine];
	});
	return latencySummary(added);
}

/** Alternating runs: the server decoding the file for one client, then embedded in a child. */
async function benchCpuOverhead(
	server: Server,
	file: string,
	warmUp: string,
	engine: BenchEngine,
	runs: number,
) {
	const served: number[] = [];
	const embedded: number[] = [];
	for (let i = 0; i < runs; i++) {
		const before = server.cpuSeconds();
		await server.session(file);
		await server.idle();
		served.push(server.cpuSeconds() - before);
		embedded.push(embeddedCpuSeconds(file, warmUp, engine));
	}
	return {
		audioSeconds: round(duration(file), 1),
		runs,
		serverCpuSeconds: summarize(served.map((s) => round(s, 2))),
		embeddedCpuSeconds: summarize(embedded.map((s) => round(s, 2))),
		ratio: summarize(served.map((s, i) => round(s / embedded[i], 3))),
	};
}

/**
 * Embedded recognition in a fresh process: CPU of the file alone, after a warm-up file loaded
 * the engine. The script is a file, not `--input-type=module -e`: worker threads inherit the
 * process's flags, and sherpa's decoding worker refuses that one, so the run ended at once.
 */
function embeddedCpuSeconds(
	file: string,
	warmUp: string,
	engine: BenchEngine,
): number {
	const script = join(tmpdir(), "earshot-bench", "embedded-cpu.mjs");
	writeFileSync(
		script,
		`
const [index, warmUp, file, properties] = process.argv.slice(2);
const { AudioConfig, SpeechConfig, SpeechRecognizer } = await import(index);
async function recognize(path) {
	const config = SpeechConfig.fromSubscription("unused", "offline");
	for (const [name, value] of JSON.parse(properties)) config.setProperty(name, value);
	const r = new SpeechRecognizer(config, AudioConfig.fromWavFileInput(path));
	const drained = (async () => {
		for await (const e of r.events())
			if (e.type === "canceled" && e.args.errorDetails) throw new Error(e.args.errorDetails);
	})();
	await r.startContinuousRecognition();
	await drained;
	await r.dispose();
}
await recognize(warmUp);
const before = process.cpuUsage();
await recognize(file);
const { user, system } = process.cpuUsage(before);
console.log((user + system) / 1e6);`,
	);
	const index = pathToFileURL(join(projectRoot, "dist", "index.js")).href;
	return Number(
		execFileSync(
			process.execPath,
			[
				script,
				index,
				warmUp,
				file,
				JSON.stringify(engineProperties(engine.choice)),
			],
			{ encoding: "utf8" },
		),
	);
}

/** The SDK properties that make `choice`. */
function engineProperties(choice: EngineChoice): [string, string][] {
	const properties: [string, string | undefined][] = [
		[EarshotProperty.Engine, choice.engine],
		[EarshotProperty.ModelName, choice.modelName],
		[EarshotProperty.ModelPath, choice.modelPath],
		[EarshotProperty.PocketSphinxPasses, choice.passes],
	];
	return properties.filter((p): p is [string, string] => p[1] !== undefined);
}

/** An official-SDK recognizer against the server, recording results until the session ends. */
class ClientSession {
	readonly results: TimedResult[] = [];
	/** Resolves when the session stops: undefined, or the error it was canceled with. */
	readonly ended: Promise<string | undefined>;

	constructor(url: string, audio: sdk.AudioConfig, unthrottled = false) {
		const config = sdk.SpeechConfig.fromHost(new URL(url));
		config.setProperty(
			sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs,
			String(SEGMENTATION_SILENCE_MS),
		);
		// The SDK sends a file at twice real time after 5 s; the CPU runs want it all at once.
		if (unthrottled)
			config.setProperty("SPEECH-TransmitLengthBeforThrottleMs", "1000000000");
		const recognizer = new sdk.SpeechRecognizer(config, audio);
		const record =
			(final: boolean) => (_: unknown, e: sdk.SpeechRecognitionEventArgs) =>
				this.results.push({
					final,
					speech: e.result.reason === sdk.ResultReason.RecognizedSpeech,
					offset: e.result.offset / 1e7,
					duration: e.result.duration / 1e7,
					at: performance.now(),
				});
		recognizer.recognizing = record(false);
		recognizer.recognized = record(true);
		this.ended = new Promise<string | undefined>((resolve) => {
			recognizer.sessionStopped = () => resolve(undefined);
			recognizer.canceled = (_, e) => {
				if (e.reason === sdk.CancellationReason.Error) resolve(e.errorDetails);
			};
		}).finally(() => recognizer.close());
		recognizer.startContinuousRecognitionAsync();
	}
}

/** `earshot serve --port 0` in a child process, so that its CPU and memory are its own. */
class Server {
	private constructor(
		private readonly child: ReturnType<typeof spawn>,
		readonly url: string,
	) {}

	static async start(engineArgs: string[]): Promise<Server> {
		const child = spawn(
			process.execPath,
			[cli, "serve", "--port", "0", "--max-sessions", "1000", ...engineArgs],
			{ stdio: ["ignore", "ignore", "pipe"] },
		);
		// Its stderr goes on with a line per session: read on, or the pipe fills.
		const lines = createInterface({
			input: child.stderr as NodeJS.ReadableStream,
		});
		const url = await new Promise<string>((resolve, reject) => {
			lines.on("line", (line) => {
				const listening = /"event":"listening","url":"([^"]+)"/.exec(line);
				if (listening) resolve(listening[1]);
			});
			child.once("exit", () =>
				reject(new Error("earshot serve exited before listening")),
			);
		});
		return new Server(child, url);
	}

	/** One client sending `file` as fast as the server takes it; resolves at sessionStopped. */
	async session(file: string): Promise<void> {
		const session = new ClientSession(
			this.url,
			sdk.AudioConfig.fromWavFileInput(readFileSync(file)),
			true,
		);
		const error = await session.ended;
		if (error) throw new Error(`server session failed: ${error}`);
	}

	/** Waits until the server has closed every session. */
	async idle(): Promise<void> {
		const health = `${this.url.replace("ws:", "http:")}/healthz`;
		while (
			((await (await fetch(health)).json()) as { activeSessions: number })
				.activeSessions > 0
		)
			await sleep(100);
	}

	/** User + system CPU seconds of the server process (or its JS thread) since it started. */
	cpuSeconds(jsThread = false): number {
		const pid = this.child.pid;
		const stat = readFileSync(
			jsThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`,
			"utf8",
		);
		// Fields after the parenthesised name; utime and stime are the 14th and 15th.
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
	}

	rssMiB(): number {
		const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
		return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
	}

	async stop(): Promise<void> {
		const exited = once(this.child, "exit");
		this.child.kill("SIGTERM");
		await exited;
	}
}

/** 16 kHz mono 16-bit PCM into a WAV file. */
function writeWav(pcm: Buffer, file: string): void {
	execFileSync(
		"sox",
		[
			"-R",
			"-t",
			"raw",
			"-r",
			"16000",
			"-e",
			"signed",
			"-b",
			"16",
			"-c",
			"1",
			"-",
			file,
		],
		{ input: pcm },
	);
}

/** Busy CPU seconds of the whole machine since boot, from /proc/stat. */
function machineCpuSeconds(): number {
	const [, ...times] = readFileSync("/proc/stat", "utf8")
		.split("\n")[0]
		.trim()
		.split(/\s+/);
	const [user, nice, system, , , irq, softirq, steal] = times.map(Number);
	return (user + nice + system + irq + softirq + steal) / ticksPerSecond;
}
