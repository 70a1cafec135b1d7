/**
 * Just enough protobuf to edit an ONNX model in place: read a message's fields in order, and
 * write fields, so that whatever is not edited is copied byte for byte.
 */

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

export interface Field {
	number: number;
	wireType: number;
	/** The whole field as encoded: tag, length and value. */
	raw: Uint8Array;
	/** A length-delimited field's content, or a fixed-width field's bytes; empty for a varint. */
	value: Uint8Array;
	/** A varint field's number. */
	int: number;
}

/** The fields of one protobuf message, in order. */
export function fieldsOf(bytes: Uint8Array): Field[] {
	const fields: Field[] = [];
	let at = 0;
	while (at < bytes.length) {
		const start = at;
		const [tag, afterTag] = varint(bytes, at);
		at = afterTag;
		const wireType = tag % 8;
		let value = bytes.subarray(at, at);
		let int = 0;
		switch (wireType) {
			case VARINT:
				[int, at] = varint(bytes, at);
				break;
			case FIXED64:
				value = bytes.subarray(at, at + 8);
				at += 8;
				break;
			case LENGTH_DELIMITED: {
				const [length, afterLength] = varint(bytes, at);
				value = bytes.subarray(afterLength, afterLength + length);
				at = afterLength + length;
				break;
			}
			case FIXED32:
				value = bytes.subarray(at, at + 4);
				at += 4;
				break;
			default:
				throw new Error(`not an ONNX model: wire type ${wireType} at ${start}`);
		}
		if (at > bytes.length)
			throw new Error(
				`not an ONNX model: a field at ${start} runs past the end`,
			);
		fields.push({
			number: Math.floor(tag / 8),
			wireType,
			raw: bytes.subarray(start, at),
			value,
			int,
		});
	}
	return fields;
}

/** The numbers of a repeated varint field's occurrence, packed or not. */
export function varintsOf(field: Field): number[] {
	if (field.wireType === VARINT) return [field.int];
	const values: number[] = [];
	for (let at = 0; at < field.value.length; ) {
		const [value, next] = varint(field.value, at);
		values.push(value);
		at = next;
	}
	return values;
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
export function delimited(number: number, parts: Uint8Array[]): Uint8Array[] {
	const length = parts.reduce((n, p) => n + p.length, 0);
	return [
		encodeVarint(number * 8 + LENGTH_DELIMITED),
		encodeVarint(length),
		...parts,
	];
}

/** A varint field `number` holding `value` (not negative). */
export function varintField(number: number, value: number): Uint8Array[] {
	return [encodeVarint(number * 8 + VARINT), encodeVarint(value)];
}

/** A length-delimited field `number` holding `text` as UTF-8. */
export function stringField(number: number, text: string): Uint8Array[] {
	return delimited(number, [Buffer.from(text, "utf8")]);
}

// Field numbers in onnx.proto that every rewrite walks.
export const MODEL_GRAPH = 7;
export const GRAPH_NODE = 1;
export const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_GRAPHS = 11;

/**
 * The node `node` with each graph among its attributes (an If's branches) replaced by what
 * `graph` makes of it; everything else copied byte for byte.
 */
export function withSubgraphs(
	node: Uint8Array,
	graph: (bytes: Uint8Array) => Uint8Array[],
): Uint8Array[] {
	return fieldsOf(node).flatMap((field) =>
		field.number === NODE_ATTRIBUTE
			? delimited(
					NODE_ATTRIBUTE,
					fieldsOf(field.value).flatMap((a) =>
						a.number === ATTRIBUTE_GRAPH || a.number === ATTRIBUTE_GRAPHS
							? delimited(a.number, graph(a.value))
							: [a.raw],
					),
				)
			: [field.raw],
	);
}
