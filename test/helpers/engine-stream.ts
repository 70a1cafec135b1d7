import { openAudioFile } from "../../src/audio/decode.js";
import { createResampler } from "../../src/audio/resample.js";
import type { EngineStream } from "../../src/engines/engine.js";
import { synthesize } from "./speech.js";

/** `text` spoken by flite, as 16 kHz samples for an engine stream. */
export function spokenSamples(text: string): Promise<Float32Array> {
	return fileSamples(synthesize(text, { voice: "awb" }));
}

/** An audio file as 16 kHz samples for an engine stream. */
export async function fileSamples(file: string): Promise<Float32Array> {
	const { samples, sampleRate } = await openAudioFile(file);
	return createResampler(sampleRate, 16000).process(samples);
}

/** Writes `samples` to `stream` in 100 ms pieces, flushes it, and joins every segment's text. */
export async function recognizeStream(
	stream: EngineStream,
	samples: Float32Array,
): Promise<string> {
	const texts: string[] = [];
	for (let at = 0; at < samples.length; at += 1600) {
		const update = await stream.write(samples.subarray(at, at + 1600));
		for (const s of update.ended) if (s.result) texts.push(s.result.text);
	}
	const last = await stream.finalize();
	if (last?.result) texts.push(last.result.text);
	return texts.join(" ");
}
