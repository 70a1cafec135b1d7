/**
 * Moonshine base English as the default engine, on real speech: accuracy, Detailed output
 * with aligned word times, and every way in (SDK, `earshot`, `earshot recognize`, the server
 * with the official SDK, the captions page).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import * as azure from "microsoft-cognitiveservices-speech-sdk";
import { chromium } from "playwright-core";
import { resolveEngine, selectEngine } from "../src/engines/select.js";
import { scoreCorpus, scoreTranscript } from "../src/eval/score.js";
import {
	AudioConfig,
	OutputFormat,
	type RecognizerEvent,
	ResultReason,
	type SpeechConfig,
} from "../src/index.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { lexicalWords } from "../src/text/lexical.js";
import { earshot, Terminal } from "./helpers/cli.js";
import { fileSamples, spokenSamples } from "./helpers/engine-stream.js";
import { MOONSHINE, moonshineFixture } from "./helpers/moonshine.js";
import { noPulseReason, type Pulse, startPulse } from "./helpers/pulse.js";
import { durationOf, recognizeAll } from "./helpers/recognize.js";
import { noSharedReason, sharedDir, sharedManifest } from "./helpers/shared.js";
import { synthesize, withPauses } from "./helpers/speech.js";

// These tests are about the default engine: nothing pins one.
delete process.env.EARSHOT_ENGINE;

const moonshine = await moonshineFixture();
const CHROMIUM = "/usr/bin/chromium";
const ENGINE_NAME = `sherpa-onnx:moonshine-v2:${MOONSHINE}`;
const TICKS = 10_000_000;
const SENTENCES = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"i would like a cup of coffee",
];
const GAP = 1;
const clips = SENTENCES.map((s) => synthesize(s, { voice: "awb" }));
const sentencesFile = withPauses(clips, GAP);
const REFERENCE = SENTENCES.join(" ");
/** Six sentences that, 0.1 s apart, make one phrase of about 12 s under a 1 s silence. */
const LONG_SENTENCES = [
	...SENTENCES,
	"call my sister tomorrow",
	"the train leaves at noon",
	"close the window",
];
const longClips = [
	...clips,
	...LONG_SENTENCES.slice(3).map((s) => synthesize(s, { voice: "awb" })),
];

interface DetailedWord {
	Word: string;
	Offset: number;
	Duration: number;
	Confidence: number;
}

/** The Detailed JSON of each final phrase that matched speech. */
function detailedPhrases(events: RecognizerEvent[]) {
	return events.flatMap((e) =>
		e.type === "recognized" &&
		e.args.result.reason === ResultReason.RecognizedSpeech
			? [JSON.parse(e.args.result.json)]
			: [],
	);
}

/**
 * Every phrase's words: Lexical's words in order, each with a duration, inside its phrase,
 * not overlapping the next, with a confidence in (0, 1].
 */
function assertTimedWords(phrase: {
	Offset: number;
	Duration: number;
	NBest: { Lexical: string; Display: string; Words: DetailedWord[] }[];
}) {
	const best = phrase.NBest[0];
	assert.ok(best);
	assert.deepEqual(
		best.Words.map((w) => w.Word),
		best.Lexical.split(" "),
		best.Display,
	);
	let previousEnd = phrase.Offset;
	for (const w of best.Words) {
		assert.ok(w.Duration > 0, `${w.Word} has a duration`);
		assert.ok(
			w.Offset >= previousEnd,
			`${w.Word} starts after the word before`,
		);
		previousEnd = w.Offset + w.Duration;
		assert.ok(
			w.Confidence > 0 && w.Confidence <= 1,
			`${w.Word}: ${w.Confidence}`,
		);
	}
	assert.ok(
		previousEnd <= phrase.Offset + phrase.Duration,
		"inside the phrase",
	);
}

