// `npm run chaos`: 64 concurrent clients against one `earshot serve` on loopback, in rounds.
// 12 are well-behaved official SDK clients (4 at real time, 4 at half speed, 4 sending the whole
// file at once); the others vanish mid-stream, hang up after speech.config, stay silent after
// speech.config, or send oversized or malformed frames. Every well-behaved client must get its
// transcript (as embedded recognition gives it); after each round no session is left open, RSS
// and handles come back to where the first round left them, and /metrics agrees with the
// session logs.
// CHAOS_ROUNDS (at least 2, default 3); each round is bounded by CHAOS_ROUND_SECONDS (default 600).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import WebSocket from "ws";
import { parseWavHeader, type WavHeader } from "../src/audio/pcm.js";
import { defaultMaxDecoders } from "../src/engines/pocketsphinx/engine.js";
import { scoreTranscript } from "../src/eval/score.js";
import { AudioConfig, EarshotProperty } from "../src/index.js";
import { encodeMessage } from "../src/protocol/frame.js";
import {
	audioMessage,
	ContentType,
	newRequestId,
	speechConfigMessage,
	speechContextMessage,
} from "../src/protocol/messages.js";
import { RECOGNITION_PATHS } from "../src/protocol/paths.js";
import type { SessionLog } from "../src/server/connection.js";
import { startServer } from "../src/server/server.js";
import { recognizeAll } from "../test/helpers/recognize.js";
import { projectRoot } from "../test/helpers/shared.js";
import { SPEECH_WAV_HEADER, withPauses } from "../test/helpers/speech.js";
import { loadCorpus } from "./corpus.js";
import { machineName } from "./report.js";
import { round } from "./stats.js";

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 3);
const ROUND_SECONDS = Number(process.env.CHAOS_ROUND_SECONDS ?? 600);
const MAX_GROWTH = 0.05;
/** The well-behaved clients at each pace (× real time; Infinity: all at once). */
const PACES = [1, 0.5, Number.POSITIVE_INFINITY];
const PER_PACE = 4;
/** The misbehaving clients, by kind. */
const MISBEHAVING = {
	vanish: 12,
	hangUp: 8,
	silent: 16,
	oversized: 8,
	malformed: 8,
} as const;
const MAX_FRAME_BYTES = 1024 * 1024;
/** A transcript through the server, against embedded recognition of the same file. */
const MAX_WER_VS_EMBEDDED = 0.2;
const BYTES_PER_SECOND = 32000;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Speech {
	wav: Buffer;
	pcm: Buffer;
	embedded: string;
}

interface ClientOutcome {
	kind: string;
	id: string;
	/** speech.phrase messages this client saw. */
	phrases: number;
	transcript?: string;
	closeCode?: number;
	error?: string;
	/** Seconds of audio written so far, and whether the session ended (for a round that hangs). */
	sentSeconds?: number;
	finished?: boolean;
}

/** Each well-behaved client speaks two utterances of the corpus, by slot. */
async function speechSlots(): Promise<{ source: string; slots: Speech[] }> {
	const corpus = loadCorpus();
	const slots: Speech[] = [];
	for (let slot = 0; slot < PER_PACE; slot++) {
		const files = [0, 1].map(
			(k) => corpus.utterances[(slot * 2 + k) % corpus.utterances.length].file,
		);
		const file = withPauses(files, 1);
		const wav = readFileSync(file);
		const header = parseWavHeader(wav) as WavHeader;
		const embedded = await recognizeAll(
			AudioConfig.fromWavFileInput(file),
			(c) => c.setProperty(EarshotProperty.Engine, "pocketsphinx"),
		);
		slots.push({
			wav,
			pcm: wav.subarray(header.dataOffset),
			embedded: embedded.transcript,
		});
	}
	return { source: corpus.source, slots };
}

