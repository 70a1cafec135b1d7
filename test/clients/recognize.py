"""The official Azure Speech SDK for Python as a test and benchmark client of `earshot serve`.

    python recognize.py PLAN_JSON

PLAN_JSON: {"host": "ws://…", "key"?: str, "input": "file" | "push" | "pull", "wav": path,
"realtime"?: bool (push at real-time pace), "mode": "continuous" | "once", "detailed"?: bool,
"wordTimestamps"?: bool, "properties"?: {PropertyId name: str}, "phrases"?: [str]}.

Prints one JSON line per SDK event, with `at`: seconds since audio time 0 was due (realtime
push) or since recognition started. The last line is {"event": "done"}.
"""

import json
import sys
import threading
import time
import wave

import azure.cognitiveservices.speech as speechsdk

CHUNK_SECONDS = 0.1
started = time.monotonic()
lock = threading.Lock()


def emit(event, **fields):
    with lock:
        print(json.dumps({"event": event, "at": time.monotonic() - started, **fields}), flush=True)


def result_fields(result):
    fields = {
        "reason": result.reason.name,
        "text": result.text,
        "offset": result.offset,
        "duration": result.duration,
        "json": result.json,
    }
    if result.reason == speechsdk.ResultReason.NoMatch:
        fields["noMatchReason"] = result.no_match_details.reason.name
    if result.reason == speechsdk.ResultReason.Canceled:
        details = result.cancellation_details
        fields["cancellation"] = {
            "reason": details.reason.name,
            "code": details.code.name,
            "details": details.error_details,
        }
    return fields


def speech_config(plan):
    options = {"host": plan["host"], "speech_recognition_language": "en-US"}
    if plan.get("key"):
        options["subscription"] = plan["key"]
    config = speechsdk.SpeechConfig(**options)
    if plan.get("detailed"):
        config.output_format = speechsdk.OutputFormat.Detailed
    if plan.get("wordTimestamps"):
        config.request_word_level_timestamps()
    for name, value in plan.get("properties", {}).items():
        config.set_property(speechsdk.PropertyId[name], value)
    return config


def read_wav(path):
    with wave.open(path, "rb") as wav:
        stream_format = speechsdk.audio.AudioStreamFormat(
            samples_per_second=wav.getframerate(),
            bits_per_sample=wav.getsampwidth() * 8,
            channels=wav.getnchannels(),
        )
        bytes_per_second = wav.getframerate() * wav.getsampwidth() * wav.getnchannels()
        return stream_format, bytes_per_second, wav.readframes(wav.getnframes())


class Pull(speechsdk.audio.PullAudioInputStreamCallback):
    def __init__(self, pcm):
        super().__init__()
        self.pcm = pcm
        self.at = 0

    def read(self, buffer):
        size = min(len(buffer), len(self.pcm) - self.at)
        buffer[:size] = self.pcm[self.at : self.at + size]
        self.at += size
        return size

    def close(self):
        pass


def push_audio(stream, pcm, bytes_per_second, realtime):
    """Writes 100 ms pieces, at real-time pace when asked: audio up to a piece's end exists once its time has come."""
    global started
    chunk = int(bytes_per_second * CHUNK_SECONDS) & ~1
    started = time.monotonic()
    for at in range(0, len(pcm), chunk):
        end = min(at + chunk, len(pcm))
        if realtime:
            time.sleep(max(0.0, started + end / bytes_per_second - time.monotonic()))
        stream.write(pcm[at:end])
    stream.close()


def main():
    plan = json.loads(sys.argv[1])
    config = speech_config(plan)
    pusher = None
    if plan["input"] == "file":
        audio = speechsdk.audio.AudioConfig(filename=plan["wav"])
    else:
        stream_format, bytes_per_second, pcm = read_wav(plan["wav"])
        if plan["input"] == "push":
            stream = speechsdk.audio.PushAudioInputStream(stream_format=stream_format)
            pusher = lambda: push_audio(stream, pcm, bytes_per_second, plan.get("realtime"))
        else:
            stream = speechsdk.audio.PullAudioInputStream(Pull(pcm), stream_format)
        audio = speechsdk.audio.AudioConfig(stream=stream)
    recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=audio)
    if plan.get("phrases"):
        phrase_list = speechsdk.PhraseListGrammar.from_recognizer(recognizer)
        for phrase in plan["phrases"]:
            phrase_list.addPhrase(phrase)

    stopped = threading.Event()
    recognizer.session_started.connect(lambda e: emit("sessionStarted", sessionId=e.session_id))
    recognizer.speech_start_detected.connect(lambda e: emit("speechStartDetected", offset=e.offset))
    recognizer.speech_end_detected.connect(lambda e: emit("speechEndDetected", offset=e.offset))
    recognizer.recognizing.connect(lambda e: emit("recognizing", **result_fields(e.result)))
    recognizer.recognized.connect(lambda e: emit("recognized", **result_fields(e.result)))

    def canceled(event):
        details = event.cancellation_details
        emit(
            "canceled",
            reason=details.reason.name,
            code=details.code.name,
            details=details.error_details,
        )

    recognizer.canceled.connect(canceled)

    def session_stopped(event):
        emit("sessionStopped", sessionId=event.session_id)
        stopped.set()

    recognizer.session_stopped.connect(session_stopped)

    if plan["mode"] == "once":
        if pusher:
            threading.Thread(target=pusher, daemon=True).start()
        result = recognizer.recognize_once()
        emit("result", **result_fields(result))
    else:
        recognizer.start_continuous_recognition()
        if pusher:
            pusher()
        stopped.wait()
        recognizer.stop_continuous_recognition()
    # Released here, so that no SDK thread calls into Python while the interpreter exits.
    for signal in (
        recognizer.session_started,
        recognizer.speech_start_detected,
        recognizer.speech_end_detected,
        recognizer.recognizing,
        recognizer.recognized,
        recognizer.canceled,
        recognizer.session_stopped,
    ):
        signal.disconnect_all()
    del recognizer
    emit("done")


if __name__ == "__main__":
    main()
