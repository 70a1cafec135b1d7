/**
 * The official Speech SDKs for Python and Java, installed by scripts/sdks.sh into a cache outside
 * the repo, and `earshot serve` in a child process for them to talk to.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { projectRoot } from "./shared.js";

const sdksDir =
	process.env.EARSHOT_SDKS_DIR ||
	join(
		process.env.XDG_CACHE_HOME || join(homedir(), ".cache"),
		"earshot",
		"sdks",
	);
/** The versions scripts/sdks.sh installs. */
const JAVA_SDK_VERSION = "1.50.0";
const INSTALL = "bash scripts/sdks.sh installs it";

/** The venv's python, with azure-cognitiveservices-speech. */
export const python = join(sdksDir, "python", "bin", "python");
/** Why the Python SDK cannot be used, or undefined. */
export const noPythonSdk: string | undefined = (() => {
	const check = spawnSync(python, [
		"-c",
		"import azure.cognitiveservices.speech",
	]);
	return check.status === 0
		? undefined
		: `the Python Speech SDK is not installed (${INSTALL})`;
})();

const javaLib = join(sdksDir, `java-${JAVA_SDK_VERSION}`, "lib");
/** Why the Java SDK cannot be used, or undefined. */
export const noJavaSdk: string | undefined = (() => {
	if (!existsSync(join(javaLib, `client-sdk-${JAVA_SDK_VERSION}.jar`)))
		return `the Java Speech SDK is not installed (${INSTALL})`;
	if (spawnSync("javac", ["-version"]).status !== 0)
		return "javac is not installed (apt-get install default-jdk-headless)";
	return undefined;
})();

/**
 * A test's `skip` for a missing SDK: the reason on a user's machine, but false under CI, which
 * installs the SDKs, so that there the test runs and fails on `requireSdk`.
 */
export function sdkSkip(missing: string | undefined): string | false {
	return process.env.CI === "true" ? false : (missing ?? false);
}

export function requireSdk(missing: string | undefined): void {
	if (missing) throw new Error(missing);
}

/** An SDK event as the clients in test/clients print it, one JSON line each. */
export interface SdkEvent {
	event: string;
	/** Seconds since recognition started, or since audio time 0 was due for a real-time push. */
	at?: number;
	reason?: string;
	text?: string;
	offset?: number;
	duration?: number;
	json?: string;
	noMatchReason?: string;
	code?: string;
	details?: string;
	cancellation?: { reason: string; code: string; details: string };
}

/** What test/clients/recognize.py does; see its docstring. */
export interface PythonPlan {
	host: string;
	key?: string;
	input: "file" | "push" | "pull";
	wav: string;
	realtime?: boolean;
	mode: "continuous" | "once";
	detailed?: boolean;
	wordTimestamps?: boolean;
	properties?: Record<string, string>;
	phrases?: string[];
}

/** A client in a child process: its events as they come, and all of them once it exits. */
export class SdkClient {
	readonly events: SdkEvent[] = [];
	readonly exited: Promise<{ code: number | null; stderr: string }>;
	private readonly waiters: (() => void)[] = [];

	constructor(
		readonly child: ChildProcess,
		what: string,
	) {
		let stderr = "";
		child.stderr?.on("data", (d: Buffer) => {
			stderr += d.toString();
		});
		createInterface({ input: child.stdout as NodeJS.ReadableStream }).on(
			"line",
			(line) => {
				try {
					this.events.push(JSON.parse(line) as SdkEvent);
				} catch {
					throw new Error(`${what} printed ${JSON.stringify(line)}`);
				}
				for (const wake of this.waiters.splice(0)) wake();
			},
		);
		this.exited = new Promise((resolve) =>
			child.once("close", (code) => {
				for (const wake of this.waiters.splice(0)) wake();
				resolve({ code, stderr });
			}),
		);
	}

