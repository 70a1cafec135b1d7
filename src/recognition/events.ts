/** Times are in 100-ns ticks from the first audio sample of the session, as in Azure. */
export const TICKS_PER_SECOND = 10_000_000;

export interface RecognizedWord {
	word: string;
	offset: number;
	duration: number;
	/** 0..1 */
	confidence: number;
}

export type NoMatchKind = "NotRecognized" | "InitialSilenceTimeout";

export interface Phrase {
	/** Empty for a segment that held no words. */
	text: string;
	offset: number;
	duration: number;
	words: RecognizedWord[];
	/** 0..1 */
	confidence: number;
	/** Set on a final phrase that holds no words. */
	noMatch?: NoMatchKind;
}

export type EndReason = "EndOfStream" | "Error";

/** What a session reports, in the order it happens. */
export type SessionEvent =
	| { type: "sessionStarted"; sessionId: string }
	| { type: "speechStartDetected"; offset: number }
	| { type: "recognizing"; phrase: Phrase }
	| { type: "speechEndDetected"; offset: number }
	| { type: "recognized"; phrase: Phrase }
	| {
			type: "canceled";
			reason: EndReason;
			errorCode?: SessionErrorCode;
			errorDetails?: string;
			/** What went wrong, with its stack, for logs. */
			error?: unknown;
			offset: number;
	  }
	| { type: "sessionStopped"; sessionId: string };

export type SessionErrorCode =
	| "BadRequestParameters"
	| "RuntimeError"
	| "ServiceError"
	// Remote mode: what a speech server or the network reports.
	| "AuthenticationFailure"
	| "ConnectionFailure"
	| "Forbidden"
	| "TooManyRequests";
