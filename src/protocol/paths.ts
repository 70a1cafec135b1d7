/**
 * The WebSocket upgrade request: URL path, query parameters and credentials.
 *
 * Facts from the official SDK (common.speech/SpeechConnectionFactory.js, ConnectionFactoryBase.js,
 * QueryParameterNames.js, common.browser/WebsocketConnection.js):
 * - `SpeechConfig.fromHost` forces endpoint version 1, so the path is one of the three
 *   `/speech/recognition/{mode}/cognitiveservices/v1`: interactive for recognizeOnceAsync,
 *   conversation for continuous recognition, dictation when dictation is enabled.
 *   (Version 2, `/stt/speech/universal/v2`, is not served by Azure's containers either.)
 * - The query always has `format` (simple|detailed) and `language` (default en-US); the other
 *   parameters appear only when their property is set, lower-cased.
 * - Credentials: a key goes in `Ocp-Apim-Subscription-Key`, a token in `Authorization: Bearer …`.
 *   `fromHost(url)` without a key and without a token sends neither. Every upgrade header
 *   (credentials, `X-ConnectionId`, `connectionId`) is also repeated as a query parameter,
 *   because browsers' WebSocket (and Node's global one, used from Node 22) cannot send headers.
 */

import { ProtocolError } from "./frame.js";
import type { OutputFormat } from "./messages.js";

export type RecognitionMode = "conversation" | "interactive" | "dictation";

export const RECOGNITION_PATHS = {
	conversation: "/speech/recognition/conversation/cognitiveservices/v1",
	interactive: "/speech/recognition/interactive/cognitiveservices/v1",
	dictation: "/speech/recognition/dictation/cognitiveservices/v1",
} as const satisfies Record<RecognitionMode, string>;

export const QueryParam = {
	Language: "language",
	Format: "format",
	Profanity: "profanity",
	StoreAudio: "storeAudio",
	WordLevelTimestamps: "wordLevelTimestamps",
	InitialSilenceTimeoutMs: "initialSilenceTimeoutMs",
	EndSilenceTimeoutMs: "endSilenceTimeoutMs",
	/** Also sent in speech.context as phraseDetection.<mode>.segmentation.segmentationSilenceTimeoutMs. */
	SegmentationSilenceTimeoutMs: "segmentationSilenceTimeoutMs",
	StableIntermediateThreshold: "stableIntermediateThreshold",
	/** A custom model's endpoint id; sent instead of `language` when set. */
	CustomSpeechDeploymentId: "cid",
} as const;

export const AuthHeader = {
	SubscriptionKey: "Ocp-Apim-Subscription-Key",
	Authorization: "Authorization",
	ConnectionId: "X-ConnectionId",
} as const;

/** The SDK's ProfanityOption names, lower-cased as it puts them in the query. */
export type ProfanityOption = "masked" | "removed" | "raw";

export interface Credentials {
	subscriptionKey?: string;
	/** The bearer token, without the `Bearer ` prefix. */
	authorizationToken?: string;
}

/** What a client asked for when it opened the connection. */
export interface SessionRequest {
	mode: RecognitionMode;
	language: string;
	format: OutputFormat;
	profanity?: ProfanityOption;
	wordLevelTimestamps: boolean;
	storeAudio?: boolean;
	initialSilenceTimeoutMs?: number;
	endSilenceTimeoutMs?: number;
	segmentationSilenceTimeoutMs?: number;
	stableIntermediateThreshold?: number;
	connectionId?: string;
	credentials: Credentials;
}

export const DEFAULT_LANGUAGE = "en-US";

/** Node's IncomingHttpHeaders shape: lower-case names. */
export type UpgradeHeaders = Readonly<
	Record<string, string | readonly string[] | undefined>
>;

/**
 * Reads an upgrade request. `url` may be the request's path and query alone (as in
 * `IncomingMessage.url`). Throws ProtocolError for an unknown path or a bad parameter.
 */
