// `npm run bench`: earshot's figures, each measured side by side with its reference in one run:
// raw pocketsphinx_continuous, embedded against server, PocketSphinx against sherpa, Moonshine
// against raw sherpa-onnx and faster-whisper.
// BENCH_UTTERANCES=3 BENCH_STREAM_SECONDS=5 BENCH_MAX_STREAMS=2 BENCH_RUNS=1 checks the bench
// itself on a short input.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../test/helpers/shared.js";
import { loadCorpus } from "./corpus.js";
import { benchCpu } from "./cpu.js";
import { benchEngines } from "./engines.js";
import { benchLatency, type LatencyResult } from "./latency.js";
import { benchMicrophone, type MicrophoneResult } from "./microphone.js";
import { benchPeers } from "./peers.js";
import { machineName, writeReport } from "./report.js";
import { benchServer, type ServerBenchResult } from "./server.js";
import { benchSherpa } from "./sherpa.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const machine = machineName();
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`earshot bench on ${machine}`);
const corpus = loadCorpus();
log(`speech: ${corpus.source}`);
log(
	`cpu: earshot vs pocketsphinx_continuous, ${runs} runs each, alternating...`,
);
const cpu = benchCpu(corpus, runs);
// Each engine measured in turn, in the same run, so their figures compare.
const engines = await benchEngines();
const latency: Record<
	string,
	LatencyResult & { microphone: MicrophoneResult | string }
> = {};
const server: Record<string, ServerBenchResult> = {};
for (const engine of engines) {
	log(`latency, ${engine.label}: a push stream paced at real time...`);
	const pushed = await benchLatency(corpus, engine.choice);
	log(
		`latency, ${engine.label}: the first utterances through the microphone...`,
	);
	const microphone = await benchMicrophone(corpus, engine.choice);
	if (typeof microphone === "string") log(`microphone: skipped, ${microphone}`);
	latency[engine.label] = { ...pushed, microphone };
}
for (const engine of engines) {
	log(
		`server, ${engine.label}: concurrency sweep, CPU against embedded, memory per session...`,
	);
	server[engine.label] = await benchServer(corpus, engine, runs);
}
log("sherpa: the best installed model, if any...");
const sherpa = await benchSherpa(corpus);
if (!sherpa)
	log("sherpa: no model installed (earshot models pull NAME), section skipped");
log(
	"peers: earshot + Moonshine against raw sherpa-onnx and faster-whisper tiny.en...",
);
const peers = await benchPeers(corpus, Math.min(runs, 3));
if (typeof peers === "string") log(`peers: skipped, ${peers}`);

const results = {
	date: new Date().toISOString(),
	machine,
	commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], {
		cwd: projectRoot,
		encoding: "utf8",
	}).trim(),
	speech: corpus.source,
	cpu,
	latency,
	server,
	...(sherpa ? { sherpa } : {}),
	peers,
};
const benchDir = join(projectRoot, "bench");
mkdirSync(join(benchDir, "results"), { recursive: true });
const file = join(benchDir, "results", `${results.date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeReport(results, benchDir);
console.log(readFileSync(join(benchDir, "REPORT.md"), "utf8"));
log(`results: ${file}, report: bench/REPORT.md`);
