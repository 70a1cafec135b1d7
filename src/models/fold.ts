/**
 * Moonshine's ORT files keep each weight as uint8 beside the Cast, Add and Mul that restore it,
 * and onnxruntime, which folds no constants in an ORT-format file, runs those on every run:
 * for the merged decoder, 81 weights and about 30 of a decoding step's 37 ms (measured with
 * onnxruntime's profiler). Folded once into a copy beside the model, a step takes about 6 ms.
 * The copy holds float32 weights (275 MB for the decoder) yet runs in less memory than the
 * original, whose arena held every restored weight anyway.
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
import { isFile } from "./manifest.js";

/**
 * Where the folded copy of `file` lives: a folder per onnxruntime version, which may save
 * what an older one cannot read.
 */
export function foldedModelPath(file: string): string {
	return join(
		dirname(file),
		`folded-onnxruntime-${ort.env.versions.common}`,
		basename(file),
	);
}

/**
 * The folded copy of the ORT-format model `file`, made first if it is missing. The copy appears
 * whole or not at all, so processes that fold at once only repeat the work.
 */
export async function foldModel(file: string): Promise<string> {
	const folded = foldedModelPath(file);
	if (await isFile(folded)) return folded;
	const work = `${folded}.${process.pid}-${threadId}`;
	const onnx = `${work}.onnx`;
	try {
		await mkdir(dirname(folded), { recursive: true });
		await (
			await ort.InferenceSession.create(file, {
				graphOptimizationLevel: "disabled",
				optimizedModelFilePath: onnx,
				extra: { session: { save_model_format: "ONNX" } },
			})
		).release();
		// "basic" folds constants and fuses nothing, so every result stays the same.
		await (
			await ort.InferenceSession.create(nameSubgraphs(await readFile(onnx)), {
				graphOptimizationLevel: "basic",
				optimizedModelFilePath: work,
				extra: { session: { save_model_format: "ORT" } },
			})
		).release();
		await rename(work, folded);
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

// Field numbers in onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_NAME = 2;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_GRAPHS = 11;
const LENGTH_DELIMITED = 2;

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
		if (!named)
			out.push(
				...delimited(GRAPH_NAME, [Buffer.from(`subgraph_${unnamed++}`)]),
			);
		return out;
	};
	const attribute = (bytes: Uint8Array): Uint8Array[] =>
		fieldsOf(bytes).flatMap((field) =>
			field.number === ATTRIBUTE_GRAPH || field.number === ATTRIBUTE_GRAPHS
				? delimited(field.number, graph(field.value))
				: [field.raw],
		);
	const node = (bytes: Uint8Array): Uint8Array[] =>
		fieldsOf(bytes).flatMap((field) =>
			field.number === NODE_ATTRIBUTE
				? delimited(NODE_ATTRIBUTE, attribute(field.value))
				: [field.raw],
		);
	return Buffer.concat(
		fieldsOf(model).flatMap((field) =>
			field.number === MODEL_GRAPH
				? delimited(MODEL_GRAPH, graph(field.value))
				: [field.raw],
		),
	);
}

interface Field {
	number: number;
	/** The whole field as encoded: tag, length and value. */
	raw: Uint8Array;
	/** A length-delimited field's content; empty for other wire types. */
	value: Uint8Array;
}

/** The fields of one protobuf message, in order. */
function fieldsOf(bytes: Uint8Array): Field[] {
	const fields: Field[] = [];
	let at = 0;
	while (at < bytes.length) {
		const start = at;
		const [tag, afterTag] = varint(bytes, at);
		at = afterTag;
		const number = Math.floor(tag / 8);
		let value = bytes.subarray(at, at);
		switch (tag % 8) {
			case 0:
				at = varint(bytes, at)[1];
				break;
			case 1:
				at += 8;
				break;
			case LENGTH_DELIMITED: {
				const [length, afterLength] = varint(bytes, at);
				value = bytes.subarray(afterLength, afterLength + length);
				at = afterLength + length;
				break;
			}
			case 5:
				at += 4;
				break;
			default:
				throw new Error(`not an ONNX model: wire type ${tag % 8} at ${start}`);
		}
		if (at > bytes.length)
			throw new Error(
				`not an ONNX model: a field at ${start} runs past the end`,
			);
		fields.push({ number, raw: bytes.subarray(start, at), value });
	}
	return fields;
}

function varint(bytes: Uint8Array, from: number): [number, number] {
	let value = 0;
	let scale = 1;
	for (let at = from; at < bytes.length && at < from + 10; at++) {
		const byte = bytes[at] as number;
		value += (byte & 0x7f) * scale;
		if (byte < 0x80) return [value, at + 1];
		scale *= 128;
	}
	throw new Error(`not an ONNX model: a number at ${from} never ends`);
}

function encodeVarint(value: number): Uint8Array {
	const bytes: number[] = [];
	let rest = value;
	while (rest >= 0x80) {
		bytes.push((rest % 128) | 0x80);
		rest = Math.floor(rest / 128);
	}
	bytes.push(rest);
	return Uint8Array.from(bytes);
}

/** A length-delimited field `number` whose content is `parts`, in order. */
function delimited(number: number, parts: Uint8Array[]): Uint8Array[] {
	const length = parts.reduce((n, p) => n + p.length, 0);
	return [
		encodeVarint(number * 8 + LENGTH_DELIMITED),
		encodeVarint(length),
		...parts,
	];
}
