import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import {
	bestInstalledModel,
	findInstalledModel,
	type InstalledModel,
	installedModel,
	PULL_HINT,
} from "../models/index.js";
import type { Engine } from "./engine.js";
import {
	createPocketSphinxEngine,
	findPocketSphinxModel,
	POCKETSPHINX_PASSES,
	type PocketSphinxPasses,
} from "./pocketsphinx/index.js";
import {
	createSherpaEngine,
	detectSherpaModel,
	type SherpaModel,
	type SherpaModelFiles,
	STREAMING_KINDS,
} from "./sherpa/index.js";

export const ENGINE_NAMES = ["pocketsphinx", "sherpa"] as const;

const VAD_MODEL = "silero-vad";

export interface EngineChoice {
	/** `pocketsphinx` or `sherpa`; unset: what the model is, else EARSHOT_ENGINE, else the best installed model. */
	engine?: string;
	/** A model directory (sherpa-onnx or PocketSphinx). */
	modelPath?: string;
	/** An installed sherpa-onnx model, as in `earshot models list`. */
	modelName?: string;
	/** Decoding threads of a sherpa model. Default: EARSHOT_THREADS, else 2 (Moonshine: 1 a decode). */
	numThreads?: number;
	/** PocketSphinx's search passes. Default: EARSHOT_PASSES, else fwdtree+bestpath. */
	passes?: string;
	/** PocketSphinx decoders loaded at once; more streams wait for one. Default 4 per core. */
	maxDecoders?: number;
}

/** What a choice resolves to, before anything is loaded. */
export type ResolvedEngine =
	| {
			engine: "pocketsphinx";
			/** Unset: Debian's English model. */
			modelDir?: string;
			/** Unset: unknown (a custom model), so no language is refused. */
			languages?: readonly string[];
			/** Nothing was chosen and no sherpa model is installed. */
			fallback: boolean;
			passes?: PocketSphinxPasses;
			maxDecoders?: number;
	  }
	| {
			engine: "sherpa";
			model: SherpaModel;
			/** silero_vad.onnx, for the models that run behind it. */
			vad?: string;
			languages?: readonly string[];
			numThreads?: number;
	  };

/**
 * Which engine and model a choice means:
 * - `modelName`: that installed sherpa-onnx model;
 * - `modelPath`: sherpa-onnx when the directory holds `*.onnx` or `tokens.txt`, else PocketSphinx;
 * - nothing: the best installed sherpa-onnx model, else PocketSphinx with Debian's model.
 * With neither an engine nor a model chosen, EARSHOT_ENGINE is the engine. `engine` only
 * confirms or refuses what the model is; `engine: "sherpa"` alone means the best installed
 * model and fails when there is none. Throws one-line errors.
 */
