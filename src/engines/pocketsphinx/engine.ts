import { availableParallelism } from "node:os";
import type {
	EndedSegment,
	Engine,
	EngineStream,
	EngineWord,
	Hypothesis,
	StreamOptions,
	StreamUpdate,
} from "../engine.js";
import { LanguageModelLane } from "./lane.js";
import { findPocketSphinxModel, type PocketSphinxModel } from "./model.js";
import {
	callAsync,
	initDecoder,
	loadPocketSphinx,
	type PocketSphinxNative,
} from "./native.js";
import { baseWord, dictionaryFor } from "./vocabulary.js";

const SAMPLE_RATE = 16000;
/** PocketSphinx's default -frate: 100 frames a second, so 160 samples a frame. */
const SAMPLES_PER_FRAME = 160;
/** PocketSphinx's -vad_startspeech default: speech frames needed before the VAD says speech. */
const VAD_START_FRAMES = 10;
/** Room for the cepstral vector (13 for the en-us model). */
const CMN_MAX_LENGTH = 64;
/**
 * Samples per ps_process_raw call, counted from the stream's start. Live CMN adapts once per
 * call, so calls of one size make the result independent of how the audio was chunked on
 * its way (a file read whole and the same audio from a client differed by 7 % WER).
 */
const BLOCK = 2 * SAMPLES_PER_FRAME;
/** Idle decoders kept per configuration for reuse; more are freed. */
const MAX_IDLE_DECODERS = 8;
/** Decoders sharing one language model: about what one core decodes in real time. */
const DECODERS_PER_LANE = 4;
/** sphinxbase's NGRAM_AUTO: the model file's format is detected. */
const NGRAM_AUTO = 0;
const SEARCH = "earshot_ngram";
/** PocketSphinx's default -logbase, which the decoders use: a model's scores are in it. */
const LOG_BASE = 1.0001;

/**
 * What language models are read with: the decoders' default configuration (its -lw, -wip and
 * -uw weights) and log base. Made once; each model keeps its own reference to the log tables.
 */
let readingSetup: { config: unknown; logmath: unknown } | undefined;

/**
 * PocketSphinx's search passes. fwdtree decodes as audio arrives (partials come from it);
 * fwdflat re-searches the whole phrase when it ends, and bestpath picks the final words from
 * the phrase's lattice. fwdflat is what made finals wait in proportion to phrase length
 * (29–40 ms of CPU per second of speech, against about 10 for the rest of the end), for a
 * WER on ../shared within a few errors of it: 33.3 % with it and 32.7 % without on whole
 * utterances (bench/passes.ts), 36.8 % and 38.0 % through `earshot eval`.
 */
export const POCKETSPHINX_PASSES = [
	"fwdtree",
	"fwdtree+bestpath",
	"fwdtree+fwdflat+bestpath",
] as const;
export type PocketSphinxPasses = (typeof POCKETSPHINX_PASSES)[number];
export const DEFAULT_POCKETSPHINX_PASSES: PocketSphinxPasses =
	"fwdtree+bestpath";

export interface PocketSphinxOptions {
	/** A model directory; Debian's `pocketsphinx-en-us` by default. */
	modelDir?: string;
	/** Default DEFAULT_POCKETSPHINX_PASSES. */
	passes?: PocketSphinxPasses;
	/**
	 * Decoders loaded at once, about 47 MiB each beside a 33 MiB language model for every
	 * DECODERS_PER_LANE; further streams wait, first come first served, for one to be
	 * released. Default defaultMaxDecoders().
	 */
	maxDecoders?: number;
}

/**
 * A decoder uses about 0.15 of a core in real time, so about 4 per core can keep up; more
 * would only hold memory.
 */
export function defaultMaxDecoders(): number {
	return 4 * availableParallelism();
}

/** PocketSphinx's command-line switches for `passes`. */
export function passesArgs(passes: PocketSphinxPasses): string[] {
	return [
		"-fwdflat",
		passes.includes("fwdflat") ? "yes" : "no",
		"-bestpath",
		passes.includes("bestpath") ? "yes" : "no",
	];
}

