import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scoreTranscript } from "../src/eval/score.js";
import { projectRoot } from "../test/helpers/shared.js";
import { type Corpus, duration } from "./corpus.js";
import { round, type Summary, summarize } from "./stats.js";

interface Measured {
	cpuSeconds: number;
	wallSeconds: number;
	peakRssMiB: number;
	transcript: string;
}

export interface CpuResult {
	audioSeconds: number;
	runs: number;
	earshot: {
		cpuSeconds: Summary;
		rtf: number;
		peakRssMiB: Summary;
		wer: number;
	};
	pocketsphinx: {
		cpuSeconds: Summary;
		rtf: number;
		peakRssMiB: Summary;
		wer: number;
	};
	/** earshot's CPU time over the raw engine's, median of per-run ratios. */
	cpuRatio: Summary;
}

/** earshot against raw `pocketsphinx_continuous` on the same long file, alternating runs. */
export function benchCpu(corpus: Corpus, runs: number): CpuResult {
	const audioSeconds = duration(corpus.long);
	const reference = corpus.utterances.map((u) => u.reference).join(" ");
	const cli = join(projectRoot, "dist", "cli", "main.js");
	const ours: Measured[] = [];
	const raw: Measured[] = [];
	for (let i = 0; i < runs; i++) {
		ours.push(
			measure([process.execPath, cli, "recognize", "--file", corpus.long]),
		);
		raw.push(
			measure([
				"pocketsphinx_continuous",
				"-infile",
				corpus.long,
				"-logfn",
				"/dev/null",
			]),
		);
	}
	const side = (list: Measured[]) => {
		const cpu = summarize(list.map((m) => m.cpuSeconds));
		return {
			cpuSeconds: cpu,
			rtf: round(cpu.median / audioSeconds, 4),
			peakRssMiB: summarize(list.map((m) => round(m.peakRssMiB, 1))),
			wer: round(scoreTranscript(reference, list[0].transcript).wer, 4),
		};
	};
	return {
		audioSeconds: round(audioSeconds, 1),
		runs,
		earshot: side(ours),
		pocketsphinx: side(raw),
		cpuRatio: summarize(
			ours.map((m, i) => round(m.cpuSeconds / raw[i].cpuSeconds, 4)),
		),
	};
}

/** Runs a command under GNU time: CPU (user+sys), wall time and peak RSS of the whole process. */
function measure(command: string[]): Measured {
	const script = `/usr/bin/time -o /tmp/earshot-bench.time -f "%U %S %e %M" "$@"`;
	const transcript = execFileSync("bash", ["-c", script, "bench", ...command], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "ignore"],
		maxBuffer: 64 * 1024 * 1024,
	});
	const [user, sys, wall, rss] =
		readFileSync("/tmp/earshot-bench.time", "utf8")
			.trim()
			.split("\n")
			.at(-1)
			?.split(" ")
			.map(Number) ?? [];
	return {
		cpuSeconds: user + sys,
		wallSeconds: wall,
		peakRssMiB: rss / 1024,
		transcript,
	};
}
