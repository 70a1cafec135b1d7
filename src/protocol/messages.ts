/**
 * Typed builders and parsers for every message of the speech recognition protocol.
 *
 * One recognition, as the official SDK drives it (common.speech/ServiceRecognizerBase.js):
 *   client: speech.config, speech.context, audio (RIFF header), audio (PCM)…, audio (empty = end)
 *   server: turn.start, speech.startDetected, speech.hypothesis…, speech.phrase, … speech.endDetected, turn.end
 *   client: telemetry (after turn.end)
 * Every server message must carry the X-RequestId of the client's current turn: the SDK drops
 * any other. In continuous mode, after turn.end while audio is still flowing, the SDK sends a new
 * speech.context with a new X-RequestId, a new RIFF header and replays audio from the end of the
 * last recognized phrase; Offset values in a turn are relative to that turn's first audio byte
 * (the SDK adds the turn's base offset).
 */

import { randomUUID } from "node:crypto";
import type { Phrase } from "../recognition/events.js";
import { phraseJson, type TextOptions } from "../recognition/text.js";
import {
	type BinaryMessage,
	type Message,
	MessageHeaders,
	ProtocolError,
	type TextMessage,
} from "./frame.js";

/** Message paths. The SDK compares them case-insensitively. */
export const MessagePath = {
	SpeechConfig: "speech.config",
	SpeechContext: "speech.context",
	Audio: "audio",
	Telemetry: "telemetry",
	/**
	 * earshot's extension, modelled on Azure's synthesis.control: `{"action":"stop"}` ends the
	 * turn now, dropping audio not yet recognized. The official SDKs never send it.
	 */
	SpeechControl: "speech.control",
	TurnStart: "turn.start",
	SpeechStartDetected: "speech.startDetected",
	SpeechHypothesis: "speech.hypothesis",
	/** Handled by the SDK exactly like speech.hypothesis. */
	SpeechFragment: "speech.fragment",
	SpeechPhrase: "speech.phrase",
	SpeechEndDetected: "speech.endDetected",
	TurnEnd: "turn.end",
} as const;

/** Header names (common.speech/HeaderNames.js). */
export const HeaderName = {
	Path: "Path",
	RequestId: "X-RequestId",
	Timestamp: "X-Timestamp",
	ContentType: "Content-Type",
	StreamId: "X-StreamId",
} as const;

export const ContentType = {
	/** What the SDK puts on speech.config, speech.context and telemetry. */
	Json: "application/json",
	/** What the service puts on its JSON messages. */
	JsonUtf8: "application/json; charset=utf-8",
	/** What the SDK puts on the audio message carrying the RIFF header; later audio has none. */
	Wav: "audio/x-wav",
} as const;

/** Offsets and durations on the wire are in 100-nanosecond ticks. */
export const TICKS_PER_SECOND = 10_000_000;

export function secondsToTicks(seconds: number): number {
	return Math.round(seconds * TICKS_PER_SECOND);
}

