import {
	createServer,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type WebSocket, WebSocketServer } from "ws";
import { type EngineChoice, selectEngine } from "../engines/select.js";
import {
	decodeFrame,
	encodeMessage,
	ProtocolError,
} from "../protocol/frame.js";
import {
	CloseCode,
	parseClientMessage,
	speechPhraseMessage,
	statusPhraseBody,
} from "../protocol/messages.js";
import {
	AuthHeader,
	modeForPath,
	parseSessionRequest,
	type SessionRequest,
} from "../protocol/paths.js";
import { KeyCheck } from "./auth.js";
import { Connection, type SessionLog } from "./connection.js";
import { ServerMetrics } from "./metrics.js";
import { serveStatic } from "./static.js";

export interface ServerOptions {
	/** Default 127.0.0.1. */
	host?: string;
	/** Default 5000; 0 picks a free port. */
	port?: number;
	/** When set, clients must present it (or a token made from it), as with Azure. */
	key?: string;
	/** Sessions served at once; more get TooManyRequests. Default 64. */
	maxSessions?: number;
	/** Wall-clock limit of one session. Default 3600. */
	maxSessionSeconds?: number;
	/** The largest WebSocket message accepted. Default 1 MiB. */
	maxFrameBytes?: number;
	engine?: EngineChoice;
	/** Receives one record per session; default a JSON line on stderr; false for none. */
	log?: ((record: SessionLog) => void) | false;
}

export interface RunningServer {
	/** ws://host:port, what `SpeechConfig.fromHost` takes. */
	url: string;
	port: number;
	metrics: ServerMetrics;
	/**
	 * Refuses new sessions (and /healthz answers 503), lets open turns finish for up to
	 * `deadlineMs`, then flushes the phrases still open, closes every socket and stops
	 * listening, within about CLOSE_MARGIN_MS after the deadline.
	 */
	drain(deadlineMs: number): Promise<DrainOutcome>;
	/** Drains with no deadline to wait for. */
	close(): Promise<DrainOutcome>;
}

export interface DrainOutcome {
	/** Turns were still open at the deadline, and were cut short. */
	deadlineReached: boolean;
	/** How many turns were cut short: their open phrase flushed, closed with 4000. */
	cutShort: number;
	seconds: number;
}

/**
 * How long a drain leaves idle sockets to their clients before closing them. Closed just
 * after turn.end, the JS SDK drops the turn.end it has not read yet and never reports
 * sessionStopped.
 */
const IDLE_CLOSE_GRACE_MS = 1000;

/** How long after the drain deadline the flush and close handshakes may take. */
export const CLOSE_MARGIN_MS = 3000;

