import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
	downloadsDir,
	installDir,
	type ModelStoreOptions,
	modelMirror,
	modelsDir,
} from "./cache.js";
import { publishedChecksum, sha256File } from "./checksum.js";
import {
	type DownloadProgress,
	discardPartial,
	downloadToFile,
} from "./download.js";
import { ModelError, toModelError } from "./errors.js";
import { extractTarBz2 } from "./extract.js";
import {
	type ChecksumSource,
	hashTree,
	listModelFiles,
	type Manifest,
	readManifest,
	writeManifest,
} from "./manifest.js";
import {
	assetName,
	downloadUrl,
	findModel,
	type ModelEntry,
	type ModelFileRole,
	type ModelKind,
	modelFileEntries,
	REGISTRY,
} from "./registry.js";

/** An installed model: its entry, its directory, and the absolute path of each file it needs. */
export type InstalledModel = {
	[K in ModelKind]: {
		/** Repeats `entry.kind` where TypeScript can narrow `files` by it. */
		kind: K;
		entry: Extract<ModelEntry, { kind: K }>;
		dir: string;
		files: Record<ModelFileRole<K>, string>;
		manifest: Manifest;
	};
}[ModelKind];

export interface PullProgress extends DownloadProgress {
	model: string;
}

export interface PullOptions extends ModelStoreOptions {
	onProgress?: (progress: PullProgress) => void;
	signal?: AbortSignal;
}

export interface PullResult {
	model: string;
	dir: string;
	alreadyInstalled: boolean;
	/** The downloaded asset's sha256 and how it was checked; absent when already installed. */
	archiveSha256?: string;
	checksumSource?: ChecksumSource;
}

export interface VerifyResult {
	model: string;
	dir: string;
	ok: boolean;
	/** Files whose sha256 differs from the one recorded at install. */
	modified: string[];
	/** Files recorded at install (or required by the model) that are gone. */
	missing: string[];
	/** How many files were checked. */
	checked: number;
}

/** The installed model called `name`, or undefined when it is not (completely) installed. */
export async function findInstalledModel(
	name: string,
	options: ModelStoreOptions = {},
): Promise<InstalledModel | undefined> {
	const entry = findModel(name, options.registry);
	const dir = installDir(entry, options);
	const manifest = await readManifest(dir);
	if (!manifest) return undefined;
	const files = Object.fromEntries(
		modelFileEntries(entry).map(([role, path]) => [role, join(dir, path)]),
	);
	return { kind: entry.kind, entry, dir, files, manifest } as InstalledModel;
}

/** The installed model called `name`; a ModelError saying how to install it otherwise. */
export async function installedModel(
	name: string,
	options: ModelStoreOptions = {},
): Promise<InstalledModel> {
	const model = await findInstalledModel(name, options);
	if (!model)
		throw new ModelError(
			"not-installed",
			`${name} is not installed; run \`earshot models pull ${name}\``,
		);
	return model;
}

/** The directory of the installed model called `name`. */
export async function modelPath(
	name: string,
	options: ModelStoreOptions = {},
): Promise<string> {
	return (await installedModel(name, options)).dir;
}

/** Every installed model, in registry order. */
export async function installedModels(
	options: ModelStoreOptions = {},
): Promise<InstalledModel[]> {
	const found = await Promise.all(
		(options.registry ?? REGISTRY).map((e) =>
			findInstalledModel(e.name, options),
		),
	);
	return found.filter((m): m is InstalledModel => m !== undefined);
}

async function isFile(path: string): Promise<boolean> {
	try {
		return (await stat(path)).isFile();
	} catch {
		return false;
	}
}

/**
 * Downloads, checks, unpacks and installs a model, and first the models it needs (the VAD).
 * The model directory appears in one rename once complete, so a failure at any step leaves
 * nothing installed; an interrupted download stays in `.downloads` and the next pull resumes it.
 * Returns one result per model, the requested one last.
 */
