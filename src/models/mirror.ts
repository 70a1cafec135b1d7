import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ModelError } from "./errors.js";

/** Where one file is fetched from: an http(s) URL, or a path on this machine. */
export type Location = { url: string } | { path: string };

/**
 * A mirror (EARSHOT_MODEL_MIRROR) as a base to find files in: an http(s) URL, a `file://` URL
 * or a plain directory path (relative to the working directory).
 */
export type Mirror = Location;

export function parseMirror(mirror: string): Mirror {
	const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(mirror)?.[1]?.toLowerCase();
	if (scheme === undefined) return { path: resolve(mirror) };
	if (scheme === "http" || scheme === "https") {
		try {
			new URL(mirror);
		} catch {
			throw badMirror(mirror);
		}
		return { url: mirror.replace(/\/+$/, "") };
	}
	if (scheme === "file") {
		try {
			return { path: fileURLToPath(mirror) };
		} catch {
			throw badMirror(mirror);
		}
	}
	throw badMirror(mirror);
}

function badMirror(mirror: string): ModelError {
	return new ModelError(
		"bad-mirror",
		`EARSHOT_MODEL_MIRROR must be an http(s) URL, a file:// URL or a directory, not "${mirror}"`,
	);
}

/** The file called `fileName` in the mirror. */
export function inMirror(mirror: Mirror, fileName: string): Location {
	return "url" in mirror
		? { url: `${mirror.url}/${encodeURIComponent(fileName)}` }
		: { path: join(mirror.path, fileName) };
}

/** The location as a user reads it: the URL or the path. */
export function describeLocation(location: Location): string {
	return "url" in location ? location.url : location.path;
}
