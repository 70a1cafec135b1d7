import { randomUUID } from "node:crypto";
import { split } from "../audio/queue.js";
import { createResampler } from "../audio/resample.js";
import type { AudioSource } from "../audio/source.js";
import type {
	EndedSegment,
	Engine,
	EngineStream,
	Hypothesis,
	StreamUpdate,
} from "../engines/engine.js";
import {
	type Phrase,
	type SessionErrorCode,
	type SessionEvent,
	TICKS_PER_SECOND,
} from "./events.js";

export interface SessionOptions {
	/** Trailing silence that ends a phrase. */
	segmentationSilenceMs: number;
	/** With no speech this long from the start, a NoMatch(InitialSilenceTimeout) phrase is reported. */
	initialSilenceTimeoutMs?: number;
	/** A phrase is cut after this long, even mid-speech. */
	maxSegmentMs?: number;
	phrases?: readonly string[];
	/** False when nobody reads `recognizing`: the engine may skip decoding partials. Default true. */
	partials?: boolean;
	/** Samples handed to the engine at a time. Default 100 ms. */
	chunkMs?: number;
}

/**
 * One recognition session: pulls audio from a source, resamples it for the engine, feeds the
 * engine's stream, and turns what the engine reports into ordered events on one clock.
 */
export class RecognitionSession {
	readonly id = randomUUID().replaceAll("-", "");
	/** Resolves once `sessionStopped` has been emitted. */
	readonly done: Promise<void>;
	private stopRequested = false;
	private dropBuffered = false;
	private samples = 0;
	private phraseOpen = false;
	private phraseStart = 0;
	private lastPartial = "";
	/** Words were heard: a NoMatch segment (noise) does not end the initial silence. */
	private heardSpeech = false;
	private initialSilenceReported = false;
	private source: AudioSource | undefined;
	private stream: EngineStream | undefined;
	private finished = false;
	private resolveDone!: () => void;

	constructor(
		private readonly engine: Engine,
		private readonly openSource: () => Promise<AudioSource>,
		private readonly options: SessionOptions,
		private readonly emit: (event: SessionEvent) => void,
	) {
		this.done = new Promise((resolve) => {
			this.resolveDone = resolve;
		});
	}

	/** Seconds of audio the engine has been given. */
	get processedSeconds(): number {
		return this.samples / this.engine.sampleRate;
	}

	/** Opens the engine stream and starts pulling audio; resolves once `sessionStarted` is emitted. */
	async start(): Promise<void> {
		let stream: EngineStream;
		try {
			stream = await this.engine.openStream({
				segmentationSilenceMs: this.options.segmentationSilenceMs,
				phrases: this.options.phrases,
				partials: this.options.partials,
			});
		} catch (error) {
			this.emit({ type: "sessionStarted", sessionId: this.id });
			this.finish({ reason: "Error", code: "RuntimeError", error });
			return;
		}
		this.stream = stream;
		this.emit({ type: "sessionStarted", sessionId: this.id });
		// Whatever fails (the engine, the source, a listener), the session ends, canceled.
		this.run(stream)
			.catch((error) => {
				stream.close().catch(() => {});
				this.finish({ reason: "Error", code: "RuntimeError", error });
			})
			.catch((error) =>
				process.emitWarning(
					`earshot: a session's listener threw while it ended: ${messageOf(error)}`,
				),
			);
	}

	/**
	 * Stops now: audio already captured is decoded, the open phrase is flushed into a final
	 * `recognized`, and `sessionStopped` follows. It never waits for more audio. With
	 * `dropBuffered`, audio not yet decoded is dropped too (a client's stop, or a deadline kept
	 * even when a client sent far more than real time); a file's rest is never decoded.
	 */
	async stop(options: { dropBuffered?: boolean } = {}): Promise<void> {
		this.stopRequested = true;
		if (options.dropBuffered) this.dropBuffered = true;
		this.stream?.skipPartials?.();
		this.source?.close();
		await this.done;
	}

