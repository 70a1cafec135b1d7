import assert from "node:assert/strict";
import {
	copyFileSync,
	mkdirSync,
	mkdtempSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import sherpa from "sherpa-onnx-node";
import {
	checkLanguage,
	modelArgument,
	resolveEngine,
	selectEngine,
} from "../src/engines/select.js";
import {
	AudioConfig,
	AudioInputStream,
	AudioStreamFormat,
	EarshotProperty,
	EmbeddedSpeechConfig,
	type RecognizerEvent,
	ResultReason,
	SpeechRecognizer,
} from "../src/index.js";
import { PULL_HINT } from "../src/models/index.js";
import { hashTree, writeManifest } from "../src/models/manifest.js";
import { earshot } from "./helpers/cli.js";
import {
	writeOfflineNemoCtcModel,
	writeStreamingNemoCtcModel,
} from "./helpers/onnx-models.js";
import {
	CancellationReason,
	type Run,
	summarize,
} from "./helpers/recognize.js";
import { vadFixture } from "./helpers/shared.js";

const scratch = mkdtempSync(join(tmpdir(), "earshot-select-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Every choice in this file sees only this store, whatever the machine has installed.
const store = join(scratch, "models");
mkdirSync(store);
process.env.EARSHOT_MODELS_DIR = store;
delete process.env.EARSHOT_VAD_MODEL;
delete process.env.EARSHOT_THREADS;
delete process.env.EARSHOT_ENGINE;
/** For CLI runs: without NODE_TEST_CONTEXT, which hides the hint (spawn drops undefined values). */
const cliEnv = (extra: NodeJS.ProcessEnv = {}) => ({
	NODE_TEST_CONTEXT: undefined,
	...extra,
});

const RATE = 16000;
const { vad: vadFile, harvard, skip: noVad } = vadFixture;

/** 0.5 s silence, 0.5 s at 300 Hz ("lo"), 1 s silence, 0.5 s at 5 kHz ("hi"), 1 s silence: 16-bit PCM. */
function tonesPcm(): Buffer {
	const spans: [freq: number, seconds: number][] = [
		[0, 0.5],
		[300, 0.5],
		[0, 1],
		[5000, 0.5],
		[0, 1],
	];
	const samples: number[] = [];
	for (const [freq, seconds] of spans)
		for (let i = 0; i < seconds * RATE; i++)
			samples.push(
				freq
					? Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * freq * i) / RATE))
					: 0,
			);
	return Buffer.from(Int16Array.from(samples).buffer);
}

/** Continuous recognition of 16-bit PCM (default 16 kHz) from a push stream, to the end. */
async function recognize(
	config: EmbeddedSpeechConfig,
	pcm: Buffer,
	format?: AudioStreamFormat,
): Promise<Run> {
	const stream = AudioInputStream.createPushStream(format);
	const recognizer = new SpeechRecognizer(
		config,
		AudioConfig.fromStreamInput(stream),
	);
	const events: RecognizerEvent[] = [];
	const iteration = (async () => {
		for await (const event of recognizer.events()) events.push(event);
	})();
	await recognizer.startContinuousRecognition();
	stream.write(pcm);
	stream.close();
	await iteration;
	await recognizer.dispose();
	return summarize(events);
}

/** Installs `dir`'s files as the registry model `name`, with the manifest a pull writes. */
async function install(name: string, files: Record<string, string>) {
	const dir = join(store, name);
	mkdirSync(dir, { recursive: true });
	for (const [path, from] of Object.entries(files))
		copyFileSync(from, join(dir, path));
	await writeManifest(dir, {
		model: name,
		url: `https://example.invalid/${name}`,
		archiveSha256: "0".repeat(64),
		checksumSource: "unverified",
		installedAt: new Date().toISOString(),
		files: await hashTree(dir),
	});
	return dir;
}

const streamingDir = join(scratch, "tiny-streaming-nemo-ctc");
writeStreamingNemoCtcModel({ dir: streamingDir });
const offlineDir = join(scratch, "tiny-nemo-ctc");
writeOfflineNemoCtcModel({ dir: offlineDir });

