import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { earshot } from "./helpers/cli.js";
import { drawnRows, noTmuxReason, Screen } from "./helpers/screen.js";
import { sharedDir } from "./helpers/shared.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Real speech: ../shared's recordings when present, else flite's.
const sharedAudio = (path: string) => {
	const file = sharedDir ? join(sharedDir, "audio", path) : "";
	return existsSync(file) ? file : undefined;
};
/** 30 s or more: long enough for the progress bar. */
const longFile =
	sharedAudio("long/two-cities-44s.wav") ??
	withPauses(
		[
			"it was the best of times and it was the worst of times",
			"it was the age of wisdom and it was the age of foolishness",
			"it was the epoch of belief and it was the epoch of incredulity",
			"it was the season of light and it was the season of darkness",
			"it was the spring of hope and it was the winter of despair",
			"we had everything before us and we had nothing before us",
			"we were all going direct to heaven",
			"we were all going direct the other way",
		].map((s) => synthesize(s, { voice: "awb" })),
		1.5,
	);
/** One long phrase, whose partials are wider than the terminal. */
const longPhrase =
	sharedAudio("formats/StreamingEnrollment.wav") ??
	synthesize(
		"the quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly and the sphinx of black quartz judges my vow of silence before the evening train leaves the station",
		{ voice: "awb" },
	);

const BAR = /(\d+)% \| (\d+)\/(\d+) s(?: \| ETA (\S+))?/;
const engine = ["--engine", "pocketsphinx"];

const transcripts = new Map<string, string[]>();

/** What `earshot ARGS` writes on stdout when it is not a terminal: the transcript, line by line. */
function transcript(args: string[]): string[] {
	const key = JSON.stringify(args);
	let lines = transcripts.get(key);
	if (!lines) {
		const { code, stdout, stderr } = earshot(args);
		assert.equal(code, 0, stderr);
		lines = stdout.trim().split("\n");
		transcripts.set(key, lines);
	}
	return lines;
}

