import { existsSync } from "node:fs";
import { DEFAULT_POCKETSPHINX_PASSES } from "../src/engines/pocketsphinx/index.js";
import type { EngineChoice } from "../src/engines/select.js";
import { findInstalledModel } from "../src/models/index.js";

/** An engine the latency and server benches measure, in-process and through `earshot serve`. */
export interface BenchEngine {
	label: string;
	choice: EngineChoice;
	/** The same choice as `earshot serve` options. */
	serveArgs: string[];
}

/** PocketSphinx's passes before issue 12: fwdflat re-searched each phrase when it ended. */
export const BEFORE_PASSES = "fwdtree+fwdflat+bestpath";
const MOONSHINE = "moonshine-base-en";

/**
 * PocketSphinx as it is and as it was ("before"), and Moonshine base when a model is there:
 * EARSHOT_BENCH_MOONSHINE (a model directory), else the installed `moonshine-base-en`.
 */
export async function benchEngines(): Promise<BenchEngine[]> {
	const engines: BenchEngine[] = [
		{
			label: `PocketSphinx (${DEFAULT_POCKETSPHINX_PASSES})`,
			choice: { engine: "pocketsphinx" },
			serveArgs: ["--engine", "pocketsphinx"],
		},
		{
			label: `PocketSphinx before (${BEFORE_PASSES})`,
			choice: { engine: "pocketsphinx", passes: BEFORE_PASSES },
			serveArgs: ["--engine", "pocketsphinx", "--passes", BEFORE_PASSES],
		},
	];
	const dir = process.env.EARSHOT_BENCH_MOONSHINE;
	if (dir) {
		if (!existsSync(dir))
			throw new Error(`EARSHOT_BENCH_MOONSHINE: no such directory: ${dir}`);
		engines.push({
			label: "Moonshine base",
			choice: { modelPath: dir },
			serveArgs: ["--model", dir],
		});
	} else if (await installed(MOONSHINE)) {
		engines.push({
			label: "Moonshine base",
			choice: { modelName: MOONSHINE },
			serveArgs: ["--model", MOONSHINE],
		});
	}
	return engines;
}

/** Whether `name` is installed; false too while the registry does not know it. */
async function installed(name: string): Promise<boolean> {
	try {
		return (await findInstalledModel(name)) !== undefined;
	} catch {
		return false;
	}
}
