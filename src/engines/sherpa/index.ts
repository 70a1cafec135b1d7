export {
	ALIGNED_KINDS,
	detectorSilenceMs,
	type EndpointRules,
	endpointRules,
	offlineConfigFor,
	onlineConfigFor,
	SHERPA_SAMPLE_RATE,
	type SherpaConfig,
	type SherpaConfigOptions,
	type SherpaModel,
	type SherpaModelFiles,
	type SherpaModelKind,
	STREAMING_KINDS,
	segmentEndPastSilence,
	sherpaConfigFor,
	supportsHotwords,
	type VadOptions,
	vadConfigFor,
} from "./config.js";
export {
	createSherpaEngine,
	detectSherpaModel,
	type SherpaEngineOptions,
} from "./engine.js";
export { type TokenClock, type TokenResult, toHypothesis } from "./results.js";
