// The microphone path: the paced speech played into a private PulseAudio's null sink and
// recognized from the default microphone, as the console sample listens. Latency is counted
// from when the sound reached the sink's monitor, as a capture that hands over every 20 ms
// hears it, so what the capture tool holds back counts too.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openMicrophone } from "../src/audio/microphone.js";
import type { EngineChoice } from "../src/engines/select.js";
import { AudioConfig } from "../src/index.js";
import { noPulseReason, startPulse } from "../test/helpers/pulse.js";
import type { Corpus } from "./corpus.js";
import {
	type Bounds,
	BYTES_PER_SECOND,
	type Latency,
	latencySummary,
	rounded,
	SEGMENTATION_SILENCE_MS,
	speechBounds,
	type TimedResult,
	timedRecognition,
} from "./latency.js";
import { type Summary, summarize } from "./stats.js";

const SAMPLE_RATE = 16000;
const WAV_HEADER = 44;

export interface MicrophoneResult {
	utterances: number;
	/** The pieces the default microphone hands the recognizer, ms of audio each. */
	captureChunkMs: Summary;
	/** Speech onset at the microphone to the phrase's first `recognizing`, ms. */
	firstPartialMs: Latency;
	/** End of speech at the microphone to `recognized`, beyond the segmentation silence, ms. */
	finalizationOverheadMs: Latency;
}

/** The first `utterances` of the paced file through the microphone; a reason when it cannot run. */
export async function benchMicrophone(
	corpus: Corpus,
	choice: EngineChoice,
	utterances = 8,
): Promise<MicrophoneResult | string> {
	if (noPulseReason) return noPulseReason;
	const speech = (await speechBounds(corpus)).slice(0, utterances);
	const last = corpus.paced.spans[speech.length - 1];
	if (!last) return "no speech";
	const dir = mkdtempSync(join(tmpdir(), "earshot-microphone-"));
	const pulse = await startPulse();
	try {
		const file = join(dir, "speech.wav");
		execFileSync("sox", [
			corpus.paced.file,
			file,
			"trim",
			"0",
			String(last.end + 1),
		]);
		const captureChunkMs = await chunkSizes();
		const reference = startReference();
		const { results } = await timedRecognition(
			AudioConfig.fromDefaultMicrophoneInput(),
			choice,
			async (recognizer) => {
				await sleep(1000);
				await pulse.play(file);
				await sleep(2000);
				await recognizer.stopContinuousRecognition();
			},
		);
		const t0 = reference.stop(readFileSync(file).subarray(WAV_HEADER));
		const { firstPartial, finalization } = byWallTime(results, speech, t0);
		return {
			utterances: speech.length,
			captureChunkMs: rounded(summarize(captureChunkMs)),
			firstPartialMs: latencySummary(firstPartial),
			finalizationOverheadMs: latencySummary(
				finalization.map((ms) => ms - SEGMENTATION_SILENCE_MS),
			),
		};
	} finally {
		await pulse.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

/** The default microphone's pieces over 3 s, in ms of audio. */
async function chunkSizes(): Promise<number[]> {
	const source = openMicrophone();
	const sizes: number[] = [];
	const done = sleep(3000).then(() => source.close());
	for await (const chunk of source.chunks())
		sizes.push((chunk.length / source.sampleRate) * 1000);
	await done;
	// The first pieces hold what the capture gathered while starting.
	return sizes.slice(2);
}

/**
 * A capture beside the recognizer's, handing over every 20 ms: when the file's first sound
 * arrived in it, and so the wall time at which the file's start reached the monitor.
 */
function startReference(): { stop(file: Buffer): number } {
	const capture: ChildProcess = spawn(
		"parec",
		[
			"--raw",
			"--format=s16le",
			"--channels=1",
			`--rate=${SAMPLE_RATE}`,
			"--latency-msec=20",
		],
		{ stdio: ["ignore", "pipe", "ignore"] },
	);
	const pieces: Buffer[] = [];
	/** Per piece: its arrival (wall ms) less the audio time of its end. */
	const lags: number[] = [];
	let bytes = 0;
	capture.stdout?.on("data", (piece: Buffer) => {
		bytes += piece.length;
		pieces.push(piece);
		lags.push(performance.now() - (bytes / BYTES_PER_SECOND) * 1000);
	});
	return {
		stop(file) {
			capture.kill();
			const heard = Buffer.concat(pieces);
			const inFile = firstSound(file);
			const inCapture = firstSound(heard);
			if (inFile < 0 || inCapture < 0)
				throw new Error("the reference capture heard nothing");
			// The earliest arrival is the closest to when the audio was there to be read.
			const clock = Math.min(...lags);
			return clock + ((inCapture - inFile) / SAMPLE_RATE) * 1000;
		},
	};
}

/** The first non-zero sample of 16-bit PCM: the null sink passes the file's samples unchanged. */
function firstSound(pcm: Buffer): number {
	for (let i = 0; i + 1 < pcm.length; i += 2)
		if (pcm.readInt16LE(i) !== 0) return i / 2;
	return -1;
}

/**
 * Per utterance, by wall time from `t0` (the file's start at the microphone): the first
 * `recognizing` after its onset, and the last `recognized` before the next utterance's onset.
 * The recognizer's own offsets count from when its capture started, which is not known.
 */
function byWallTime(
	results: TimedResult[],
	speech: Bounds[],
	t0: number,
): { firstPartial: number[]; finalization: number[] } {
	const firstPartial: number[] = [];
	const finalization: number[] = [];
	speech.forEach(({ onset, end }, i) => {
		const from = t0 + onset * 1000;
		const until = t0 + (speech[i + 1]?.onset ?? end + 5) * 1000;
		const inWindow = results.filter((r) => r.at >= from && r.at < until);
		const partial = inWindow.find((r) => !r.final);
		const final = inWindow.findLast((r) => r.final && r.speech);
		if (partial) firstPartial.push(partial.at - from);
		if (final) finalization.push(final.at - (t0 + end * 1000));
	});
	return { firstPartial, finalization };
}
