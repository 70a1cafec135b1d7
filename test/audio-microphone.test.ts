import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { MicrophoneError, openMicrophone } from "../src/audio/microphone.js";
import type { AudioSource } from "../src/audio/source.js";
import { collect, rms, soxSamples, soxSeconds } from "./audio-fixtures.js";
import { noPulseReason, type Pulse, startPulse } from "./helpers/pulse.js";
import { synthesize } from "./helpers/speech.js";

const speech = synthesize("Testing the microphone, one two three.");
const speechSeconds = soxSeconds(speech);
const speechLoud = loudSeconds(soxSamples(speech), 16000);

function which(tool: string): string {
	return execFileSync("which", [tool]).toString().trim();
}

function onPath(tool: string): boolean {
	try {
		return which(tool) !== "";
	} catch {
		return false;
	}
}

/** Seconds of 100 ms windows loud enough to be speech. */
function loudSeconds(samples: Float32Array, rate: number): number {
	const size = rate / 10;
	let loud = 0;
	for (let at = 0; at + size <= samples.length; at += size)
		if (rms(samples.subarray(at, at + size)) > 0.01) loud++;
	return loud / 10;
}

/** Captures from `source` while `play` runs, then for `tail` ms more. */
async function captureWhile(
	source: AudioSource,
	play: () => Promise<void>,
	tail = 300,
): Promise<Float32Array> {
	const captured = collect(source.chunks());
	// Let the capture tool connect before the sound starts.
	await new Promise((r) => setTimeout(r, 500));
	await play();
	await new Promise((r) => setTimeout(r, tail));
	source.close();
	return (await captured).samples;
}

describe("microphone through a headless PulseAudio", {
	skip: noPulseReason,
}, () => {
	let pulse: Pulse;
	before(async () => {
		pulse = await startPulse();
	});
	after(async () => {
		await pulse?.stop();
	});

	/** Runs `body` with only `tools` on PATH and `env` set, restoring both after the test. */
	const withOnly = (
		t: TestContext,
		tools: string[],
		env: Record<string, string> = {},
	) => {
		const bin = mkdtempSync(join(tmpdir(), "earshot-bin-"));
		for (const tool of tools) symlinkSync(which(tool), join(bin, tool));
		const saved = { ...process.env };
		Object.assign(process.env, { PATH: bin, ...env });
		t.after(() => {
			for (const key of ["PATH", ...Object.keys(env)]) {
				if (saved[key] === undefined) delete process.env[key];
				else process.env[key] = saved[key];
			}
		});
	};

	const hearsSpeech = async (source: AudioSource) => {
		assert.equal(source.live, true);
		assert.equal(source.sampleRate, 16000);
		const samples = await captureWhile(source, () => pulse.play(speech));
		const loud = loudSeconds(samples, 16000);
		assert.ok(
			samples.length / 16000 > speechSeconds,
			`captured ${samples.length / 16000} s of ${speechSeconds} s`,
		);
		assert.ok(
			Math.abs(loud - speechLoud) <= 0.3,
			`${loud} s loud, the file has ${speechLoud} s`,
		);
		assert.ok(
			rms(samples.subarray(0, 4000)) < 0.001,
			"silence before the speech",
		);
	};

	for (const tool of ["arecord", "parec", "sox", "ffmpeg"]) {
		test(`${tool} hears speech played into the default source`, {
			skip: onPath(tool) ? false : `${tool} is not installed`,
		}, async (t) => {
			withOnly(t, [tool]);
			await hearsSpeech(openMicrophone());
		});
	}

	test("arecord without a usable ALSA device gives way to parec", async (t) => {
		const config = join(
			mkdtempSync(join(tmpdir(), "earshot-alsa-")),
			"asound.conf",
		);
		writeFileSync(config, "");
		withOnly(t, ["arecord", "parec"], { ALSA_CONFIG_PATH: config });
		await hearsSpeech(openMicrophone());
	});

	test("close ends the capture promptly", async () => {
		const source = openMicrophone();
		setTimeout(() => source.close(), 400);
		// A capture that went on after close would hold far more than 0.4 s of audio.
		const { samples } = await collect(source.chunks());
		assert.ok(
			samples.length > 0 && samples.length < 16000,
			`${samples.length} samples in 0.4 s`,
		);
	});

	test("a device that does not exist rejects with every tool's own error", async () => {
		const source = openMicrophone("earshot_no_such_device");
		await assert.rejects(collect(source.chunks()), (error: Error) => {
			assert.ok(error instanceof MicrophoneError);
			assert.match(
				error.message,
				/^microphone capture failed: arecord: .+; parec: .+/,
			);
			return true;
		});
	});
});

test("no capture tool at all names the packages to install", async (t) => {
	const saved = process.env.PATH;
	process.env.PATH = "/nonexistent";
	t.after(() => {
		process.env.PATH = saved;
	});
	const source = openMicrophone();
	await assert.rejects(
		collect(source.chunks()),
		/no audio capture tool found.*apt-get install alsa-utils/,
	);
});
