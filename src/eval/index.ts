export { normalizeEnglish, words } from "./normalize.js";
export {
	type CorpusScore,
	scoreCorpus,
	scoreTranscript,
	type TranscriptScore,
} from "./score.js";
export {
	type AlignmentOp,
	type AlignmentResult,
	aggregate,
	align,
	characterErrorRate,
	countAlignment,
	countErrors,
	type ErrorCounts,
	type ErrorRate,
	errorRate,
	renderAlignment,
	wordErrorRate,
} from "./wer.js";
