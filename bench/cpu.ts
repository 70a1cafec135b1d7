import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
	DEFAULT_POCKETSPHINX_PASSES,
	passesArgs,
} from "../src/engines/pocketsphinx/engine.js";
import { scoreTranscript } from "../src/eval/score.js";
import { projectRoot } from "../test/helpers/shared.js";
import { type Corpus, duration } from "./corpus.js";
import { round, type Summary, summarize } from "./stats.js";

export interface Measured {
	cpuSeconds: number;
	wallSeconds: number;
	peakRssMiB: number;
	transcript: string;
}

/** One engine's figures on the long file. */
export interface CliFigures {
	cpuSeconds: Summary;
	/** Median CPU time (all threads) over audio time. */
	rtf: number;
	/** Median wall time over audio time. */
	wallRtf: number;
	peakRssMiB: Summary;
	wer: number;
}

export interface CpuResult {
	audioSeconds: number;
	runs: number;
	earshot: CliFigures;
	pocketsphinx: CliFigures;
	/** earshot's CPU time over the raw engine's, median of per-run ratios. */
	cpuRatio: Summary;
}

/** earshot against raw `pocketsphinx_continuous` on the same long file, alternating runs. */
export function benchCpu(corpus: Corpus, runs: number): CpuResult {
	// Explicit: the default would be a sherpa model, were one installed.
	const earshot = earshotCommand(corpus, ["--engine", "pocketsphinx"]);
	const ours: Measured[] = [];
	const raw: Measured[] = [];
	for (let i = 0; i < runs; i++) {
		ours.push(measure(earshot));
		raw.push(
			measure([
				"pocketsphinx_continuous",
				"-infile",
				corpus.long,
				"-logfn",
				"/dev/null",
				// The same passes as earshot's default, so the ratio is earshot's own overhead.
				...passesArgs(DEFAULT_POCKETSPHINX_PASSES),
			]),
		);
	}
	return {
		audioSeconds: round(duration(corpus.long), 1),
		runs,
		earshot: figures(corpus, ours),
		pocketsphinx: figures(corpus, raw),
		cpuRatio: summarize(
			ours.map((m, i) => round(m.cpuSeconds / raw[i].cpuSeconds, 4)),
		),
	};
}

/** `earshot recognize` of the long file, on the built CLI, with engine options. */
export function earshotCommand(corpus: Corpus, engineArgs: string[]): string[] {
	const cli = join(projectRoot, "dist", "cli", "main.js");
	return [
		process.execPath,
		cli,
		"recognize",
		"--file",
		corpus.long,
		...engineArgs,
	];
}

/** Summaries of runs on the long file; WER of the first run's transcript. */
export function figures(corpus: Corpus, runs: Measured[]): CliFigures {
	const audioSeconds = duration(corpus.long);
	const reference = corpus.utterances.map((u) => u.reference).join(" ");
	const cpu = summarize(runs.map((m) => m.cpuSeconds));
	return {
		cpuSeconds: cpu,
		rtf: round(cpu.median / audioSeconds, 4),
		wallRtf: round(
			summarize(runs.map((m) => m.wallSeconds)).median / audioSeconds,
			4,
		),
		peakRssMiB: summarize(runs.map((m) => round(m.peakRssMiB, 1))),
		wer: round(scoreTranscript(reference, runs[0].transcript).wer, 4),
	};
}

/** Runs a command under GNU time: CPU (user+sys), wall time and peak RSS of the whole process. */
export function measure(command: string[]): Measured {
	const script = `/usr/bin/time -o /tmp/earshot-bench.time -f "%U %S %e %M" "$@"`;
	const transcript = execFileSync("bash", ["-c", script, "bench", ...command], {
		encoding: "utf8",
		// stderr is kept so that a failing run says why.
		stdio: ["ignore", "pipe", "pipe"],
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
