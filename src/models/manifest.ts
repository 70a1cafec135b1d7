import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { MANIFEST_FILE } from "./cache.js";
import { sha256File } from "./checksum.js";

/** How the download was checked when the model was installed ("registry": against a pinned sha256). */
export type ChecksumSource = "registry" | "published" | "unverified";

export interface Manifest {
	model: string;
	/** Where the files came from: a URL, a mirror's path, or pip. */
	url: string;
	/** The downloaded archive's or wheel's sha256; absent when the files were fetched one by one. */
	archiveSha256?: string;
	checksumSource: ChecksumSource;
	installedAt: string;
	/** sha256 of every installed file, by path relative to the model directory ("/"-separated). */
	files: Map<string, string>;
}

/** Every file under a model directory except the manifest, as sorted "/"-separated relative paths. */
/** Whether `path` is a regular file; false when it is missing or unreadable. */
export async function isFile(path: string): Promise<boolean> {
	return stat(path).then(
		(s) => s.isFile(),
		() => false,
	);
}

export async function listModelFiles(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile())
		.map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
		.filter((path) => path !== MANIFEST_FILE)
		.sort();
}

/** Hashes every file under `dir`. */
export async function hashTree(dir: string): Promise<Map<string, string>> {
	const files = new Map<string, string>();
	for (const path of await listModelFiles(dir))
		files.set(path, await sha256File(join(dir, path)));
	return files;
}

/**
 * Writes the manifest in `sha256sum` format, so `sha256sum -c` can check it too;
 * what it records about the archive goes in `#` comment lines.
 */
export async function writeManifest(
	dir: string,
	manifest: Manifest,
): Promise<void> {
	const lines = [
		`# model: ${manifest.model}`,
		`# url: ${manifest.url}`,
		...(manifest.archiveSha256
			? [`# archive-sha256: ${manifest.archiveSha256}`]
			: []),
		`# checksum-source: ${manifest.checksumSource}`,
		`# installed-at: ${manifest.installedAt}`,
		...[...manifest.files].map(([path, hash]) => `${hash}  ${path}`),
	];
	await writeFile(join(dir, MANIFEST_FILE), `${lines.join("\n")}\n`);
}

/** The manifest of an installed model directory, or undefined when there is none. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
	let text: string;
	try {
		text = await readFile(join(dir, MANIFEST_FILE), "utf8");
	} catch {
		return undefined;
	}
	const comments = new Map<string, string>();
	const files = new Map<string, string>();
	for (const line of text.split("\n")) {
		const comment = /^# ([a-z0-9-]+): (.*)$/.exec(line);
		if (comment) comments.set(comment[1] as string, comment[2] as string);
		const file = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
		if (file) files.set(file[2] as string, file[1] as string);
	}
	return {
		model: comments.get("model") ?? "",
		url: comments.get("url") ?? "",
		archiveSha256: comments.get("archive-sha256"),
		checksumSource: (comments.get("checksum-source") ??
			"unverified") as ChecksumSource,
		installedAt: comments.get("installed-at") ?? "",
		files,
	};
}
