import { randomUUID } from "node:crypto";
import { checkLanguage, selectEngine } from "../engines/select.js";
import type { Phrase, SessionEvent } from "../recognition/events.js";
import {
	RecognitionSession,
	type SessionOptions,
} from "../recognition/session.js";
import {
	displayText,
	filterProfanity,
	phraseJson,
	type TextOptions,
} from "../recognition/text.js";
import { AudioConfig } from "./audio-config.js";
import {
	CancellationErrorCode,
	CancellationReason,
	NoMatchReason,
	OutputFormat,
	PropertyId,
	ResultReason,
} from "./enums.js";
import type { PropertyCollection } from "./properties.js";
import { RemoteSession } from "./remote-session.js";
import { remoteTarget } from "./remote-target.js";
import {
	markCanceled,
	markNoMatch,
	RecognitionEventArgs,
	SessionEventArgs,
	SpeechRecognitionCanceledEventArgs,
	SpeechRecognitionEventArgs,
	SpeechRecognitionResult,
} from "./results.js";
import {
	engineChoiceOf,
	outputFormatOf,
	type SpeechConfig,
} from "./speech-config.js";

type Handler<T> = ((sender: SpeechRecognizer, event: T) => void) | undefined;

/** One event from `SpeechRecognizer.events()`, named as the handler property it matches. */
export type RecognizerEvent =
	| { type: "sessionStarted"; args: SessionEventArgs }
	| { type: "sessionStopped"; args: SessionEventArgs }
	| { type: "speechStartDetected"; args: RecognitionEventArgs }
	| { type: "speechEndDetected"; args: RecognitionEventArgs }
	| { type: "recognizing"; args: SpeechRecognitionEventArgs }
	| { type: "recognized"; args: SpeechRecognitionEventArgs }
	| { type: "canceled"; args: SpeechRecognitionCanceledEventArgs };

class ParameterError extends Error {}

/** A local session, or one on a speech server (SpeechConfig.fromHost / fromEndpoint). */
type Session = RecognitionSession | RemoteSession;

/**
 * Azure's SpeechRecognizer, on a local engine. Events are assignable properties, as in Azure;
 * callbacks and Promise forms of each call are offered, and `events()` iterates them.
 */
export class SpeechRecognizer {
	recognizing: Handler<SpeechRecognitionEventArgs>;
	recognized: Handler<SpeechRecognitionEventArgs>;
	canceled: Handler<SpeechRecognitionCanceledEventArgs>;
	sessionStarted: Handler<SessionEventArgs>;
	sessionStopped: Handler<SessionEventArgs>;
	speechStartDetected: Handler<RecognitionEventArgs>;
	speechEndDetected: Handler<RecognitionEventArgs>;
	readonly properties: PropertyCollection;
	/** @internal Phrases added with `PhraseListGrammar`. */
	readonly phraseList: string[] = [];
	/**
	 * @internal Cleared by the CLI when it shows no partials, so the engine need not decode
	 * them; the SDK never clears it, as `recognizing` may be read at any time.
	 */
	decodePartials = true;
	private readonly audioConfig: AudioConfig;
	private session: Session | undefined;
	/** Set while the engine loads, before a session exists, so stop and start see it. */
	private starting: Promise<Session | undefined> | undefined;
	private readonly listeners = new Set<(event: RecognizerEvent) => void>();
	/** The running session's events, for `events()` made just after the start resolves. */
	private recent: RecognizerEvent[] | undefined;
	private closed = false;

	constructor(speechConfig: SpeechConfig, audioConfig?: AudioConfig) {
		this.properties = speechConfig.properties.clone();
		this.audioConfig = audioConfig ?? AudioConfig.fromDefaultMicrophoneInput();
	}

	get speechRecognitionLanguage(): string {
		return this.properties.getProperty(
			PropertyId.SpeechServiceConnection_RecoLanguage,
			"en-US",
		);
	}

	get outputFormat(): OutputFormat {
		return outputFormatOf(this.properties);
	}

	startContinuousRecognitionAsync(
		cb?: () => void,
		err?: (error: string) => void,
	): void {
		settle(this.startContinuousRecognition(), cb, err);
	}

	stopContinuousRecognitionAsync(
		cb?: () => void,
		err?: (error: string) => void,
	): void {
		settle(this.stopContinuousRecognition(), cb, err);
	}

	recognizeOnceAsync(
		cb?: (result: SpeechRecognitionResult) => void,
		err?: (error: string) => void,
	): void {
		settle(this.recognizeOnce(), cb, err);
	}

	/** Starts recognizing until stopped or the input ends; resolves once `sessionStarted` has fired. */
	async startContinuousRecognition(): Promise<void> {
		if (this.closed) throw new Error("the recognizer is closed");
		if (this.session || this.starting)
			throw new Error("recognition is already running");
		const recent: RecognizerEvent[] = [];
		this.recent = recent;
		try {
			await this.begin();
		} finally {
			setImmediate(() => {
				if (this.recent === recent) this.recent = undefined;
			});
		}
	}

