import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openAudioFile } from "../src/audio/decode.js";
import type { EngineWord } from "../src/engines/engine.js";
import { PocketSphinxAligner } from "../src/engines/pocketsphinx/align.js";
import type { EngineChoice } from "../src/engines/select.js";
import {
	AudioConfig,
	AudioInputStream,
	EarshotProperty,
	ResultReason,
	SpeechConfig,
	SpeechRecognizer,
} from "../src/index.js";
import { lexicalWords } from "../src/text/lexical.js";
import type { Corpus } from "./corpus.js";
import { percentile, round, type Summary, summarize } from "./stats.js";

export const BYTES_PER_SECOND = 32000;
const CHUNK_MS = 100;
export const SEGMENTATION_SILENCE_MS = 500;

export type Latency = Summary & { p95: number };

export interface LatencyResult {
	utterances: number;
	segmentationSilenceMs: number;
	/** Speech onset (see speechBounds) to the phrase's first `recognizing`, ms. */
	firstPartialMs: Latency;
	/** End of speech to `recognized`, ms; includes the segmentation silence. */
	finalizationMs: Latency;
	/** Finalization latency beyond the segmentation silence, ms. */
	finalizationOverheadMs: Latency;
	/** Per utterance: [s of speech, ms of finalization beyond the silence], by length. */
	finalizationByLength: [number, number][];
	/** `stopContinuousRecognition()` mid-phrase to `sessionStopped`, ms. */
	stopMs: Latency;
	/** `recognized` events that arrived after stop, carrying the flushed phrase. */
	stopFlushedPhrases: number;
}

/** Where speech starts and ends in an utterance, s of audio. */
export interface Bounds {
	onset: number;
	end: number;
}

/** A `recognizing` or `recognized` result: offset and duration in s of audio, `at` wall ms. */
export interface TimedResult {
	final: boolean;
	/** RecognizedSpeech, not NoMatch. */
	speech: boolean;
	offset: number;
	duration: number;
	at: number;
}

/** Streams the corpus through a push stream at real-time pace and times the events. */
export async function benchLatency(
	corpus: Corpus,
	choice: EngineChoice = { engine: "pocketsphinx" },
): Promise<LatencyResult> {
	const pcm = readFileSync(corpus.paced.file).subarray(44);
	const speech = await speechBounds(corpus);
	const { results, t0 } = await embeddedRealtime(pcm, choice);
	const { firstPartial, finalization, lengths } = utteranceLatencies(
		results,
		speech,
		t0,
	);
	const stops = await benchStop(pcm, speech, choice);
	return {
		utterances: speech.length,
		segmentationSilenceMs: SEGMENTATION_SILENCE_MS,
		firstPartialMs: latencySummary(firstPartial),
		finalizationMs: latencySummary(finalization),
		finalizationOverheadMs: latencySummary(
			finalization.map((ms) => ms - SEGMENTATION_SILENCE_MS),
		),
		finalizationByLength: finalization
			.map((ms, i): [number, number] => [
				round(lengths[i], 2),
				round(ms - SEGMENTATION_SILENCE_MS, 0),
			])
			.sort((a, b) => a[0] - b[0]),
		stopMs: latencySummary(stops.map((s) => s.ms)),
		stopFlushedPhrases: stops.filter((s) => s.flushed).length,
	};
}

/** earshot's SpeechRecognizer on `pcm` pushed at real-time pace: its results, timed. */
export async function embeddedRealtime(
	pcm: Buffer,
	choice: EngineChoice,
): Promise<{ results: TimedResult[]; t0: number }> {
	const stream = AudioInputStream.createPushStream();
	const { results, fed } = await timedRecognition(
		AudioConfig.fromStreamInput(stream),
		choice,
		async () => {
			const t0 = await pushRealtime(stream, pcm, pcm.length);
			stream.close();
			return t0;
		},
	);
	return { results, t0: fed };
}

/**
 * A SpeechRecognizer on `audio` while `feed` runs, until its session stops (the audio ends,
 * or `feed` stops it): its results, timed, and what `feed` returned.
 */
