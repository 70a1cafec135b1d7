/**
 * Where the latency bench counts speech from and to (bench/latency.ts `speechBounds`), on flite
 * speech with noise around it, through Debian's libpocketsphinx3 aligner.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { duration } from "../bench/corpus.js";
import { speechBounds } from "../bench/latency.js";
import { synthesize, withPauses } from "./helpers/speech.js";

const dir = mkdtempSync(join(tmpdir(), "earshot-bounds-"));
const TEXT = "the birch canoe slid on the smooth planks";
const GAP = 1.5;
const AROUND = 0.5;

/** `speech` with AROUND s of `sound` before and after it: 16 kHz mono WAV. */
function surround(speech: string, sound: "noise" | "silence"): string {
	const pad = join(dir, `${sound}.wav`);
	execFileSync("sox", [
		"-n",
		...["-r", "16000", "-c", "1", "-b", "16"],
		pad,
		"synth",
		String(AROUND),
		...(sound === "noise" ? ["whitenoise", "vol", "0.03"] : ["sine", "0"]),
	]);
	const out = join(dir, `${sound}-speech.wav`);
	execFileSync("sox", [pad, speech, pad, out]);
	return out;
}

/** The bounds of one utterance, paced as the bench paces its corpus. */
async function boundsOf(file: string) {
	const paced = withPauses([file], GAP);
	const span = { start: GAP, end: GAP + duration(file) };
	const [bounds] = await speechBounds({
		source: "test",
		utterances: [{ file, reference: TEXT }],
		long: paced,
		paced: { file: paced, spans: [span] },
	});
	assert.ok(bounds);
	return bounds;
}

const speech = synthesize(TEXT);
const speechSeconds = duration(speech);

test("noise louder than −40 dBFS around an utterance: its speech is counted from the first word to the last, not from the noise", async () => {
	const { onset, end } = await boundsOf(surround(speech, "noise"));
	const from = GAP + AROUND;
	const to = from + speechSeconds;
	// 10 ms frames, and flite's own lead-in and tail of silence within its file.
	assert.ok(onset > from - 0.05 && onset < from + 0.3, `onset ${onset}`);
	assert.ok(end < to + 0.05 && end > to - 0.3, `end ${end}`);
});

test("silence around an utterance: the bounds are within its sound, wherever the alignment stretches a word", async () => {
	const { onset, end } = await boundsOf(surround(speech, "silence"));
	const from = GAP + AROUND;
	const to = from + speechSeconds;
	assert.ok(onset >= from && onset < from + 0.3, `onset ${onset}`);
	assert.ok(end <= to && end > to - 0.3, `end ${end}`);
});
