import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { EvalReport } from "../src/eval/cli.js";
import { DatasetError, loadDataset } from "../src/eval/dataset.js";
import { earshot, Terminal } from "./helpers/cli.js";
import { noSharedReason, sharedDir, sharedManifest } from "./helpers/shared.js";
import { synthesize } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const SENTENCES = {
	"19-198-0000": "PLEASE TURN ON THE KITCHEN LIGHT",
	"19-198-0001": "THE WEATHER IS NICE TODAY",
	"26-495-0000": "OPEN THE DOOR",
};

/** A LibriSpeech-style tree: speaker/chapter folders of FLAC files and one *.trans.txt each. */
function libriTree(): string {
	const root = mkdtempSync(join(tmpdir(), "earshot-libri-"));
	const chapters = new Map<string, string[]>();
	for (const [id, text] of Object.entries(SENTENCES)) {
		const [speaker, chapter] = id.split("-");
		const dir = join(root, speaker, chapter);
		mkdirSync(dir, { recursive: true });
		execFileSync("sox", [
			"-R",
			synthesize(text.toLowerCase(), { voice: "awb" }),
			join(dir, `${id}.flac`),
		]);
		const key = `${speaker}-${chapter}`;
		chapters.set(key, [...(chapters.get(key) ?? []), `${id} ${text}`]);
	}
	for (const [key, lines] of chapters) {
		const [speaker, chapter] = key.split("-");
		writeFileSync(
			join(root, speaker, chapter, `${key}.trans.txt`),
			`${lines.join("\n")}\n`,
		);
	}
	return root;
}

const tree = libriTree();

describe("loadDataset", () => {
	test("reads a LibriSpeech tree: every line of every *.trans.txt, beside its FLAC", () => {
		const items = loadDataset(tree);
		assert.deepEqual(
			items.map((i) => [i.id, i.reference]),
			Object.entries(SENTENCES),
		);
		for (const item of items) assert.match(item.path, /\.flac$/);
	});

	test("takes exact manifest rows, and approximate ones only when asked", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-manifest-"));
		const file = join(dir, "manifest.tsv");
		const audio = join(tree, "19", "198", "19-198-0000.flac");
		writeFileSync(
			file,
			"path\treference_kind\treference\tsource\n" +
				`${audio}\texact\tPLEASE TURN ON THE KITCHEN LIGHT\tflite\n` +
				`${audio}\tapprox\tplease turn the light on\tflite\n` +
				`${audio}\tnone\t\tflite\n`,
		);
		assert.deepEqual(
			loadDataset(file).map((i) => i.reference),
			["PLEASE TURN ON THE KITCHEN LIGHT"],
		);
		assert.equal(loadDataset(file, { includeApprox: true }).length, 2);
	});

	test("a missing dataset, missing audio or nothing to score is a DatasetError", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-bad-"));
		assert.throws(() => loadDataset(join(dir, "nope")), DatasetError);
		assert.throws(() => loadDataset(dir), /no utterances/);
		writeFileSync(join(dir, "1-2.trans.txt"), "1-2-0000 HELLO\n");
		assert.throws(() => loadDataset(dir), /no 1-2-0000\.flac/);
	});

	test("the shared manifest: 21 exact rows, 2 more with --include-approx", {
		skip: sharedDir ? false : noSharedReason,
	}, () => {
		const rows = sharedManifest();
		const exact = loadDataset(join(sharedDir as string, "audio/manifest.tsv"));
		assert.equal(
			exact.length,
			rows.filter((r) => r.referenceKind === "exact").length,
		);
		assert.ok(exact.every((i) => !i.id.startsWith("/")));
		const approx = loadDataset(
			join(sharedDir as string, "audio/manifest.tsv"),
			{ includeApprox: true },
		);
		assert.equal(
			approx.length - exact.length,
			rows.filter((r) => r.referenceKind === "approx").length,
		);
	});
});

