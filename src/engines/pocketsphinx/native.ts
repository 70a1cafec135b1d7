import koffi, { type LibraryHandle } from "koffi";

/**
 * The few functions of Debian's libpocketsphinx3 / libsphinxbase3 (5prealpha) that the
 * engine calls. Slow calls are used through koffi's `.async`, which runs them on libuv's
 * thread pool so decoding never blocks the event loop and several decoders use all cores.
 */
export interface PocketSphinxNative {
	ps_args(): unknown;
	cmd_ln_parse_r(
		inout: null,
		defn: unknown,
		argc: number,
		argv: string[],
		strict: number,
	): unknown;
	ps_init: AsyncFn<[config: unknown], unknown>;
	ps_free(decoder: unknown): number;
	ps_start_stream(decoder: unknown): number;
	ps_start_utt(decoder: unknown): number;
	ps_end_utt: AsyncFn<[decoder: unknown], number>;
	ps_process_raw: AsyncFn<
		[
			decoder: unknown,
			data: Int16Array,
			samples: number,
			noSearch: number,
			fullUtt: number,
		],
		number
	>;
	ps_get_in_speech(decoder: unknown): number;
	/** Reads a language model; slow: call it with `.async`. */
	ngram_model_read: AsyncFn<
		[config: unknown, path: string, type: number, logmath: unknown],
		unknown
	>;
	/** Drops one reference; the model is freed with its last. */
	ngram_model_free(lm: unknown): number;
	/** The model's word with id `wid`, from 0 to its unigram count. */
	ngram_word(lm: unknown, wid: number): string;
	/** The model's unigram count (the first of its n-gram counts). */
	unigramCount(lm: unknown): number;
	logmath_init(base: number, shift: number, useTable: number): unknown;
	/** Builds an n-gram search over `lm`, which it retains; slow: call it with `.async`. */
	ps_set_lm: AsyncFn<[decoder: unknown, name: string, lm: unknown], number>;
	ps_set_jsgf_string(decoder: unknown, name: string, jsgf: string): number;
	ps_set_search(decoder: unknown, name: string): number;
	/** The word's phones, space-separated, or null when it is not in the dictionary. */
	ps_lookup_word(decoder: unknown, word: string): string | null;
	ps_add_word(
		decoder: unknown,
		word: string,
		phones: string,
		update: number,
	): number;
	/** After ps_end_utt this runs bestpath over the phrase's lattice: call it with `.async`. */
	ps_get_hyp: AsyncFn<[decoder: unknown, score: Int32Array], string | null>;
	ps_get_logmath(decoder: unknown): unknown;
	ps_seg_iter(decoder: unknown): unknown;
	ps_seg_next(seg: unknown): unknown;
	ps_seg_word(seg: unknown): string;
	ps_seg_frames(seg: unknown, start: number[], end: number[]): void;
	ps_seg_prob(
		seg: unknown,
		ascr: number[] | null,
		lscr: null,
		lback: null,
	): number;
	logmath_exp(logmath: unknown, logProb: number): number;
	ps_get_feat(decoder: unknown): unknown;
	cmn_live_get(cmn: unknown, vec: Float32Array): void;
	cmn_live_set(cmn: unknown, vec: Float32Array): void;
	/** NULL turns sphinxbase's (process-wide) log off. */
	err_set_logfp(stream: null): void;
	/** The `cmn_struct` member of sphinxbase's `feat_t`. */
	cmnOf(feat: unknown): unknown;
}

type AsyncFn<A extends unknown[], R> = ((...args: A) => R) & {
	async(...args: [...A, (error: unknown, result: R) => void]): void;
};

/** Calls a koffi function on the thread pool. */
export function callAsync<A extends unknown[], R>(
	fn: AsyncFn<A, R>,
	...args: A
): Promise<R> {
	return new Promise((resolve, reject) => {
		fn.async(...args, (error: unknown, result: R) =>
			error ? reject(error) : resolve(result),
		);
	});
}

/** A decoder from `ps` command-line arguments (`-hmm`, `-dict`, ...); one-line errors. */
export async function initDecoder(
	native: PocketSphinxNative,
	argv: string[],
	acousticModel: string,
): Promise<unknown> {
	const config = native.cmd_ln_parse_r(
		null,
		native.ps_args(),
		argv.length,
		argv,
		1,
	);
	if (!config)
		throw new Error(
			`PocketSphinx rejected its configuration: ${argv.join(" ")}`,
		);
	const decoder = await callAsync(native.ps_init, config);
	if (!decoder)
		throw new Error(
			`PocketSphinx could not load the model in ${acousticModel}`,
		);
	return decoder;
}

let loaded: PocketSphinxNative | undefined;