describe("nothing installed", () => {
	test("the default is PocketSphinx, marked as a fallback", async () => {
		const resolved = await resolveEngine();
		assert.deepEqual(resolved, {
			engine: "pocketsphinx",
			languages: ["en-US"],
			fallback: true,
		});
		await assert.rejects(
			resolveEngine({ engine: "sherpa" }),
			/^Error: no sherpa-onnx model installed: run `earshot models pull NAME`/,
		);
	});

	test("the CLI prints the pull hint once, unless EARSHOT_QUIET", () => {
		const silence = Buffer.alloc(RATE);
		const args = ["recognize", "--stdin", "--rate", "16000"];
		const run = earshot(args, { input: silence, env: cliEnv() });
		assert.equal(run.code, 0, run.stderr);
		// Silence: after the hint, the note that nothing was heard.
		const nothing = "earshot: nothing was heard on stdin\n";
		assert.equal(run.stderr, `earshot: ${PULL_HINT}\n${nothing}`);
		const quiet = earshot(args, {
			input: silence,
			env: cliEnv({ EARSHOT_QUIET: "1" }),
		});
		assert.equal(quiet.code, 0, quiet.stderr);
		assert.equal(quiet.stderr, nothing);
	});

	test("a model name that is not installed gives one line", () => {
		const run = earshot(
			[
				"recognize",
				"--stdin",
				"--rate",
				"16000",
				"--model",
				"sherpa-onnx-whisper-tiny.en",
			],
			{ input: Buffer.alloc(3200), env: cliEnv() },
		);
		assert.equal(run.code, 1);
		assert.match(
			run.stderr,
			/^earshot: sherpa-onnx-whisper-tiny\.en is not installed; run `earshot models pull sherpa-onnx-whisper-tiny\.en`\n$/,
		);
	});
});

describe("model directories", () => {
	test("a missing or empty directory, or half a PocketSphinx model, gives one line", async () => {
		await assert.rejects(
			resolveEngine({ modelPath: join(scratch, "nowhere") }),
			/^Error: model directory not found: .*nowhere$/,
		);
		const empty = join(scratch, "empty");
		mkdirSync(empty);
		await assert.rejects(
			resolveEngine({ modelPath: empty }),
			/^Error: no model in .*empty: expected a sherpa-onnx model \(\*\.onnx and tokens\.txt\) or a PocketSphinx model/,
		);
		const half = join(scratch, "half-pocketsphinx");
		mkdirSync(half);
		writeFileSync(join(half, "en.dict"), "hello HH AH L OW\n");
		await assert.rejects(
			resolveEngine({ modelPath: half }),
			/^Error: not a PocketSphinx model directory: .* \(missing an acoustic model folder \(with mdef\), a \*\.lm\.bin language model\)$/,
		);
		await assert.rejects(
			resolveEngine({ modelPath: half, engine: "sherpa" }),
			/has no tokens\.txt: not a sherpa-onnx model$/,
		);
		await assert.rejects(
			resolveEngine({ engine: "whisper" }),
			/^Error: unknown engine: whisper \(available: pocketsphinx, sherpa\)$/,
		);
	});

	test("a sherpa directory is sherpa, whatever the path looks like", async () => {
		const resolved = await resolveEngine({
			modelPath: relative(process.cwd(), streamingDir),
		});
		assert.equal(resolved.engine, "sherpa");
		assert.equal(
			resolved.engine === "sherpa" && resolved.model.kind,
			"streaming-nemo-ctc",
		);
		assert.equal(resolved.engine === "sherpa" && resolved.vad, undefined);
		await assert.rejects(
			resolveEngine({ modelPath: streamingDir, engine: "pocketsphinx" }),
			/^Error: not a PocketSphinx model directory/,
		);
	});

	test("an offline model without the VAD gives one line naming the pull", async () => {
		await assert.rejects(
			resolveEngine({ modelPath: offlineDir }),
			/^Error: tiny-nemo-ctc \(nemo-ctc\) runs behind the Silero VAD, which is not installed: run `earshot models pull silero-vad` \(or set EARSHOT_VAD_MODEL to silero_vad\.onnx\)$/,
		);
		process.env.EARSHOT_VAD_MODEL = join(scratch, "no-vad.onnx");
		try {
			await assert.rejects(
				resolveEngine({ modelPath: offlineDir }),
				/^Error: EARSHOT_VAD_MODEL: no such file: .*no-vad\.onnx$/,
			);
		} finally {
			delete process.env.EARSHOT_VAD_MODEL;
		}
	});

	test("threads come from the choice, else EARSHOT_THREADS; bad values give one line", async () => {
		const at = (choice = {}) =>
			resolveEngine({ modelPath: streamingDir, ...choice });
		const threads = async (choice = {}) => {
			const r = await at(choice);
			return r.engine === "sherpa" ? r.numThreads : "pocketsphinx";
		};
		assert.equal(await threads(), undefined);
		process.env.EARSHOT_THREADS = "3";
		try {
			assert.equal(await threads(), 3);
			assert.equal(await threads({ numThreads: 1 }), 1);
			process.env.EARSHOT_THREADS = "many";
			await assert.rejects(
				at(),
				/^Error: EARSHOT_THREADS must be a whole number >= 1, not many$/,
			);
		} finally {
			delete process.env.EARSHOT_THREADS;
		}
		const config = EmbeddedSpeechConfig.fromPath(streamingDir);
		config.setProperty(EarshotProperty.NumThreads, "0");
		const run = await recognize(config, Buffer.alloc(3200));
		assert.equal(
			run.canceled?.errorDetails,
			"Earshot_NumThreads must be a whole number >= 1, not 0",
		);
	});

	test("--model is a directory when it exists or looks like a path, else a name", () => {
		assert.deepEqual(modelArgument(streamingDir), { modelPath: streamingDir });
		assert.deepEqual(modelArgument("./models/x"), { modelPath: "./models/x" });
		assert.deepEqual(modelArgument("sherpa-onnx-whisper-tiny.en"), {
			modelName: "sherpa-onnx-whisper-tiny.en",
		});
	});
});

