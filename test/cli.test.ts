import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { after, before, describe, test } from "node:test";
import { scoreTranscript } from "../src/eval/score.js";
import { earshot, Terminal } from "./helpers/cli.js";
import { noPulseReason, type Pulse, startPulse } from "./helpers/pulse.js";
import { durationOf } from "./helpers/recognize.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

const SENTENCES = [
	"please turn on the kitchen light",
	"i would like a cup of coffee",
	"open the door",
];
const clips = SENTENCES.map((s) => synthesize(s, { voice: "awb" }));
const file = withPauses(clips, 1);
const REFERENCE = SENTENCES.join(" ");

describe("earshot recognize", () => {
	test("--file prints one line per phrase", () => {
		const { code, stdout, stderr } = earshot(["recognize", "--file", file]);
		assert.equal(code, 0, stderr);
		const lines = stdout.trim().split("\n");
		assert.equal(lines.length, SENTENCES.length);
		assert.ok(scoreTranscript(REFERENCE, lines.join(" ")).wer <= 0.35, stdout);
	});

	test("--output srt and vtt: numbered cues whose times bracket each sentence", () => {
		const srt = earshot(["recognize", "-f", file, "-o", "srt"]).stdout;
		const cues = [
			...srt.matchAll(
				/^(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)$/gm,
			),
		];
		assert.equal(cues.length, SENTENCES.length, srt);
		let clipStart = 1;
		for (const [i, cue] of cues.entries()) {
			assert.equal(cue[1], String(i + 1));
			const start =
				Number(cue[4]) + Number(cue[5]) / 1000 + Number(cue[3]) * 60;
			const end = Number(cue[8]) + Number(cue[9]) / 1000 + Number(cue[7]) * 60;
			const clipEnd = clipStart + durationOf(clips[i]);
			assert.ok(
				start >= clipStart - 0.15 && end <= clipEnd + 0.15 && start < end,
				`cue ${i}: ${start}-${end}`,
			);
			clipStart = clipEnd + 1;
		}
		const vtt = earshot(["recognize", "-f", file, "-o", "vtt"]).stdout;
		assert.match(vtt, /^WEBVTT\n\n00:00:0\d\.\d{3} --> 00:00:0\d\.\d{3}\n/);
	});

	test("--output json with --detailed, and jsonl", () => {
		const json = JSON.parse(
			earshot(["recognize", "-f", file, "-o", "json", "--detailed"]).stdout,
		);
		assert.equal(json.length, SENTENCES.length);
		for (const phrase of json) {
			assert.ok(phrase.end > phrase.start);
			assert.equal(phrase.detail.RecognitionStatus, "Success");
			assert.ok(phrase.detail.NBest[0].Words.length > 0);
		}
		const jsonl = earshot(["recognize", "-f", file, "-o", "jsonl"])
			.stdout.trim()
			.split("\n")
			.map((l) => JSON.parse(l));
		assert.deepEqual(
			jsonl.map((p) => p.text),
			json.map((p: { text: string }) => p.text),
		);
	});

	test("--stdin reads a WAV, or raw PCM with --rate", () => {
		const wav = readFileSync(file);
		const fromWav = earshot(["recognize", "--stdin"], { input: wav });
		assert.equal(fromWav.code, 0, fromWav.stderr);
		const fromRaw = earshot(
			[
				"recognize",
				"--stdin",
				"--rate",
				"16000",
				"--bits",
				"16",
				"--channels",
				"1",
			],
			{
				input: wav.subarray(44),
			},
		);
		assert.equal(fromRaw.code, 0, fromRaw.stderr);
		assert.equal(fromRaw.stdout, fromWav.stdout);
		assert.ok(scoreTranscript(REFERENCE, fromWav.stdout).wer <= 0.35);
	});

	test("--segmentation-silence-ms joins phrases across shorter pauses", () => {
		const joined = earshot([
			"recognize",
			"-f",
			file,
			"--segmentation-silence-ms",
			"2000",
		])
			.stdout.trim()
			.split("\n");
		assert.equal(joined.length, 1, joined.join("|"));
	});

	const failures: [string, string[], RegExp, Buffer?, NodeJS.ProcessEnv?][] = [
		[
			"a missing file",
			["recognize", "--file", "/nope/missing.wav"],
			/^earshot: no such file: \/nope\/missing.wav$/,
		],
		[
			"a file that is not audio",
			["recognize", "--file", "package.json"],
			/^earshot: not an audio file: package.json$/,
		],
		[
			"an unknown flag",
			["recognize", "--bogus"],
			/^earshot: unknown option '--bogus'/,
		],
		[
			"an unknown output format",
			["recognize", "-f", "x.wav", "-o", "doc"],
			/^earshot: option .* argument 'doc' is invalid/,
		],
		[
			"no input",
			["recognize"],
			/^earshot: give exactly one of FILE, --file, --stdin or --mic$/,
		],
		[
			"a file given twice",
			["recognize", "a.wav", "--file", "b.wav"],
			/^earshot: give the file once: FILE or --file, not both$/,
		],
		[
			"an out-of-range silence",
			["recognize", "-f", "", "--segmentation-silence-ms", "50"],
			/^earshot: --segmentation-silence-ms must be 100–5000, not 50$/,
		],
		[
			"a silence that is not a number",
			["recognize", "-f", "", "--segmentation-silence-ms", "abc"],
			/^earshot: option '--segmentation-silence-ms <ms>' argument 'abc' is invalid\. Expected a whole number >= 1\.$/,
		],
		[
			"/dev/null",
			["recognize", "/dev/null", "--engine", "pocketsphinx"],
			/^earshot: no audio: \/dev\/null is empty$/,
		],
		[
			"a port out of range",
			["serve", "--port", "99999"],
			/^earshot: option '--port <n>' argument '99999' is invalid\. Expected a whole number from 0 to 65535\.$/,
		],
		[
			"a missing model directory",
			["recognize", "--model", "/nope/model", "--file", ""],
			/^earshot: model directory not found: \/nope\/model$/,
		],
		[
			"unknown PocketSphinx passes",
			["recognize", "-f", "", "--passes", "fwdflat"],
			/^earshot: option '--passes <list>' argument 'fwdflat' is invalid/,
		],
		[
			"unknown passes in EARSHOT_PASSES",
			["recognize", "-f", "", "--engine", "pocketsphinx"],
			/^earshot: unknown PocketSphinx passes: fast \(available: fwdtree, /,
			undefined,
			{ EARSHOT_PASSES: "fast" },
		],
		[
			"no decoders",
			["serve", "--max-decoders", "0"],
			/^earshot: option '--max-decoders <n>' argument '0' is invalid/,
		],
		[
			"stdin that is not audio",
			["recognize", "--stdin"],
			/^earshot: not a WAV stream, and no raw PCM format was given: stdin$/,
			Buffer.from("hello"),
		],
	];
	for (const [name, args, message, input, env] of failures) {
		test(`${name}: one clear line, non-zero exit`, () => {
			const { code, stderr } = earshot(
				args.map((a) => a || file),
				{ input, env },
			);
			assert.notEqual(code, 0);
			const lines = stderr
				.trim()
				.split("\n")
				.filter((l) => !l.startsWith("npm warn"));
			assert.equal(lines.length, 1, stderr);
			assert.match(lines[0], message);
		});
	}

	test("--help explains the commands and options", () => {
		const top = earshot(["--help"]).stdout;
		for (const word of ["recognize", "models", "ENTER"])
			assert.ok(top.includes(word), word);
		const sub = earshot(["recognize", "--help"]).stdout;
		for (const flag of [
			"--file",
			"--stdin",
			"--mic",
			"--language",
			"--segmentation-silence-ms",
			"--detailed",
			"--output",
			"srt",
			"--passes",
			"fwdtree+fwdflat+bestpath",
		]) {
			assert.ok(sub.includes(flag), flag);
		}
	});

	test("a positional FILE, and `earshot help recognize`", () => {
		const positional = earshot(["recognize", file, "--engine", "pocketsphinx"]);
		assert.equal(positional.code, 0, positional.stderr);
		const flag = earshot(["recognize", "-f", file, "--engine", "pocketsphinx"]);
		assert.equal(positional.stdout, flag.stdout);
		const help = earshot(["help", "recognize"]);
		assert.equal(help.code, 0, help.stderr);
		assert.match(help.stdout, /^Usage: earshot recognize \[options\] \[file\]/);
	});

	test("flags that have no effect say so, and the run goes on", () => {
		const run = earshot([
			"recognize",
			file,
			"--rate",
			"8000",
			"--detailed",
			"-o",
			"srt",
			"--engine",
			"pocketsphinx",
		]);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /^1\n00:00:/);
		const notes = run.stderr.trim().split("\n");
		assert.deepEqual(notes, [
			"earshot: --rate has no effect without --stdin (the file gives its own format)",
			"earshot: --detailed has no effect with --output srt (use json or jsonl)",
		]);
	});

	test("a silent file: no transcript, a note that nothing was heard, exit 0", () => {
		const silence = withPauses([], 3);
		const run = earshot(["recognize", silence, "--engine", "pocketsphinx"]);
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stdout, "");
		assert.equal(
			run.stderr.trim(),
			`earshot: nothing was heard in ${basename(silence)}`,
		);
	});

	test("a WAV cut short is transcribed for what it holds, with a warning", () => {
		const wav = readFileSync(file);
		const cut = `${file}.cut.wav`;
		// The first sentence and its pause, of the three the header declares.
		const keep = 44 + 2 * Math.round(16000 * (1 + durationOf(clips[0]) + 0.8));
		writeFileSync(cut, wav.subarray(0, keep));
		const run = earshot(["recognize", cut, "--engine", "pocketsphinx"]);
		assert.equal(run.code, 0, run.stderr);
		assert.match(
			run.stderr.trim(),
			/^earshot: truncated WAV: .*\.cut\.wav declares \d+\.\d\d s of audio but holds \d+\.\d\d s; transcribing what is there$/,
		);
		const whole = earshot(["recognize", file, "--engine", "pocketsphinx"]);
		assert.equal(run.stdout, `${whole.stdout.split("\n")[0]}\n`);
	});

	test("a long file shows a progress bar on a terminal", async () => {
		const long = `${file}.long.wav`;
		execFileSync("sox", ["-R", file, file, file, file, long]);
		const term = new Terminal(["recognize", "-f", long]);
		assert.equal(await term.exited, 0);
		assert.match(term.output, /\d+% \| \d+\/\d+ s/);
	});
});

