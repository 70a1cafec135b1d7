import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { Worker } from "node:worker_threads";
import type {
	EndedSegment,
	Engine,
	EngineStream,
	StreamOptions,
	StreamUpdate,
} from "../engine.js";
import {
	ALIGNED_KINDS,
	SHERPA_SAMPLE_RATE,
	type SherpaConfigOptions,
	type SherpaModel,
	type SherpaModelFiles,
	type SherpaModelKind,
	sherpaConfigFor,
	supportsHotwords,
	type VadOptions,
} from "./config.js";
import type {
	WorkerReady,
	WorkerReply,
	WorkerRequest,
	WorkerSetup,
} from "./protocol.js";

export interface SherpaEngineOptions extends SherpaConfigOptions {
	/** Silero VAD, required by offline models (whisper, moonshine, parakeet, sense-voice, NeMo CTC). */
	vad?: VadOptions;
	/** The segmentation silence the first recognizer of a streaming model is loaded with. Default 500. */
	segmentationSilenceMs?: number;
}

type WorkerRequestBody = WorkerRequest extends infer R
	? R extends WorkerRequest
		? Omit<R, "seq">
		: never
	: never;

/** A request/reply channel to the decoding worker. */
class WorkerChannel {
	private seq = 0;
	private readonly pending = new Map<
		number,
		{ resolve: (v: unknown) => void; reject: (e: Error) => void }
	>();
	/** Set once the worker crashed or exited: every request then fails with it. */
	failure: Error | undefined;

	/** The worker keeps the process alive only while a request waits on it. */
	constructor(private readonly worker: Worker) {
		worker.on("message", (reply: WorkerReply) => {
			const waiter = this.pending.get(reply.seq);
			if (!waiter) return;
			this.pending.delete(reply.seq);
			if (this.pending.size === 0) worker.unref();
			if (reply.ok) waiter.resolve(reply.value);
			else waiter.reject(new Error(reply.error));
		});
		const fail = (error: Error) => {
			this.failure = error;
			for (const waiter of this.pending.values()) waiter.reject(error);
			this.pending.clear();
		};
		worker.on("error", fail);
		worker.on("exit", (code) =>
			fail(new Error(`sherpa decoding worker exited (code ${code})`)),
		);
		// After the listeners: a new "message" listener refs the worker's port again.
		worker.unref();
	}

	request<T>(
		body: WorkerRequestBody,
		transfer: ArrayBuffer[] = [],
	): Promise<T> {
		if (this.failure) return Promise.reject(this.failure);
		const seq = this.seq++;
		this.worker.ref();
		return new Promise<T>((resolve, reject) => {
			this.pending.set(seq, {
				resolve: resolve as (v: unknown) => void,
				reject,
			});
			this.worker.postMessage({ ...body, seq }, transfer);
		});
	}
}

/**
 * The worker's entry. From TypeScript sources (tests, tsx) the worker must register tsx
 * itself: loader hooks given with `--import` do not reach worker threads on Node 20.
 */
