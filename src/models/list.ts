import type { ModelStoreOptions } from "./cache.js";
import { findInstalledModel } from "./install.js";
import { type ModelEntry, REGISTRY } from "./registry.js";

export interface ListedModel {
	entry: ModelEntry;
	installed: boolean;
	/** The install directory, when installed. */
	dir?: string;
}

/** Every registry entry with whether it is installed. */
export async function listModels(
	options: ModelStoreOptions = {},
): Promise<ListedModel[]> {
	return Promise.all(
		(options.registry ?? REGISTRY).map(async (entry) => {
			const installed = await findInstalledModel(entry.name, options);
			return { entry, installed: installed !== undefined, dir: installed?.dir };
		}),
	);
}