	/** Resolves with the first event named `name`; rejects if the client exits without one. */
	async next(name: string): Promise<SdkEvent> {
		for (;;) {
			const found = this.events.find((e) => e.event === name);
			if (found) return found;
			if (this.child.exitCode !== null)
				throw new Error(`the client exited without ${name}`);
			await new Promise<void>((wake) => this.waiters.push(wake));
		}
	}

	/** Every event, once the client exited 0 after `done`. */
	async all(): Promise<SdkEvent[]> {
		const { code, stderr } = await this.exited;
		if (code !== 0 || this.events.at(-1)?.event !== "done")
			throw new Error(`the client exited with ${code}: ${stderr}`);
		return this.events.slice(0, -1);
	}
}

export function startPython(plan: PythonPlan): SdkClient {
	return new SdkClient(
		spawn(
			python,
			[
				join(projectRoot, "test", "clients", "recognize.py"),
				JSON.stringify(plan),
			],
			{ stdio: ["ignore", "pipe", "pipe"] },
		),
		"recognize.py",
	);
}

/** Runs test/clients/recognize.py to its end. */
export function runPython(plan: PythonPlan): Promise<SdkEvent[]> {
	return startPython(plan).all();
}

let javaClasses: string | undefined;

/** Compiles test/clients/Recognize.java against the SDK's jar, once. */
function compileJava(): string {
	if (javaClasses) return javaClasses;
	const out = mkdtempSync(join(tmpdir(), "earshot-java-"));
	const javac = spawnSync(
		"javac",
		[
			"-cp",
			join(javaLib, "*"),
			"-d",
			out,
			join(projectRoot, "test", "clients", "Recognize.java"),
		],
		{ encoding: "utf8" },
	);
	if (javac.status !== 0) throw new Error(`javac failed: ${javac.stderr}`);
	javaClasses = out;
	return out;
}

/** Runs test/clients/Recognize.java to its end. */
export function runJava(
	host: string,
	wav: string,
	mode: "continuous" | "once",
	key?: string,
): Promise<SdkEvent[]> {
	const classpath = `${compileJava()}:${join(javaLib, "*")}`;
	const args = ["-cp", classpath, "Recognize", host, wav, mode];
	return new SdkClient(
		spawn("java", key ? [...args, key] : args, {
			stdio: ["ignore", "pipe", "pipe"],
		}),
		"Recognize.java",
	).all();
}

/** `earshot serve` in a child process, as a user starts it. */
export class ServeProcess {
	private constructor(
		readonly child: ChildProcess,
		readonly url: string,
		readonly log: string[],
	) {}

	/** Starts `earshot serve --port 0 ARGS` and resolves once it listens. */
	static async start(args: string[] = []): Promise<ServeProcess> {
		const child = spawn(
			process.execPath,
			[
				"--import",
				"tsx",
				join(projectRoot, "src", "cli", "main.ts"),
				"serve",
				"--port",
				"0",
				...args,
			],
			{ cwd: projectRoot, stdio: ["ignore", "ignore", "pipe"] },
		);
		const log: string[] = [];
		const lines = createInterface({
			input: child.stderr as NodeJS.ReadableStream,
		});
		const url = await new Promise<string>((resolve, reject) => {
			lines.on("line", (line) => {
				log.push(line);
				const listening = /"event":"listening","url":"([^"]+)"/.exec(line);
				if (listening) resolve(listening[1]);
			});
			child.once("exit", (code) =>
				reject(
					new Error(`earshot serve exited with ${code}: ${log.join("\n")}`),
				),
			);
		});
		return new ServeProcess(child, url, log);
	}

	/** Session records from its stderr so far. */
	sessions(): { closeCode: number; closeReason: string; turns: number }[] {
		return this.log
			.filter((line) => line.includes('"event":"session"'))
			.map((line) => JSON.parse(line));
	}

	async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise((resolve) => this.child.once("exit", resolve));
		this.child.kill(signal);
		await exited;
	}
}
