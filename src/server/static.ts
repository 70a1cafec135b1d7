import { readFile, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's web/ folder: two levels up from both src/server/ and dist/server/. */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

/** Only these kinds of file are served, so nothing else in web/ leaks by accident. */
const CONTENT_TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".json": "application/json",
	".png": "image/png",
	".svg": "image/svg+xml",
	".ico": "image/x-icon",
};

/**
 * Answers a GET or HEAD of `pathname` from `root` (`/` is index.html) and returns true, or
 * returns false when there is no such file, leaving the 404 to the caller. Percent-encoded
 * dots and slashes are decoded before the check that the file lies inside `root`.
 */
export async function serveStatic(
	pathname: string,
	method: string,
	res: ServerResponse,
	root = WEB_DIR,
): Promise<boolean> {
	if (method !== "GET" && method !== "HEAD") return false;
	let decoded: string;
	try {
		decoded = decodeURIComponent(pathname);
	} catch {
		return false;
	}
	if (decoded.endsWith("/")) decoded += "index.html";
	// Hidden files and anything with a NUL or backslash are never served.
	if (/\0|\\|\/\./.test(decoded)) return false;
	const base = resolve(root);
	const file = resolve(base, `.${decoded}`);
	const type = CONTENT_TYPES[extname(file)];
	if (!type || !file.startsWith(base + sep)) return false;
	const info = await stat(file).catch(() => undefined);
	if (!info?.isFile()) return false;
	const body = await readFile(file);
	res.writeHead(200, {
		"Content-Type": type,
		"Content-Length": body.length,
		"Cache-Control": "no-cache",
		"X-Content-Type-Options": "nosniff",
	});
	res.end(method === "HEAD" ? undefined : body);
	return true;
}
