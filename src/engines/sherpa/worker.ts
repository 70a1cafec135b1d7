/**
 * The decoding thread of one sherpa engine. It owns the recognizer and every stream opened on
 * it, so the event loop of the main thread never runs a model. Streaming models decode
 * synchronously here, batched across the streams that have audio waiting; offline models
 * decode with `decodeAsync` on libuv's pool, so their streams run in parallel, one per core.
 */
import { availableParallelism } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import sherpa from "sherpa-onnx-node";
import { lexicalWords } from "../../text/lexical.js";
import type {
	EndedSegment,
	EngineWord,
	Hypothesis,
	StreamUpdate,
} from "../engine.js";
import { PocketSphinxAligner } from "../pocketsphinx/align.js";
import {
	detectorSilenceMs,
	endpointRules,
	hotwordsText,
	segmentEndPastSilence,
	VAD_WINDOW,
	vadConfigFor,
} from "./config.js";
import {
	joinDraft,
	type MoonshineDecodeOptions,
	MoonshineDecoder,
} from "./moonshine.js";
import type {
	WorkerReady,
	WorkerReply,
	WorkerRequest,
	WorkerSetup,
} from "./protocol.js";
import { joinHypotheses, type TokenResult, toHypothesis } from "./results.js";

const setup = workerData as WorkerSetup;
const port = parentPort as NonNullable<typeof parentPort>;
const sampleRate = setup.sampleRate;

/** Streaming models take audio in pieces this long, so endpoints fall between pieces. */
const ONLINE_PIECE = sampleRate / 10;
/** Silence fed after the last audio so the model's right context sees the end. */
const TAIL_PADDING = Math.round(sampleRate * 0.8);
/**
 * Offline partials re-decode the whole open segment: as soon as the detector opens it (with
 * about 0.2 s of speech, the detector's minimum and two windows), then each time it has grown
 * by as much as was decoded last, so the lengths decoded double, and at least every 3 s.
 * Doubling keeps the partials' cost to a fraction of decoding each segment once (measured in
 * docs/engines.md); the cap keeps a long phrase moving.
 */
const PARTIAL_INTERVAL = Math.round(sampleRate * 0.3);
const MAX_PARTIAL_INTERVAL = sampleRate * 3;
/**
 * Until a phrase's partials show text, they come this often for its first second: a first
 * partial decoded to nothing (11 of the bench's 38 phrases, in 17 to 22 ms) was otherwise
 * followed by the next 0.4 s later.
 */
const FIRST_TEXT_INTERVAL = sampleRate / 10;
const FIRST_TEXT_WITHIN = sampleRate;
/**
 * A pause this long inside a phrase also brings a partial, of the phrase's speech up to the
 * pause. When no speech follows before the segmentation silence ends the phrase, that is the
 * phrase's audio, and the partial's decode is its final result: the phrase settles without
 * waiting for another decode. Two windows: at 150 ms, a 15.8 s phrase's decode started 100 ms
 * later and 5 to 10 s phrases were final 100 to 230 ms later, for 6 pause partials fewer in
 * the bench's 19 utterances (44 against 50; measured).
 */
const PAUSE_SILENCE_MS = 64;
/**
 * A phrase that has gone on this long is split at its next pause: the speech up to the pause
 * is a piece of the phrase, decoded alone (and its words aligned) while the phrase goes on,
 * and later decodes take only the audio after it. Its final then decodes its last piece, not
 * all of it: the bench's 15.8 s phrase was final 195 ms after the silence, against 378 to
 * 403 unsplit and 246 split after 8 s. WER on ../shared's references did not move; on its
 * long recordings, 5 s changed 11 of 846 words, 4 s 15, 8 s 5 (measured: docs/engines.md).
 */
const SPLIT_AFTER = sampleRate * 5;
const SEGMENT_LEAD = Math.round(sampleRate * 0.1);
/**
 * A partial of this much audio or more has its words aligned as soon as it is decoded, on top
 * of the phrase's last partial's, so that its phrase's final has only the words after them
 * left to align. Aligning costs about 12 ms a second of speech; a longer phrase's decode and
 * alignment at a pause together outlast the detector's silence (321 and 190 ms for a 15.8 s
 * phrase, measured). Started at the pause instead, the alignment took a core from the
 * pause's encoder (a 16.1 s one: 354 against 274 ms, traced).
 */
const ALIGN_AHEAD_SAMPLES = sampleRate * 6;
/**
 * Between a long phrase's partials, up to 3 s apart, the draft of its next decode is brought
 * up to date each second: the audio since the draft's end, with 1.5 s of the draft's audio
 * before it to join on, decoded alone (13 tokens in 124 ms for 3 s, alone). Its pause's
 * decode then checks the whole draft in one pass where it would step through the tokens
 * since the last partial one at a time (a 15.8 s phrase: 318 to 363 ms with the joined
 * draft, 413 with a 3 s old one, 334 with its own tokens; measured alone).
 */
