import type { WavHeader } from "../audio/pcm.js";
import { AudioFormatError } from "../audio/source.js";
import { createStreamSource } from "../audio/stream.js";
import type { Engine } from "../engines/engine.js";
import type { TextMessage } from "../protocol/frame.js";
import {
	CloseCode,
	phraseBody,
	speechEndDetectedMessage,
	speechHypothesisMessage,
	speechPhraseMessage,
	speechStartDetectedMessage,
	statusPhraseBody,
	TICKS_PER_SECOND,
	turnEndMessage,
	turnStartMessage,
} from "../protocol/messages.js";
import type { Phrase, SessionEvent } from "../recognition/events.js";
import { RecognitionSession } from "../recognition/session.js";
import { filterProfanity } from "../recognition/text.js";
import type { ServerMetrics } from "./metrics.js";
import type { TurnSettings } from "./settings.js";

/** How a turn ended: normally (turn.end sent) or with an error that closes the connection. */
export type TurnOutcome =
	| { ok: true }
	| {
			ok: false;
			closeCode: number;
			reason: string;
			/** Set when the failure was unexpected (not the client's audio): a bug or an engine fault. */
			error?: unknown;
			/** Where the unexpected error arose: the engine's session, or the turn answering it. */
			stage?: "engine" | "turn";
	  };

/**
 * One turn of the protocol: the client's audio, from its RIFF header to its empty message, fed
 * to a RecognitionSession on the shared engine, whose events become service messages. A
 * continuous turn lasts until the client's audio ends, so offsets are on the session's clock and
 * the SDK never replays audio; an interactive turn ends after its first phrase.
 *
 * A continuous turn ends with an EndOfDictation phrase reaching to the end of the audio
 * received: SDKs raise no event for it, and the native SDKs (Python, Java, C++, C#) count the
 * audio up to its end as recognized, so they do not replay the silence after the last phrase in a
 * new turn. The native SDKs also stop a turn's audio at speech.endDetected, as Azure sends it in
 * continuous mode only when the speech stream ends; for them (`speechEventsPerTurn`) a continuous
 * turn has one speech.startDetected, at its first speech, and one speech.endDetected, at its end.
 * A turn the client stopped (speech.control) has no EndOfDictation: its audio was not all
 * recognized, and only earshot's own page sends that stop.
 */
export class Turn {
	readonly done: Promise<TurnOutcome>;
	phrases = 0;
	private readonly source;
	private readonly session: RecognitionSession;
	private readonly bytesPerSecond: number;
	private receivedBytes = 0;
	/** When audio arrived: [ticks received so far, ms timestamp], oldest first. */
	private arrivals: [number, number][] = [];
	private answered = false;
	private speechStarted = false;
	/** The client stopped the turn: audio it sent was dropped unrecognized. */
	private abandoned = false;
	private error: TurnOutcome | undefined;
	private resolveDone!: (outcome: TurnOutcome) => void;

	constructor(
		engine: Engine,
		readonly requestId: string,
		header: WavHeader,
		private readonly settings: TurnSettings,
		private readonly interactive: boolean,
		private readonly speechEventsPerTurn: boolean,
		private readonly send: (message: TextMessage) => void,
		private readonly metrics: ServerMetrics,
	) {
		const { format } = header;
		this.bytesPerSecond =
			format.sampleRate * format.channels * (format.bitsPerSample / 8);
		this.source = createStreamSource(format, {
			name: `audio of request ${requestId}`,
		});
		this.done = new Promise((resolve) => {
			this.resolveDone = resolve;
		});
		this.session = new RecognitionSession(
			engine,
			async () => this.source,
			settings.options,
			(event) => this.onEvent(event),
		);
	}

	get audioSeconds(): number {
		return this.receivedBytes / this.bytesPerSecond;
	}

	start(): Promise<void> {
		return this.session.start();
	}

	write(pcm: Uint8Array): void {
		if (pcm.length === 0) return;
		this.receivedBytes += pcm.length;
		this.metrics.audioSeconds.inc(pcm.length / this.bytesPerSecond);
		this.arrivals.push([this.ticks(this.receivedBytes), Date.now()]);
		this.source.write(pcm);
	}

	/** The client's audio ended: what it sent is recognized, then turn.end. */
	end(): void {
		this.source.end();
	}

	/** The client's stop (speech.control): audio not yet recognized is dropped, then turn.end. */
	abandon(): void {
		this.abandoned = true;
		void this.session.stop({ dropBuffered: true });
	}

	/** Ends the turn now, flushing the open phrase (a time limit, shutdown, or a vanished client). */
	async stop(): Promise<TurnOutcome> {
		await this.session.stop();
		return this.done;
	}

