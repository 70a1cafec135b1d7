import { AudioFormatError } from "./source.js";

/** How interleaved samples are stored: `pcm` is unsigned 8-bit or signed 16/24/32-bit LE. */
export type SampleEncoding = "pcm" | "float" | "alaw" | "mulaw";

export interface PcmFormat {
	sampleRate: number;
	channels: number;
	bitsPerSample: number;
	encoding: SampleEncoding;
}

export interface WavHeader {
	format: PcmFormat;
	/** Byte offset of the first sample. */
	dataOffset: number;
	/** Bytes of audio the header declares; undefined when it leaves the size open (streamed WAV). */
	dataBytes: number | undefined;
}

/** The rates any real recording or stream uses; beyond them a header is lying. */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768000;
const MAX_CHANNELS = 64;

/** Throws an `AudioFormatError` naming what is wrong with `format`. */
export function validateFormat(format: PcmFormat, what = "audio"): void {
	const { sampleRate, channels, bitsPerSample, encoding } = format;
	if (
		!Number.isInteger(sampleRate) ||
		sampleRate < MIN_SAMPLE_RATE ||
		sampleRate > MAX_SAMPLE_RATE
	) {
		throw new AudioFormatError(
			`${what}: unsupported sample rate ${sampleRate} Hz`,
		);
	}
	if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
		throw new AudioFormatError(
			`${what}: unsupported channel count ${channels}`,
		);
	}
	const ok =
		encoding === "pcm"
			? [8, 16, 24, 32].includes(bitsPerSample)
			: encoding === "float"
				? bitsPerSample === 32 || bitsPerSample === 64
				: bitsPerSample === 8;
	if (!ok)
		throw new AudioFormatError(
			`${what}: unsupported ${bitsPerSample}-bit ${encoding} samples`,
		);
}

const FORMAT_TAGS: Record<number, SampleEncoding> = {
	1: "pcm",
	3: "float",
	6: "alaw",
	7: "mulaw",
};
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
// Streaming writers (sox, ffmpeg to a pipe) leave the size as 0 or all ones.
const OPEN_SIZES = new Set([0, 0xffffffff, 0x7fffffff]);

function ascii(bytes: Uint8Array, at: number): string {
	return String.fromCharCode(
		bytes[at],
		bytes[at + 1],
		bytes[at + 2],
		bytes[at + 3],
	);
}

/** True when `bytes` begins like a RIFF/WAVE file (needs 12 bytes to say yes). */
export function isWav(bytes: Uint8Array): boolean {
	return (
		bytes.length >= 12 &&
		ascii(bytes, 0) === "RIFF" &&
		ascii(bytes, 8) === "WAVE"
	);
}

/**
 * Parses a WAV header from the start of `bytes`. Returns undefined while more bytes are
 * needed to reach the data chunk; throws an `AudioFormatError` when the header is bad.
 */
