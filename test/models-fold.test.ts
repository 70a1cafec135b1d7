/**
 * Folding Moonshine's restored weights into a copy of its decoder, with onnxruntime itself:
 * the subgraph names ONNX requires, the copy made once and whole, and what happens when it
 * cannot be made.
 */
import assert from "node:assert/strict";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import ort from "onnxruntime-node";
import sherpa from "sherpa-onnx-node";
import { MoonshineDecoder } from "../src/engines/sherpa/moonshine.js";
import {
	foldedModelPath,
	foldModel,
	nameSubgraphs,
} from "../src/models/fold.js";
import { findInstalledModel } from "../src/models/index.js";
import { MOONSHINE, moonshineFixture } from "./helpers/moonshine.js";
import { synthesize } from "./helpers/speech.js";

const moonshine = await moonshineFixture();

describe("nameSubgraphs", () => {
	test("refuses bytes that are no protobuf message", () => {
		assert.throws(
			() => nameSubgraphs(Buffer.from([0x3a, 0x80])),
			/^Error: not an ONNX model: a number at 1 never ends$/,
		);
		assert.throws(
			() => nameSubgraphs(Buffer.from([0x3a, 0x05, 0x01])),
			/^Error: not an ONNX model: a field at 0 runs past the end$/,
		);
		assert.throws(
			() => nameSubgraphs(Buffer.from([0x3f])),
			/^Error: not an ONNX model: wire type 7 at 0$/,
		);
	});

	test("leaves a model without a graph as it was", () => {
		// ir_version 8, producer_name "x".
		const model = Buffer.from([0x08, 0x08, 0x12, 0x01, 0x78]);
		assert.deepEqual(nameSubgraphs(model), model);
	});
});

describe("the folded Moonshine decoder", { skip: moonshine.skip }, () => {
	let files: { encoder: string; mergedDecoder: string; tokens: string };
	const scratch = mkdtempSync(join(tmpdir(), "earshot-fold-"));

	before(async () => {
		assert.equal(moonshine.missing, undefined, moonshine.missing);
		const model = await findInstalledModel(MOONSHINE);
		assert.ok(model?.kind === "moonshine-v2", `${MOONSHINE} is ${model?.kind}`);
		files = model.files;
	});

	test("onnxruntime's ONNX export loads once its subgraphs are named, and naming again changes nothing", async () => {
		const exported = join(scratch, "exported.onnx");
		await (
			await ort.InferenceSession.create(files.mergedDecoder, {
				graphOptimizationLevel: "disabled",
				optimizedModelFilePath: exported,
				extra: { session: { save_model_format: "ONNX" } },
			})
		).release();
		const bytes = readFileSync(exported);
		await assert.rejects(
			ort.InferenceSession.create(bytes),
			/Field 'name' of 'graph' is required to be non-empty/,
		);
		const named = nameSubgraphs(bytes);
		// The merged decoder's one If has two branches; each name adds 2 + 10 bytes, and the
		// length prefixes of the node, the attribute and the graph around each grow by 1 to 3.
		assert.ok(
			named.length > bytes.length + 24 && named.length < bytes.length + 60,
		);
		assert.deepEqual(nameSubgraphs(named), named);
		const session = await ort.InferenceSession.create(named);
		assert.deepEqual(session.outputNames.slice(0, 2), [
			"logits",
			"present.0.decoder.key",
		]);
		await session.release();
	});

	test("the copy is made once, beside the model, with no work files left", async () => {
		const dir = join(scratch, "once");
		const decoder = join(dir, basename(files.mergedDecoder));
		linkModel(dir);
		const folded = await foldModel(decoder);
		assert.equal(folded, foldedModelPath(decoder));
		assert.equal(dirname(dirname(folded)), dir);
		assert.deepEqual(readdirSync(dirname(folded)), [basename(decoder)]);
		// Float weights: several times the uint8 original.
		assert.ok(statSync(folded).size > 4 * statSync(files.mergedDecoder).size);
		const made = statSync(folded).mtimeMs;
		assert.equal(await foldModel(decoder), folded);
		assert.equal(statSync(folded).mtimeMs, made);
	});

	test("a file that is no model folds to nothing and says why", async () => {
		const dir = join(scratch, "bad");
		linkModel(dir);
		const bad = join(dir, "not-a-model.ort");
		writeFileSync(bad, "not a model");
		await assert.rejects(
			foldModel(bad),
			/^Error: cannot fold .*not-a-model\.ort: .*ORT model verification failed/,
		);
		assert.equal(existsSync(dirname(foldedModelPath(bad))), false);
	});

	test("where no copy can be written, the original decodes the same tokens, and a line says so", async (t) => {
		const dir = join(scratch, "unwritable");
		linkModel(dir);
		const decoderFile = join(dir, basename(files.mergedDecoder));
		// A file where the copy's folder would go: the fold fails on every machine, as root too.
		writeFileSync(dirname(foldedModelPath(decoderFile)), "");
		const linked = {
			encoder: join(dir, basename(files.encoder)),
			mergedDecoder: decoderFile,
			tokens: join(dir, basename(files.tokens)),
		};
		const samples = sherpa.readWave(
			synthesize("open the door and turn on the light", { voice: "awb" }),
		).samples;
		const folded = await MoonshineDecoder.load(files, 1);
		// The one line the user reads, caught where it would reach the terminal.
		const said = t.mock.method(console, "error", () => undefined);
		const unfolded = await MoonshineDecoder.load(linked, 1);
		said.mock.restore();
		assert.equal(said.mock.callCount(), 1);
		assert.match(
			String(said.mock.calls[0]?.arguments[0]),
			/^earshot: Moonshine decodes with its unfolded decoder, each step about 6 times as slow: cannot fold .*unwritable\/decoder_model_merged\.ort: EEXIST/,
		);
		try {
			const expected = await folded.decode(samples);
			assert.match(expected.text, /door/i);
			const { logProbs, ...rest } = await unfolded.decode(samples);
			const { logProbs: expectedLogProbs, ...expectedRest } = expected;
			assert.deepEqual(rest, expectedRest);
			// The folded weights are multiplied in another order (prepacked), not other values.
			for (const [i, p] of logProbs.entries())
				assert.ok(Math.abs(p - (expectedLogProbs[i] as number)) < 1e-4);
		} finally {
			await Promise.all([folded.release(), unfolded.release()]);
		}
	});

	/** A model folder of links to the installed files, to fold without touching the cache. */
	function linkModel(dir: string): void {
		mkdirSync(dir, { recursive: true });
		for (const file of Object.values(files))
			symlinkSync(file, join(dir, basename(file)));
	}
});
