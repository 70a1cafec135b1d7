import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPocketSphinxEngine } from "../src/engines/pocketsphinx/index.js";
import { findPocketSphinxModel } from "../src/engines/pocketsphinx/model.js";
import {
	callAsync,
	loadPocketSphinx,
} from "../src/engines/pocketsphinx/native.js";
import { dictionaryFor } from "../src/engines/pocketsphinx/vocabulary.js";
import { recognizeStream, spokenSamples } from "./helpers/engine-stream.js";

const native = loadPocketSphinx();
const model = findPocketSphinxModel();
const cacheBefore = process.env.XDG_CACHE_HOME;
let languageModel: unknown;

before(async () => {
	languageModel = await callAsync(
		native.ngram_model_read,
		native.cmd_ln_parse_r(null, native.ps_args(), 0, [], 1),
		model.languageModel,
		0,
		native.logmath_init(1.0001, 0, 1),
	);
	assert.ok(languageModel, "the language model loads");
});

after(() => {
	native.ngram_model_free(languageModel);
	if (cacheBefore === undefined) delete process.env.XDG_CACHE_HOME;
	else process.env.XDG_CACHE_HOME = cacheBefore;
});

const baseWord = (line: string) =>
	(line.split(" ", 1)[0] as string).replace(/\(\d+\)$/, "");

test("the decoders' dictionary is every pronunciation of the language model's words, and nothing else, written once", async () => {
	process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), "earshot-cache-"));
	const path = await dictionaryFor(
		native,
		languageModel,
		model.dictionary,
		model.languageModel,
	);
	assert.ok(path.startsWith(process.env.XDG_CACHE_HOME));
	const vocabulary = new Set<string>();
	for (let wid = 0; wid < native.unigramCount(languageModel); wid++)
		vocabulary.add(native.ngram_word(languageModel, wid));
	const whole = readFileSync(model.dictionary, "utf8")
		.split("\n")
		.filter((l) => l.length > 0);
	const kept = readFileSync(path, "utf8")
		.split("\n")
		.filter((l) => l.length > 0);
	assert.deepEqual(
		kept,
		whole.filter((l) => vocabulary.has(baseWord(l))),
	);
	assert.ok(kept.length < whole.length, "words the model lacks are left out");
	assert.ok(
		kept.some((l) => l.startsWith("read(2) ")),
		"alternates stay",
	);
	const written = statSync(path).mtimeMs;
	assert.equal(
		await dictionaryFor(
			native,
			languageModel,
			model.dictionary,
			model.languageModel,
		),
		path,
	);
	assert.equal(statSync(path).mtimeMs, written, "not written again");
});

test("where the cut-down dictionary cannot be written, decoders load the whole one and hear the same", async () => {
	const audio = await spokenSamples("please turn on the kitchen light");
	const transcribe = async () => {
		const engine = createPocketSphinxEngine({ maxDecoders: 1 });
		try {
			const stream = await engine.openStream({ segmentationSilenceMs: 500 });
			const text = await recognizeStream(stream, audio);
			await stream.close();
			return text;
		} finally {
			await engine.close();
		}
	};
	process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), "earshot-cache-"));
	const cutDown = await transcribe();
	// A file where the cache folder should be: the copy cannot be made.
	const blocked = join(mkdtempSync(join(tmpdir(), "earshot-cache-")), "file");
	writeFileSync(blocked, "");
	process.env.XDG_CACHE_HOME = blocked;
	assert.equal(await transcribe(), cutDown);
	assert.match(cutDown, /kitchen/);
});
