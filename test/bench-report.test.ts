import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, test } from "node:test";
import { writeReport } from "../bench/report.js";
import type { SoakPhase, SoakResult } from "../bench/soak.js";

const summary = (median: number, min: number, max: number, n = 5) => ({
	median,
	min,
	max,
	n,
});

const results = {
	date: "2026-11-24T03:25:01.657Z",
	machine: "Test CPU @ 3 GHz, 2 cores, 24 GiB, Node v20.20.2",
	commit: "abc1234",
	speech: "flite (6 sentences)",
	cpu: {
		audioSeconds: 155.3,
		runs: 3,
		earshot: {
			cpuSeconds: summary(31.12, 30.36, 31.48, 3),
			rtf: 0.2003,
			peakRssMiB: summary(191.3, 186.1, 199.9, 3),
			wer: 0.3267,
		},
		pocketsphinx: {
			cpuSeconds: summary(29.93, 29.68, 30.16, 3),
			rtf: 0.1927,
			peakRssMiB: summary(112.3, 112.3, 112.5, 3),
			wer: 0.3366,
		},
		cpuRatio: summary(1.0486, 1.0066, 1.0518, 3),
	},
	latency: {
		"PocketSphinx (fwdtree+bestpath)": {
			...latency(0),
			microphone: {
				utterances: 8,
				captureChunkMs: summary(20, 20, 40, 148),
				firstPartialMs: { ...summary(198, 122, 534, 8), p95: 534 },
				finalizationOverheadMs: { ...summary(260, -31, 538, 8), p95: 538 },
			},
		},
		"PocketSphinx before (fwdtree+fwdflat+bestpath)": {
			...latency(300),
			microphone:
				"PulseAudio is not installed (apt-get install pulseaudio pulseaudio-utils)",
		},
	},
	sherpa: { streaming: { rtf: summary(0.081, 0.07, 0.09) } },
	server: {
		"PocketSphinx (fwdtree+bestpath)": {
			engine: "PocketSphinx (fwdtree+bestpath)",
			serverAddedMs: { ...summary(12, -20, 61, 5), p95: 48 },
			cores: 2,
			sweep: {
				criterion: "p95 finalization ≤ 1000 ms",
				steps: [1, 2, 4, 8].map((streams) => ({
					streams,
					utterances: streams * 6,
					errors: 0,
					finalizationMs: {
						...summary(600 + streams * 10, 500, 900 + streams * 50),
						p95: 800 + streams * 40,
					},
					finalizationOverheadMs: {
						...summary(100 + streams * 10, 0, 400 + streams * 50),
						p95: 300 + streams * 40,
					},
					serverCpuCores: streams * 0.2,
					cpuPerStreamCores: 0.2,
					serverRssMiB: 150 + streams * 9,
				})),
				maxStreams: 8,
			},
			cpuOverhead: {
				audioSeconds: 155.3,
				serverCpuSeconds: summary(31.9, 31.5, 32.4),
				embeddedCpuSeconds: summary(31.1, 30.4, 31.5),
				ratio: summary(1.027, 1.01, 1.05),
			},
			memory: {
				idleRssMiB: 180,
				perSession: [
					{ streams: 1, rssMiB: 270, perSessionMiB: 90 },
					{ streams: 4, rssMiB: 540, perSessionMiB: 90, marginalMiB: 90 },
				],
			},
		},
	},
};

function latency(slower: number) {
	return {
		utterances: 19,
		segmentationSilenceMs: 500,
		firstPartialMs: { ...summary(268, 176, 936, 19), p95: 900 },
		finalizationMs: { ...summary(756 + slower, -312, 1698, 19), p95: 1650 },
		finalizationOverheadMs: {
			...summary(256 + slower, -812, 1198, 19),
			p95: 1150,
		},
		finalizationByLength: [
			[1.8, 40 + slower / 10],
			[5.1, 90 + slower / 3],
			[16.7, 120 + slower],
		],
		stopMs: { ...summary(441, 112, 2678), p95: 2600 },
		stopFlushedPhrases: 5,
	};
}

const figures = (wer: number, cpu: number, rss: number) => ({
	cpuSeconds: summary(cpu, cpu - 0.5, cpu + 0.5, 3),
	rtf: Number((cpu / 155.3).toFixed(4)),
	wallRtf: Number((cpu / 155.3 / 1.6).toFixed(4)),
	peakRssMiB: summary(rss, rss - 2, rss + 2, 3),
	wer,
});

const peers = {
	audioSeconds: 155.3,
	runs: 3,
	model: "moonshine-base-en",
	earshot: figures(0.0412, 24.5, 412.4),
	earshotWithoutPartials: figures(0.0412, 20.1, 405),
	sherpa: figures(0.0398, 19.6, 380),
	fasterWhisper: figures(0.0661, 31, 520),
	cpuRatio: summary(1.2501, 1.2, 1.31, 3),
	cpuRatioWithoutPartials: summary(1.0255, 1.01, 1.04, 3),
};