/** Opens the PocketSphinx engine. Throws a clear error when the library or model is missing. */
export function createPocketSphinxEngine(
	options: PocketSphinxOptions = {},
): Engine {
	const native = loadPocketSphinx();
	const model = findPocketSphinxModel(options.modelDir);
	const passes = options.passes ?? DEFAULT_POCKETSPHINX_PASSES;
	if (!POCKETSPHINX_PASSES.includes(passes))
		throw new Error(
			`unknown PocketSphinx passes: ${passes} (available: ${POCKETSPHINX_PASSES.join(", ")})`,
		);
	const maxDecoders = options.maxDecoders ?? defaultMaxDecoders();
	if (!Number.isInteger(maxDecoders) || maxDecoders < 1)
		throw new Error(
			`maxDecoders must be a whole number >= 1, not ${maxDecoders}`,
		);
	return new PocketSphinxEngine(native, model, passes, maxDecoders);
}

class PocketSphinxEngine implements Engine {
	readonly name = "pocketsphinx";
	readonly sampleRate = SAMPLE_RATE;
	/** Decoders are expensive to load (~0.4 s), so they are pooled per VAD setting. */
	private readonly idle = new Map<number, Decoder[]>();
	private readonly lanes: LanguageModelLane[] = [];
	/** The dictionary decoders load: the model's, cut down to its language model's words. */
	private dictionary: Promise<string> | undefined;
	/** Decoders that exist or are being loaded: idle, in use, or handed to a waiting stream. */
	private loaded = 0;
	/** Streams waiting for a decoder, oldest first. */
	private readonly waiting: Waiter[] = [];
	private closed = false;

	constructor(
		private readonly native: PocketSphinxNative,
		private readonly model: PocketSphinxModel,
		private readonly passes: PocketSphinxPasses,
		private readonly maxDecoders: number,
	) {}

