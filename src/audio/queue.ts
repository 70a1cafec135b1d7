/**
 * Chunks handed from a producer that runs at its own pace (a microphone, a push stream)
 * to one consumer. Nothing is dropped: a slow consumer just finds more waiting.
 */
export class ChunkQueue {
	#items: Float32Array[] = [];
	#ended = false;
	#error: Error | undefined;
	#wake: (() => void) | undefined;

	get ended(): boolean {
		return this.#ended;
	}

	push(chunk: Float32Array): void {
		if (this.#ended || chunk.length === 0) return;
		this.#items.push(chunk);
		this.#notify();
	}

	/** No more chunks: the consumer finishes what is buffered. */
	end(): void {
		this.#ended = true;
		this.#notify();
	}

	/** The consumer gets what is buffered, then `error`. */
	fail(error: Error): void {
		if (this.#ended) return;
		this.#error = error;
		this.end();
	}

	async *drain(): AsyncGenerator<Float32Array> {
		for (;;) {
			const next = this.#items.shift();
			if (next) {
				yield next;
				continue;
			}
			if (this.#error) throw this.#error;
			if (this.#ended) return;
			await new Promise<void>((resolve) => {
				this.#wake = resolve;
			});
		}
	}

	#notify(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}
}

/** Splits `samples` into pieces of at most `max` samples, so no chunk holds much latency. */
export function* split(
	samples: Float32Array,
	max: number,
): Generator<Float32Array> {
	for (let at = 0; at < samples.length; at += max)
		yield samples.subarray(at, at + max);
}