const DRAFT_REFRESH_FROM = sampleRate * 6;
const DRAFT_REFRESH_INTERVAL = sampleRate;
const DRAFT_OVERLAP = Math.round(sampleRate * 1.5);
/** Words aligned ahead that end this close to the end of their audio are aligned again. */
const REALIGN_MARGIN = Math.round(sampleRate * 0.3);

/**
 * Offline decodes running at once. All streams share the recognizer's weights, but each decode
 * in flight holds its own activations (hundreds of MiB for Moonshine base), so these are
 * bounded by the cores, which could not run more at once anyway, not by the streams.
 * Moonshine runs on this thread, one run at a time, so one decode here; the engine runs a
 * worker a core.
 */
const MAX_DECODES =
	!setup.streaming && setup.moonshine ? 1 : availableParallelism();
let decodesRunning = 0;
const decodesWaiting: (() => void)[] = [];
/** The partials decoding now that a waiting decode may cut short. */
const partialsRunning = new Set<AbortController>();

/**
 * Runs `decode` once fewer than MAX_DECODES run, in the order the streams asked. A partial
 * (given its `preemptible` controller) does not wait: it would delay the finals queued behind
 * it, and a later partial replaces it anyway. Undefined when skipped. A decode that has to
 * wait cuts the running partials short: they stop at their next decoder step.
 */
async function inDecodeSlot<T>(
	decode: () => Promise<T>,
	preemptible?: AbortController,
): Promise<T | undefined> {
	if (decodesRunning < MAX_DECODES) decodesRunning++;
	else if (preemptible) return undefined;
	else {
		for (const partial of partialsRunning) partial.abort();
		await new Promise<void>((resolve) => decodesWaiting.push(resolve));
	}
	if (preemptible) partialsRunning.add(preemptible);
	try {
		return await decode();
	} finally {
		if (preemptible) partialsRunning.delete(preemptible);
		// The slot passes straight to the next waiter, if any.
		const next = decodesWaiting.shift();
		if (next) next();
		else decodesRunning--;
	}
}

/**
 * Online recognizers by endpoint rules and hotwords: the addon sets both per recognizer, not
 * per stream, so a stream with other settings loads its own copy of the model.
 */
const onlineRecognizers = new Map<string, sherpa.OnlineRecognizer>();

function onlineRecognizerFor(
	segmentationSilenceMs: number,
	phrases: readonly string[],
): sherpa.OnlineRecognizer {
	if (!setup.streaming) throw new Error("not a streaming engine");
	const base = setup.recognizer;
	const hotwords =
		base.decodingMethod === "modified_beam_search" ? phrases : [];
	const key = JSON.stringify([segmentationSilenceMs, hotwords]);
	let recognizer = onlineRecognizers.get(key);
	if (!recognizer) {
		const text = hotwordsText(hotwords, "\n");
		recognizer = new sherpa.OnlineRecognizer({
			...base,
			...endpointRules(segmentationSilenceMs),
			...(text
				? { hotwordsBuf: text, hotwordsBufSize: Buffer.byteLength(text) }
				: {}),
		});
		onlineRecognizers.set(key, recognizer);
	}
	return recognizer;
}

class OnlineSession {
	private stream: sherpa.OnlineStream;
	/** The session sample at which the current sherpa stream began. */
	private origin = 0;
	/** Samples written so far. */
	private fed = 0;

	constructor(readonly recognizer: sherpa.OnlineRecognizer) {
		this.stream = recognizer.createStream();
	}

	get sherpaStream(): sherpa.OnlineStream {
		return this.stream;
	}

	accept(samples: Float32Array): void {
		this.stream.acceptWaveform({ samples, sampleRate });
		this.fed += samples.length;
	}

	private current(): { hypothesis: Hypothesis | null; segmentStart: number } {
		const result = this.recognizer.getResult(this.stream);
		const segmentStart =
			this.origin + Math.round(result.start_time * sampleRate);
		const hypothesis = toHypothesis(
			{
				text: result.text,
				tokens: result.tokens,
				timestamps: result.timestamps,
				logProbs: result.ys_probs,
			},
			{ sampleRate, originSample: segmentStart, endSample: this.fed },
		);
		return { hypothesis, segmentStart };
	}

	private ended(hypothesis: Hypothesis, segmentStart: number): EndedSegment {
		const first = hypothesis.words[0];
		const last = hypothesis.words.at(-1);
		return {
			startSample: first?.startSample ?? segmentStart,
			endSample: last?.endSample ?? this.fed,
			result: hypothesis,
		};
	}

	/** The segment that an endpoint just closed; null when none fired or nothing was said (rule 1). */
	takeEndpoint(): EndedSegment | null {
		if (!this.recognizer.isEndpoint(this.stream)) return null;
		const { hypothesis, segmentStart } = this.current();
		this.recognizer.reset(this.stream);
		return hypothesis ? this.ended(hypothesis, segmentStart) : null;
	}

	update(ended: EndedSegment[]): StreamUpdate {
		const { hypothesis } = this.current();
		const first = hypothesis?.words[0];
		return {
			inSpeech: hypothesis !== null,
			...(hypothesis
				? { partial: hypothesis, speechStartSample: first?.startSample }
				: {}),
			ended,
		};
	}

