// Fuzz properties shared by CI (test/fuzz-*.test.ts, few runs) and `npm run fuzz` (bench/fuzz.ts, many).
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { openAudioFile } from "../../src/audio/decode.js";
import {
	createPcmConverter,
	frameBytes,
	type PcmFormat,
	parseWavHeader,
	validateFormat,
} from "../../src/audio/pcm.js";
import { AudioFormatError } from "../../src/audio/source.js";
import { createStreamSource } from "../../src/audio/stream.js";
import {
	decodeFrame,
	decodeTextMessage,
	encodeBinaryMessage,
	encodeTextMessage,
	MessageHeaders,
	ProtocolError,
} from "../../src/protocol/frame.js";
import { parseClientMessage } from "../../src/protocol/messages.js";
import {
	parseSessionRequest,
	RECOGNITION_PATHS,
} from "../../src/protocol/paths.js";
import { turnSettings } from "../../src/server/settings.js";
import { scratchPath, sox } from "../audio-fixtures.js";

/** A property and how many runs CI gives it; `npm run fuzz` multiplies the runs. */
export interface FuzzTarget {
	name: string;
	property: fc.IRawProperty<unknown[]>;
	runs: number;
}

/**
 * An async case that has not answered by then never will: a hang, not a slow machine. (A
 * synchronous hang never returns at all, and the test's own timeout reports it.)
 */
const ASYNC_LIMIT_MS = 30_000;

/** Runs `fn`; an error of the expected class is a clean refusal, anything else fails the case. */
function refusesCleanly(
	fn: () => unknown,
	expected: new (...args: never[]) => Error,
): void {
	try {
		fn();
	} catch (error) {
		if (!(error instanceof expected)) throw error;
	}
}

async function refusesCleanlyAsync(fn: () => Promise<unknown>): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const hang = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error(`no answer in ${ASYNC_LIMIT_MS} ms: a hang`)),
			ASYNC_LIMIT_MS,
		);
	});
	try {
		await Promise.race([fn(), hang]);
	} catch (error) {
		if (!(error instanceof AudioFormatError)) throw error;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * A copy of `base` with up to 8 bytes overwritten, then maybe cut short or grown by random
 * bytes. Half the overwrites land in the first 64 bytes, where the headers are.
 */
export function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
	const position = fc.oneof(fc.nat(63), fc.nat());
	return fc
		.record({
			changes: fc.array(fc.tuple(position, fc.nat(255)), {
				maxLength: 8,
			}),
			cut: fc.option(fc.nat(), { nil: undefined }),
			tail: fc.uint8Array({ maxLength: 64 }),
		})
		.map(({ changes, cut, tail }) => {
			const bytes = Uint8Array.from(base);
			for (const [at, value] of changes) bytes[at % bytes.length] = value;
			const kept =
				cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
			const out = new Uint8Array(kept.length + tail.length);
			out.set(kept);
			out.set(tail, kept.length);
			return out;
		});
}

/** Small real files to mutate: WAV in several layouts, and FLAC. */
export function seedFiles(): { wav: Buffer[]; flac: Buffer[] } {
	const make = (ext: string, ...format: string[]) => {
		const out = scratchPath(ext);
		sox(
			"-R",
			"-n",
			...format,
			out,
			"synth",
			"0.05",
			"sine",
			"440",
			"vol",
			"0.5",
		);
		return readFileSync(out);
	};
	return {
		wav: [
			make("wav", "-r", "16000", "-b", "16", "-c", "1"),
			make("wav", "-r", "44100", "-b", "24", "-c", "2"),
			make("wav", "-r", "8000", "-e", "mu-law", "-c", "1"),
			make("wav", "-r", "48000", "-e", "floating-point", "-b", "32", "-c", "6"),
		],
		flac: [
			make("flac", "-r", "16000", "-b", "16", "-c", "1"),
			make("flac", "-r", "44100", "-b", "24", "-c", "2"),
		],
	};
}

