import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import pc from "picocolors";
import { ModelError } from "./errors.js";
import {
	modelPath,
	type PullProgress,
	pullModel,
	removeModel,
	verifyModel,
} from "./install.js";
import { type ListedModel, listModels } from "./list.js";
import { findModel, type ModelEntry, modelBytes } from "./registry.js";

/** Runs a command's work; a failure becomes one red `earshot: ...` line and exit code 1. */
function handled<Args extends unknown[]>(
	run: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
	return async (...args) => {
		try {
			await run(...args);
		} catch (err) {
			const message =
				err instanceof Error ? err.message.split("\n")[0] : String(err);
			process.stderr.write(`${pc.red(`earshot: ${message}`)}\n`);
			process.exitCode = 1;
		}
	};
}

function formatBytes(bytes: number): string {
	if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
	if (bytes >= 1e7) return `${Math.round(bytes / 1e6)} MB`;
	if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
	if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
	return `${bytes} B`;
}

function sizeText(entry: ModelEntry): string {
	const size = modelBytes(entry);
	if (!size) return "?";
	return `${size.exact ? "" : "~"}${formatBytes(size.bytes)}`;
}

function listRow({ entry, installed }: ListedModel): string[] {
	return [
		entry.name,
		entry.kind,
		sizeText(entry),
		entry.languages.join(",") || "-",
		entry.kind === "vad" ? "-" : entry.streaming ? "yes" : "no",
		entry.werLibriSpeechClean === undefined
			? "-"
			: `${entry.werLibriSpeechClean} %`,
		installed ? "installed" : "available",
	];
}

function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) =>
		Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)),
	);
	const line = (cells: string[]) =>
		cells
			.map((c, i) => c.padEnd(widths[i] ?? 0))
			.join("  ")
			.trimEnd();
	process.stdout.write(`${pc.bold(line(header))}\n`);
	for (const row of rows) {
		const text = line(row);
		process.stdout.write(
			`${row.at(-1) === "installed" ? pc.green(text) : text}\n`,
		);
	}
}

async function list(options: { json?: boolean }): Promise<void> {
	const models = await listModels();
	if (options.json) {
		const json = models.map(({ entry, installed, dir }) => ({
			name: entry.name,
			kind: entry.kind,
			bytes: modelBytes(entry)?.bytes ?? null,
			source:
				entry.source.type === "wheel"
					? `${entry.source.package}==${entry.source.version}`
					: entry.source.url,
			languages: entry.languages,
			streaming: entry.streaming,
			werLibriSpeechClean: entry.werLibriSpeechClean ?? null,
			installed,
			dir: dir ?? null,
		}));
		process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
		return;
	}
	printTable(
		[
			"NAME",
			"KIND",
			"SIZE",
			"LANGUAGES",
			"STREAMING",
			"WER (LS clean)",
			"STATUS",
		],
		models.map(listRow),
	);
}

/** A progress bar on stderr, one per fetched file; nothing at all when stderr is not a terminal. */
function progressReporter(): {
	onProgress?: (p: PullProgress) => void;
	stop: () => void;
} {
	if (!process.stderr.isTTY) return { stop: () => {} };
	let bar: SingleBar | undefined;
	let current: string | undefined;
	const stop = () => {
		bar?.stop();
		bar = undefined;
		current = undefined;
	};
	const onProgress = ({ model, file, received, total }: PullProgress) => {
		if (`${model}/${file}` !== current) {
			stop();
			current = `${model}/${file}`;
			bar = new SingleBar({
				stream: process.stderr,
				format: "{file} [{bar}] {percentage}% {done} of {size}",
				hideCursor: true,
			});
			const size = total ?? modelBytes(findModel(model))?.bytes ?? received;
			bar.start(size, received, {
				file,
				done: formatBytes(received),
				size: formatBytes(size),
			});
		}
		bar?.setTotal(total ?? Math.max(received, bar.getTotal()));
		bar?.update(received, { done: formatBytes(received) });
	};
	return { onProgress, stop };
}

async function pull(names: string[]): Promise<void> {
	const controller = new AbortController();
	const cancel = () => controller.abort();
	process.once("SIGINT", cancel);
	const progress = progressReporter();
	try {
		for (const name of names) {
			const results = await pullModel(name, {
				onProgress: progress.onProgress,
				onStep: (model, message) => {
					progress.stop();
					if (process.stderr.isTTY)
						process.stderr.write(`${pc.dim(`${model}: ${message}`)}\n`);
				},
				showPipOutput: process.stderr.isTTY,
				signal: controller.signal,
			});
			progress.stop();
			for (const result of results) {
				if (result.alreadyInstalled) {
					process.stdout.write(
						`${result.model} is already installed in ${result.dir}\n`,
					);
					continue;
				}
				process.stdout.write(
					`${pc.green("installed")} ${result.model} in ${result.dir} (from ${result.source})\n`,
				);
				if (result.checksumSource === "unverified") {
					process.stderr.write(
						`${pc.yellow("note:")} no published sha256 for ${result.model}; recorded ${result.archiveSha256} for \`earshot models verify\`\n`,
					);
				}
			}
		}
	} catch (err) {
		if (err instanceof ModelError && err.code === "cancelled") {
			throw new ModelError(
				"cancelled",
				"download cancelled; run the pull again to resume",
			);
		}
		throw err;
	} finally {
		progress.stop();
		process.off("SIGINT", cancel);
	}
}

async function verify(name: string): Promise<void> {
	const result = await verifyModel(name);
	for (const path of result.modified)
		process.stdout.write(`${pc.red("modified")} ${path}\n`);
	for (const path of result.missing)
		process.stdout.write(`${pc.red("missing")}  ${path}\n`);
	if (!result.ok) {
		throw new ModelError(
			"missing-file",
			`${name} failed verification: ${result.modified.length} modified, ${result.missing.length} missing; run \`earshot models remove ${name}\` and pull it again`,
		);
	}
	process.stdout.write(
		`${pc.green("ok")} ${name}: ${result.checked} files match the install manifest\n`,
	);
}

/** Mounts `earshot models list|pull|remove|verify|path` on the CLI program. */
export function registerModelsCommand(program: Command): Command {
	const models = program
		.command("models")
		.description(
			"download and manage sherpa-onnx speech models (EARSHOT_MODELS_DIR, EARSHOT_MODEL_MIRROR)",
		);
	models
		.command("list")
		.description("show available and installed models")
		.option("--json", "print JSON")
		.action(handled(list));
	models
		.command("pull")
		.description(
			"download, check and install models (resumes an interrupted download)",
		)
		.argument("<names...>", "model names, as `earshot models list` shows them")
		.action(handled(pull));
	models
		.command("remove")
		.description("delete an installed model")
		.argument("<name>")
		.action(
			handled(async (name: string) => {
				process.stdout.write(`removed ${await removeModel(name)}\n`);
			}),
		);
	models
		.command("verify")
		.description(
			"re-hash an installed model's files against its install manifest",
		)
		.argument("<name>")
		.action(handled(verify));
	models
		.command("path")
		.description("print an installed model's directory")
		.argument("<name>")
		.action(
			handled(async (name: string) => {
				process.stdout.write(`${await modelPath(name)}\n`);
			}),
		);
	return models;
}
