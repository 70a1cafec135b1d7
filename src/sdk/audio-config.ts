import { openAudioFile } from "../audio/decode.js";
import { openMicrophone } from "../audio/microphone.js";
import {
	createPcmConverter,
	type PcmFormat,
	validateFormat,
} from "../audio/pcm.js";
import type { AudioSource } from "../audio/source.js";
import { createStreamSource, type PushAudioSource } from "../audio/stream.js";

/** Azure's AudioStreamFormat: the PCM layout of a push or pull stream. */
export class AudioStreamFormat {
	private constructor(
		readonly samplesPerSec: number,
		readonly bitsPerSample: number,
		readonly channels: number,
	) {
		validateFormat(this.pcm, "stream format");
	}

	/** 16 kHz, 16-bit, mono: what Azure assumes when no format is given. */
	static getDefaultInputFormat(): AudioStreamFormat {
		return new AudioStreamFormat(16000, 16, 1);
	}

	static getWaveFormatPCM(
		samplesPerSec: number,
		bitsPerSample: number,
		channels: number,
	): AudioStreamFormat {
		return new AudioStreamFormat(samplesPerSec, bitsPerSample, channels);
	}

	/** @internal */
	get pcm(): PcmFormat {
		return {
			sampleRate: this.samplesPerSec,
			bitsPerSample: this.bitsPerSample,
			channels: this.channels,
			encoding: "pcm",
		};
	}

	close(): void {}
}

/** Azure's AudioInputStream: create push or pull streams. */
export abstract class AudioInputStream {
	static createPushStream(format?: AudioStreamFormat): PushAudioInputStream {
		return new PushAudioInputStream(
			format ?? AudioStreamFormat.getDefaultInputFormat(),
		);
	}

	static createPullStream(
		callback: PullAudioInputStreamCallback,
		format?: AudioStreamFormat,
	): PullAudioInputStream {
		return new PullAudioInputStream(
			callback,
			format ?? AudioStreamFormat.getDefaultInputFormat(),
		);
	}

	/** @internal */
	abstract openSource(): AudioSource;

	abstract close(): void;
}

/** The app writes audio as it has it; `close()` ends the input. */
export class PushAudioInputStream extends AudioInputStream {
	private readonly source: PushAudioSource;

	/** @internal */
	constructor(readonly format: AudioStreamFormat) {
		super();
		this.source = createStreamSource(format.pcm);
	}

	write(dataBuffer: ArrayBuffer | ArrayBufferView): void {
		const bytes = ArrayBuffer.isView(dataBuffer)
			? new Uint8Array(
					dataBuffer.buffer,
					dataBuffer.byteOffset,
					dataBuffer.byteLength,
				)
			: new Uint8Array(dataBuffer);
		// Copied: callers reuse their buffers, and the queue holds on to what it is given.
		this.source.write(bytes.slice());
	}

	close(): void {
		this.source.end();
	}

	/** @internal */
	openSource(): AudioSource {
		return this.source;
	}
}

/**
 * Azure's pull-stream callback. `read` fills `dataBuffer` and returns the bytes written; 0
 * ends the stream. Beyond Azure, `read` may return a Promise, so audio can be pulled at the
 * pace it arrives without blocking the event loop.
 */
export abstract class PullAudioInputStreamCallback {
	abstract read(dataBuffer: ArrayBuffer): number | Promise<number>;
	abstract close(): void;
}

export class PullAudioInputStream extends AudioInputStream {
	/** @internal */
	constructor(
		private readonly callback: PullAudioInputStreamCallback,
		readonly format: AudioStreamFormat,
	) {
		super();
	}

	/** @internal */
	openSource(): AudioSource {
		const { callback } = this;
		const pcm = this.format.pcm;
		const converter = createPcmConverter(pcm);
		const bytesPerChunk =
			Math.ceil(pcm.sampleRate / 10) * pcm.channels * (pcm.bitsPerSample / 8);
		let closed = false;
		return {
			sampleRate: pcm.sampleRate,
			live: true,
			async *chunks() {
				try {
					while (!closed) {
						const buffer = new ArrayBuffer(bytesPerChunk);
						const read = await callback.read(buffer);
						if (!read) break;
						const samples = converter.convert(
							new Uint8Array(buffer, 0, Math.min(read, bytesPerChunk)),
						);
						if (samples.length > 0) yield samples;
					}
				} finally {
					callback.close();
				}
			},
			close() {
				closed = true;
			},
		};
	}

	close(): void {
		this.callback.close();
	}
}

async function openFileWarning(file: Buffer | string): Promise<AudioSource> {
	const source = await openAudioFile(file);
	for (const warning of source.warnings ?? [])
		process.emitWarning(`earshot: ${warning}`, {
			code: "EARSHOT_TRUNCATED_AUDIO",
		});
	return source;
}

/** Azure's AudioConfig: where a recognizer's audio comes from. */
export class AudioConfig {
	private constructor(
		/** @internal */
		readonly open: () => Promise<AudioSource>,
	) {}

	/** The system's default capture device (arecord, parec, sox or ffmpeg). */
	static fromDefaultMicrophoneInput(): AudioConfig {
		return new AudioConfig(async () => openMicrophone());
	}

	/** A capture device by name, as arecord (`-D`) or PulseAudio (`-d`) knows it. */
	static fromMicrophoneInput(deviceId?: string): AudioConfig {
		return new AudioConfig(async () => openMicrophone(deviceId));
	}

	/**
	 * A WAV file, by path or contents. A file cut short is recognized for what it holds, with a
	 * process warning (code `EARSHOT_TRUNCATED_AUDIO`) that says how much is missing.
	 */
	static fromWavFileInput(file: Buffer | string): AudioConfig {
		return new AudioConfig(() => openFileWarning(file));
	}

	/** Beyond Azure: any audio file (WAV of any kind, FLAC, MP3, Ogg/Opus, M4A), at any rate. */
	static fromAudioFileInput(file: Buffer | string): AudioConfig {
		return new AudioConfig(() => openFileWarning(file));
	}

	static fromStreamInput(
		stream: AudioInputStream | PullAudioInputStreamCallback,
	): AudioConfig {
		const input =
			stream instanceof PullAudioInputStreamCallback
				? AudioInputStream.createPullStream(stream)
				: stream;
		return new AudioConfig(async () => input.openSource());
	}

	/** Beyond Azure: any `AudioSource` (see src/audio), for custom capture. */
	static fromSource(open: () => Promise<AudioSource>): AudioConfig {
		return new AudioConfig(open);
	}

	close(): void {}
}