const sampleFormat: fc.Arbitrary<PcmFormat> = fc.oneof(
	fc.record({
		sampleRate: fc.constantFrom(8000, 16000, 22050, 44100, 48000),
		channels: fc.integer({ min: 1, max: 8 }),
		encoding: fc.constant("pcm" as const),
		bitsPerSample: fc.constantFrom(8, 16, 24, 32),
	}),
	fc.record({
		sampleRate: fc.constantFrom(8000, 16000),
		channels: fc.integer({ min: 1, max: 2 }),
		encoding: fc.constantFrom("alaw" as const, "mulaw" as const),
		bitsPerSample: fc.constant(8),
	}),
	fc.record({
		sampleRate: fc.constantFrom(16000, 48000),
		channels: fc.integer({ min: 1, max: 2 }),
		encoding: fc.constant("float" as const),
		bitsPerSample: fc.constantFrom(32, 64),
	}),
);

/** Any format, most of them nonsense: the parsers must refuse these with AudioFormatError. */
const anyFormat: fc.Arbitrary<PcmFormat> = fc.record({
	sampleRate: fc.oneof(fc.integer(), fc.double()),
	channels: fc.integer({ min: -2, max: 100 }),
	encoding: fc.constantFrom("pcm", "float", "alaw", "mulaw") as fc.Arbitrary<
		PcmFormat["encoding"]
	>,
	bitsPerSample: fc.integer({ min: -1, max: 80 }),
});

/** Bytes split at random places, as a network or a pipe delivers them. */
function pieces(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const at = [
		...new Set(cuts.map((c) => c % (bytes.length + 1))),
		bytes.length,
	].sort((a, b) => a - b);
	let from = 0;
	return at.map((to) => {
		const piece = bytes.subarray(from, to);
		from = to;
		return piece;
	});
}

export function audioTargets(seeds = seedFiles()): FuzzTarget[] {
	const anyWav = fc.oneof(...seeds.wav.map(mutated));
	const anyFlac = fc.oneof(...seeds.flac.map(mutated));
	// Random bytes that start like a RIFF file get past the first check.
	const riffish = fc
		.tuple(fc.uint8Array({ maxLength: 300 }), fc.boolean())
		.map(([bytes, riff]) => {
			if (!riff) return bytes;
			const out = new Uint8Array(12 + bytes.length);
			out.set(new TextEncoder().encode("RIFF\0\0\0\0WAVE"));
			out.set(bytes, 12);
			return out;
		});
	return [
		{
			name: "parseWavHeader: random and mutated headers give a valid header, undefined or AudioFormatError",
			property: fc.property(fc.oneof(riffish, anyWav), (bytes) => {
				refusesCleanly(() => {
					const header = parseWavHeader(bytes);
					if (!header) return;
					validateFormat(header.format);
					if (header.dataOffset > bytes.length)
						throw new Error(`data offset ${header.dataOffset} past the end`);
				}, AudioFormatError);
			}),
			runs: 3000,
		},
		{
			name: "createPcmConverter: any split of any bytes gives every whole frame, in [-1, 1]",
			property: fc.property(
				sampleFormat,
				fc.uint8Array({ maxLength: 2000 }),
				fc.array(fc.nat(), { maxLength: 8 }),
				(format, bytes, cuts) => {
					const converter = createPcmConverter(format);
					let frames = 0;
					for (const piece of pieces(bytes, cuts)) {
						const out = converter.convert(piece);
						frames += out.length;
						if (format.encoding !== "float")
							for (const x of out)
								if (!(x >= -1 && x <= 1))
									throw new Error(`sample ${x} out of range`);
					}
					const frame = frameBytes(format);
					if (frames !== Math.floor(bytes.length / frame))
						throw new Error(`${frames} frames from ${bytes.length} bytes`);
					if (converter.pendingBytes !== bytes.length % frame)
						throw new Error(`${converter.pendingBytes} bytes pending`);
				},
			),
			runs: 1000,
		},
		{
			name: "createPcmConverter: a nonsense format is an AudioFormatError",
			property: fc.property(anyFormat, (format) => {
				refusesCleanly(() => createPcmConverter(format), AudioFormatError);
			}),
			runs: 1000,
		},
		{
			name: "openAudioFile: mutated WAV and FLAC files and random bytes decode or reject with AudioFormatError",
			property: fc.asyncProperty(
				fc.oneof(anyWav, anyFlac, fc.uint8Array({ maxLength: 400 })),
				(bytes) => refusesCleanlyAsync(() => openAudioFile(Buffer.from(bytes))),
			),
			runs: 500,
		},
		{
			name: "createStreamSource: mutated WAV streams and raw bytes, in any pieces, end or reject with AudioFormatError",
			property: fc.asyncProperty(
				fc.oneof(sampleFormat, anyFormat),
				fc.oneof(anyWav, riffish),
				fc.array(fc.nat(), { maxLength: 8 }),
				(format, bytes, cuts) =>
					refusesCleanlyAsync(async () => {
						const source = createStreamSource(format, { live: false });
						for (const piece of pieces(bytes, cuts)) source.write(piece);
						source.end();
						for await (const chunk of source.chunks())
							if (chunk.length > Math.ceil(format.sampleRate / 10))
								throw new Error(`a chunk of ${chunk.length} samples`);
					}),
			),
			runs: 1000,
		},
	];
}

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
/** Header lines other than Path, as the SDK sends them. */
export const headerList = fc
	.uniqueArray(fc.tuple(headerName, headerValue), {
		selector: ([name]) => name.toLowerCase(),
		maxLength: 8,
	})
	.map((entries) => entries.filter(([name]) => name.toLowerCase() !== "path"));