/** bench/sherpa.ts on the best installed model: Moonshine, with its paced-stream latencies. */
const moonshine = {
	model: "moonshine-base-en",
	streaming: false,
	runs: 3,
	...figures(0.0412, 20.3, 407),
	latency: {
		...latency(0),
		firstPartialMs: { ...summary(412, 301, 880, 19), p95: 850 },
		finalizationMs: { ...summary(690, 610, 1020, 19), p95: 980 },
	},
};

function soakPhase(name: string, rss: number[]): SoakPhase {
	return {
		name,
		sessions: name === "server" ? 4 : 1,
		audioSeconds: 3600,
		plannedSeconds: 900,
		wallSeconds: 900,
		warmupSeconds: 180,
		phrases: 800,
		errors: [],
		samples: rss.map((rssMiB, i) => ({
			seconds: i * 60,
			rssMiB,
			heapMiB: 40,
			handles: 6,
		})),
		rssAfterWarmupMiB: rss[3],
		rssEndMiB: rss.at(-1) as number,
		rssGrowth: 0.0123,
		handlesAfterWarmup: 6,
		handlesEnd: 6,
		ok: true,
	};
}

function soak(date: string): SoakResult {
	return {
		date,
		machine: "soak machine",
		speech: "flite",
		minutes: 60,
		speed: 4,
		maxGrowth: 0.05,
		ok: true,
		phases: [
			soakPhase("embedded", [120, 170, 181, 182, 183, 183, 184]),
			soakPhase("server", [190, 230, 236, 237, 238, 238, 239]),
		],
	};
}

/** A small XML check: balanced tags, one root, and numbers wherever coordinates go. */
function assertWellFormedSvg(svg: string, name: string): void {
	const stack: string[] = [];
	let roots = 0;
	for (const match of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
		const [, closing, tag, attributes, selfClosing] = match;
		if (closing) {
			assert.equal(stack.pop(), tag, `${name}: </${tag}> closes nothing`);
			continue;
		}
		if (stack.length === 0) roots++;
		for (const [, key, value] of attributes.matchAll(/([\w-]+)="([^"]*)"/g)) {
			if (/^(x|y|x1|x2|y1|y2|cx|cy|r|width|height)$/.test(key))
				assert.ok(
					Number.isFinite(Number(value)),
					`${name}: ${tag} ${key}="${value}"`,
				);
			if (key === "points")
				for (const pair of value.split(" "))
					assert.ok(
						/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(pair),
						`${name}: point ${pair}`,
					);
		}
		if (!selfClosing) stack.push(tag);
	}
	assert.deepEqual(stack, [], `${name}: unclosed ${stack.join(", ")}`);
	assert.equal(roots, 1, `${name}: one root element`);
	assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
	assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
	// Text between tags never holds a raw < or &.
	for (const text of svg.split(/<[^>]*>/))
		assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/);
}

