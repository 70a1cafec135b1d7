// `npm run soak`: an hour of real speech, looped, through one embedded session and then through
// `earshot serve`, run as users run it (its own process), with several sessions at once. RSS and
// open handles must stay flat after warm-up. SOAK_MINUTES (audio per session, default 60),
// SOAK_SPEED (pace of each session, default 1: real time), SOAK_SESSIONS (server sessions,
// default 4), SOAK_PHASES (default "embedded,server"). At real time 4 PocketSphinx sessions
// take about 0.85 of a core, which a 2-core machine keeps up with.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseWavHeader, type WavHeader } from "../src/audio/pcm.js";
import {
	AudioConfig,
	AudioInputStream,
	EmbeddedSpeechConfig,
	ResultReason,
	SpeechConfig,
	SpeechRecognizer,
} from "../src/index.js";
import { EARSHOT_COMMAND, Watched } from "../test/helpers/processes.js";
import { projectRoot, sharedDir } from "../test/helpers/shared.js";
import { withPauses } from "../test/helpers/speech.js";
import { loadCorpus, to16k } from "./corpus.js";
import { machineName } from "./report.js";
import { round, summarize } from "./stats.js";

export interface SoakSample {
	/** Wall seconds since the run started. */
	seconds: number;
	rssMiB: number;
	heapMiB: number;
	/** `process.getActiveResourcesInfo().length`: sockets, timers, handles. */
	handles: number;
}

export interface SoakPhase {
	name: string;
	sessions: number;
	audioSeconds: number;
	/** Wall seconds the pace asks for, and what the run took: more means it fell behind. */
	plannedSeconds: number;
	wallSeconds: number;
	/** Samples before this are not counted. */
	warmupSeconds: number;
	phrases: number;
	errors: string[];
	samples: SoakSample[];
	/** Medians of the first and last tenth of the samples after warm-up. */
	rssAfterWarmupMiB: number;
	rssEndMiB: number;
	rssGrowth: number;
	handlesAfterWarmup: number;
	handlesEnd: number;
	ok: boolean;
}

export interface SoakResult {
	date: string;
	machine: string;
	speech: string;
	minutes: number;
	speed: number;
	/** Growth allowed after warm-up, as a fraction. */
	maxGrowth: number;
	ok: boolean;
	phases: SoakPhase[];
}

const minutes = Number(process.env.SOAK_MINUTES ?? 60);
const speed = Number(process.env.SOAK_SPEED ?? 1);
const sessions = Number(process.env.SOAK_SESSIONS ?? 4);
const phases = (process.env.SOAK_PHASES ?? "embedded,server").split(",");
const MAX_GROWTH = 0.05;
/**
 * Not counted: the first fifth of a run, and at least until every session has been through
 * the looped audio once. A PocketSphinx decoder's buffers grow to the longest phrase it has
 * decoded and stay at that size for reuse: in 10-minute runs of 4 sessions RSS rose for
 * one pass of the 330 s loop and was flat after it.
 */
const WARMUP = 0.2;
const BYTES_PER_SECOND = 32000;
const CHUNK_BYTES = BYTES_PER_SECOND / 10;
/** Writing may run this far ahead of the results, so the push queue cannot grow unbounded. */
const LEAD_SECONDS = 20;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** ../shared/audio/long joined with pauses when present, else the bench corpus (flite). */
function soakAudio(): { pcm: Buffer; source: string } {
	const dir = sharedDir && join(sharedDir, "audio", "long");
	const names = dir
		? readdirSync(dir).filter((n) => n.endsWith(".wav") || n.endsWith(".flac"))
		: [];
	let file: string;
	let source: string;
	if (dir && names.length > 0) {
		file = withPauses(
			names.map((n) => to16k(join(dir, n), `long-${n}.wav`)),
			1,
		);
		source = `../shared/audio/long (${names.length} recordings)`;
	} else {
		const corpus = loadCorpus();
		file = corpus.long;
		source = corpus.source;
	}
	const bytes = readFileSync(file);
	const header = parseWavHeader(bytes) as WavHeader;
	return { pcm: bytes.subarray(header.dataOffset), source };
}

interface Outcome {
	phrases: number;
	error?: string;
	/** performance.now() when the results reached the end of the first pass of the loop. */
	passedAt?: number;
}

/**
 * One continuous session: `seconds` of `pcm`, looped from byte `from`, written `pace` times
 * faster than real time in 100 ms pieces.
 */
