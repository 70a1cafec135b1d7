// `npm run soak`: about an hour of real speech, looped, through one embedded session and then
// through the server with several sessions, faster than real time. RSS and open handles must
// stay flat after warm-up. SOAK_MINUTES (audio per run, default 60), SOAK_SPEED (default 4×),
// SOAK_SESSIONS (server sessions, default 4), SOAK_PHASES (default "embedded,server").
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
import { startServer } from "../src/server/server.js";
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
	wallSeconds: number;
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
const speed = Number(process.env.SOAK_SPEED ?? 4);
const sessions = Number(process.env.SOAK_SESSIONS ?? 4);
const phases = (process.env.SOAK_PHASES ?? "embedded,server").split(",");
const MAX_GROWTH = 0.05;
/** The first fifth of a run loads models and fills pools: not counted. */
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
): Promise<{ phrases: number; error?: string }> {
	const push = AudioInputStream.createPushStream();
	const recognizer = new SpeechRecognizer(
		config,
		AudioConfig.fromStreamInput(push),
	);
	let heard = 0;
	let phrases = 0;
	let error: string | undefined;
	const track = (offset: number, duration: number) => {
		heard = Math.max(heard, (offset + duration) / 1e7);
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
	return { phrases, error };
}

/** Samples memory and handles every `intervalMs` (after a GC when --expose-gc is on). */
function sampler(intervalMs: number) {
	const samples: SoakSample[] = [];
	const t0 = performance.now();
	const gc = (globalThis as { gc?: () => void }).gc;
	const take = () => {
		gc?.();
		samples.push({
			seconds: round((performance.now() - t0) / 1000, 1),
			rssMiB: round(process.memoryUsage.rss() / 2 ** 20, 1),
			heapMiB: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
			handles: process.getActiveResourcesInfo().length,
		});
	};
	take();
	const timer = setInterval(take, intervalMs);
	return {
		stop(): SoakSample[] {
			clearInterval(timer);
			take();
			return samples;
		},
	};
}

async function phase(
	name: string,
	count: number,
	run: () => Promise<{ phrases: number; error?: string }[]>,
): Promise<SoakPhase> {
	const audioSeconds = minutes * 60;
	const intervalMs = Math.max(1000, (audioSeconds / speed / 150) * 1000);
	log(
		`${name}: ${minutes} min of audio at ${speed}× in ${count} session(s), about ${round(audioSeconds / speed / 60, 1)} min...`,
	);
	const start = performance.now();
	const sampling = sampler(intervalMs);
	const outcomes = await run();
	const samples = sampling.stop();
	const wallSeconds = (performance.now() - start) / 1000;
	const after = samples.filter((s) => s.seconds >= wallSeconds * WARMUP);
	const tenth = Math.max(1, Math.floor(after.length / 10));
	const median = (list: SoakSample[], key: "rssMiB" | "handles") =>
		summarize(list.map((s) => s[key])).median;
	const rssAfterWarmupMiB = median(after.slice(0, tenth), "rssMiB");
	const rssEndMiB = median(after.slice(-tenth), "rssMiB");
	const handlesAfterWarmup = median(after.slice(0, tenth), "handles");
	const handlesEnd = median(after.slice(-tenth), "handles");
	const rssGrowth = round(rssEndMiB / rssAfterWarmupMiB - 1, 4);
	const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
	const result: SoakPhase = {
		name,
		sessions: count,
		audioSeconds,
		wallSeconds: round(wallSeconds, 1),
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
		`${name}: RSS ${rssAfterWarmupMiB} → ${rssEndMiB} MiB (${round(rssGrowth * 100, 1)} %), handles ${handlesAfterWarmup} → ${handlesEnd}, ${result.phrases} phrases, ${errors.length} errors: ${result.ok ? "ok" : "FAIL"}`,
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
	return phase("embedded", 1, async () => [
		await stream(config, pcm, minutes * 60, speed),
	]);
}

async function serverPhase(): Promise<SoakPhase> {
	const server = await startServer({
		port: 0,
		log: false,
		maxSessions: sessions,
		engine: { engine: ENGINE },
	});
	const served = await phase("server", sessions, () =>
		Promise.all(
			Array.from({ length: sessions }, (_, i) =>
				stream(
					SpeechConfig.fromHost(server.url),
					pcm,
					(minutes * 60) / sessions,
					speed / sessions,
					Math.floor((i * pcm.length) / sessions),
				),
			),
		),
	);
	await server.close();
	return served;
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
