import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A scratch folder for the audio tests' generated files. */
export const scratch = mkdtempSync(join(tmpdir(), "earshot-audio-"));

let count = 0;
/** A fresh path in the scratch folder with extension `ext`. */
export function scratchPath(ext: string): string {
	return join(scratch, `f${count++}.${ext}`);
}

export function sox(...args: string[]): void {
	execFileSync("sox", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A sine of `freq` Hz at amplitude `amp` as a 16-bit mono WAV. */
export function sine(
	options: {
		rate?: number;
		freq?: number;
		seconds?: number;
		amp?: number;
	} = {},
): string {
	const { rate = 16000, freq = 440, seconds = 1, amp = 0.5 } = options;
	const out = scratchPath("wav");
	sox(
		"-n",
		"-r",
		String(rate),
		"-b",
		"16",
		"-c",
		"1",
		out,
		"synth",
		String(seconds),
		"sine",
		String(freq),
		"vol",
		String(amp),
	);
	return out;
}

/** The file's samples as sox reads them, mono 16-bit: the reference decoding. */
export function soxSamples(file: string): Float32Array {
	const raw = execFileSync(
		"sox",
		["-D", file, "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-"],
		{
			maxBuffer: 1 << 30,
		},
	);
	const out = new Float32Array(raw.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = raw.readInt16LE(i * 2) / 32768;
	return out;
}

/** Duration in seconds as soxi reports it. */
export function soxSeconds(file: string): number {
	return Number(execFileSync("soxi", ["-D", file]).toString());
}

export function rms(samples: Float32Array): number {
	let sum = 0;
	for (const s of samples) sum += s * s;
	return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Sign changes per second: twice the frequency of a pure tone. */
export function crossingsPerSecond(
	samples: Float32Array,
	rate: number,
): number {
	let n = 0;
	for (let i = 1; i < samples.length; i++)
		if (samples[i - 1] < 0 !== samples[i] < 0) n++;
	return n / (samples.length / rate);
}

export function maxDifference(a: Float32Array, b: Float32Array): number {
	let max = 0;
	for (let i = 0; i < Math.min(a.length, b.length); i++)
		max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

/** Collects every chunk a source yields into one array. */
export async function collect(
	chunks: AsyncIterable<Float32Array>,
): Promise<{ samples: Float32Array; sizes: number[] }> {
	const parts: Float32Array[] = [];
	for await (const chunk of chunks) parts.push(chunk);
	const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		samples.set(p, at);
		at += p.length;
	}
	return { samples, sizes: parts.map((p) => p.length) };
}
