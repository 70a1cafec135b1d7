export {
	createPocketSphinxEngine,
	type PocketSphinxOptions,
} from "./engine.js";
export { DEBIAN_MODEL_DIR, findPocketSphinxModel } from "./model.js";
