/**
 * Schemas of the client messages' JSON bodies, as far as a server reads them. Only the fields
 * the server acts on are checked, and only their type: the official SDKs send many more (and
 * new ones with new versions), which pass untouched. Null counts as absent, as the server
 * reads every field with `??`.
 */
import * as v from "valibot";
import { ProtocolError } from "./frame.js";

const text = v.nullish(v.string());
const number = v.nullish(v.number());
/** A JSON object: valibot's objects would also take an array. */
const record = <T extends v.ObjectEntries>(entries: T) =>
	v.pipe(
		v.custom<Record<string, unknown>>(
			(value) =>
				typeof value === "object" && value !== null && !Array.isArray(value),
			"object",
		),
		v.looseObject(entries),
	);
const object = <T extends v.ObjectEntries>(entries: T) =>
	v.nullish(record(entries));

const modeSettings = object({
	segmentation: object({
		segmentationSilenceTimeoutMs: number,
		segmentationForcedTimeoutMs: number,
	}),
});

/** speech.context: the fields `turnSettings` reads. */
export const speechContextSchema = record({
	phraseDetection: object({
		language: text,
		initialSilenceTimeout: number,
		conversation: modeSettings,
		interactive: modeSettings,
		dictation: modeSettings,
		enrichment: object({ profanity: text }),
	}),
	phraseOutput: object({ format: text }),
	/** The phrase list (DynamicGrammarBuilder); an item's `text` is used only when a string. */
	dgi: object({
		groups: v.nullish(
			v.array(record({ items: v.nullish(v.array(record({}))) })),
		),
	}),
});

/** speech.config: nothing in it is read, so any object passes. */
export const speechConfigSchema = record({});

/**
 * Returns `body` itself (unknown fields included) when it fits `schema`; otherwise a
 * ProtocolError naming the first offending field, e.g.
 * `speech.context phraseDetection.language: expected string, got object`.
 */
export function checkBody<T>(
	schema: v.GenericSchema<unknown, unknown>,
	path: string,
	body: unknown,
): T {
	const result = v.safeParse(schema, body, { abortEarly: true });
	if (result.success) return body as T;
	const [issue] = result.issues;
	const field = v.getDotPath(issue);
	// A custom check's message is what it expects.
	const expected = issue.type === "custom" ? issue.message : issue.expected;
	throw new ProtocolError(
		`${path}${field ? ` ${field}` : ""}: expected ${expected?.toLowerCase()}, got ${typeName(issue.input)}`,
	);
}

function typeName(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "array";
	return typeof value;
}
