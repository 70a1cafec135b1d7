import { ProtocolError } from "../protocol/frame.js";
import type {
	OutputFormat,
	SegmentationSettings,
	SpeechContextBody,
} from "../protocol/messages.js";
import type { SessionRequest } from "../protocol/paths.js";
import type { SessionOptions } from "../recognition/session.js";
import type { Profanity, TextOptions } from "../recognition/text.js";

/** What one turn is recognized with, from the upgrade URL and the turn's speech.context. */
export interface TurnSettings {
	language: string;
	format: OutputFormat;
	text: TextOptions;
	options: SessionOptions;
}

/**
 * The SDK's phrase list in speech.context: the JS SDK's DynamicGrammarBuilder writes
 * `groups`/`items`/`text`, the native SDKs `Groups`/`Items`/`Text`.
 */
type GrammarItem = { text?: unknown; Text?: unknown };
type GrammarGroup = { items?: GrammarItem[]; Items?: GrammarItem[] };
interface Grammar {
	groups?: GrammarGroup[];
	Groups?: GrammarGroup[];
}

/**
 * Settings in speech.context win over the query, as the SDK sends both from the same
 * properties. Ranges are those the embedded recognizer enforces; a value outside one is a
 * ProtocolError naming the SDK property, which the connection turns into close code 1007
 * (the SDK's BadRequestParameters).
 */
export function turnSettings(
	request: SessionRequest,
	context: SpeechContextBody = {},
): TurnSettings {
	const detection = context.phraseDetection ?? {};
	const segmentation: SegmentationSettings =
		modeSettings(detection, request.mode)?.segmentation ?? {};
	const silence =
		segmentation.segmentationSilenceTimeoutMs ??
		request.segmentationSilenceTimeoutMs;
	const initial =
		detection.initialSilenceTimeout ?? request.initialSilenceTimeoutMs;
	const format = context.phraseOutput?.format?.toLowerCase() ?? request.format;
	return {
		language: detection.language ?? request.language,
		format: format === "detailed" ? "detailed" : "simple",
		text: {
			profanity: profanity(
				detection.enrichment?.profanity ?? request.profanity,
			),
			dictation: request.mode === "dictation",
		},
		options: {
			segmentationSilenceMs:
				checked("Speech_SegmentationSilenceTimeoutMs", silence, 100, 5000) ??
				500,
			initialSilenceTimeoutMs: checked(
				"SpeechServiceConnection_InitialSilenceTimeoutMs",
				initial,
				0,
				3_600_000,
			),
			maxSegmentMs: checked(
				"Speech_SegmentationMaximumTimeMs",
				segmentation.segmentationForcedTimeoutMs,
				20000,
				70000,
			),
			phrases: phraseList(context.dgi as Grammar | undefined),
		},
	};
}

/** The JS SDK keys the mode's settings in lower case, the native SDKs in upper case ("CONVERSATION"). */
function modeSettings(
	detection: NonNullable<SpeechContextBody["phraseDetection"]>,
	mode: SessionRequest["mode"],
): { segmentation?: SegmentationSettings } | undefined {
	const key = Object.keys(detection).find((k) => k.toLowerCase() === mode);
	return key === undefined
		? undefined
		: (detection as Record<string, { segmentation?: SegmentationSettings }>)[
				key
			];
}

function profanity(value: string | undefined): Profanity {
	const lower = value?.toLowerCase();
	return lower === "raw" ? "Raw" : lower === "removed" ? "Removed" : "Masked";
}

function checked(
	property: string,
	value: unknown,
	min: number,
	max: number,
): number | undefined {
	if (value === undefined || value === null) return undefined;
	if (
		typeof value !== "number" ||
		!Number.isInteger(value) ||
		value < min ||
		value > max
	) {
		throw new ProtocolError(
			`${property} must be an integer from ${min} to ${max} ms, got ${JSON.stringify(value)}`,
		);
	}
	return value;
}

function phraseList(grammar: Grammar | undefined): string[] {
	return (grammar?.groups ?? grammar?.Groups ?? []).flatMap((group) =>
		(group.items ?? group.Items ?? []).flatMap((item) => {
			const text = item.text ?? item.Text;
			return typeof text === "string" ? [text] : [];
		}),
	);
}