export async function pullModel(
	name: string,
	options: PullOptions = {},
): Promise<PullResult[]> {
	const entry = findModel(name, options.registry);
	const results: PullResult[] = [];
	for (const need of entry.needs ?? [])
		results.push(...(await pullModel(need, options)));

	const existing = await findInstalledModel(name, options);
	if (existing)
		return [
			...results,
			{ model: name, dir: existing.dir, alreadyInstalled: true },
		];

	const root = modelsDir(options);
	const partial = join(downloadsDir(options), `${assetName(entry)}.partial`);
	const url = downloadUrl(entry, modelMirror(options));
	try {
		await mkdir(downloadsDir(options), { recursive: true });
	} catch (err) {
		throw toModelError(err, `cannot create ${root}`);
	}

	await downloadToFile(url, partial, {
		signal: options.signal,
		onProgress: (progress) =>
			options.onProgress?.({ model: name, ...progress }),
	});

	const archiveSha256 = await sha256File(partial);
	const { expected, source } = await expectedChecksum(
		entry,
		url,
		options.signal,
	);
	if (expected && expected !== archiveSha256) {
		await discardPartial(partial);
		throw new ModelError(
			"checksum",
			`checksum mismatch for ${name}: expected ${expected}, got ${archiveSha256}; the download was discarded`,
		);
	}

	const staging = await mkdtemp(join(root, `.staging-${name}-`)).catch(
		(err) => {
			throw toModelError(err, `cannot write to ${root}`);
		},
	);
	try {
		const modelDir = await unpack(entry, partial, staging);
		await checkRequiredFiles(entry, modelDir, partial);
		await writeManifest(modelDir, {
			model: name,
			url,
			archiveSha256,
			checksumSource: source,
			installedAt: new Date().toISOString(),
			files: await hashTree(modelDir),
		});
		const target = installDir(entry, options);
		// A directory without a manifest is debris from an older failed install.
		await rm(target, { recursive: true, force: true });
		await rename(modelDir, target);
		await discardPartial(partial);
		return [
			...results,
			{
				model: name,
				dir: target,
				alreadyInstalled: false,
				archiveSha256,
				checksumSource: source,
			},
		];
	} catch (err) {
		throw toModelError(err, `cannot install ${name}`);
	} finally {
		await rm(staging, { recursive: true, force: true });
	}
}

async function expectedChecksum(
	entry: ModelEntry,
	url: string,
	signal: AbortSignal | undefined,
): Promise<{ expected?: string; source: ChecksumSource }> {
	if (entry.sha256)
		return { expected: entry.sha256.toLowerCase(), source: "registry" };
	const published = await publishedChecksum(url, assetName(entry), signal);
	return published
		? { expected: published, source: "published" }
		: { source: "unverified" };
}

/** Puts the model's files in `staging/<name>` and returns that directory. */
async function unpack(
	entry: ModelEntry,
	partial: string,
	staging: string,
): Promise<string> {
	const modelDir = join(staging, entry.name);
	if (entry.format === "file") {
		// A single-file asset keeps its release name; the registry lists it among the files.
		await mkdir(modelDir);
		await rename(partial, join(modelDir, assetName(entry)));
		return modelDir;
	}
	const unpacked = join(staging, "unpacked");
	await mkdir(unpacked);
	await extractTarBz2(partial, unpacked, entry.name);
	const archiveRoot = join(unpacked, entry.archiveRoot ?? entry.name);
	try {
		if (!(await stat(archiveRoot)).isDirectory())
			throw new Error("not a directory");
	} catch {
		await discardPartial(partial);
		throw new ModelError(
			"missing-file",
			`${entry.name}: the archive has no ${entry.archiveRoot ?? entry.name}/ directory; not installed`,
		);
	}
	await rename(archiveRoot, modelDir);
	return modelDir;
}

async function checkRequiredFiles(
	entry: ModelEntry,
	modelDir: string,
	partial: string,
): Promise<void> {
	const missing: string[] = [];
	for (const [, path] of modelFileEntries(entry)) {
		if (!(await isFile(join(modelDir, path)))) missing.push(path);
	}
	if (missing.length > 0) {
		// Downloading the same archive again would not bring the file back.
		await discardPartial(partial);
		throw new ModelError(
			"missing-file",
			`${entry.name}: the archive lacks ${missing.join(", ")}; not installed`,
		);
	}
}

/** Deletes an installed model and any unfinished download of it. */
export async function removeModel(
	name: string,
	options: ModelStoreOptions = {},
): Promise<string> {
	const entry = findModel(name, options.registry);
	const dir = installDir(entry, options);
	const partial = join(downloadsDir(options), `${assetName(entry)}.partial`);
	const hadDir = await stat(dir).then(
		() => true,
		() => false,
	);
	const hadPartial = await isFile(partial);
	if (!hadDir && !hadPartial)
		throw new ModelError("not-installed", `${name} is not installed`);
	try {
		await rm(dir, { recursive: true, force: true });
		await discardPartial(partial);
	} catch (err) {
		throw toModelError(err, `cannot remove ${dir}`);
	}
	return dir;
}

/** Re-hashes an installed model's files against the manifest written when it was installed. */
export async function verifyModel(
	name: string,
	options: ModelStoreOptions = {},
): Promise<VerifyResult> {
	const model = await installedModel(name, options);
	const recorded = model.manifest.files;
	const required = modelFileEntries(model.entry).map(([, path]) => path);
	const present = new Set(await listModelFiles(model.dir));
	const modified: string[] = [];
	const missing = required.filter(
		(path) => !recorded.has(path) && !present.has(path),
	);
	for (const [path, hash] of recorded) {
		if (!present.has(path)) missing.push(path);
		else if ((await sha256File(join(model.dir, path))) !== hash)
			modified.push(path);
	}
	return {
		model: name,
		dir: model.dir,
		ok: modified.length === 0 && missing.length === 0,
		modified,
		missing,
		checked: recorded.size,
	};
}