export async function timedRecognition<T>(
	audio: AudioConfig,
	choice: EngineChoice,
	feed: (recognizer: SpeechRecognizer) => Promise<T>,
): Promise<{ results: TimedResult[]; fed: T }> {
	const recognizer = new SpeechRecognizer(config(choice), audio);
	const results: TimedResult[] = [];
	const collected = (async () => {
		for await (const event of recognizer.events())
			if (event.type === "recognizing" || event.type === "recognized")
				results.push({
					final: event.type === "recognized",
					speech: event.args.result.reason === ResultReason.RecognizedSpeech,
					offset: event.args.result.offset / 1e7,
					duration: event.args.result.duration / 1e7,
					at: performance.now(),
				});
	})();
	try {
		await recognizer.startContinuousRecognition();
		const fed = await feed(recognizer);
		await collected;
		return { results, fed };
	} finally {
		await recognizer.dispose();
	}
}

/** Stops in the middle of several utterances; each stop must flush the open phrase. */
async function benchStop(pcm: Buffer, speech: Bounds[], choice: EngineChoice) {
	const results: { ms: number; flushed: boolean }[] = [];
	for (const { onset, end } of speech.slice(0, 5)) {
		const stream = AudioInputStream.createPushStream();
		const recognizer = new SpeechRecognizer(
			config(choice),
			AudioConfig.fromStreamInput(stream),
		);
		let flushed = false;
		let stopping = false;
		recognizer.recognized = (_s, e) => {
			if (stopping && e.result.reason === ResultReason.RecognizedSpeech)
				flushed = true;
		};
		const stopped = new Promise<number>((resolve) => {
			recognizer.sessionStopped = () => resolve(performance.now());
		});
		await recognizer.startContinuousRecognition();
		// The stream starts a second before the onset. Writing the audio before it at once, as
		// this bench once did, left up to 40 s to decode at the stop: that measured the backlog.
		const lead = Math.max(0, Math.round((onset - 1) * BYTES_PER_SECOND) & ~1);
		const middle = Math.round(((onset + end) / 2) * BYTES_PER_SECOND) & ~1;
		await pushRealtime(stream, pcm.subarray(lead), middle - lead);
		stopping = true;
		const stopAt = performance.now();
		await recognizer.stopContinuousRecognition();
		results.push({ ms: (await stopped) - stopAt, flushed });
		await recognizer.dispose();
	}
	return results;
}

/**
 * Per utterance, wall ms from speech onset to its first partial and from the end of speech to
 * its final result, with the s of speech of each finalized one; `t0` is the wall time at which
 * audio time 0 was due.
 */
export function utteranceLatencies(
	results: TimedResult[],
	speech: Bounds[],
	t0: number,
): { firstPartial: number[]; finalization: number[]; lengths: number[] } {
	const firstPartial: number[] = [];
	const finalization: number[] = [];
	const lengths: number[] = [];
	for (const { onset, end } of speech) {
		const inSpan = (r: TimedResult) =>
			r.offset < end && r.offset + r.duration > onset;
		const partial = results.find((r) => !r.final && inSpan(r));
		// An utterance with pauses inside may be several phrases: its end is final with the last one.
		const final = results.findLast((r) => r.final && r.speech && inSpan(r));
		if (partial) firstPartial.push(partial.at - (t0 + onset * 1000));
		if (final) {
			finalization.push(final.at - (t0 + end * 1000));
			lengths.push(end - onset);
		}
	}
	return { firstPartial, finalization, lengths };
}

/** Rounded median, min, max and p95 of latencies in ms. */
export function latencySummary(ms: number[]): Latency {
	return { ...rounded(summarize(ms)), p95: round(percentile(ms, 95), 0) };
}

