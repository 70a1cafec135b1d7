import { createHash } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const sha256 = (data: Uint8Array) =>
	createHash("sha256").update(data).digest("hex");

interface SeenRequest {
	path: string;
	range?: string;
	bytesSent: number;
}

/** A loopback mirror: static files with Range support, and a switch to cut one transfer. */
export class MirrorServer {
	readonly assets = new Map<string, Buffer>();
	readonly seen: SeenRequest[] = [];
	/**
	 * Asset paths whose next transfer sends half the body and then waits, to be cut by
	 * `cutOnceDelivered` (so the client must pass that as its progress callback).
	 */
	readonly cutNext = new Set<string>();
	private held?: { res: ServerResponse; bytes: number };

	/**
	 * A download's progress callback: cuts the held transfer once the client has written all it
	 * was sent. Cutting on the server's side alone would race the client, which drops data it has
	 * received but not yet written when the connection fails.
	 */
	readonly cutOnceDelivered = (progress: { received: number }): void => {
		if (this.held && progress.received >= this.held.bytes) {
			this.held.res.socket?.destroy();
			this.held = undefined;
		}
	};

	private server: Server = createServer((req, res) => {
		const path = new URL(req.url ?? "/", "http://x").pathname.slice(1);
		const body = this.assets.get(path);
		const seen: SeenRequest = { path, range: req.headers.range, bytesSent: 0 };
		this.seen.push(seen);
		if (!body) {
			res.writeHead(404).end("not found");
			return;
		}
		const etag = `"${sha256(body).slice(0, 16)}"`;
		const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
		const ifRange = req.headers["if-range"];
		let start = 0;
		if (range && (!ifRange || ifRange === etag)) {
			start = Number(range[1]);
			if (start >= body.length) {
				res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
				return;
			}
			res.writeHead(206, {
				"content-length": body.length - start,
				"content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
				etag,
			});
		} else {
			res.writeHead(200, { "content-length": body.length, etag });
		}
		const rest = body.subarray(start);
		if (this.cutNext.delete(path)) {
			const half = rest.subarray(0, Math.floor(rest.length / 2));
			seen.bytesSent = half.length;
			this.held = { res, bytes: half.length };
			res.write(half);
			return;
		}
		seen.bytesSent = rest.length;
		res.end(rest);
	});

	async start(): Promise<string> {
		await new Promise<void>((resolve) =>
			this.server.listen(0, "127.0.0.1", resolve),
		);
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/asr-models`;
	}

	serve(name: string, body: Buffer): void {
		this.assets.set(`asr-models/${name}`, body);
	}

	requestsFor(name: string): SeenRequest[] {
		return this.seen.filter((r) => r.path === `asr-models/${name}`);
	}

	stop(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}
