import { createReadStream } from "node:fs";
import { open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { ModelError, toModelError } from "./errors.js";
import type { Location } from "./mirror.js";

export interface DownloadProgress {
	/** Bytes of the file on disk so far, resumed bytes included. */
	received: number;
	/** The full size, when the server says. */
	total: number | undefined;
}

export interface DownloadOptions {
	onProgress?: (progress: DownloadProgress) => void;
	signal?: AbortSignal;
}

/** What a resumed request must match: the same URL, and the same file version (If-Range). */
interface PartialMeta {
	url: string;
	validator?: string;
}

const metaPath = (partial: string) => `${partial}.json`;

async function readMeta(partial: string): Promise<PartialMeta | undefined> {
	try {
		return JSON.parse(await readFile(metaPath(partial), "utf8")) as PartialMeta;
	} catch {
		return undefined;
	}
}

async function sizeOf(path: string): Promise<number> {
	try {
		return (await stat(path)).size;
	} catch {
		return 0;
	}
}

/** Removes a partial download and its resume metadata. */
export async function discardPartial(partial: string): Promise<void> {
	await rm(partial, { force: true });
	await rm(metaPath(partial), { force: true });
}

function httpError(
	url: string,
	status: number,
	statusText: string,
): ModelError {
	if (status === 404)
		return new ModelError(
			"not-found",
			`not found on the server (HTTP 404): ${url}`,
		);
	return new ModelError(
		"http",
		`HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${url}`,
	);
}

/**
 * Downloads `url` into `partial`, continuing an earlier interrupted download of the same URL
 * with an HTTP Range request. An interrupted transfer leaves `partial` in place for the next try.
 */
export async function downloadToFile(
	url: string,
	partial: string,
	options: DownloadOptions = {},
): Promise<void> {
	const meta = await readMeta(partial);
	let offset = meta?.url === url ? await sizeOf(partial) : 0;
	if (offset === 0) await discardPartial(partial);

	const headers: Record<string, string> = {};
	if (offset > 0) {
		headers.range = `bytes=${offset}-`;
		if (meta?.validator) headers["if-range"] = meta.validator;
	}
	let response: Response;
	try {
		response = await fetch(url, {
			headers,
			signal: options.signal,
			redirect: "follow",
		});
	} catch (err) {
		throw toModelError(err, `cannot download ${url}`);
	}

	if (response.status === 416 && offset > 0) {
		// The partial already holds the whole file, or the file changed: the length decides.
		await response.body?.cancel();
		const total = Number(
			/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1],
		);
		if (total === offset) return;
		await discardPartial(partial);
		return downloadToFile(url, partial, options);
	}
	if (!response.ok) {
		await response.body?.cancel();
		throw httpError(url, response.status, response.statusText);
	}

	let total: number | undefined;
	if (response.status === 206) {
		const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(
			response.headers.get("content-range") ?? "",
		);
		if (!range || Number(range[1]) !== offset) {
			await response.body?.cancel();
			await discardPartial(partial);
			return downloadToFile(url, partial, options);
		}
		total = range[2] === "*" ? undefined : Number(range[2]);
	} else {
		offset = 0;
		const length = response.headers.get("content-length");
		total = length === null ? undefined : Number(length);
	}

	const validator =
		response.headers.get("etag") ??
		response.headers.get("last-modified") ??
		undefined;
	try {
		await writeFile(
			metaPath(partial),
			JSON.stringify({ url, validator } satisfies PartialMeta),
		);
	} catch (err) {
		throw toModelError(err, `cannot write ${partial}`);
	}

	const file = await open(partial, offset > 0 ? "a" : "w").catch((err) => {
		throw toModelError(err, `cannot write ${partial}`);
	});
	let received = offset;
	options.onProgress?.({ received, total });
	try {
		if (response.body) {
			for await (const chunk of response.body) {
				await file.write(chunk).catch((err) => {
					throw toModelError(err, `cannot write ${partial}`);
				});
				received += chunk.byteLength;
				options.onProgress?.({ received, total });
			}
		}
	} catch (err) {
		const error = toModelError(err, `download of ${url} interrupted`);
		if (error.code === "network") {
			throw new ModelError(
				"network",
				`download of ${url} interrupted at ${received} bytes; run the pull again to resume`,
				{
					cause: err,
				},
			);
		}
		throw error;
	} finally {
		await file.close();
	}
	if (total !== undefined && received !== total) {
		throw new ModelError(
			"network",
			`download of ${url} ended early at ${received} of ${total} bytes; run the pull again to resume`,
		);
	}
}

/**
 * Fetches a file into `partial`: downloads a URL (resuming, see downloadToFile), or copies a
 * file of a directory mirror. A file that is not there is a "not-found" ModelError.
 */
export async function fetchToFile(
	location: Location,
	partial: string,
	options: DownloadOptions = {},
): Promise<void> {
	if ("url" in location) return downloadToFile(location.url, partial, options);
	await discardPartial(partial);
	let total: number;
	try {
		total = (await stat(location.path)).size;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT")
			throw new ModelError("not-found", `not found: ${location.path}`);
		throw toModelError(err, `cannot read ${location.path}`);
	}
	const file = await open(partial, "w").catch((err) => {
		throw toModelError(err, `cannot write ${partial}`);
	});
	let received = 0;
	try {
		for await (const chunk of createReadStream(location.path, {
			signal: options.signal,
		})) {
			await file.write(chunk as Buffer);
			received += (chunk as Buffer).byteLength;
			options.onProgress?.({ received, total });
		}
	} catch (err) {
		throw toModelError(err, `cannot copy ${location.path}`);
	} finally {
		await file.close();
	}
}