export async function resolveEngine(
	choice: EngineChoice = {},
): Promise<ResolvedEngine> {
	const fromEnv =
		!choice.engine && !choice.modelName && !choice.modelPath
			? process.env.EARSHOT_ENGINE
			: undefined;
	const engine = (choice.engine ?? fromEnv)?.toLowerCase() || undefined;
	if (engine && !(ENGINE_NAMES as readonly string[]).includes(engine))
		throw new Error(
			`unknown engine${fromEnv ? " in EARSHOT_ENGINE" : ""}: ${choice.engine ?? fromEnv} (available: ${ENGINE_NAMES.join(", ")})`,
		);
	const numThreads = choice.numThreads ?? threadsFromEnv();
	const passes = parsePasses(choice.passes ?? process.env.EARSHOT_PASSES);
	// PocketSphinx's settings, where given.
	const tuning = {
		...(passes ? { passes } : {}),
		...(choice.maxDecoders ? { maxDecoders: choice.maxDecoders } : {}),
	};
	if (choice.modelName) {
		if (engine === "pocketsphinx")
			throw new Error(
				`${choice.modelName} is a sherpa-onnx model name; PocketSphinx takes a model directory`,
			);
		return sherpaFromInstalled(
			await installedModel(choice.modelName),
			numThreads,
		);
	}
	if (choice.modelPath) {
		const dir = resolve(choice.modelPath);
		if (!existsSync(dir) || !statSync(dir).isDirectory())
			throw new Error(`model directory not found: ${choice.modelPath}`);
		const kind = engine ?? modelKindOf(dir);
		if (kind === "pocketsphinx") {
			findPocketSphinxModel(dir);
			return {
				engine: "pocketsphinx",
				modelDir: dir,
				fallback: false,
				...tuning,
			};
		}
		const installed = await installedAt(dir);
		if (installed) return sherpaFromInstalled(installed, numThreads);
		return sherpa(detectSherpaModel(dir), undefined, numThreads);
	}
	if (engine === "pocketsphinx")
		return {
			engine: "pocketsphinx",
			languages: ["en-US"],
			fallback: false,
			...tuning,
		};
	const best = await bestInstalledModel();
	if (best) return sherpaFromInstalled(best, numThreads);
	if (engine === "sherpa")
		throw new Error(
			`no sherpa-onnx model installed: run \`earshot models pull NAME\` (see \`earshot models list\`)`,
		);
	return {
		engine: "pocketsphinx",
		languages: ["en-US"],
		fallback: true,
		...tuning,
	};
}

/** `pocketsphinx` or `sherpa` from a directory's files; a one-line error naming what is missing. */
function modelKindOf(dir: string): "pocketsphinx" | "sherpa" {
	const names = readdirSync(dir);
	if (names.some((n) => n.endsWith("tokens.txt") || n.endsWith(".onnx")))
		return "sherpa";
	if (
		names.some(
			(n) => n.endsWith(".dict") || n.endsWith(".lm.bin") || n.endsWith(".lm"),
		) ||
		existsSync(join(dir, "mdef"))
	)
		return "pocketsphinx";
	throw new Error(
		`no model in ${dir}: expected a sherpa-onnx model (*.onnx and tokens.txt) or a PocketSphinx model (an acoustic model folder, *.lm.bin, *.dict)`,
	);
}

/** The installed model that `dir` is, when it sits in a model store under its registry name. */
async function installedAt(dir: string): Promise<InstalledModel | undefined> {
	try {
		return await findInstalledModel(basename(dir), { dir: dirname(dir) });
	} catch {
		return undefined;
	}
}

function sherpaFromInstalled(
	installed: InstalledModel,
	numThreads: number | undefined,
): Promise<ResolvedEngine> {
	if (installed.kind === "vad")
		throw new Error(
			`${installed.entry.name} is a voice-activity detector, not a recognition model`,
		);
	const model: SherpaModel = {
		kind: installed.kind,
		dir: installed.dir,
		files: installed.files as SherpaModelFiles,
	};
	return sherpa(model, installed.entry.languages, numThreads);
}

async function sherpa(
	model: SherpaModel,
	languages: readonly string[] | undefined,
	numThreads: number | undefined,
): Promise<ResolvedEngine> {
	const vad = STREAMING_KINDS.has(model.kind)
		? undefined
		: await vadModel(model);
	return { engine: "sherpa", model, languages, numThreads, vad };
}

/** silero_vad.onnx from EARSHOT_VAD_MODEL, else the installed `silero-vad`. */
async function vadModel(model: SherpaModel): Promise<string> {
	const fromEnv = process.env.EARSHOT_VAD_MODEL;
	if (fromEnv) {
		if (!existsSync(fromEnv))
			throw new Error(`EARSHOT_VAD_MODEL: no such file: ${fromEnv}`);
		return fromEnv;
	}
	const installed = await findInstalledModel(VAD_MODEL);
	if (installed?.kind === "vad") return installed.files.model;
	throw new Error(
		`${basename(model.dir)} (${model.kind}) runs behind the Silero VAD, which is not installed: run \`earshot models pull ${VAD_MODEL}\` (or set EARSHOT_VAD_MODEL to silero_vad.onnx)`,
	);
}

