import { CAPTION_DEFAULTS, CAPTION_RANGES, captionPhrase } from "./captions.js";
import {
	issueToken,
	SAMPLE_RATE,
	SpeechError,
	SpeechSession,
} from "./speech.js";
import { clock, MEDIA_TYPES, render } from "./transcript.js";

/** Words the engine is less sure of than this are underlined. */
const LOW_CONFIDENCE = 0.3;
/** Files are streamed at this multiple of real time. */
const FILE_SPEED = 20;
const FILE_CHUNK_SAMPLES = SAMPLE_RATE / 4;
/** Socket bytes queued beyond which a file waits for the network. */
const MAX_BUFFERED = 256 * 1024;

const $ = (id) => document.getElementById(id);
const startButton = $("start");
const fileInput = $("file");
const phraseList = $("phrases");
const partial = $("partial");
const downloads = document.querySelectorAll("[data-format]");

let phrases = [];
let baseName = "transcript";
/** The session under way: `stop()` ends its audio; the transcript of what was sent follows. */
let current;

function setState(state, text) {
	$("state").dataset.state = state;
	$("state").textContent = text;
}

function showMessage(text) {
	$("message").textContent = text;
	$("message").hidden = !text;
}

function setBusy(busy) {
	startButton.textContent = busy ? "Stop" : "Start microphone";
	startButton.classList.toggle("stop", busy);
	fileInput.disabled = busy;
}

/** A number field's value, or a SettingsError naming the field when it is out of range. */
function numberField(id, min, max, whole) {
	const input = $(id);
	const value = input.value.trim() === "" ? Number.NaN : Number(input.value);
	const valid =
		Number.isFinite(value) &&
		value >= min &&
		value <= max &&
		(!whole || Number.isInteger(value));
	const label = input.closest("label").firstChild.textContent.trim();
	const problem = valid
		? ""
		: `${label} must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}.`;
	input.setCustomValidity(problem);
	input.setAttribute("aria-invalid", String(!valid));
	if (!valid) {
		$("settings").open = true;
		throw new SettingsError(problem);
	}
	return value;
}

/** Recognition settings, checked against the ranges the server enforces. */
function settings() {
	return {
		language: $("language").value.trim() || "en-US",
		// Detailed always: its word times place the subtitle cues.
		format: "detailed",
		segmentationSilenceMs: numberField("silence", 100, 5000, true),
	};
}

/** The subtitle limits for the .srt and .vtt downloads. */
function captionLimits() {
	const limits = {};
	for (const [key, [min, max]] of Object.entries(CAPTION_RANGES))
		limits[key] = numberField(
			key,
			min,
			max,
			key === "maxLineChars" || key === "maxLines",
		);
	if (limits.minCueSeconds > limits.maxCueSeconds)
		throw new SettingsError(
			"The shortest cue must not be longer than the longest.",
		);
	return limits;
}

class SettingsError extends Error {}

const detailed = () =>
	document.querySelector("[name=format]:checked").value === "detailed";

function clearTranscript() {
	phrases = [];
	phraseList.replaceChildren();
	partial.textContent = "";
	for (const button of downloads) button.disabled = true;
	$("progress-row").hidden = true;
}

function hypothesis(body) {
	partial.textContent = body.Text;
	current?.heard?.(body);
}

function phrase(body) {
	partial.textContent = "";
	current?.heard?.(body);
	const best = body.NBest?.[0];
	const text = best?.Display ?? body.DisplayText ?? "";
	// NoMatch and other statuses carry no text to show.
	if (body.RecognitionStatus !== "Success" || !text) return;
	const detail = current?.detailed;
	phrases.push({
		...captionPhrase(text, body),
		...(detail ? { detail: body } : {}),
	});
	const item = document.createElement("li");
	const time = document.createElement("time");
	time.textContent = clock(body.Offset);
	time.dateTime = `PT${(body.Offset / 1e7).toFixed(2)}S`;
	item.append(time, " ", phraseText(text, detail ? best?.Words : undefined));
	phraseList.append(item);
	item.scrollIntoView({ block: "nearest" });
	for (const button of downloads) button.disabled = false;
}

