import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir } from "../../models/cache.js";
import type { PocketSphinxNative } from "./native.js";

/** A dictionary word without its alternate-pronunciation mark: "read(2)" is "read". */
export function baseWord(word: string): string {
	return word.replace(/\(\d+\)$/, "");
}

/**
 * `dictionary` cut down to the words of `languageModel` (a loaded model), with all their
 * pronunciations, written once to earshot's cache folder (beside its models). The n-gram
 * search never enters a word its language model lacks, so a decoder loaded with it decodes
 * exactly as with the whole dictionary (the same transcripts on ../shared), for less memory:
 * Debian's en-us model knows 72,547 of cmudict's 134,723 words.
 */
export async function dictionaryFor(
	native: PocketSphinxNative,
	languageModel: unknown,
	dictionary: string,
	languageModelPath: string,
): Promise<string> {
	const stamp = await Promise.all(
		[dictionary, languageModelPath].map(async (path) => {
			const { size, mtimeMs } = await stat(path);
			return `${path}:${size}:${mtimeMs}`;
		}),
	);
	const hash = createHash("sha256")
		.update(stamp.join("\n"))
		.digest("hex")
		.slice(0, 16);
	const dir = join(cacheDir(), "pocketsphinx");
	const path = join(dir, `dictionary-${hash}.dict`);
	try {
		await stat(path);
		return path;
	} catch {}
	const words = new Set<string>();
	for (let wid = 0; wid < native.unigramCount(languageModel); wid++)
		words.add(native.ngram_word(languageModel, wid));
	const kept = (await readFile(dictionary, "utf8"))
		.split("\n")
		.filter((line) => words.has(baseWord(line.split(" ", 1)[0] as string)));
	await mkdir(dir, { recursive: true });
	// Written aside and renamed, so a concurrent engine never reads half a file.
	const partial = `${path}.${process.pid}.partial`;
	await writeFile(partial, `${kept.join("\n")}\n`);
	await rename(partial, path);
	return path;
}