/** The official SDK on a push stream written at `pace` × real time. */
async function sdkClient(
	url: string,
	speech: Speech,
	pace: number,
	outcome: ClientOutcome,
): Promise<ClientOutcome> {
	const config = sdk.SpeechConfig.fromHost(new URL(url));
	// Otherwise the SDK itself throttles to 2× real time after 5 s.
	if (pace === Number.POSITIVE_INFINITY)
		config.setProperty("SPEECH-TransmitLengthBeforThrottleMs", "100000000");
	const push = sdk.AudioInputStream.createPushStream();
	const recognizer = new sdk.SpeechRecognizer(
		config,
		sdk.AudioConfig.fromStreamInput(push),
	);
	const texts: string[] = [];
	recognizer.sessionStarted = (_, e) => {
		outcome.id = e.sessionId;
	};
	recognizer.recognized = (_, e) => {
		outcome.phrases++;
		if (e.result.reason === sdk.ResultReason.RecognizedSpeech)
			texts.push(e.result.text);
	};
	const stopped = new Promise<void>((resolve) => {
		recognizer.canceled = (_, e) => {
			if (e.reason === sdk.CancellationReason.Error) {
				outcome.error = `${sdk.CancellationErrorCode[e.errorCode]}: ${e.errorDetails}`;
				resolve();
			}
		};
		recognizer.sessionStopped = () => resolve();
	});
	recognizer.startContinuousRecognitionAsync();
	const chunk = BYTES_PER_SECOND / 10;
	const t0 = performance.now();
	for (let at = 0; at < speech.pcm.length && !outcome.error; at += chunk) {
		push.write(new Uint8Array(speech.pcm.subarray(at, at + chunk)).buffer);
		outcome.sentSeconds =
			Math.min(at + chunk, speech.pcm.length) / BYTES_PER_SECOND;
		if (pace !== Number.POSITIVE_INFINITY) {
			const due = t0 + ((at + chunk) / BYTES_PER_SECOND / pace) * 1000;
			await sleep(Math.max(0, due - performance.now()));
		}
	}
	push.close();
	await stopped;
	recognizer.close();
	outcome.transcript = texts.join(" ");
	outcome.finished = true;
	return outcome;
}

/** A raw WebSocket client named `id` (X-ConnectionId), doing `act`; resolves once closed. */
async function rawClient(
	url: string,
	kind: string,
	id: string,
	act: (ws: WebSocket) => Promise<void>,
): Promise<ClientOutcome> {
	const ws = new WebSocket(
		`${url}${RECOGNITION_PATHS.conversation}?X-ConnectionId=${id}`,
	);
	const outcome: ClientOutcome = { kind, id, phrases: 0 };
	ws.on("message", (data, isBinary) => {
		if (!isBinary && /^path:\s*speech\.phrase\r?$/im.test(`${data}`))
			outcome.phrases++;
	});
	const closed = new Promise<void>((resolve) =>
		ws.once("close", (code) => {
			outcome.closeCode = code;
			resolve();
		}),
	);
	ws.on("error", () => {});
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	await act(ws);
	await closed;
	return outcome;
}

function opening(requestId: string): (string | Uint8Array)[] {
	return [
		encodeMessage(speechConfigMessage(requestId, {})),
		encodeMessage(speechContextMessage(requestId, {})),
		encodeMessage(audioMessage(requestId, SPEECH_WAV_HEADER, ContentType.Wav)),
	];
}

/** The malformed inputs, taken in turn. */
const MALFORMED: ((ws: WebSocket, requestId: string) => void)[] = [
	(ws) => ws.send(Uint8Array.of(0x7f, 0xff, 0x50, 0x61)),
	(ws, id) => ws.send(opening(id)[2]),
	(ws) => ws.send("hello\u0000there"),
	(ws, id) => {
		ws.send(opening(id)[0]);
		ws.send(encodeMessage(audioMessage(id, new Uint8Array(44))));
	},
];

