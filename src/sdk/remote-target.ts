import { PropertyId } from "./enums.js";
import type { PropertyCollection } from "./properties.js";
import type { RemoteTarget } from "./remote-session.js";

/** The server a recognizer talks to, when its config came from `fromHost` or `fromEndpoint`. */
export function remoteTarget(
	properties: PropertyCollection,
): RemoteTarget | undefined {
	const host = properties.getProperty(PropertyId.SpeechServiceConnection_Host);
	const endpoint = properties.getProperty(
		PropertyId.SpeechServiceConnection_Endpoint,
	);
	if (!host && !endpoint) return undefined;
	const key = properties.getProperty(PropertyId.SpeechServiceConnection_Key);
	const token = properties.getProperty(
		PropertyId.SpeechServiceAuthorization_Token,
	);
	return {
		url: new URL(endpoint || host),
		endpoint: Boolean(endpoint),
		...(key ? { key } : {}),
		...(token ? { token } : {}),
		language: properties.getProperty(
			PropertyId.SpeechServiceConnection_RecoLanguage,
			"en-US",
		),
		mode:
			properties.getProperty(PropertyId.SpeechServiceConnection_RecoMode) ===
			"DICTATION"
				? "dictation"
				: "conversation",
	};
}