	/** Flushes what was heard into a final `recognized`, then fires `sessionStopped`. Never waits for more audio. */
	async stopContinuousRecognition(): Promise<void> {
		await this.starting;
		await this.session?.stop();
	}

	/** Recognizes one phrase: resolves with the first final result (or a Canceled one). */
	async recognizeOnce(): Promise<SpeechRecognitionResult> {
		if (this.closed) throw new Error("the recognizer is closed");
		if (this.session || this.starting)
			throw new Error("recognition is already running");
		let first: SpeechRecognitionResult | undefined;
		let resolveFirst: (result: SpeechRecognitionResult) => void = () => {};
		const firstResult = new Promise<SpeechRecognitionResult>((resolve) => {
			resolveFirst = resolve;
		});
		const listener = (event: RecognizerEvent) => {
			if (first) return;
			if (event.type === "recognized" || event.type === "canceled") {
				first = event.args.result;
				resolveFirst(first);
			} else if (event.type === "sessionStopped") {
				first = new SpeechRecognitionResult(
					randomUUID(),
					ResultReason.NoMatch,
					"",
					0,
					0,
					"",
				);
				resolveFirst(first);
			}
		};
		this.listeners.add(listener);
		try {
			const session = await this.begin();
			const result = await firstResult;
			await session?.stop();
			return result;
		} finally {
			this.listeners.delete(listener);
		}
	}

	/**
	 * The events of a session, in order, ending after `sessionStopped`. Made before
	 * `startContinuousRecognition`, it yields the next session's events; made while a session
	 * runs, it first replays that session's events from `sessionStarted`, so
	 * `await recognizer.startContinuousRecognition(); for await (… of recognizer.events())`
	 * misses nothing. The replay is kept until one turn of the event loop after the start resolves.
	 */
	events(): AsyncGenerator<RecognizerEvent> {
		const queue: RecognizerEvent[] = [...(this.recent ?? [])];
		let wake: (() => void) | undefined;
		const listener = (event: RecognizerEvent) => {
			queue.push(event);
			// An iterator nobody reads holds one session's events at most.
			if (event.type === "sessionStopped") this.listeners.delete(listener);
			wake?.();
		};
		// Listening starts now, not at the first `next()`.
		if (queue.at(-1)?.type !== "sessionStopped") this.listeners.add(listener);
		const listeners = this.listeners;
		return (async function* () {
			try {
				for (;;) {
					const event = queue.shift();
					if (!event) {
						await new Promise<void>((resolve) => {
							wake = resolve;
						});
						continue;
					}
					yield event;
					if (event.type === "sessionStopped") return;
				}
			} finally {
				listeners.delete(listener);
			}
		})();
	}

	[Symbol.asyncIterator](): AsyncGenerator<RecognizerEvent> {
		return this.events();
	}

	close(cb?: () => void, err?: (error: string) => void): void {
		settle(this.dispose(), cb, err);
	}

	/** Stops any recognition and releases the recognizer. */
	async dispose(): Promise<void> {
		this.closed = true;
		await this.starting;
		await this.session?.stop();
	}

	private begin(): Promise<Session | undefined> {
		const starting = this.openSession().finally(() => {
			this.starting = undefined;
		});
		this.starting = starting;
		return starting;
	}

	private async openSession(): Promise<Session | undefined> {
		let open: (emit: (event: SessionEvent) => void) => Session;
		try {
			const options = this.sessionOptions();
			const remote = remoteTarget(this.properties);
			if (remote) {
				open = (emit) =>
					new RemoteSession(remote, this.audioConfig.open, options, emit);
			} else {
				const engine = await selectEngine(engineChoiceOf(this.properties));
				checkLanguage(engine, this.speechRecognitionLanguage);
				open = (emit) =>
					new RecognitionSession(engine, this.audioConfig.open, options, emit);
			}
		} catch (error) {
			const code =
				error instanceof ParameterError
					? CancellationErrorCode.BadRequestParameters
					: CancellationErrorCode.RuntimeError;
			this.failBeforeStart(
				code,
				error instanceof Error ? error.message : String(error),
			);
			return undefined;
		}
		const text = this.textOptions();
		const format =
			this.outputFormat === OutputFormat.Detailed ? "Detailed" : "Simple";
		const session = open((event) =>
			this.dispatch(event, session.id, text, format),
		);
		this.session = session;
		void session.done.then(() => {
			if (this.session === session) this.session = undefined;
		});
		await session.start();
		return session;
	}

	private sessionOptions(): SessionOptions {
		const silence =
			this.msProperty(
				PropertyId.Speech_SegmentationSilenceTimeoutMs,
				100,
				5000,
			) ?? 500;
		return {
			segmentationSilenceMs: silence,
			initialSilenceTimeoutMs: this.msProperty(
				PropertyId.SpeechServiceConnection_InitialSilenceTimeoutMs,
				0,
				3_600_000,
			),
			maxSegmentMs: this.msProperty(
				PropertyId.Speech_SegmentationMaximumTimeMs,
				20000,
				70000,
			),
			phrases: [...this.phraseList],
			partials: this.decodePartials,
		};
	}