	/** Ends the stream with tail padding, then starts a fresh one at the current sample. */
	finalize(): EndedSegment | null {
		this.stream.acceptWaveform({
			samples: new Float32Array(TAIL_PADDING),
			sampleRate,
		});
		this.stream.inputFinished();
		while (this.recognizer.isReady(this.stream))
			this.recognizer.decode(this.stream);
		const { hypothesis, segmentStart } = this.current();
		this.stream = this.recognizer.createStream();
		this.origin = this.fed;
		return hypothesis ? this.ended(hypothesis, segmentStart) : null;
	}
}

interface OnlineJob {
	session: OnlineSession;
	pieces: Float32Array[];
	ended: EndedSegment[];
	resolve: (update: StreamUpdate) => void;
	reject: (error: unknown) => void;
}

const onlineJobs: OnlineJob[] = [];
let drainScheduled = false;

/**
 * Decodes every waiting write in lockstep, one piece per stream per round, so streams of one
 * recognizer that are ready together decode as one batch.
 */
function drainOnline(): void {
	drainScheduled = false;
	const jobs = onlineJobs.splice(0);
	try {
		for (
			let active = jobs;
			active.length > 0;
			active = jobs.filter((j) => j.pieces.length > 0)
		) {
			for (const job of active)
				job.session.accept(job.pieces.shift() as Float32Array);
			const byRecognizer = new Map<sherpa.OnlineRecognizer, OnlineJob[]>();
			for (const job of active) {
				const group = byRecognizer.get(job.session.recognizer) ?? [];
				group.push(job);
				byRecognizer.set(job.session.recognizer, group);
			}
			for (const [recognizer, group] of byRecognizer) {
				let ready = group.filter((j) =>
					recognizer.isReady(j.session.sherpaStream),
				);
				while (ready.length > 0) {
					recognizer.decodeStreams(ready.map((j) => j.session.sherpaStream));
					ready = ready.filter((j) =>
						recognizer.isReady(j.session.sherpaStream),
					);
				}
			}
			for (const job of active) {
				const ended = job.session.takeEndpoint();
				if (ended) job.ended.push(ended);
			}
		}
		for (const job of jobs) job.resolve(job.session.update(job.ended));
	} catch (error) {
		for (const job of jobs) job.reject(error);
	}
}

function writeOnline(
	session: OnlineSession,
	samples: Float32Array,
): Promise<StreamUpdate> {
	const pieces: Float32Array[] = [];
	for (let i = 0; i < samples.length; i += ONLINE_PIECE)
		pieces.push(samples.subarray(i, i + ONLINE_PIECE));
	return new Promise((resolve, reject) => {
		onlineJobs.push({ session, pieces, ended: [], resolve, reject });
		if (!drainScheduled) {
			drainScheduled = true;
			setImmediate(drainOnline);
		}
	});
}

class OfflineSession {
	private readonly vad: sherpa.Vad;
	/** The same detector with a short silence: where speech pauses. */
	private readonly pauses: sherpa.Vad | undefined;
	/** Moves where a pause detector's segment ends to where the main detector's would. */
	private readonly pauseEndShift: number;
	private readonly minSpeechSamples: number;
	/** Silence after a pause's speech before its words are aligned: half the detector's silence. */
	private readonly alignAfterPauseSamples: number;
	/** The session sample that the detector counts as its sample 0 (it restarts after a finalize). */
	private vadOrigin = 0;
	private total = 0;
	/** Recent audio, from `bufferStart`, to re-decode the open segment. */
	private buffer = new Float32Array(sampleRate * 4);
	private bufferLength = 0;
	private bufferStart = 0;
	/** Where the open segment's speech began, by the detector's rule; undefined when none is open. */
	private openStart: number | undefined;
	/** The open segment's speech so far, as the pause detector's segments have ended. */
	private spoken: { start: number; end: number } | undefined;
	/** The open segment's pieces split off so far (see SPLIT_AFTER), oldest first. */
	private pieces: Piece[] = [];
	private lastPartialAt = 0;
	/** Whether a partial of the open segment has decoded to text. */
	private textShown = false;
	/** The token ids of the open segment's last partial, where the decoder takes drafts. */
	private draft: number[] = [];
	/** The session sample where the draft's audio ends. */
	private draftEnd = 0;
	/** Where the audio ended when the draft was last brought up to date, or tried to be. */
	private draftRefreshedAt = 0;
	/** The open segment's last partial, at a pause or not. */
	private lastPartial: TimedPartial | undefined;
	/**
	 * The last partial, when it came at a pause: its audio, what it decoded, and its words'
	 * alignment once the pause has lasted half the detector's silence.
	 */
	private atPause: TimedPartial | undefined;
	/** The partial decoding now, to be cut short when a stop comes. */
	private partialDecoding: AbortController | undefined;
	/** A stop came: no partials until the finalize that follows it. */
	private skippingPartials = false;