/** The phrase, with low-confidence words underlined where the words line up with the text. */
function phraseText(text, words) {
	const span = document.createElement("span");
	const tokens = text.split(" ");
	if (!words || words.length !== tokens.length) {
		span.textContent = text;
		return span;
	}
	for (const [i, token] of tokens.entries()) {
		if (i) span.append(" ");
		const confidence = words[i].Confidence;
		if (confidence === undefined || confidence >= LOW_CONFIDENCE) {
			span.append(token);
			continue;
		}
		const word = document.createElement("span");
		word.className = "low";
		word.title = `confidence ${confidence.toFixed(2)}`;
		word.textContent = token;
		span.append(word);
	}
	return span;
}

/**
 * Runs one session: a token, then `setup` (capture or decoding, then `session.open()`), then the
 * transcript until turn.end. Whatever `setup` adds to `run.release` is released at the end.
 */
async function runSession(source, setup) {
	let options;
	try {
		options = settings();
	} catch (error) {
		setState("error", "Error");
		showMessage(error.message);
		return;
	}
	clearTranscript();
	showMessage("");
	setBusy(true);
	startButton.disabled = true;
	setState("connecting", "Connecting…");
	const run = { release: [], stopping: false, detailed: detailed() };
	current = run;
	try {
		const token = await issueToken(location.origin, $("key").value.trim());
		const session = new SpeechSession(
			{ origin: location.origin, token, source, ...options },
			{ hypothesis, phrase },
		);
		run.session = session;
		await setup(run, session);
		startButton.disabled = false;
		await session.done;
		setState("stopped", "Stopped");
	} catch (error) {
		setState("error", "Error");
		// A file that failed before it was streamed leaves no progress to show.
		if (!run.heard) $("progress-row").hidden = true;
		showMessage(
			error instanceof SpeechError || error instanceof MicrophoneError
				? error.message
				: `Something went wrong: ${error.message}`,
		);
		if (error.kind === "unauthorized") {
			$("key-field").hidden = false;
			$("settings").open = true;
		}
		run.session?.close();
	} finally {
		for (const release of run.release) release();
		current = undefined;
		partial.textContent = "";
		setBusy(false);
		startButton.disabled = false;
	}
}

class MicrophoneError extends Error {}

async function openMicrophone() {
	if (!navigator.mediaDevices?.getUserMedia)
		throw new MicrophoneError(
			"The microphone needs a secure page: open this page over https or on localhost.",
		);
	try {
		// The engine wants the room as it is; echo cancellation would also drop captioned playback.
		return await navigator.mediaDevices.getUserMedia({
			audio: {
				channelCount: 1,
				echoCancellation: false,
				noiseSuppression: false,
				autoGainControl: false,
			},
		});
	} catch (error) {
		if (error.name === "NotAllowedError" || error.name === "SecurityError")
			throw new MicrophoneError(
				"Microphone permission was denied. Allow the microphone for this site in the browser's settings, then press Start again.",
			);
		if (error.name === "NotFoundError")
			throw new MicrophoneError("No microphone was found.");
		throw new MicrophoneError(
			`The microphone could not start: ${error.message}`,
		);
	}
}

function startMicrophone() {
	baseName = "transcript";
	// Created inside the click, so that autoplay rules let it run.
	const context = new AudioContext();
	const done = runSession("Microphones", async (run, session) => {
		const stream = await openMicrophone();
		run.release.push(() => {
			for (const track of stream.getTracks()) track.stop();
		});
		await context.audioWorklet.addModule("capture-worklet.js");
		await session.open();
		const node = new AudioWorkletNode(context, "earshot-capture", {
			numberOfOutputs: 0,
			channelCount: 1,
			channelCountMode: "explicit",
		});
		node.port.onmessage = (event) => session.send(event.data);
		context.createMediaStreamSource(stream).connect(node);
		await context.resume();
		run.stop = () => {
			node.port.onmessage = null;
			for (const release of run.release.splice(0)) release();
		};
		setState("listening", "Listening");
	});
	return done.then(() => context.close());
}