	private async run(stream: EngineStream): Promise<void> {
		const rate = this.engine.sampleRate;
		const chunk = Math.round((rate * (this.options.chunkMs ?? 100)) / 1000);
		let ending: Ending | undefined;
		try {
			const source = await this.openSource();
			this.source = source;
			if (this.stopRequested) source.close();
			const resampler = createResampler(source.sampleRate, rate);
			for await (const input of source.chunks()) {
				// A live source's buffered audio was heard, so it is decoded; a file's rest was not.
				if (this.stopRequested && (!source.live || this.dropBuffered)) break;
				for (const piece of split(resampler.process(input), chunk))
					await this.write(stream, piece);
			}
			if (!this.stopRequested) {
				const tail = resampler.flush();
				if (tail.length > 0) await this.write(stream, tail);
			}
		} catch (error) {
			this.source?.close();
			ending = { reason: "Error", code: "RuntimeError", error };
		}
		// What was heard before a stop, the end, or a failing source is still recognized.
		try {
			const last = await stream.finalize();
			if (last) this.endPhrase(last);
		} catch (error) {
			ending ??= { reason: "Error", code: "RuntimeError", error };
		}
		if (!ending && !this.stopRequested) ending = { reason: "EndOfStream" };
		await stream.close().catch(() => {});
		this.finish(ending);
	}

	private async write(
		stream: EngineStream,
		samples: Float32Array,
	): Promise<void> {
		const update = await stream.write(samples);
		this.samples += samples.length;
		this.handle(update);
		const { maxSegmentMs } = this.options;
		if (
			maxSegmentMs &&
			this.phraseOpen &&
			this.samples - this.phraseStart >= this.msToSamples(maxSegmentMs)
		) {
			const cut = await stream.finalize();
			if (cut) this.endPhrase(cut);
		}
	}

	private handle(update: StreamUpdate): void {
		for (const segment of update.ended) this.endPhrase(segment);
		if (update.inSpeech && !this.phraseOpen)
			this.openPhrase(update.speechStartSample ?? this.samples);
		if (
			update.inSpeech &&
			update.partial &&
			update.partial.text !== this.lastPartial
		) {
			this.lastPartial = update.partial.text;
			this.heardSpeech = true;
			this.emit({
				type: "recognizing",
				phrase: this.phrase(update.partial, this.phraseStart, this.samples),
			});
		}
		const { initialSilenceTimeoutMs } = this.options;
		if (
			initialSilenceTimeoutMs &&
			!this.heardSpeech &&
			!this.phraseOpen &&
			!this.initialSilenceReported &&
			this.samples >= this.msToSamples(initialSilenceTimeoutMs)
		) {
			this.initialSilenceReported = true;
			this.emit({
				type: "recognized",
				phrase: {
					...this.phrase(null, 0, this.samples),
					noMatch: "InitialSilenceTimeout",
				},
			});
		}
	}

	private openPhrase(startSample: number): void {
		this.phraseOpen = true;
		this.phraseStart = startSample;
		this.lastPartial = "";
		this.emit({ type: "speechStartDetected", offset: this.ticks(startSample) });
	}

	private endPhrase(segment: EndedSegment): void {
		if (!this.phraseOpen) this.openPhrase(segment.startSample);
		this.phraseOpen = false;
		if (segment.result) this.heardSpeech = true;
		const start = Math.min(segment.startSample, this.phraseStart);
		this.emit({
			type: "speechEndDetected",
			offset: this.ticks(segment.endSample),
		});
		const phrase = this.phrase(
			segment.result,
			segment.result ? segment.startSample : start,
			segment.endSample,
		);
		this.emit({
			type: "recognized",
			phrase: segment.result ? phrase : { ...phrase, noMatch: "NotRecognized" },
		});
	}

	private phrase(
		hypothesis: Hypothesis | null,
		startSample: number,
		endSample: number,
	): Phrase {
		return {
			text: hypothesis?.text ?? "",
			offset: this.ticks(startSample),
			duration: this.ticks(endSample) - this.ticks(startSample),
			confidence: hypothesis?.confidence ?? 0,
			words: (hypothesis?.words ?? []).map((w) => ({
				word: w.word,
				offset: this.ticks(w.startSample),
				duration: this.ticks(w.endSample) - this.ticks(w.startSample),
				confidence: w.confidence,
			})),
		};
	}

	private finish(ending?: Ending): void {
		if (this.finished) return;
		this.finished = true;
		try {
			if (ending)
				this.emit({
					type: "canceled",
					reason: ending.reason,
					errorCode: ending.code,
					...(ending.error !== undefined
						? { errorDetails: messageOf(ending.error), error: ending.error }
						: {}),
					offset: this.ticks(this.samples),
				});
			this.emit({ type: "sessionStopped", sessionId: this.id });
		} finally {
			this.resolveDone();
		}
	}

	private ticks(samples: number): number {
		return Math.round((samples * TICKS_PER_SECOND) / this.engine.sampleRate);
	}

	private msToSamples(ms: number): number {
		return (ms * this.engine.sampleRate) / 1000;
	}
}

/** How a session ends, when not by a stop. */
interface Ending {
	reason: "EndOfStream" | "Error";
	code?: SessionErrorCode;
	error?: unknown;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
