/**
 * Moonshine keeps each weight as int8, restored to float32 by Cast, Mul and Add with one scale
 * and one offset per tensor. Folded to float32, a decoder step reads 165 MB of weights, and on
 * a machine short of memory bandwidth that read is most of the step. Here each MatMul that
 * takes such a weight, or its transpose, becomes onnxruntime's MatMulNBits with 8 bits: the
 * weight stays int8 (as uint8 around a zero point, which is exact, since every offset is a
 * whole number of scales), and the product is taken in int8 (accuracy level 4), a quarter of
 * the bytes. Measured on 2 cores: a decoder step 19 -> 10 ms, the same WER on ../shared.
 */
import {
	delimited,
	type Field,
	fieldsOf,
	GRAPH_NODE,
	MODEL_GRAPH,
	NODE_ATTRIBUTE,
	stringField,
	varintField,
	varintsOf,
	withSubgraphs,
} from "./protobuf.js";

// Field numbers in onnx.proto.
const MODEL_OPSET_IMPORT = 8;
const OPSET_DOMAIN = 1;
const OPSET_VERSION = 2;
const GRAPH_INITIALIZER = 5;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_I = 3;
const ATTRIBUTE_INTS = 8;
const ATTRIBUTE_TYPE = 20;
const ATTRIBUTE_TYPE_INT = 2;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;

const CONTRIB_DOMAIN = "com.microsoft";
/** MatMulNBits quantizes along K in blocks of this many; every Moonshine K is a multiple. */
const BLOCK = 32;
/** MatMulNBits' int8 arithmetic: the activations are quantized too, per block. */
const INT8_ACCURACY = 4;

interface NodeInfo {
	opType: string;
	inputs: string[];
	outputs: string[];
	name: string;
	/** Transpose's permutation, where given. */
	perm?: number[];
}

/** An int8 weight and how it is restored: scale * (value - zeroPoint). */
interface Int8Weight {
	values: Uint8Array;
	/** [rows, columns] as stored. */
	dims: number[];
	scale: number;
	zeroPoint: number;
}

/**
 * The ONNX model `model` with every MatMul of a restored int8 weight (or of its transpose)
 * replaced by MatMulNBits over the int8 values. The restoring nodes stay for their other uses
 * (an embedding's Gather), which constant folding then folds.
 */
export function int8MatMuls(model: Uint8Array): Buffer {
	const fields = fieldsOf(model);
	const graph = fields.find((f) => f.number === MODEL_GRAPH);
	if (!graph) return Buffer.from(model);
	const weights = restoredWeights(fieldsOf(graph.value));
	const packed = new Map<string, Uint8Array[]>();

	const rewriteGraph = (bytes: Uint8Array): Uint8Array[] => {
		const graphFields = fieldsOf(bytes);
		const nodes = graphFields
			.filter((f) => f.number === GRAPH_NODE)
			.map((f) => nodeInfo(f.value));
		// Transposed weights: Transpose output -> the restored weight it transposes.
		const transposed = new Map<string, string>();
		for (const node of nodes)
			if (
				node.opType === "Transpose" &&
				weights.has(node.inputs[0] as string) &&
				(!node.perm || (node.perm[0] === 1 && node.perm[1] === 0))
			)
				transposed.set(node.outputs[0] as string, node.inputs[0] as string);
		let index = 0;
		return graphFields.flatMap((field) => {
			if (field.number !== GRAPH_NODE) return [field.raw];
			const node = nodes[index++] as NodeInfo;
			const b = node.inputs[1] ?? "";
			const source = weights.has(b) ? b : transposed.get(b);
			const weight = source === undefined ? undefined : weights.get(source);
			const isTransposed = source !== b;
			const k = isTransposed ? weight?.dims[1] : weight?.dims[0];
			if (
				node.opType !== "MatMul" ||
				!source ||
				!weight ||
				k === undefined ||
				k % BLOCK !== 0
			)
				return delimited(GRAPH_NODE, withSubgraphs(field.value, rewriteGraph));
			const name = isTransposed ? `${source}.T` : source;
			if (!packed.has(name))
				packed.set(name, packedInitializers(name, weight, isTransposed));
			return delimited(
				GRAPH_NODE,
				matMulNBits(node, name, k, weight.values.length / k),
			);
		});
	};

	const graphParts = rewriteGraph(graph.value);
	if (packed.size === 0) return Buffer.from(model);
	graphParts.push(...[...packed.values()].flat());
	const hasContribOpset = fields.some(
		(f) =>
			f.number === MODEL_OPSET_IMPORT &&
			fieldsOf(f.value).some(
				(o) =>
					o.number === OPSET_DOMAIN &&
					Buffer.from(o.value).toString() === CONTRIB_DOMAIN,
			),
	);
	return Buffer.concat([
		...fields.flatMap((field) =>
			field.number === MODEL_GRAPH
				? delimited(MODEL_GRAPH, graphParts)
				: [field.raw],
		),
		...(hasContribOpset
			? []
			: delimited(MODEL_OPSET_IMPORT, [
					...stringField(OPSET_DOMAIN, CONTRIB_DOMAIN),
					...varintField(OPSET_VERSION, 1),
				])),
	]);
}

