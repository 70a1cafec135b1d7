/**
 * How far Moonshine's aligned word times are from PocketSphinx's own word times on the same
 * audio, where both engines heard the same word, and what the alignment costs next to
 * Moonshine's decoding (CPU seconds, side by side in one run).
 *
 *   node --import tsx bench/word-times.ts [--model moonshine-base-en|DIR] [--dataset manifest.tsv]
 */
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import sherpa from "sherpa-onnx-node";
import { PocketSphinxAligner } from "../src/engines/pocketsphinx/align.js";
import { resolveEngine } from "../src/engines/select.js";
import {
	detectorSilenceMs,
	offlineConfigFor,
	VAD_WINDOW,
	vadConfigFor,
} from "../src/engines/sherpa/config.js";
import { readManifest } from "../src/eval/dataset.js";
import {
	AudioConfig,
	EmbeddedSpeechConfig,
	OutputFormat,
	ResultReason,
	type SpeechConfig,
	SpeechRecognizer,
} from "../src/index.js";
import { lexicalWords } from "../src/text/lexical.js";
import { to16k } from "./corpus.js";

interface TimedWord {
	word: string;
	/** Seconds. */
	start: number;
	end: number;
}

const { values } = parseArgs({
	options: {
		model: { type: "string", default: "moonshine-base-en" },
		dataset: {
			type: "string",
			default: resolve(
				process.env.EARSHOT_SHARED ?? "../shared",
				"audio/manifest.tsv",
			),
		},
	},
});

async function wordsOf(
	config: SpeechConfig,
	file: string,
): Promise<TimedWord[]> {
	config.outputFormat = OutputFormat.Detailed;
	const recognizer = new SpeechRecognizer(
		config,
		AudioConfig.fromAudioFileInput(file),
	);
	const words: TimedWord[] = [];
	const iteration = (async () => {
		for await (const event of recognizer.events()) {
			if (
				event.type !== "recognized" ||
				event.args.result.reason !== ResultReason.RecognizedSpeech
			)
				continue;
			const best = JSON.parse(event.args.result.json).NBest[0];
			for (const w of best.Words)
				words.push({
					word: w.Word,
					start: w.Offset / 1e7,
					end: (w.Offset + w.Duration) / 1e7,
				});
		}
	})();
	await recognizer.startContinuousRecognition();
	await iteration;
	await recognizer.dispose();
	return words;
}

/** Pairs of the same word in both lists, in order (longest common subsequence). */
function matchWords(a: TimedWord[], b: TimedWord[]): [TimedWord, TimedWord][] {
	const n = a.length;
	const m = b.length;
	const table = Array.from({ length: n + 1 }, () =>
		new Array<number>(m + 1).fill(0),
	);
	for (let i = n - 1; i >= 0; i--)
		for (let j = m - 1; j >= 0; j--)
			table[i][j] =
				a[i].word === b[j].word
					? table[i + 1][j + 1] + 1
					: Math.max(table[i + 1][j], table[i][j + 1]);
	const pairs: [TimedWord, TimedWord][] = [];
	for (let i = 0, j = 0; i < n && j < m; ) {
		if (a[i].word === b[j].word) pairs.push([a[i++], b[j++]]);
		else if (table[i + 1][j] >= table[i][j + 1]) i++;
		else j++;
	}
	return pairs;
}

