// The part of sherpa-onnx-node (1.13.x) that earshot uses; the package ships no types. Field
// names follow the addon's own JSDoc (types.js) and the keys its native code reads.
declare module "sherpa-onnx-node" {
	export interface Waveform {
		/** Mono samples in [-1, 1]. */
		samples: Float32Array;
		sampleRate: number;
	}

	export interface FeatureConfig {
		sampleRate?: number;
		featureDim?: number;
	}

	export interface TransducerModelConfig {
		encoder?: string;
		decoder?: string;
		joiner?: string;
	}

	export interface SingleFileModelConfig {
		model?: string;
	}

	export interface OnlineModelConfig {
		transducer?: TransducerModelConfig;
		paraformer?: { encoder?: string; decoder?: string };
		zipformer2Ctc?: SingleFileModelConfig;
		nemoCtc?: SingleFileModelConfig;
		toneCtc?: SingleFileModelConfig;
		tokens?: string;
		numThreads?: number;
		debug?: boolean | number;
		provider?: string;
		modelType?: string;
		modelingUnit?: string;
		bpeVocab?: string;
	}

	export interface OnlineRecognizerConfig {
		featConfig?: FeatureConfig;
		modelConfig?: OnlineModelConfig;
		decodingMethod?: "greedy_search" | "modified_beam_search";
		maxActivePaths?: number;
		enableEndpoint?: boolean | number;
		/** Seconds of trailing silence that end an utterance in which nothing was decoded. */
		rule1MinTrailingSilence?: number;
		/** Seconds of trailing silence that end an utterance after something was decoded. */
		rule2MinTrailingSilence?: number;
		/** Seconds after which an utterance ends regardless of silence. */
		rule3MinUtteranceLength?: number;
		hotwordsFile?: string;
		/** Hotwords given inline, one phrase a line, instead of a file. */
		hotwordsBuf?: string;
		hotwordsBufSize?: number;
		hotwordsScore?: number;
		ruleFsts?: string;
		ruleFars?: string;
		blankPenalty?: number;
	}

	export interface OnlineRecognizerResult {
		text: string;
		tokens: string[];
		/** Seconds from `start_time`, one per token. */
		timestamps: number[];
		/** Log-probabilities of the tokens (transducers). */
		ys_probs: number[];
		lm_probs: number[];
		context_scores: number[];
		segment: number;
		words: number[];
		num_trailing_blanks: number;
		/** Seconds from the stream's first sample to the start of the current segment. */
		start_time: number;
		is_final: boolean;
		is_eof?: boolean;
	}

	export class OnlineStream {
		acceptWaveform(waveform: Waveform): void;
		inputFinished(): void;
		setOption(key: string, value: string): void;
		getOption(key: string): string;
		hasOption(key: string): boolean;
	}

	export class OnlineRecognizer {
		constructor(config: OnlineRecognizerConfig);
		readonly config: OnlineRecognizerConfig;
		createStream(): OnlineStream;
		isReady(stream: OnlineStream): boolean;
		decode(stream: OnlineStream): void;
		/** Decodes several ready streams as one batch. */
		decodeStreams(streams: OnlineStream[]): void;
		isEndpoint(stream: OnlineStream): boolean;
		reset(stream: OnlineStream): void;
		getResult(stream: OnlineStream): OnlineRecognizerResult;
	}

	export interface OfflineModelConfig {
		transducer?: TransducerModelConfig;
		paraformer?: SingleFileModelConfig;
		zipformerCtc?: SingleFileModelConfig;
		wenetCtc?: SingleFileModelConfig;
		nemoCtc?: SingleFileModelConfig;
		tdnn?: SingleFileModelConfig;
		whisper?: {
			encoder?: string;
			decoder?: string;
			language?: string;
			task?: string;
			tailPaddings?: number;
			enableTokenTimestamps?: boolean | number;
			enableSegmentTimestamps?: boolean | number;
		};
		moonshine?: {
			preprocessor?: string;
			encoder?: string;
			uncachedDecoder?: string;
			cachedDecoder?: string;
			mergedDecoder?: string;
		};
		senseVoice?: {
			model?: string;
			language?: string;
			useInverseTextNormalization?: boolean | number;
		};
		tokens?: string;
		numThreads?: number;
		debug?: boolean | number;
		provider?: string;
		modelType?: string;
		modelingUnit?: string;
		bpeVocab?: string;
	}

