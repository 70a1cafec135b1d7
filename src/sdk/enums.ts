// Names and numeric values match microsoft-cognitiveservices-speech-sdk, so code moves over unchanged.

export enum ResultReason {
	NoMatch = 0,
	Canceled = 1,
	RecognizingSpeech = 2,
	RecognizedSpeech = 3,
}

export enum CancellationReason {
	Error = 0,
	EndOfStream = 1,
}

export enum CancellationErrorCode {
	NoError = 0,
	AuthenticationFailure = 1,
	BadRequestParameters = 2,
	TooManyRequests = 3,
	ConnectionFailure = 4,
	ServiceTimeout = 5,
	ServiceError = 6,
	RuntimeError = 7,
	Forbidden = 8,
}

export enum NoMatchReason {
	NotRecognized = 0,
	InitialSilenceTimeout = 1,
	InitialBabbleTimeout = 2,
}

export enum OutputFormat {
	Simple = 0,
	Detailed = 1,
}

export enum ProfanityOption {
	Masked = 0,
	Removed = 1,
	Raw = 2,
}

export enum PropertyId {
	SpeechServiceConnection_Key = 0,
	SpeechServiceConnection_Endpoint = 1,
	SpeechServiceConnection_Region = 2,
	SpeechServiceAuthorization_Token = 3,
	SpeechServiceAuthorization_Type = 4,
	SpeechServiceConnection_EndpointId = 5,
	SpeechServiceConnection_RecoMode = 14,
	SpeechServiceConnection_RecoLanguage = 15,
	Speech_SessionId = 16,
	SpeechServiceResponse_RequestDetailedResultTrueFalse = 21,
	SpeechServiceResponse_RequestProfanityFilterTrueFalse = 22,
	SpeechServiceResponse_JsonResult = 23,
	SpeechServiceResponse_JsonErrorDetails = 24,
	CancellationDetails_Reason = 25,
	CancellationDetails_ReasonText = 26,
	CancellationDetails_ReasonDetailedText = 27,
	SpeechServiceConnection_Url = 28,
	SpeechServiceConnection_InitialSilenceTimeoutMs = 29,
	SpeechServiceConnection_EndSilenceTimeoutMs = 30,
	Speech_SegmentationSilenceTimeoutMs = 31,
	Speech_SegmentationMaximumTimeMs = 32,
	Speech_SegmentationStrategy = 33,
	SpeechServiceResponse_ProfanityOption = 39,
	SpeechServiceResponse_PostProcessingOption = 40,
	SpeechServiceResponse_RequestWordLevelTimestamps = 41,
	SpeechServiceResponse_OutputFormatOption = 43,
	SpeechServiceConnection_Host = 58,
}
