"""Continuous recognition from the default microphone with the official Azure Speech SDK for
Python, pointed at `earshot serve` instead of Azure: the only change from a cloud app is the
`host=` in SpeechConfig.

    pip install azure-cognitiveservices-speech
    earshot serve &
    python continuous_recognition.py [--host ws://127.0.0.1:5000] [--key KEY]

The host and key may also come from EARSHOT_HOST and EARSHOT_KEY. Press ENTER to stop; the exit
code is 0 when recognition stopped without an error, else 1.
"""

import argparse
import os
import sys
import threading

import azure.cognitiveservices.speech as speechsdk


def parse_args():
    parser = argparse.ArgumentParser(
        description="Recognize the default microphone through earshot serve until ENTER."
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("EARSHOT_HOST", "ws://127.0.0.1:5000"),
        help="the server's ws:// URL (default: $EARSHOT_HOST or ws://127.0.0.1:5000)",
    )
    parser.add_argument(
        "--key",
        default=os.environ.get("EARSHOT_KEY"),
        help="the server's --key, if it has one (default: $EARSHOT_KEY)",
    )
    parser.add_argument("--language", default="en-US", help="default: en-US")
    return parser.parse_args()


def main():
    args = parse_args()

    if args.key:
        speech_config = speechsdk.SpeechConfig(
            host=args.host, subscription=args.key, speech_recognition_language=args.language
        )
    else:
        speech_config = speechsdk.SpeechConfig(
            host=args.host, speech_recognition_language=args.language
        )
    audio_config = speechsdk.audio.AudioConfig(use_default_microphone=True)
    recognizer = speechsdk.SpeechRecognizer(
        speech_config=speech_config, audio_config=audio_config
    )

    stopped = threading.Event()
    failed = False
    output = threading.Lock()

    def say(*lines):
        """Writes whole lines at once: the SDK calls back on its own threads."""
        with output:
            sys.stdout.write("".join(f"{line}\n" for line in lines))
            sys.stdout.flush()

    def on_recognizing(event):
        say(f"RECOGNIZING: {event.result.text}")

    def on_recognized(event):
        if event.result.reason == speechsdk.ResultReason.RecognizedSpeech:
            say(f"RECOGNIZED: {event.result.text}", "")
        elif event.result.reason == speechsdk.ResultReason.NoMatch:
            say("NOMATCH: Speech could not be recognized.", "")

    def on_session_started(event):
        say(f"SESSION STARTED: {event.session_id}", "")

    def on_session_stopped(event):
        say(f"SESSION STOPPED: {event.session_id}")
        stopped.set()

    def on_canceled(event):
        nonlocal failed
        details = event.cancellation_details
        lines = [f"CANCELED: Reason={details.reason}"]
        if details.reason == speechsdk.CancellationReason.EndOfStream:
            lines.append("CANCELED: the audio stream ended.")
        elif details.reason == speechsdk.CancellationReason.Error:
            failed = True
            lines.append(f"CANCELED: ErrorCode={details.code}")
            lines.append(f"CANCELED: ErrorDetails={details.error_details}")
        say(*lines)

    recognizer.recognizing.connect(on_recognizing)
    recognizer.recognized.connect(on_recognized)
    recognizer.session_started.connect(on_session_started)
    recognizer.session_stopped.connect(on_session_stopped)
    recognizer.canceled.connect(on_canceled)

    stopping = threading.Event()

    def stop_on_enter():
        sys.stdin.readline()  # a line, or the end of the input
        stopping.set()
        recognizer.stop_continuous_recognition()

    recognizer.start_continuous_recognition()
    say("Listening, press ENTER to stop...")
    enter = threading.Thread(target=stop_on_enter, daemon=True)
    enter.start()
    stopped.wait()
    # The SDK's threads must be done with Python before the interpreter exits, or the process
    # aborts: wait for the stop call to return, then release the recognizer here.
    if stopping.is_set():
        enter.join()
    for signal in (
        recognizer.recognizing,
        recognizer.recognized,
        recognizer.session_started,
        recognizer.session_stopped,
        recognizer.canceled,
    ):
        signal.disconnect_all()
    del recognizer
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