describe("earshot eval", () => {
	test("scores a LibriSpeech tree of flite speech: per utterance and overall, as JSON", () => {
		const { code, stdout, stderr } = earshot([
			"eval",
			"--dataset",
			tree,
			"--output",
			"json",
		]);
		assert.equal(code, 0, stderr);
		const report = JSON.parse(stdout) as EvalReport;
		assert.deepEqual(
			report.utterances.map((u) => u.id),
			Object.keys(SENTENCES),
		);
		let errors = 0;
		for (const u of report.utterances) {
			assert.equal(u.referenceLength, u.reference.split(" ").length);
			assert.equal(u.hits + u.substitutions + u.deletions, u.referenceLength);
			assert.ok(
				u.audioSeconds > 0.5 && u.audioSeconds < 5,
				`${u.audioSeconds}`,
			);
			assert.ok(u.rtf > 0 && u.rtf < 5, `RTF ${u.rtf}`);
			errors += u.substitutions + u.deletions + u.insertions;
		}
		assert.equal(report.total.referenceLength, 14);
		assert.equal(report.total.wer, errors / 14);
		// flite's clear speech of short commands: PocketSphinx gets most words.
		assert.ok(report.total.wer < 0.5, `WER ${report.total.wer}`);
		assert.ok(report.total.cer <= report.total.wer + 0.2);
		assert.ok(
			Math.abs(
				report.total.rtf -
					report.total.processingSeconds / report.total.audioSeconds,
			) < 1e-9,
		);
	});

	test("text output: a row per utterance, then WER with S/D/I, CER and RTF", () => {
		const { code, stdout } = earshot(["eval", "--dataset", tree]);
		assert.equal(code, 0);
		for (const id of Object.keys(SENTENCES))
			assert.match(stdout, new RegExp(`^${id} +\\d+\\.\\d %`, "m"));
		assert.match(stdout, /^3 utterances, \d+\.\d s of audio/m);
		assert.match(stdout, /^WER \d+\.\d % \(S \d+, D \d+, I \d+, N 14\)$/m);
		assert.match(stdout, /^CER \d+\.\d %$/m);
		assert.match(stdout, /^RTF \d\.\d{3} /m);
	});

	test("a progress bar on a terminal", async () => {
		const terminal = new Terminal(["eval", "--dataset", tree]);
		await terminal.waitFor(/\d\/3 utterances/);
		assert.equal(await terminal.exited, 0);
		assert.match(terminal.output, /WER \d/);
	});

	test("--engine takes the same choices as recognize: an unknown one fails in one line", () => {
		const { code, stderr } = earshot([
			"eval",
			"--dataset",
			tree,
			"--engine",
			"nosuch",
		]);
		assert.equal(code, 1);
		assert.match(stderr, /nosuch/);
	});

	test("--include-approx: a reference that points to a JSON of utterances is read; a dangling one is left out, with a note", () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-pointer-"));
		mkdirSync(join(dir, "long"));
		execFileSync("cp", [
			join(tree, "19", "198", "19-198-0000.flac"),
			join(dir, "long", "talk.flac"),
		]);
		writeFileSync(
			join(dir, "long", "talk.model-reference.json"),
			JSON.stringify({
				utterances: [
					{ index: 0, text: "Please turn on" },
					{ index: 1, text: "the kitchen light." },
				],
			}),
		);
		const manifest = join(dir, "manifest.tsv");
		writeFileSync(
			manifest,
			"path\treference_kind\treference\n" +
				"long/talk.flac\tapprox\tsee long/talk.model-reference.json (a model's output)\n" +
				"long/talk.flac\tapprox\tsee long/missing.json (gone)\n",
		);
		const { code, stdout, stderr } = earshot([
			"eval",
			"--dataset",
			manifest,
			"--include-approx",
			"--engine",
			"pocketsphinx",
			"-o",
			"json",
		]);
		assert.equal(code, 0, stderr);
		assert.equal(
			stderr.trim(),
			'earshot: long/talk.flac left out: its reference "see long/missing.json (gone)" names no readable file of utterances',
		);
		const report = JSON.parse(stdout) as EvalReport;
		assert.equal(report.engine, "pocketsphinx");
		assert.equal(report.utterances.length, 1);
		const [u] = report.utterances;
		assert.equal(u.path, "long/talk.flac");
		assert.equal(u.reference, "Please turn on the kitchen light.");
		assert.equal(u.referenceLength, 6);
		const text = earshot([
			"eval",
			"--dataset",
			manifest,
			"--include-approx",
			"--engine",
			"pocketsphinx",
		]).stdout;
		assert.match(
			text,
			/^1 utterance, \d+\.\d s of audio, engine pocketsphinx$/m,
		);
	});

	test("a tree's paths are relative to its root", () => {
		const { code, stdout, stderr } = earshot([
			"eval",
			"--dataset",
			tree,
			"--engine",
			"pocketsphinx",
			"-o",
			"json",
		]);
		assert.equal(code, 0, stderr);
		const report = JSON.parse(stdout) as EvalReport;
		assert.deepEqual(
			report.utterances.map((u) => u.path),
			[
				"19/198/19-198-0000.flac",
				"19/198/19-198-0001.flac",
				"26/495/26-495-0000.flac",
			],
		);
	});

	test("a dataset that is not there fails in one line", () => {
		const { code, stderr } = earshot(["eval", "--dataset", "/no/such/set"]);
		assert.equal(code, 1);
		assert.match(stderr, /no such dataset: \/no\/such\/set/);
	});

	test("the shared manifest (LibriSpeech rows): real speech scores like the bench", {
		skip: sharedDir ? false : noSharedReason,
	}, () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-shared-"));
		const rows = sharedManifest()
			.filter((r) => r.referenceKind === "exact" && /\/1089-/.test(r.path))
			.slice(0, 3);
		const file = join(dir, "manifest.tsv");
		writeFileSync(
			file,
			`path\treference_kind\treference\n${rows.map((r) => `${r.path}\texact\t${r.reference}`).join("\n")}\n`,
		);
		const { code, stdout, stderr } = earshot([
			"eval",
			"--dataset",
			file,
			"--output",
			"json",
		]);
		assert.equal(code, 0, stderr);
		const report = JSON.parse(stdout) as EvalReport;
		assert.equal(report.utterances.length, 3);
		assert.ok(report.total.referenceLength > 30);
		// PocketSphinx's en-US model on LibriSpeech: well under half the words wrong, none empty.
		assert.ok(report.total.wer < 0.5, `WER ${report.total.wer}`);
		for (const u of report.utterances) assert.notEqual(u.hypothesis, "");
	});
});