function startWorker(setup: WorkerSetup): Worker {
	const extension = import.meta.url.slice(import.meta.url.lastIndexOf("."));
	const entry = new URL(`./worker${extension}`, import.meta.url);
	if (extension !== ".ts") return new Worker(entry, { workerData: setup });
	const tsx = import.meta.resolve("tsx/esm/api");
	const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`;
	return new Worker(bootstrap, { eval: true, workerData: setup });
}

function waitReady(worker: Worker): Promise<void> {
	return new Promise((resolve, reject) => {
		const onExit = (code: number) =>
			reject(
				new Error(
					`sherpa decoding worker exited (code ${code}) before loading`,
				),
			);
		worker.once("error", reject);
		worker.once("exit", onExit);
		worker.once("message", (message: WorkerReady) => {
			worker.off("error", reject);
			worker.off("exit", onExit);
			if (message.ready) resolve();
			else
				reject(
					new Error(`sherpa-onnx could not load the model: ${message.error}`),
				);
		});
	});
}

class SherpaStream implements EngineStream {
	private closed = false;

	constructor(
		private readonly channel: WorkerChannel,
		private readonly id: number,
		private readonly onClose: () => void,
	) {}

	write(samples: Float32Array): Promise<StreamUpdate> {
		// A copy: the caller may reuse its buffer, and the copy can be moved rather than cloned.
		const copy = samples.slice();
		return this.channel.request(
			{ op: "write", stream: this.id, samples: copy },
			[copy.buffer as ArrayBuffer],
		);
	}

	finalize(): Promise<EndedSegment | null> {
		return this.channel.request({ op: "finalize", stream: this.id });
	}

	skipPartials(): void {
		// The finalize that follows reports what went wrong, if anything did.
		this.channel
			.request({ op: "skipPartials", stream: this.id })
			.catch(() => {});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		try {
			await this.channel.request({ op: "close", stream: this.id });
		} finally {
			this.onClose();
		}
	}
}

/** A decoding worker and the number of streams open on it. */
interface WorkerSlot {
	worker: Worker;
	channel: WorkerChannel;
	streams: number;
}

/**
 * Real-time streams one decoding worker takes before another starts. Each worker loads its own
 * copy of the model (Moonshine base: 560 MiB while its decoder held float weights), and one
 * worker kept up with 8 streams:
 * through `earshot serve` on 2 cores, 1 and 2 workers gave the same finalization latency at
 * 2 to 8 streams (p50 218 ms beyond the silence at 8 either way), at 25 MiB per further
 * session for one worker against 560 MiB for the second.
 */
export const STREAMS_PER_WORKER = 8;

/**
 * Streams go to the worker with the fewest, and a new worker starts (up to `maxWorkers`) once
 * every worker holds STREAMS_PER_WORKER: a worker decodes on one thread. A worker that crashes
 * or exits fails the streams it holds, and only those (their requests reject); it is replaced
 * when a stream next needs one. Should that fail to load, the stream is refused with the reason.
 */
class SherpaEngine implements Engine {
	readonly sampleRate = SHERPA_SAMPLE_RATE;
	private nextStream = 0;
	private readonly slots: WorkerSlot[];
	private starting: Promise<WorkerSlot> | undefined;

	constructor(
		readonly name: string,
		private readonly setup: WorkerSetup,
		worker: Worker,
		private readonly maxWorkers: number,
	) {
		this.slots = [slotOf(worker)];
	}

	async openStream(options: StreamOptions): Promise<EngineStream> {
		const slot = await this.slotForStream();
		const id = this.nextStream++;
		try {
			await slot.channel.request({
				op: "open",
				stream: id,
				segmentationSilenceMs: options.segmentationSilenceMs,
				phrases: options.phrases ?? [],
				partials: options.partials ?? true,
			});
		} catch (error) {
			slot.streams--;
			throw error;
		}
		return new SherpaStream(slot.channel, id, () => slot.streams--);
	}

	async close(): Promise<void> {
		const open = this.slots.reduce((n, s) => n + s.streams, 0);
		if (open > 0)
			throw new Error(`close the ${open} open sherpa stream(s) first`);
		await Promise.all(this.slots.map((s) => s.worker.terminate()));
	}

	/**
	 * The worker for a new stream, counted on it at once: streams opened together must see
	 * each other, or they would all land on the worker that had room for one.
	 */
	private async slotForStream(): Promise<WorkerSlot> {
		for (let i = this.slots.length - 1; i >= 0; i--)
			if (this.slots[i]?.channel.failure) this.slots.splice(i, 1);
		const least = this.slots.reduce<WorkerSlot | undefined>(
			(best, s) => (best && best.streams <= s.streams ? best : s),
			undefined,
		);
		if (
			least &&
			(least.streams < STREAMS_PER_WORKER ||
				this.slots.length >= this.maxWorkers)
		) {
			least.streams++;
			return least;
		}
		this.starting ??= loadWorker(this.setup)
			.then((worker) => {
				const slot = slotOf(worker);
				this.slots.push(slot);
				return slot;
			})
			.finally(() => {
				this.starting = undefined;
			});
		const slot = await this.starting;
		slot.streams++;
		return slot;
	}
}

function slotOf(worker: Worker): WorkerSlot {
	return { worker, channel: new WorkerChannel(worker), streams: 0 };
}

async function loadWorker(setup: WorkerSetup): Promise<Worker> {
	const worker = startWorker(setup);
	try {
		await waitReady(worker);
	} catch (error) {
		await worker.terminate();
		throw error;
	}
	return worker;
}

/**
 * Loads a sherpa-onnx model on its own decoding thread. `model` is a descriptor (as the
 * model registry gives) or a directory whose kind and files are guessed from its file names.
 */
export async function createSherpaEngine(
	model: SherpaModel | string,
	options: SherpaEngineOptions = {},
): Promise<Engine> {
	const descriptor =
		typeof model === "string" ? detectSherpaModel(model) : model;
	const config = sherpaConfigFor(descriptor, options);
	const segmentationSilenceMs = options.segmentationSilenceMs ?? 500;
	let setup: WorkerSetup;
	if (config.streaming) {
		setup = {
			streaming: true,
			recognizer: config.recognizer,
			sampleRate: SHERPA_SAMPLE_RATE,
			segmentationSilenceMs,
		};
	} else {
		if (!options.vad)
			throw new Error(
				`${descriptor.kind} models run behind Silero VAD: pass options.vad.model`,
			);
		setup = {
			streaming: false,
			recognizer: config.recognizer,
			vad: options.vad,
			sampleRate: SHERPA_SAMPLE_RATE,
			hotwords:
				supportsHotwords(descriptor) &&
				config.recognizer.decodingMethod === "modified_beam_search",
			alignWords: ALIGNED_KINDS.has(descriptor.kind),
		};
		const { moonshine, tokens } = config.recognizer.modelConfig ?? {};
		if (
			descriptor.kind === "moonshine-v2" &&
			moonshine?.encoder &&
			moonshine.mergedDecoder &&
			tokens
		)
			setup.moonshine = {
				encoder: moonshine.encoder,
				mergedDecoder: moonshine.mergedDecoder,
				tokens,
				// The decoder's steps are small: a second thread cost 20 % more CPU and time
				// (measured), and streams decode in parallel on workers instead. The encoder's one
				// run over the whole segment is what a phrase's end waits for, and the cores
				// halve it (a 9.7 s segment: 246 against 144 ms on 2 cores, measured).
				threads: {
					encoder: options.numThreads ?? availableParallelism(),
					decoder: options.numThreads ?? 1,
				},
			};
	}
	return new SherpaEngine(
		`sherpa-onnx:${descriptor.kind}:${basename(descriptor.dir)}`,
		setup,
		await loadWorker(setup),
		// Moonshine decodes on the worker's own thread; the other models' decodes leave it.
		!setup.streaming && setup.moonshine ? availableParallelism() : 1,
	);
}

/**
 * Guesses kind and files from an unpacked sherpa-onnx release directory: transducers by
 * encoder/decoder/joiner (streaming when the name says so), moonshine by its preprocessor or
 * merged decoder,
 * whisper and sense-voice by name, else a single-file CTC model. int8 files win when both exist.
 */
export function detectSherpaModel(dir: string): SherpaModel {
	const names = readdirSync(dir).sort(
		(a, b) => Number(b.includes("int8")) - Number(a.includes("int8")),
	);
	const find = (pattern: RegExp) => names.find((n) => pattern.test(n));
	const tokens = find(/tokens\.txt$/);
	if (!tokens)
		throw new Error(`${dir} has no tokens.txt: not a sherpa-onnx model`);
	const name = basename(dir).toLowerCase();
	const streaming = /streaming|online/.test(name);
	const files: SherpaModelFiles = { tokens };
	const bpeVocab = find(/bpe\.vocab$/);
	if (bpeVocab) files.bpeVocab = bpeVocab;
	let kind: SherpaModelKind;
	const encoder = find(/encoder.*\.onnx$/);
	const decoder = find(/decoder.*\.onnx$/);
	const joiner = find(/joiner.*\.onnx$/);
	const preprocessor = find(/^preprocess.*\.onnx$/);
	const mergedDecoder = find(/^decoder_model_merged.*\.(ort|onnx)$/);
	if (mergedDecoder) {
		kind = "moonshine-v2";
		Object.assign(files, {
			encoder: find(/^encoder_model.*\.(ort|onnx)$/),
			mergedDecoder,
		});
	} else if (preprocessor) {
		kind = "moonshine";
		Object.assign(files, {
			preprocessor,
			encoder: find(/^encode.*\.onnx$/),
			uncachedDecoder: find(/^uncached_decode.*\.onnx$/),
			cachedDecoder: find(/^cached_decode.*\.onnx$/),
		});
	} else if (encoder && decoder && joiner) {
		kind = streaming ? "streaming-transducer" : "nemo-transducer";
		Object.assign(files, { encoder, decoder, joiner });
	} else if (encoder && decoder && name.includes("whisper")) {
		kind = "whisper";
		Object.assign(files, { encoder, decoder });
	} else {
		const single = find(/\.onnx$/);
		if (!single) throw new Error(`${dir} has no .onnx model`);
		files.model = single;
		if (name.includes("sense-voice") || name.includes("sense_voice"))
			kind = "sense-voice";
		else if (streaming)
			kind = name.includes("nemo")
				? "streaming-nemo-ctc"
				: "streaming-zipformer2-ctc";
		else kind = "nemo-ctc";
	}
	return { kind, dir, files };
}
