import { type EngineChoice, parseThreads } from "../engines/select.js";
import { OutputFormat, ProfanityOption, PropertyId } from "./enums.js";
import { PropertyCollection } from "./properties.js";

/** Names of earshot's own properties, beside Azure's `PropertyId`s. */
export const EarshotProperty = {
	/** `pocketsphinx` or `sherpa`. */
	Engine: "Earshot_Engine",
	/** A model directory, as given to `EmbeddedSpeechConfig.fromPath`. */
	ModelPath: "Earshot_ModelPath",
	/** A model's name, as in `earshot models list`. */
	ModelName: "Earshot_ModelName",
	/** Decoding threads of a sherpa-onnx model; default EARSHOT_THREADS, else 2 (Moonshine: 1 a decode). */
	NumThreads: "Earshot_NumThreads",
	/**
	 * PocketSphinx's search passes: `fwdtree+bestpath` (default), `fwdtree+fwdflat+bestpath`
	 * (a second full search when a phrase ends: slower finals) or `fwdtree`; default EARSHOT_PASSES.
	 */
	PocketSphinxPasses: "Earshot_PocketSphinxPasses",
} as const;

/**
 * Azure's SpeechConfig. `fromSubscription` is accepted so Azure code runs unchanged; offline,
 * the key and region are kept but not needed.
 */
export class SpeechConfig {
	readonly properties = new PropertyCollection();

	protected constructor() {
		this.speechRecognitionLanguage = "en-US";
	}

	static fromSubscription(
		subscriptionKey: string,
		region: string,
	): SpeechConfig {
		const config = new SpeechConfig();
		config.properties.setProperty(
			PropertyId.SpeechServiceConnection_Key,
			subscriptionKey,
		);
		config.properties.setProperty(
			PropertyId.SpeechServiceConnection_Region,
			region,
		);
		return config;
	}

	/** Remote mode: recognize on a speech server (`earshot serve`, or an Azure container) at `host`. */
	static fromHost(host: URL | string, subscriptionKey?: string): SpeechConfig {
		return SpeechConfig.remote(
			PropertyId.SpeechServiceConnection_Host,
			host,
			subscriptionKey,
		);
	}

	/** Remote mode on a full endpoint URL; its path and query are kept. */
	static fromEndpoint(
		endpoint: URL | string,
		subscriptionKey?: string,
	): SpeechConfig {
		return SpeechConfig.remote(
			PropertyId.SpeechServiceConnection_Endpoint,
			endpoint,
			subscriptionKey,
		);
	}

	private static remote(
		id: PropertyId,
		url: URL | string,
		key: string | undefined,
	): SpeechConfig {
		const config = new SpeechConfig();
		config.properties.setProperty(id, new URL(url).toString());
		if (key)
			config.properties.setProperty(
				PropertyId.SpeechServiceConnection_Key,
				key,
			);
		return config;
	}

	static fromAuthorizationToken(token: string, region: string): SpeechConfig {
		const config = new SpeechConfig();
		config.properties.setProperty(
			PropertyId.SpeechServiceAuthorization_Token,
			token,
		);
		config.properties.setProperty(
			PropertyId.SpeechServiceConnection_Region,
			region,
		);
		return config;
	}

	get speechRecognitionLanguage(): string {
		return this.properties.getProperty(
			PropertyId.SpeechServiceConnection_RecoLanguage,
		);
	}

	set speechRecognitionLanguage(language: string) {
		this.properties.setProperty(
			PropertyId.SpeechServiceConnection_RecoLanguage,
			language,
		);
	}

	get outputFormat(): OutputFormat {
		return outputFormatOf(this.properties);
	}

	set outputFormat(format: OutputFormat) {
		this.properties.setProperty(
			PropertyId.SpeechServiceResponse_OutputFormatOption,
			format === OutputFormat.Detailed ? "DETAILED" : "SIMPLE",
		);
	}

	get subscriptionKey(): string {
		return this.properties.getProperty(PropertyId.SpeechServiceConnection_Key);
	}

	get region(): string {
		return this.properties.getProperty(
			PropertyId.SpeechServiceConnection_Region,
		);
	}

	get authorizationToken(): string {
		return this.properties.getProperty(
			PropertyId.SpeechServiceAuthorization_Token,
		);
	}

	set authorizationToken(token: string) {
		this.properties.setProperty(
			PropertyId.SpeechServiceAuthorization_Token,
			token,
		);
	}

	get endpointId(): string {
		return this.properties.getProperty(
			PropertyId.SpeechServiceConnection_EndpointId,
		);
	}

	set endpointId(id: string) {
		this.properties.setProperty(
			PropertyId.SpeechServiceConnection_EndpointId,
			id,
		);
	}

	setProperty(name: PropertyId | string, value: string): void {
		this.properties.setProperty(name, value);
	}

	getProperty(name: PropertyId | string, defaultValue?: string): string {
		return this.properties.getProperty(name, defaultValue);
	}

	setProfanity(option: ProfanityOption): void {
		this.properties.setProperty(
			PropertyId.SpeechServiceResponse_ProfanityOption,
			ProfanityOption[option],
		);
	}

	requestWordLevelTimestamps(): void {
		this.properties.setProperty(
			PropertyId.SpeechServiceResponse_RequestWordLevelTimestamps,
			"true",
		);
	}

	enableDictation(): void {
		this.properties.setProperty(
			PropertyId.SpeechServiceConnection_RecoMode,
			"DICTATION",
		);
	}

	/** Audio logging is a service feature; offline there is nothing to log to. Accepted for compatibility. */
	enableAudioLogging(): void {}

	close(): void {}
}

/** Azure's name for on-device models: `fromPath` points at a model directory. */
export class EmbeddedSpeechConfig extends SpeechConfig {
	static fromPath(path: string): EmbeddedSpeechConfig {
		const config = new EmbeddedSpeechConfig();
		config.properties.setProperty(EarshotProperty.ModelPath, path);
		return config;
	}

	/** The best installed sherpa-onnx model, else PocketSphinx with Debian's English model. */
	static fromDefaults(): EmbeddedSpeechConfig {
		return new EmbeddedSpeechConfig();
	}

	/** Picks an installed model by name (see `earshot models list`). The license is not needed. */
	setSpeechRecognitionModel(name: string, _license?: string): void {
		this.properties.setProperty(EarshotProperty.ModelName, name);
	}

	/** Picks the engine: `pocketsphinx` or `sherpa`. */
	setEngine(engine: string): void {
		this.properties.setProperty(EarshotProperty.Engine, engine);
	}
}

/** The engine and model that a property collection asks for. */
export function engineChoiceOf(properties: PropertyCollection): EngineChoice {
	const property = (name: string) => properties.getProperty(name) || undefined;
	return {
		engine: property(EarshotProperty.Engine),
		modelPath: property(EarshotProperty.ModelPath),
		modelName: property(EarshotProperty.ModelName),
		numThreads: parseThreads(
			property(EarshotProperty.NumThreads),
			EarshotProperty.NumThreads,
		),
		passes: property(EarshotProperty.PocketSphinxPasses),
	};
}

/** The output format that a property collection asks for (Azure stores it as a string). */
export function outputFormatOf(properties: PropertyCollection): OutputFormat {
	return properties.getProperty(
		PropertyId.SpeechServiceResponse_OutputFormatOption,
	) === "DETAILED"
		? OutputFormat.Detailed
		: OutputFormat.Simple;
}
