import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import decode, { type AudioData } from "audio-decode";
import {
	frameBytes,
	isWav,
	MAX_SAMPLE_RATE,
	MIN_SAMPLE_RATE,
	parseWavHeader,
} from "./pcm.js";
import { AudioFormatError, type AudioSource } from "./source.js";

/** A decoded file: all of it in memory, handed out in chunks of about 100 ms. */
export interface FileAudioSource extends AudioSource {
	readonly durationSeconds: number;
	/** The whole file, mono. */
	readonly samples: Float32Array;
}

/**
 * Decodes an audio file (WAV of any depth or layout, FLAC, MP3, Ogg Vorbis/Opus, M4A/AAC,
 * and the rest audio-decode knows) to mono float32. Anything unreadable, truncated, lying or
 * unsupported rejects with an `AudioFormatError` that says so, except a WAV cut short: what
 * it holds is decoded, and `warnings` says what is missing.
 */
export async function openAudioFile(
	input: string | Buffer,
): Promise<FileAudioSource> {
	const name = typeof input === "string" ? basename(input) : "audio buffer";
	const bytes = typeof input === "string" ? await readInput(input) : input;
	if (bytes.length === 0)
		throw new AudioFormatError(
			`no audio: ${typeof input === "string" ? input : name} is empty`,
		);
	const warnings = isWav(bytes) ? checkWav(bytes, name) : [];
	const audio = await decodeBytes(bytes, name);
	const samples = downmix(audio, name);
	checkFlacLength(bytes, samples.length, name);
	const { sampleRate } = audio;
	const chunkSize = Math.ceil(sampleRate / 10);
	let closed = false;
	return {
		sampleRate,
		durationSeconds: samples.length / sampleRate,
		samples,
		live: false,
		warnings,
		async *chunks() {
			for (let at = 0; at < samples.length && !closed; at += chunkSize) {
				yield samples.slice(at, at + chunkSize);
			}
		},
		close() {
			closed = true;
		},
	};
}

async function readInput(path: string): Promise<Buffer> {
	try {
		return await readFile(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === "ENOENT") throw new AudioFormatError(`no such file: ${path}`);
		if (code === "EISDIR")
			throw new AudioFormatError(`not a file but a directory: ${path}`);
		throw new AudioFormatError(
			`cannot read ${path}: ${(error as Error).message}`,
		);
	}
}

/**
 * audio-decode takes a WAV header at its word: a cut-off file decodes to less audio than
 * declared without a complaint, and a zero or absurd rate comes back as is. Check first.
 * A cut-off file (a recording stopped by a crash) is still worth reading: that is a warning.
 */
function checkWav(bytes: Buffer, name: string): string[] {
	const header = parseWavHeader(bytes, name);
	if (!header)
		throw new AudioFormatError(`truncated WAV: no audio data in ${name}`);
	const available = bytes.length - header.dataOffset;
	const declared = header.dataBytes ?? available;
	const seconds = (n: number) =>
		n / frameBytes(header.format) / header.format.sampleRate;
	// Some writers miscount by a sample or two; a real cut loses far more than 10 ms.
	if (seconds(declared - available) > 0.01) {
		return [
			`truncated WAV: ${name} declares ${seconds(declared).toFixed(2)} s of audio but holds ${seconds(available).toFixed(2)} s; transcribing what is there`,
		];
	}
	return [];
}

/** A cut-off FLAC also decodes quietly; its STREAMINFO says how many samples there should be. */
function checkFlacLength(bytes: Buffer, decoded: number, name: string): void {
	if (bytes.length < 26 || bytes.toString("latin1", 0, 4) !== "fLaC") return;
	const total = (bytes[21] & 0x0f) * 2 ** 32 + bytes.readUInt32BE(22);
	// Zero means the encoder did not know the length.
	if (total > 0 && decoded < total) {
		throw new AudioFormatError(
			`truncated FLAC: ${name} holds ${decoded} of ${total} samples`,
		);
	}
}

async function decodeBytes(bytes: Buffer, name: string): Promise<AudioData> {
	let audio: AudioData;
	try {
		audio = await decode(bytes);
	} catch (error) {
		const message = (error as Error).message;
		if (/unknown audio format/i.test(message))
			throw new AudioFormatError(`not an audio file: ${name}`);
		if (/no decoder for/i.test(message))
			throw new AudioFormatError(`unsupported audio format in ${name}`);
		throw new AudioFormatError(`cannot decode ${name}: ${message}`);
	}
	const { sampleRate, channelData } = audio;
	if (channelData.length === 0 || channelData[0].length === 0) {
		throw new AudioFormatError(
			`no audio could be decoded from ${name} (truncated or corrupt)`,
		);
	}
	if (!(sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE)) {
		throw new AudioFormatError(
			`unsupported sample rate ${sampleRate} Hz in ${name}`,
		);
	}
	return audio;
}

function downmix({ channelData }: AudioData, name: string): Float32Array {
	if (channelData.length === 1) return channelData[0];
	const length = channelData[0].length;
	const out = new Float32Array(length);
	for (const channel of channelData) {
		if (channel.length !== length)
			throw new AudioFormatError(`channels of unequal length in ${name}`);
		for (let i = 0; i < length; i++) out[i] += channel[i];
	}
	for (let i = 0; i < length; i++) out[i] /= channelData.length;
	return out;
}
