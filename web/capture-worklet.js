/**
 * Microphone capture: down-samples the context's rate to 16 kHz and posts 100 ms chunks of
 * 16-bit PCM (ArrayBuffers) to the page. Each output sample is the mean of the input samples
 * it spans, a box low-pass that is enough against aliasing for speech.
 */

const TARGET_RATE = 16000;
const CHUNK_SAMPLES = TARGET_RATE / 10;

class CaptureProcessor extends AudioWorkletProcessor {
	constructor() {
		super();
		// The context runs at the device's rate (44.1 or 48 kHz, never below 16 kHz here).
		this.step = sampleRate / TARGET_RATE;
		this.next = this.step;
		this.position = 0;
		this.sum = 0;
		this.count = 0;
		this.chunk = new Int16Array(CHUNK_SAMPLES);
		this.filled = 0;
	}

	process(inputs) {
		const channel = inputs[0]?.[0];
		if (!channel) return true;
		for (let i = 0; i < channel.length; i++) {
			this.sum += channel[i];
			this.count++;
			this.position++;
			if (this.position >= this.next) {
				this.next += this.step;
				this.emit(this.sum / this.count);
				this.sum = 0;
				this.count = 0;
			}
		}
		return true;
	}

	emit(sample) {
		const clipped = Math.max(-1, Math.min(1, sample));
		this.chunk[this.filled++] = Math.round(clipped * 32767);
		if (this.filled === CHUNK_SAMPLES) {
			this.port.postMessage(this.chunk.buffer, [this.chunk.buffer]);
			this.chunk = new Int16Array(CHUNK_SAMPLES);
			this.filled = 0;
		}
	}
}

registerProcessor("earshot-capture", CaptureProcessor);
