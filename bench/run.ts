// `npm run bench`: earshot's figures, measured side by side with the raw engine in one run.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../test/helpers/shared.js";
import { loadCorpus } from "./corpus.js";
import { benchCpu } from "./cpu.js";
import { benchLatency } from "./latency.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`earshot bench on ${machine}`);
const corpus = loadCorpus();
log(`speech: ${corpus.source}`);
log(
	`cpu: earshot vs pocketsphinx_continuous, ${runs} runs each, alternating...`,
);
const cpu = benchCpu(corpus, runs);
log("latency: a push stream paced at real time...");
const latency = await benchLatency(corpus);

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
};
const dir = join(projectRoot, "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${results.date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

const ms = (s: { median: number; min: number; max: number }) =>
	`${s.median} ms (${s.min}–${s.max})`;
console.log(`
| measure | earshot | pocketsphinx_continuous |
| --- | --- | --- |
| CPU time, ${cpu.audioSeconds} s of speech (median of ${runs}) | ${cpu.earshot.cpuSeconds.median.toFixed(2)} s | ${cpu.pocketsphinx.cpuSeconds.median.toFixed(2)} s |
| CPU ratio, earshot / raw (median, min–max) | ${cpu.cpuRatio.median.toFixed(3)}× (${cpu.cpuRatio.min.toFixed(3)}–${cpu.cpuRatio.max.toFixed(3)}) | 1 |
| real-time factor (CPU / audio) | ${cpu.earshot.rtf} | ${cpu.pocketsphinx.rtf} |
| peak RSS | ${cpu.earshot.peakRssMiB.median.toFixed(0)} MiB | ${cpu.pocketsphinx.peakRssMiB.median.toFixed(0)} MiB |
| WER | ${(cpu.earshot.wer * 100).toFixed(1)} % | ${(cpu.pocketsphinx.wer * 100).toFixed(1)} % |

| latency, stream paced at real time (${latency.utterances} utterances) | median (min–max) |
| --- | --- |
| speech onset → first recognizing | ${ms(latency.firstPartialMs)} |
| end of speech → recognized (silence timeout ${latency.segmentationSilenceMs} ms) | ${ms(latency.finalizationMs)}, p95 ${latency.finalizationMs.p95} ms |
| … beyond the silence timeout | ${ms(latency.finalizationOverheadMs)} |
| stop → sessionStopped (mid-phrase, phrase flushed ${latency.stopFlushedPhrases}/${latency.stopMs.n}) | ${ms(latency.stopMs)} |
`);
log(`results: ${file}`);