export function parseSessionRequest(
	url: string | URL,
	headers: UpgradeHeaders = {},
): SessionRequest {
	const parsed = typeof url === "string" ? new URL(url, "ws://localhost") : url;
	const mode = modeForPath(parsed.pathname);
	if (!mode)
		throw new ProtocolError(`unknown path ${JSON.stringify(parsed.pathname)}`);
	const query = parsed.searchParams;

	const request: SessionRequest = {
		mode,
		language: query.get(QueryParam.Language) || DEFAULT_LANGUAGE,
		format: oneOf(query, QueryParam.Format, ["simple", "detailed"]) ?? "simple",
		wordLevelTimestamps:
			boolean(query, QueryParam.WordLevelTimestamps) ?? false,
		credentials: credentialsFrom(parsed, headers),
	};
	const profanity = oneOf(query, QueryParam.Profanity, [
		"masked",
		"removed",
		"raw",
	]);
	if (profanity) request.profanity = profanity;
	const storeAudio = boolean(query, QueryParam.StoreAudio);
	if (storeAudio !== undefined) request.storeAudio = storeAudio;
	const initial = milliseconds(query, QueryParam.InitialSilenceTimeoutMs);
	if (initial !== undefined) request.initialSilenceTimeoutMs = initial;
	const end = milliseconds(query, QueryParam.EndSilenceTimeoutMs);
	if (end !== undefined) request.endSilenceTimeoutMs = end;
	const segmentation = milliseconds(
		query,
		QueryParam.SegmentationSilenceTimeoutMs,
	);
	if (segmentation !== undefined)
		request.segmentationSilenceTimeoutMs = segmentation;
	const stable = milliseconds(query, QueryParam.StableIntermediateThreshold);
	if (stable !== undefined) request.stableIntermediateThreshold = stable;
	const connectionId =
		header(headers, AuthHeader.ConnectionId) ??
		query.get(AuthHeader.ConnectionId) ??
		undefined;
	if (connectionId) request.connectionId = connectionId;
	return request;
}

export function modeForPath(pathname: string): RecognitionMode | undefined {
	const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
	for (const [mode, path] of Object.entries(RECOGNITION_PATHS)) {
		if (path === trimmed) return mode as RecognitionMode;
	}
	return undefined;
}

/** Credentials from the upgrade headers, or else from the query, where the SDK repeats them. */
export function credentialsFrom(
	url: URL,
	headers: UpgradeHeaders = {},
): Credentials {
	const credentials: Credentials = {};
	const key =
		header(headers, AuthHeader.SubscriptionKey) ??
		url.searchParams.get(AuthHeader.SubscriptionKey);
	if (key) credentials.subscriptionKey = key;
	const authorization =
		header(headers, AuthHeader.Authorization) ??
		url.searchParams.get(AuthHeader.Authorization);
	const token = authorization
		? /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1]
		: undefined;
	if (token) credentials.authorizationToken = token;
	return credentials;
}

export interface SessionUrlOptions {
	mode: RecognitionMode;
	language?: string;
	format?: OutputFormat;
	profanity?: ProfanityOption;
	wordLevelTimestamps?: boolean;
	initialSilenceTimeoutMs?: number;
	endSilenceTimeoutMs?: number;
	segmentationSilenceTimeoutMs?: number;
}

/** The URL a client opens on `host` (ws:// or wss://, any path ignored), as the SDK builds it. */
export function sessionUrl(
	host: string | URL,
	options: SessionUrlOptions,
): URL {
	const url = new URL(RECOGNITION_PATHS[options.mode], host);
	const query = url.searchParams;
	query.set(QueryParam.Language, options.language ?? DEFAULT_LANGUAGE);
	query.set(QueryParam.Format, options.format ?? "simple");
	if (options.profanity) query.set(QueryParam.Profanity, options.profanity);
	if (options.wordLevelTimestamps)
		query.set(QueryParam.WordLevelTimestamps, "true");
	if (options.initialSilenceTimeoutMs !== undefined)
		query.set(
			QueryParam.InitialSilenceTimeoutMs,
			String(options.initialSilenceTimeoutMs),
		);
	if (options.endSilenceTimeoutMs !== undefined)
		query.set(
			QueryParam.EndSilenceTimeoutMs,
			String(options.endSilenceTimeoutMs),
		);
	if (options.segmentationSilenceTimeoutMs !== undefined)
		query.set(
			QueryParam.SegmentationSilenceTimeoutMs,
			String(options.segmentationSilenceTimeoutMs),
		);
	return url;
}

function header(headers: UpgradeHeaders, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return (
		(Array.isArray(value) ? value[0] : (value as string | undefined)) ||
		undefined
	);
}

function oneOf<T extends string>(
	query: URLSearchParams,
	name: string,
	allowed: readonly T[],
): T | undefined {
	const value = query.get(name);
	if (value === null) return undefined;
	const lower = value.toLowerCase();
	if (!(allowed as readonly string[]).includes(lower)) {
		throw new ProtocolError(
			`query parameter ${name}=${JSON.stringify(value)} is not one of ${allowed.join(", ")}`,
		);
	}
	return lower as T;
}

function boolean(query: URLSearchParams, name: string): boolean | undefined {
	const value = oneOf(query, name, ["true", "false"]);
	return value === undefined ? undefined : value === "true";
}

function milliseconds(
	query: URLSearchParams,
	name: string,
): number | undefined {
	const value = query.get(name);
	if (value === null) return undefined;
	if (!/^\d{1,9}$/.test(value)) {
		throw new ProtocolError(
			`query parameter ${name}=${JSON.stringify(value)} is not a whole number`,
		);
	}
	return Number(value);
}