/** The misbehaving clients of one round; silent ones wait for `released`. */
function misbehaving(
	url: string,
	roundIndex: number,
	speech: Speech[],
	released: Promise<void>,
): Promise<ClientOutcome>[] {
	const clients: Promise<ClientOutcome>[] = [];
	const add = (
		kind: keyof typeof MISBEHAVING,
		act: (ws: WebSocket, requestId: string, i: number) => Promise<void>,
	) => {
		for (let i = 0; i < MISBEHAVING[kind]; i++) {
			const requestId = newRequestId();
			const id = `chaos${roundIndex}${kind}${i}`;
			clients.push(rawClient(url, kind, id, (ws) => act(ws, requestId, i)));
		}
	};
	add("vanish", async (ws, id, i) => {
		for (const message of opening(id)) ws.send(message);
		const { pcm } = speech[i % speech.length];
		ws.send(
			encodeMessage(audioMessage(id, pcm.subarray(0, BYTES_PER_SECOND * 2))),
		);
		await sleep(200 + i * 100);
		ws.terminate();
	});
	add("hangUp", async (ws, id) => {
		ws.send(opening(id)[0]);
		ws.terminate();
	});
	add("silent", async (ws, id) => {
		ws.send(opening(id)[0]);
		await released;
		ws.close(1000);
	});
	add("oversized", async (ws, id) => {
		ws.send(opening(id)[0]);
		ws.send(new Uint8Array(MAX_FRAME_BYTES + 1));
	});
	add("malformed", async (ws, id, i) => {
		MALFORMED[i % MALFORMED.length](ws, id);
	});
	return clients;
}

/** The close each kind of misbehaving client must see (its own terminate: 1006). */
const EXPECTED_CLOSE: Record<keyof typeof MISBEHAVING, number> = {
	vanish: 1006,
	hangUp: 1006,
	silent: 1000,
	oversized: 1007,
	malformed: 1007,
};

/**
 * Opens as many turns at once as a round can decode (every well-behaved and vanishing client,
 * up to the decoder pool's bound), so the pool holds what the rounds will use; returns RSS and
 * handles after it.
 */
async function warmUp(
	url: string,
	speech: Speech[],
): Promise<{ rssMiB: number; handles: number; resources: string[] }> {
	// Turns beyond the decoder pool wait for a decoder before `turn.start`: open no more.
	const turns = Math.min(
		PACES.length * PER_PACE + MISBEHAVING.vanish,
		defaultMaxDecoders(),
	);
	let started = 0;
	let release!: () => void;
	const allStarted = new Promise<void>((resolve) => {
		release = resolve;
	});
	await Promise.all(
		Array.from({ length: turns }, (_, i) =>
			rawClient(url, "warm-up", `warmup${i}`, async (ws) => {
				const id = newRequestId();
				ws.on("message", (data) => {
					if (
						/^path:\s*turn\.start\r?$/im.test(`${data}`) &&
						++started === turns
					)
						release();
				});
				for (const message of opening(id)) ws.send(message);
				const { pcm } = speech[i % speech.length];
				ws.send(
					encodeMessage(audioMessage(id, pcm.subarray(0, BYTES_PER_SECOND))),
				);
				await allStarted;
				ws.close(1000);
			}),
		),
	);
	while ((await metric(server, "earshot_active_sessions")) > 0)
		await sleep(100);
	return sample();
}

async function metric(
	server: Awaited<ReturnType<typeof startServer>>,
	name: string,
): Promise<number> {
	const values = (await server.metrics.registry.getSingleMetric(name)?.get())
		?.values;
	return (values ?? []).reduce((sum, v) => sum + v.value, 0);
}

interface RoundResult {
	round: number;
	wallSeconds: number;
	clients: number;
	/** Each well-behaved client's phrases, and its WER against embedded recognition. */
	wellBehaved: { kind: string; phrases: number; wer: number }[];
	/** What went wrong; empty when the round passed. */
	problems: string[];
	rssMiB: number;
	handles: number;
	resources: string[];
	ok: boolean;
}

