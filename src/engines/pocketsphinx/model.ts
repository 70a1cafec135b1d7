import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Where Debian's `pocketsphinx-en-us` puts the US English model. */
export const DEBIAN_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

export interface PocketSphinxModel {
	/** The acoustic model directory (`-hmm`). */
	acousticModel: string;
	/** The language model (`-lm`). */
	languageModel: string;
	/** The pronunciation dictionary (`-dict`). */
	dictionary: string;
}

/**
 * Finds the acoustic model, language model and dictionary in `dir` (a layout like Debian's:
 * an acoustic-model folder holding `mdef`, a `*.lm.bin` or `*.lm`, and a `*.dict`).
 */
export function findPocketSphinxModel(
	dir = DEBIAN_MODEL_DIR,
): PocketSphinxModel {
	if (!existsSync(dir)) {
		throw new Error(
			dir === DEBIAN_MODEL_DIR
				? "the PocketSphinx English model is not installed: run `sudo apt-get install pocketsphinx-en-us`"
				: `model directory not found: ${dir}`,
		);
	}
	const entries = readdirSync(dir, { withFileTypes: true });
	const acoustic = existsSync(join(dir, "mdef"))
		? dir
		: entries
				.filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "mdef")))
				.map((e) => join(dir, e.name))[0];
	const files = entries.filter((e) => e.isFile()).map((e) => e.name);
	const lm =
		files.find((f) => f.endsWith(".lm.bin") && !f.includes("phone")) ??
		files.find((f) => f.endsWith(".lm"));
	const dict = files.find((f) => f.endsWith(".dict"));
	const missing = [
		!acoustic && "an acoustic model folder (with mdef)",
		!lm && "a *.lm.bin language model",
		!dict && "a *.dict dictionary",
	].filter(Boolean);
	if (missing.length > 0 || !acoustic || !lm || !dict) {
		throw new Error(
			`not a PocketSphinx model directory: ${dir} (missing ${missing.join(", ")})`,
		);
	}
	return {
		acousticModel: acoustic,
		languageModel: join(dir, lm),
		dictionary: join(dir, dict),
	};
}
