import {
	CancellationErrorCode,
	CancellationReason,
	NoMatchReason,
	PropertyId,
	type ResultReason,
} from "./enums.js";
import { PropertyCollection } from "./properties.js";

/** Azure's SpeechRecognitionResult: `offset` and `duration` in 100-ns ticks. */
export class SpeechRecognitionResult {
	constructor(
		readonly resultId: string,
		readonly reason: ResultReason,
		readonly text: string,
		readonly duration: number,
		readonly offset: number,
		readonly json: string,
		readonly properties: PropertyCollection = new PropertyCollection(),
		readonly errorDetails = "",
		readonly language = "",
	) {
		if (json)
			properties.setProperty(PropertyId.SpeechServiceResponse_JsonResult, json);
	}
}

const cancellations = new WeakMap<
	SpeechRecognitionResult,
	{ reason: CancellationReason; code: CancellationErrorCode }
>();
const noMatches = new WeakMap<SpeechRecognitionResult, NoMatchReason>();

/** Links a canceled result to its details, for `CancellationDetails.fromResult`. */
export function markCanceled(
	result: SpeechRecognitionResult,
	reason: CancellationReason,
	code: CancellationErrorCode,
): void {
	cancellations.set(result, { reason, code });
	result.properties.setProperty(
		PropertyId.CancellationDetails_Reason,
		CancellationReason[reason],
	);
	result.properties.setProperty(
		PropertyId.CancellationDetails_ReasonDetailedText,
		result.errorDetails,
	);
}

/** Links a NoMatch result to its reason, for `NoMatchDetails.fromResult`. */
export function markNoMatch(
	result: SpeechRecognitionResult,
	reason: NoMatchReason,
): void {
	noMatches.set(result, reason);
}

export class CancellationDetails {
	private constructor(
		readonly reason: CancellationReason,
		readonly errorDetails: string,
		readonly ErrorCode: CancellationErrorCode,
	) {}

	static fromResult(result: SpeechRecognitionResult): CancellationDetails {
		const details = cancellations.get(result) ?? {
			reason: CancellationReason.Error,
			code: CancellationErrorCode.NoError,
		};
		return new CancellationDetails(
			details.reason,
			result.errorDetails,
			details.code,
		);
	}
}

export class NoMatchDetails {
	private constructor(readonly reason: NoMatchReason) {}

	static fromResult(result: SpeechRecognitionResult): NoMatchDetails {
		return new NoMatchDetails(
			noMatches.get(result) ?? NoMatchReason.NotRecognized,
		);
	}
}

export class SessionEventArgs {
	constructor(readonly sessionId: string) {}
}

export class RecognitionEventArgs extends SessionEventArgs {
	constructor(
		readonly offset: number,
		sessionId: string,
	) {
		super(sessionId);
	}
}

export class SpeechRecognitionEventArgs extends RecognitionEventArgs {
	constructor(
		readonly result: SpeechRecognitionResult,
		offset: number,
		sessionId: string,
	) {
		super(offset, sessionId);
	}
}

export class SpeechRecognitionCanceledEventArgs extends RecognitionEventArgs {
	constructor(
		readonly reason: CancellationReason,
		readonly errorDetails: string,
		readonly errorCode: CancellationErrorCode,
		readonly result: SpeechRecognitionResult,
		offset: number,
		sessionId: string,
	) {
		super(offset, sessionId);
	}
}