async function stream(
	config: SpeechConfig,
	pcm: Buffer,
	seconds: number,
	pace: number,
	from = 0,
): Promise<Outcome> {
	const push = AudioInputStream.createPushStream();
	const recognizer = new SpeechRecognizer(
		config,
		AudioConfig.fromStreamInput(push),
	);
	let heard = 0;
	let phrases = 0;
	let error: string | undefined;
	let passedAt: number | undefined;
	const track = (offset: number, duration: number) => {
		heard = Math.max(heard, (offset + duration) / 1e7);
		if (passedAt === undefined && heard >= pcm.length / BYTES_PER_SECOND)
			passedAt = performance.now();
	};
	recognizer.recognizing = (_s, e) => track(e.result.offset, e.result.duration);
	recognizer.recognized = (_s, e) => {
		track(e.result.offset, e.result.duration);
		if (e.result.reason === ResultReason.RecognizedSpeech) phrases++;
	};
	recognizer.canceled = (_s, e) => {
		if (e.errorDetails) error = e.errorDetails;
	};
	const stopped = new Promise<void>((resolve) => {
		recognizer.sessionStopped = () => resolve();
	});
	await recognizer.startContinuousRecognition();
	const total = Math.floor(seconds * BYTES_PER_SECOND) & ~1;
	const t0 = performance.now();
	for (let at = 0; at < total && !error; at += CHUNK_BYTES) {
		const due = t0 + (at / BYTES_PER_SECOND / pace) * 1000;
		const waitUntil = performance.now() + 10_000;
		while (
			performance.now() < due ||
			(at / BYTES_PER_SECOND - heard > LEAD_SECONDS &&
				performance.now() < waitUntil)
		)
			await sleep(Math.min(100, Math.max(5, due - performance.now())));
		const i = ((from + at) % pcm.length) & ~1;
		push.write(pcm.subarray(i, Math.min(i + CHUNK_BYTES, pcm.length)));
	}
	push.close();
	await stopped;
	await recognizer.dispose();
	return { phrases, error, passedAt };
}

type Measure = () => Promise<Omit<SoakSample, "seconds">>;

/** This process's memory and handles, after a GC when --expose-gc is on. */
const measureSelf: Measure = async () => {
	(globalThis as { gc?: () => void }).gc?.();
	return {
		rssMiB: round(process.memoryUsage.rss() / 2 ** 20, 1),
		heapMiB: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
		handles: process.getActiveResourcesInfo().length,
	};
};