	constructor(
		segmentationSilenceMs: number,
		private readonly hotwords: string | undefined,
		/** Off, the open segment is decoded only once it ends: no re-decoding every 300 ms. */
		private readonly partials: boolean,
	) {
		if (setup.streaming) throw new Error("not an offline engine");
		const silenceMs = detectorSilenceMs(segmentationSilenceMs);
		const config = vadConfigFor(setup.vad, silenceMs);
		this.vad = new sherpa.Vad(config, 60);
		if (silenceMs > 2 * PAUSE_SILENCE_MS)
			this.pauses = new sherpa.Vad(
				vadConfigFor(setup.vad, PAUSE_SILENCE_MS),
				60,
			);
		this.pauseEndShift =
			segmentEndPastSilence(silenceMs) -
			segmentEndPastSilence(PAUSE_SILENCE_MS);
		this.alignAfterPauseSamples = Math.round(
			(silenceMs / 2 / 1000) * sampleRate,
		);
		this.minSpeechSamples = Math.round(
			(config.sileroVad?.minSpeechDuration ?? 0) * sampleRate,
		);
	}

	private append(samples: Float32Array): void {
		if (this.bufferLength + samples.length > this.buffer.length) {
			const grown = new Float32Array(
				Math.max(this.buffer.length * 2, this.bufferLength + samples.length),
			);
			grown.set(this.buffer.subarray(0, this.bufferLength));
			this.buffer = grown;
		}
		this.buffer.set(samples, this.bufferLength);
		this.bufferLength += samples.length;
	}

	/** Drops buffered audio before `sample`, which no later decode needs. */
	private trimBefore(sample: number): void {
		const drop = Math.min(
			this.bufferLength,
			Math.max(0, sample - this.bufferStart),
		);
		if (drop === 0) return;
		this.buffer.copyWithin(0, drop, this.bufferLength);
		this.bufferLength -= drop;
		this.bufferStart += drop;
	}

	private slice(from: number, to: number): Float32Array {
		return this.buffer.slice(
			Math.max(0, from - this.bufferStart),
			to - this.bufferStart,
		);
	}

	/**
	 * Final hypotheses get their words timed by alignment where the model gives no times,
	 * on top of the phrase's `earlier` partial, whose alignment runs while the final decodes.
	 * The open segment's last partial is the draft of its next decode. A partial at a pause
	 * waits for the decoder like a final, since it is the final when the phrase ends there;
	 * other partials are skipped while it is busy, and cut short by a decode that waits.
	 * A stop cuts short either kind of partial. Null when skipped. `cut`: the audio stops
	 * mid-speech, so the words are aligned as a cut partial's are.
	 */
	private async decode(
		samples: Float32Array,
		originSample: number,
		kind: "final" | "pause" | "partial",
		earlier?: TimedPartial,
		cut = false,
	): Promise<Hypothesis | null> {
		const final = kind === "final";
		const known = final ? alignedWords(earlier, originSample) : undefined;
		const decoded = await this.decodeInSlot(samples, kind, this.draft);
		if (!decoded) return null;
		const { result, ids } = decoded;
		this.draft = final ? [] : ids;
		this.draftEnd = originSample + samples.length;
		const hypothesis = toHypothesis(result, {
			sampleRate,
			originSample,
			endSample: originSample + samples.length,
		});
		return final && hypothesis
			? alignWords(hypothesis, samples, originSample, await known, cut)
			: hypothesis;
	}

	/** One decode in the worker's slot; undefined when a partial is skipped or cut short. */
	private async decodeInSlot(
		samples: Float32Array,
		kind: "final" | "pause" | "partial",
		draft: readonly number[],
	): Promise<Awaited<ReturnType<typeof decodeOffline>> | undefined> {
		const final = kind === "final";
		if (!final && this.skippingPartials) return undefined;
		const partial = final ? undefined : new AbortController();
		this.partialDecoding = partial;
		try {
			return await inDecodeSlot(
				() =>
					decodeOffline(samples, this.hotwords, {
						draft,
						signal: partial?.signal,
						provisional: kind === "partial",
					}),
				kind === "partial" ? partial : undefined,
			);
		} catch (error) {
			if (partial?.signal.aborted) return undefined;
			throw error;
		} finally {
			if (this.partialDecoding === partial) this.partialDecoding = undefined;
		}
	}

	/** Where the open segment's audio still to decode begins: after its last piece. */
	private pieceStart(openStart: number): number {
		return this.pieces.at(-1)?.end ?? openStart;
	}

	/** Audio between the open segment's partials. */
	private partialInterval(pieceStart: number): number {
		if (
			!this.textShown &&
			this.openStart !== undefined &&
			this.total - this.openStart < FIRST_TEXT_WITHIN
		)
			return FIRST_TEXT_INTERVAL;
		return Math.min(
			MAX_PARTIAL_INTERVAL,
			Math.max(PARTIAL_INTERVAL, this.lastPartialAt - pieceStart),
		);
	}

	/**
	 * Whether a long open segment's draft is due to be brought up to date (Moonshine's only),
	 * and its next partial, which would do that too, is not.
	 */
	private draftIsStale(pieceStart: number): boolean {
		return (
			this.partials &&
			this.draft.length > 0 &&
			this.total - pieceStart >= DRAFT_REFRESH_FROM &&
			this.total - Math.max(this.draftEnd, this.draftRefreshedAt) >=
				DRAFT_REFRESH_INTERVAL &&
			this.lastPartialAt + this.partialInterval(pieceStart) - this.total >=
				DRAFT_REFRESH_INTERVAL
		);
	}

