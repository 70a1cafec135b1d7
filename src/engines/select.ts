import type { Engine } from "./engine.js";
import { createPocketSphinxEngine } from "./pocketsphinx/index.js";

export interface EngineChoice {
	/** `pocketsphinx` (default). */
	engine?: string;
	/** A model directory. */
	modelPath?: string;
}

/** Languages each engine's default model recognizes. */
const LANGUAGES: Record<string, string[]> = { pocketsphinx: ["en-US"] };

const engines = new Map<string, Engine>();

/**
 * The engine for a choice, loaded once per process and shared, so its decoders are pooled
 * across recognizers. Throws a one-line error for an unknown engine or a missing model.
 */
export function selectEngine(choice: EngineChoice = {}): Engine {
	const name = (choice.engine || "pocketsphinx").toLowerCase();
	const key = `${name}\0${choice.modelPath ?? ""}`;
	let engine = engines.get(key);
	if (!engine) {
		if (name !== "pocketsphinx")
			throw new Error(
				`unknown engine: ${choice.engine} (available: pocketsphinx)`,
			);
		engine = createPocketSphinxEngine({ modelDir: choice.modelPath });
		engines.set(key, engine);
	}
	return engine;
}

/** Throws a one-line error when the engine's model cannot recognize `language`. */
export function checkLanguage(
	engine: Engine,
	language: string,
	custom: boolean,
): void {
	const known = LANGUAGES[engine.name];
	if (custom || !known) return;
	if (
		!known.some(
			(l) =>
				l.toLowerCase() === language.toLowerCase() ||
				l.split("-")[0] === language.toLowerCase(),
		)
	) {
		throw new Error(
			`language ${language} is not available with ${engine.name} (it has ${known.join(", ")})`,
		);
	}
}