/**
 * The outputs of the graph's Add(Mul(Cast(int8 initializer), scale), offset) chains, where
 * scale and offset are single floats and the offset is a whole number of scales that fits a
 * uint8 zero point.
 */
function restoredWeights(graph: Field[]): Map<string, Int8Weight> {
	const tensors = new Map<string, Field[]>();
	for (const field of graph)
		if (field.number === GRAPH_INITIALIZER) {
			const tensor = fieldsOf(field.value);
			const name = tensor.find((f) => f.number === TENSOR_NAME);
			if (name) tensors.set(Buffer.from(name.value).toString(), tensor);
		}
	const producers = new Map<string, NodeInfo>();
	for (const field of graph)
		if (field.number === GRAPH_NODE) {
			const node = nodeInfo(field.value);
			for (const output of node.outputs) producers.set(output, node);
		}
	const weights = new Map<string, Int8Weight>();
	for (const [output, add] of producers) {
		if (add.opType !== "Add") continue;
		const mul = producers.get(add.inputs[0] ?? "");
		if (mul?.opType !== "Mul") continue;
		const cast = producers.get(mul.inputs[0] ?? "");
		if (cast?.opType !== "Cast") continue;
		const values = tensors.get(cast.inputs[0] ?? "");
		const scale = scalarOf(tensors.get(mul.inputs[1] ?? ""));
		const offset = scalarOf(tensors.get(add.inputs[1] ?? ""));
		if (!values || scale === undefined || offset === undefined || scale === 0)
			continue;
		const dims = values
			.filter((f) => f.number === TENSOR_DIMS)
			.flatMap(varintsOf);
		const type = values.find((f) => f.number === TENSOR_DATA_TYPE)?.int;
		const raw = values.find((f) => f.number === TENSOR_RAW_DATA)?.value;
		const zeroPoint = Math.round(-offset / scale);
		if (
			type !== INT8 ||
			dims.length !== 2 ||
			raw?.length !== (dims[0] as number) * (dims[1] as number) ||
			Math.abs(-offset / scale - zeroPoint) > 1e-3 ||
			zeroPoint < -128 ||
			zeroPoint > 127
		)
			continue;
		weights.set(output, { values: raw, dims, scale, zeroPoint });
	}
	return weights;
}

/** A float tensor's one value; undefined for any other tensor. */
function scalarOf(tensor: Field[] | undefined): number | undefined {
	if (!tensor) return undefined;
	if (tensor.find((f) => f.number === TENSOR_DATA_TYPE)?.int !== FLOAT)
		return undefined;
	const dims = tensor
		.filter((f) => f.number === TENSOR_DIMS)
		.flatMap(varintsOf);
	if (dims.reduce((n, d) => n * d, 1) !== 1) return undefined;
	const bytes =
		tensor.find((f) => f.number === TENSOR_RAW_DATA)?.value ??
		tensor.find((f) => f.number === TENSOR_FLOAT_DATA)?.value;
	if (bytes?.length !== 4) return undefined;
	return Buffer.from(bytes).readFloatLE(0);
}