/** The file as 16 kHz mono 16-bit samples; the browser decodes and resamples it. */
async function decodeFile(file) {
	const context = new OfflineAudioContext(1, 1, SAMPLE_RATE);
	let audio;
	try {
		audio = await context.decodeAudioData(await file.arrayBuffer());
	} catch {
		throw new SpeechError(
			"refused",
			`${file.name} is not an audio format this browser can decode.`,
		);
	}
	const samples = new Int16Array(audio.length);
	const channels = Array.from({ length: audio.numberOfChannels }, (_, c) =>
		audio.getChannelData(c),
	);
	for (let i = 0; i < audio.length; i++) {
		let sum = 0;
		for (const channel of channels) sum += channel[i];
		const mean = Math.max(-1, Math.min(1, sum / channels.length));
		samples[i] = Math.round(mean * 32767);
	}
	return samples;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function showProgress(fraction, text) {
	$("progress-row").hidden = false;
	$("progress").value = fraction;
	$("progress-text").textContent = text;
}

/**
 * Streams a file faster than real time. The bar shows how far the server has recognized (the
 * end of its latest hypothesis or phrase), which is what the reader waits for.
 */
function transcribeFile(file) {
	baseName = file.name.replace(/\.[^.]+$/, "") || "transcript";
	return runSession("File", async (run, session) => {
		showProgress(0, `Decoding ${file.name}…`);
		const samples = await decodeFile(file);
		const total = samples.length / SAMPLE_RATE;
		let heard = 0;
		const report = (seconds) => {
			heard = Math.max(heard, Math.min(total, seconds));
			showProgress(
				heard / total,
				`Transcribed ${clock(heard * 1e7)} of ${clock(total * 1e7)}`,
			);
		};
		run.heard = (body) => report((body.Offset + body.Duration) / 1e7);
		await session.open();
		setState("listening", "Transcribing file");
		report(0);
		// The server may be far behind a file: stop drops what it has not recognized yet.
		run.stop = () => {
			run.stopping = true;
			void session.stop();
		};
		const started = performance.now();
		for (let at = 0; at < samples.length && !run.stopping; ) {
			const chunk = samples.slice(at, at + FILE_CHUNK_SAMPLES);
			session.send(chunk.buffer);
			at += chunk.length;
			const due = started + (at / SAMPLE_RATE / FILE_SPEED) * 1000;
			while (session.buffered > MAX_BUFFERED) await sleep(20);
			await sleep(Math.max(0, due - performance.now()));
		}
		setState("finishing", "Finishing…");
		void session.end().then(() => run.stopping || report(total));
	});
}

startButton.addEventListener("click", () => {
	if (!current) return void startMicrophone();
	setState("finishing", "Finishing…");
	current.stop?.();
	current.session?.end();
});

fileInput.addEventListener("change", () => {
	const file = fileInput.files?.[0];
	fileInput.value = "";
	if (file && !current) void transcribeFile(file);
});

// The whole window takes a dropped file, so a near miss never navigates away from the page.
window.addEventListener("dragover", (event) => {
	event.preventDefault();
	$("drop").classList.add("over");
});
window.addEventListener("dragleave", () => $("drop").classList.remove("over"));
window.addEventListener("drop", (event) => {
	event.preventDefault();
	$("drop").classList.remove("over");
	const file = event.dataTransfer?.files?.[0];
	if (file && !current) void transcribeFile(file);
});

for (const button of downloads) {
	button.addEventListener("click", () => {
		const format = button.dataset.format;
		let limits;
		try {
			limits = captionLimits();
		} catch (error) {
			showMessage(error.message);
			return;
		}
		showMessage("");
		const blob = new Blob([render(phrases, format, limits)], {
			type: MEDIA_TYPES[format],
		});
		const link = document.createElement("a");
		link.href = URL.createObjectURL(blob);
		link.download = `${baseName}.${format}`;
		link.click();
		setTimeout(() => URL.revokeObjectURL(link.href), 1000);
	});
}

for (const [key, [min, max]] of Object.entries(CAPTION_RANGES)) {
	Object.assign($(key), { min, max, value: CAPTION_DEFAULTS[key] });
}

// A server with a key answers 401 without one: then the page asks for it up front.
issueToken(location.origin, "").catch((error) => {
	if (error.kind !== "unauthorized") return;
	$("key-field").hidden = false;
	$("settings").open = true;
});
