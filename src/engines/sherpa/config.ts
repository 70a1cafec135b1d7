import { isAbsolute, join } from "node:path";
import type {
	OfflineRecognizerConfig,
	OnlineRecognizerConfig,
	VadConfig,
} from "sherpa-onnx-node";
import type { ModelKind } from "../../models/registry.js";

/**
 * The model kinds the sherpa engine runs: every recognizer kind of the model registry, plus
 * CTC kinds that the registry does not list yet (and that the tests generate).
 */
export type SherpaModelKind =
	| Exclude<ModelKind, "vad">
	| "streaming-zipformer2-ctc"
	| "streaming-nemo-ctc"
	| "nemo-ctc";

/** Which kinds decode as they go (OnlineRecognizer); the others run behind the VAD. */
export const STREAMING_KINDS: ReadonlySet<SherpaModelKind> = new Set([
	"streaming-transducer",
	"streaming-zipformer2-ctc",
	"streaming-nemo-ctc",
]);

/**
 * English models whose decoders give tokens with no times: their words are timed by aligning
 * the text to the audio with PocketSphinx.
 */
export const ALIGNED_KINDS: ReadonlySet<SherpaModelKind> = new Set([
	"moonshine",
	"moonshine-v2",
]);

/** Files by role, named after the sherpa-onnx-node config field they fill (as in the registry). */
export interface SherpaModelFiles {
	tokens: string;
	encoder?: string;
	decoder?: string;
	joiner?: string;
	model?: string;
	preprocessor?: string;
	uncachedDecoder?: string;
	cachedDecoder?: string;
	mergedDecoder?: string;
	/** A sentencepiece vocabulary, which lets hotwords be given as plain words. */
	bpeVocab?: string;
}

/** A model on disk: its kind and its files, relative to `dir` unless absolute. */
export interface SherpaModel {
	kind: SherpaModelKind;
	dir: string;
	files: SherpaModelFiles;
	/** Spoken language for multilingual models (whisper, sense-voice); default: detect. */
	language?: string;
}

export interface SherpaConfigOptions {
	/** Intra-op threads for the model. Default 2. */
	numThreads?: number;
	/** "cpu" (default), "cuda", "coreml"... as the sherpa-onnx build supports. */
	provider?: string;
	/**
	 * Decode with modified beam search (transducers only), which hotwords and stream phrases
	 * need. Default: on for streaming transducers given `hotwords`, else off.
	 */
	beamSearch?: boolean;
	/** Engine-wide hotwords for streaming models, one phrase per entry (the addon takes them per recognizer). */
	hotwords?: readonly string[];
	/** Score added per hotword token. Default 1.5. */
	hotwordsScore?: number;
	/** Endpoint rules of streaming models, in seconds; see `endpointRules`. */
	endpoint?: EndpointRules;
}

export interface EndpointRules {
	rule1MinTrailingSilence: number;
	rule2MinTrailingSilence: number;
	rule3MinUtteranceLength: number;
}

/** The rate every sherpa model here is trained at. */
export const SHERPA_SAMPLE_RATE = 16000;
const FEATURE_DIM = 80;
const DEFAULT_THREADS = 2;
const DEFAULT_HOTWORDS_SCORE = 1.5;

/**
 * Endpoint rules from the Azure-style segmentation silence, so that it means the same on
 * every engine:
 * - rule2 (silence after something was decoded ends the segment) is exactly the segmentation
 *   silence;
 * - rule1 (silence with nothing decoded) only discards long stretches of non-speech, so it is
 *   longer: twice the segmentation silence, at least sherpa's default 2.4 s;
 * - rule3 (utterance length) is left to the session's own maximum segment length, so it is
 *   set far out.
 */
export function endpointRules(segmentationSilenceMs: number): EndpointRules {
	const silence = segmentationSilenceMs / 1000;
	return {
		rule1MinTrailingSilence: Math.max(2.4, 2 * silence),
		rule2MinTrailingSilence: silence,
		rule3MinUtteranceLength: 300,
	};
}

const TRANSDUCER_KINDS: ReadonlySet<SherpaModelKind> = new Set([
	"streaming-transducer",
	"nemo-transducer",
]);

/** Whether the model can favour phrases (hotwords need a transducer and beam search). */
export function supportsHotwords(model: SherpaModel): boolean {
	return TRANSDUCER_KINDS.has(model.kind);
}

function resolver(model: SherpaModel) {
	return (role: keyof SherpaModelFiles): string => {
		const file = model.files[role];
		if (!file)
			throw new Error(
				`sherpa model ${model.dir} (${model.kind}) lacks its ${role} file`,
			);
		return isAbsolute(file) ? file : join(model.dir, file);
	};
}

