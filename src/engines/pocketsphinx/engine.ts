import type {
	EndedSegment,
	Engine,
	EngineStream,
	EngineWord,
	Hypothesis,
	StreamOptions,
	StreamUpdate,
} from "../engine.js";
import { findPocketSphinxModel, type PocketSphinxModel } from "./model.js";
import {
	callAsync,
	initDecoder,
	loadPocketSphinx,
	type PocketSphinxNative,
} from "./native.js";

const SAMPLE_RATE = 16000;
/** PocketSphinx's default -frate: 100 frames a second, so 160 samples a frame. */
const SAMPLES_PER_FRAME = 160;
/** PocketSphinx's -vad_startspeech default: speech frames needed before the VAD says speech. */
const VAD_START_FRAMES = 10;
/** Room for the cepstral vector (13 for the en-us model). */
const CMN_MAX_LENGTH = 64;
/** Idle decoders kept per configuration for reuse; more are freed. */
const MAX_IDLE_DECODERS = 8;

export interface PocketSphinxOptions {
	/** A model directory; Debian's `pocketsphinx-en-us` by default. */
	modelDir?: string;
}

/** Opens the PocketSphinx engine. Throws a clear error when the library or model is missing. */
export function createPocketSphinxEngine(
	options: PocketSphinxOptions = {},
): Engine {
	const native = loadPocketSphinx();
	const model = findPocketSphinxModel(options.modelDir);
	return new PocketSphinxEngine(native, model);
}

class PocketSphinxEngine implements Engine {
	readonly name = "pocketsphinx";
	readonly sampleRate = SAMPLE_RATE;
	/** Decoders are expensive to load (~0.4 s), so they are pooled per VAD setting. */
	private readonly idle = new Map<number, Decoder[]>();
	private closed = false;

	constructor(
		private readonly native: PocketSphinxNative,
		private readonly model: PocketSphinxModel,
	) {}

	async openStream(options: StreamOptions): Promise<EngineStream> {
		if (this.closed) throw new Error("the engine is closed");
		const postSpeechFrames = Math.round(options.segmentationSilenceMs / 10);
		const decoder =
			this.idle.get(postSpeechFrames)?.pop() ??
			(await this.createDecoder(postSpeechFrames));
		// Live CMN adapts to each utterance; a reused decoder starts from the model's initial
		// means again, so a session's result does not depend on the sessions before it.
		this.native.cmn_live_set(this.cmnOf(decoder.handle), decoder.initialCmn);
		this.native.ps_start_stream(decoder.handle);
		this.native.ps_start_utt(decoder.handle);
		return new PocketSphinxStream(this.native, decoder.handle, () =>
			this.release(postSpeechFrames, decoder),
		);
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const decoders of this.idle.values())
			for (const d of decoders) this.native.ps_free(d.handle);
		this.idle.clear();
	}

	private async createDecoder(postSpeechFrames: number): Promise<Decoder> {
		const argv = [
			"-hmm",
			this.model.acousticModel,
			"-lm",
			this.model.languageModel,
			"-dict",
			this.model.dictionary,
			"-vad_postspeech",
			String(postSpeechFrames),
			"-logfn",
			"/dev/null",
		];
		const decoder = await initDecoder(
			this.native,
			argv,
			this.model.acousticModel,
		);
		const initialCmn = new Float32Array(CMN_MAX_LENGTH);
		this.native.cmn_live_get(this.cmnOf(decoder), initialCmn);
		return { handle: decoder, initialCmn };
	}

	private cmnOf(decoder: unknown): unknown {
		return this.native.cmnOf(this.native.ps_get_feat(decoder));
	}

	private release(postSpeechFrames: number, decoder: Decoder): void {
		const list = this.idle.get(postSpeechFrames) ?? [];
		if (this.closed || list.length >= MAX_IDLE_DECODERS) {
			this.native.ps_free(decoder.handle);
			return;
		}
		list.push(decoder);
		this.idle.set(postSpeechFrames, list);
	}
}

interface Decoder {
	/** The native `ps_decoder_t`. */
	handle: unknown;
	/** The CMN means the model starts with. */
	initialCmn: Float32Array;
}