/** Loads the libraries once; throws a clear error naming the Debian packages when absent. */
export function loadPocketSphinx(): PocketSphinxNative {
	if (loaded) return loaded;
	let ps: LibraryHandle;
	let sb: LibraryHandle;
	try {
		ps = koffi.load("libpocketsphinx.so.3");
		sb = koffi.load("libsphinxbase.so.3");
	} catch {
		throw new Error(
			"PocketSphinx is not installed: run `sudo apt-get install libpocketsphinx3 pocketsphinx-en-us`",
		);
	}
	// The head of sphinxbase 5prealpha's `feat_t` (feat.h), up to the CMN state it points to.
	const featHead = koffi.struct("earshot_feat_head", {
		refcount: "int",
		name: "void *",
		cepsize: "int32_t",
		n_stream: "int32_t",
		stream_len: "void *",
		window_size: "int32_t",
		n_sv: "int32_t",
		sv_len: "void *",
		subvecs: "void *",
		sv_buf: "void *",
		sv_dim: "int32_t",
		cmn: "int",
		varnorm: "int32_t",
		agc: "int",
		compute_feat: "void *",
		cmn_struct: "void *",
	});
	const ngramCounts = sb.func(
		"const uint32_t *ngram_model_get_counts(void *model)",
	);
	loaded = {
		ps_args: ps.func("void *ps_args(void)"),
		cmd_ln_parse_r: sb.func(
			"void *cmd_ln_parse_r(void *inout, void *defn, int32_t argc, const char **argv, int32_t strict)",
		),
		ps_init: ps.func("void *ps_init(void *config)"),
		ps_free: ps.func("int ps_free(void *ps)"),
		ps_start_stream: ps.func("int ps_start_stream(void *ps)"),
		ps_start_utt: ps.func("int ps_start_utt(void *ps)"),
		ps_end_utt: ps.func("int ps_end_utt(void *ps)"),
		ps_process_raw: ps.func(
			"int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)",
		),
		ps_get_in_speech: ps.func("uint8_t ps_get_in_speech(void *ps)"),
		ngram_model_read: sb.func(
			"void *ngram_model_read(void *config, const char *file_name, int file_type, void *lmath)",
		),
		ngram_model_free: sb.func("int ngram_model_free(void *model)"),
		ngram_word: sb.func("const char *ngram_word(void *model, int32_t wid)"),
		unigramCount: (lm: unknown) =>
			koffi.decode(ngramCounts(lm), "uint32_t") as number,
		logmath_init: sb.func(
			"void *logmath_init(double base, int shift, int use_table)",
		),
		ps_set_lm: ps.func("int ps_set_lm(void *ps, const char *name, void *lm)"),
		ps_set_jsgf_string: ps.func(
			"int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)",
		),
		ps_set_search: ps.func("int ps_set_search(void *ps, const char *name)"),
		// The returned string is a copy that sphinxbase's allocator must free.
		ps_lookup_word: ps.func(
			"ps_lookup_word",
			koffi.disposable("str", sb.func("void ckd_free(void *ptr)")),
			["void *", "str"],
		),
		ps_add_word: ps.func(
			"int ps_add_word(void *ps, const char *word, const char *phones, int update)",
		),
		ps_get_hyp: ps.func("const char *ps_get_hyp(void *ps, int32_t *score)"),
		ps_get_logmath: ps.func("void *ps_get_logmath(void *ps)"),
		ps_seg_iter: ps.func("void *ps_seg_iter(void *ps)"),
		ps_seg_next: ps.func("void *ps_seg_next(void *seg)"),
		ps_seg_word: ps.func("const char *ps_seg_word(void *seg)"),
		ps_seg_frames: ps.func(
			"void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)",
		),
		ps_seg_prob: ps.func(
			"int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, int32_t *lscr, int32_t *lback)",
		),
		logmath_exp: sb.func("double logmath_exp(void *lmath, int32_t logb_p)"),
		ps_get_feat: ps.func("void *ps_get_feat(void *ps)"),
		cmn_live_get: sb.func("void cmn_live_get(void *cmn, _Out_ float *vec)"),
		cmn_live_set: sb.func("void cmn_live_set(void *cmn, const float *vec)"),
		err_set_logfp: sb.func("void err_set_logfp(void *stream)"),
		cmnOf: (feat: unknown) =>
			(koffi.decode(feat, featHead) as { cmn_struct: unknown }).cmn_struct,
	} as unknown as PocketSphinxNative;
	// Once, before any decoder exists. The log is one global FILE in sphinxbase: `-logfn` made
	// every ps_init open a new one and fclose the old while decoders on other threads still
	// wrote to it, which crashed the process now and then (a use after free).
	loaded.err_set_logfp(null);
	return loaded;
}