export const messagePath = fc.stringMatching(/^[a-z][a-z.]{0,20}$/);

export function frameTargets(): FuzzTarget[] {
	const decodes = (fn: () => unknown) => refusesCleanly(fn, ProtocolError);
	const validBinary = fc
		.tuple(messagePath, headerList, fc.uint8Array({ maxLength: 100 }))
		.map(([p, entries, b]) =>
			encodeBinaryMessage({
				headers: new MessageHeaders([["Path", p], ...entries]),
				body: b,
			}),
		);
	const validText = fc
		.tuple(messagePath, headerList, fc.string({ maxLength: 100 }))
		.map(([p, entries, b]) =>
			encodeTextMessage({
				headers: new MessageHeaders([["Path", p], ...entries]),
				body: b,
			}),
		);
	const textMutation = fc.array(
		fc.tuple(
			fc.nat(),
			fc.constantFrom("\r", "\n", ":", " ", "\0", "\uffff", ""),
		),
		{ minLength: 1, maxLength: 6 },
	);
	return [
		{
			name: "decodeFrame: random bytes give a message or a ProtocolError",
			property: fc.property(
				fc.uint8Array({ maxLength: 400 }),
				fc.boolean(),
				(bytes, isBinary) => decodes(() => decodeFrame(bytes, isBinary)),
			),
			runs: 2000,
		},
		{
			name: "decodeTextMessage: random strings give a message or a ProtocolError",
			property: fc.property(
				fc.string({ unit: "binary", maxLength: 400 }),
				(text) => decodes(() => decodeTextMessage(text)),
			),
			runs: 2000,
		},
		{
			name: "decodeFrame: mutated valid binary frames give a message or a ProtocolError",
			property: fc.property(validBinary.chain(mutated), (frame) => {
				decodes(() => decodeFrame(frame, true));
				decodes(() => decodeFrame(frame, false));
			}),
			runs: 3000,
		},
		{
			name: "decodeTextMessage: mutated valid text messages give a message or a ProtocolError",
			property: fc.property(validText, textMutation, (text, changes) => {
				let changed = text;
				for (const [at, piece] of changes) {
					const i = at % (changed.length + 1);
					changed = changed.slice(0, i) + piece + changed.slice(i + 1);
				}
				decodes(() => decodeTextMessage(changed));
			}),
			runs: 3000,
		},
		{
			name: "decodeFrame: any input up to 1 MB is decoded or refused quickly",
			property: fc.property(
				fc.integer({ min: 0, max: 1 << 20 }),
				fc.nat(255),
				(size, fill) => {
					const bytes = new Uint8Array(size).fill(fill);
					decodes(() => decodeFrame(bytes, true));
					decodes(() => decodeFrame(bytes, false));
				},
			),
			runs: 50,
		},
	];
}