class PocketSphinxStream implements EngineStream {
	private samplesWritten = 0;
	private inSpeech = false;
	private speechStartSample = 0;
	private closed = false;
	private pcm = new Int16Array(0);

	constructor(
		private readonly native: PocketSphinxNative,
		private readonly decoder: unknown,
		private readonly release: () => void,
	) {}

	async write(samples: Float32Array): Promise<StreamUpdate> {
		if (this.closed) throw new Error("the stream is closed");
		// The native call reads this memory on another thread: the stream keeps it alive.
		if (this.pcm.length < samples.length)
			this.pcm = new Int16Array(samples.length);
		const pcm = toInt16(samples, this.pcm);
		await callAsync(
			this.native.ps_process_raw,
			this.decoder,
			pcm,
			pcm.length,
			0,
			0,
		);
		this.samplesWritten += samples.length;
		const inSpeech = this.native.ps_get_in_speech(this.decoder) !== 0;
		const update: StreamUpdate = { inSpeech, ended: [] };
		if (inSpeech && !this.inSpeech) {
			this.inSpeech = true;
			// The VAD fires after VAD_START_FRAMES of speech, so speech began about that long ago.
			this.speechStartSample = Math.max(
				0,
				this.samplesWritten -
					samples.length -
					VAD_START_FRAMES * SAMPLES_PER_FRAME,
			);
		}
		if (inSpeech) {
			update.speechStartSample = this.speechStartSample;
			const text = this.native.ps_get_hyp(this.decoder, [0]);
			if (text) update.partial = { text, words: [], confidence: 0 };
		} else if (this.inSpeech) {
			update.ended.push(await this.endSegment());
		}
		return update;
	}

	async finalize(): Promise<EndedSegment | null> {
		if (this.closed || !this.inSpeech) return null;
		return this.endSegment();
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await callAsync(this.native.ps_end_utt, this.decoder);
		this.release();
	}

	/** Ends the utterance, reads its words, and opens the next one. */
	private async endSegment(): Promise<EndedSegment> {
		this.inSpeech = false;
		await callAsync(this.native.ps_end_utt, this.decoder);
		const text = this.native.ps_get_hyp(this.decoder, [0]) ?? "";
		const words = this.readWords();
		this.native.ps_start_utt(this.decoder);
		const startSample = words[0]?.startSample ?? this.speechStartSample;
		const endSample = words.at(-1)?.endSample ?? this.samplesWritten;
		const result: Hypothesis | null = text
			? {
					text,
					words,
					confidence:
						words.reduce((sum, w) => sum + w.confidence, 0) /
						Math.max(1, words.length),
				}
			: null;
		return { startSample, endSample, result };
	}

	private readWords(): EngineWord[] {
		const { native, decoder } = this;
		const logmath = native.ps_get_logmath(decoder);
		const words: EngineWord[] = [];
		for (
			let seg = native.ps_seg_iter(decoder);
			seg;
			seg = native.ps_seg_next(seg)
		) {
			const word = native.ps_seg_word(seg);
			// Skip fillers (<s>, </s>, <sil>, [NOISE], ++UH++) and strip alternate-pronunciation marks.
			if (/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(word)) continue;
			const start = [0];
			const end = [0];
			native.ps_seg_frames(seg, start, end);
			words.push({
				word: word.replace(/\(\d+\)$/, ""),
				startSample: start[0] * SAMPLES_PER_FRAME,
				endSample: (end[0] + 1) * SAMPLES_PER_FRAME,
				confidence: Math.min(
					1,
					native.logmath_exp(
						logmath,
						native.ps_seg_prob(seg, null, null, null),
					),
				),
			});
		}
		return words;
	}
}

/** Inverse of the decoders' `int16 / 32768`, so 16-bit input reaches the engine bit-exact. */
export function toInt16(samples: Float32Array, buffer: Int16Array): Int16Array {
	const out = buffer.subarray(0, samples.length);
	for (let i = 0; i < samples.length; i++) {
		out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
	}
	return out;
}
