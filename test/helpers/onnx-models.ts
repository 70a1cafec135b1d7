/**
 * Tiny deterministic ONNX models that the real sherpa-onnx library accepts, for tests that
 * cannot download recognition weights. Each model maps log-mel energy to tokens without
 * learned weights, so a known input gives a known token sequence (a 300 Hz tone "lo", a
 * 5 kHz tone "hi"):
 * - blank when no mel band's log energy reaches `threshold`;
 * - "▁lo" when the loudest band is in the lower half of the mel bands;
 * - "▁hi" when it is in the upper half.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { onnx as OnnxTypes } from "onnx-proto";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type NodeProto = OnnxTypes.INodeProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export const FEATURE_DIM = 80;
export const TOKENS = ["<blk>", "▁lo", "▁hi"] as const;
/** Log-mel energy a band must reach for a frame to count as sound; digital silence is about -23. */
export const DEFAULT_THRESHOLD = -6;

export interface TinyModelPaths {
	dir: string;
	model: string;
	tokens: string;
}

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: readonly Dim[]) {
	return {
		name,
		type: {
			tensorType: {
				elemType,
				shape: {
					dim: dims.map((d) =>
						typeof d === "number" ? { dimValue: d } : { dimParam: d },
					),
				},
			},
		},
	};
}

function node(
	opType: string,
	input: string[],
	output: string[],
	attribute: NodeProto["attribute"] = [],
): NodeProto {
	return { opType, input, output, name: output[0], attribute };
}

const ints = (name: string, values: number[]) => ({
	name,
	type: onnx.AttributeProto.AttributeType.INTS,
	ints: values,
});
const int = (name: string, value: number) => ({
	name,
	type: onnx.AttributeProto.AttributeType.INT,
	i: value,
});

/**
 * The shared body: features [N, T, C] in `x` to log-probs [N, T, 3] in `out`. The logit of
 * "▁lo" is the peak log-mel energy of the lower half of the bands, that of "▁hi" the peak of
 * the upper half, and blank's is the constant `threshold`.
 */
function tokenHead(x: string, out: string, threshold: number) {
	const half = FEATURE_DIM / 2;
	const int64 = (name: string, values: number[]) => ({
		name,
		dims: [values.length],
		dataType: INT64,
		int64Data: values,
	});
	return {
		nodes: [
			node("Slice", [x, "low_start", "low_end", "band_axis"], ["low_bands"]),
			node("Slice", [x, "low_end", "high_end", "band_axis"], ["high_bands"]),
			node(
				"ReduceMax",
				["low_bands"],
				["low_peak"],
				[ints("axes", [-1]), int("keepdims", 1)],
			),
			node(
				"ReduceMax",
				["high_bands"],
				["high_peak"],
				[ints("axes", [-1]), int("keepdims", 1)],
			),
			node("Mul", ["low_peak", "zero"], ["zeros"]),
			node("Add", ["zeros", "threshold"], ["blank_logit"]),
			node(
				"Concat",
				["blank_logit", "low_peak", "high_peak"],
				["logits"],
				[int("axis", -1)],
			),
			node("LogSoftmax", ["logits"], [out], [int("axis", -1)]),
		],
		initializers: [
			int64("low_start", [0]),
			int64("low_end", [half]),
			int64("high_end", [FEATURE_DIM]),
			int64("band_axis", [-1]),
			{ name: "zero", dims: [], dataType: FLOAT, floatData: [0] },
			{ name: "threshold", dims: [], dataType: FLOAT, floatData: [threshold] },
		],
	};
}

function encodeModel(
	graph: OnnxTypes.IGraphProto,
	metadata: Record<string, string | number>,
): Uint8Array {
	const model = onnx.ModelProto.create({
		irVersion: 8,
		opsetImport: [{ domain: "", version: 13 }],
		producerName: "earshot-tests",
		graph,
		metadataProps: Object.entries(metadata).map(([key, value]) => ({
			key,
			value: String(value),
		})),
	});
	return onnx.ModelProto.encode(model).finish();
}

function writeTokens(dir: string): string {
	const path = join(dir, "tokens.txt");
	writeFileSync(path, `${TOKENS.map((t, i) => `${t} ${i}`).join("\n")}\n`);
	return path;
}

function modelDir(dir?: string): string {
	if (dir) {
		mkdirSync(dir, { recursive: true });
		return dir;
	}
	return mkdtempSync(join(tmpdir(), "earshot-onnx-"));
}

/**
 * An offline NeMo EncDecCTC model (sherpa `nemoCtc`): inputs `audio_signal` [N, C, T] and
 * `length` [N], output `logprobs` [N, T, V]. Metadata: vocab_size, subsampling_factor 1
 * (one output frame per 10 ms feature frame), empty normalize_type (no per-utterance
 * normalization, so the energy threshold is absolute).
 */