/** speech.config as the official JavaScript SDK sends it (the C++ core of Python/Java: alike). */
export const SDK_SPEECH_CONFIG = {
	context: {
		system: {
			name: "SpeechSDK",
			version: "1.52.0",
			build: "JavaScript",
			lang: "JavaScript",
		},
		os: { platform: "Node", name: "Linux", version: "6.1.0" },
		audio: {
			source: {
				bitspersample: 16,
				channelcount: 1,
				connectivity: "Unknown",
				manufacturer: "Speech SDK",
				model: "File",
				samplerate: 16000,
				type: "File",
			},
		},
	},
	recognition: "conversation",
};

/** speech.context with every setting the server reads, and some it does not. */
export const SDK_SPEECH_CONTEXT = {
	phraseDetection: {
		mode: "Conversation",
		language: "en-US",
		initialSilenceTimeout: 5000,
		conversation: {
			segmentation: {
				mode: "Custom",
				segmentationSilenceTimeoutMs: 500,
				segmentationForcedTimeoutMs: 30000,
			},
		},
		interactive: { segmentation: { segmentationSilenceTimeoutMs: 600 } },
		dictation: { segmentation: { segmentationSilenceTimeoutMs: 700 } },
		enrichment: { profanity: "Masked" },
	},
	phraseOutput: {
		format: "Detailed",
		detailed: { options: ["WordTimings", "SNR"] },
		interimResults: { resultType: "Auto" },
	},
	dgi: {
		groups: [{ type: "Generic", items: [{ text: "earshot" }, { text: 7 }] }],
	},
	synthesis: { language: "en-US" },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path in `value`: object keys and array indices, containers included. */
function pathsOf(value: Json, prefix: string[] = []): string[][] {
	if (value === null || typeof value !== "object") return [prefix];
	const keys = Array.isArray(value)
		? value.map((_, i) => String(i))
		: Object.keys(value);
	return [
		prefix,
		...keys.flatMap((k) =>
			pathsOf((value as Record<string, Json>)[k], [...prefix, k]),
		),
	];
}

/** Any JSON value, also a missing one and huge ones. */
const anyField = fc.oneof(
	{ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
	fc.constant(undefined),
	fc.constant(null),
	fc.constant("x".repeat(200_000)),
	fc.constant(Array.from({ length: 20_000 }, (_, i) => ({ text: String(i) }))),
	fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, -0, 0.5),
);

/** `base` with fields deleted or replaced by any JSON value; gives the body and the changed paths. */
export function mutatedBody(base: Json) {
	const paths = pathsOf(base).filter((p) => p.length > 0);
	return fc
		.array(
			fc.tuple(fc.nat(), anyField, fc.option(fc.string({ maxLength: 12 }))),
			{
				minLength: 1,
				maxLength: 4,
			},
		)
		.map((changes) => {
			const body = structuredClone(base) as Record<string, Json>;
			const changed: string[] = [];
			for (const [at, value, extraKey] of changes) {
				const path = [...(paths[at % paths.length] as string[])];
				if (extraKey !== null) path.push(extraKey);
				if (!setPath(body, path, value as Json | undefined)) continue;
				changed.push(path.join("."));
			}
			return { body, changed };
		});
}

/**
 * Sets (or deletes, for undefined) the value at `path`; false when a parent is no longer an
 * object, or the key is not an index of an array (JSON drops other keys, and `length` set to
 * anything but an array length throws) or an index past its end.
 */
function setPath(
	root: Record<string, Json>,
	path: string[],
	value: Json | undefined,
): boolean {
	let node: Json = root;
	for (const key of path.slice(0, -1)) {
		if (node === null || typeof node !== "object") return false;
		node = (node as Record<string, Json>)[key];
	}
	if (node === null || typeof node !== "object") return false;
	const key = path.at(-1) as string;
	// An index past the end would leave holes, which JSON turns into unchanged-looking nulls.
	if (Array.isArray(node) && !(/^\d+$/.test(key) && Number(key) <= node.length))
		return false;
	if (value === undefined) delete (node as Record<string, Json>)[key];
	// A copy: constants are one shared instance, so a later change could write one into itself.
	else (node as Record<string, Json>)[key] = structuredClone(value);
	return true;
}

const REQUEST_ID = "0123456789ABCDEF0123456789ABCDEF";

/** A client's JSON message as the server receives it, parsed. */
function parseJsonMessage(path: string, body: unknown) {
	const text = encodeTextMessage({
		headers: new MessageHeaders([
			["Path", path],
			["X-RequestId", REQUEST_ID],
			["Content-Type", "application/json"],
		]),
		body: JSON.stringify(body) ?? "",
	});
	return parseClientMessage(decodeTextMessage(text));
}

/** A refusal must name one of the fields that were changed, or a parent of one. */
function namesChangedField(
	error: ProtocolError,
	path: string,
	changed: string[],
): void {
	const match = error.message.match(
		new RegExp(`^${path.replace(".", "\\.")}(?: (\\S+))?: expected`),
	);
	if (!match)
		throw new Error(
			`the refusal does not name a field: ${error.message.slice(0, 200)}`,
		);
	const field = match[1] ?? "";
	if (
		!changed.some(
			(c) =>
				c === field || c.startsWith(`${field}.`) || field.startsWith(`${c}.`),
		)
	)
		throw new Error(`refused ${field}, but ${changed.join(", ")} changed`);
}

export function messageTargets(): FuzzTarget[] {
	const modes = ["conversation", "interactive", "dictation"] as const;
	return [
		{
			name: "speech.context: any JSON in any field is accepted and read, or refused with a ProtocolError naming that field",
			property: fc.property(
				mutatedBody(SDK_SPEECH_CONTEXT),
				({ body, changed }) => {
					let message: ReturnType<typeof parseClientMessage>;
					try {
						message = parseJsonMessage("speech.context", body);
					} catch (error) {
						if (!(error instanceof ProtocolError)) throw error;
						return namesChangedField(error, "speech.context", changed);
					}
					if (message.type !== "speech.context") throw new Error(message.type);
					for (const mode of modes)
						refusesCleanly(
							() =>
								turnSettings(
									parseSessionRequest(
										`${RECOGNITION_PATHS[mode]}?language=en-US`,
									),
									message.body,
								),
							ProtocolError,
						);
				},
			),
			runs: 2000,
		},
		{
			name: "speech.config: any JSON in any field is accepted; only a body that is not an object is refused",
			property: fc.property(
				fc.oneof(
					mutatedBody(SDK_SPEECH_CONFIG),
					fc.jsonValue().map((body) => ({ body, changed: [""] })),
				),
				({ body }) => {
					const isObject =
						typeof body === "object" && body !== null && !Array.isArray(body);
					try {
						parseJsonMessage("speech.config", body);
						if (!isObject) throw new Error(`accepted ${JSON.stringify(body)}`);
					} catch (error) {
						if (!(error instanceof ProtocolError) || isObject) throw error;
					}
				},
			),
			runs: 1000,
		},
	];
}