if (!(ROUNDS >= 2)) {
	log(
		"earshot: CHAOS_ROUNDS must be at least 2: later rounds are compared with the first",
	);
	process.exit(2);
}
const { source, slots } = await speechSlots();
log(`chaos: ${source}; ${ROUNDS} rounds of 64 clients`);
const logs: SessionLog[] = [];
const server = await startServer({
	port: 0,
	log: (r) => logs.push(r),
	maxFrameBytes: MAX_FRAME_BYTES,
	engine: { engine: "pocketsphinx" },
});
const gc = (globalThis as { gc?: () => void }).gc;
const sample = async () => {
	// Past the 2 s a closing socket is given before it is cut.
	await sleep(3000);
	gc?.();
	const resources = process.getActiveResourcesInfo();
	return {
		rssMiB: round(process.memoryUsage.rss() / 2 ** 20, 1),
		handles: resources.length,
		/** Which they are, to tell a lingering socket from a timer. */
		resources,
	};
};
const warm = await warmUp(server.url, slots);
log(`warm-up: RSS ${warm.rssMiB} MiB, handles ${warm.handles}`);
const rounds: RoundResult[] = [];
for (let r = 0; r < ROUNDS; r++) {
	const started = performance.now();
	const before = {
		phrases: await metric(server, "earshot_phrases_total"),
		audio: await metric(server, "earshot_audio_seconds_total"),
		refused: await metric(server, "earshot_refused_sessions_total"),
		logs: logs.length,
	};
	let release!: () => void;
	const released = new Promise<void>((resolve) => {
		release = resolve;
	});
	const progress: ClientOutcome[] = [];
	const good = PACES.flatMap((pace) =>
		slots.map((speech) => {
			const outcome = { kind: `sdk ${pace}×`, id: "", phrases: 0 };
			progress.push(outcome);
			return sdkClient(server.url, speech, pace, outcome);
		}),
	);
	const bad = misbehaving(server.url, r, slots, released);
	const everyone = (async () => {
		const wellBehaved = await Promise.all(good);
		release();
		return { wellBehaved, misbehaving: await Promise.all(bad) };
	})();
	// The bound's timer is cancelled once the round is over: a live timer is a handle.
	const bound = new AbortController();
	const outcome = await Promise.race([
		everyone,
		sleep(ROUND_SECONDS * 1000, undefined, { signal: bound.signal }).then(
			() => undefined,
			() => undefined,
		),
	]);
	bound.abort();
	const problems: string[] = [];
	const wellBehaved: RoundResult["wellBehaved"] = [];
	if (!outcome) {
		problems.push(`the round did not finish in ${ROUND_SECONDS} s`);
		for (const c of progress.filter((c) => !c.finished))
			problems.push(
				`${c.kind} ${c.id}: unfinished, ${c.sentSeconds ?? 0} s sent, ${c.phrases} phrases`,
			);
	} else {
		const byId = new Map(logs.slice(before.logs).map((l) => [l.id, l]));
		for (const [i, client] of outcome.wellBehaved.entries()) {
			const speech = slots[i % slots.length];
			const wer = scoreTranscript(speech.embedded, client.transcript ?? "").wer;
			wellBehaved.push({
				kind: client.kind,
				phrases: client.phrases,
				wer: round(wer, 3),
			});
			if (client.error) problems.push(`${client.kind}: ${client.error}`);
			if (wer > MAX_WER_VS_EMBEDDED)
				problems.push(
					`${client.kind}: "${client.transcript}" against embedded "${speech.embedded}"`,
				);
			const record = byId.get(client.id);
			if (record?.phrases !== client.phrases)
				problems.push(
					`${client.kind}: saw ${client.phrases} phrases, the server logged ${record?.phrases}`,
				);
			if (
				record &&
				Math.abs(record.audioSeconds - speech.pcm.length / BYTES_PER_SECOND) >
					0.01
			)
				problems.push(
					`${client.kind}: the server logged ${record.audioSeconds} s of audio`,
				);
		}
		for (const client of outcome.misbehaving) {
			const expected = EXPECTED_CLOSE[client.kind as keyof typeof MISBEHAVING];
			if (client.closeCode !== expected)
				problems.push(
					`${client.kind} ${client.id}: closed with ${client.closeCode}, not ${expected}`,
				);
		}
	}
	// Every session ends and is logged; then the counters must agree with the logs.
	const settle = performance.now();
	while (
		((await metric(server, "earshot_active_sessions")) > 0 ||
			logs.length - before.logs < 64) &&
		performance.now() - settle < 30_000
	)
		await sleep(100);
	const roundLogs = logs.slice(before.logs);
	const active = await metric(server, "earshot_active_sessions");
	if (active > 0) problems.push(`${active} sessions still open`);
	if (roundLogs.length !== 64)
		problems.push(`${roundLogs.length} sessions logged, not 64`);
	const phrases =
		(await metric(server, "earshot_phrases_total")) - before.phrases;
	const logged = roundLogs.reduce((n, l) => n + l.phrases, 0);
	if (phrases !== logged)
		problems.push(
			`earshot_phrases_total grew by ${phrases}, the logs say ${logged}`,
		);
	const audio =
		(await metric(server, "earshot_audio_seconds_total")) - before.audio;
	const loggedAudio = roundLogs.reduce((n, l) => n + l.audioSeconds, 0);
	if (Math.abs(audio - loggedAudio) > 0.001 * roundLogs.length)
		problems.push(
			`earshot_audio_seconds_total grew by ${round(audio)}, the logs say ${round(loggedAudio)}`,
		);
	const refused =
		(await metric(server, "earshot_refused_sessions_total")) - before.refused;
	if (refused !== 0) problems.push(`${refused} sessions refused`);
	const { rssMiB, handles, resources } = await sample();
	// The first round brings the decoders' native heaps to their working size, as the soak's
	// warm-up does; every later round must come back to where it ended.
	const first = rounds[0];
	if (first && rssMiB > first.rssMiB * (1 + MAX_GROWTH))
		problems.push(`RSS ${rssMiB} MiB, after round 1 ${first.rssMiB} MiB`);
	if (first && handles > first.handles)
		problems.push(
			`${handles} handles (${resources.join(", ")}), after round 1 ${first.handles}`,
		);
	const result: RoundResult = {
		round: r + 1,
		wallSeconds: round((performance.now() - started) / 1000, 1),
		clients: 64,
		wellBehaved,
		problems,
		rssMiB,
		handles,
		resources,
		ok: problems.length === 0,
	};
	rounds.push(result);
	log(
		`round ${result.round}: ${result.wallSeconds} s, RSS ${result.rssMiB} MiB, handles ${result.handles}, ${problems.length} problems${problems.length ? `:\n  ${problems.join("\n  ")}` : ""}`,
	);
}
await server.close();

const baseline = rounds[0];
const last = rounds.at(-1) as RoundResult;
const rssGrowth = round(last.rssMiB / baseline.rssMiB - 1, 4);
const ok = rounds.every((r) => r.ok);
const date = new Date().toISOString();
const dir = join(projectRoot, "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `chaos-${date.slice(0, 10)}.json`);
writeFileSync(
	file,
	`${JSON.stringify({ date, machine: machineName(), speech: source, maxGrowth: MAX_GROWTH, warmUp: warm, rssGrowth, ok, rounds }, null, 2)}\n`,
);
log(
	`chaos ${ok ? "passed" : "FAILED"}: RSS after round 1 ${baseline.rssMiB} → ${last.rssMiB} MiB (${round(rssGrowth * 100, 1)} %), handles ${baseline.handles} → ${last.handles}; ${file}`,
);
process.exitCode = ok ? 0 : 1;