describe("writeReport", () => {
	test("writes REPORT.md and a well-formed SVG per plot", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		const files = writeReport({ ...results, soak: soak("2026-11-24") }, dir);
		assert.deepEqual(files.map((f) => basename(f)).sort(), [
			"REPORT.md",
			"finalization-length.svg",
			"latency.svg",
			"rtf.svg",
			"server-sweep.svg",
			"soak-rss.svg",
		]);
		for (const file of files.filter((f) => f.endsWith(".svg")))
			assertWellFormedSvg(readFileSync(file, "utf8"), basename(file));
		const report = readFileSync(join(dir, "REPORT.md"), "utf8");
		for (const plot of [
			"latency",
			"finalization-length",
			"rtf",
			"server-sweep",
			"soak-rss",
		])
			assert.match(report, new RegExp(`\\]\\(plots/${plot}\\.svg\\)`));
	});

	test("tables hold the medians with min–max, the ratios and the machine", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		writeReport({ ...results, soak: soak("2026-11-24") }, dir);
		const report = readFileSync(join(dir, "REPORT.md"), "utf8");
		for (const expected of [
			"Test CPU @ 3 GHz, 2 cores, 24 GiB",
			"| earshot | 31.12 s (30.36–31.48) | 0.2003 | 191 MiB (186–200) | 32.7 % |",
			"| pocketsphinx_continuous | 29.93 s (29.68–30.16) | 0.1927 |",
			"1.049× (1.007–1.052)",
			"| PocketSphinx (fwdtree+bestpath) | speech onset → first recognizing | 268 ms (176–936) | 900 ms | 19 |",
			"| PocketSphinx (fwdtree+bestpath) | end of speech → recognized (silence 500 ms) | 756 ms (-312–1698) | 1650 ms |",
			"| PocketSphinx before (fwdtree+fwdflat+bestpath) | … beyond the silence | 556 ms (-812–1198) | 1150 ms |",
			"| PocketSphinx (fwdtree+bestpath) | stop → sessionStopped | 441 ms (112–2678) | 2600 ms |",
			"| PocketSphinx (fwdtree+bestpath) | mic onset → first recognizing | 198 ms (122–534) | 534 ms | 8 |",
			"| PocketSphinx (fwdtree+bestpath) | mic … beyond the silence | 260 ms (-31–538) | 538 ms | 8 |",
			"recognized from the default microphone, which handed over pieces of 20 ms (20–40);",
			"- PocketSphinx before (fwdtree+fwdflat+bestpath), microphone: skipped, PulseAudio is not installed (apt-get install pulseaudio pulseaudio-utils).",
			"### PocketSphinx (fwdtree+bestpath)",
			"minus embedded, same audio, per utterance: median **12 ms**, p95 48 ms (-20–61)",
			"| 4 | 540 MiB | 90.0 MiB | 90.0 MiB |",
			"| sherpa streaming | 0.0810 (0.0700–0.0900) |",
			"| 8 | 48 | 0 | 180 ms (0–800) | 620 ms | 1.60 | 0.200 | 222 MiB |",
			"Most concurrent streams within the bound: **8**",
			"| ratio server / embedded | 1.027× (1.010–1.050) |",
			"| embedded | 1 | 60.0 min | 15.0 min | 182 → 184 MiB | 1.2 % | 6 → 6 | ok |",
		])
			assert.ok(report.includes(expected), `missing: ${expected}\n${report}`);
	});

	test("Moonshine against its peers: both earshot rows, both ratios, the goals, and its latencies beside them", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		writeReport({ ...results, sherpa: moonshine, peers }, dir);
		const report = readFileSync(join(dir, "REPORT.md"), "utf8");
		const section = report.slice(
			report.indexOf("## Moonshine against its peers"),
		);
		for (const expected of [
			"155.3 s of speech, 3 alternating runs each",
			"| earshot + moonshine-base-en, partials | 4.1 % | 24.50 s (24.00–25.00) | 0.1578 | 0.0986 | 412 MiB (410–414) |",
			"| earshot + moonshine-base-en, no partials | 4.1 % | 20.10 s (19.60–20.60) |",
			"| sherpa-onnx (Python), same VAD segments | 4.0 % | 19.60 s (19.10–20.10) |",
			"| faster-whisper tiny.en (int8) | 6.6 % | 31.00 s (30.50–31.50) |",
			"CPU ratio earshot / raw sherpa-onnx: **1.250×** (1.200–1.310) with partials, **1.026×** (1.010–1.040) without (goal ≤ 1.10×: **not met** with partials, met without).",
			"WER goals: within 0.5 points of raw sherpa-onnx met; below faster-whisper tiny.en met; ≤ 8 % met.",
			"earshot + moonshine-base-en, 19 utterances pushed at real-time pace",
			"| speech onset → first recognizing | 412 ms | 850 ms | 301–880 ms |",
			"| end of speech → recognized (silence 500 ms) | 690 ms | 980 ms | 610–1020 ms |",
		])
			assert.ok(section.includes(expected), `missing: ${expected}\n${section}`);
		// Its runs are in the RTF table too, by name.
		assert.match(report, /\| earshot \+ Moonshine, no partials \| 0\.12/);
		assert.match(report, /\| faster-whisper tiny\.en \| 0\.19/);

		// Latencies of another model are not Moonshine's.
		const other = mkdtempSync(join(tmpdir(), "earshot-report-"));
		writeReport({ peers, sherpa: { ...moonshine, model: "other" } }, other);
		const without = readFileSync(join(other, "REPORT.md"), "utf8");
		assert.match(without, /## Moonshine against its peers/);
		assert.doesNotMatch(without, /first recognizing/);
	});

	test("a skipped peers bench leaves its reason in one line", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		writeReport(
			{
				peers:
					"moonshine-base-en is not installed (earshot models pull moonshine-base-en)",
			},
			dir,
		);
		assert.match(
			readFileSync(join(dir, "REPORT.md"), "utf8"),
			/\n## Moonshine against its peers\n\nSkipped: moonshine-base-en is not installed \(earshot models pull moonshine-base-en\)\.\n$/,
		);
	});

	test("reads the newest bench/results/soak-*.json when the results hold no soak", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		mkdirSync(join(dir, "results"));
		for (const date of ["2026-11-20", "2026-11-24", "2026-11-22"])
			writeFileSync(
				join(dir, "results", `soak-${date}.json`),
				JSON.stringify(soak(date)),
			);
		writeReport({ latency: results.latency }, dir);
		const report = readFileSync(join(dir, "REPORT.md"), "utf8");
		assert.match(
			report,
			/## Soak\n\n2026-11-24 on soak machine: \*\*passed\*\*/,
		);
	});

	test("missing sections are left out, not failed on", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-report-"));
		assert.deepEqual(
			writeReport({}, dir).map((f) => basename(f)),
			["REPORT.md"],
		);
		const report = readFileSync(join(dir, "REPORT.md"), "utf8");
		assert.match(report, /^# earshot benchmark report/);
		assert.doesNotMatch(report, /## /);

		const partial = mkdtempSync(join(tmpdir(), "earshot-report-"));
		const files = writeReport(
			{ cpu: results.cpu, server: { cores: 2 } },
			partial,
		).map((f) => basename(f));
		assert.deepEqual(files.sort(), ["REPORT.md", "rtf.svg"]);
	});
});