	async openStream(options: StreamOptions): Promise<EngineStream> {
		if (this.closed) throw new Error("the engine is closed");
		const postSpeechFrames = Math.round(options.segmentationSilenceMs / 10);
		const decoder = await this.acquire(postSpeechFrames);
		try {
			await decoder.lane.run(() => {
				// Live CMN adapts to each utterance; a reused decoder starts from the model's initial
				// means again, so a session's result does not depend on the sessions before it.
				this.native.cmn_live_set(
					this.cmnOf(decoder.handle),
					decoder.initialCmn,
				);
				checked(this.native.ps_start_stream(decoder.handle), "ps_start_stream");
				checked(this.native.ps_start_utt(decoder.handle), "ps_start_utt");
			});
		} catch (error) {
			this.release(postSpeechFrames, decoder, false);
			throw error;
		}
		return new PocketSphinxStream(
			this.native,
			decoder.handle,
			decoder.lane,
			(sound) => this.release(postSpeechFrames, decoder, sound),
		);
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const decoders of this.idle.values())
			for (const d of decoders) this.free(d);
		this.idle.clear();
		for (const waiter of this.waiting.splice(0)) waiter.give(undefined);
		// Decoders still in use hold their own references: the model goes with the last.
		await Promise.all(
			this.lanes.map((lane) =>
				lane.run(() => {
					if (lane.languageModel)
						this.native.ngram_model_free(lane.languageModel);
					lane.languageModel = undefined;
				}),
			),
		);
	}

	/** An idle decoder, else a new one under the bound, else the next one released, in turn. */
	private async acquire(postSpeechFrames: number): Promise<Decoder> {
		for (;;) {
			const idle = this.idle.get(postSpeechFrames)?.pop();
			if (idle) return idle;
			if (this.loaded < this.maxDecoders) {
				this.loaded++;
				try {
					return await this.createDecoder(postSpeechFrames);
				} catch (error) {
					this.loaded--;
					this.waiting.shift()?.give(undefined);
					throw error;
				}
			}
			// At the bound, an idle decoder with another silence setting makes room.
			const other = [...this.idle.values()].find((l) => l.length > 0)?.pop();
			if (other) {
				this.free(other);
				this.loaded--;
				continue;
			}
			const given = await new Promise<Decoder | undefined>((give) =>
				this.waiting.push({ postSpeechFrames, give }),
			);
			if (this.closed) {
				if (given) this.free(given);
				throw new Error("the engine is closed");
			}
			if (given) return given;
		}
	}

	/**
	 * A decoder on the first lane with room, its search over the lane's language model,
	 * which is read with the lane's first decoder.
	 */
	private async createDecoder(postSpeechFrames: number): Promise<Decoder> {
		let lane = this.lanes.find((l) => l.decoders < DECODERS_PER_LANE);
		if (!lane) {
			lane = new LanguageModelLane();
			this.lanes.push(lane);
		}
		lane.decoders++;
		let handle: unknown;
		try {
			// The model comes first: its words choose the dictionary that the decoder loads.
			const languageModel = await lane.run(
				async () => (lane.languageModel ??= await this.readLanguageModel()),
			);
			// Where the cut-down copy cannot be written, the whole dictionary decodes the same.
			this.dictionary ??= dictionaryFor(
				this.native,
				languageModel,
				this.model.dictionary,
				this.model.languageModel,
			).catch(() => this.model.dictionary);
			const argv = [
				"-hmm",
				this.model.acousticModel,
				"-dict",
				await this.dictionary,
				"-vad_postspeech",
				String(postSpeechFrames),
				...passesArgs(this.passes),
			];
			handle = await initDecoder(this.native, argv, this.model.acousticModel);
		} catch (error) {
			lane.decoders--;
			throw error;
		}
		const decoder: Decoder = {
			handle,
			initialCmn: new Float32Array(CMN_MAX_LENGTH),
			lane,
		};
		try {
			await lane.run(async () => {
				if (!lane.languageModel) throw new Error("the engine is closed");
				checked(
					await callAsync(
						this.native.ps_set_lm,
						handle,
						SEARCH,
						lane.languageModel,
					),
					"ps_set_lm",
				);
				checked(this.native.ps_set_search(handle, SEARCH), "ps_set_search");
			});
		} catch (error) {
			this.free(decoder);
			throw error;
		}
		this.native.cmn_live_get(this.cmnOf(handle), decoder.initialCmn);
		return decoder;
	}

	private async readLanguageModel(): Promise<unknown> {
		const { native } = this;
		readingSetup ??= {
			config: native.cmd_ln_parse_r(null, native.ps_args(), 0, [], 1),
			logmath: native.logmath_init(LOG_BASE, 0, 1),
		};
		const lm = await callAsync(
			native.ngram_model_read,
			readingSetup.config,
			this.model.languageModel,
			NGRAM_AUTO,
			readingSetup.logmath,
		);
		if (!lm)
			throw new Error(
				`PocketSphinx could not load the language model ${this.model.languageModel}`,
			);
		return lm;
	}

	/** Frees `decoder` in its turn on its lane: the search drops its reference to the model. */
	private free(decoder: Decoder): void {
		decoder.lane.decoders--;
		void decoder.lane.run(() => this.native.ps_free(decoder.handle));
	}

	private cmnOf(decoder: unknown): unknown {
		return this.native.cmnOf(this.native.ps_get_feat(decoder));
	}

	/** A decoder whose stream failed is in an unknown state: it is freed, never reused. */
	private release(
		postSpeechFrames: number,
		decoder: Decoder,
		sound: boolean,
	): void {
		// Handed straight to the oldest waiting stream, so a newcomer cannot take it first.
		const next = this.waiting.shift();
		if (next && sound && next.postSpeechFrames === postSpeechFrames) {
			next.give(decoder);
			return;
		}
		if (next) {
			// Unsound, or another silence setting: this one is freed and the waiter loads its own.
			this.free(decoder);
			this.loaded--;
			next.give(undefined);
			return;
		}
		const list = this.idle.get(postSpeechFrames) ?? [];
		if (!sound || this.closed || list.length >= MAX_IDLE_DECODERS) {
			this.free(decoder);
			this.loaded--;
			return;
		}
		list.push(decoder);
		this.idle.set(postSpeechFrames, list);
	}
}

interface Waiter {
	postSpeechFrames: number;
	/** A decoder for it, or undefined: room to load one (or the engine closed). */
	give(decoder: Decoder | undefined): void;
}

interface Decoder {
	/** The native `ps_decoder_t`. */
	handle: unknown;
	/** The CMN means the model starts with. */
	initialCmn: Float32Array;
	/** Where its native calls run, in turn with the other decoders of its language model. */
	lane: LanguageModelLane;
}

class PocketSphinxStream implements EngineStream {
	private samplesWritten = 0;
	private inSpeech = false;
	private speechStartSample = 0;
	private closed = false;
	/** False once a native call failed: the decoder is then not returned to the pool. */
	private sound = true;
	/** Audio for the decoder; its first `held` samples wait for a whole BLOCK. */
	private pcm = new Int16Array(0);
	private held = 0;
	/** ps_get_hyp's score, which is not used; kept alive for calls on the thread pool. */
	private readonly score = new Int32Array(1);