describe("sherpa end to end (generated streaming model)", () => {
	test("fromPath(dir) recognizes through sherpa: events in order, offsets on the absolute clock", async () => {
		const run = await recognize(
			EmbeddedSpeechConfig.fromPath(streamingDir),
			tonesPcm(),
		);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
		// Display text: capitalized and punctuated.
		assert.deepEqual(run.phrases, ["Lo.", "Hi."]);
		const types = run.events.map((e) => e.type);
		assert.equal(types[0], "sessionStarted");
		assert.equal(types.at(-1), "sessionStopped");
		// Each phrase: its partials, then its final result.
		const order = run.events.flatMap((e) =>
			e.type === "recognizing" ||
			(e.type === "recognized" &&
				e.args.result.reason === ResultReason.RecognizedSpeech)
				? [`${e.type}:${e.args.result.text}`]
				: [],
		);
		const squeezed = order.filter((e, i) => e !== order[i - 1]);
		assert.deepEqual(squeezed, [
			"recognizing:lo",
			"recognized:Lo.",
			"recognizing:hi",
			"recognized:Hi.",
		]);
		// The tones start at 0.5 s and 2 s; ticks are 100 ns.
		const offsets = run.events.flatMap((e) =>
			e.type === "recognized" &&
			e.args.result.reason === ResultReason.RecognizedSpeech
				? [e.args.result.offset / 1e7]
				: [],
		);
		assert.equal(offsets.length, 2);
		assert.ok(Math.abs((offsets[0] as number) - 0.5) <= 0.05, `${offsets}`);
		assert.ok(Math.abs((offsets[1] as number) - 2) <= 0.05, `${offsets}`);
	});

	test("the same model is one shared engine", async () => {
		const a = await selectEngine({ modelPath: streamingDir });
		const b = await selectEngine({
			modelPath: relative(process.cwd(), streamingDir),
			engine: "sherpa",
		});
		assert.equal(a, b);
		assert.match(a.name, /^sherpa-onnx:streaming-nemo-ctc:/);
		// A custom directory's languages are unknown, so none is refused.
		checkLanguage(a, "de-DE");
	});

	test("earshot recognize --engine sherpa --model DIR", () => {
		const run = earshot(
			[
				"recognize",
				"--stdin",
				"--rate",
				"16000",
				"--engine",
				"sherpa",
				"--model",
				streamingDir,
				"--output",
				"jsonl",
			],
			{ input: tonesPcm(), env: cliEnv() },
		);
		assert.equal(run.code, 0, run.stderr);
		assert.equal(run.stderr, "");
		const lines = run.stdout
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l));
		assert.deepEqual(
			lines.map((l) => l.text ?? l.DisplayText),
			["Lo.", "Hi."],
		);
	});
});

