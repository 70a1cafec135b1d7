import {
	createPcmConverter,
	isWav,
	type PcmConverter,
	type PcmFormat,
	parseWavHeader,
	validateFormat,
} from "./pcm.js";
import { ChunkQueue, split } from "./queue.js";
import { AudioFormatError, type AudioSource } from "./source.js";

/**
 * Bytes that are either a whole WAV stream or raw PCM in a known format, turned into mono
 * float32. A RIFF/WAVE start is sniffed and its header honoured, including the data size,
 * so chunks after the audio (LIST at the end) are not read as samples.
 */
class ByteStreamDecoder {
	format: PcmFormat | undefined;
	#head = new Uint8Array(0);
	#converter: PcmConverter | undefined;
	#left = Number.POSITIVE_INFINITY;

	constructor(
		readonly raw: PcmFormat | undefined,
		readonly name: string,
	) {}

	/** Samples from `bytes`; empty while the header is still arriving. */
	push(bytes: Uint8Array): Float32Array {
		if (this.#converter) return this.#convert(bytes);
		const head = new Uint8Array(this.#head.length + bytes.length);
		head.set(this.#head);
		head.set(bytes, this.#head.length);
		this.#head = head;
		if (
			head.length < 12 &&
			"RIFF".startsWith(String.fromCharCode(...head.subarray(0, 4)))
		) {
			return new Float32Array(0);
		}
		if (isWav(head)) {
			const header = parseWavHeader(head, this.name);
			if (!header) return new Float32Array(0);
			this.#start(header.format);
			this.#left = header.dataBytes ?? Number.POSITIVE_INFINITY;
			return this.#convert(head.subarray(header.dataOffset));
		}
		if (!this.raw) {
			throw new AudioFormatError(
				`not a WAV stream, and no raw PCM format was given: ${this.name}`,
			);
		}
		this.#start(this.raw);
		return this.#convert(head);
	}

	/** The input is over: whatever waited for more bytes is final. */
	end(): Float32Array {
		if (this.#converter) return new Float32Array(0);
		if (this.#head.length > 0 && isWav(this.#head)) {
			throw new AudioFormatError(`truncated WAV header: ${this.name}`);
		}
		if (!this.raw) {
			if (this.#head.length === 0)
				throw new AudioFormatError(`no audio: ${this.name} is empty`);
			throw new AudioFormatError(
				`not a WAV stream, and no raw PCM format was given: ${this.name}`,
			);
		}
		this.#start(this.raw);
		return this.#convert(this.#head);
	}

	#start(format: PcmFormat): void {
		this.format = format;
		this.#converter = createPcmConverter(format);
		this.#head = new Uint8Array(0);
	}

	#convert(bytes: Uint8Array): Float32Array {
		const take = bytes.subarray(0, Math.min(bytes.length, this.#left));
		this.#left -= take.length;
		return (this.#converter as PcmConverter).convert(take);
	}
}

/** An `AudioSource` that is fed bytes by whoever holds it (the SDK's push stream). */
export interface PushAudioSource extends AudioSource {
	/** Queues `bytes`; the caller never waits, and nothing is dropped. */
	write(bytes: Uint8Array): void;
	/** No more bytes: the iteration ends after what was written. */
	end(): void;
}

export interface StreamSourceOptions {
	/** False when the bytes come faster than real time (a file piped in). Default true. */
	live?: boolean;
	/** Names the input in error messages. */
	name?: string;
}

/**
 * A push-fed source of raw PCM in `format`. A WAV header at the start is recognised and
 * skipped (people push whole files); its sample rate must match `format`'s.
 */
export function createStreamSource(
	format: PcmFormat,
	options: StreamSourceOptions = {},
): PushAudioSource {
	const name = options.name ?? "push stream";
	validateFormat(format, name);
	const decoder = new ByteStreamDecoder(format, name);
	const queue = new ChunkQueue();
	const maxChunk = Math.ceil(format.sampleRate / 10);
	let ended = false;
	const deliver = (produce: () => Float32Array) => {
		if (queue.ended) return;
		try {
			const samples = produce();
			const rate = decoder.format?.sampleRate;
			if (rate !== undefined && rate !== format.sampleRate) {
				throw new AudioFormatError(
					`${name}: WAV header says ${rate} Hz but the stream format is ${format.sampleRate} Hz`,
				);
			}
			for (const chunk of split(samples, maxChunk)) queue.push(chunk);
		} catch (error) {
			queue.fail(error as Error);
		}
	};
	return {
		sampleRate: format.sampleRate,
		live: options.live ?? true,
		chunks: () => queue.drain(),
		close: () => queue.end(),
		write(bytes) {
			if (ended) throw new Error(`${name}: write after end`);
			deliver(() => decoder.push(bytes));
		},
		end() {
			if (ended) return;
			ended = true;
			deliver(() => decoder.end());
			queue.end();
		},
	};
}

export interface ReadableSourceOptions extends StreamSourceOptions {
	/**
	 * Stops waiting for the first bytes (an idle pipe or terminal): the source then holds no
	 * audio. Once audio flows, `close()` stops it.
	 */
	signal?: AbortSignal;
}

function emptySource(sampleRate: number, live: boolean): AudioSource {
	return {
		sampleRate,
		live,
		async *chunks() {},
		close() {},
	};
}

/**
 * Reads a byte stream (stdin): a WAV stream when it starts with a RIFF header, otherwise raw
 * PCM in `raw`. Resolves once the format is known. Reading follows the consumer, so a slow
 * consumer holds the producer back instead of losing audio.
 */
export async function openReadableSource(
	input: AsyncIterable<Uint8Array> & { destroy?(): void },
	raw?: PcmFormat,
	options: ReadableSourceOptions = {},
): Promise<AudioSource> {
	const name = options.name ?? "stdin";
	if (raw) validateFormat(raw, name);
	const decoder = new ByteStreamDecoder(raw, name);
	const iterator = input[Symbol.asyncIterator]();
	const first: Float32Array[] = [];
	let done = false;
	const { signal } = options;
	const aborted = new Promise<"aborted">((resolve) => {
		if (signal?.aborted) resolve("aborted");
		signal?.addEventListener("abort", () => resolve("aborted"), {
			once: true,
		});
	});
	while (!decoder.format) {
		const pending = iterator.next();
		const next = await Promise.race([pending, aborted]);
		if (next === "aborted") {
			// Stopped before any audio: a source with nothing in it, so the session ends cleanly.
			pending.catch(() => {});
			input.destroy?.();
			return emptySource(raw?.sampleRate ?? 16000, options.live ?? false);
		}
		if (next.done) {
			first.push(decoder.end());
			done = true;
			break;
		}
		first.push(decoder.push(next.value));
	}
	const format = decoder.format as PcmFormat;
	const maxChunk = Math.ceil(format.sampleRate / 10);
	let closed = false;
	let wakeClosed: () => void = () => {};
	const closing = new Promise<"closed">((resolve) => {
		wakeClosed = () => resolve("closed");
	});
	async function* chunks(): AsyncGenerator<Float32Array> {
		let pending: Promise<IteratorResult<Uint8Array>> | undefined;
		try {
			for (const samples of first) yield* split(samples, maxChunk);
			while (!done && !closed) {
				pending = iterator.next();
				const next = await Promise.race([pending, closing]);
				if (next === "closed" || next.done) break;
				pending = undefined;
				yield* split(decoder.push(next.value), maxChunk);
			}
		} finally {
			done = true;
			if (pending) {
				// An iterator does not return while a read is pending; only destroying the stream stops it.
				pending.catch(() => {});
				input.destroy?.();
			} else await iterator.return?.();
		}
	}
	return {
		sampleRate: format.sampleRate,
		live: options.live ?? false,
		chunks,
		close() {
			closed = true;
			wakeClosed();
		},
	};
}
