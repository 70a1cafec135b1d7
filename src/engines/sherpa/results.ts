import type { EngineWord, Hypothesis } from "../engine.js";

/** What both recognizer kinds report about their tokens. */
export interface TokenResult {
	text: string;
	tokens: string[];
	/** Seconds from `originSample`, one per token; may be empty. */
	timestamps: number[];
	/** Seconds, one per token, where the model gives them (TDT). */
	durations?: number[];
	/** Log-probabilities, one per token, where the decoder gives them. */
	logProbs?: number[];
}

/** Where the decoded audio sits on the stream clock. */
export interface TokenClock {
	sampleRate: number;
	/** The stream sample that timestamp 0 refers to. */
	originSample: number;
	/** One past the last sample of the decoded audio; words end no later. */
	endSample: number;
}

/** Tokens are spikes, not spans: a token with no known duration lasts at most this long. */
const MAX_TOKEN_SECONDS = 0.25;

/** Sentencepiece ("▁") and byte-level BPE (" ") both mark a word's first token with a space. */
const startsWord = (token: string) =>
	token.startsWith("▁") || token.startsWith(" ");

const confidenceOf = (logProbs: readonly number[]) =>
	logProbs.length === 0
		? 1
		: Math.min(
				1,
				Math.exp(logProbs.reduce((a, b) => a + b, 0) / logProbs.length),
			);

/**
 * Words from tokens: a word starts at its first token's timestamp and ends where its last
 * token does (its duration, else up to the next token within MAX_TOKEN_SECONDS), on the
 * stream clock. Confidence is the geometric mean probability of the word's tokens, or 1
 * where the decoder gives no log-probs (greedy CTC, whisper). Text keeps the model's
 * casing and punctuation. Null when nothing was recognized.
 */
export function toHypothesis(
	result: TokenResult,
	clock: TokenClock,
): Hypothesis | null {
	const text = result.text.trim();
	if (text.length === 0) return null;
	const { tokens, timestamps } = result;
	const logProbs =
		result.logProbs?.length === tokens.length ? result.logProbs : undefined;
	if (timestamps.length !== tokens.length || tokens.length === 0) {
		return { text, words: [], confidence: confidenceOf(logProbs ?? []) };
	}
	const toSample = (seconds: number) =>
		Math.min(
			clock.endSample,
			clock.originSample + Math.round(seconds * clock.sampleRate),
		);
	const tokenEnd = (i: number) => {
		const start = timestamps[i] as number;
		const duration = result.durations?.[i];
		if (duration !== undefined && duration > 0) return start + duration;
		const next = timestamps[i + 1];
		return next === undefined
			? start + MAX_TOKEN_SECONDS
			: Math.min(next, start + MAX_TOKEN_SECONDS);
	};

	const words: EngineWord[] = [];
	let first = 0;
	for (let i = 0; i < tokens.length; i++) {
		const next = tokens[i + 1];
		if (next !== undefined && !startsWord(next)) continue;
		const word = tokens
			.slice(first, i + 1)
			.join("")
			.replace(/▁/g, " ")
			.trim();
		if (word.length > 0) {
			words.push({
				word,
				startSample: toSample(timestamps[first] as number),
				endSample: Math.max(
					toSample(timestamps[first] as number) + 1,
					toSample(tokenEnd(i)),
				),
				confidence: confidenceOf(logProbs?.slice(first, i + 1) ?? []),
			});
		}
		first = i + 1;
	}
	return { text, words, confidence: confidenceOf(logProbs ?? []) };
}

/**
 * One hypothesis from those of consecutive pieces of a phrase, in order: their texts joined,
 * their words (already on the stream clock) one after another, and the confidence of each
 * piece weighted by its number of words. Null when no piece recognized anything.
 */
export function joinHypotheses(
	pieces: readonly (Hypothesis | null)[],
): Hypothesis | null {
	const said = pieces.filter((p): p is Hypothesis => p !== null);
	if (said.length <= 1) return said[0] ?? null;
	const weight = (p: Hypothesis) => p.text.split(/\s+/).length;
	const total = said.reduce((n, p) => n + weight(p), 0);
	return {
		text: said.map((p) => p.text).join(" "),
		words: said.flatMap((p) => p.words),
		confidence: said.reduce((c, p) => c + p.confidence * weight(p), 0) / total,
	};
}
