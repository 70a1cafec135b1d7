import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

/** One utterance to transcribe, with what was really said. */
export interface DatasetItem {
	/** The utterance's name: its LibriSpeech ID, or its path relative to the manifest. */
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
	/** Told of each row left out, and why. */
	onSkip?: (note: string) => void;
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
		.flatMap((row) => {
			const id = relative(base, row.path);
			if (!existsSync(row.path))
				throw new DatasetError(`${basename(file)} lists a missing file: ${id}`);
			const reference = referenceText(base, row.reference);
			if (reference === undefined) {
				options.onSkip?.(
					`${id} left out: its reference "${row.reference}" names no readable file of utterances`,
				);
				return [];
			}
			return [{ id, path: row.path, reference }];
		});
}

/**
 * A row's reference text. "see FILE.json …" points to a JSON file of `utterances[].text`
 * (a model's transcript with times); its texts, joined, are the reference. Undefined when
 * the file cannot be read as that.
 */
function referenceText(base: string, reference: string): string | undefined {
	const pointer = /^see (\S+\.json)\b/.exec(reference);
	if (!pointer) return reference;
	try {
		const json = JSON.parse(readFileSync(resolve(base, pointer[1]), "utf8"));
		const texts = (json.utterances as { text?: unknown }[]).map((u) => u.text);
		if (texts.length === 0 || texts.some((t) => typeof t !== "string"))
			return undefined;
		return texts.join(" ");
	} catch {
		return undefined;
	}
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