describe("installed models", { skip: noVad }, () => {
	test("without the VAD an offline model is not the default; the name gives one line", async () => {
		await install("sherpa-onnx-whisper-tiny.en", {
			"tiny.en-encoder.int8.onnx": join(offlineDir, "model.onnx"),
			"tiny.en-decoder.int8.onnx": join(offlineDir, "model.onnx"),
			"tiny.en-tokens.txt": join(offlineDir, "tokens.txt"),
		});
		assert.equal((await resolveEngine()).engine, "pocketsphinx");
		await assert.rejects(
			resolveEngine({ modelName: "sherpa-onnx-whisper-tiny.en" }),
			/runs behind the Silero VAD, which is not installed: run `earshot models pull silero-vad`/,
		);
	});

	test("with the VAD installed the default is the best installed model, with its languages", async () => {
		await install("silero-vad", { "silero_vad.onnx": vadFile });
		const resolved = await resolveEngine();
		assert.equal(resolved.engine, "sherpa");
		if (resolved.engine !== "sherpa") return;
		assert.equal(resolved.model.kind, "whisper");
		assert.equal(
			resolved.model.files.encoder,
			join(store, "sherpa-onnx-whisper-tiny.en", "tiny.en-encoder.int8.onnx"),
		);
		assert.equal(resolved.vad, join(store, "silero-vad", "silero_vad.onnx"));
		assert.deepEqual(resolved.languages, ["en"]);
		// The installed directory given as a path is the same model.
		assert.deepEqual(
			await resolveEngine({
				modelPath: join(store, "sherpa-onnx-whisper-tiny.en"),
			}),
			resolved,
		);
		await assert.rejects(
			resolveEngine({ modelName: "silero-vad" }),
			/^Error: silero-vad is a voice-activity detector, not a recognition model$/,
		);
		await assert.rejects(
			resolveEngine({
				modelName: "sherpa-onnx-whisper-tiny.en",
				engine: "pocketsphinx",
			}),
			/is a sherpa-onnx model name; PocketSphinx takes a model directory$/,
		);
	});

	test("EARSHOT_ENGINE is the engine when nothing is chosen; a chosen engine or model wins", async () => {
		process.env.EARSHOT_ENGINE = "PocketSphinx";
		try {
			assert.equal((await resolveEngine()).engine, "pocketsphinx");
			assert.equal(
				(await resolveEngine({ engine: "sherpa" })).engine,
				"sherpa",
			);
			assert.equal(
				(await resolveEngine({ modelName: "sherpa-onnx-whisper-tiny.en" }))
					.engine,
				"sherpa",
			);
			process.env.EARSHOT_ENGINE = "kaldi";
			await assert.rejects(
				resolveEngine(),
				/^Error: unknown engine in EARSHOT_ENGINE: kaldi \(available: pocketsphinx, sherpa\)$/,
			);
		} finally {
			delete process.env.EARSHOT_ENGINE;
		}
	});

	test("an offline model behind the installed VAD runs end to end on real speech", async () => {
		const wave = sherpa.readWave(harvard);
		const pcm = Buffer.from(
			Int16Array.from(wave.samples, (s) =>
				Math.max(-32768, Math.min(32767, Math.round(s * 32768))),
			).buffer,
		);
		// The file's own 8 kHz: earshot resamples it.
		const run = await recognize(
			EmbeddedSpeechConfig.fromPath(offlineDir),
			pcm,
			AudioStreamFormat.getWaveFormatPCM(wave.sampleRate, 16, 1),
		);
		assert.equal(run.canceled?.reason, CancellationReason.EndOfStream);
		const finals = run.events.flatMap((e) =>
			e.type === "recognized" &&
			e.args.result.reason === ResultReason.RecognizedSpeech
				? [e.args.result]
				: [],
		);
		// Ten sentences with pauses: about ten phrases, in order, inside the file.
		assert.ok(finals.length >= 8 && finals.length <= 13, `${finals.length}`);
		const seconds = wave.samples.length / wave.sampleRate;
		let previousEnd = 0;
		for (const r of finals) {
			assert.ok(r.offset >= previousEnd, "in order, no overlap");
			previousEnd = r.offset + r.duration;
			assert.ok(previousEnd <= seconds * 1e7 + 1e5, "inside the file");
		}
		assert.ok(run.events.some((e) => e.type === "recognizing"));
	});
});
