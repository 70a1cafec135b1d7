/**
 * The small interface every recognition engine implements. An engine loads a model once;
 * each recognition session opens its own stream on it. Sample positions are counted in
 * samples at `sampleRate` from the first sample written to the stream, so the session can
 * put phrases and words on one absolute clock.
 */
export interface Engine {
	readonly name: string;
	/** The rate, in Hz, of the mono float32 samples that streams accept. */
	readonly sampleRate: number;
	openStream(options: StreamOptions): Promise<EngineStream>;
	/** Release the model. Open streams must be closed first. */
	close(): Promise<void>;
}

export interface StreamOptions {
	/** Trailing silence, in ms, that ends a segment. */
	segmentationSilenceMs: number;
	/** Words or phrases to favour, where the engine supports it. */
	phrases?: readonly string[];
	/** False when nobody reads partial hypotheses: an engine may skip decoding them. Default true. */
	partials?: boolean;
}

export interface EngineWord {
	word: string;
	/** First sample of the word, from the start of the stream. */
	startSample: number;
	/** One past the last sample of the word. */
	endSample: number;
	/** 0..1 */
	confidence: number;
}

export interface Hypothesis {
	text: string;
	/** Empty for partial hypotheses when the engine cannot segment mid-utterance. */
	words: EngineWord[];
	/** 0..1 */
	confidence: number;
}

export interface StreamUpdate {
	/** Whether the engine's voice-activity detector holds speech at the end of this chunk. */
	inSpeech: boolean;
	/** Sample at which the current segment's speech began, when in speech. */
	speechStartSample?: number;
	/** The current partial hypothesis of the open segment, if any. */
	partial?: Hypothesis;
	/**
	 * Segments that the engine ended on its own (trailing silence reached) during this chunk,
	 * oldest first. Each has its final hypothesis (null when nothing was recognized).
	 */
	ended: EndedSegment[];
}

export interface EndedSegment {
	startSample: number;
	endSample: number;
	result: Hypothesis | null;
}

export interface EngineStream {
	/** Decode the next samples. Runs off the event loop's thread. Calls must not overlap. */
	write(samples: Float32Array): Promise<StreamUpdate>;
	/**
	 * End the open segment now, as if silence had been heard, and return it; null when no
	 * segment is open. Used on stop, at end of input, and at the maximum segment length.
	 */
	finalize(): Promise<EndedSegment | null>;
	/**
	 * A finalize comes next (a stop): until it does, partials may be skipped, the one decoding
	 * now included, so that the final waits for none. Absent where partials cost little.
	 */
	skipPartials?(): void;
	close(): Promise<void>;
}
