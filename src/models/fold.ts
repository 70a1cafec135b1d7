/**
 * Moonshine's ORT files keep each weight as int8 beside the Cast, Mul and Add that restore it,
 * and onnxruntime, which folds no constants in an ORT-format file, runs those on every run:
 * for the merged decoder, 81 weights and about 30 of a decoding step's 37 ms (measured with
 * onnxruntime's profiler). Folded once into a copy beside the model, they run no more. The
 * decoder's copy keeps its MatMuls on the int8 values (see `int8MatMuls`); the encoder's holds
 * float32 weights.
 *
 * onnxruntime folds constants when it loads an ONNX file, and it can save what it loaded in
 * either format, so the copy is made by onnxruntime itself: the ORT file is saved as ONNX,
 * loaded again with constant folding, and saved as ORT. The only repair between the two is
 * that ONNX requires every subgraph to have a name, which ORT files do not keep.
 */
import { mkdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import ort from "onnxruntime-node";
import { int8MatMuls } from "./int8-matmul.js";
import { isFile } from "./manifest.js";
import {
	delimited,
	fieldsOf,
	GRAPH_NODE,
	MODEL_GRAPH,
	stringField,
	withSubgraphs,
} from "./protobuf.js";

export interface FoldOptions {
	/** Its MatMuls of int8 weights run on the int8 values (see `int8MatMuls`). */
	int8MatMuls?: boolean;
}

/**
 * Where the folded copy of `file` lives: a folder per kind of copy and onnxruntime version,
 * which may save what an older one cannot read.
 */
export function foldedModelPath(
	file: string,
	options: FoldOptions = {},
): string {
	const kind = options.int8MatMuls ? "folded-int8" : "folded";
	return join(
		dirname(file),
		`${kind}-onnxruntime-${ort.env.versions.common}`,
		basename(file),
	);
}

/**
 * The folded copy of the ORT-format model `file`, made first if it is missing. The copy appears
 * whole or not at all, so processes that fold at once only repeat the work. Once an int8 copy
 * is made, a float copy that an earlier earshot made of the same file is removed.
 */
export async function foldModel(
	file: string,
	options: FoldOptions = {},
): Promise<string> {
	const folded = foldedModelPath(file, options);
	if (await isFile(folded)) return folded;
	const work = `${folded}.${process.pid}-${threadId}`;
	const onnx = `${work}.onnx`;
	try {
		await mkdir(dirname(folded), { recursive: true });
		await saveAsOnnx(file, onnx);
		const named = nameSubgraphs(await readFile(onnx));
		const prepared = options.int8MatMuls ? int8MatMuls(named) : named;
		// "basic" folds constants and fuses nothing, so every result stays the same.
		await saveModel(prepared, work, "basic", "ORT");
		await rename(work, folded);
		if (options.int8MatMuls) await removeFloatCopy(file);
		return folded;
	} catch (error) {
		// Only when empty: another process may be folding into it.
		await rmdir(dirname(folded)).catch(() => undefined);
		throw new Error(
			`cannot fold ${file}: ${(error as Error)?.message ?? error}`,
			{ cause: error },
		);
	} finally {
		// Where the folder could not be made, these fail too, and must not hide why.
		for (const file of [onnx, work])
			await rm(file, { force: true }).catch(() => undefined);
	}
}

/** Saves the ORT-format model `file` at `path` in ONNX, as onnxruntime read it: unoptimized. */
export function saveAsOnnx(file: string, path: string): Promise<void> {
	return saveModel(file, path, "disabled", "ONNX");
}

/** Saves `model` at `path` in `format`, as onnxruntime loaded it with optimizations at `level`. */
async function saveModel(
	model: string | Uint8Array,
	path: string,
	level: "disabled" | "basic",
	format: "ONNX" | "ORT",
): Promise<void> {
	const options: ort.InferenceSession.SessionOptions = {
		graphOptimizationLevel: level,
		optimizedModelFilePath: path,
		extra: { session: { save_model_format: format } },
	};
	await (typeof model === "string"
		? await ort.InferenceSession.create(model, options)
		: await ort.InferenceSession.create(model, options)
	).release();
}

async function removeFloatCopy(file: string): Promise<void> {
	const stale = foldedModelPath(file);
	await rm(stale, { force: true }).catch(() => undefined);
	// Only when empty: the encoder's float copy may be beside it.
	await rmdir(dirname(stale)).catch(() => undefined);
}

/** GraphProto's name, in onnx.proto. */
const GRAPH_NAME = 2;

/**
 * The ONNX model `model` with a name given to each graph that has none. Everything else is
 * copied byte for byte: only the messages on the way to a graph are re-encoded.
 */
export function nameSubgraphs(model: Uint8Array): Buffer {
	let unnamed = 0;
	const graph = (bytes: Uint8Array): Uint8Array[] => {
		const out: Uint8Array[] = [];
		let named = false;
		for (const field of fieldsOf(bytes)) {
			if (field.number === GRAPH_NAME && field.value.length === 0) continue;
			if (field.number === GRAPH_NAME) named = true;
			out.push(
				...(field.number === GRAPH_NODE
					? delimited(GRAPH_NODE, node(field.value))
					: [field.raw]),
			);
		}
		if (!named) out.push(...stringField(GRAPH_NAME, `subgraph_${unnamed++}`));
		return out;
	};
	const node = (bytes: Uint8Array): Uint8Array[] => withSubgraphs(bytes, graph);
	return Buffer.concat(
		fieldsOf(model).flatMap((field) =>
			field.number === MODEL_GRAPH
				? delimited(MODEL_GRAPH, graph(field.value))
				: [field.raw],
		),
	);
}