function nodeInfo(bytes: Uint8Array): NodeInfo {
	const node: NodeInfo = { opType: "", inputs: [], outputs: [], name: "" };
	for (const field of fieldsOf(bytes)) {
		const text = () => Buffer.from(field.value).toString();
		if (field.number === NODE_INPUT) node.inputs.push(text());
		else if (field.number === NODE_OUTPUT) node.outputs.push(text());
		else if (field.number === NODE_NAME) node.name = text();
		else if (field.number === NODE_OP_TYPE) node.opType = text();
		else if (field.number === NODE_ATTRIBUTE) {
			const attribute = fieldsOf(field.value);
			const name = attribute.find((f) => f.number === ATTRIBUTE_NAME);
			if (name && Buffer.from(name.value).toString() === "perm")
				node.perm = attribute
					.filter((f) => f.number === ATTRIBUTE_INTS)
					.flatMap(varintsOf);
		}
	}
	return node;
}

/**
 * MatMulNBits' weight as [N, K / BLOCK, BLOCK] uint8 (the int8 value + 128), with a scale and
 * zero point per block, all the tensor's own. `weight` is [K, N], or [N, K] when transposed.
 */
function packedInitializers(
	name: string,
	weight: Int8Weight,
	transposed: boolean,
): Uint8Array[] {
	const [rows, columns] = weight.dims as [number, number];
	const [k, n] = transposed ? [columns, rows] : [rows, columns];
	const values = new Uint8Array(n * k);
	// Adding 128 to an int8 flips its top bit.
	if (transposed)
		for (let i = 0; i < values.length; i++)
			values[i] = (weight.values[i] as number) ^ 0x80;
	else
		for (let row = 0; row < k; row++)
			for (let column = 0; column < n; column++)
				values[column * k + row] =
					(weight.values[row * n + column] as number) ^ 0x80;
	const blocks = (n * k) / BLOCK;
	const scales = Buffer.alloc(blocks * 4);
	for (let i = 0; i < blocks; i++) scales.writeFloatLE(weight.scale, i * 4);
	return [
		...initializer(`${name}.int8`, [n, k / BLOCK, BLOCK], UINT8, values),
		...initializer(`${name}.scales`, [blocks], FLOAT, scales),
		...initializer(
			`${name}.zero_points`,
			[blocks],
			UINT8,
			new Uint8Array(blocks).fill(weight.zeroPoint + 128),
		),
	];
}

function initializer(
	name: string,
	dims: number[],
	type: number,
	data: Uint8Array,
): Uint8Array[] {
	return delimited(GRAPH_INITIALIZER, [
		...dims.flatMap((d) => varintField(TENSOR_DIMS, d)),
		...varintField(TENSOR_DATA_TYPE, type),
		...stringField(TENSOR_NAME, name),
		...delimited(TENSOR_RAW_DATA, [data]),
	]);
}

function matMulNBits(
	node: NodeInfo,
	weight: string,
	k: number,
	n: number,
): Uint8Array[] {
	const attribute = (name: string, value: number) =>
		delimited(NODE_ATTRIBUTE, [
			...stringField(ATTRIBUTE_NAME, name),
			...varintField(ATTRIBUTE_I, value),
			...varintField(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT),
		]);
	return [
		...stringField(NODE_INPUT, node.inputs[0] as string),
		...stringField(NODE_INPUT, `${weight}.int8`),
		...stringField(NODE_INPUT, `${weight}.scales`),
		...stringField(NODE_INPUT, `${weight}.zero_points`),
		...node.outputs.flatMap((o) => stringField(NODE_OUTPUT, o)),
		...stringField(NODE_NAME, node.name),
		...stringField(NODE_OP_TYPE, "MatMulNBits"),
		...stringField(NODE_DOMAIN, CONTRIB_DOMAIN),
		...attribute("K", k),
		...attribute("N", n),
		...attribute("bits", 8),
		...attribute("block_size", BLOCK),
		...attribute("accuracy_level", INT8_ACCURACY),
	];
}