/** The choice is explicit: the default would be a sherpa model, were one installed. */
function config(choice: EngineChoice): SpeechConfig {
	const c = SpeechConfig.fromSubscription("unused", "offline");
	if (choice.engine) c.setProperty(EarshotProperty.Engine, choice.engine);
	if (choice.modelName)
		c.setProperty(EarshotProperty.ModelName, choice.modelName);
	if (choice.modelPath)
		c.setProperty(EarshotProperty.ModelPath, choice.modelPath);
	if (choice.passes)
		c.setProperty(EarshotProperty.PocketSphinxPasses, choice.passes);
	c.setProperty(
		"Speech_SegmentationSilenceTimeoutMs",
		String(SEGMENTATION_SILENCE_MS),
	);
	return c;
}

/** Writes 100 ms pieces at real-time pace; returns the wall time at which audio time 0 was due. */
export async function pushRealtime(
	stream: { write(b: Buffer): void },
	pcm: Buffer,
	length: number,
): Promise<number> {
	const chunk = (BYTES_PER_SECOND * CHUNK_MS) / 1000;
	const t0 = performance.now();
	for (let at = 0; at < length; at += chunk) {
		const next = Math.min(at + chunk, length);
		// Audio up to `next` exists once its time has come.
		await sleep(
			Math.max(0, t0 + (next / BYTES_PER_SECOND) * 1000 - performance.now()),
		);
		stream.write(pcm.subarray(at, next));
	}
	return t0;
}

/**
 * Where speech starts and ends in each utterance of the paced file. Loud 10 ms frames (above
 * −40 dBFS) bound it, but some recordings are that loud before their first word or after their
 * last: a far-field one's room noise 0.56 s before "I", a breath 0.31 s before "Yet", 0.54 s of
 * crowd after JFK's "country". So the bounds are also held to the reference's words where a
 * forced alignment (PocketSphinx) places them, which alone may stretch a word over the silence
 * beside it ("For" from 0.00 s, where the sound starts at 0.42): the later start and the earlier
 * end of the two.
 */
export function speechBounds(corpus: Corpus): Promise<Bounds[]> {
	let bounds = boundsByCorpus.get(corpus);
	if (!bounds) {
		bounds = measureBounds(corpus);
		boundsByCorpus.set(corpus, bounds);
	}
	return bounds;
}

/** Each engine's latency, microphone and server parts read the same corpus's bounds. */
const boundsByCorpus = new WeakMap<Corpus, Promise<Bounds[]>>();

async function measureBounds(corpus: Corpus): Promise<Bounds[]> {
	const { samples, sampleRate } = await openAudioFile(corpus.paced.file);
	const frame = sampleRate / 100;
	const loud = (t: number) => {
		const at = Math.floor(t * sampleRate);
		let energy = 0;
		for (let i = at; i < at + frame && i < samples.length; i++)
			energy += samples[i] * samples[i];
		return 10 * Math.log10(energy / frame + 1e-12) > -40;
	};
	const words = await alignedWords(corpus);
	return corpus.paced.spans.map(({ start, end }, i) => {
		let onset = start;
		while (onset < end && !loud(onset)) onset += 0.01;
		let last = end;
		while (last > onset && !loud(last - 0.01)) last -= 0.01;
		const first = words[i]?.[0];
		const final = words[i]?.at(-1);
		return {
			onset: first ? Math.max(onset, start + first.startSample / 16000) : onset,
			end: final ? Math.min(last, start + final.endSample / 16000) : last,
		};
	});
}

/** Each utterance's reference words, aligned to its audio; none where it cannot be aligned. */
async function alignedWords(corpus: Corpus): Promise<EngineWord[][]> {
	const aligner = PocketSphinxAligner.create();
	try {
		const aligned: EngineWord[][] = [];
		for (const { file, reference } of corpus.utterances) {
			const { samples } = await openAudioFile(file);
			aligned.push(await aligner.align(samples, lexicalWords(reference)));
		}
		return aligned;
	} finally {
		aligner.close();
	}
}

export function rounded(s: Summary): Summary {
	return {
		median: round(s.median, 0),
		min: round(s.min, 0),
		max: round(s.max, 0),
		n: s.n,
	};
}