	/** A property in ms, checked against Azure's range; undefined when unset. */
	private msProperty(
		id: PropertyId,
		min: number,
		max: number,
	): number | undefined {
		const raw = this.properties.getProperty(id).trim();
		if (raw === "") return undefined;
		const value = Number(raw);
		if (!Number.isInteger(value) || value < min || value > max) {
			throw new ParameterError(
				`${PropertyId[id]} must be an integer from ${min} to ${max} ms, got "${raw}"`,
			);
		}
		return value;
	}

	private textOptions(): TextOptions {
		const profanity = this.properties.getProperty(
			PropertyId.SpeechServiceResponse_ProfanityOption,
			"Masked",
		);
		return {
			profanity:
				profanity === "Raw" || profanity === "Removed" ? profanity : "Masked",
			dictation:
				this.properties.getProperty(
					PropertyId.SpeechServiceConnection_RecoMode,
				) === "DICTATION",
		};
	}

	private failBeforeStart(code: CancellationErrorCode, details: string): void {
		const sessionId = randomUUID().replaceAll("-", "");
		this.fire({
			type: "sessionStarted",
			args: new SessionEventArgs(sessionId),
		});
		const result = new SpeechRecognitionResult(
			randomUUID(),
			ResultReason.Canceled,
			"",
			0,
			0,
			"",
			undefined,
			details,
		);
		markCanceled(result, CancellationReason.Error, code);
		this.fire({
			type: "canceled",
			args: new SpeechRecognitionCanceledEventArgs(
				CancellationReason.Error,
				details,
				code,
				result,
				0,
				sessionId,
			),
		});
		this.fire({
			type: "sessionStopped",
			args: new SessionEventArgs(sessionId),
		});
	}

	private dispatch(
		event: SessionEvent,
		sessionId: string,
		text: TextOptions,
		format: "Simple" | "Detailed",
	): void {
		switch (event.type) {
			case "sessionStarted":
			case "sessionStopped":
				this.fire({ type: event.type, args: new SessionEventArgs(sessionId) });
				return;
			case "speechStartDetected":
			case "speechEndDetected":
				this.fire({
					type: event.type,
					args: new RecognitionEventArgs(event.offset, sessionId),
				});
				return;
			case "recognizing":
			case "recognized": {
				const result = this.result(event.type, event.phrase, text, format);
				this.fire({
					type: event.type,
					args: new SpeechRecognitionEventArgs(
						result,
						event.phrase.offset,
						sessionId,
					),
				});
				return;
			}
			case "canceled": {
				const reason =
					event.reason === "EndOfStream"
						? CancellationReason.EndOfStream
						: CancellationReason.Error;
				const code = event.errorCode
					? CancellationErrorCode[event.errorCode]
					: CancellationErrorCode.NoError;
				const details = event.errorDetails ?? "";
				const result = new SpeechRecognitionResult(
					randomUUID(),
					ResultReason.Canceled,
					"",
					0,
					event.offset,
					"",
					undefined,
					details,
				);
				markCanceled(result, reason, code);
				this.fire({
					type: "canceled",
					args: new SpeechRecognitionCanceledEventArgs(
						reason,
						details,
						code,
						result,
						event.offset,
						sessionId,
					),
				});
			}
		}
	}

	private result(
		type: "recognizing" | "recognized",
		phrase: Phrase,
		text: TextOptions,
		format: "Simple" | "Detailed",
	): SpeechRecognitionResult {
		const id = randomUUID().replaceAll("-", "");
		if (type === "recognizing") {
			return new SpeechRecognitionResult(
				id,
				ResultReason.RecognizingSpeech,
				filterProfanity(phrase.text, text.profanity),
				phrase.duration,
				phrase.offset,
				"",
			);
		}
		const json = JSON.stringify(phraseJson(phrase, format, text));
		const reason = phrase.noMatch
			? ResultReason.NoMatch
			: ResultReason.RecognizedSpeech;
		const result = new SpeechRecognitionResult(
			id,
			reason,
			displayText(phrase.text, text),
			phrase.duration,
			phrase.offset,
			json,
		);
		if (phrase.noMatch) markNoMatch(result, NoMatchReason[phrase.noMatch]);
		return result;
	}

	private fire(event: RecognizerEvent): void {
		const handler = this[event.type] as Handler<typeof event.args>;
		try {
			handler?.(this, event.args);
		} catch (error) {
			// A throwing handler must not stop recognition; the app still hears about it.
			process.emitWarning(
				`earshot: the ${event.type} handler threw: ${error instanceof Error ? error.message : error}`,
			);
		}
		this.recent?.push(event);
		for (const listener of [...this.listeners]) listener(event);
	}
}

function settle<T>(
	promise: Promise<T>,
	cb?: (value: T) => void,
	err?: (error: string) => void,
): void {
	promise.then(
		(value) => cb?.(value),
		(error: unknown) => {
			const message = error instanceof Error ? error.message : String(error);
			if (err) err(message);
			else process.emitWarning(`earshot: ${message}`);
		},
	);
}