/** Hotwords modelling for models that ship a bpe vocabulary, so phrases can be plain words. */
function bpeOptions(
	model: SherpaModel,
	file: (role: keyof SherpaModelFiles) => string,
) {
	return model.files.bpeVocab
		? { modelingUnit: "bpe", bpeVocab: file("bpeVocab") }
		: {};
}

/** The model-config fields every kind shares. */
function commonModelFields(
	file: ReturnType<typeof resolver>,
	options: SherpaConfigOptions,
) {
	return {
		tokens: file("tokens"),
		numThreads: options.numThreads ?? DEFAULT_THREADS,
		provider: options.provider ?? "cpu",
		debug: 0,
	};
}

/** The OnlineRecognizer config for a streaming model. */
export function onlineConfigFor(
	model: SherpaModel,
	options: SherpaConfigOptions = {},
): OnlineRecognizerConfig {
	const file = resolver(model);
	const common = commonModelFields(file, options);
	let modelConfig: OnlineRecognizerConfig["modelConfig"];
	switch (model.kind) {
		case "streaming-transducer":
			modelConfig = {
				transducer: {
					encoder: file("encoder"),
					decoder: file("decoder"),
					joiner: file("joiner"),
				},
				...common,
				...bpeOptions(model, file),
			};
			break;
		case "streaming-zipformer2-ctc":
			modelConfig = { zipformer2Ctc: { model: file("model") }, ...common };
			break;
		case "streaming-nemo-ctc":
			modelConfig = { nemoCtc: { model: file("model") }, ...common };
			break;
		default:
			throw new Error(`${model.kind} is not a streaming model`);
	}
	const hotwords =
		supportsHotwords(model) && options.hotwords?.length
			? options.hotwords
			: undefined;
	const beam =
		supportsHotwords(model) && (options.beamSearch ?? hotwords !== undefined);
	const endpoint = options.endpoint ?? endpointRules(500);
	return {
		featConfig: { sampleRate: SHERPA_SAMPLE_RATE, featureDim: FEATURE_DIM },
		modelConfig,
		decodingMethod: beam ? "modified_beam_search" : "greedy_search",
		maxActivePaths: 4,
		enableEndpoint: 1,
		...endpoint,
		...(hotwords ? hotwordsFields(hotwords, options) : {}),
	};
}

/** The OfflineRecognizer config for a model that runs behind the VAD. */
export function offlineConfigFor(
	model: SherpaModel,
	options: SherpaConfigOptions = {},
): OfflineRecognizerConfig {
	const file = resolver(model);
	const common = commonModelFields(file, options);
	let modelConfig: OfflineRecognizerConfig["modelConfig"];
	switch (model.kind) {
		case "whisper":
			modelConfig = {
				whisper: {
					encoder: file("encoder"),
					decoder: file("decoder"),
					language: model.language ?? "",
					task: "transcribe",
					tailPaddings: -1,
					enableTokenTimestamps: 1,
				},
				...common,
			};
			break;
		case "moonshine":
			modelConfig = {
				moonshine: {
					preprocessor: file("preprocessor"),
					encoder: file("encoder"),
					uncachedDecoder: file("uncachedDecoder"),
					cachedDecoder: file("cachedDecoder"),
				},
				...common,
			};
			break;
		case "moonshine-v2":
			modelConfig = {
				moonshine: {
					encoder: file("encoder"),
					mergedDecoder: file("mergedDecoder"),
				},
				...common,
			};
			break;
		case "nemo-transducer":
			modelConfig = {
				transducer: {
					encoder: file("encoder"),
					decoder: file("decoder"),
					joiner: file("joiner"),
				},
				modelType: "nemo_transducer",
				...common,
				...bpeOptions(model, file),
			};
			break;
		case "sense-voice":
			modelConfig = {
				senseVoice: {
					model: file("model"),
					language: model.language ?? "auto",
					useInverseTextNormalization: 1,
				},
				...common,
			};
			break;
		case "nemo-ctc":
			modelConfig = { nemoCtc: { model: file("model") }, ...common };
			break;
		default:
			throw new Error(`${model.kind} is a streaming model`);
	}
	const beam = supportsHotwords(model) && (options.beamSearch ?? false);
	return {
		featConfig: { sampleRate: SHERPA_SAMPLE_RATE, featureDim: FEATURE_DIM },
		modelConfig,
		decodingMethod: beam ? "modified_beam_search" : "greedy_search",
		maxActivePaths: 4,
		...(beam
			? { hotwordsScore: options.hotwordsScore ?? DEFAULT_HOTWORDS_SCORE }
			: {}),
	};
}