describe(`${MOONSHINE} is the default`, { skip: moonshine.skip }, () => {
	before(() => assert.equal(moonshine.missing, undefined, moonshine.missing));

	test("with nothing chosen, the engine resolves to it, behind the Silero VAD", async () => {
		assert.equal((await selectEngine()).name, ENGINE_NAME);
		const resolved = await resolveEngine();
		assert.equal(resolved.engine, "sherpa");
		if (resolved.engine !== "sherpa") return;
		assert.equal(resolved.model.kind, "moonshine-v2");
		assert.ok(resolved.vad, "runs behind the VAD");
	});

	test("flite speech through the default SpeechConfig: words, partials, word times on the absolute clock", async () => {
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(sentencesFile),
			(config) => {
				config.outputFormat = OutputFormat.Detailed;
			},
		);
		assert.ok(
			scoreTranscript(REFERENCE, run.transcript).wer <= 0.15,
			run.transcript,
		);
		assert.ok(
			run.events.some((e) => e.type === "recognizing"),
			"partials while a phrase is spoken",
		);
		const phrases = detailedPhrases(run.events);
		assert.equal(phrases.length, SENTENCES.length, run.transcript);
		let clipStart = GAP;
		for (const [i, phrase] of phrases.entries()) {
			assertTimedWords(phrase);
			// Each phrase's words lie on its own sentence's audio, give or take the VAD's margins.
			const clipEnd = clipStart + durationOf(clips[i] as string);
			const words = phrase.NBest[0].Words as DetailedWord[];
			const first = (words[0] as DetailedWord).Offset / TICKS;
			const last = words.at(-1) as DetailedWord;
			const end = (last.Offset + last.Duration) / TICKS;
			assert.ok(
				first >= clipStart - 0.3 && end <= clipEnd + 0.3,
				`phrase ${i}: words ${first}-${end}, speech ${clipStart}-${clipEnd}`,
			);
			clipStart = clipEnd + GAP;
		}
	});

	test("a pause shorter than the segmentation silence, long enough that alignment starts in it, leaves one phrase with all its words timed", async () => {
		// flite ends each clip with about 0.3 s of quiet: with the 0.3 s gap the detector hears
		// about 0.55 s of pause, past the half of its 850 ms silence (the 1 s less its trail) at
		// which the words at a pause are aligned ahead, but short of ending the phrase.
		const [first, second] = [clips[1], clips[2]] as [string, string];
		const file = withPauses([first, second], 0.3);
		const run = await recognizeAll(AudioConfig.fromWavFileInput(file), (c) => {
			c.outputFormat = OutputFormat.Detailed;
			c.setProperty("Speech_SegmentationSilenceTimeoutMs", "1000");
		});
		const phrases = detailedPhrases(run.events);
		assert.equal(phrases.length, 1, run.transcript);
		const expected = `${SENTENCES[1]} ${SENTENCES[2]}`;
		assert.ok(
			scoreTranscript(expected, run.transcript).wer <= 0.15,
			run.transcript,
		);
		assertTimedWords(phrases[0]);
		// The words after the pause are timed on the second sentence's audio, not squeezed
		// into the first's, as an alignment of the text before the pause would leave them.
		const words = phrases[0].NBest[0].Words as DetailedWord[];
		const coffee = words.find((w) => w.Word === "coffee");
		assert.ok(coffee, phrases[0].NBest[0].Lexical);
		const secondStart = 0.3 + durationOf(first) + 0.3;
		assert.ok(
			coffee.Offset / TICKS > secondStart,
			`coffee at ${coffee.Offset / TICKS} s, the second sentence starts at ${secondStart} s`,
		);
	});

	test("a long phrase, split at a pause and aligned in part while it was spoken, has its words on their own sentences, as without partials", async () => {
		// Six sentences with short gaps make one phrase of about 12 s under a 1 s silence. Past
		// 5 s it is split at its next pause: the speech before is decoded and aligned alone, and
		// later decodes take only what follows. Within a piece, the words of each partial over
		// 6 s are aligned as soon as it is decoded, and the final aligns only the words after them.
		const sentences = LONG_SENTENCES;
		const parts = longClips;
		const gap = 0.1;
		const file = withPauses(parts, gap);
		const configure = (c: SpeechConfig) => {
			c.outputFormat = OutputFormat.Detailed;
			c.setProperty("Speech_SegmentationSilenceTimeoutMs", "1000");
		};
		const run = await recognizeAll(
			AudioConfig.fromWavFileInput(file),
			configure,
		);
		const phrases = detailedPhrases(run.events);
		assert.equal(phrases.length, 1, run.transcript);
		// Decoded only once it ended, the phrase is split at the same pause.
		const without = await recognizeAll(
			AudioConfig.fromWavFileInput(file),
			configure,
			{ decodePartials: false },
		);
		assert.deepEqual(without.phrases, run.phrases);
		assert.ok(
			scoreTranscript(sentences.join(" "), run.transcript).wer <= 0.15,
			run.transcript,
		);
		assertTimedWords(phrases[0]);
		const words = phrases[0].NBest[0].Words as DetailedWord[];
		let clipStart = gap;
		for (const [i, part] of parts.entries()) {
			const clipEnd = clipStart + durationOf(part);
			const last = (sentences[i] as string).split(" ").at(-1) as string;
			const word = words.find((w) => w.Word === last);
			assert.ok(word, `${last}: ${phrases[0].NBest[0].Lexical}`);
			const at = word.Offset / TICKS;
			assert.ok(
				at >= clipStart - 0.3 && at <= clipEnd + 0.3,
				`${last} at ${at} s, its sentence is ${clipStart}-${clipEnd} s`,
			);
			clipStart = clipEnd + gap;
		}
		// Past its sixth second, the phrase's text moves about every second: between decodes
		// of the piece, up to 3 s apart, the audio since the last one is decoded alone, and
		// after the split the partials start again from 0.3 s.
		const seconds = (e: RecognizerEvent) =>
			e.type === "recognizing" ? e.args.result.duration / TICKS : 0;
		const late = run.events.map(seconds).filter((s) => s >= 6);
		const spoken = (phrases[0].Duration as number) / TICKS;
		assert.ok(
			late.length >= 2 * Math.floor((spoken - 6) / 3) + 1,
			`partials past 6 s of a ${spoken} s phrase at ${late.join(", ")} s`,
		);
	});

	test("a phrase ends when the segmentation silence has passed since its sound stopped, not the detector's trail later", async () => {
		const engine = await selectEngine();
		const speech = await spokenSamples(SENTENCES[0] as string);
		const soundEnd = lastLoudSample(speech);
		const audio = new Float32Array(speech.length + 32000);
		audio.set(speech);
		for (const silenceMs of [500, 1000]) {
			const stream = await engine.openStream({
				segmentationSilenceMs: silenceMs,
			});
			// Where, on the audio's own clock, the write that ends the phrase finishes.
			let endedAt: number | undefined;
			try {
				for (let at = 0; at < audio.length && endedAt === undefined; ) {
					const piece = audio.subarray(at, at + 1600);
					at += piece.length;
					if ((await stream.write(piece)).ended.length > 0) endedAt = at;
				}
			} finally {
				await stream.close();
			}
			assert.ok(endedAt !== undefined, `no phrase ended (${silenceMs} ms)`);
			// One 100 ms piece either way: the end shows with the piece that holds it.
			const afterSoundMs = ((endedAt - soundEnd) / 16000) * 1000;
			assert.ok(
				Math.abs(afterSoundMs - silenceMs) <= 100,
				`a ${silenceMs} ms silence ended the phrase ${Math.round(afterSoundMs)} ms after its sound`,
			);
		}
	});

	test("after skipPartials (a stop) no partial comes until the finalize, which has the whole phrase; then partials come again", async () => {
		const engine = await selectEngine();
		const sentence = SENTENCES[1] as string;
		const speech = await spokenSamples(sentence);
		const stream = await engine.openStream({ segmentationSilenceMs: 500 });
		const pieces = (samples: Float32Array) =>
			Array.from({ length: Math.ceil(samples.length / 1600) }, (_, i) =>
				samples.subarray(i * 1600, (i + 1) * 1600),
			);
		try {
			const half = Math.round(speech.length / 2);
			let partials = 0;
			for (const piece of pieces(speech.subarray(0, half)))
				if ((await stream.write(piece)).partial) partials++;
			assert.ok(partials > 0, "partials before the stop");
			assert.ok(stream.skipPartials, "Moonshine skips partials on a stop");
			stream.skipPartials();
			for (const piece of pieces(speech.subarray(half)))
				assert.equal((await stream.write(piece)).partial, undefined);
			const ended = await stream.finalize();
			assert.ok(ended?.result, "the phrase is flushed");
			assert.ok(
				scoreTranscript(sentence, ended.result.text).wer <= 0.15,
				ended.result.text,
			);
			const words = ended.result.words;
			assert.equal(words.length, lexicalWords(ended.result.text).length);
			for (const [i, w] of words.entries()) {
				assert.ok(w.startSample <= w.endSample, `${w.word} is timed`);
				if (i > 0) assert.ok(w.startSample >= (words[i - 1]?.startSample ?? 0));
			}
			let after = 0;
			for (const piece of pieces(speech))
				if ((await stream.write(piece)).partial) after++;
			assert.ok(after > 0, "partials after the finalize");
		} finally {
			await stream.close();
		}
		// Without the stop, the second half brings partials: the check above could fail.
		const control = await engine.openStream({ segmentationSilenceMs: 500 });
		try {
			let late = 0;
			for (const [i, piece] of pieces(speech).entries())
				if (
					(await control.write(piece)).partial &&
					i * 1600 >= speech.length / 2
				)
					late++;
			assert.ok(late > 0, "partials in the second half");
		} finally {
			await control.close();
		}
	});

	test("a stop after a long phrase was split flushes its piece and the rest in order, the same with partials and without", async () => {
		const engine = await selectEngine();
		const speech = await fileSamples(withPauses(longClips, 0.1));
		// Past the split at the pause after 5 s of speech, inside the fifth sentence.
		const cut = 9 * 16000;
		const flush = async (partials: boolean) => {
			const stream = await engine.openStream({
				segmentationSilenceMs: 1000,
				partials,
			});
			try {
				for (let at = 0; at < cut; at += 1600) {
					const update = await stream.write(
						speech.subarray(at, Math.min(cut, at + 1600)),
					);
					assert.deepEqual(update.ended, [], "one phrase so far");
				}
				stream.skipPartials?.();
				return await stream.finalize();
			} finally {
				await stream.close();
			}
		};
		const [flushed, without] = [await flush(true), await flush(false)];
		assert.ok(flushed?.result, "the phrase is flushed");
		assert.equal(without?.result?.text, flushed.result.text);
		const lexical = lexicalWords(flushed.result.text);
		let from = 0;
		for (const sentence of LONG_SENTENCES.slice(0, 4)) {
			const last = sentence.split(" ").at(-1) as string;
			const at = lexical.indexOf(last, from);
			assert.ok(at >= from, `${last} in order: ${flushed.result.text}`);
			from = at + 1;
		}
		const words = flushed.result.words;
		assert.equal(words.length, lexical.length);
		let previousEnd = flushed.startSample;
		for (const w of words) {
			assert.ok(
				w.startSample >= previousEnd,
				`${w.word} after the word before`,
			);
			assert.ok(w.endSample > w.startSample && w.endSample <= cut, w.word);
			previousEnd = w.endSample;
		}
	});

	test("`earshot recognize` uses it: no fallback hint, Moonshine's accuracy", () => {
		const { code, stdout, stderr } = earshot(
			["recognize", "-f", sentencesFile],
			{
				env: { NODE_TEST_CONTEXT: undefined },
				// Moonshine re-decodes the open phrase for each partial: slower than PocketSphinx.
				timeoutMs: 600_000,
			},
		);
		assert.equal(code, 0, stderr);
		assert.doesNotMatch(stderr, /using PocketSphinx/);
		const lines = stdout.trim().split("\n");
		assert.equal(lines.length, SENTENCES.length, stdout);
		assert.ok(scoreTranscript(REFERENCE, stdout).wer <= 0.15, stdout);
	});
});