export function writeOfflineNemoCtcModel(
	options: { dir?: string; threshold?: number } = {},
): TinyModelPaths {
	const dir = modelDir(options.dir);
	const head = tokenHead(
		"features",
		"logprobs",
		options.threshold ?? DEFAULT_THRESHOLD,
	);
	const bytes = encodeModel(
		{
			name: "tiny-nemo-ctc",
			node: [
				node(
					"Transpose",
					["audio_signal"],
					["features"],
					[ints("perm", [0, 2, 1])],
				),
				...head.nodes,
			],
			initializer: head.initializers,
			input: [
				valueInfo("audio_signal", FLOAT, ["N", FEATURE_DIM, "T"]),
				valueInfo("length", INT64, ["N"]),
			],
			output: [valueInfo("logprobs", FLOAT, ["N", "T", TOKENS.length])],
		},
		{
			vocab_size: TOKENS.length,
			subsampling_factor: 1,
			normalize_type: "",
			model_type: "EncDecCTCModelBPE",
		},
	);
	const model = join(dir, "model.onnx");
	writeFileSync(model, bytes);
	return { dir, model, tokens: writeTokens(dir) };
}

/** Feature frames per chunk of the streaming model (10 ms each). */
export const STREAMING_CHUNK_FRAMES = 16;
/** sherpa's online CTC code assumes 4x subsampling (40 ms output frames) for timestamps. */
const STREAMING_SUBSAMPLING = 4;
const CACHE_DIMS = [1, 1, 1] as const;

/**
 * A streaming (cache-aware) NeMo CTC model (sherpa online `nemoCtc`): inputs `audio_signal`
 * [N, C, T], `length` [N] and three caches, outputs `logprobs` [N, T, V], `encoded_lengths`
 * and the caches passed through unchanged. Metadata: window_size = chunk_shift =
 * STREAMING_CHUNK_FRAMES, subsampling_factor 4 (an average pool over time), vocab_size excluding blank (NeMo's
 * convention; sherpa adds one), and the cache shapes.
 */
export function writeStreamingNemoCtcModel(
	options: { dir?: string; threshold?: number } = {},
): TinyModelPaths {
	const dir = modelDir(options.dir);
	const head = tokenHead(
		"features",
		"logprobs",
		options.threshold ?? DEFAULT_THRESHOLD,
	);
	const cacheShape = ["N", ...CACHE_DIMS];
	const bytes = encodeModel(
		{
			name: "tiny-streaming-nemo-ctc",
			node: [
				node(
					"AveragePool",
					["audio_signal"],
					["pooled"],
					[
						ints("kernel_shape", [STREAMING_SUBSAMPLING]),
						ints("strides", [STREAMING_SUBSAMPLING]),
					],
				),
				node("Transpose", ["pooled"], ["features"], [ints("perm", [0, 2, 1])]),
				...head.nodes,
				node("Identity", ["length"], ["encoded_lengths"]),
				node("Identity", ["cache_last_channel"], ["cache_last_channel_next"]),
				node("Identity", ["cache_last_time"], ["cache_last_time_next"]),
				node(
					"Identity",
					["cache_last_channel_len"],
					["cache_last_channel_len_next"],
				),
			],
			initializer: head.initializers,
			input: [
				valueInfo("audio_signal", FLOAT, ["N", FEATURE_DIM, "T"]),
				valueInfo("length", INT64, ["N"]),
				valueInfo("cache_last_channel", FLOAT, cacheShape),
				valueInfo("cache_last_time", FLOAT, cacheShape),
				valueInfo("cache_last_channel_len", INT64, ["N"]),
			],
			output: [
				valueInfo("logprobs", FLOAT, ["N", "T", TOKENS.length]),
				valueInfo("encoded_lengths", INT64, ["N"]),
				valueInfo("cache_last_channel_next", FLOAT, cacheShape),
				valueInfo("cache_last_time_next", FLOAT, cacheShape),
				valueInfo("cache_last_channel_len_next", INT64, ["N"]),
			],
		},
		{
			vocab_size: TOKENS.length - 1,
			window_size: STREAMING_CHUNK_FRAMES,
			chunk_shift: STREAMING_CHUNK_FRAMES,
			subsampling_factor: STREAMING_SUBSAMPLING,
			cache_last_channel_dim1: CACHE_DIMS[0],
			cache_last_channel_dim2: CACHE_DIMS[1],
			cache_last_channel_dim3: CACHE_DIMS[2],
			cache_last_time_dim1: CACHE_DIMS[0],
			cache_last_time_dim2: CACHE_DIMS[1],
			cache_last_time_dim3: CACHE_DIMS[2],
		},
	);
	const model = join(dir, "model.onnx");
	writeFileSync(model, bytes);
	return { dir, model, tokens: writeTokens(dir) };
}
