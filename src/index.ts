// The public API: Azure Speech SDK names, on local engines.
export {
	AudioConfig,
	AudioInputStream,
	AudioStreamFormat,
	PullAudioInputStream,
	PullAudioInputStreamCallback,
	PushAudioInputStream,
} from "./sdk/audio-config.js";
export {
	CancellationErrorCode,
	CancellationReason,
	NoMatchReason,
	OutputFormat,
	ProfanityOption,
	PropertyId,
	ResultReason,
} from "./sdk/enums.js";
export { PhraseListGrammar } from "./sdk/phrase-list.js";
export { PropertyCollection } from "./sdk/properties.js";
export { type RecognizerEvent, SpeechRecognizer } from "./sdk/recognizer.js";
export {
	CancellationDetails,
	NoMatchDetails,
	RecognitionEventArgs,
	SessionEventArgs,
	SpeechRecognitionCanceledEventArgs,
	SpeechRecognitionEventArgs,
	SpeechRecognitionResult,
} from "./sdk/results.js";
export {
	EarshotProperty,
	EmbeddedSpeechConfig,
	SpeechConfig,
} from "./sdk/speech-config.js";