describe("`earshot` (the console sample) on Moonshine", {
	skip: moonshine.skip || noPulseReason,
}, () => {
	let pulse: Pulse;
	before(async () => {
		assert.equal(moonshine.missing, undefined, moonshine.missing);
		pulse = await startPulse();
	});
	after(async () => {
		await pulse?.stop();
	});

	test("speech played to the microphone comes out as Moonshine's RECOGNIZED lines", async () => {
		const term = new Terminal([], { PULSE_SERVER: pulse.server });
		await term.waitFor(/Listening, press ENTER to stop\.\.\./, 120_000);
		await pulse.play(sentencesFile);
		await term.waitFor(/RECOGNIZED: [^\n]*coffee/i, 120_000);
		term.type("\n");
		assert.equal(await term.exited, 0);
		const text = term.lines
			.filter((l) => l.startsWith("RECOGNIZED: "))
			.map((l) => l.slice("RECOGNIZED: ".length));
		assert.ok(
			scoreTranscript(REFERENCE, text.join(" ")).wer <= 0.15,
			term.output,
		);
	});
});

describe(`${MOONSHINE} on ../shared/audio/speech`, {
	skip: moonshine.skip || (sharedDir ? false : noSharedReason),
}, () => {
	before(() => assert.equal(moonshine.missing, undefined, moonshine.missing));

	test("WER under 8 % on the exact references; every phrase's words are timed", async () => {
		const rows = sharedManifest().filter(
			(r) => r.path.includes("/speech/") && r.referenceKind === "exact",
		);
		assert.ok(rows.length >= 15);
		const pairs: { reference: string; hypothesis: string }[] = [];
		for (const row of rows) {
			const run = await recognizeAll(
				AudioConfig.fromAudioFileInput(row.path),
				(config) => {
					config.outputFormat = OutputFormat.Detailed;
				},
			);
			assert.equal(run.canceled?.errorDetails ?? "", "", row.path);
			pairs.push({ reference: row.reference, hypothesis: run.transcript });
			for (const phrase of detailedPhrases(run.events))
				assertTimedWords(phrase);
		}
		const { total } = scoreCorpus(pairs);
		assert.ok(
			total.wer < 0.08,
			`WER ${(total.wer * 100).toFixed(1)} %:\n${pairs.map((p) => `${p.reference}\n  ${p.hypothesis}`).join("\n")}`,
		);
	});

	test("a 16 s phrase, split at its pauses past 5 s, is the same with partials and without, and has all its words", async () => {
		const row = sharedManifest().find((r) =>
			r.path.endsWith("1221-135766-0001.wav"),
		);
		assert.ok(row, "the manifest lists the 16 s LibriSpeech phrase");
		const run = (decodePartials: boolean) =>
			recognizeAll(
				AudioConfig.fromWavFileInput(row.path),
				(config) => {
					config.outputFormat = OutputFormat.Detailed;
				},
				{ decodePartials },
			);
		const [withPartials, without] = [await run(true), await run(false)];
		assert.equal(withPartials.phrases.length, 1, withPartials.transcript);
		assert.ok(
			withPartials.events.some((e) => e.type === "recognizing"),
			"partials were decoded",
		);
		assert.deepEqual(without.phrases, withPartials.phrases);
		// Nothing is lost or doubled where the pieces meet ("for ever" is one word to Moonshine).
		assert.ok(
			scoreTranscript(row.reference, withPartials.transcript).wer <= 0.07,
			withPartials.transcript,
		);
		for (const phrase of detailedPhrases(withPartials.events))
			assertTimedWords(phrase);
	});
});