/** A request id as the SDK makes them: a GUID without dashes, upper-case. */
export function newRequestId(): string {
	return randomUUID().replaceAll("-", "").toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Outcomes as the SDK reads them

export type RecognitionStatus =
	| "Success"
	| "NoMatch"
	| "InitialSilenceTimeout"
	| "BabbleTimeout"
	| "Error"
	| "EndOfDictation"
	| "TooManyRequests"
	| "BadRequest"
	| "Forbidden";

export type CancellationErrorCode =
	| "NoError"
	| "AuthenticationFailure"
	| "BadRequestParameters"
	| "TooManyRequests"
	| "Forbidden"
	| "ConnectionFailure"
	| "ServiceTimeout"
	| "ServiceError"
	| "ServiceUnavailable"
	| "RuntimeError";

export type RecognitionOutcome =
	| {
			readonly event: "recognized";
			readonly resultReason: "RecognizedSpeech" | "NoMatch";
	  }
	| {
			readonly event: "canceled";
			readonly cancellationReason: "Error";
			readonly errorCode: CancellationErrorCode;
	  }
	| { readonly event: "none" };

/**
 * What the SDK does on a speech.phrase with each RecognitionStatus
 * (common.speech/EnumTranslation.js and SpeechServiceRecognizer.js). A status it does not know
 * also cancels, with NoError.
 */
export const RECOGNITION_STATUS_OUTCOMES = {
	Success: { event: "recognized", resultReason: "RecognizedSpeech" },
	NoMatch: { event: "recognized", resultReason: "NoMatch" },
	InitialSilenceTimeout: { event: "recognized", resultReason: "NoMatch" },
	BabbleTimeout: { event: "recognized", resultReason: "NoMatch" },
	EndOfDictation: { event: "none" },
	Error: {
		event: "canceled",
		cancellationReason: "Error",
		errorCode: "ServiceError",
	},
	TooManyRequests: {
		event: "canceled",
		cancellationReason: "Error",
		errorCode: "TooManyRequests",
	},
	BadRequest: {
		event: "canceled",
		cancellationReason: "Error",
		errorCode: "BadRequestParameters",
	},
	Forbidden: {
		event: "canceled",
		cancellationReason: "Error",
		errorCode: "Forbidden",
	},
} as const satisfies Record<RecognitionStatus, RecognitionOutcome>;

export const CloseCode = {
	Normal: 1000,
	ProtocolError: 1002,
	UnsupportedData: 1003,
	/** The one close code the SDK reports as BadRequestParameters. */
	InvalidPayload: 1007,
	ServiceError: 4000,
} as const;

/**
 * Close codes on which the SDK cancels at once, with the error code it reports and errorDetails
 * `"<reason> websocket error code: <code>"` (common.speech/ServiceRecognizerBase.js, constructor).
 * On any other close code (1000, 1001, 1011, …) it does not cancel: it reconnects on its next
 * send and replays unacknowledged audio, so a server must end sessions with one of these.
 */
export const CLOSE_CODE_CANCELLATION = {
	1002: "ConnectionFailure",
	1003: "ConnectionFailure",
	1007: "BadRequestParameters",
	4000: "ConnectionFailure",
} as const satisfies Record<number, CancellationErrorCode>;

// ---------------------------------------------------------------------------------------------
// Bodies

/** speech.config (common.speech/SpeechServiceConfig.js): who the client is and what audio it has. */
export interface SpeechConfigBody {
	context?: {
		system?: { name?: string; version?: string; build?: string; lang?: string };
		os?: { platform?: string; name?: string; version?: string };
		/** Keys are lower-case: `samplerate`, `bitspersample`, `channelcount`, `type`, `model`, … */
		audio?: { source?: Record<string, unknown> };
	};
	/** The recognition mode, lower-case ("conversation", "interactive", "dictation"). */
	recognition?: string;
}

export interface SegmentationSettings {
	mode?: string;
	segmentationSilenceTimeoutMs?: number;
	segmentationForcedTimeoutMs?: number;
}

/**
 * speech.context (common.speech/SpeechContext.js, filled in ServiceRecognizerBase.recognize):
 * the per-turn recognition settings. Only the fields a recognizer acts on are typed.
 */
export interface SpeechContextBody {
	phraseDetection?: {
		language?: string;
		/** "Interactive", "Conversation" or "Dictation"; only sent with endpoint version 2 or segmentation set. */
		mode?: string;
		initialSilenceTimeout?: number;
		trailingSilenceTimeout?: number;
		conversation?: { segmentation?: SegmentationSettings };
		interactive?: { segmentation?: SegmentationSettings };
		dictation?: { segmentation?: SegmentationSettings };
		/** `profanity` is the SDK's ProfanityOption name: "Masked", "Removed" or "Raw". */
		enrichment?: { profanity?: string };
	};
	phraseOutput?: {
		format?: "Simple" | "Detailed";
		detailed?: { options?: string[] };
		interimResults?: { stableThreshold?: number };
	};
	[key: string]: unknown;
}

export interface PrimaryLanguage {
	Language: string;
	Confidence?: string;
}

export interface SpeechDetectedBody {
	Offset: number;
}

export interface SpeechHypothesisBody {
	Text: string;
	Offset: number;
	Duration: number;
	PrimaryLanguage?: PrimaryLanguage;
	Channel?: number;
}

export interface WordTiming {
	Word: string;
	Offset: number;
	Duration: number;
	Confidence?: number;
}

export interface NBestEntry {
	Confidence: number;
	Lexical: string;
	ITN: string;
	MaskedITN: string;
	Display: string;
	Words?: WordTiming[];
}

/**
 * speech.phrase, Simple (DisplayText) or Detailed (NBest) shape. The SDK picks which fields it
 * reads from its own OutputFormat, not from the message: on a Detailed client it shows
 * `NBest[0].Display`, so a Detailed Success must have NBest.
 */
export interface SpeechPhraseBody {
	RecognitionStatus: RecognitionStatus;
	Offset: number;
	Duration: number;
	DisplayText?: string;
	NBest?: NBestEntry[];
	PrimaryLanguage?: PrimaryLanguage;
	Channel?: number;
}

export type OutputFormat = "simple" | "detailed";

/**
 * The speech.phrase body for a phrase, built by the same `phraseJson` as embedded results.
 * Its offsets must already be relative to the turn's audio. A phrase without words has no
 * NBest: the SDK does not read it then, and an empty one is refused by `speechPhraseMessage`.
 */
export function phraseBody(
	format: OutputFormat,
	phrase: Phrase,
	text: TextOptions,
): SpeechPhraseBody {
	const body = phraseJson(
		phrase,
		format === "detailed" ? "Detailed" : "Simple",
		text,
	) as unknown as SpeechPhraseBody;
	if (body.NBest?.length === 0) {
		const { NBest: _, ...rest } = body;
		return rest;
	}
	return body;
}

/** A speech.phrase body that recognizes nothing (NoMatch, InitialSilenceTimeout, …) or reports an error. */
export function statusPhraseBody(
	status: Exclude<RecognitionStatus, "Success">,
	offset = 0,
	duration = 0,
): SpeechPhraseBody {
	return { RecognitionStatus: status, Offset: offset, Duration: duration };
}

// ---------------------------------------------------------------------------------------------
// Builders

function headersFor(
	path: string,
	requestId: string,
	contentType?: string,
): MessageHeaders {
	const headers = new MessageHeaders([
		[HeaderName.Path, path],
		[HeaderName.RequestId, requestId],
		[HeaderName.Timestamp, new Date().toISOString()],
	]);
	if (contentType) headers.set(HeaderName.ContentType, contentType);
	return headers;
}

function jsonMessage(
	path: string,
	requestId: string,
	body: unknown,
	contentType: string,
): TextMessage {
	return {
		kind: "text",
		path,
		headers: headersFor(path, requestId, contentType),
		body: JSON.stringify(body),
	};
}

function serviceMessage(
	path: string,
	requestId: string,
	body: unknown,
): TextMessage {
	return jsonMessage(path, requestId, body, ContentType.JsonUtf8);
}

/** The service's turn.start body carries a tag the SDK only reads for reliable reconnect. */
export function turnStartMessage(
	requestId: string,
	serviceTag: string = requestId,
): TextMessage {
	return serviceMessage(MessagePath.TurnStart, requestId, {
		context: { serviceTag },
	});
}

export function speechStartDetectedMessage(
	requestId: string,
	offset: number,
): TextMessage {
	return serviceMessage(MessagePath.SpeechStartDetected, requestId, {
		Offset: offset,
	} satisfies SpeechDetectedBody);
}

export function speechHypothesisMessage(
	requestId: string,
	hypothesis: SpeechHypothesisBody,
): TextMessage {
	return serviceMessage(MessagePath.SpeechHypothesis, requestId, hypothesis);
}

export function speechPhraseMessage(
	requestId: string,
	phrase: SpeechPhraseBody,
): TextMessage {
	if (phrase.NBest !== undefined && phrase.NBest.length === 0) {
		// The SDK reads NBest[0] on a Detailed Success and would stop reading the connection.
		throw new ProtocolError("speech.phrase NBest must not be empty");
	}
	return serviceMessage(MessagePath.SpeechPhrase, requestId, phrase);
}

export function speechEndDetectedMessage(
	requestId: string,
	offset: number,
): TextMessage {
	return serviceMessage(MessagePath.SpeechEndDetected, requestId, {
		Offset: offset,
	} satisfies SpeechDetectedBody);
}

export function turnEndMessage(requestId: string): TextMessage {
	return serviceMessage(MessagePath.TurnEnd, requestId, {});
}

export function speechConfigMessage(
	requestId: string,
	config: SpeechConfigBody,
): TextMessage {
	return jsonMessage(
		MessagePath.SpeechConfig,
		requestId,
		config,
		ContentType.Json,
	);
}

export function speechContextMessage(
	requestId: string,
	context: SpeechContextBody,
): TextMessage {
	return jsonMessage(
		MessagePath.SpeechContext,
		requestId,
		context,
		ContentType.Json,
	);
}

/** earshot's speech.control (see MessagePath.SpeechControl). */
export function speechControlMessage(
	requestId: string,
	action: "stop",
): TextMessage {
	return jsonMessage(
		MessagePath.SpeechControl,
		requestId,
		{ action },
		ContentType.Json,
	);
}

/** The first audio message of a turn carries the RIFF header and Content-Type audio/x-wav. */
export function audioMessage(
	requestId: string,
	payload: Uint8Array,
	contentType?: string,
): BinaryMessage {
	if (payload.length === 0)
		throw new ProtocolError(
			"an empty audio payload ends the audio: use endOfAudioMessage",
		);
	return {
		kind: "binary",
		path: MessagePath.Audio,
		headers: headersFor(MessagePath.Audio, requestId, contentType),
		body: payload,
	};
}

export function endOfAudioMessage(requestId: string): BinaryMessage {
	return {
		kind: "binary",
		path: MessagePath.Audio,
		headers: headersFor(MessagePath.Audio, requestId),
		body: new Uint8Array(0),
	};
}

export function telemetryMessage(
	requestId: string,
	telemetry: unknown,
): TextMessage {
	return jsonMessage(
		MessagePath.Telemetry,
		requestId,
		telemetry,
		ContentType.Json,
	);
}

// ---------------------------------------------------------------------------------------------
// Parsers

/** A message that a client sends, as a server reads it. */
export type ClientMessage =
	/** The native SDKs (Python, Java, C++) send it once per connection, without X-RequestId. */
	| {
			readonly type: "speech.config";
			readonly requestId?: string;
			readonly body: SpeechConfigBody;
	  }
	| {
			readonly type: "speech.context";
			readonly requestId: string;
			readonly body: SpeechContextBody;
	  }
	/** An empty payload ends the audio. */
	| {
			readonly type: "audio";
			readonly requestId: string;
			readonly payload: Uint8Array;
			readonly contentType?: string;
	  }
	| {
			readonly type: "telemetry";
			readonly requestId: string;
			readonly body: unknown;
	  }
	| {
			readonly type: "speech.control";
			readonly requestId: string;
			readonly action: string;
	  }
	/** A path this protocol does not define; the caller decides whether to ignore it. */
	| {
			readonly type: "unknown";
			readonly requestId: string;
			readonly path: string;
	  };

export function parseClientMessage(message: Message): ClientMessage {
	if (message.path.toLowerCase() === MessagePath.SpeechConfig) {
		const requestId = message.headers.get(HeaderName.RequestId);
		return {
			type: "speech.config",
			...(requestId ? { requestId } : {}),
			body: jsonObjectBody(message) as SpeechConfigBody,
		};
	}
	const requestId = requireRequestId(message);
	switch (message.path.toLowerCase()) {
		case MessagePath.SpeechContext:
			return {
				type: "speech.context",
				requestId,
				body: jsonObjectBody(message) as SpeechContextBody,
			};
		case MessagePath.Telemetry:
			return { type: "telemetry", requestId, body: jsonBody(message) };
		case MessagePath.SpeechControl: {
			const { action } = jsonObjectBody(message);
			if (typeof action !== "string")
				throw new ProtocolError("speech.control needs an action");
			return { type: "speech.control", requestId, action };
		}
		case MessagePath.Audio: {
			if (message.kind !== "binary")
				throw new ProtocolError("audio must be a binary message");
			const contentType = message.headers.get(HeaderName.ContentType);
			return {
				type: "audio",
				requestId,
				payload: message.body,
				...(contentType ? { contentType } : {}),
			};
		}
		default:
			return { type: "unknown", requestId, path: message.path };
	}
}

/** A message that the service sends, as a client reads it. */
export type ServiceMessage =
	| { readonly type: "turn.start"; readonly requestId: string }
	| {
			readonly type: "speech.startDetected";
			readonly requestId: string;
			readonly offset: number;
	  }
	/** speech.hypothesis or speech.fragment. */
	| {
			readonly type: "speech.hypothesis";
			readonly requestId: string;
			readonly body: SpeechHypothesisBody;
	  }
	| {
			readonly type: "speech.phrase";
			readonly requestId: string;
			readonly body: SpeechPhraseBody;
	  }
	| {
			readonly type: "speech.endDetected";
			readonly requestId: string;
			readonly offset: number;
	  }
	| { readonly type: "turn.end"; readonly requestId: string }
	| {
			readonly type: "unknown";
			readonly requestId: string;
			readonly path: string;
	  };

export function parseServiceMessage(message: Message): ServiceMessage {
	const requestId = requireRequestId(message);
	switch (message.path.toLowerCase()) {
		case MessagePath.TurnStart.toLowerCase():
			return { type: "turn.start", requestId };
		case MessagePath.TurnEnd.toLowerCase():
			return { type: "turn.end", requestId };
		case MessagePath.SpeechStartDetected.toLowerCase():
			return {
				type: "speech.startDetected",
				requestId,
				offset: detectedOffset(message),
			};
		case MessagePath.SpeechEndDetected.toLowerCase():
			return {
				type: "speech.endDetected",
				requestId,
				offset: detectedOffset(message),
			};
		case MessagePath.SpeechHypothesis.toLowerCase():
		case MessagePath.SpeechFragment.toLowerCase():
			return {
				type: "speech.hypothesis",
				requestId,
				body: hypothesisBody(message),
			};
		case MessagePath.SpeechPhrase.toLowerCase():
			return {
				type: "speech.phrase",
				requestId,
				body: speechPhraseBody(message),
			};
		default:
			return { type: "unknown", requestId, path: message.path };
	}
}

function requireRequestId(message: Message): string {
	const requestId = message.headers.get(HeaderName.RequestId);
	if (!requestId)
		throw new ProtocolError(
			`${message.path} message has no ${HeaderName.RequestId} header`,
		);
	return requestId;
}

function jsonBody(message: Message): unknown {
	if (message.kind !== "text")
		throw new ProtocolError(`${message.path} must be a text message`);
	try {
		return JSON.parse(message.body);
	} catch {
		throw new ProtocolError(`${message.path} body is not valid JSON`);
	}
}

function jsonObjectBody(message: Message): Record<string, unknown> {
	const body = jsonBody(message);
	if (!isObject(body))
		throw new ProtocolError(`${message.path} body is not a JSON object`);
	return body;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireNumber(
	body: Record<string, unknown>,
	key: string,
	path: string,
): number {
	const value = body[key];
	if (typeof value !== "number" || !Number.isFinite(value))
		throw new ProtocolError(`${path} ${key} is not a number`);
	return value;
}

function requireString(
	body: Record<string, unknown>,
	key: string,
	path: string,
): string {
	const value = body[key];
	if (typeof value !== "string")
		throw new ProtocolError(`${path} ${key} is not a string`);
	return value;
}

/** Like the SDK, an empty speech.endDetected body means Offset 0. */
function detectedOffset(message: Message): number {
	if (message.kind === "text" && message.body === "") return 0;
	return requireNumber(jsonObjectBody(message), "Offset", message.path);
}

function hypothesisBody(message: Message): SpeechHypothesisBody {
	const body = jsonObjectBody(message);
	requireString(body, "Text", message.path);
	requireNumber(body, "Offset", message.path);
	requireNumber(body, "Duration", message.path);
	return body as unknown as SpeechHypothesisBody;
}

const RECOGNITION_STATUSES = new Set<string>(
	Object.keys(RECOGNITION_STATUS_OUTCOMES),
);

function speechPhraseBody(message: Message): SpeechPhraseBody {
	const body = jsonObjectBody(message);
	const status = requireString(body, "RecognitionStatus", message.path);
	if (!RECOGNITION_STATUSES.has(status))
		throw new ProtocolError(
			`${message.path} RecognitionStatus ${JSON.stringify(status)} is unknown`,
		);
	requireNumber(body, "Offset", message.path);
	requireNumber(body, "Duration", message.path);
	if (body.DisplayText !== undefined)
		requireString(body, "DisplayText", message.path);
	if (body.NBest !== undefined) {
		if (
			!Array.isArray(body.NBest) ||
			body.NBest.length === 0 ||
			!body.NBest.every(isNBestEntry)
		) {
			throw new ProtocolError(`${message.path} NBest is malformed`);
		}
	}
	return body as unknown as SpeechPhraseBody;
}

function isNBestEntry(value: unknown): boolean {
	if (!isObject(value)) return false;
	const textFields = ["Lexical", "ITN", "MaskedITN", "Display"];
	if (
		typeof value.Confidence !== "number" ||
		!textFields.every((k) => typeof value[k] === "string")
	)
		return false;
	if (value.Words === undefined) return true;
	return (
		Array.isArray(value.Words) &&
		value.Words.every(
			(w) =>
				isObject(w) &&
				typeof w.Word === "string" &&
				typeof w.Offset === "number" &&
				typeof w.Duration === "number",
		)
	);
}