	/**
	 * Ends the turn at a deadline (a time limit, a drain): audio not decoded yet is dropped, the
	 * open phrase is flushed, and no turn.end is sent, so the client learns from the close
	 * (4000, `reason`) that its audio was not all recognized.
	 */
	async interrupt(reason: string): Promise<TurnOutcome> {
		this.error ??= { ok: false, closeCode: CloseCode.ServiceError, reason };
		await this.session.stop({ dropBuffered: true });
		return this.done;
	}

	/** Never throws: a failure to answer ends the turn as unexpected, and sessionStopped still ends it. */
	private onEvent(event: SessionEvent): void {
		try {
			this.answer(event);
		} catch (error) {
			this.error ??= {
				ok: false,
				closeCode: CloseCode.ServiceError,
				reason: error instanceof Error ? error.message : String(error),
				error,
				stage: "turn",
			};
			this.session.stop().catch(() => {});
		}
		if (event.type === "sessionStopped")
			this.resolveDone(this.error ?? { ok: true });
	}

	private answer(event: SessionEvent): void {
		// An interactive turn answers with one phrase; what the engine hears after it is dropped.
		if (this.answered && event.type !== "sessionStopped") return;
		if (event.type === "recognized") this.recognized(event.phrase);
		else if (event.type === "canceled") {
			if (event.reason === "Error") {
				const reason = event.errorDetails ?? "recognition failed";
				this.error =
					event.errorCode === "BadRequestParameters" ||
					event.error instanceof AudioFormatError
						? { ok: false, closeCode: CloseCode.InvalidPayload, reason }
						: {
								ok: false,
								closeCode: CloseCode.ServiceError,
								reason,
								error: event.error ?? new Error(reason),
								stage: "engine",
							};
			}
		} else if (event.type === "sessionStopped") {
			if (!this.error) this.endTurn();
		} else if (this.sends(event.type)) this.send(this.message(event));
	}

	/** Whether an event becomes a message: with speech events per turn, only the first speech start. */
	private sends(type: SessionEvent["type"]): boolean {
		if (!this.speechEventsPerTurn) return true;
		if (type === "speechEndDetected") return false;
		if (type !== "speechStartDetected") return true;
		if (this.speechStarted) return false;
		this.speechStarted = true;
		return true;
	}

	private endTurn(): void {
		const end = this.ticks(this.receivedBytes);
		if (!this.interactive) {
			if (this.speechStarted)
				this.send(speechEndDetectedMessage(this.requestId, end));
			if (!this.abandoned)
				this.send(
					speechPhraseMessage(
						this.requestId,
						statusPhraseBody("EndOfDictation", end),
					),
				);
		}
		this.send(turnEndMessage(this.requestId));
	}

	private message(
		event: Extract<
			SessionEvent,
			{
				type:
					| "sessionStarted"
					| "speechStartDetected"
					| "speechEndDetected"
					| "recognizing";
			}
		>,
	): TextMessage {
		const id = this.requestId;
		switch (event.type) {
			case "sessionStarted":
				return turnStartMessage(id);
			case "speechStartDetected":
				return speechStartDetectedMessage(id, event.offset);
			case "speechEndDetected":
				return speechEndDetectedMessage(id, event.offset);
			case "recognizing":
				return speechHypothesisMessage(id, {
					Text: filterProfanity(
						event.phrase.text,
						this.settings.text.profanity,
					),
					Offset: event.phrase.offset,
					Duration: event.phrase.duration,
				});
		}
	}

	private recognized(phrase: Phrase): void {
		const { format, text } = this.settings;
		this.send(
			speechPhraseMessage(this.requestId, phraseBody(format, phrase, text)),
		);
		this.phrases++;
		this.metrics.phrases.inc();
		this.observeLatency(phrase);
		if (this.interactive) {
			this.answered = true;
			void this.session.stop();
		}
	}

	/** The phrase's end plus the segmentation silence is the audio its finalization waited for. */
	private observeLatency(phrase: Phrase): void {
		const silence =
			(this.settings.options.segmentationSilenceMs * TICKS_PER_SECOND) / 1000;
		const target = Math.min(
			phrase.offset + phrase.duration + silence,
			this.ticks(this.receivedBytes),
		);
		const index = this.arrivals.findIndex(([ticks]) => ticks >= target);
		if (index < 0) return;
		this.metrics.finalizationLatency.observe(
			(Date.now() - this.arrivals[index][1]) / 1000,
		);
		this.arrivals = this.arrivals.slice(index);
	}

	private ticks(bytes: number): number {
		return Math.round((bytes / this.bytesPerSecond) * TICKS_PER_SECOND);
	}
}
