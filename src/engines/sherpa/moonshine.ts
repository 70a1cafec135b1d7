/**
 * Moonshine (encoder + merged decoder, the "moonshine-v2" kind) decoded greedily with
 * onnxruntime, where sherpa-onnx steps the decoder once per token. One pass over 45 tokens at
 * once costs about as much as 7 steps (42 against 6 ms, measured on the folded decoder), so a
 * decode that is given a draft (the tokens of an earlier decode of the same audio's start,
 * such as the last partial) checks all of it in one pass. Past the first token it disagrees
 * with, each step also checks what the draft says comes next, where the draft is right again
 * (a partial's word cut mid-way, a capital that became lower case). The result is the greedy
 * decode either way.
 */
import { readFileSync } from "node:fs";
import ort from "onnxruntime-node";
import { foldModel } from "../../models/fold.js";

export interface MoonshineFiles {
	encoder: string;
	mergedDecoder: string;
	tokens: string;
}

/** Intra-op threads of each model's runs. */
export interface MoonshineThreads {
	encoder: number;
	decoder: number;
}

export interface MoonshineResult {
	text: string;
	/** Each token's text, "▁" marking a word's start. */
	tokens: string[];
	ids: number[];
	/** The log-probability of each token, as the decoder chose it. */
	logProbs: number[];
}

export interface MoonshineDecodeOptions {
	draft?: readonly number[];
	signal?: AbortSignal;
	provisional?: boolean;
}

const START = 1;
const END = 2;
/** Ids below this are <unk>, <s> and </s>, which carry no text. */
const FIRST_TEXT_ID = 3;
const LAYERS = 8;
const HEADS = 8;
const HEAD_DIM = 52;
/** Moonshine speaks about 3 tokens a second; a decode that runs past this is looping. */
const MAX_TOKENS_PER_SECOND = 6.5;
/** Draft tokens checked in one decoder pass after the draft went wrong. */
const MAX_GUESSES = 16;
/** The encoder's convolutions need at least this many samples. */
const MIN_SAMPLES = 1024;

const CACHE_KINDS = [
	"decoder.key",
	"decoder.value",
	"encoder.key",
	"encoder.value",
] as const;

type Cache = Record<string, ort.Tensor>;

export class MoonshineDecoder {
	private readonly emptyCache: Cache;
	/** What a cached step needs back: the logits and the decoder's own keys and values. */
	private readonly stepOutputs: string[];

	private constructor(
		private readonly encoder: ort.InferenceSession,
		private readonly decoder: ort.InferenceSession,
		private readonly pieces: Buffer[],
	) {
		const empty = new ort.Tensor("float32", new Float32Array(0), [
			1,
			HEADS,
			0,
			HEAD_DIM,
		]);
		this.emptyCache = {};
		for (let layer = 0; layer < LAYERS; layer++)
			for (const kind of CACHE_KINDS)
				this.emptyCache[`past_key_values.${layer}.${kind}`] = empty;
		this.stepOutputs = ["logits"];
		for (let layer = 0; layer < LAYERS; layer++)
			this.stepOutputs.push(
				`present.${layer}.decoder.key`,
				`present.${layer}.decoder.value`,
			);
	}

	static async load(
		files: MoonshineFiles,
		threads: MoonshineThreads,
	): Promise<MoonshineDecoder> {
		const options = (intraOpNumThreads: number) => ({
			intraOpNumThreads,
			interOpNumThreads: 1,
			// Spinning threads wait for work by burning CPU between the decoder's small steps.
			extra: { session: { intra_op: { allow_spinning: "0" } } },
		});
		let encoderFile = files.encoder;
		let decoderFile = files.mergedDecoder;
		try {
			decoderFile = await foldModel(files.mergedDecoder, { int8MatMuls: true });
			encoderFile = await foldModel(files.encoder);
		} catch (error) {
			console.error(
				`earshot: Moonshine decodes with its unfolded model, each decoder step several times as slow: ${(error as Error)?.message ?? error}`,
			);
		}
		const [encoder, decoder] = await Promise.all([
			ort.InferenceSession.create(encoderFile, options(threads.encoder)),
			ort.InferenceSession.create(decoderFile, options(threads.decoder)),
		]);
		return new MoonshineDecoder(encoder, decoder, readPieces(files.tokens));
	}

