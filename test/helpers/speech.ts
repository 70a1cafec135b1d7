import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waveHeader } from "../../src/protocol/wav-header.js";

const dir = mkdtempSync(join(tmpdir(), "earshot-speech-"));
let count = 0;

/** The header a client sends before streaming this speech: 16 kHz, mono, 16-bit PCM. */
export const SPEECH_WAV_HEADER = waveHeader({
	sampleRate: 16000,
	channels: 1,
	bitsPerSample: 16,
	encoding: "pcm",
});

/**
 * Speaks `text` with flite into a 16 kHz mono 16-bit WAV and returns its path. Real
 * synthesized speech, for tests that must run without ../shared.
 */
export function synthesize(
	text: string,
	options: { rate?: number; voice?: string } = {},
): string {
	const raw = join(dir, `tts-${count}.raw.wav`);
	const out = join(dir, `tts-${count++}.wav`);
	execFileSync("flite", [
		"-voice",
		options.voice ?? "slt",
		"-t",
		text,
		"-o",
		raw,
	]);
	execFileSync("sox", [
		"-R",
		raw,
		"-r",
		String(options.rate ?? 16000),
		"-c",
		"1",
		"-b",
		"16",
		out,
	]);
	return out;
}

/** Joins WAV files with `gapSeconds` of silence between them (and around them). */
export function withPauses(
	files: string[],
	gapSeconds: number,
	rate = 16000,
): string {
	const out = join(dir, `joined-${count++}.wav`);
	const silence = join(dir, `silence-${count++}.wav`);
	execFileSync("sox", [
		"-R",
		"-n",
		"-r",
		String(rate),
		"-c",
		"1",
		"-b",
		"16",
		silence,
		"trim",
		"0",
		String(gapSeconds),
	]);
	const parts = [silence];
	for (const f of files) parts.push(f, silence);
	execFileSync("sox", ["-R", ...parts, out]);
	return out;
}
