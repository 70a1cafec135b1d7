import com.microsoft.cognitiveservices.speech.CancellationDetails;
import com.microsoft.cognitiveservices.speech.ResultReason;
import com.microsoft.cognitiveservices.speech.SpeechConfig;
import com.microsoft.cognitiveservices.speech.SpeechRecognitionResult;
import com.microsoft.cognitiveservices.speech.SpeechRecognizer;
import com.microsoft.cognitiveservices.speech.audio.AudioConfig;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/**
 * The official Azure Speech SDK for Java as a test client of `earshot serve`.
 *
 * <p>java Recognize HOST WAV continuous|once [KEY] — one JSON line per SDK event, then
 * {"event":"done"}.
 */
public class Recognize {
    public static void main(String[] args) throws Exception {
        SpeechConfig config =
                args.length > 3
                        ? SpeechConfig.fromHost(new URI(args[0]), args[3])
                        : SpeechConfig.fromHost(new URI(args[0]));
        config.setSpeechRecognitionLanguage("en-US");
        AudioConfig audio = AudioConfig.fromWavFileInput(args[1]);
        SpeechRecognizer recognizer = new SpeechRecognizer(config, audio);
        CountDownLatch stopped = new CountDownLatch(1);
        recognizer.sessionStarted.addEventListener((s, e) -> emit("sessionStarted", ""));
        recognizer.speechStartDetected.addEventListener(
                (s, e) -> emit("speechStartDetected", ",\"offset\":" + e.offset));
        recognizer.speechEndDetected.addEventListener(
                (s, e) -> emit("speechEndDetected", ",\"offset\":" + e.offset));
        recognizer.recognizing.addEventListener((s, e) -> emit("recognizing", result(e.getResult())));
        recognizer.recognized.addEventListener((s, e) -> emit("recognized", result(e.getResult())));
        recognizer.canceled.addEventListener(
                (s, e) ->
                        emit(
                                "canceled",
                                ",\"reason\":" + quote(e.getReason().name())
                                        + ",\"code\":" + quote(e.getErrorCode().name())
                                        + ",\"details\":" + quote(e.getErrorDetails())));
        recognizer.sessionStopped.addEventListener(
                (s, e) -> {
                    emit("sessionStopped", "");
                    stopped.countDown();
                });
        if (args[2].equals("once")) {
            SpeechRecognitionResult result = recognizer.recognizeOnceAsync().get();
            String fields = result(result);
            if (result.getReason() == ResultReason.Canceled) {
                CancellationDetails details = CancellationDetails.fromResult(result);
                fields += ",\"code\":" + quote(details.getErrorCode().name())
                        + ",\"details\":" + quote(details.getErrorDetails());
            }
            emit("result", fields);
        } else {
            recognizer.startContinuousRecognitionAsync().get();
            stopped.await();
            recognizer.stopContinuousRecognitionAsync().get();
        }
        emit("done", "");
        recognizer.close();
        audio.close();
        config.close();
    }

    private static String result(SpeechRecognitionResult result) {
        return ",\"reason\":" + quote(result.getReason().name())
                + ",\"text\":" + quote(result.getText())
                + ",\"offset\":" + result.getOffset()
                + ",\"duration\":" + result.getDuration();
    }

    private static synchronized void emit(String event, String fields) {
        System.out.println("{\"event\":" + quote(event) + fields + "}");
        System.out.flush();
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