	/**
	 * Decodes the audio since the draft's end and joins its tokens onto the draft, which is the
	 * open segment's partial then. Null when skipped or when the two do not join.
	 */
	private async refreshDraft(pieceStart: number): Promise<Hypothesis | null> {
		if (!offline || !("moonshine" in offline)) return null;
		const { moonshine } = offline;
		const to = this.total;
		const decoded = await this.decodeInSlot(
			this.slice(Math.max(pieceStart, this.draftEnd - DRAFT_OVERLAP), to),
			"partial",
			[],
		);
		if (!decoded) return null;
		this.draftRefreshedAt = to;
		const joined = joinDraft(this.draft, decoded.ids);
		if (!joined) return null;
		this.draft = joined;
		this.draftEnd = to;
		return toHypothesis(
			{ ...moonshine.transcriptOf(joined), timestamps: [] },
			{ sampleRate, originSample: pieceStart, endSample: to },
		);
	}

	/**
	 * The piece split off at a pause takes that pause's partial as its result, and the open
	 * segment's next decodes start after it, with no draft.
	 */
	private splitOff(piece: Piece, partial: TimedPartial): void {
		piece.partial = partial.hypothesis;
		piece.result = startAligning(partial);
		this.atPause = undefined;
		this.lastPartial = undefined;
		this.draft = [];
		this.draftEnd = piece.end;
		this.draftRefreshedAt = piece.end;
	}

	/** A stop came: partials are skipped, the one decoding now included, until the finalize. */
	skipPartials(): void {
		this.skippingPartials = true;
		this.partialDecoding?.abort();
	}

	/** The detector's ended segments, each with the open segment's pieces that it holds. */
	private popSegments(): Segment[] {
		const segments: Segment[] = [];
		while (!this.vad.isEmpty()) {
			const segment = this.vad.front(false);
			const start = this.vadOrigin + segment.start;
			const end = start + segment.samples.length;
			segments.push({
				start,
				samples: segment.samples,
				pieces: this.pieces.filter((p) => p.end > start && p.end <= end),
			});
			this.pieces = [];
			this.vad.pop();
		}
		return segments;
	}

	/**
	 * Each segment's final: its pieces' results, decoded now where they were not yet, and the
	 * audio after its last piece. That audio is not decoded again where its partial at a pause
	 * decoded exactly it. `cut`: the segments were flushed, where speech may go on.
	 */
	private async decodeSegments(
		segments: Segment[],
		cut = false,
	): Promise<EndedSegment[]> {
		const ended: EndedSegment[] = [];
		for (const { start, samples, pieces } of segments) {
			const end = start + samples.length;
			const results = pieces.map((p) => (p.result ??= this.decodePiece(p)));
			const restStart = pieces.at(-1)?.end ?? start;
			const atPause = this.atPause;
			this.atPause = undefined;
			const covered =
				atPause &&
				atPause.start === restStart &&
				end === atPause.start + atPause.samples.length;
			if (covered) {
				results.push(startAligning(atPause));
				this.draft = [];
			} else if (end > restStart)
				results.push(
					this.decode(
						samples.subarray(restStart - start),
						restStart,
						"final",
						this.lastPartial,
						cut,
					),
				);
			ended.push({
				startSample: start,
				endSample: end,
				result: joinHypotheses(await Promise.all(results)),
			});
		}
		return ended;
	}

	/** A piece's final result, its words aligned; its decode waits for the slot like a final's. */
	private decodePiece(piece: Piece): Promise<Hypothesis | null> {
		const samples = this.slice(piece.start, piece.end);
		const result = this.decodeInSlot(samples, "final", []).then((decoded) => {
			const hypothesis =
				decoded &&
				toHypothesis(decoded.result, {
					sampleRate,
					originSample: piece.start,
					endSample: piece.end,
				});
			if (!hypothesis) return null;
			piece.partial ??= hypothesis;
			return alignWords(hypothesis, samples, piece.start);
		});
		// Awaited by the segment's final; one the session drops must not fail the worker.
		result.catch(() => {});
		return result;
	}

