/**
 * Where audio enters earshot. Every source yields mono float32 samples in [-1, 1]
 * at its own `sampleRate`; the session resamples to what the engine needs.
 */
export interface AudioSource {
	readonly sampleRate: number;
	/** Length in seconds when known in advance (files), for progress reporting. */
	readonly durationSeconds?: number;
	/** True when audio arrives at real-time pace (microphone, live streams). */
	readonly live: boolean;
	/** What is wrong with input that is still used (a truncated file: what is there is read). */
	readonly warnings?: readonly string[];
	/**
	 * The samples, chunk by chunk. Ends when the input ends or after `close()`.
	 * Bad input rejects with an `AudioFormatError` whose message says what is wrong.
	 */
	chunks(): AsyncIterable<Float32Array>;
	/** Stop producing: the iteration ends after what is already buffered. */
	close(): void;
}

/** Input that is not audio, is truncated, has a lying header, or is in an unsupported format. */
export class AudioFormatError extends Error {
	override name = "AudioFormatError";
}