	/**
	 * The greedy transcript of `samples` (16 kHz). `draft` speeds it up when it is right and
	 * costs one decoder pass when it is wrong. Aborted, it rejects before its next run.
	 * A decode that the token limit stopped was looping, and its repeats are dropped; a
	 * `provisional` one (a partial's, of speech cut short) drops a repeated end even where the
	 * decoder ended it ("a direct consequence of a direct consequence of").
	 */
	async decode(
		samples: Float32Array,
		{ draft = [], signal, provisional = false }: MoonshineDecodeOptions = {},
	): Promise<MoonshineResult> {
		const input =
			samples.length >= MIN_SAMPLES ? samples : padded(samples, MIN_SAMPLES);
		const { last_hidden_state: hidden } = await this.encoder.run({
			input_values: new ort.Tensor("float32", input, [1, input.length]),
		});
		const maxTokens = Math.max(
			8,
			Math.ceil((samples.length / 16000) * MAX_TOKENS_PER_SECOND),
		);
		const firstGuesses = draft.slice(0, maxTokens);
		signal?.throwIfAborted();
		const first = await this.decoder.run({
			...this.emptyCache,
			input_ids: ids([START, ...firstGuesses]),
			encoder_hidden_states: hidden as ort.Tensor,
			use_cache_branch: new ort.Tensor("bool", [false], [1]),
		});
		const chosenIds: number[] = [];
		const chosenLogProbs: number[] = [];
		let [next, nextLogProb, accepted] = acceptGuesses(
			first.logits as ort.Tensor,
			firstGuesses,
			chosenIds,
			chosenLogProbs,
		);
		let cached = 1 + accepted;
		const cache: Cache = {};
		for (let layer = 0; layer < LAYERS; layer++)
			for (const kind of CACHE_KINDS) {
				const present = first[`present.${layer}.${kind}`] as ort.Tensor;
				cache[`past_key_values.${layer}.${kind}`] = kind.startsWith("decoder")
					? truncated(present, cached)
					: present;
			}
		while (next !== END && chosenIds.length < maxTokens) {
			chosenIds.push(next);
			chosenLogProbs.push(nextLogProb);
			signal?.throwIfAborted();
			const guesses = draftContinuation(chosenIds, draft).slice(
				0,
				maxTokens - chosenIds.length,
			);
			const step = await this.decoder.run(
				{
					...cache,
					input_ids: ids([next, ...guesses]),
					encoder_hidden_states: hidden as ort.Tensor,
					use_cache_branch: new ort.Tensor("bool", [true], [1]),
				},
				this.stepOutputs,
			);
			[next, nextLogProb, accepted] = acceptGuesses(
				step.logits as ort.Tensor,
				guesses,
				chosenIds,
				chosenLogProbs,
			);
			cached += 1 + accepted;
			for (let layer = 0; layer < LAYERS; layer++)
				for (const kind of ["decoder.key", "decoder.value"])
					cache[`past_key_values.${layer}.${kind}`] = truncated(
						step[`present.${layer}.${kind}`] as ort.Tensor,
						cached,
					);
		}
		const kept =
			next === END && !provisional ? chosenIds.length : loopStart(chosenIds);
		const keptIds = chosenIds.slice(0, kept);
		return {
			...this.transcriptOf(keptIds),
			ids: keptIds,
			logProbs: chosenLogProbs
				.slice(0, kept)
				.filter((_, i) => (keptIds[i] as number) >= FIRST_TEXT_ID),
		};
	}

	/** The text of token ids, and each text token's own. */
	transcriptOf(ids: readonly number[]): { text: string; tokens: string[] } {
		const pieces = ids.flatMap((id) =>
			id >= FIRST_TEXT_ID ? [this.pieces[id] ?? Buffer.alloc(0)] : [],
		);
		return {
			text: Buffer.concat(pieces).toString("utf8").replaceAll("▁", " ").trim(),
			tokens: pieces.map((piece) => piece.toString("utf8")),
		};
	}

	async release(): Promise<void> {
		await Promise.all([this.encoder.release(), this.decoder.release()]);
	}
}

/** tokens.txt: one token a line, its bytes in base64, then its id. */
function readPieces(file: string): Buffer[] {
	const pieces: Buffer[] = [];
	for (const line of readFileSync(file, "utf8").split("\n")) {
		const [base64, id] = line.trim().split(/\s+/);
		if (base64 === undefined || id === undefined) continue;
		pieces[Number(id)] = Buffer.from(base64, "base64");
	}
	return pieces;
}

function ids(values: readonly number[]): ort.Tensor {
	return new ort.Tensor("int64", BigInt64Array.from(values, BigInt), [
		1,
		values.length,
	]);
}