export function parseWavHeader(
	bytes: Uint8Array,
	name = "WAV",
): WavHeader | undefined {
	const head = String.fromCharCode(...bytes.subarray(0, 4));
	if (!"RIFF".startsWith(head))
		throw new AudioFormatError(`not a WAV file: ${name}`);
	if (bytes.length < 12) return undefined;
	if (ascii(bytes, 8) !== "WAVE")
		throw new AudioFormatError(`not a WAV file: ${name}`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let format: PcmFormat | undefined;
	let at = 12;
	while (at + 8 <= bytes.length) {
		const id = ascii(bytes, at);
		const size = view.getUint32(at + 4, true);
		const body = at + 8;
		if (id === "data") {
			if (!format)
				throw new AudioFormatError(
					`bad WAV header: data before fmt chunk in ${name}`,
				);
			return {
				format,
				dataOffset: body,
				dataBytes: OPEN_SIZES.has(size) ? undefined : size,
			};
		}
		if (body + size > bytes.length) return undefined;
		if (id === "fmt ") format = parseFmt(view, body, size, name);
		// Chunks are padded to an even length.
		at = body + size + (size & 1);
	}
	return undefined;
}

function parseFmt(
	view: DataView,
	at: number,
	size: number,
	name: string,
): PcmFormat {
	if (size < 16)
		throw new AudioFormatError(
			`bad WAV header: fmt chunk of ${size} bytes in ${name}`,
		);
	let tag = view.getUint16(at, true);
	const channels = view.getUint16(at + 2, true);
	const sampleRate = view.getUint32(at + 4, true);
	const bitsPerSample = view.getUint16(at + 14, true);
	if (tag === WAVE_FORMAT_EXTENSIBLE) {
		if (size < 40)
			throw new AudioFormatError(
				`bad WAV header: short extensible fmt chunk in ${name}`,
			);
		// The sub-format GUID starts with the plain format tag.
		tag = view.getUint16(at + 24, true);
	}
	const encoding = FORMAT_TAGS[tag];
	if (!encoding) {
		throw new AudioFormatError(
			`unsupported WAV encoding 0x${tag.toString(16)} in ${name}`,
		);
	}
	const format = { sampleRate, channels, bitsPerSample, encoding };
	validateFormat(format, name);
	return format;
}

/** Bytes in one frame (a sample of every channel). */
export function frameBytes(format: PcmFormat): number {
	return (format.bitsPerSample / 8) * format.channels;
}

function alaw(byte: number): number {
	const a = byte ^ 0x55;
	const exponent = (a >> 4) & 7;
	const mantissa = a & 15;
	const magnitude =
		exponent === 0
			? (mantissa << 4) + 8
			: ((mantissa << 4) + 0x108) << (exponent - 1);
	return (a & 0x80 ? magnitude : -magnitude) / 32768;
}

function mulaw(byte: number): number {
	const u = ~byte & 0xff;
	const exponent = (u >> 4) & 7;
	const magnitude = (((u & 15) << 3) + 0x84) << exponent;
	return (u & 0x80 ? 0x84 - magnitude : magnitude - 0x84) / 32768;
}

type SampleReader = (view: DataView, at: number) => number;

function sampleReader({ encoding, bitsPerSample }: PcmFormat): SampleReader {
	if (encoding === "float") {
		return bitsPerSample === 32
			? (v, at) => v.getFloat32(at, true)
			: (v, at) => v.getFloat64(at, true);
	}
	if (encoding === "alaw") return (v, at) => alaw(v.getUint8(at));
	if (encoding === "mulaw") return (v, at) => mulaw(v.getUint8(at));
	switch (bitsPerSample) {
		case 8:
			return (v, at) => (v.getUint8(at) - 128) / 128;
		case 16:
			return (v, at) => v.getInt16(at, true) / 32768;
		case 24:
			return (v, at) =>
				((v.getInt8(at + 2) << 16) | v.getUint16(at, true)) / 8388608;
		default:
			return (v, at) => v.getInt32(at, true) / 2147483648;
	}
}

export interface PcmConverter {
	/** Converts the whole frames in `bytes` (plus any carried over) to mono float32. */
	convert(bytes: Uint8Array): Float32Array;
	/** Bytes of an incomplete frame held back until the next `convert`. */
	readonly pendingBytes: number;
}

/**
 * Converts interleaved PCM of any supported format to mono float32, averaging channels.
 * Input may be split anywhere, even mid-sample: the partial frame waits for the next call.
 */
export function createPcmConverter(format: PcmFormat): PcmConverter {
	validateFormat(format);
	const frame = frameBytes(format);
	const width = format.bitsPerSample / 8;
	const channels = format.channels;
	const read = sampleReader(format);
	const carry = new Uint8Array(frame);
	let carried = 0;
	return {
		get pendingBytes() {
			return carried;
		},
		convert(bytes) {
			let input = bytes;
			if (carried > 0) {
				input = new Uint8Array(carried + bytes.length);
				input.set(carry.subarray(0, carried));
				input.set(bytes, carried);
			}
			const frames = Math.floor(input.length / frame);
			const out = new Float32Array(frames);
			const view = new DataView(
				input.buffer,
				input.byteOffset,
				input.byteLength,
			);
			for (let f = 0, at = 0; f < frames; f++) {
				let sum = 0;
				for (let c = 0; c < channels; c++, at += width) sum += read(view, at);
				out[f] = sum / channels;
			}
			carried = input.length - frames * frame;
			carry.set(input.subarray(frames * frame));
			return out;
		},
	};
}
