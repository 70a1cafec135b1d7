import type {
	OfflineRecognizerConfig,
	OnlineRecognizerConfig,
} from "sherpa-onnx-node";
import type { EndedSegment, StreamUpdate } from "../engine.js";
import type { VadOptions } from "./config.js";
import type { MoonshineFiles, MoonshineThreads } from "./moonshine.js";

/** What the decoding worker is started with. */
export type WorkerSetup =
	| {
			streaming: true;
			recognizer: OnlineRecognizerConfig;
			sampleRate: number;
			segmentationSilenceMs: number;
	  }
	| {
			streaming: false;
			recognizer: OfflineRecognizerConfig;
			vad: VadOptions;
			sampleRate: number;
			hotwords: boolean;
			/** Time final words by aligning the text with PocketSphinx (the model gives no times). */
			alignWords: boolean;
			/** Moonshine's merged-decoder files, decoded by onnxruntime instead of the recognizer. */
			moonshine?: MoonshineFiles & { threads: MoonshineThreads };
	  };

export type WorkerRequest =
	| {
			seq: number;
			op: "open";
			stream: number;
			segmentationSilenceMs: number;
			phrases: readonly string[];
			partials: boolean;
	  }
	| { seq: number; op: "write"; stream: number; samples: Float32Array }
	| { seq: number; op: "finalize"; stream: number }
	| { seq: number; op: "skipPartials"; stream: number }
	| { seq: number; op: "close"; stream: number };

export type WorkerReply =
	| {
			seq: number;
			ok: true;
			value: StreamUpdate | EndedSegment | null | undefined;
	  }
	| { seq: number; ok: false; error: string };

/** The first message: the model loaded, or why not. */
export type WorkerReady = { ready: true } | { ready: false; error: string };
