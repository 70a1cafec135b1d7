import { normalizeEnglish, words } from "./normalize.js";
import {
	type AlignmentResult,
	aggregate,
	characterErrorRate,
	type ErrorRate,
	wordErrorRate,
} from "./wer.js";

export interface TranscriptScore extends AlignmentResult {
	/** Character error rate of the normalized texts, spaces included. */
	cer: number;
	normalizedReference: string;
	normalizedHypothesis: string;
}

/** Normalizes both texts with normalizeEnglish and scores the hypothesis against the reference. */
export function scoreTranscript(
	reference: string,
	hypothesis: string,
): TranscriptScore {
	const normalizedReference = normalizeEnglish(reference);
	const normalizedHypothesis = normalizeEnglish(hypothesis);
	return {
		...wordErrorRate(words(normalizedReference), words(normalizedHypothesis)),
		cer: characterErrorRate(normalizedReference, normalizedHypothesis).wer,
		normalizedReference,
		normalizedHypothesis,
	};
}

export interface CorpusScore {
	utterances: TranscriptScore[];
	/** Counts summed over all utterances, and the WER of those sums. */
	total: ErrorRate;
}

export function scoreCorpus(
	pairs: Iterable<{ reference: string; hypothesis: string }>,
): CorpusScore {
	const utterances = Array.from(pairs, ({ reference, hypothesis }) =>
		scoreTranscript(reference, hypothesis),
	);
	return { utterances, total: aggregate(utterances) };
}