describe("earshot recognize in a 100×30 terminal", {
	skip: noTmuxReason,
}, () => {
	/** Runs `earshot ARGS` to the end on the screen, which must then show the transcript and nothing else. */
	async function screenOfTranscript(args: string[]): Promise<string> {
		const expected = transcript(args);
		const screen = new Screen(args);
		try {
			assert.equal(await screen.exited(), 0, screen.lines.join("\n"));
			assert.deepEqual(
				screen.lines.filter((l) => l !== ""),
				expected,
				"the screen holds the transcript, whole, and nothing else",
			);
			return screen.raw;
		} finally {
			screen.close();
		}
	}

	test("a long file: whole transcript lines, a one-row bar with a sane ETA, nothing left behind", async () => {
		const raw = await screenOfTranscript(["recognize", longFile, ...engine]);
		const bars = drawnRows(raw).flatMap((row) => {
			const match = BAR.exec(row);
			return match ? [match] : [];
		});
		assert.ok(bars.length > 0, "a progress bar was drawn");
		for (const [row, , value, , eta] of bars) {
			if (eta !== undefined)
				assert.match(eta, /^(\d+s|\d+m\d\ds|\d+h\d\dm)$/, row);
			if (value === "0") assert.equal(eta, undefined, row);
		}
		assert.ok(!raw.includes("\x1b[?7l"), "line wrapping is never turned off");
	});

	test("partials wider than the terminal take one row and leave no copies", async () => {
		const raw = await screenOfTranscript(["recognize", longPhrase, ...engine]);
		assert.ok(
			drawnRows(raw).some((row) => row.startsWith("…")),
			"a partial too wide for a row was shown by its end",
		);
	});

	test("Ctrl-C in a long file: exit 130, what was heard stays, no bar or partial left", async () => {
		const long = join(mkdtempSync(join(tmpdir(), "earshot-long-")), "x4.wav");
		execFileSync("sox", [longFile, longFile, longFile, longFile, long]);
		const first = transcript(["recognize", longFile, ...engine])[0];
		const screen = new Screen(["recognize", long, ...engine]);
		try {
			await screen.waitFor((s) => s.lines.includes(first));
			screen.keys("C-c");
			assert.equal(await screen.exited(), 130, screen.lines.join("\n"));
			const lines = screen.lines.filter((l) => l !== "");
			assert.equal(lines[0], first, lines.join("\n"));
			for (const line of lines) {
				assert.doesNotMatch(line, BAR);
				assert.ok(!line.startsWith("…"), line);
				assert.ok(!line.includes("^C"), line);
			}
		} finally {
			screen.close();
		}
	});

	test("one Ctrl-C while --stdin waits on the terminal: exit 130, a note, no hang", async () => {
		const screen = new Screen(["recognize", "--stdin", ...engine]);
		try {
			await screen.waitFor((s) =>
				s.lines.some((l) => l.includes("reading audio from stdin")),
			);
			screen.keys("C-c");
			assert.equal(await screen.exited(60_000), 130);
			assert.ok(
				screen.lines.includes("earshot: nothing was heard on stdin"),
				screen.lines.join("\n"),
			);
		} finally {
			screen.close();
		}
	});

	// Speech, a pause, then speech still going when the pipe falls idle.
	const first = synthesize("please turn on the kitchen light", {
		voice: "awb",
	});
	const second = synthesize("i would like a cup of coffee", { voice: "awb" });
	const pcm = readFileSync(withPauses([first, second], 1)).subarray(44);
	const openPhrase = pcm.subarray(0, pcm.length - 16000 * 2);
	const stdinArgs = ["recognize", "--stdin", "--rate", "16000", ...engine];

	for (const [name, signal, code] of [
		["Ctrl-C", "C-c", 130],
		["SIGTERM", "TERM", 143],
	] as const) {
		test(`${name} on an idle --stdin pipe flushes the open phrase and exits ${code}`, async () => {
			const fifo = join(mkdtempSync(join(tmpdir(), "earshot-fifo-")), "in");
			execFileSync("mkfifo", [fifo]);
			const screen = new Screen(stdinArgs, { stdin: fifo });
			const writer = await open(fifo, "w");
			try {
				await writer.write(openPhrase);
				// The open phrase has been decoded up to its last words: its partial shows them.
				await screen.waitFor((s) =>
					drawnRows(s.raw).some((row) => /cup|coffee/.test(row)),
				);
				if (signal === "C-c") screen.keys("C-c");
				else process.kill(screen.pid, "SIGTERM");
				assert.equal(await screen.exited(60_000), code);
				const lines = screen.lines.filter((l) => l !== "");
				assert.match(lines.join("\n"), /light/, "the first phrase");
				// A final phrase, as displayed (a partial is lowercase, without a full stop).
				assert.match(
					lines.at(-1) ?? "",
					/^I .*(cup|coffee).*\.$/,
					"the flushed phrase",
				);
			} finally {
				await writer.close();
				screen.close();
			}
		});
	}
});

describe("earshot eval in a terminal", { skip: noTmuxReason }, () => {
	test("the model hint and the bar never share a line; the report names the engine", async () => {
		const dir = mkdtempSync(join(tmpdir(), "earshot-eval-tty-"));
		const audio = join(dir, "a.wav");
		execFileSync("cp", [
			synthesize("please turn on the kitchen light", { voice: "awb" }),
			audio,
		]);
		const manifest = join(dir, "manifest.tsv");
		writeFileSync(
			manifest,
			"path\treference_kind\treference\na.wav\texact\tplease turn on the kitchen light\n",
		);
		// No sherpa-onnx model here: PocketSphinx as the fallback, with its hint.
		const models = mkdtempSync(join(tmpdir(), "earshot-no-models-"));
		const screen = new Screen(["eval", "--dataset", manifest], {
			env: { EARSHOT_MODELS_DIR: models },
		});
		try {
			assert.equal(await screen.exited(), 0, screen.lines.join("\n"));
			const lines = screen.lines;
			const hint = lines.filter((l) => l.includes("no sherpa-onnx model"));
			assert.equal(hint.length, 1, lines.join("\n"));
			assert.match(hint[0], /^earshot: no sherpa-onnx model installed; .*\)$/);
			for (const line of lines) assert.doesNotMatch(line, /utterances \|/);
			assert.ok(
				lines.some((l) => /^1 utterance, .* engine pocketsphinx$/.test(l)),
				lines.join("\n"),
			);
		} finally {
			screen.close();
		}
	});
});