const median = (xs: number[]) => {
	const s = [...xs].sort((x, y) => x - y);
	return s.length === 0
		? Number.NaN
		: ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/** The file as 16 kHz mono samples. */
const pcm16k = (file: string) =>
	sherpa.readWave(to16k(file, `${basename(file)}.wav`)).samples;

const cpuSeconds = () => {
	const { user, system } = process.cpuUsage();
	return (user + system) / 1e6;
};

const files = readManifest(values.dataset)
	.filter((row) => row.path.includes("/speech/"))
	.map((row) => row.path);

const resolved = await resolveEngine(
	/[/\\.]/.test(values.model)
		? { modelPath: values.model }
		: { modelName: values.model },
);
if (resolved.engine !== "sherpa" || !resolved.vad)
	throw new Error(`${values.model} is not a sherpa model behind the VAD`);
const recognizer = new sherpa.OfflineRecognizer(
	offlineConfigFor(resolved.model),
);
const aligner = PocketSphinxAligner.create();
const vadConfig = vadConfigFor({ model: resolved.vad }, detectorSilenceMs(500));

/**
 * What the engine does for final results, without its partials: Silero VAD segments, each
 * decoded by Moonshine and aligned by PocketSphinx, timing both on this process's CPU clock.
 */
async function moonshineWords(samples: Float32Array) {
	const vad = new sherpa.Vad(vadConfig, 60);
	const segments: sherpa.SpeechSegment[] = [];
	for (let i = 0; i < samples.length; i += VAD_WINDOW) {
		vad.acceptWaveform(samples.subarray(i, i + VAD_WINDOW));
		for (; !vad.isEmpty(); vad.pop()) segments.push(vad.front(false));
	}
	vad.flush();
	for (; !vad.isEmpty(); vad.pop()) segments.push(vad.front(false));
	const words: TimedWord[] = [];
	let decodeCpu = 0;
	let alignCpu = 0;
	for (const segment of segments) {
		let t = cpuSeconds();
		const stream = recognizer.createStream();
		stream.acceptWaveform({ samples: segment.samples, sampleRate: 16000 });
		recognizer.decode(stream);
		const text = recognizer.getResult(stream).text;
		decodeCpu += cpuSeconds() - t;
		t = cpuSeconds();
		const aligned = await aligner.align(segment.samples, lexicalWords(text));
		alignCpu += cpuSeconds() - t;
		for (const w of aligned)
			words.push({
				word: w.word,
				start: (segment.start + w.startSample) / 16000,
				end: (segment.start + w.endSample) / 16000,
			});
	}
	return { words, decodeCpu, alignCpu };
}

// Load the aligner's decoder before measuring.
await aligner.align(pcm16k(files[0] as string), ["the"]);
const starts: number[] = [];
const ends: number[] = [];
let heard = 0;
let decodeCpu = 0;
let alignCpu = 0;
let audioSeconds = 0;
for (const file of files) {
	const ps = EmbeddedSpeechConfig.fromDefaults();
	ps.setEngine("pocketsphinx");
	const reference = await wordsOf(ps, file);
	const samples = pcm16k(file);
	audioSeconds += samples.length / 16000;
	const moonshine = await moonshineWords(samples);
	decodeCpu += moonshine.decodeCpu;
	alignCpu += moonshine.alignCpu;
	heard += moonshine.words.length;
	for (const [m, p] of matchWords(moonshine.words, reference)) {
		starts.push(Math.abs(m.start - p.start) * 1000);
		ends.push(Math.abs(m.end - p.end) * 1000);
	}
}
aligner.close();
const both = [...starts, ...ends];
const within = (ms: number) => both.filter((e) => e <= ms).length / both.length;
console.log(
	JSON.stringify(
		{
			files: files.length,
			audioSeconds: Math.round(audioSeconds),
			moonshineWords: heard,
			matchedWords: starts.length,
			medianBoundaryErrorMs: Math.round(median(both)),
			medianStartErrorMs: Math.round(median(starts)),
			medianEndErrorMs: Math.round(median(ends)),
			within50ms: Number(within(50).toFixed(3)),
			within100ms: Number(within(100).toFixed(3)),
			decodeCpuSeconds: Number(decodeCpu.toFixed(2)),
			alignCpuSeconds: Number(alignCpu.toFixed(2)),
			alignOverDecode: Number((alignCpu / decodeCpu).toFixed(3)),
		},
		null,
		"\t",
	),
);
