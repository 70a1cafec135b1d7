import { homedir } from "node:os";
import { join } from "node:path";
import type { ModelEntry, Registry } from "./registry.js";

/** Where models are installed and which registry and mirror to use; each defaults from the environment. */
export interface ModelStoreOptions {
	/** Default: EARSHOT_MODELS_DIR, else $XDG_CACHE_HOME/earshot/models, else ~/.cache/earshot/models. */
	dir?: string;
	/** Default: the built-in REGISTRY. */
	registry?: Registry;
	/**
	 * Tried before a model's own source: an http(s) URL, a file:// URL or a directory; "" for
	 * none. Default: EARSHOT_MODEL_MIRROR.
	 */
	mirror?: string;
}

/** The manifest that marks a model directory as completely installed. */
export const MANIFEST_FILE = ".earshot.sha256";

/** earshot's cache folder: $XDG_CACHE_HOME/earshot, else ~/.cache/earshot. */
export function cacheDir(): string {
	return join(
		process.env.XDG_CACHE_HOME || join(homedir(), ".cache"),
		"earshot",
	);
}

export function modelsDir(
	options: Pick<ModelStoreOptions, "dir"> = {},
): string {
	if (options.dir) return options.dir;
	if (process.env.EARSHOT_MODELS_DIR) return process.env.EARSHOT_MODELS_DIR;
	return join(cacheDir(), "models");
}

export function modelMirror(
	options: Pick<ModelStoreOptions, "mirror"> = {},
): string | undefined {
	return (options.mirror ?? process.env.EARSHOT_MODEL_MIRROR) || undefined;
}

/** The directory a model is (or would be) installed in. */
export function installDir(
	entry: ModelEntry,
	options: ModelStoreOptions = {},
): string {
	return join(modelsDir(options), entry.name);
}

/** Half-finished downloads live here, named after the asset, until they are verified. */
export function downloadsDir(options: ModelStoreOptions = {}): string {
	return join(modelsDir(options), ".downloads");
}