describe("microphone, through a PulseAudio null sink", {
	skip: noPulseReason,
}, () => {
	let pulse: Pulse;
	before(async () => {
		pulse = await startPulse();
	});
	after(async () => {
		await pulse?.stop();
	});

	test("`earshot` is Azure's console sample: live lines, ENTER stops, exit 0", async () => {
		const term = new Terminal([], { PULSE_SERVER: pulse.server });
		await term.waitFor(/Listening, press ENTER to stop\.\.\./);
		await pulse.play(file);
		await term.waitFor(/RECOGNIZED: [^\n]*coffee/i);
		term.type("\n");
		assert.equal(await term.exited, 0);
		const lines = term.lines;
		const started = lines.findIndex((l) =>
			/^SESSION STARTED: [0-9a-f]{32}$/.test(l),
		);
		assert.ok(started >= 0, term.output);
		assert.equal(lines[started + 1], "");
		assert.ok(lines.some((l) => l.startsWith("RECOGNIZING: ")));
		const recognized = lines.flatMap((l, i) =>
			l.startsWith("RECOGNIZED: ") ? [i] : [],
		);
		assert.ok(recognized.length >= 2, term.output);
		for (const i of recognized)
			assert.equal(lines[i + 1], "", "a blank line follows RECOGNIZED");
		const text = recognized
			.map((i) => lines[i].slice("RECOGNIZED: ".length))
			.join(" ");
		assert.ok(scoreTranscript(REFERENCE, text).wer <= 0.4, text);
		assert.match(
			lines.filter((l) => l.startsWith("SESSION STOPPED: ")).join(),
			/^SESSION STOPPED: [0-9a-f]{32}$/,
		);
		assert.ok(!term.output.includes("CANCELED"));
	});

	test("`earshot recognize --mic` writes the transcript and stops on ENTER", async () => {
		const term = new Terminal(["recognize", "--mic"], {
			PULSE_SERVER: pulse.server,
		});
		await term.waitFor(/Listening/);
		await pulse.play(clips[1]);
		await term.waitFor(/coffee|cup/i);
		term.type("\n");
		assert.equal(await term.exited, 0);
	});
});

describe("`earshot` with no usable microphone: CANCELED lines and exit 1", () => {
	const noMicrophone = {
		PULSE_SERVER: "unix:/nonexistent/pulse",
		AUDIODEV: "nonexistent",
	};
	const check = (code: number | null, lines: string[], output: string) => {
		assert.equal(code, 1, output);
		assert.ok(lines.includes("CANCELED: Reason=Error"), output);
		assert.ok(
			lines.some((l) =>
				/^CANCELED: ErrorDetails=microphone capture failed: /.test(l),
			),
			output,
		);
		const stopped = lines.findIndex((l) => l.startsWith("SESSION STOPPED: "));
		assert.ok(stopped >= 0, output);
		const listening = lines.indexOf("Listening, press ENTER to stop...");
		assert.ok(listening < stopped, "nothing is announced after the end");
	};

	test("at a terminal", async () => {
		const term = new Terminal([], noMicrophone);
		check(await term.exited, term.lines, term.output);
	});

	test("with stdin at its end (</dev/null)", () => {
		const run = earshot([], { input: "", env: noMicrophone });
		check(run.code, run.stdout.split("\n"), run.stdout + run.stderr);
	});
});
