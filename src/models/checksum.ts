import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Location } from "./mirror.js";

export async function sha256File(path: string): Promise<string> {
	const hash = createHash("sha256");
	for await (const chunk of createReadStream(path))
		hash.update(chunk as Buffer);
	return hash.digest("hex");
}

const SHA256 = /^[0-9a-f]{64}$/i;

/**
 * The sha256 that a checksum list gives for `fileName`. Accepts `sha256sum` lines
 * (`HASH  NAME`) and the reverse order (`NAME HASH`), since release tools write either.
 */
export function findChecksum(
	list: string,
	fileName: string,
): string | undefined {
	for (const line of list.split(/\r?\n/)) {
		const fields = line.trim().split(/\s+/);
		if (fields.length !== 2) continue;
		const [a, b] = fields as [string, string];
		const name = (SHA256.test(a) ? b : a).replace(/^\*/, "");
		const hash = SHA256.test(a) ? a : b;
		if (SHA256.test(hash) && name === fileName) return hash.toLowerCase();
	}
	return undefined;
}

const CHECKSUM_LIST_TIMEOUT_MS = 30_000;

/**
 * The sha256 published for an asset in the `checksum.txt` beside it (sherpa-onnx's releases
 * carry one), or undefined when there is no such list or it does not name the asset.
 */
export async function publishedChecksum(
	asset: Location,
	fileName: string,
	signal?: AbortSignal,
): Promise<string | undefined> {
	// The list is a bonus: without it the archive is installed with its hash recorded.
	if ("path" in asset) {
		const list = await readFile(
			join(dirname(asset.path), "checksum.txt"),
			"utf8",
		).catch(() => undefined);
		return list === undefined ? undefined : findChecksum(list, fileName);
	}
	const listUrl = new URL("checksum.txt", asset.url);
	const timeout = AbortSignal.timeout(CHECKSUM_LIST_TIMEOUT_MS);
	try {
		const response = await fetch(listUrl, {
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
		});
		if (!response.ok) {
			await response.body?.cancel();
			return undefined;
		}
		return findChecksum(await response.text(), fileName);
	} catch {
		return undefined;
	}
}
