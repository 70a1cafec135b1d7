import type { ModelStoreOptions } from "./cache.js";
import { findInstalledModel, type InstalledModel } from "./install.js";
import { REGISTRY } from "./registry.js";

/**
 * Recognition models from most to least preferred. Moonshine base comes first because it is the
 * one every user can get (from the Python package index); the rest go by accuracy, then
 * streaming, then size.
 */
export const MODEL_PREFERENCE: readonly string[] = [
	"moonshine-base-en",
	"sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8",
	"sherpa-onnx-streaming-zipformer-en-2023-06-26",
	"sherpa-onnx-moonshine-base-en-int8",
	"sherpa-onnx-whisper-base.en",
	"sherpa-onnx-streaming-zipformer-en-20M-2023-02-17",
	"sherpa-onnx-moonshine-tiny-en-int8",
	"sherpa-onnx-whisper-tiny.en",
	"sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17",
];

/**
 * The most preferred installed model whose dependencies (the VAD) are installed too,
 * or undefined when there is none and the caller should fall back to PocketSphinx.
 */
export async function bestInstalledModel(
	options: ModelStoreOptions = {},
): Promise<InstalledModel | undefined> {
	const known = new Set((options.registry ?? REGISTRY).map((e) => e.name));
	for (const name of MODEL_PREFERENCE) {
		if (!known.has(name)) continue;
		const model = await findInstalledModel(name, options);
		if (!model) continue;
		const needs = await Promise.all(
			(model.entry.needs ?? []).map((need) =>
				findInstalledModel(need, options),
			),
		);
		if (needs.every((m) => m !== undefined)) return model;
	}
	return undefined;
}

/** The one-line hint the CLI prints when it falls back to PocketSphinx. */
export const PULL_HINT = `no sherpa-onnx model installed; using PocketSphinx (try \`earshot models pull ${MODEL_PREFERENCE[0]}\`)`;