	export interface OfflineRecognizerConfig {
		featConfig?: FeatureConfig;
		modelConfig?: OfflineModelConfig;
		lmConfig?: { model?: string; scale?: number };
		decodingMethod?:
			| "greedy_search"
			| "modified_beam_search"
			| "prefix_beam_search";
		maxActivePaths?: number;
		hotwordsFile?: string;
		hotwordsScore?: number;
		ruleFsts?: string;
		ruleFars?: string;
		blankPenalty?: number;
	}

	export interface OfflineRecognizerResult {
		lang: string;
		emotion: string;
		event: string;
		text: string;
		/** Seconds from the start of the decoded audio, one per token (empty for some models). */
		timestamps: number[];
		/** Seconds, one per token (TDT models). */
		durations: number[];
		tokens: string[];
		/** Log-probabilities of the tokens, where the decoder computes them. */
		ys_log_probs: number[];
		words: number[];
	}

	export class OfflineStream {
		acceptWaveform(waveform: Waveform): void;
		setOption(key: string, value: string): void;
	}

	export class OfflineRecognizer {
		constructor(config: OfflineRecognizerConfig);
		/** Loads the model on a libuv worker thread. */
		static createAsync(
			config: OfflineRecognizerConfig,
		): Promise<OfflineRecognizer>;
		readonly config: OfflineRecognizerConfig;
		/** `hotwords`: phrases separated by "/", each optionally followed by " :score". */
		createStream(hotwords?: string): OfflineStream;
		decode(stream: OfflineStream): void;
		/** Decodes on a libuv worker thread and resolves with the result. */
		decodeAsync(stream: OfflineStream): Promise<OfflineRecognizerResult>;
		getResult(stream: OfflineStream): OfflineRecognizerResult;
		setConfig(config: OfflineRecognizerConfig): void;
	}

	export interface SileroVadConfig {
		model?: string;
		threshold?: number;
		minSilenceDuration?: number;
		minSpeechDuration?: number;
		/** Samples per model window: 512 at 16 kHz for Silero v5. */
		windowSize?: number;
		maxSpeechDuration?: number;
	}

	export interface VadConfig {
		sileroVad?: SileroVadConfig;
		sampleRate?: number;
		numThreads?: number;
		provider?: string;
		debug?: boolean | number;
	}

	export interface SpeechSegment {
		/** Index of the segment's first sample, counted from the detector's first sample. */
		start: number;
		samples: Float32Array;
	}

	export class Vad {
		constructor(config: VadConfig, bufferSizeInSeconds: number);
		readonly config: VadConfig;
		acceptWaveform(samples: Float32Array): void;
		isEmpty(): boolean;
		isDetected(): boolean;
		pop(): void;
		clear(): void;
		front(enableExternalBuffer?: boolean): SpeechSegment;
		reset(): void;
		flush(): void;
	}

	export class CircularBuffer {
		constructor(capacity: number);
		push(samples: Float32Array): void;
		get(
			startIndex: number,
			n: number,
			enableExternalBuffer?: boolean,
		): Float32Array;
		pop(n: number): void;
		size(): number;
		head(): number;
		reset(): void;
	}

	export class LinearResampler {
		constructor(inputSampleRate: number, outputSampleRate: number);
		/** Resamples one chunk, keeping state for the next. */
		resample(samples: Float32Array): Float32Array;
		/** Resamples the last chunk and emits what is buffered. */
		flush(samples: Float32Array): Float32Array;
		reset(): void;
		getInputSampleRate(): number;
		getOutputSampleRate(): number;
	}

	export function readWave(
		filename: string,
		enableExternalBuffer?: boolean,
	): Waveform;
	export function readWaveFromBinary(
		data: Uint8Array,
		enableExternalBuffer?: boolean,
	): Waveform;
	export function writeWave(filename: string, waveform: Waveform): boolean;

	export const version: string;
	export const gitSha1: string;
	export const gitDate: string;
	export const onnxruntimeVersion: string;
}