function padded(samples: Float32Array, length: number): Float32Array {
	const out = new Float32Array(length);
	out.set(samples);
	return out;
}

/** The most likely token at `position` of logits [1, positions, vocabulary], and its log-probability. */
function choose(logits: ort.Tensor, position: number): [number, number] {
	const vocabulary = logits.dims[2] as number;
	const data = logits.data as Float32Array;
	const from = position * vocabulary;
	let best = 0;
	let max = Number.NEGATIVE_INFINITY;
	for (let i = 0; i < vocabulary; i++) {
		const v = data[from + i] as number;
		if (v > max) {
			max = v;
			best = i;
		}
	}
	let sum = 0;
	for (let i = 0; i < vocabulary; i++)
		sum += Math.exp((data[from + i] as number) - max);
	return [best, -Math.log(sum)];
}

/**
 * Takes the guessed tokens, in order, up to the first that the model would not choose: logits
 * [1, 1 + guesses, vocabulary] score the token after each input. Returns the model's own next
 * token, its log-probability, and how many guesses were taken.
 */
function acceptGuesses(
	logits: ort.Tensor,
	guesses: readonly number[],
	chosenIds: number[],
	chosenLogProbs: number[],
): [number, number, number] {
	let accepted = 0;
	let [next, logProb] = choose(logits, 0);
	while (accepted < guesses.length && next === guesses[accepted]) {
		chosenIds.push(next);
		chosenLogProbs.push(logProb);
		accepted++;
		[next, logProb] = choose(logits, accepted);
	}
	return [next, logProb, accepted];
}

/**
 * What the draft says follows the tokens chosen so far: its tokens after the place nearest the
 * chosen ones' end where it holds their last two. A draft that went wrong at one word (a
 * partial cut mid-word, a capital letter) is right again after it.
 */
function draftContinuation(
	chosen: readonly number[],
	draft: readonly number[],
): number[] {
	const [a, b] = chosen.slice(-2);
	if (b === undefined) return [];
	const expected = chosen.length - 1;
	let best = -1;
	for (let i = 1; i < draft.length - 1; i++)
		if (
			draft[i - 1] === a &&
			draft[i] === b &&
			(best < 0 || Math.abs(i - expected) < Math.abs(best - expected))
		)
			best = i;
	return best < 0 ? [] : draft.slice(best + 1, best + 1 + MAX_GUESSES);
}

/**
 * Where the tokens of a looping decode start to repeat themselves: the end of the first
 * period of the earliest stretch that repeats one period to the end, for at least two tokens
 * ("He can win. He can win." keeps "He can win.", "R. R. R. R." keeps "R."). The whole
 * length when no such stretch ends them.
 */
export function loopStart(ids: readonly number[]): number {
	for (let from = 0; from < ids.length; from++)
		for (let period = 1; from + period + 2 <= ids.length; period++) {
			let repeats = true;
			for (let i = from + period; repeats && i < ids.length; i++)
				repeats = ids[i] === ids[i - period];
			if (repeats) return from + period;
		}
	return ids.length;
}

/** How far back in a draft its join with a later decode's tokens is looked for. */
const JOIN_WITHIN = 16;

/**
 * A draft brought up to date by the tokens of a later decode of its audio's end and what
 * followed: the draft up to the first two tokens that `later` shares with the draft's last
 * ones, then `later` from there. Undefined when they share none. A wrong join only costs the
 * decode that uses it a pass.
 */
export function joinDraft(
	draft: readonly number[],
	later: readonly number[],
): number[] | undefined {
	const from = Math.max(0, draft.length - JOIN_WITHIN);
	for (let j = 0; j + 1 < later.length; j++)
		for (let i = from; i + 1 < draft.length; i++)
			if (draft[i] === later[j] && draft[i + 1] === later[j + 1])
				return [...draft.slice(0, i), ...later.slice(j)];
	return undefined;
}

/** The first `length` positions of a cache tensor [1, heads, positions, head_dim]. */
function truncated(tensor: ort.Tensor, length: number): ort.Tensor {
	const positions = tensor.dims[2] as number;
	if (length >= positions) return tensor;
	const data = tensor.data as Float32Array;
	const out = new Float32Array(HEADS * length * HEAD_DIM);
	for (let head = 0; head < HEADS; head++)
		out.set(
			data.subarray(
				head * positions * HEAD_DIM,
				(head * positions + length) * HEAD_DIM,
			),
			head * length * HEAD_DIM,
		);
	return new ort.Tensor("float32", out, [1, HEADS, length, HEAD_DIM]);
}