export type SherpaConfig =
	| { streaming: true; recognizer: OnlineRecognizerConfig }
	| { streaming: false; recognizer: OfflineRecognizerConfig };

/** The exact config object sherpa-onnx-node expects for `model`. */
export function sherpaConfigFor(
	model: SherpaModel,
	options: SherpaConfigOptions = {},
): SherpaConfig {
	return STREAMING_KINDS.has(model.kind)
		? { streaming: true, recognizer: onlineConfigFor(model, options) }
		: { streaming: false, recognizer: offlineConfigFor(model, options) };
}

export interface VadOptions {
	/** Path to silero_vad.onnx. */
	model: string;
	/** Speech probability above which a window is speech. Default 0.5. */
	threshold?: number;
	/** Shorter bursts are ignored, in seconds. Default 0.154 (MIN_SPEECH_S). */
	minSpeechDuration?: number;
	/** Longer speech is cut, in seconds. Default 20 (the offline models decode at most ~30 s). */
	maxSpeechDuration?: number;
}

/** Samples per Silero v5 window at 16 kHz. */
export const VAD_WINDOW = 512;

/**
 * Speech the detector must hear before it opens a phrase: three windows less than 0.25 s, its
 * minimum before. sherpa-onnx confirms speech at the end of a window, and starts the segment
 * this minimum and two windows before that, so a minimum three windows shorter confirms three
 * windows sooner and starts every segment on the same sample as before. That keeps each
 * phrase's audio, and so its transcript: Moonshine heard "fail" as "feel", and "today" as "to
 * be", from starts 64 or 96 samples away (0.16 s, five windows). The bench's first partials
 * came 324 ms after the onset, median, against 424 (measured: docs/engines.md).
 */
const MIN_SPEECH_S =
	(0.25 * SHERPA_SAMPLE_RATE - 3 * VAD_WINDOW) / SHERPA_SAMPLE_RATE;

/**
 * How long Silero still hears speech after its sound has stopped: from an utterance's last
 * 10 ms frame above −40 dB to the end of the detector's segment, a median 150 ms (54 to
 * 250 ms) over the utterances of ../shared/audio/speech. The detector counts its silence
 * from there.
 */
export const SILERO_TRAIL_MS = 150;

/**
 * The detector's own minimum silence for a segmentation silence that, like Azure's
 * `Speech_SegmentationSilenceTimeoutMs`, counts from the end of the sound: less the
 * detector's trail, and at least half of it.
 */
export function detectorSilenceMs(segmentationSilenceMs: number): number {
	return (
		segmentationSilenceMs - Math.min(SILERO_TRAIL_MS, segmentationSilenceMs / 2)
	);
}

/**
 * How far past the start of its silence a detector's segment ends, in samples. The detector
 * counts its minimum silence in whole windows and ends the segment that minimum (in samples,
 * as sherpa-onnx computes it in float) before where it saw it: a 150 ms detector's segments
 * end 128 samples after a 350 ms one's on the same audio.
 */
export function segmentEndPastSilence(silenceMs: number): number {
	const minimum = Math.trunc(
		Math.fround(SHERPA_SAMPLE_RATE * Math.fround(silenceMs / 1000)),
	);
	return Math.ceil(minimum / VAD_WINDOW) * VAD_WINDOW - minimum;
}

/** The Vad config: a segment ends after `silenceMs` of what the detector calls silence. */
export function vadConfigFor(vad: VadOptions, silenceMs: number): VadConfig {
	return {
		sileroVad: {
			model: vad.model,
			threshold: vad.threshold ?? 0.5,
			minSilenceDuration: silenceMs / 1000,
			minSpeechDuration: vad.minSpeechDuration ?? MIN_SPEECH_S,
			windowSize: VAD_WINDOW,
			maxSpeechDuration: vad.maxSpeechDuration ?? 20,
		},
		sampleRate: SHERPA_SAMPLE_RATE,
		numThreads: 1,
		provider: "cpu",
		debug: 0,
	};
}

/** Phrases as sherpa hotwords: one per line in a buffer or file, "/" between them per stream. */
export function hotwordsText(
	phrases: readonly string[],
	separator: "\n" | "/",
): string {
	return phrases
		.map((p) => p.trim().replace(/[/\n]/g, " "))
		.filter((p) => p.length > 0)
		.join(separator);
}

function hotwordsFields(
	hotwords: readonly string[],
	options: SherpaConfigOptions,
) {
	const text = hotwordsText(hotwords, "\n");
	return {
		hotwordsBuf: text,
		hotwordsBufSize: Buffer.byteLength(text),
		hotwordsScore: options.hotwordsScore ?? DEFAULT_HOTWORDS_SCORE,
	};
}
