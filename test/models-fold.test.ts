/**
 * Folding Moonshine's restored weights into a copy of its decoder, with onnxruntime itself:
 * the subgraph names ONNX requires, the MatMuls kept on int8 weights, the copy made once and
 * whole, and what happens when it cannot be made.
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
	saveAsOnnx,
} from "../src/models/fold.js";
import { findInstalledModel } from "../src/models/index.js";
import { int8MatMuls } from "../src/models/int8-matmul.js";
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
		assert.deepEqual(int8MatMuls(model), model);
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
		const bytes = await exportOnnx(files.mergedDecoder);
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

	test("each MatMul of a restored int8 weight, the tied output projection's too, becomes MatMulNBits, once", async () => {
		const ops = (bytes: Buffer) =>
			bytes.toString("latin1").split("MatMulNBits").length - 1;
		for (const [file, expected] of [
			// 8 layers of 8 in the cached branch, 10 in the other (which projects the
			// encoder's keys and values), and the output projection in each.
			[files.mergedDecoder, 64 + 80 + 2],
			// 8 layers of 6: no convolution's weight is a MatMul's.
			[files.encoder, 48],
		] as const) {
			const named = nameSubgraphs(await exportOnnx(file));
			const int8 = int8MatMuls(named);
			assert.equal(ops(named), 0);
			assert.equal(ops(int8), expected, file);
			assert.deepEqual(int8MatMuls(int8), int8);
		}
	});

	test("the copy is made once, beside the model, with no work files left; the int8 one replaces a float one", async () => {
		const dir = join(scratch, "once");
		const decoder = join(dir, basename(files.mergedDecoder));
		linkModel(dir);
		const float = await foldModel(decoder);
		assert.equal(float, foldedModelPath(decoder));
		assert.equal(dirname(dirname(float)), dir);
		assert.deepEqual(readdirSync(dirname(float)), [basename(decoder)]);
		// Float weights: several times the int8 original.
		const floatSize = statSync(float).size;
		assert.ok(floatSize > 4 * statSync(files.mergedDecoder).size);

		const int8 = await foldModel(decoder, { int8MatMuls: true });
		assert.equal(int8, foldedModelPath(decoder, { int8MatMuls: true }));
		assert.deepEqual(readdirSync(dirname(int8)), [basename(decoder)]);
		// What an earlier earshot left, 275 MB, is gone with its folder.
		assert.equal(existsSync(dirname(float)), false);
		// The MatMuls' weights stay int8; the embedding that Gather reads is folded to float.
		assert.ok(statSync(int8).size < floatSize / 2);
		const made = statSync(int8).mtimeMs;
		assert.equal(await foldModel(decoder, { int8MatMuls: true }), int8);
		assert.equal(statSync(int8).mtimeMs, made);
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
		// Files where the copies' folders would go: the folds fail on every machine, as root too.
		writeFileSync(dirname(foldedModelPath(decoderFile)), "");
		writeFileSync(
			dirname(foldedModelPath(decoderFile, { int8MatMuls: true })),
			"",
		);
		const linked = {
			encoder: join(dir, basename(files.encoder)),
			mergedDecoder: decoderFile,
			tokens: join(dir, basename(files.tokens)),
		};
		const samples = sherpa.readWave(
			synthesize("open the door and turn on the light", { voice: "awb" }),
		).samples;
		const folded = await MoonshineDecoder.load(files, {
			encoder: 1,
			decoder: 1,
		});
		// The one line the user reads, caught where it would reach the terminal.
		const said = t.mock.method(console, "error", () => undefined);
		const unfolded = await MoonshineDecoder.load(linked, {
			encoder: 1,
			decoder: 1,
		});
		said.mock.restore();
		assert.equal(said.mock.callCount(), 1);
		assert.match(
			String(said.mock.calls[0]?.arguments[0]),
			/^earshot: Moonshine decodes with its unfolded model, each decoder step several times as slow: cannot fold .*unwritable\/decoder_model_merged\.ort: EEXIST/,
		);
		try {
			const expected = await folded.decode(samples);
			assert.match(expected.text, /door/i);
			const { logProbs, ...rest } = await unfolded.decode(samples);
			const { logProbs: expectedLogProbs, ...expectedRest } = expected;
			assert.deepEqual(rest, expectedRest);
			// The same weights, multiplied in int8 with the activations quantized per block: the
			// log-probabilities move by up to 5 % (measured).
			for (const [i, p] of logProbs.entries()) {
				const e = expectedLogProbs[i] as number;
				assert.ok(Math.abs(p - e) <= 0.1 * Math.abs(e) + 1e-3, `${p} ${e}`);
			}
		} finally {
			await Promise.all([folded.release(), unfolded.release()]);
		}
	});

	/** The ORT-format `file` as onnxruntime saves it in ONNX, unoptimized. */
	async function exportOnnx(file: string): Promise<Buffer> {
		const exported = join(scratch, `${basename(file)}.onnx`);
		await saveAsOnnx(file, exported);
		return readFileSync(exported);
	}

	/** A model folder of links to the installed files, to fold without touching the cache. */
	function linkModel(dir: string): void {
		mkdirSync(dir, { recursive: true });
		for (const file of Object.values(files))
			symlinkSync(file, join(dir, basename(file)));
	}
});
