/**
 * deploy/local-cluster.sh: two `earshot serve` instances behind HAProxy, eight official Speech
 * SDK clients through it, and one instance drained (SIGTERM) while sessions are open on both.
 * Every open turn on the drained instance finishes, later sessions land on the other one, and
 * every client gets its whole transcript with no error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import * as sdk from "microsoft-cognitiveservices-speech-sdk";
import { scoreTranscript } from "../src/eval/score.js";
import { EARSHOT_COMMAND, Watched } from "./helpers/processes.js";
import { projectRoot } from "./helpers/shared.js";
import { synthesize, withPauses } from "./helpers/speech.js";

const CLIENTS = 8;
const SENTENCES = [
	"the weather is nice today",
	"please turn on the kitchen light",
	"i would like a cup of coffee",
];
const wav = readFileSync(
	withPauses(
		SENTENCES.map((s) => synthesize(s, { voice: "awb" })),
		1,
	),
);
const pcm = wav.subarray(44);

interface Session {
	id: string;
	phrases: string[];
	errors: string[];
}

/** One SDK session through the cluster; `audio` is fed by the caller (a push stream) or a file. */
function session(url: string, audio: sdk.AudioConfig) {
	const recognizer = new sdk.SpeechRecognizer(
		sdk.SpeechConfig.fromHost(new URL(url)),
		audio,
	);
	const result: Session = { id: "", phrases: [], errors: [] };
	recognizer.sessionStarted = (_, e) => {
		result.id = e.sessionId;
	};
	recognizer.recognized = (_, e) => {
		if (e.result.reason === sdk.ResultReason.RecognizedSpeech)
			result.phrases.push(e.result.text);
	};
	const done = new Promise<Session>((resolve) => {
		recognizer.canceled = (_, e) => {
			if (e.reason === sdk.CancellationReason.Error) {
				result.errors.push(
					`${sdk.CancellationErrorCode[e.errorCode]}: ${e.errorDetails}`,
				);
				resolve(result);
			}
		};
		recognizer.sessionStopped = () => resolve(result);
	}).then((r) => {
		recognizer.close();
		return r;
	});
	recognizer.startContinuousRecognitionAsync();
	return done;
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

async function health(port: number) {
	const response = await fetch(`http://127.0.0.1:${port}/healthz`);
	return (await response.json()) as { status: string; activeSessions: number };
}

function sessionLogs(log: string): { id: string; closeCode: number }[] {
	return readFileSync(log, "utf8")
		.split("\n")
		.filter((l) => l.startsWith('{"event":"session"'))
		.map((l) => JSON.parse(l));
}

let cluster: Watched | undefined;
after(async () => {
	if (!cluster || cluster.child.exitCode !== null) return;
	cluster.child.kill("SIGTERM");
	await cluster.exited;
});

test("a cluster of two behind HAProxy: one instance drained mid-run loses no session", {
	timeout: 600_000,
}, async () => {
	const logDir = mkdtempSync(join(tmpdir(), "earshot-cluster-test-"));
	const processes = new Watched(
		[
			"bash",
			join(projectRoot, "deploy", "local-cluster.sh"),
			"--instances",
			"2",
			"--port",
			String(await freePort()),
			"--log-dir",
			logDir,
			"--",
			"--engine",
			"pocketsphinx",
			"--drain-seconds",
			"300",
		],
		{ EARSHOT_COMMAND: EARSHOT_COMMAND.join(" ") },
	);
	cluster = processes;
	const [, url] = await processes.line(/^cluster ready: (ws:\S+)/);
	const instances = await Promise.all(
		[1, 2].map(async (n) => {
			const [, port, pid] = (await processes.line(
				new RegExp(`^instance ${n}: port (\\d+) pid (\\d+)`),
			)) as RegExpMatchArray;
			return {
				port: Number(port),
				pid: Number(pid),
				log: join(logDir, `instance-${n}.log`),
			};
		}),
	);
	const [drained, survivor] = instances;

	// First sessions: half the speech now, the rest after the drain began.
	const pushes = Array.from({ length: CLIENTS }, () =>
		sdk.AudioInputStream.createPushStream(),
	);
	const first = pushes.map((push) =>
		session(url, sdk.AudioConfig.fromStreamInput(push)),
	);
	const half = Math.floor(pcm.length / 4) * 2;
	for (const push of pushes)
		push.write(new Uint8Array(pcm.subarray(0, half)).buffer);
	let open = [0, 0];
	while (open[0] + open[1] < CLIENTS) {
		open = await Promise.all(
			instances.map(async (i) => (await health(i.port)).activeSessions),
		);
		await sleep(100);
	}
	assert.ok(open[0] > 0, `sessions on the instance to drain: ${open}`);
	process.kill(drained.pid, "SIGTERM");
	// The drain has begun once the instance answers 503; its turns are still open.
	while ((await health(drained.port)).status !== "draining") await sleep(100);
	for (const push of pushes) {
		push.write(new Uint8Array(pcm.subarray(half)).buffer);
		push.close();
	}
	const firstSessions = await Promise.all(first);
	// Second sessions, started after each client's first one ended.
	const secondSessions = await Promise.all(
		Array.from({ length: CLIENTS }, () =>
			session(url, sdk.AudioConfig.fromWavFileInput(wav)),
		),
	);

	await processes.line(
		new RegExp(`^instance pid ${drained.pid} exited with code 0`),
	);
	for (const s of [...firstSessions, ...secondSessions]) {
		assert.deepEqual(s.errors, [], s.id);
		const transcript = s.phrases.join(" ");
		assert.equal(s.phrases.length, SENTENCES.length, transcript);
		assert.ok(
			scoreTranscript(SENTENCES.join(" "), transcript).wer <= 0.45,
			transcript,
		);
	}
	// Each session's log line is written once the client has closed its socket.
	while ((await health(survivor.port)).activeSessions > 0) await sleep(100);
	const onDrained = sessionLogs(drained.log);
	const onSurvivor = sessionLogs(survivor.log);
	const drainedLog = readFileSync(drained.log, "utf8");
	// Every turn open at SIGTERM finished before the deadline.
	assert.match(drainedLog, /"event":"drained","deadlineReached":false/);
	assert.equal(onDrained.length, open[0], drainedLog);
	for (const s of onDrained) assert.notEqual(s.closeCode, 4000);
	for (const s of secondSessions)
		assert.ok(
			onSurvivor.some((l) => l.id === s.id),
			`session ${s.id} is not on the remaining instance`,
		);
	assert.equal((await health(survivor.port)).status, "ok");
});
