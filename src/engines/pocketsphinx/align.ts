import type { EngineWord } from "../engine.js";
import { toInt16 } from "./engine.js";
import { findPocketSphinxModel, type PocketSphinxModel } from "./model.js";
import {
	callAsync,
	initDecoder,
	loadPocketSphinx,
	type PocketSphinxNative,
} from "./native.js";
import { baseWord } from "./vocabulary.js";

const SAMPLES_PER_FRAME = 160;
/** Idle aligning decoders kept for reuse. */
const MAX_IDLE = 2;
const GRAMMAR = "earshot_align";
/**
 * A word's mean acoustic score per frame, below the best senone's (PocketSphinx's integer log
 * units), that gives confidence 1/e. On jfk.wav right words score 7 to 42 (about 13 typical:
 * confidence 0.85), words swapped for wrong ones 25 to 72 (0.4 to 0.7).
 */
const CONFIDENCE_SCALE = 80;

/**
 * Word times for a known transcript: PocketSphinx decodes the audio with a grammar that
 * allows only the words, in order (with optional silence between them), and its segment
 * iterator gives each word's frames. Debian's 5prealpha has no `ps_set_align_text`, so the
 * grammar is a one-rule JSGF.
 */
export class PocketSphinxAligner {
	private readonly idle: unknown[] = [];
	private closed = false;

	private constructor(
		private readonly native: PocketSphinxNative,
		private readonly model: PocketSphinxModel,
	) {}

	/** Throws a one-line error when the library or the model is missing. */
	static create(modelDir?: string): PocketSphinxAligner {
		return new PocketSphinxAligner(
			loadPocketSphinx(),
			findPocketSphinxModel(modelDir),
		);
	}

	/**
	 * Times of `words` (lowercase, as spoken) in `samples` (16 kHz mono), in samples from
	 * the first one. Words the search could not place (it ran out of audio) are placed in
	 * the unaligned rest in proportion to their length; empty when nothing could be aligned.
	 * `cut` audio stops mid-speech, maybe inside a word: the search may end after any of
	 * the words, where a grammar that must reach the last one would find no path at all.
	 */
	async align(
		samples: Float32Array,
		words: readonly string[],
		cut = false,
	): Promise<EngineWord[]> {
		if (words.length === 0 || samples.length === 0) return [];
		const decoder = this.idle.pop() ?? (await this.createDecoder());
		try {
			const tokens = words.map((w) => this.dictionaryWord(decoder, w));
			// Nested options, "a [b [c]]", allow every run of the words from the first.
			const rule = cut
				? `${tokens.join(" [")}${"]".repeat(tokens.length - 1)}`
				: tokens.join(" ");
			const jsgf = `#JSGF V1.0;\ngrammar ${GRAMMAR};\npublic <words> = ${rule};\n`;
			if (
				this.native.ps_set_jsgf_string(decoder, GRAMMAR, jsgf) < 0 ||
				this.native.ps_set_search(decoder, GRAMMAR) < 0
			)
				return [];
			const pcm = toInt16(samples, new Int16Array(samples.length));
			this.native.ps_start_utt(decoder);
			await callAsync(
				this.native.ps_process_raw,
				decoder,
				pcm,
				pcm.length,
				0,
				1,
			);
			await callAsync(this.native.ps_end_utt, decoder);
			const placed = this.readSegments(decoder, tokens);
			return fillUnaligned(words, placed, samples.length);
		} finally {
			this.release(decoder);
		}
	}

	/**
	 * Loads one decoder ahead of the first alignment. Loading the dictionary takes longer than
	 * aligning a phrase, and would otherwise delay the first phrase that ends.
	 */
	async prepare(): Promise<void> {
		if (this.idle.length === 0) this.release(await this.createDecoder());
	}

	close(): void {
		this.closed = true;
		for (const decoder of this.idle.splice(0)) this.native.ps_free(decoder);
	}

	private async createDecoder(): Promise<unknown> {
		const argv = [
			"-hmm",
			this.model.acousticModel,
			"-dict",
			this.model.dictionary,
			// Frames must map to samples one to one, and one pass over the whole segment.
			"-remove_silence",
			"no",
			"-cmn",
			"batch",
			// The grammar allows a single path: wide beams keep it alive through unclear audio.
			"-beam",
			"1e-80",
			"-pbeam",
			"1e-80",
			"-wbeam",
			"1e-60",
		];
		return initDecoder(this.native, argv, this.model.acousticModel);
	}

	private release(decoder: unknown): void {
		if (this.closed || this.idle.length >= MAX_IDLE)
			this.native.ps_free(decoder);
		else this.idle.push(decoder);
	}