	async write(samples: Float32Array): Promise<StreamUpdate> {
		this.append(samples);
		const segments: Segment[] = [];
		// Window by window, to see where speech is first detected: the detector itself starts
		// the segment two windows and the minimum speech duration before that point.
		let paused = false;
		for (let i = 0; i < samples.length; i += VAD_WINDOW) {
			const window = samples.subarray(i, i + VAD_WINDOW);
			this.vad.acceptWaveform(window);
			this.total += window.length;
			if (this.pauses) {
				this.pauses.acceptWaveform(window);
				while (!this.pauses.isEmpty()) {
					const { start, samples } = this.pauses.front(false);
					this.spoken = {
						start: this.spoken?.start ?? this.vadOrigin + start,
						end: this.vadOrigin + start + samples.length + this.pauseEndShift,
					};
					this.pauses.pop();
					paused = true;
					const pieceStart = this.pieceStart(this.spoken.start);
					if (this.spoken.end - pieceStart >= SPLIT_AFTER)
						this.pieces.push({ start: pieceStart, end: this.spoken.end });
				}
			}
			const popped = this.popSegments();
			if (popped.length > 0) {
				segments.push(...popped);
				this.openStart = undefined;
				this.spoken = undefined;
			}
			if (this.vad.isDetected() && this.openStart === undefined) {
				const last = segments.at(-1);
				const lastEnd = last ? last.start + last.samples.length : 0;
				this.openStart = Math.max(
					lastEnd,
					this.bufferStart,
					this.total - 2 * VAD_WINDOW - this.minSpeechSamples,
				);
				this.lastPartialAt = this.openStart;
				this.textShown = false;
			}
		}
		const ended = await this.decodeSegments(segments);
		if (segments.length > 0) this.lastPartial = undefined;

		let partial: Hypothesis | null = null;
		const pieceStart =
			this.openStart !== undefined
				? this.pieceStart(this.openStart)
				: undefined;
		// The piece split off at this pause, whose decode is the pause's partial.
		const split = paused ? this.pieces.at(-1) : undefined;
		const splitNow =
			split && !split.result && split.end === this.spoken?.end
				? split
				: undefined;
		if (
			this.partials &&
			pieceStart !== undefined &&
			this.total > this.lastPartialAt &&
			(paused ||
				this.total - this.lastPartialAt >= this.partialInterval(pieceStart))
		) {
			this.lastPartialAt = this.total;
			const atPause = paused ? this.spoken : undefined;
			// A pause's partial takes the phrase's speech since its last piece.
			const start = atPause
				? (splitNow?.start ?? this.pieceStart(atPause.start))
				: pieceStart;
			const audio = this.slice(start, atPause?.end ?? this.total);
			const previous = this.lastPartial;
			partial = await this.decode(audio, start, atPause ? "pause" : "partial");
			if (partial) this.textShown = true;
			const kept: TimedPartial | undefined =
				partial && start >= this.bufferStart
					? { start, samples: audio, hypothesis: partial, cut: !atPause }
					: undefined;
			this.atPause = atPause ? kept : undefined;
			if (kept) {
				this.lastPartial = kept;
				if (audio.length >= ALIGN_AHEAD_SAMPLES) {
					kept.earlier = previous;
					startAligning(kept);
				}
			}
			if (splitNow && kept) this.splitOff(splitNow, kept);
		} else if (pieceStart !== undefined && this.draftIsStale(pieceStart))
			partial = await this.refreshDraft(pieceStart);
		// Without partials, or where none decoded them, pieces are decoded as they split off.
		for (const piece of this.pieces) piece.result ??= this.decodePiece(piece);
		if (partial && this.pieces.length > 0)
			partial = joinHypotheses([
				...this.pieces.map((p) => p.partial ?? null),
				...(splitNow?.partial ? [] : [partial]),
			]);
		this.alignDuringPause();
		// The detector's segments start up to 40 ms (measured) before `openStart`'s rule: what
		// is kept goes back further, so that a partial at a pause has all of the segment.
		this.trimBefore(
			Math.min(
				this.spoken?.start ?? this.total,
				(this.openStart ??
					this.total - 2 * VAD_WINDOW - this.minSpeechSamples) - SEGMENT_LEAD,
			),
		);
		return {
			inSpeech: this.openStart !== undefined,
			...(this.openStart !== undefined
				? { speechStartSample: this.openStart }
				: {}),
			...(partial ? { partial } : {}),
			ended,
		};
	}

	/**
	 * Aligns the words of the partial at a pause once the pause is long enough that the phrase
	 * probably ends there, so that its final result need not wait for the alignment (12 ms a
	 * second of speech, measured). Started any earlier, it is mostly wasted on pauses that
	 * speech follows; a phrase that goes on simply drops it.
	 */
	private alignDuringPause(): void {
		const atPause = this.atPause;
		if (
			!atPause ||
			atPause.aligned ||
			this.total - (atPause.start + atPause.samples.length) <
				this.alignAfterPauseSamples
		)
			return;
		startAligning(atPause);
	}

	/**
	 * Flushes the detector and decodes what was open as one segment; the detector restarts.
	 * Where the flush gives nothing though speech was detected (a segment shorter than the
	 * detector keeps), the buffered audio since speech began is the segment.
	 */
	async finalize(): Promise<EndedSegment | null> {
		this.skippingPartials = false;
		this.vad.flush();
		const segments = this.popSegments();
		if (segments.length === 0 && this.openStart !== undefined) {
			segments.push({
				start: this.openStart,
				samples: this.slice(this.openStart, this.total),
				pieces: this.pieces,
			});
		}
		this.vad.reset();
		this.pauses?.reset();
		this.spoken = undefined;
		this.pieces = [];
		this.vadOrigin = this.total;
		this.openStart = undefined;
		this.trimBefore(this.total);
		if (segments.length === 0) return null;
		const start = (segments[0] as sherpa.SpeechSegment).start;
		const samples = new Float32Array(
			segments.reduce((n, s) => n + s.samples.length, 0),
		);
		let at = 0;
		for (const s of segments) {
			samples.set(s.samples, at);
			at += s.samples.length;
		}
		// Pieces lie on the open segment's audio; segments joined here may have gaps between.
		const pieces = segments.length === 1 ? (segments[0] as Segment).pieces : [];
		const [ended] = await this.decodeSegments(
			[{ start, samples, pieces }],
			true,
		);
		this.lastPartial = undefined;
		return ended ?? null;
	}
}

