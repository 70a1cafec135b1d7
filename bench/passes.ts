// Where PocketSphinx's time goes, per phrase: each utterance of the corpus is decoded on this
// thread with each search setting, and the thread's CPU time (schedstat) of every call is
// counted, so the figures are work, not the wall time of a shared machine.
import { readFileSync } from "node:fs";
import { openAudioFile } from "../src/audio/decode.js";
import { createResampler } from "../src/audio/resample.js";
import {
	POCKETSPHINX_PASSES,
	passesArgs,
} from "../src/engines/pocketsphinx/engine.js";
import { findPocketSphinxModel } from "../src/engines/pocketsphinx/model.js";
import { loadPocketSphinx } from "../src/engines/pocketsphinx/native.js";
import { scoreCorpus } from "../src/eval/index.js";
import { sharedManifest } from "../test/helpers/shared.js";

const native = loadPocketSphinx();
const model = findPocketSphinxModel();
// earshot's settings, and fwdflat without bestpath for completeness.
const settings: Record<string, string[]> = {
	...Object.fromEntries(POCKETSPHINX_PASSES.map((p) => [p, passesArgs(p)])),
	"fwdtree+fwdflat": ["-fwdflat", "yes", "-bestpath", "no"],
};
const score = new Int32Array(1);

/** CPU ns this thread has run, from the kernel's scheduler statistics. */
function threadNs(): number {
	return Number(
		readFileSync(`/proc/thread-self/schedstat`, "utf8").split(" ")[0],
	);
}
function timed<T>(f: () => T): [T, number] {
	const t = threadNs();
	const r = f();
	return [r, (threadNs() - t) / 1e6];
}

const rows = sharedManifest().filter(
	(r) => r.referenceKind === "exact" && r.path.includes("/speech/"),
);
const audio = await Promise.all(
	rows.map(async (r) => {
		const { samples, sampleRate } = await openAudioFile(r.path);
		const out = createResampler(sampleRate, 16000).process(samples);
		const pcm = new Int16Array(out.length);
		for (let i = 0; i < out.length; i++)
			pcm[i] = Math.max(-32768, Math.min(32767, Math.round(out[i] * 32768)));
		return { reference: r.reference, pcm, seconds: out.length / 16000 };
	}),
);

// Settings alternate per utterance, so the machine's drifting load touches them alike.
const runs = Object.entries(settings).map(([name, extra]) => {
	const argv = [
		"-hmm",
		model.acousticModel,
		"-lm",
		model.languageModel,
		"-dict",
		model.dictionary,
		"-logfn",
		"/dev/null",
		...extra,
	];
	const decoder = native.ps_init(
		native.cmd_ln_parse_r(null, native.ps_args(), argv.length, argv, 1),
	);
	return {
		name,
		decoder,
		pairs: [] as { reference: string; hypothesis: string }[],
		lines: [] as string[],
		sum: { audio: 0, fwdtree: 0, end: 0, hyp: 0, seg: 0 },
	};
});
for (const { reference, pcm, seconds } of audio) {
	for (const { decoder, pairs, lines, sum } of runs) {
		native.ps_start_utt(decoder);
		let fwdtree = 0;
		for (let at = 0; at < pcm.length; at += 1600) {
			const piece = pcm.subarray(at, at + 1600);
			fwdtree += timed(() =>
				native.ps_process_raw(decoder, piece, piece.length, 0, 0),
			)[1];
		}
		const [, end] = timed(() => native.ps_end_utt(decoder));
		const [hypothesis, hyp] = timed(
			() => native.ps_get_hyp(decoder, score) ?? "",
		);
		const [, seg] = timed(() => {
			for (let s = native.ps_seg_iter(decoder); s; s = native.ps_seg_next(s));
		});
		pairs.push({ reference, hypothesis });
		sum.audio += seconds;
		sum.fwdtree += fwdtree;
		sum.end += end;
		sum.hyp += hyp;
		sum.seg += seg;
		lines.push(
			`${seconds.toFixed(1).padStart(5)} s  process_raw ${fwdtree.toFixed(0).padStart(5)}  end_utt ${end.toFixed(0).padStart(4)}  get_hyp ${hyp.toFixed(0).padStart(4)}  seg_iter ${seg.toFixed(0).padStart(4)} ms`,
		);
	}
}
for (const { name, decoder, pairs, lines, sum } of runs) {
	native.ps_free(decoder);
	const wer = scoreCorpus(pairs).total;
	console.log(
		`\n## ${name}: WER ${(wer.wer * 100).toFixed(1)} % (${wer.substitutions + wer.deletions + wer.insertions}/${wer.referenceLength}); CPU ms per audio s: process_raw ${(sum.fwdtree / sum.audio).toFixed(1)}, end_utt ${(sum.end / sum.audio).toFixed(1)}, get_hyp ${(sum.hyp / sum.audio).toFixed(1)}, seg_iter ${(sum.seg / sum.audio).toFixed(1)}`,
	);
	for (const l of lines) console.log(l);
}
