import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

	const failures: [string, string[], RegExp, Buffer?][] = [
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
			/^error: unknown option '--bogus'/,
		],
		[
			"an unknown output format",
			["recognize", "-f", "x.wav", "-o", "doc"],
			/^error: option .* argument 'doc' is invalid/,
		],
		[
			"no input",
			["recognize"],
			/^earshot: give exactly one of --file, --stdin or --mic$/,
		],
		[
			"an out-of-range silence",
			["recognize", "-f", "", "--segmentation-silence-ms", "50"],
			/Speech_SegmentationSilenceTimeoutMs must be an integer from 100 to 5000/,
		],
		[
			"a missing model directory",
			["recognize", "--model", "/nope/model", "--file", ""],
			/^earshot: model directory not found: \/nope\/model$/,
		],
		[
			"stdin that is not audio",
			["recognize", "--stdin"],
			/^earshot: not a WAV stream, and no raw PCM format was given: stdin$/,
			Buffer.from("hello"),
		],
	];
	for (const [name, args, message, input] of failures) {
		test(`${name}: one clear line, non-zero exit`, () => {
			const { code, stderr } = earshot(
				args.map((a) => a || file),
				{ input },
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
		]) {
			assert.ok(sub.includes(flag), flag);
		}
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

test("`earshot` with no usable microphone: CANCELED lines and exit 1", async () => {
	const term = new Terminal([], {
		PULSE_SERVER: "unix:/nonexistent/pulse",
		AUDIODEV: "nonexistent",
	});
	assert.equal(await term.exited, 1);
	const lines = term.lines;
	assert.ok(
		lines.includes("CANCELED: Reason=CancellationReason.Error"),
		term.output,
	);
	assert.ok(
		lines.some((l) =>
			/^CANCELED: ErrorDetails=microphone capture failed: /.test(l),
		),
		term.output,
	);
	assert.ok(lines.some((l) => l.startsWith("SESSION STOPPED: ")));
});
