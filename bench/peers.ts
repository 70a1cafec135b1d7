import { existsSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findInstalledModel } from "../src/models/index.js";
import { projectRoot } from "../test/helpers/shared.js";
import { type Corpus, duration } from "./corpus.js";
import { type CliFigures, figures, type Measured, measure } from "./cpu.js";
import { round, type Summary, summarize } from "./stats.js";

const MODEL = "moonshine-base-en";
const VAD = "silero-vad";

/** The venv's Python that scripts/bench.sh fills with the peers (sherpa-onnx, faster-whisper). */
const peersPython = () =>
	process.env.EARSHOT_BENCH_PYTHON ??
	join(homedir(), ".cache", "earshot", "venv-bench", "bin", "python");

/**
 * An application on the built SDK, in plain Node: the file through a SpeechRecognizer on the
 * model, recognized text on stdout. "partials" reads `recognizing`, so partials are decoded;
 * "none" turns them off as `earshot recognize` does when it shows none (a file off a terminal).
 */
const SDK_APP = `
const [sdk, file, model, mode] = process.argv.slice(2);
const { AudioConfig, EmbeddedSpeechConfig, ResultReason, SpeechRecognizer } = await import(sdk);
const config = EmbeddedSpeechConfig.fromDefaults();
config.setSpeechRecognitionModel(model);
const recognizer = new SpeechRecognizer(config, AudioConfig.fromWavFileInput(file));
let partials = 0;
if (mode === "partials") recognizer.recognizing = () => partials++;
else recognizer.decodePartials = false;
recognizer.recognized = (_, e) => {
	if (e.result.reason === ResultReason.RecognizedSpeech) console.log(e.result.text);
};
recognizer.canceled = (_, e) => {
	if (e.errorDetails) {
		console.error(e.errorDetails);
		process.exitCode = 1;
	}
};
const stopped = new Promise((resolve) => { recognizer.sessionStopped = resolve; });
await recognizer.startContinuousRecognition();
await stopped;
await recognizer.dispose();
if (mode === "partials" && partials === 0) throw new Error("no partial was decoded");
`;

/** The app as a file: `node -e` options would reach the engine's worker thread and stop it. */
function sdkApp(corpus: Corpus, mode: "partials" | "none"): string[] {
	const app = join(tmpdir(), "earshot-bench-sdk-app.mjs");
	writeFileSync(app, SDK_APP);
	const sdk = pathToFileURL(join(projectRoot, "dist", "index.js")).href;
	return [process.execPath, app, sdk, corpus.long, MODEL, mode];
}

export interface PeersResult {
	audioSeconds: number;
	runs: number;
	model: string;
	/** An SDK application reading `recognizing`: partials re-decode the open phrase as it grows. */
	earshot: CliFigures;
	/** The same application without partials, as `earshot recognize --file` runs off a terminal. */
	earshotWithoutPartials: CliFigures;
	/** sherpa-onnx's own Python decoder over the same Silero VAD segments: the floor. */
	sherpa: CliFigures;
	/** faster-whisper tiny.en (CTranslate2 int8), what a Python user would pick. */
	fasterWhisper: CliFigures;
	/** earshot's CPU (partials included) over raw sherpa-onnx's, median of per-run ratios. */
	cpuRatio: Summary;
	/** The same without partials. */
	cpuRatioWithoutPartials: Summary;
}

/**
 * earshot + Moonshine base against the raw engine and faster-whisper on the corpus's long
 * file, runs alternating. A one-line reason instead when the model or the peers' venv is missing.
 */
export async function benchPeers(
	corpus: Corpus,
	runs = 3,
): Promise<PeersResult | string> {
	const model = await findInstalledModel(MODEL);
	const vad = await findInstalledModel(VAD);
	if (model?.kind !== "moonshine-v2" || vad?.kind !== "vad")
		return `${MODEL} is not installed (earshot models pull ${MODEL})`;
	const python = peersPython();
	if (!existsSync(python))
		return `no peers venv at ${python} (scripts/bench.sh makes it)`;
	const script = join(projectRoot, "bench", "peers.py");
	const commands = {
		earshot: sdkApp(corpus, "partials"),
		earshotWithoutPartials: sdkApp(corpus, "none"),
		sherpa: [
			python,
			script,
			"sherpa",
			model.files.encoder,
			model.files.mergedDecoder,
			model.files.tokens,
			vad.files.model,
			corpus.long,
		],
		fasterWhisper: [python, script, "faster-whisper", corpus.long],
	};
	const keys = Object.keys(commands) as (keyof typeof commands)[];
	const measured: Record<keyof typeof commands, Measured[]> = {
		earshot: [],
		earshotWithoutPartials: [],
		sherpa: [],
		fasterWhisper: [],
	};
	for (let i = 0; i < runs; i++)
		for (const key of keys) measured[key].push(measure(commands[key]));
	const overRaw = (ours: Measured[]) =>
		summarize(
			ours.map((m, i) =>
				round(m.cpuSeconds / (measured.sherpa[i] as Measured).cpuSeconds, 4),
			),
		);
	return {
		audioSeconds: round(duration(corpus.long), 1),
		runs,
		model: MODEL,
		earshot: figures(corpus, measured.earshot),
		earshotWithoutPartials: figures(corpus, measured.earshotWithoutPartials),
		sherpa: figures(corpus, measured.sherpa),
		fasterWhisper: figures(corpus, measured.fasterWhisper),
		cpuRatio: overRaw(measured.earshot),
		cpuRatioWithoutPartials: overRaw(measured.earshotWithoutPartials),
	};
}