function threadsFromEnv(): number | undefined {
	return parseThreads(process.env.EARSHOT_THREADS, "EARSHOT_THREADS");
}

/** One of POCKETSPHINX_PASSES, or undefined when unset; a one-line error otherwise. */
export function parsePasses(
	value: string | undefined,
): PocketSphinxPasses | undefined {
	if (value === undefined || value === "") return undefined;
	if (!(POCKETSPHINX_PASSES as readonly string[]).includes(value))
		throw new Error(
			`unknown PocketSphinx passes: ${value} (available: ${POCKETSPHINX_PASSES.join(", ")})`,
		);
	return value as PocketSphinxPasses;
}

/** A positive whole number of threads, or undefined when unset; a one-line error otherwise. */
export function parseThreads(
	value: string | undefined,
	name: string,
): number | undefined {
	if (value === undefined || value === "") return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1)
		throw new Error(`${name} must be a whole number >= 1, not ${value}`);
	return n;
}

/** Loaded engines by what they load, so recognizers on the same model share its decoders. */
const engines = new Map<string, Promise<Engine>>();
const languagesOf = new WeakMap<Engine, readonly string[]>();
let hinted = false;

/**
 * The engine for a choice, loaded once per process and shared. When nothing was chosen and no
 * sherpa-onnx model is installed, prints PULL_HINT on stderr once per process, except with
 * EARSHOT_QUIET set or under `node --test`.
 */
export async function selectEngine(choice: EngineChoice = {}): Promise<Engine> {
	const resolved = await resolveEngine(choice);
	if (
		resolved.engine === "pocketsphinx" &&
		resolved.fallback &&
		!hinted &&
		!process.env.EARSHOT_QUIET &&
		!process.env.NODE_TEST_CONTEXT
	) {
		hinted = true;
		process.stderr.write(`earshot: ${PULL_HINT}\n`);
	}
	const key = JSON.stringify(
		resolved.engine === "pocketsphinx"
			? [
					resolved.engine,
					resolved.modelDir,
					resolved.passes,
					resolved.maxDecoders,
				]
			: [resolved.engine, resolved.model, resolved.vad, resolved.numThreads],
	);
	let engine = engines.get(key);
	if (!engine) {
		engine = load(resolved);
		engines.set(key, engine);
		// A failed load is not cached: the model may be fixed or pulled meanwhile.
		engine.catch(() => engines.delete(key));
	}
	return engine;
}

async function load(resolved: ResolvedEngine): Promise<Engine> {
	const engine =
		resolved.engine === "pocketsphinx"
			? createPocketSphinxEngine({
					modelDir: resolved.modelDir,
					passes: resolved.passes,
					maxDecoders: resolved.maxDecoders,
				})
			: await createSherpaEngine(resolved.model, {
					numThreads: resolved.numThreads,
					vad: resolved.vad ? { model: resolved.vad } : undefined,
				});
	if (resolved.languages) languagesOf.set(engine, resolved.languages);
	return engine;
}

/**
 * Throws a one-line error when the engine's model cannot recognize `language`. A bare
 * language ("en") matches any of its regions and the other way round; models whose languages
 * are unknown (custom directories) refuse none.
 */
export function checkLanguage(engine: Engine, language: string): void {
	const known = languagesOf.get(engine);
	if (!known) return;
	const wanted = language.toLowerCase();
	const primary = wanted.split("-")[0];
	const matches = known.some((l) => {
		const have = l.toLowerCase();
		return have === wanted || have === primary || have.split("-")[0] === wanted;
	});
	if (!matches)
		throw new Error(
			`language ${language} is not available with ${engine.name} (it has ${known.join(", ")})`,
		);
}

/** `--model` on the command line: an existing directory or a path is a directory, else a name. */
export function modelArgument(
	value: string,
): Pick<EngineChoice, "modelPath" | "modelName"> {
	return existsSync(value) || isAbsolute(value) || /[/\\]|^\./.test(value)
		? { modelPath: value }
		: { modelName: value };
}
