import { ModelError } from "./errors.js";

export type ModelKind =
	| "streaming-transducer"
	| "whisper"
	| "moonshine"
	| "moonshine-v2"
	| "nemo-transducer"
	| "sense-voice"
	| "vad";

/**
 * The files each kind needs, named by the sherpa-onnx-node config field they fill
 * (`transducer.encoder`, `moonshine.uncachedDecoder`, `senseVoice.model`, `tokens`, ...).
 */
export const REQUIRED_FILES = {
	"streaming-transducer": ["encoder", "decoder", "joiner", "tokens"],
	whisper: ["encoder", "decoder", "tokens"],
	moonshine: [
		"preprocessor",
		"encoder",
		"uncachedDecoder",
		"cachedDecoder",
		"tokens",
	],
	/** Moonshine as its authors export it: one merged decoder with a KV cache (sherpa's "v2"). */
	"moonshine-v2": ["encoder", "mergedDecoder", "tokens"],
	"nemo-transducer": ["encoder", "decoder", "joiner", "tokens"],
	"sense-voice": ["model", "tokens"],
	vad: ["model"],
} as const satisfies Record<ModelKind, readonly string[]>;

export type ModelFileRole<K extends ModelKind = ModelKind> =
	(typeof REQUIRED_FILES)[K][number];

interface ModelEntryBase {
	/** The release asset's name without extension; also the install directory's name. */
	name: string;
	description: string;
	/** The official download; EARSHOT_MODEL_MIRROR replaces everything before the file name. */
	url: string;
	/** "tar.bz2": an archive holding one directory; "file": the asset is the model file itself. */
	format: "tar.bz2" | "file";
	/** The directory the archive unpacks to, when it differs from `name`. */
	archiveRoot?: string;
	/**
	 * sha256 of the asset. Unset where no authoritative value is known: the download is then
	 * checked against upstream's published checksum.txt when one is served, else recorded as is.
	 */
	sha256?: string;
	/** Approximate download size in bytes, for listings and progress; never enforced. */
	approxBytes?: number;
	languages: readonly string[];
	streaming: boolean;
	/** Published WER in percent on LibriSpeech test-clean, where known. */
	werLibriSpeechClean?: number;
	/** Other registry entries this model cannot run without (offline models need the VAD). */
	needs?: readonly string[];
}

export type ModelEntry = {
	[K in ModelKind]: ModelEntryBase & {
		kind: K;
		/** Paths relative to the installed model directory, by role. */
		files: Record<ModelFileRole<K>, string>;
	};
}[ModelKind];

export type Registry = readonly ModelEntry[];

const RELEASES =
	"https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models";
const VAD = "silero-vad";

/*
 * File names come from sherpa-onnx's own examples and docs (nodejs-addon-examples, the k2-fsa/sherpa
 * pretrained-model pages). No sha256 here is authoritative, so none is pinned. Sizes are approximate:
 * taken from third-party catalogs that measured the release assets.
 */