/** The numbers of a server's /metrics. */
async function serverMetrics(url: string): Promise<[string, number][]> {
	const text = await (
		await fetch(`${url.replace(/^ws/, "http")}/metrics`)
	).text();
	return [...text.matchAll(/^(\w+(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [
		m[1] as string,
		Number(m[2]),
	]);
}

/** A server's memory and handles, from its /metrics. */
function measureServer(url: string): Measure {
	return async () => {
		const metrics = new Map(await serverMetrics(url));
		const value = (name: string) => {
			const found = metrics.get(name);
			if (found === undefined) throw new Error(`/metrics has no ${name}`);
			return found;
		};
		return {
			rssMiB: round(value("process_resident_memory_bytes") / 2 ** 20, 1),
			heapMiB: round(value("nodejs_heap_size_used_bytes") / 2 ** 20, 1),
			handles: value("nodejs_active_handles_total"),
		};
	};
}

/** The server's internal errors, which closed sessions with 4000, by stage. */
async function internalErrors(url: string): Promise<string[]> {
	return (await serverMetrics(url))
		.filter(
			([name, n]) => name.startsWith("earshot_internal_errors_total") && n > 0,
		)
		.map(([name, n]) => `${name} ${n}`);
}

/** Takes a sample every `intervalMs`. */
function sampler(intervalMs: number, measure: Measure) {
	const samples: SoakSample[] = [];
	const t0 = performance.now();
	const take = async () => {
		const seconds = round((performance.now() - t0) / 1000, 1);
		samples.push({ seconds, ...(await measure()) });
	};
	let failed: unknown;
	const record = () => take().catch((error) => (failed ??= error));
	let pending = record();
	const timer = setInterval(() => {
		pending = pending.then(record);
	}, intervalMs);
	return {
		async stop(): Promise<SoakSample[]> {
			clearInterval(timer);
			await pending;
			await record();
			if (failed) throw failed;
			return samples;
		},
	};
}

async function phase(
	name: string,
	count: number,
	measure: Measure,
	run: () => Promise<Outcome[]>,
	/** Errors the clients cannot see, read when they are done. */
	unseenErrors: () => Promise<string[]> = async () => [],
): Promise<SoakPhase> {
	const audioSeconds = minutes * 60 * count;
	const intervalMs = Math.max(1000, (minutes * 60 * 1000) / speed / 150);
	log(
		`${name}: ${minutes} min of audio at ${speed}× in each of ${count} session(s), about ${round(minutes / speed, 1)} min...`,
	);
	const start = performance.now();
	const sampling = sampler(intervalMs, measure);
	const outcomes = await run();
	const samples = await sampling.stop();
	const wallSeconds = (performance.now() - start) / 1000;
	const warmupSeconds = Math.min(
		wallSeconds,
		Math.max(
			wallSeconds * WARMUP,
			...outcomes.map((o) =>
				o.passedAt === undefined ? wallSeconds : (o.passedAt - start) / 1000,
			),
		),
	);
	const errors = [
		...outcomes.flatMap((o) => (o.error ? [o.error] : [])),
		...(await unseenErrors()),
	];
	let after = samples.filter((s) => s.seconds >= warmupSeconds);
	if (after.length < 10) {
		errors.push(
			"too short to measure: fewer than 10 samples after warm-up (the first fifth, and one pass of the looped audio in every session)",
		);
		after = samples.slice(-1);
	}
	const tenth = Math.max(1, Math.floor(after.length / 10));
	const median = (list: SoakSample[], key: "rssMiB" | "handles") =>
		summarize(list.map((s) => s[key])).median;
	const rssAfterWarmupMiB = round(median(after.slice(0, tenth), "rssMiB"), 1);
	const rssEndMiB = round(median(after.slice(-tenth), "rssMiB"), 1);
	const handlesAfterWarmup = median(after.slice(0, tenth), "handles");
	const handlesEnd = median(after.slice(-tenth), "handles");
	const rssGrowth = round(rssEndMiB / rssAfterWarmupMiB - 1, 4);
	const result: SoakPhase = {
		name,
		sessions: count,
		audioSeconds,
		plannedSeconds: round((minutes * 60) / speed, 1),
		wallSeconds: round(wallSeconds, 1),
		warmupSeconds: round(warmupSeconds, 1),
		phrases: outcomes.reduce((n, o) => n + o.phrases, 0),
		errors,
		samples,
		rssAfterWarmupMiB,
		rssEndMiB,
		rssGrowth,
		handlesAfterWarmup,
		handlesEnd,
		ok:
			errors.length === 0 &&
			rssGrowth <= MAX_GROWTH &&
			handlesEnd <= handlesAfterWarmup * (1 + MAX_GROWTH),
	};
	log(
		`${name}: after ${round(warmupSeconds, 0)} s of warm-up RSS ${rssAfterWarmupMiB} → ${rssEndMiB} MiB (${round(rssGrowth * 100, 1)} %), handles ${handlesAfterWarmup} → ${handlesEnd}, ${result.phrases} phrases, ${errors.length} errors, ${round(wallSeconds, 0)} s for ${result.plannedSeconds} s planned: ${result.ok ? "ok" : "FAIL"}`,
	);
	return result;
}

const { pcm, source } = soakAudio();
log(`soak: ${source}, ${round(pcm.length / BYTES_PER_SECOND, 0)} s looped`);
// PocketSphinx: the engine every soak so far ran, and the cheapest on 2 cores.
const ENGINE = "pocketsphinx";
async function embeddedPhase(): Promise<SoakPhase> {
	const config = EmbeddedSpeechConfig.fromDefaults();
	config.setEngine(ENGINE);
	return phase("embedded", 1, measureSelf, async () => [
		await stream(config, pcm, minutes * 60, speed),
	]);
}

/**
 * `earshot serve` as users start it, so its RSS is the server's alone and the CLI's process
 * settings apply. Its session limit is far beyond the run: a soak that lags must show as
 * lag, not as sessions cut off.
 */
async function serverPhase(): Promise<SoakPhase> {
	const server = new Watched([
		...EARSHOT_COMMAND,
		"serve",
		"--port",
		"0",
		"--engine",
		ENGINE,
		"--max-sessions",
		String(sessions),
		"--max-session-seconds",
		String(Math.ceil((3 * minutes * 60) / speed) + 600),
	]);
	try {
		const [, url] = await server.line(/"event":"listening","url":"([^"]+)"/);
		return await phase(
			"server",
			sessions,
			measureServer(url),
			() =>
				Promise.all(
					Array.from({ length: sessions }, (_, i) =>
						stream(
							SpeechConfig.fromHost(url),
							pcm,
							minutes * 60,
							speed,
							Math.floor((i * pcm.length) / sessions),
						),
					),
				),
			() => internalErrors(url),
		);
	} finally {
		server.child.kill("SIGTERM");
		await server.exited;
	}
}

const results: SoakPhase[] = [];
if (phases.includes("embedded")) results.push(await embeddedPhase());
if (phases.includes("server")) results.push(await serverPhase());

const date = new Date().toISOString();
const result: SoakResult = {
	date,
	machine: machineName(),
	speech: source,
	minutes,
	speed,
	maxGrowth: MAX_GROWTH,
	ok: results.length > 0 && results.every((p) => p.ok),
	phases: results,
};
const dir = join(projectRoot, "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `soak-${date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
log(`soak ${result.ok ? "passed" : "FAILED"}: ${file}`);
process.exitCode = result.ok ? 0 : 1;
