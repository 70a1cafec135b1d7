export type ModelErrorCode =
	| "unknown-model"
	| "not-installed"
	| "network"
	| "http"
	| "not-found"
	| "bad-mirror"
	| "no-source"
	| "pip"
	| "checksum"
	| "disk-full"
	| "permission"
	| "missing-file"
	| "extract"
	| "cancelled"
	| "failed";

/** A model-manager failure whose message is one line a user can act on. */
export class ModelError extends Error {
	override readonly name = "ModelError";

	constructor(
		readonly code: ModelErrorCode,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

const NETWORK_CODES = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"ENOTFOUND",
	"EAI_AGAIN",
	"ETIMEDOUT",
	"ENETUNREACH",
	"EHOSTUNREACH",
	"UND_ERR_SOCKET",
	"UND_ERR_CONNECT_TIMEOUT",
	"UND_ERR_HEADERS_TIMEOUT",
	"UND_ERR_BODY_TIMEOUT",
]);

function errorCode(err: unknown): string | undefined {
	// fetch wraps the socket error in `cause`, sometimes twice.
	for (let e = err; e instanceof Error || (e && typeof e === "object"); ) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === "string") return code;
		e = (e as { cause?: unknown }).cause;
		if (e === undefined) break;
	}
	return undefined;
}

/**
 * Turns anything thrown while fetching or installing into a ModelError.
 * `what` names the thing being worked on ("downloading X", "writing /path").
 */
export function toModelError(err: unknown, what: string): ModelError {
	if (err instanceof ModelError) return err;
	if (err instanceof Error && err.name === "AbortError") {
		return new ModelError("cancelled", `${what}: cancelled`, { cause: err });
	}
	const code = errorCode(err);
	if (code === "ENOSPC") {
		return new ModelError("disk-full", `${what}: no space left on device`, {
			cause: err,
		});
	}
	if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
		return new ModelError(
			"permission",
			`${what}: permission denied (${code})`,
			{ cause: err },
		);
	}
	if (code && NETWORK_CODES.has(code)) {
		return new ModelError(
			"network",
			`${what}: network unreachable (${code}); check the connection or set EARSHOT_MODEL_MIRROR`,
			{
				cause: err,
			},
		);
	}
	const detail = err instanceof Error ? err.message : String(err);
	if (err instanceof TypeError && /fetch failed|terminated/i.test(detail)) {
		const reason =
			code ?? (err.cause instanceof Error ? err.cause.message : detail);
		return new ModelError("network", `${what}: connection failed (${reason})`, {
			cause: err,
		});
	}
	return new ModelError("failed", `${what}: ${detail.split("\n")[0]}`, {
		cause: err,
	});
}
