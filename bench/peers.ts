import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findInstalledModel } from "../src/models/index.js";
import { projectRoot } from "../test/helpers/shared.js";
import { type Corpus, duration } from "./corpus.js";
import { type CliFigures, earshotCommand, figures, measure } from "./cpu.js";
import { round, type Summary, summarize } from "./stats.js";

const MODEL = "moonshine-base-en";
const VAD = "silero-vad";

/** The venv's Python that scripts/bench.sh fills with the peers (sherpa-onnx, faster-whisper). */
const peersPython = () =>
	process.env.EARSHOT_BENCH_PYTHON ??
	join(homedir(), ".cache", "earshot", "venv-bench", "bin", "python");

export interface PeersResult {
	audioSeconds: number;
	runs: number;
	model: string;
	/** earshot recognize on Moonshine, partials decoded as the SDK's `recognizing` needs them. */
	earshot: CliFigures;
	/** sherpa-onnx's own Python decoder over the same Silero VAD segments: the floor. */
	sherpa: CliFigures;
	/** faster-whisper tiny.en (CTranslate2 int8), what a Python user would pick. */
	fasterWhisper: CliFigures;
	/** earshot's CPU over raw sherpa-onnx's, median of per-run ratios. */
	cpuRatio: Summary;
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
		earshot: earshotCommand(corpus, ["--model", MODEL]),
		sherpa: [
			python,
			script,
			"sherpa",
			join(model.dir, model.files.encoder),
			join(model.dir, model.files.mergedDecoder),
			join(model.dir, model.files.tokens),
			join(vad.dir, vad.files.model),
			corpus.long,
		],
		fasterWhisper: [python, script, "faster-whisper", corpus.long],
	};
	const measured = { earshot: [], sherpa: [], fasterWhisper: [] } as Record<
		keyof typeof commands,
		ReturnType<typeof measure>[]
	>;
	for (let i = 0; i < runs; i++)
		for (const key of Object.keys(commands) as (keyof typeof commands)[])
			measured[key].push(measure(commands[key]));
	return {
		audioSeconds: round(duration(corpus.long), 1),
		runs,
		model: MODEL,
		earshot: figures(corpus, measured.earshot),
		sherpa: figures(corpus, measured.sherpa),
		fasterWhisper: figures(corpus, measured.fasterWhisper),
		cpuRatio: summarize(
			measured.earshot.map((m, i) =>
				round(m.cpuSeconds / measured.sherpa[i].cpuSeconds, 4),
			),
		),
	};
}

const cell = (s: Summary, digits: number, unit: string) =>
	`${s.median.toFixed(digits)}${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** REPORT.md's section for `benchPeers`, or its one-line reason for being absent. */
export function peersSection(peers: PeersResult | string | undefined): string {
	if (peers === undefined) return "";
	if (typeof peers === "string")
		return `## Moonshine against its peers\n\nSkipped: ${peers}.`;
	const row = (name: string, f: CliFigures) =>
		`| ${name} | ${(f.wer * 100).toFixed(1)} % | ${cell(f.cpuSeconds, 2, " s")} | ${f.rtf} | ${f.wallRtf} | ${cell(f.peakRssMiB, 0, " MiB")} |`;
	return [
		"## Moonshine against its peers",
		"",
		`${peers.audioSeconds} s of speech, ${peers.runs} alternating runs each; CPU is user + system time of the whole process, RTF is CPU (or wall) time over audio time.`,
		"",
		"| | WER | CPU time | CPU RTF | wall RTF | peak RSS |",
		"| --- | --- | --- | --- | --- | --- |",
		row(`earshot + ${peers.model}`, peers.earshot),
		row("sherpa-onnx (Python), same VAD segments", peers.sherpa),
		row("faster-whisper tiny.en (int8)", peers.fasterWhisper),
		"",
		`CPU ratio earshot / raw sherpa-onnx: **${peers.cpuRatio.median.toFixed(3)}×** (${peers.cpuRatio.min.toFixed(3)}–${peers.cpuRatio.max.toFixed(3)}).`,
	].join("\n");
}
