import { createHmac, timingSafeEqual } from "node:crypto";
import type { Credentials } from "../protocol/paths.js";

/** Azure's tokens from /sts/v1.0/issueToken last 10 minutes. */
const TOKEN_SECONDS = 600;

/**
 * The server's key, checked as Azure does: `Ocp-Apim-Subscription-Key`, or a bearer token that
 * `issueToken` made from the key (the key itself is also accepted as a token).
 */
export class KeyCheck {
	constructor(private readonly key: string) {}

	allows(credentials: Credentials): boolean {
		const { subscriptionKey, authorizationToken } = credentials;
		if (subscriptionKey !== undefined) return same(subscriptionKey, this.key);
		if (authorizationToken === undefined) return false;
		return (
			same(authorizationToken, this.key) || this.validToken(authorizationToken)
		);
	}

	/** A token for a client that presented the key, or undefined. */
	issueToken(key: string | undefined, now = Date.now()): string | undefined {
		if (key === undefined || !same(key, this.key)) return undefined;
		const expires = String(Math.floor(now / 1000) + TOKEN_SECONDS);
		return `${expires}.${this.sign(expires)}`;
	}

	private validToken(token: string, now = Date.now()): boolean {
		const [expires, signature] = token.split(".");
		if (!expires || !signature || !same(signature, this.sign(expires)))
			return false;
		return Number(expires) * 1000 > now;
	}

	private sign(text: string): string {
		return createHmac("sha256", this.key).update(text).digest("base64url");
	}
}

function same(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}
