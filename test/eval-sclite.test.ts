import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
	existsSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { normalizeEnglish, words } from "../src/eval/normalize.js";
import {
	type AlignmentOp,
	aggregate,
	countAlignment,
	countErrors,
	renderAlignment,
	wordErrorRate,
} from "../src/eval/wer.js";

// Debian's sctk package puts sclite under /usr/lib/sctk/bin, off PATH.
const sclite = ["sclite", "/usr/lib/sctk/bin/sclite"].find(
	(candidate) =>
		spawnSync(candidate, [], { stdio: "ignore" }).error === undefined,
);
const skip = sclite ? false : "sclite is not installed (apt-get install sctk)";

interface Utterance {
	id: string;
	reference: string[];
	hypothesis: string[];
}

interface ScliteResult {
	alignments: Map<string, AlignmentOp[]>;
	pralign: Map<string, string>;
}

function runSclite(utterances: readonly Utterance[]): ScliteResult {
	const dir = mkdtempSync(join(tmpdir(), "earshot-sclite-"));
	try {
		const trn = (pick: (u: Utterance) => string[]) =>
			utterances.map((u) => `${pick(u).join(" ")} (${u.id})\n`).join("");
		writeFileSync(
			join(dir, "ref.trn"),
			trn((u) => u.reference),
		);
		writeFileSync(
			join(dir, "hyp.trn"),
			trn((u) => u.hypothesis),
		);
		const run = spawnSync(
			sclite as string,
			[
				"-r",
				"ref.trn",
				"trn",
				"-h",
				"hyp.trn",
				"trn",
				"-i",
				"spu_id",
				"-o",
				"sgml",
				"pralign",
				"-O",
				dir,
				"-n",
				"out",
			],
			{ cwd: dir, encoding: "utf8" },
		);
		assert.equal(run.status, 0, run.stderr || run.stdout);
		assert.ok(existsSync(join(dir, "out.sgml")), run.stdout);
		return {
			alignments: parseSgml(readFileSync(join(dir, "out.sgml"), "utf8")),
			pralign: parsePralign(readFileSync(join(dir, "out.pra"), "utf8")),
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** `<PATH id="(s_1)" ...>` then `C,"a","a":S,"b","x":I,,"e":D,"d",` */
function parseSgml(sgml: string): Map<string, AlignmentOp[]> {
	const paths = new Map<string, AlignmentOp[]>();
	for (const match of sgml.matchAll(
		/<PATH id="\(([^)]*)\)"[^>]*>\n([^\n]*)\n<\/PATH>/g,
	)) {
		const ops: AlignmentOp[] = [];
		for (const entry of match[2].split(":").filter((e) => e !== "")) {
			const parts = /^([CSDI]),(?:"([^"]*)")?,(?:"([^"]*)")?$/.exec(entry);
			assert.ok(parts, `unparsed sclite entry ${entry}`);
			const [, code, ref, hyp] = parts;
			if (code === "C") ops.push({ op: "=", ref, hyp });
			else if (code === "S") ops.push({ op: "S", ref, hyp });
			else if (code === "D") ops.push({ op: "D", ref });
			else ops.push({ op: "I", hyp });
		}
		paths.set(match[1], ops);
	}
	return paths;
}

/** The REF/HYP/Eval lines of each non-empty utterance in a .pra file. */
function parsePralign(pra: string): Map<string, string> {
	const views = new Map<string, string>();
	for (const match of pra.matchAll(
		/^id: \(([^)]*)\)\n.*\n(REF: .*\nHYP: .*\nEval: .*)$/gm,
	)) {
		views.set(match[1], match[2]);
	}
	return views;
}

/** mulberry32: a small seeded generator so failures reproduce. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function randomUtterances(seed: number, count: number): Utterance[] {
	const random = seededRandom(seed);
	// A small vocabulary makes repeated words and so many equal-cost alignments.
	const vocabulary = ["a", "b", "c", "d", "e", "the", "cat", "sat"];
	const pick = () => vocabulary[Math.floor(random() * vocabulary.length)];
	const utterances: Utterance[] = [];
	for (let n = 0; n < count; n++) {
		const reference = Array.from({ length: Math.floor(random() * 14) }, pick);
		let hypothesis: string[];
		if (random() < 0.3) {
			hypothesis = Array.from({ length: Math.floor(random() * 14) }, pick);
		} else {
			hypothesis = [];
			for (const word of reference) {
				const roll = random();
				if (roll < 0.12) continue;
				if (roll < 0.24) hypothesis.push(pick());
				else hypothesis.push(word);
				if (random() < 0.12) hypothesis.push(pick());
			}
		}
		utterances.push({ id: `rnd_${n}`, reference, hypothesis });
	}
	return utterances;
}

const sentencePairs: [string, string][] = [
	[
		"Mr. Quilter is the apostle of the middle classes.",
		"mister quilter is the apostle of the middle classes",
	],
	["He was dishonoured, and he knew it.", "he was dishonored and he knew it"],
	[
		"What's the weather like in twenty twenty-four?",
		"what is the weather like in 2024",
	],
	[
		"The quick brown fox jumps over the lazy dog",
		"the quick brown box jumped over a lazy dog dog",
	],
	[
		"I'd like one hundred and five apples, please.",
		"uh I would like 105 apples police",
	],
	[
		"Nor is Mr. Quilter's manner less interesting than his matter.",
		"nor is mister quilters manner less interesting than his matter",
	],
	["", "hello there"],
	["good morning everyone", ""],
	[
		"she sells sea shells by the sea shore",
		"sea shells she sells by the shore",
	],
];

test("word alignments match sclite's on random sequences", { skip }, () => {
	const utterances = randomUtterances(20240611, 300);
	const { alignments, pralign } = runSclite(utterances);
	for (const u of utterances) {
		const ours = wordErrorRate(u.reference, u.hypothesis);
		const theirs = alignments.get(u.id);
		assert.ok(theirs, `sclite has no alignment for ${u.id}`);
		assert.deepEqual(
			countAlignment(ours.alignment),
			countAlignment(theirs),
			u.id,
		);
		assert.deepEqual(ours.alignment, theirs, u.id);
		assert.deepEqual(
			countErrors(u.reference, u.hypothesis),
			countAlignment(theirs),
			u.id,
		);
		if (ours.alignment.length > 0)
			assert.equal(renderAlignment(ours.alignment), pralign.get(u.id), u.id);
	}
});

test("normalized sentence scores and totals match sclite's", { skip }, () => {
	const utterances = sentencePairs.map(([reference, hypothesis], n) => ({
		id: `sent_${n}`,
		reference: words(normalizeEnglish(reference)),
		hypothesis: words(normalizeEnglish(hypothesis)),
	}));
	const { alignments } = runSclite(utterances);
	const ours = utterances.map((u) => wordErrorRate(u.reference, u.hypothesis));
	const theirs = utterances.map((u) => {
		const ops = alignments.get(u.id);
		assert.ok(ops, `sclite has no alignment for ${u.id}`);
		return countAlignment(ops);
	});
	utterances.forEach((u, n) => {
		assert.deepEqual(countAlignment(ours[n].alignment), theirs[n], u.id);
	});
	assert.deepEqual(aggregate(ours), aggregate(theirs));
});