/**
 * One offline decode of `samples`, with the ids that a later decode may take as its draft.
 * Aborted, Moonshine stops at its next step; sherpa's recognizer only before it starts.
 */
async function decodeOffline(
	samples: Float32Array,
	hotwords: string | undefined,
	moonshineOptions: MoonshineDecodeOptions,
): Promise<{ result: TokenResult; ids: number[] }> {
	moonshineOptions.signal?.throwIfAborted();
	if (offline && "moonshine" in offline) {
		const r = await offline.moonshine.decode(samples, moonshineOptions);
		return {
			result: {
				text: r.text,
				tokens: r.tokens,
				timestamps: [],
				logProbs: r.logProbs,
			},
			ids: r.ids,
		};
	}
	const recognizer = (offline as { sherpa: sherpa.OfflineRecognizer }).sherpa;
	const stream = hotwords
		? recognizer.createStream(hotwords)
		: recognizer.createStream();
	stream.acceptWaveform({ samples, sampleRate });
	const r = await recognizer.decodeAsync(stream);
	return {
		result: {
			text: r.text,
			tokens: r.tokens,
			timestamps: r.timestamps,
			durations: r.durations,
			logProbs: r.ys_log_probs,
		},
		ids: [],
	};
}

/** Loaded with the model where results need it; null when PocketSphinx is not installed. */
let aligner: PocketSphinxAligner | null = null;

async function loadAligner(): Promise<void> {
	try {
		const loading = PocketSphinxAligner.create();
		await loading.prepare();
		aligner = loading;
	} catch {
		aligner = null;
	}
}

/**
 * The hypothesis with its lexical words timed on the stream clock. The phrase's confidence
 * becomes the mean of its words'. Unchanged where the model times its own tokens or where
 * PocketSphinx is missing (then it has no words). Given the words of an earlier partial of the
 * same phrase, those it keeps (see `keptWords`) are not aligned again: only the words after
 * them are, on the audio after them.
 */
async function alignWords(
	hypothesis: Hypothesis,
	samples: Float32Array,
	originSample: number,
	earlier?: { words: EngineWord[]; endSample: number },
	cut = false,
): Promise<Hypothesis> {
	if (setup.streaming || !setup.alignWords || hypothesis.words.length > 0)
		return hypothesis;
	if (!aligner) return hypothesis;
	const lexical = lexicalWords(hypothesis.text);
	const known = earlier ? keptWords(earlier, lexical, originSample) : [];
	const from = known.at(-1)?.endSample ?? originSample;
	const rest = (
		await aligner.align(
			samples.subarray(from - originSample),
			lexical.slice(known.length),
			cut,
		)
	).map((w) => ({
		...w,
		startSample: from + w.startSample,
		endSample: from + w.endSample,
	}));
	// Where the words after them could not be aligned, the whole phrase is.
	if (known.length > 0 && rest.length < lexical.length - known.length)
		return alignWords(hypothesis, samples, originSample, undefined, cut);
	const words = [...known, ...rest];
	if (words.length === 0) return hypothesis;
	const confidence =
		words.reduce((sum, w) => sum + w.confidence, 0) / words.length;
	return { ...hypothesis, words, confidence };
}

/**
 * The earlier partial's timed words that begin `lexical` too, up to the first that differs, that
 * the search did not reach (confidence 0: placed by its letters) or that ends within
 * REALIGN_MARGIN of the end of the earlier audio, which the decode may have cut.
 */
function keptWords(
	earlier: { words: EngineWord[]; endSample: number },
	lexical: string[],
	originSample: number,
): EngineWord[] {
	const limit = earlier.endSample - REALIGN_MARGIN;
	let kept = 0;
	for (const word of earlier.words) {
		if (
			word.word !== lexical[kept] ||
			word.confidence === 0 ||
			word.startSample < originSample ||
			word.endSample > limit
		)
			break;
		kept++;
	}
	return earlier.words.slice(0, kept);
}

/**
 * A partial of the open segment: where its audio starts, the audio, its text, its words'
 * alignment once started, and the earlier partial whose alignment it may build on.
 */
interface TimedPartial {
	start: number;
	samples: Float32Array;
	hypothesis: Hypothesis;
	/** Its audio stops mid-speech rather than at a pause. */
	cut: boolean;
	aligned?: Promise<Hypothesis>;
	earlier?: TimedPartial;
}

/**
 * The partial's alignment, started once: on top of the earlier partial's where that one's has
 * started, else whole. A dropped one must not fail the worker, so its rejection is handled
 * here; whoever awaits it still sees the error.
 */