describe(`${MOONSHINE} behind earshot serve`, { skip: moonshine.skip }, () => {
	let server: RunningServer;
	before(async () => {
		assert.equal(moonshine.missing, undefined, moonshine.missing);
		server = await startServer({ port: 0, log: false });
		// The server's engine is the process's shared default one.
		assert.equal((await selectEngine()).name, ENGINE_NAME);
	});
	after(() => server?.close());

	test("the official Speech SDK gets Moonshine's phrases with Detailed word times", async () => {
		const config = azure.SpeechConfig.fromHost(new URL(server.url));
		config.outputFormat = azure.OutputFormat.Detailed;
		const recognizer = new azure.SpeechRecognizer(
			config,
			azure.AudioConfig.fromWavFileInput(readFileSync(sentencesFile)),
		);
		const finals: azure.SpeechRecognitionResult[] = [];
		let partials = 0;
		const stopped = new Promise<void>((resolve) => {
			recognizer.sessionStopped = () => resolve();
			recognizer.canceled = (_, e) => {
				if (e.reason === azure.CancellationReason.Error)
					assert.fail(e.errorDetails);
			};
		});
		recognizer.recognizing = () => partials++;
		recognizer.recognized = (_, e) => {
			if (e.result.reason === azure.ResultReason.RecognizedSpeech)
				finals.push(e.result);
		};
		recognizer.startContinuousRecognitionAsync();
		await stopped;
		recognizer.close();
		const transcript = finals.map((r) => r.text).join(" ");
		assert.ok(scoreTranscript(REFERENCE, transcript).wer <= 0.15, transcript);
		assert.ok(partials > 0, "partials");
		for (const r of finals) assertTimedWords(JSON.parse(r.json));
	});

	test("the captions page transcribes a dropped file with Moonshine", {
		skip: existsSync(CHROMIUM)
			? false
			: `${CHROMIUM} is missing (apt-get install chromium)`,
	}, async () => {
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ["--headless", "--no-sandbox", "--disable-gpu"],
		});
		try {
			const page = await browser.newPage();
			await page.goto(server.url.replace(/^ws/, "http"));
			const bytes = readFileSync(sentencesFile).toString("base64");
			const transfer = await page.evaluateHandle(`(() => {
				const bytes = Uint8Array.from(atob("${bytes}"), (c) => c.charCodeAt(0));
				const transfer = new DataTransfer();
				transfer.items.add(new File([bytes], "speech.wav", { type: "audio/wav" }));
				return transfer;
			})()`);
			await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
			await page.waitForSelector('#state[data-state="stopped"]', {
				timeout: 600_000,
			});
			const texts = await page.locator("#phrases li > span").allTextContents();
			assert.ok(
				scoreTranscript(REFERENCE, texts.join(" ")).wer <= 0.15,
				texts.join(" | "),
			);
		} finally {
			await browser.close();
		}
	});
});

/** One past the last sample of the last 10 ms frame above −40 dB: where the sound stops. */
function lastLoudSample(samples: Float32Array): number {
	let last = 0;
	for (let frame = 0; frame + 160 <= samples.length; frame += 160) {
		let energy = 0;
		for (let i = frame; i < frame + 160; i++)
			energy += (samples[i] as number) ** 2;
		if (10 * Math.log10(energy / 160 + 1e-12) > -40) last = frame + 160;
	}
	return last;
}