export const REGISTRY: Registry = [
	{
		name: "sherpa-onnx-streaming-zipformer-en-2023-06-26",
		description:
			"Streaming Zipformer transducer (LibriSpeech + GigaSpeech), int8",
		kind: "streaming-transducer",
		url: `${RELEASES}/sherpa-onnx-streaming-zipformer-en-2023-06-26.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 310_414_022,
		languages: ["en"],
		streaming: true,
		werLibriSpeechClean: 3,
		files: {
			encoder: "encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx",
			decoder: "decoder-epoch-99-avg-1-chunk-16-left-128.onnx",
			joiner: "joiner-epoch-99-avg-1-chunk-16-left-128.int8.onnx",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-streaming-zipformer-en-20M-2023-02-17",
		description: "Small streaming Zipformer transducer (20M parameters), int8",
		kind: "streaming-transducer",
		url: `${RELEASES}/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 127_887_156,
		languages: ["en"],
		streaming: true,
		files: {
			encoder: "encoder-epoch-99-avg-1.int8.onnx",
			decoder: "decoder-epoch-99-avg-1.onnx",
			joiner: "joiner-epoch-99-avg-1.int8.onnx",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-whisper-tiny.en",
		description: "OpenAI Whisper tiny.en, int8",
		kind: "whisper",
		url: `${RELEASES}/sherpa-onnx-whisper-tiny.en.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 110_000_000,
		languages: ["en"],
		streaming: false,
		needs: [VAD],
		files: {
			encoder: "tiny.en-encoder.int8.onnx",
			decoder: "tiny.en-decoder.int8.onnx",
			tokens: "tiny.en-tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-whisper-base.en",
		description: "OpenAI Whisper base.en, int8",
		kind: "whisper",
		url: `${RELEASES}/sherpa-onnx-whisper-base.en.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 198_000_000,
		languages: ["en"],
		streaming: false,
		werLibriSpeechClean: 4.3,
		needs: [VAD],
		files: {
			encoder: "base.en-encoder.int8.onnx",
			decoder: "base.en-decoder.int8.onnx",
			tokens: "base.en-tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-moonshine-tiny-en-int8",
		description: "Useful Sensors Moonshine tiny, int8",
		kind: "moonshine",
		url: `${RELEASES}/sherpa-onnx-moonshine-tiny-en-int8.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 107_600_538,
		languages: ["en"],
		streaming: false,
		needs: [VAD],
		files: {
			preprocessor: "preprocess.onnx",
			encoder: "encode.int8.onnx",
			uncachedDecoder: "uncached_decode.int8.onnx",
			cachedDecoder: "cached_decode.int8.onnx",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-moonshine-base-en-int8",
		description: "Useful Sensors Moonshine base, int8",
		kind: "moonshine",
		url: `${RELEASES}/sherpa-onnx-moonshine-base-en-int8.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 250_807_309,
		languages: ["en"],
		streaming: false,
		werLibriSpeechClean: 3.2,
		needs: [VAD],
		files: {
			preprocessor: "preprocess.onnx",
			encoder: "encode.int8.onnx",
			uncachedDecoder: "uncached_decode.int8.onnx",
			cachedDecoder: "cached_decode.int8.onnx",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8",
		description:
			"NVIDIA Parakeet TDT 0.6B v2 transducer, int8, with punctuation and casing",
		kind: "nemo-transducer",
		url: `${RELEASES}/sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 483_000_000,
		languages: ["en"],
		streaming: false,
		werLibriSpeechClean: 1.7,
		needs: [VAD],
		files: {
			encoder: "encoder.int8.onnx",
			decoder: "decoder.int8.onnx",
			joiner: "joiner.int8.onnx",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17",
		description:
			"FunAudioLLM SenseVoice small, int8; Chinese, English, Japanese, Korean, Cantonese",
		kind: "sense-voice",
		url: `${RELEASES}/sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17.tar.bz2`,
		format: "tar.bz2",
		approxBytes: 1_047_870_769,
		languages: ["zh", "en", "ja", "ko", "yue"],
		streaming: false,
		needs: [VAD],
		files: { model: "model.int8.onnx", tokens: "tokens.txt" },
	},
	{
		name: VAD,
		description:
			"Silero voice-activity detector, used to segment audio for the offline models",
		kind: "vad",
		url: `${RELEASES}/silero_vad.onnx`,
		format: "file",
		languages: [],
		streaming: false,
		files: { model: "silero_vad.onnx" },
	},
];

/** The entry called `name`, or a ModelError naming the command that lists them. */
export function findModel(
	name: string,
	registry: Registry = REGISTRY,
): ModelEntry {
	const entry = registry.find((e) => e.name === name);
	if (!entry) {
		throw new ModelError(
			"unknown-model",
			`unknown model "${name}"; run \`earshot models list\` for the available names`,
		);
	}
	return entry;
}

/** The file roles of an entry with their relative paths. */
export function modelFileEntries(
	entry: ModelEntry,
): [role: string, path: string][] {
	return Object.entries(entry.files);
}

/** The download URL, with the mirror (EARSHOT_MODEL_MIRROR) in place of the release base. */
export function downloadUrl(
	entry: ModelEntry,
	mirror: string | undefined,
): string {
	if (!mirror) return entry.url;
	const fileName = assetName(entry);
	return `${mirror.replace(/\/+$/, "")}/${fileName}`;
}

/** The release asset's file name, e.g. `sherpa-onnx-whisper-tiny.en.tar.bz2`. */
export function assetName(entry: ModelEntry): string {
	const path = new URL(entry.url).pathname;
	return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}