function startAligning(partial: TimedPartial): Promise<Hypothesis> {
	if (partial.aligned) return partial.aligned;
	const { earlier } = partial;
	partial.earlier = undefined;
	const known = earlier?.aligned
		? alignedWords(earlier, partial.start)
		: undefined;
	partial.aligned = Promise.resolve(known).then((k) =>
		alignWords(
			partial.hypothesis,
			partial.samples,
			partial.start,
			k,
			partial.cut,
		),
	);
	partial.aligned.catch(() => {});
	return partial.aligned;
}

/**
 * The aligned words of a partial of the phrase that starts at `start`, its alignment started
 * now if it was not; undefined where there is none, or its alignment failed (then the words
 * after it are aligned whole).
 */
function alignedWords(
	partial: TimedPartial | undefined,
	start: number,
): Promise<{ words: EngineWord[]; endSample: number } | undefined> | undefined {
	if (!partial || !samePhrase(partial.start, start)) return undefined;
	return startAligning(partial).then(
		(h) => ({
			words: h.words,
			endSample: partial.start + partial.samples.length,
		}),
		() => undefined,
	);
}

/**
 * Whether two partials' audio starts at the same phrase: partials start by `openStart`'s rule,
 * partials at a pause where the detector starts the segment, up to 40 ms (measured) before.
 */
function samePhrase(start: number, otherStart: number): boolean {
	return Math.abs(start - otherStart) <= SEGMENT_LEAD;
}

/** A segment that the detector ended, and the pieces split off from it while it was open. */
interface Segment extends sherpa.SpeechSegment {
	pieces: Piece[];
}

/** Speech split off from the start of an open segment (see SPLIT_AFTER). */
interface Piece {
	start: number;
	end: number;
	/** Its text as a partial, where its pause's partial decoded it. */
	partial?: Hypothesis;
	/** Its words aligned: a piece's part of its phrase's final result. */
	result?: Promise<Hypothesis | null>;
}

type Session = { online: OnlineSession } | { offline: OfflineSession };

const sessions = new Map<number, Session>();
/** The offline model all streams share: sherpa's recognizer, or Moonshine on onnxruntime. */
let offline:
	| { sherpa: sherpa.OfflineRecognizer }
	| { moonshine: MoonshineDecoder }
	| undefined;

function sessionOf(stream: number): Session {
	const session = sessions.get(stream);
	if (!session) throw new Error(`sherpa stream ${stream} is not open`);
	return session;
}

async function handle(
	request: WorkerRequest,
): Promise<StreamUpdate | EndedSegment | null | undefined> {
	switch (request.op) {
		case "open": {
			if (setup.streaming) {
				const recognizer = onlineRecognizerFor(
					request.segmentationSilenceMs,
					request.phrases,
				);
				sessions.set(request.stream, { online: new OnlineSession(recognizer) });
			} else {
				const hotwords = setup.hotwords
					? hotwordsText(request.phrases, "/")
					: "";
				sessions.set(request.stream, {
					offline: new OfflineSession(
						request.segmentationSilenceMs,
						hotwords || undefined,
						request.partials,
					),
				});
			}
			return undefined;
		}
		case "write": {
			const session = sessionOf(request.stream);
			return "online" in session
				? writeOnline(session.online, request.samples)
				: session.offline.write(request.samples);
		}
		case "finalize": {
			const session = sessionOf(request.stream);
			return "online" in session
				? session.online.finalize()
				: session.offline.finalize();
		}
		case "skipPartials": {
			const session = sessionOf(request.stream);
			if ("offline" in session) session.offline.skipPartials();
			return undefined;
		}
		case "close":
			sessions.delete(request.stream);
			return undefined;
	}
}

async function start(): Promise<void> {
	// On libuv's pool, beside the model's loading on this thread.
	const aligning =
		!setup.streaming && setup.alignWords ? loadAligner() : undefined;
	try {
		if (setup.streaming) {
			// Load now, so a bad model fails engine creation rather than the first stream.
			onlineRecognizerFor(setup.segmentationSilenceMs, []);
		} else if (setup.moonshine) {
			offline = {
				moonshine: await MoonshineDecoder.load(
					setup.moonshine,
					setup.moonshine.threads,
				),
			};
		} else {
			offline = {
				sherpa: await sherpa.OfflineRecognizer.createAsync(setup.recognizer),
			};
		}
		await aligning;
	} catch (error) {
		port.postMessage({
			ready: false,
			error: String((error as Error)?.message ?? error),
		} satisfies WorkerReady);
		return;
	}
	port.on("message", (request: WorkerRequest) => {
		handle(request).then(
			(value) =>
				port.postMessage({
					seq: request.seq,
					ok: true,
					value,
				} satisfies WorkerReply),
			(error: unknown) =>
				port.postMessage({
					seq: request.seq,
					ok: false,
					error: String((error as Error)?.message ?? error),
				} satisfies WorkerReply),
		);
	});
	port.postMessage({ ready: true } satisfies WorkerReady);
}

void start();
