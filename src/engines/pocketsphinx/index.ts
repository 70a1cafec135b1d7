export {
	createPocketSphinxEngine,
	DEFAULT_POCKETSPHINX_PASSES,
	POCKETSPHINX_PASSES,
	type PocketSphinxOptions,
	type PocketSphinxPasses,
} from "./engine.js";
export { DEBIAN_MODEL_DIR, findPocketSphinxModel } from "./model.js";
