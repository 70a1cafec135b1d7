import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

/** One utterance to transcribe, with what was really said. */
export interface DatasetItem {
	/** The utterance's name: its LibriSpeech ID, or its path in the manifest. */
	id: string;
	/** Absolute path of the audio file. */
	path: string;
	reference: string;
}

export interface ManifestRow {
	/** Absolute path of the audio file. */
	path: string;
	referenceKind: "exact" | "approx" | "none";
	reference: string;
}

/** Thrown for a dataset that is missing, empty or malformed. */
export class DatasetError extends Error {
	override name = "DatasetError";
}

/**
 * Reads a manifest TSV (`path`, `reference_kind`, `reference`, any further columns, under a
 * header line); paths are relative to the manifest's folder.
 */
export function readManifest(file: string): ManifestRow[] {
	const lines = readFileSync(file, "utf8").split(/\r?\n/);
	const base = dirname(resolve(file));
	return lines
		.slice(lines[0]?.startsWith("path\t") ? 1 : 0)
		.filter((line) => line.trim() !== "")
		.map((line) => {
			const [path, referenceKind, reference] = line.split("\t");
			return {
				path: resolve(base, path),
				referenceKind: referenceKind as ManifestRow["referenceKind"],
				reference: reference ?? "",
			};
		});
}

export interface LoadOptions {
	/** Also take manifest rows whose reference is only approximate. */
	includeApprox?: boolean;
}

/**
 * The utterances of a manifest TSV, or of a LibriSpeech-style tree (`*.trans.txt` files of
 * `ID TEXT` lines beside `ID.flac`). Throws a DatasetError when there is nothing to score.
 */
export function loadDataset(
	location: string,
	options: LoadOptions = {},
): DatasetItem[] {
	if (!existsSync(location))
		throw new DatasetError(`no such dataset: ${location}`);
	const items = statSync(location).isDirectory()
		? loadTree(location)
		: loadManifest(location, options);
	if (items.length === 0)
		throw new DatasetError(`no utterances with a reference in ${location}`);
	return items;
}

function loadManifest(file: string, options: LoadOptions): DatasetItem[] {
	const base = dirname(resolve(file));
	const kinds = options.includeApprox ? ["exact", "approx"] : ["exact"];
	return readManifest(file)
		.filter((row) => kinds.includes(row.referenceKind))
		.map((row) => {
			if (!existsSync(row.path))
				throw new DatasetError(
					`${basename(file)} lists a missing file: ${row.path}`,
				);
			return {
				id: relative(base, row.path),
				path: row.path,
				reference: row.reference,
			};
		});
}

// LibriSpeech ships FLAC; converted copies are often WAV.
const AUDIO_EXTENSIONS = [".flac", ".wav"];

function loadTree(root: string): DatasetItem[] {
	const items: DatasetItem[] = [];
	for (const file of transcripts(resolve(root))) {
		for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
			const match = /^(\S+)\s+(.*\S)\s*$/.exec(line);
			if (!match) continue;
			const [, id, reference] = match;
			const path = AUDIO_EXTENSIONS.map((ext) =>
				join(dirname(file), id + ext),
			).find(existsSync);
			if (!path)
				throw new DatasetError(
					`${basename(file)} names ${id}, but there is no ${id}.flac beside it`,
				);
			items.push({ id, path, reference });
		}
	}
	return items;
}

/** Every `*.trans.txt` under `dir`, in a stable order. */
function transcripts(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true })
		.sort((a, b) => a.name.localeCompare(b.name))
		.flatMap((entry) => {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) return transcripts(path);
			return entry.name.endsWith(".trans.txt") ? [path] : [];
		});
}
