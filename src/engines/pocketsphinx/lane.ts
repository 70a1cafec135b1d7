/**
 * Decoders that share one loaded language model. Scoring writes a history cache inside the
 * model (sphinxbase's `lm_trie_score`), so the decoders of a lane never run at once: every
 * native call on them goes through `run`, one task after another. A lane is what one core
 * decodes in real time, so lanes, not decoders, are what run in parallel.
 */
export class LanguageModelLane {
	/** The lane's reference to its model, loaded with its first decoder. */
	languageModel: unknown;
	/** Decoders created on this lane and not yet freed. */
	decoders = 0;
	private tail: Promise<unknown> = Promise.resolve();

	/** Runs `task` once every task queued before it has settled. */
	run<T>(task: () => Promise<T> | T): Promise<T> {
		const result = this.tail.then(task);
		this.tail = result.catch(() => {});
		return result;
	}
}