	/** The dictionary entry for `word`, adding one spelled by `spell` when it is missing. */
	private dictionaryWord(decoder: unknown, word: string): string {
		const token = word.normalize("NFD").replace(/[^a-z']/g, "") || "um";
		if (this.native.ps_lookup_word(decoder, token) !== null) return token;
		const phones = spell(token, (w) => this.native.ps_lookup_word(decoder, w));
		this.native.ps_add_word(decoder, token, phones, 0);
		return token;
	}

	private readSegments(
		decoder: unknown,
		tokens: readonly string[],
	): EngineWord[] {
		const { native } = this;
		const placed: EngineWord[] = [];
		for (
			let seg = native.ps_seg_iter(decoder);
			seg && placed.length < tokens.length;
			seg = native.ps_seg_next(seg)
		) {
			const word = baseWord(native.ps_seg_word(seg));
			if (word !== tokens[placed.length]) continue;
			const start = [0];
			const end = [0];
			native.ps_seg_frames(seg, start, end);
			const ascr = [0];
			native.ps_seg_prob(seg, ascr, null, null);
			const frames = end[0] - start[0] + 1;
			placed.push({
				word,
				startSample: start[0] * SAMPLES_PER_FRAME,
				endSample: (end[0] + 1) * SAMPLES_PER_FRAME,
				confidence: Math.exp(Math.min(0, ascr[0]) / frames / CONFIDENCE_SCALE),
			});
		}
		return placed;
	}
}

/**
 * The aligned words with the given spellings, and the words the search did not reach placed
 * after the last aligned one, in proportion to their letters, up to `end`.
 */
function fillUnaligned(
	words: readonly string[],
	placed: EngineWord[],
	end: number,
): EngineWord[] {
	if (placed.length === 0) return [];
	const out = placed.map((w, i) => ({ ...w, word: words[i] as string }));
	const rest = words.slice(placed.length);
	if (rest.length === 0) return out;
	let at = (out.at(-1) as EngineWord).endSample;
	const span = Math.max(rest.length, end - at);
	const letters = rest.reduce((n, w) => n + w.length, 0);
	for (const word of rest) {
		const length = Math.max(1, Math.round((span * word.length) / letters));
		out.push({ word, startSample: at, endSample: at + length, confidence: 0 });
		at += length;
	}
	return out;
}

/** Letter groups to CMU phones, longest first: a rough reading for words the dictionary lacks. */
const LETTERS: [string, string][] = [
	["tch", "CH"],
	["sch", "S K"],
	["ch", "CH"],
	["sh", "SH"],
	["th", "TH"],
	["ph", "F"],
	["gh", "G"],
	["ng", "NG"],
	["ck", "K"],
	["qu", "K W"],
	["wh", "W"],
	["ee", "IY"],
	["ea", "IY"],
	["oo", "UW"],
	["ai", "EY"],
	["ay", "EY"],
	["ei", "EY"],
	["ey", "IY"],
	["oa", "OW"],
	["ou", "AW"],
	["ow", "OW"],
	["oi", "OY"],
	["oy", "OY"],
	["au", "AO"],
	["aw", "AO"],
	["ie", "IY"],
	["a", "AE"],
	["b", "B"],
	["c", "K"],
	["d", "D"],
	["e", "EH"],
	["f", "F"],
	["g", "G"],
	["h", "HH"],
	["i", "IH"],
	["j", "JH"],
	["k", "K"],
	["l", "L"],
	["m", "M"],
	["n", "N"],
	["o", "AA"],
	["p", "P"],
	["q", "K"],
	["r", "R"],
	["s", "S"],
	["t", "T"],
	["u", "AH"],
	["v", "V"],
	["w", "W"],
	["x", "K S"],
	["y", "IY"],
	["z", "Z"],
];

/**
 * Phones for a word the dictionary lacks, without a g2p model: a dictionary stem plus an
 * ending ("hester's", "prynnes"), two dictionary words ("nightlamp"), else a reading of
 * its letters. Close phones are enough: the grammar fixes the words, so the search only
 * has to find where this one starts and ends between its neighbours.
 */
export function spell(
	word: string,
	lookup: (word: string) => string | null,
): string {
	const ending = /^(.+?)'?s$/.exec(word);
	const stem = ending ? lookup(ending[1] as string) : null;
	if (stem) return `${stem} Z`;
	for (let cut = word.length - 3; cut >= 3; cut--) {
		const head = lookup(word.slice(0, cut));
		const tail = head ? lookup(word.slice(cut)) : null;
		if (head && tail) return `${head} ${tail}`;
	}
	const phones: string[] = [];
	const letters = word.replace(/'/g, "").replace(/e$/, "");
	for (let i = 0; i < letters.length; ) {
		const [group, sound] = LETTERS.find(([g]) => letters.startsWith(g, i)) ?? [
			letters[i] as string,
			"",
		];
		// A doubled consonant is one sound: "nn" in "prynne".
		if (sound && sound !== phones.at(-1)) phones.push(sound);
		i += group.length;
	}
	return phones.join(" ") || "AH";
}