/** Starts the speech server on the shared engine; resolves once it listens. */
export async function startServer(
	options: ServerOptions = {},
): Promise<RunningServer> {
	const engine = await selectEngine(options.engine);
	const maxSessions = options.maxSessions ?? 64;
	const limits = {
		maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
		maxSessionSeconds: options.maxSessionSeconds ?? 3600,
	};
	const log =
		options.log === false
			? () => {}
			: (options.log ??
				((record: SessionLog) =>
					process.stderr.write(`${JSON.stringify(record)}\n`)));
	const keys = options.key ? new KeyCheck(options.key) : undefined;
	const metrics = new ServerMetrics();
	const connections = new Set<Connection>();
	let draining = false;

	// Frames somewhat over the limit get our 1007; ws itself closes far larger ones with 1009.
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: limits.maxFrameBytes * 4,
	});
	const http = createServer((req, res) => {
		void route(req, res).catch(() => reply(res, 500, "internal error\n"));
	});

	async function route(req: IncomingMessage, res: ServerResponse) {
		const path = new URL(req.url ?? "/", "http://localhost").pathname;
		if (path === "/healthz") {
			const body = {
				status: draining ? "draining" : "ok",
				activeSessions: connections.size,
			};
			return reply(res, draining ? 503 : 200, JSON.stringify(body), "json");
		}
		if (path === "/metrics") {
			res.setHeader("Content-Type", metrics.registry.contentType);
			return res.end(await metrics.registry.metrics());
		}
		if (
			path.toLowerCase() === "/sts/v1.0/issuetoken" &&
			req.method === "POST"
		) {
			const header = req.headers[AuthHeader.SubscriptionKey.toLowerCase()];
			const key = typeof header === "string" && header ? header : undefined;
			const token = keys ? keys.issueToken(key) : "earshot";
			// The body tells a client (the page) whether to ask for a key or for another one.
			if (!token) return reply(res, 401, key ? "wrong key\n" : "missing key\n");
			return reply(res, 200, token);
		}
		// The live-captions page (web/) at `/`.
		if (await serveStatic(path, req.method ?? "GET", res)) return;
		reply(res, 404, "not found\n");
	}

	http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
		const url = new URL(req.url ?? "/", "ws://localhost");
		if (!modeForPath(url.pathname))
			return refuseUpgrade(socket, 404, "Not Found");
		if (draining) return refuseUpgrade(socket, 503, "Service Unavailable");
		let request: SessionRequest | undefined;
		let badRequest: string | undefined;
		try {
			request = parseSessionRequest(url, req.headers);
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			badRequest = error.message;
		}
		const credentials = request?.credentials ?? {};
		if (keys && !keys.allows(credentials)) {
			metrics.refusedSessions.inc({ reason: "unauthorized" });
			const given =
				credentials.subscriptionKey ?? credentials.authorizationToken;
			return refuseUpgrade(
				socket,
				401,
				"Unauthorized",
				given ? "wrong key" : "missing key",
			);
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			if (!request) return ws.close(CloseCode.InvalidPayload, badRequest);
			if (connections.size >= maxSessions) {
				metrics.refusedSessions.inc({ reason: "capacity" });
				return refuseAtCapacity(ws);
			}
			const connection = new Connection(ws, request, engine, limits, metrics);
			connections.add(connection);
			metrics.activeSessions.inc();
			void connection.done.then((record) => {
				connections.delete(connection);
				metrics.activeSessions.dec();
				log(record);
			});
		});
	});

	await new Promise<void>((resolve, reject) => {
		http.once("error", reject);
		http.listen(options.port ?? 5000, options.host ?? "127.0.0.1", () => {
			http.off("error", reject);
			resolve();
		});
	});
	const { address, port } = http.address() as AddressInfo;
	const host = address.includes(":") ? `[${address}]` : address;

	async function drain(deadlineMs: number): Promise<DrainOutcome> {
		draining = true;
		const started = Date.now();
		const deadline = started + deadlineMs;
		while ([...connections].some((c) => c.busy) && Date.now() < deadline)
			await sleep(50);
		// Clients whose turns just ended close their own sockets once they have read turn.end.
		await Promise.race([
			Promise.all([...connections].map((c) => c.done)),
			sleep(Math.min(IDLE_CLOSE_GRACE_MS, deadline - Date.now())),
		]);
		const cutShort = [...connections].filter((c) => c.busy).length;
		const open = [...connections];
		for (const c of open) void c.shutdown("server shutting down");
		// Flushing a phrase and the close handshake take moments; a stuck client or engine
		// must not hold the process past the deadline for longer than this.
		await Promise.race([
			Promise.all(open.map((c) => c.done)),
			sleep(CLOSE_MARGIN_MS),
		]);
		for (const ws of wss.clients) ws.terminate();
		wss.close();
		const closed = new Promise((resolve) => http.close(resolve));
		http.closeAllConnections();
		await closed;
		return {
			deadlineReached: cutShort > 0,
			cutShort,
			seconds: (Date.now() - started) / 1000,
		};
	}

	return {
		url: `ws://${host}:${port}`,
		port,
		metrics,
		drain,
		close: () => drain(0),
	};
}

/**
 * Beyond capacity the socket is accepted and the client's first request answered with Azure's
 * TooManyRequests phrase, which the SDK reports as canceled TooManyRequests. The native SDKs'
 * speech.config has no request id, so the answer waits for the first message that has one. The
 * close waits a moment, since the SDK would report a close that it handles first as
 * ConnectionFailure.
 */
function refuseAtCapacity(ws: WebSocket): void {
	ws.on("error", () => {});
	const close = setTimeout(() => {
		ws.close(CloseCode.ServiceError, "too many sessions");
		setTimeout(() => ws.terminate(), 2000).unref();
	}, 1000);
	close.unref();
	const answer = (data: Buffer, isBinary: boolean) => {
		let requestId: string | undefined;
		try {
			({ requestId } = parseClientMessage(decodeFrame(data, isBinary)));
		} catch {
			// Not a protocol message: the close alone says it.
		}
		if (!requestId) return;
		ws.off("message", answer);
		ws.send(
			encodeMessage(
				speechPhraseMessage(requestId, statusPhraseBody("TooManyRequests")),
			),
		);
	};
	ws.on("message", answer);
}

function refuseUpgrade(
	socket: Socket,
	status: number,
	text: string,
	body = text,
): void {
	socket.end(
		`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length + 1}\r\n\r\n${body}\n`,
	);
}

function reply(
	res: ServerResponse,
	status: number,
	body: string,
	type: "text" | "json" = "text",
): void {
	res.writeHead(status, {
		"Content-Type": type === "json" ? "application/json" : "text/plain",
	});
	res.end(body);
}