const cell = (s: Summary, digits: number, unit: string) =>
	`${s.median.toFixed(digits)}${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const ratio = (s: Summary) =>
	`**${s.median.toFixed(3)}×** (${s.min.toFixed(3)}–${s.max.toFixed(3)})`;
const met = (ok: boolean) => (ok ? "met" : "**not met**");

type Latency = Summary & { p95?: number };

/** earshot's latencies on a model, as bench/sherpa.ts measures them for the best installed one. */
export interface ModelLatency {
	model?: string;
	latency?: {
		utterances: number;
		segmentationSilenceMs: number;
		firstPartialMs: Latency;
		finalizationMs: Latency;
	};
}

/**
 * REPORT.md's section for `benchPeers`, or its one-line reason for being absent; with earshot's
 * latencies on the same model when the run measured them.
 */
export function peersSection(
	peers: PeersResult | string | undefined,
	measured?: ModelLatency,
): string | undefined {
	if (peers === undefined) return undefined;
	if (typeof peers === "string")
		return `## Moonshine against its peers\n\nSkipped: ${peers}.`;
	const row = (name: string, f: CliFigures) =>
		`| ${name} | ${(f.wer * 100).toFixed(1)} % | ${cell(f.cpuSeconds, 2, " s")} | ${f.rtf} | ${f.wallRtf} | ${cell(f.peakRssMiB, 0, " MiB")} |`;
	const points = (wer: number) => wer * 100;
	const lines = [
		"## Moonshine against its peers",
		"",
		`${peers.audioSeconds} s of speech, ${peers.runs} alternating run${peers.runs === 1 ? "" : "s"} each; CPU is user + system time of the whole process, RTF is CPU (or wall) time over audio time. earshot runs as an application on the SDK, once reading \`recognizing\` (partials re-decode the open phrase as it grows) and once without, as \`earshot recognize --file\` runs off a terminal.`,
		"",
		"| | WER | CPU time | CPU RTF | wall RTF | peak RSS |",
		"| --- | --- | --- | --- | --- | --- |",
		row(`earshot + ${peers.model}, partials`, peers.earshot),
		row(`earshot + ${peers.model}, no partials`, peers.earshotWithoutPartials),
		row("sherpa-onnx (Python), same VAD segments", peers.sherpa),
		row("faster-whisper tiny.en (int8)", peers.fasterWhisper),
		"",
		`CPU ratio earshot / raw sherpa-onnx: ${ratio(peers.cpuRatio)} with partials, ${ratio(peers.cpuRatioWithoutPartials)} without (goal ≤ 1.10×: ${met(peers.cpuRatio.median <= 1.1)} with partials, ${met(peers.cpuRatioWithoutPartials.median <= 1.1)} without).`,
		"",
		`WER goals: within 0.5 points of raw sherpa-onnx ${met(Math.abs(points(peers.earshot.wer) - points(peers.sherpa.wer)) <= 0.5)}; below faster-whisper tiny.en ${met(peers.earshot.wer < peers.fasterWhisper.wer)}; ≤ 8 % ${met(peers.earshot.wer <= 0.08)}.`,
	];
	const latency =
		measured?.model === peers.model ? measured.latency : undefined;
	if (latency) {
		const p95 = (l: Latency) => (l.p95 === undefined ? "" : `${l.p95} ms`);
		lines.push(
			"",
			`earshot + ${peers.model}, ${latency.utterances} utterances pushed at real-time pace (the raw engine and faster-whisper give no partials):`,
			"",
			"| | p50 | p95 | min–max |",
			"| --- | --- | --- | --- |",
			`| speech onset → first recognizing | ${latency.firstPartialMs.median} ms | ${p95(latency.firstPartialMs)} | ${latency.firstPartialMs.min}–${latency.firstPartialMs.max} ms |`,
			`| end of speech → recognized (silence ${latency.segmentationSilenceMs} ms) | ${latency.finalizationMs.median} ms | ${p95(latency.finalizationMs)} | ${latency.finalizationMs.min}–${latency.finalizationMs.max} ms |`,
		);
	}
	return lines.join("\n");
}