	constructor(
		private readonly native: PocketSphinxNative,
		private readonly decoder: unknown,
		private readonly lane: LanguageModelLane,
		private readonly release: (sound: boolean) => void,
	) {}

	write(samples: Float32Array): Promise<StreamUpdate> {
		return this.lane.run(() => this.guard(() => this.decode(samples)));
	}

	async finalize(): Promise<EndedSegment | null> {
		if (this.closed) return null;
		return this.lane.run(() =>
			this.guard(async () => {
				if (this.held > 0) {
					await this.process(0, this.held);
					this.held = 0;
				}
				return this.inSpeech ? this.endSegment() : null;
			}),
		);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		try {
			await this.lane.run(async () =>
				checked(
					await callAsync(this.native.ps_end_utt, this.decoder),
					"ps_end_utt",
				),
			);
		} catch (error) {
			this.sound = false;
			throw error;
		} finally {
			this.release(this.sound);
		}
	}

	/** Runs a decoding step; any failure marks the decoder unsound. */
	private async guard<T>(step: () => Promise<T>): Promise<T> {
		try {
			return await step();
		} catch (error) {
			this.sound = false;
			throw error;
		}
	}

	private async decode(samples: Float32Array): Promise<StreamUpdate> {
		if (this.closed) throw new Error("the stream is closed");
		const before = this.samplesWritten;
		const total = this.held + samples.length;
		if (this.pcm.length < total) {
			const grown = new Int16Array(total);
			grown.set(this.pcm.subarray(0, this.held));
			this.pcm = grown;
		}
		toInt16(samples, this.pcm.subarray(this.held));
		const whole = total - (total % BLOCK);
		for (let at = 0; at < whole; at += BLOCK) await this.process(at, BLOCK);
		this.pcm.copyWithin(0, whole, total);
		this.held = total - whole;
		const inSpeech = this.native.ps_get_in_speech(this.decoder) !== 0;
		const update: StreamUpdate = { inSpeech, ended: [] };
		if (inSpeech && !this.inSpeech) {
			this.inSpeech = true;
			// The VAD fires after VAD_START_FRAMES of speech, so speech began about that long ago.
			this.speechStartSample = Math.max(
				0,
				before - VAD_START_FRAMES * SAMPLES_PER_FRAME,
			);
		}
		if (inSpeech) {
			update.speechStartSample = this.speechStartSample;
			const text = this.native.ps_get_hyp(this.decoder, this.score);
			if (text) update.partial = { text, words: [], confidence: 0 };
		} else if (this.inSpeech) {
			update.ended.push(await this.endSegment());
		}
		return update;
	}

	/** Decodes `length` samples of `pcm` from `at`. */
	private async process(at: number, length: number): Promise<void> {
		// The native call reads this memory on another thread: the stream keeps it alive.
		checked(
			await callAsync(
				this.native.ps_process_raw,
				this.decoder,
				this.pcm.subarray(at, at + length),
				length,
				0,
				0,
			),
			"ps_process_raw",
		);
		this.samplesWritten += length;
	}

	/** Ends the utterance, reads its words, and opens the next one. */
	private async endSegment(): Promise<EndedSegment> {
		this.inSpeech = false;
		checked(
			await callAsync(this.native.ps_end_utt, this.decoder),
			"ps_end_utt",
		);
		// Off the event loop: with bestpath, this is the search over the phrase's lattice; the
		// word segmentation below reuses it.
		const text =
			(await callAsync(this.native.ps_get_hyp, this.decoder, this.score)) ?? "";
		const words = this.readWords();
		checked(this.native.ps_start_utt(this.decoder), "ps_start_utt");
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
				word: baseWord(word),
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

/** PocketSphinx calls return a negative number on failure. */
function checked(result: number, call: string): number {
	if (result < 0) throw new Error(`PocketSphinx ${call} failed (${result})`);
	return result;
}

/** Inverse of the decoders' `int16 / 32768`, so 16-bit input reaches the engine bit-exact. */
export function toInt16(samples: Float32Array, buffer: Int16Array): Int16Array {
	const out = buffer.subarray(0, samples.length);
	for (let i = 0; i < samples.length; i++) {
		out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
	}
	return out;
}
