/**
 * `earshot serve` serves the live-captions page from web/: content types, HEAD, and nothing
 * outside web/ whatever the path's spelling.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type RunningServer, startServer } from "../src/server/server.js";
import { WEB_DIR } from "../src/server/static.js";
import { projectRoot } from "./helpers/shared.js";

// Written for PocketSphinx: pinned, since the default engine is the best installed model.
process.env.EARSHOT_ENGINE = "pocketsphinx";

let server: RunningServer;
before(async () => {
	server = await startServer({ port: 0, log: false });
});
after(() => server.close());

/** A request with `path` sent exactly as written (fetch would normalize `..` away). */
function get(path: string, method = "GET") {
	return new Promise<{ status: number; type?: string; body: string }>(
		(resolve, reject) => {
			const req = request(
				{ host: "127.0.0.1", port: server.port, path, method },
				(res) => {
					let body = "";
					res.setEncoding("utf8");
					res.on("data", (chunk) => {
						body += chunk;
					});
					res.on("end", () =>
						resolve({
							status: res.statusCode ?? 0,
							type: res.headers["content-type"],
							body,
						}),
					);
				},
			);
			req.on("error", reject);
			req.end();
		},
	);
}

test("web/ is the package's web folder", () => {
	assert.equal(WEB_DIR, join(projectRoot, "web/"));
});

test("/ is index.html; scripts, styles and the worklet have their types", async () => {
	const index = await get("/");
	assert.equal(index.status, 200);
	assert.equal(index.type, "text/html; charset=utf-8");
	assert.equal(index.body, readFileSync(join(WEB_DIR, "index.html"), "utf8"));
	for (const [path, type] of [
		["/app.js", "text/javascript; charset=utf-8"],
		["/capture-worklet.js", "text/javascript; charset=utf-8"],
		["/style.css", "text/css; charset=utf-8"],
		["/index.html?x=1", "text/html; charset=utf-8"],
	]) {
		const res = await get(path);
		assert.equal(res.status, 200, path);
		assert.equal(res.type, type, path);
	}
});

test("HEAD answers without a body; other methods are not served", async () => {
	const head = await get("/app.js", "HEAD");
	assert.equal(head.status, 200);
	assert.equal(head.body, "");
	assert.equal((await get("/", "POST")).status, 404);
});

test("nothing outside web/, hidden or of an unlisted type is served", async () => {
	for (const path of [
		"/../package.json",
		"/%2e%2e/package.json",
		"/..%2fpackage.json",
		"/%2e%2e%2fsrc%2fserver%2fstatic.ts",
		"/..%5cpackage.json",
		"/%00.js",
		"/%E0%A4%A.js",
		"/.gitignore",
		"/missing.js",
		"/speech/recognition/conversation/cognitiveservices/v1",
	]) {
		const res = await get(path);
		assert.equal(res.status, 404, path);
		assert.equal(res.body, "not found\n", path);
	}
});

test("the server's own routes still answer", async () => {
	assert.equal((await get("/healthz")).status, 200);
	assert.match((await get("/metrics")).body, /earshot_active_sessions/);
});
