/**
 * The RIFF header that opens each turn's audio. The SDK sends a 44-byte canonical header with
 * RIFF and data sizes 0 (open-ended), format tag 1 (PCM), 6 (A-law) or 7 (mu-law), alone in the
 * first audio message (sdk/Audio/AudioStreamFormat.js); PCM samples follow in later messages.
 */

import {
	type PcmFormat,
	parseWavHeader,
	type WavHeader,
} from "../audio/pcm.js";
import { AudioFormatError } from "../audio/source.js";
import { ProtocolError } from "./frame.js";

export const WAV_HEADER_BYTES = 44;

const FORMAT_TAGS = {
	pcm: 1,
	float: 3,
	alaw: 6,
	mulaw: 7,
} as const satisfies Record<PcmFormat["encoding"], number>;

/**
 * Reads the header from a turn's first audio payload; `dataOffset` says where any samples
 * after it start. Throws ProtocolError when the payload is not a complete, supported header.
 */
export function parseAudioHeader(payload: Uint8Array): WavHeader {
	let header: WavHeader | undefined;
	try {
		header = parseWavHeader(payload, "first audio message");
	} catch (error) {
		if (error instanceof AudioFormatError)
			throw new ProtocolError(error.message);
		throw error;
	}
	if (!header)
		throw new ProtocolError(
			"first audio message does not hold a complete RIFF/WAVE header",
		);
	return header;
}

/** A streaming WAV header for `format`, byte for byte like the SDK's. */
export function waveHeader(format: PcmFormat): Uint8Array {
	const header = new Uint8Array(WAV_HEADER_BYTES);
	const view = new DataView(header.buffer);
	const bytesPerFrame = format.channels * (format.bitsPerSample / 8);
	writeAscii(header, 0, "RIFF");
	view.setUint32(4, 0, true);
	writeAscii(header, 8, "WAVEfmt ");
	view.setUint32(16, 16, true);
	view.setUint16(20, FORMAT_TAGS[format.encoding], true);
	view.setUint16(22, format.channels, true);
	view.setUint32(24, format.sampleRate, true);
	view.setUint32(28, format.sampleRate * bytesPerFrame, true);
	view.setUint16(32, bytesPerFrame, true);
	view.setUint16(34, format.bitsPerSample, true);
	writeAscii(header, 36, "data");
	view.setUint32(40, 0, true);
	return header;
}

function writeAscii(bytes: Uint8Array, at: number, text: string): void {
	for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
}
