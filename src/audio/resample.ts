import sherpa from "sherpa-onnx-node";

export interface Resampler {
	/** Resamples the next chunk; state carries over, so chunking does not change the result. */
	process(chunk: Float32Array): Float32Array;
	/** Emits what is held back at the end of the input. */
	flush(): Float32Array;
}

const empty = new Float32Array(0);

/** Converts mono float32 from `fromRate` to `toRate`; passes samples through when they match. */
export function createResampler(fromRate: number, toRate: number): Resampler {
	if (fromRate === toRate)
		return { process: (chunk) => chunk, flush: () => empty };
	const resampler = new sherpa.LinearResampler(fromRate, toRate);
	return {
		process: (chunk) => resampler.resample(chunk),
		flush: () => resampler.flush(empty),
	};
}
