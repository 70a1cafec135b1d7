// Just the part of sherpa-onnx-node that src/audio uses; the package ships no types.
declare module "sherpa-onnx-node" {
	export class LinearResampler {
		constructor(inputSampleRate: number, outputSampleRate: number);
		/** Resamples one chunk, keeping state for the next. */
		resample(samples: Float32Array): Float32Array;
		/** Resamples the last chunk and emits what is buffered. */
		flush(samples: Float32Array): Float32Array;
	}
}
