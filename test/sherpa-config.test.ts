import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import {
	endpointRules,
	type SherpaModel,
	type SherpaModelKind,
	sherpaConfigFor,
	vadConfigFor,
} from "../src/engines/sherpa/index.js";
import { REGISTRY } from "../src/models/registry.js";

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("sherpa-onnx-node/package.json"));

/** `@typedef {Object} Name` blocks of the package's types.js: the property names of each. */
function typedefs(): Map<string, Set<string>> {
	const source = readFileSync(join(packageDir, "types.js"), "utf8");
	const out = new Map<string, Set<string>>();
	for (const block of source.split("/**").slice(1)) {
		const name = /@typedef \{Object\} (\w+)/.exec(block)?.[1];
		if (!name) continue;
		const props = [...block.matchAll(/@property \{[^}]*\} \[?(\w+)/g)].map(
			(m) => m[1] as string,
		);
		out.set(name, new Set(props));
	}
	return out;
}

/** Property names the native addon reads, as NUL-terminated strings in its binary. */
function addonKeys(): Set<string> {
	const addon = join(
		dirname(
			require.resolve(
				`sherpa-onnx-${process.platform}-${process.arch}/package.json`,
			),
		),
		"sherpa-onnx.node",
	);
	return new Set(readFileSync(addon).toString("latin1").split("\0"));
}

const TYPES = typedefs();
const NATIVE = addonKeys();

/** Which typedef describes each nested object, by the key that holds it. */
const NESTED: Record<"online" | "offline", Record<string, string>> = {
	online: {
		featConfig: "FeatureConfig",
		modelConfig: "OnlineModelConfig",
		transducer: "TransducerModelConfig",
		zipformer2Ctc: "Zipformer2CtcModelConfig",
		nemoCtc: "NemoCtcModelConfig",
	},
	offline: {
		featConfig: "FeatureConfig",
		modelConfig: "OfflineModelConfig",
		transducer: "OfflineTransducerModelConfig",
		whisper: "OfflineWhisperModelConfig",
		moonshine: "OfflineMoonshineModelConfig",
		senseVoice: "OfflineSenseVoiceModelConfig",
		nemoCtc: "OfflineNeMoCtcModelConfig",
	},
};

/**
 * Every key must be a property of its typedef in types.js, or (where the JSDoc lags the
 * native code) a name the addon reads. Returns the keys found only in the addon.
 */
function checkKeys(
	value: object,
	typedef: string,
	nested: Record<string, string>,
	path: string,
): string[] {
	const props = TYPES.get(typedef);
	assert.ok(props, `types.js defines ${typedef}`);
	const nativeOnly: string[] = [];
	for (const [key, child] of Object.entries(value)) {
		const where = `${path}.${key}`;
		if (!props.has(key)) {
			assert.ok(
				NATIVE.has(key),
				`${where} is neither in ${typedef} nor read by the addon`,
			);
			nativeOnly.push(where);
		}
		if (child !== null && typeof child === "object") {
			const childType = nested[key];
			assert.ok(childType, `${where}: no typedef known for this object`);
			nativeOnly.push(...checkKeys(child, childType, nested, where));
		}
	}
	return nativeOnly;
}

function checkModel(model: SherpaModel): string[] {
	const config = sherpaConfigFor(model, { numThreads: 2 });
	const top = config.streaming
		? "OnlineRecognizerConfig"
		: "OfflineRecognizerConfig";
	const nested = NESTED[config.streaming ? "online" : "offline"];
	return checkKeys(config.recognizer, top, nested, model.kind);
}

const ALL_FILES = {
	tokens: "tokens.txt",
	encoder: "encoder.onnx",
	decoder: "decoder.onnx",
	joiner: "joiner.onnx",
	model: "model.onnx",
	preprocessor: "preprocess.onnx",
	uncachedDecoder: "uncached_decode.onnx",
	cachedDecoder: "cached_decode.onnx",
};

const KINDS: SherpaModelKind[] = [
	"streaming-transducer",
	"streaming-zipformer2-ctc",
	"streaming-nemo-ctc",
	"whisper",
	"moonshine",
	"nemo-transducer",
	"sense-voice",
	"nemo-ctc",
];

describe("sherpa configs match sherpa-onnx-node's config structure", () => {
	test("every model in the registry", () => {
		const recognizers = REGISTRY.filter((e) => e.kind !== "vad");
		assert.ok(recognizers.length > 0);
		for (const entry of recognizers) {
			const model: SherpaModel = {
				kind: entry.kind,
				dir: `/models/${entry.name}`,
				files: entry.files,
			};
			checkModel(model);
			const config = sherpaConfigFor(model);
			assert.equal(
				config.streaming,
				entry.streaming,
				`${entry.name}: streaming`,
			);
			// Files land as absolute paths inside the model directory.
			const paths =
				JSON.stringify(config.recognizer).match(/"\/models\/[^"]+"/g) ?? [];
			assert.equal(
				paths.length,
				Object.keys(entry.files).length,
				`${entry.name}: every file is used`,
			);
		}
	});

	test("every kind the engine runs", () => {
		const nativeOnly = KINDS.flatMap((kind) =>
			checkModel({ kind, dir: "/m", files: ALL_FILES }),
		);
		// Keys that types.js does not list (its offline typedefs are partial) but the addon reads.
		const offline = [
			"whisper",
			"moonshine",
			"nemo-transducer",
			"sense-voice",
			"nemo-ctc",
		];
		assert.deepEqual(
			new Set(nativeOnly),
			new Set([
				...offline.flatMap((kind) => [
					`${kind}.decodingMethod`,
					`${kind}.maxActivePaths`,
				]),
				"nemo-transducer.modelConfig.modelType",
				"whisper.modelConfig.whisper.enableTokenTimestamps",
			]),
		);
	});

	test("hotwords go to streaming transducers only, with beam search", () => {
		const transducer: SherpaModel = {
			kind: "streaming-transducer",
			dir: "/m",
			files: ALL_FILES,
		};
		const online = sherpaConfigFor(transducer, {
			hotwords: ["EARSHOT", "SHERPA ONNX"],
		});
		assert.ok(online.streaming);
		assert.equal(online.recognizer.decodingMethod, "modified_beam_search");
		assert.equal(online.recognizer.hotwordsBuf, "EARSHOT\nSHERPA ONNX");
		checkKeys(
			online.recognizer,
			"OnlineRecognizerConfig",
			NESTED.online,
			"hotwords",
		);
		const ctc = sherpaConfigFor(
			{ kind: "streaming-nemo-ctc", dir: "/m", files: ALL_FILES },
			{ hotwords: ["X"] },
		);
		assert.ok(ctc.streaming);
		assert.equal(ctc.recognizer.decodingMethod, "greedy_search");
		assert.equal(ctc.recognizer.hotwordsBuf, undefined);
	});

	test("segmentation silence maps to endpoint rule 2 and the VAD's minimum silence", () => {
		assert.equal(endpointRules(800).rule2MinTrailingSilence, 0.8);
		assert.ok(endpointRules(800).rule1MinTrailingSilence >= 1.6);
		const vad = vadConfigFor({ model: "/m/silero_vad.onnx" }, 700);
		assert.equal(vad.sileroVad?.minSilenceDuration, 0.7);
		checkKeys(vad, "VadConfig", { sileroVad: "SileroVadModelConfig" }, "vad");
	});
});
