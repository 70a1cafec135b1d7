import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedDir, sharedManifest } from "../test/helpers/shared.js";
import { synthesize, withPauses } from "../test/helpers/speech.js";

export interface Corpus {
	/** Where the speech came from. */
	source: string;
	/** Every utterance as 16 kHz 16-bit mono WAV, with its reference. */
	utterances: { file: string; reference: string }[];
	/** All utterances joined with 1 s pauses: one long file for CPU measurements. */
	long: string;
	/** Utterances joined with 1.5 s pauses, and where each utterance starts and ends (s). */
	paced: { file: string; spans: { start: number; end: number }[] };
}

const dir = join(tmpdir(), "earshot-bench");

/** Real speech from ../shared when present, else sentences spoken by flite. */
export function loadCorpus(): Corpus {
	mkdirSync(dir, { recursive: true });
	const rows = sharedManifest().filter(
		(r) => r.referenceKind === "exact" && r.path.includes("/speech/"),
	);
	// BENCH_UTTERANCES: the first few only, to check the bench end to end quickly.
	const limit = Number(
		process.env.BENCH_UTTERANCES ?? Number.POSITIVE_INFINITY,
	);
	const utterances = (
		rows.length > 0
			? rows.map((r, i) => ({
					file: to16k(r.path, `u${i}.wav`),
					reference: r.reference,
				}))
			: FALLBACK.map((text) => ({
					file: synthesize(text, { voice: "awb" }),
					reference: text,
				}))
	).slice(0, limit);
	const long = withPauses(
		utterances.map((u) => u.file),
		1,
	);
	const gap = 1.5;
	const paced = withPauses(
		utterances.map((u) => u.file),
		gap,
	);
	const spans: { start: number; end: number }[] = [];
	let at = gap;
	for (const u of utterances) {
		const length = duration(u.file);
		spans.push({ start: at, end: at + length });
		at += length + gap;
	}
	return {
		source:
			rows.length > 0
				? `../shared/audio/speech (${utterances.length} utterances)`
				: `flite (${utterances.length} sentences)`,
		utterances,
		long,
		paced: { file: paced, spans },
	};
}

export function duration(file: string): number {
	return Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }));
}

/** `path` as 16 kHz 16-bit mono WAV in the bench scratch folder, converted once. */
export function to16k(path: string, name: string): string {
	mkdirSync(dir, { recursive: true });
	const out = join(dir, name);
	if (!existsSync(out))
		execFileSync("sox", [
			"-R",
			path,
			"-r",
			"16000",
			"-c",
			"1",
			"-b",
			"16",
			out,
		]);
	return out;
}

const FALLBACK = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"i would like a cup of coffee",
	"open the door",
	"the long journey home took a year",
	"small children came to see him",
];

export { sharedDir };
