// bench/REPORT.md from a results object (bench/results/<date>.json) and the latest soak run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { type ModelLatency, type PeersResult, peersSection } from "./peers.js";
import type { ServerBenchResult } from "./server.js";
import type { SoakResult } from "./soak.js";
import type { Summary } from "./stats.js";
import {
	barChart,
	lineChart,
	type Range,
	rangeChart,
	type Series,
} from "./svg.js";

/** This machine, as the report names it: figures mean little without it. */
export function machineName(): string {
	return `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

type WithP95 = Summary & { p95?: number };

/** The sections of a results file that the report reads; any of them may be missing. */
interface Results {
	date?: string;
	machine?: string;
	commit?: string;
	speech?: string;
	cpu?: {
		audioSeconds: number;
		runs: number;
		earshot: Side;
		pocketsphinx: Side;
		cpuRatio: Summary;
	};
	/** One engine's latency (older results), or each engine's by its label. */
	latency?: Latency | Record<string, Latency>;
	/** One engine's server figures (older results), or each engine's by its label. */
	server?: Server | Record<string, Server>;
	soak?: SoakResult;
	peers?: PeersResult | string;
	sherpa?: ModelLatency;
}

interface Latency {
	utterances: number;
	segmentationSilenceMs: number;
	firstPartialMs: WithP95;
	finalizationMs: WithP95;
	finalizationOverheadMs?: WithP95;
	finalizationByLength?: [number, number][];
	stopMs: WithP95;
	/** The same speech through the default microphone, or why that was skipped. */
	microphone?: MicrophoneLatency | string;
}

interface MicrophoneLatency {
	utterances: number;
	captureChunkMs: Summary;
	firstPartialMs: WithP95;
	finalizationOverheadMs: WithP95;
}

interface Server {
	engine?: string;
	serverAddedMs?: WithP95;
	cores?: number;
	/** The JavaScript and Python SDKs, one at a time, on the same slices. */
	clients?: {
		runs: number;
		audioSeconds: number;
		javascript: ClientFinalization;
		python?: ClientFinalization;
	};
	sweep?: {
		criterion?: string;
		steps: {
			streams: number;
			utterances: number;
			errors: number;
			finalizationMs: WithP95;
			finalizationOverheadMs?: WithP95;
			serverCpuCores?: number;
			cpuPerStreamCores?: number;
			serverRssMiB?: number;
		}[];
		maxStreams?: number;
	};
	cpuOverhead?: {
		audioSeconds: number;
		serverCpuSeconds: Summary;
		embeddedCpuSeconds: Summary;
		ratio: Summary;
	};
	memory?: ServerBenchResult["memory"];
}

/** Results by engine: older files hold one engine's figures where newer ones hold a record. */
function byEngine<T extends object>(
	value: T | Record<string, T> | undefined,
	single: keyof T,
	name: string,
): [string, T][] {
	if (!value) return [];
	return single in value
		? [[name, value as T]]
		: Object.entries(value as Record<string, T>);
}

interface ClientFinalization {
	utterances: number;
	errors: number;
	finalizationMs: WithP95;
}

interface Side {
	cpuSeconds: Summary;
	rtf: number;
	peakRssMiB: Summary;
	wer: number;
}

const fixed = (n: number, digits: number) => n.toFixed(digits);
/** "median (min–max)": every figure is a median of repeated runs. */
const spread = (
	s: Pick<Summary, "median" | "min" | "max">,
	digits = 0,
	unit = "",
) =>
	`${fixed(s.median, digits)}${unit} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const table = (header: string[], rows: string[][]) =>
	[header, header.map(() => "---"), ...rows]
		.map((cells) => `| ${cells.join(" | ")} |`)
		.join("\n");
const isSummary = (v: unknown): v is Summary =>
	typeof v === "object" &&
	v !== null &&
	["median", "min", "max"].every(
		(k) => typeof (v as Record<string, unknown>)[k] === "number",
	);

/**
 * Writes `dir`/REPORT.md and its plots under `dir`/plots. The soak section comes from
 * `results.soak`, else from the newest `dir`/results/soak-*.json. Returns the files written.
 */
export function writeReport(results: object, dir: string): string[] {
	const r = results as Results;
	const soak = r.soak ?? latestSoak(join(dir, "results"));
	const plots: Record<string, string> = {};
	const sections = [
		header(r),
		cpuSection(r),
		latencySection(r, plots),
		rtfSection(r, plots),
		serverSection(r, plots),
		peersSection(r.peers, r.sherpa),
		soak ? soakSection(soak, plots) : undefined,
	].filter((s): s is string => s !== undefined);
	mkdirSync(join(dir, "plots"), { recursive: true });
	const written = Object.entries(plots).map(([name, svg]) => {
		const file = join(dir, "plots", name);
		writeFileSync(file, svg);
		return file;
	});
	const report = join(dir, "REPORT.md");
	writeFileSync(report, `${sections.join("\n\n")}\n`);
	return [report, ...written];
}

function latestSoak(resultsDir: string): SoakResult | undefined {
	let names: string[];
	try {
		names = readdirSync(resultsDir);
	} catch {
		return undefined;
	}
	const newest = names
		.filter((n) => /^soak-.*\.json$/.test(n))
		.sort()
		.at(-1);
	return newest
		? (JSON.parse(readFileSync(join(resultsDir, newest), "utf8")) as SoakResult)
		: undefined;
}

function header(r: Results): string {
	const lines = [
		"# earshot benchmark report",
		"",
		"Generated by `npm run bench`. Every figure is the median over repeated runs, with min–max in brackets; ratios are medians of per-run ratios, measured side by side in the same run.",
		"",
	];
	if (r.machine) lines.push(`- Machine: ${r.machine}`);
	if (r.date) lines.push(`- Date: ${r.date}`);
	if (r.commit) lines.push(`- Commit: ${r.commit}`);
	if (r.speech) lines.push(`- Speech: ${r.speech}`);
	return lines.join("\n");
}

function cpuSection(r: Results): string | undefined {
	const cpu = r.cpu;
	if (!cpu) return undefined;
	const side = (s: Side) => [
		spread(s.cpuSeconds, 2, " s"),
		String(s.rtf),
		spread(s.peakRssMiB, 0, " MiB"),
		percent(s.wer),
	];
	return [
		`## CPU and accuracy: earshot against raw pocketsphinx_continuous`,
		"",
		`${cpu.audioSeconds} s of speech, ${cpu.runs} alternating runs each.`,
		"",
		table(
			["", "CPU time", "RTF (CPU / audio)", "peak RSS", "WER"],
			[
				["earshot", ...side(cpu.earshot)],
				["pocketsphinx_continuous", ...side(cpu.pocketsphinx)],
			],
		),
		"",
		`CPU ratio earshot / raw: **${spread(cpu.cpuRatio, 3, "×")}**.`,
	].join("\n");
}

function latencySection(
	r: Results,
	plots: Record<string, string>,
): string | undefined {
	const engines = byEngine(r.latency, "firstPartialMs", "PocketSphinx");
	if (engines.length === 0) return undefined;
	const silence = engines[0][1].segmentationSilenceMs;
	const rows = engines.flatMap(([engine, l]): [string, string, WithP95][] => [
		[engine, "speech onset → first recognizing", l.firstPartialMs],
		[
			engine,
			`end of speech → recognized (silence ${silence} ms)`,
			l.finalizationMs,
		],
		...(l.finalizationOverheadMs
			? [
					[engine, "… beyond the silence", l.finalizationOverheadMs] as [
						string,
						string,
						WithP95,
					],
				]
			: []),
		[engine, "stop → sessionStopped", l.stopMs],
		...(typeof l.microphone === "object"
			? [
					[
						engine,
						"mic onset → first recognizing",
						l.microphone.firstPartialMs,
					] as [string, string, WithP95],
					[
						engine,
						"mic … beyond the silence",
						l.microphone.finalizationOverheadMs,
					] as [string, string, WithP95],
				]
			: []),
	]);
	plots["latency.svg"] = rangeChart(
		"Latency, stream paced at real time",
		"ms",
		rows.map(([engine, label, s]) => ({
			label: `${engine.split(" (")[0]}: ${label.split(" (")[0]}`.slice(0, 26),
			...s,
		})),
	);
	const parts = [
		"## Latency",
		"",
		`${engines[0][1].utterances} utterances pushed at real-time pace, each engine in turn. Speech runs from the reference's first word to its last: the later start and the earlier end of the loud 10 ms frames (above −40 dBFS) and of a forced alignment of the reference.`,
		"",
		table(
			["engine", "", "median (min–max)", "p95", "n"],
			rows.map(([engine, label, s]) => [
				engine,
				label,
				spread(s, 0, " ms"),
				s.p95 === undefined ? "" : `${s.p95} ms`,
				String(s.n),
			]),
		),
		"",
		...engines.flatMap(([engine, l]) => {
			const m = l.microphone;
			if (m === undefined) return [];
			return typeof m === "string"
				? [`- ${engine}, microphone: skipped, ${m}.`]
				: [
						`- ${engine}, mic (microphone): the first ${m.utterances} utterances played into PulseAudio's null sink and recognized from the default microphone, which handed over pieces of ${spread(m.captureChunkMs, 0, " ms")}; latency counts from when a capture reading every 20 ms heard the sound.`,
					];
		}),
		"",
		"![latency](plots/latency.svg)",
	];
	const byLength = engines.filter(([, l]) => l.finalizationByLength?.length);
	if (byLength.length > 0) {
		plots["finalization-length.svg"] = lineChart(
			"Finalization beyond the silence against phrase length",
			"s of speech in the utterance",
			"ms",
			byLength.map(([engine, l]) => ({
				name: engine.split(" (")[0],
				points: l.finalizationByLength ?? [],
			})),
		);
		parts.push("", "![finalization by length](plots/finalization-length.svg)");
	}
	return parts.join("\n");
}

const RTF_LABELS: Record<string, string> = {
	"cpu earshot": "earshot, PocketSphinx",
	"cpu pocketsphinx": "pocketsphinx_continuous",
	"peers earshot": "earshot + Moonshine, partials",
	"peers earshotWithoutPartials": "earshot + Moonshine, no partials",
	"peers sherpa": "sherpa-onnx (Python), Moonshine",
	"peers fasterWhisper": "faster-whisper tiny.en",
};

/** Every `rtf` in the results, wherever a bench put it, named by its path. */
function findRtfs(value: unknown, path: string[] = []): Range[] {
	if (typeof value !== "object" || value === null) return [];
	return Object.entries(value).flatMap(([key, v]): Range[] => {
		if (key === "soak") return [];
		const label = path.join(" ") || key;
		if (key === "rtf" && typeof v === "number")
			return [{ label, median: v, min: v, max: v }];
		if (key === "rtf" && isSummary(v)) return [{ label, ...v }];
		return findRtfs(v, [...path, key]);
	});
}

function rtfSection(
	r: Results,
	plots: Record<string, string>,
): string | undefined {
	const rtfs = findRtfs(r).map((x) => ({
		...x,
		label: RTF_LABELS[x.label] ?? x.label,
	}));
	if (rtfs.length === 0) return undefined;
	plots["rtf.svg"] = barChart(
		"Real-time factor per engine (lower is faster)",
		"CPU seconds per second of audio",
		rtfs,
	);
	return [
		"## Real-time factor per engine",
		"",
		table(
			["engine", "RTF median (min–max)"],
			rtfs.map((x) => [
				x.label,
				x.min === x.max ? String(x.median) : spread(x, 4),
			]),
		),
		"",
		"![RTF per engine](plots/rtf.svg)",
	].join("\n");
}

function serverSection(
	r: Results,
	plots: Record<string, string>,
): string | undefined {
	const engines = byEngine(r.server, "cores", "PocketSphinx").filter(
		([, server]) => server.sweep || server.cpuOverhead,
	);
	if (engines.length === 0) return undefined;
	const parts = ["## Server: embedded against server"];
	const series: Series[] = [];
	for (const [engine, server] of engines) {
		parts.push("", `### ${engine}`);
		if (server.serverAddedMs)
			parts.push(
				"",
				`Finalization at an official-SDK client minus embedded, same audio, per utterance: median **${server.serverAddedMs.median} ms**, p95 ${server.serverAddedMs.p95} ms (${server.serverAddedMs.min}–${server.serverAddedMs.max}).`,
			);
		const clients = server.clients;
		if (clients) {
			const row = (name: string, c: ClientFinalization) => [
				name,
				String(c.utterances),
				String(c.errors),
				`${c.finalizationMs.median} ms`,
				c.finalizationMs.p95 === undefined ? "" : `${c.finalizationMs.p95} ms`,
			];
			parts.push(
				"",
				`Finalization latency (end of speech → \`recognized\`) as each official SDK sees it: the same ${clients.audioSeconds} s of speech in ${clients.runs} real-time streams, one client at a time.`,
				"",
				table(
					["client", "utterances", "errors", "p50", "p95"],
					[
						row("JavaScript SDK", clients.javascript),
						...(clients.python ? [row("Python SDK", clients.python)] : []),
					],
				),
			);
		}
		const steps = server.sweep?.steps ?? [];
		if (steps.length > 0) {
			const beyond = (s: (typeof steps)[number]) =>
				s.finalizationOverheadMs ?? s.finalizationMs;
			parts.push(
				"",
				`Concurrent real-time streams through \`earshot serve\`${server.sweep?.criterion ? `; ${server.sweep.criterion}` : ""}.`,
				"",
				table(
					[
						"streams",
						"utterances",
						"errors",
						steps[0].finalizationOverheadMs
							? "finalization beyond the silence, median (min–max)"
							: "finalization median (min–max)",
						"p95",
						"server CPU (cores)",
						"CPU per stream",
						"server RSS",
					],
					steps.map((s) => [
						String(s.streams),
						String(s.utterances),
						String(s.errors),
						spread(beyond(s), 0, " ms"),
						beyond(s).p95 === undefined ? "" : `${beyond(s).p95} ms`,
						s.serverCpuCores === undefined ? "" : fixed(s.serverCpuCores, 2),
						s.cpuPerStreamCores === undefined
							? ""
							: fixed(s.cpuPerStreamCores, 3),
						s.serverRssMiB === undefined
							? ""
							: `${fixed(s.serverRssMiB, 0)} MiB`,
					]),
				),
			);
			if (server.sweep?.maxStreams !== undefined)
				parts.push(
					"",
					`Most concurrent streams within the bound: **${server.sweep.maxStreams}**.`,
				);
			if (steps.every((s) => beyond(s).p95 !== undefined))
				series.push({
					name: `${engine.split(" (")[0]} p95`,
					points: steps.map((s) => [s.streams, beyond(s).p95 as number]),
				});
		}
		const memory = server.memory;
		if (memory?.perSession.length)
			parts.push(
				"",
				table(
					["streams", "server RSS", "(RSS − idle) / N", "each further session"],
					memory.perSession.map((m) => [
						String(m.streams),
						`${fixed(m.rssMiB, 0)} MiB`,
						`${fixed(m.perSessionMiB, 1)} MiB`,
						m.marginalMiB === undefined ? "" : `${fixed(m.marginalMiB, 1)} MiB`,
					]),
				),
				"",
				`Idle server: ${fixed(memory.idleRssMiB, 0)} MiB.`,
			);
		const overhead = server.cpuOverhead;
		if (overhead)
			parts.push(
				"",
				table(
					[`CPU for ${overhead.audioSeconds} s of speech`, "median (min–max)"],
					[
						["server process", spread(overhead.serverCpuSeconds, 2, " s")],
						["embedded", spread(overhead.embeddedCpuSeconds, 2, " s")],
						["ratio server / embedded", spread(overhead.ratio, 3, "×")],
					],
				),
			);
	}
	if (series.length > 0) {
		plots["server-sweep.svg"] = lineChart(
			"Finalization latency against concurrent streams",
			"concurrent real-time streams",
			"ms",
			series,
		);
		parts.push("", "![concurrency sweep](plots/server-sweep.svg)");
	}
	return parts.join("\n");
}

function soakSection(soak: SoakResult, plots: Record<string, string>): string {
	plots["soak-rss.svg"] = lineChart(
		"RSS over time in the soak",
		"minutes",
		"RSS (MiB)",
		soak.phases.map((p) => ({
			name: p.name,
			points: p.samples.map((s) => [s.seconds / 60, s.rssMiB]),
		})),
	);
	return [
		"## Soak",
		"",
		`${soak.date}${soak.machine ? ` on ${soak.machine}` : ""}: ${soak.ok ? "**passed**" : "**FAILED**"} (growth after warm-up must stay within ${percent(soak.maxGrowth)}).`,
		"",
		table(
			[
				"run",
				"sessions",
				"audio",
				"wall",
				"RSS after warm-up → end",
				"RSS growth",
				"handles growth",
				"",
			],
			soak.phases.map((p) => [
				p.name,
				String(p.sessions),
				`${fixed(p.audioSeconds / 60, 1)} min`,
				`${fixed(p.wallSeconds / 60, 1)} min`,
				`${fixed(p.rssAfterWarmupMiB, 0)} → ${fixed(p.rssEndMiB, 0)} MiB`,
				percent(p.rssGrowth),
				`${p.handlesAfterWarmup} → ${p.handlesEnd}`,
				p.ok ? "ok" : "FAIL",
			]),
		),
		"",
		"![RSS over time](plots/soak-rss.svg)",
	].join("\n");
}
