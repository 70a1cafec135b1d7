import { randomUUID } from "node:crypto";
import { debuglog } from "node:util";
import type { WebSocket } from "ws";
import type { Engine } from "../engines/engine.js";
import { checkLanguage } from "../engines/select.js";
import {
	decodeFrame,
	encodeMessage,
	ProtocolError,
	type TextMessage,
} from "../protocol/frame.js";
import {
	type ClientMessage,
	CloseCode,
	parseClientMessage,
	type SpeechContextBody,
} from "../protocol/messages.js";
import type { SessionRequest } from "../protocol/paths.js";
import { parseAudioHeader } from "../protocol/wav-header.js";
import type { ServerMetrics } from "./metrics.js";
import { turnSettings } from "./settings.js";
import { Turn } from "./turn.js";

/** NODE_DEBUG=earshot shows the messages a session ignores. */
const debug = debuglog("earshot");

export interface ConnectionLimits {
	maxFrameBytes: number;
	maxSessionSeconds: number;
}

/** The one line logged per session. */
export interface SessionLog {
	event: "session";
	id: string;
	mode: string;
	language: string;
	turns: number;
	phrases: number;
	audioSeconds: number;
	durationSeconds: number;
	closeCode: number;
	closeReason: string;
}

/**
 * One client's WebSocket session: speech.config, then turns of speech.context + audio. Anything
 * malformed closes this connection alone, with 1007, which the SDK reports as
 * BadRequestParameters; a server-side failure or limit closes with 4000 (ConnectionFailure).
 * Other codes would make the SDK reconnect and replay its audio.
 */
export class Connection {
	readonly id: string;
	/** Resolves once the socket is closed and the turn's decoder is released. */
	readonly done: Promise<SessionLog>;
	private configured = false;
	/** The client is a native-core SDK (Python, Java, C++, C#…), which ends a turn's audio at speech.endDetected. */
	private nativeCore = false;
	private context: { requestId: string; body: SpeechContextBody } | undefined;
	private turn: Turn | undefined;
	/** Request ids of ended turns, whose late audio is ignored. */
	private readonly ended = new Set<string>();
	private turns = 0;
	private phrases = 0;
	private audioSeconds = 0;
	private closing = false;
	private readonly started = Date.now();
	private readonly timer: NodeJS.Timeout;

	constructor(
		private readonly ws: WebSocket,
		private readonly request: SessionRequest,
		private readonly engine: Engine,
		private readonly limits: ConnectionLimits,
		private readonly metrics: ServerMetrics,
	) {
		this.id = request.connectionId ?? randomUUID().replaceAll("-", "");
		this.timer = setTimeout(
			() =>
				void this.shutdown(
					`session time limit of ${limits.maxSessionSeconds} s reached`,
				),
			limits.maxSessionSeconds * 1000,
		);
		this.done = new Promise((resolve) => {
			ws.once("close", (code, reason) => {
				clearTimeout(this.timer);
				void this.release().then(() => resolve(this.log(code, `${reason}`)));
			});
		});
		ws.on("message", (data, isBinary) => {
			try {
				this.onMessage(data as Buffer | Buffer[], isBinary);
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				this.fail(CloseCode.InvalidPayload, error.message);
			}
		});
		ws.on("error", () => {});
	}

	/** Whether a turn is open: drain waits for these. */
	get busy(): boolean {
		return this.turn !== undefined;
	}

	/** Flushes the open turn's phrase, then closes with 4000 and `reason` (or 1000 when idle). */
	async shutdown(reason: string): Promise<void> {
		const turn = this.turn;
		if (turn) {
			this.closing = true;
			await turn.stop();
			this.close(CloseCode.ServiceError, reason);
		} else this.close(CloseCode.Normal, reason);
	}

	private onMessage(data: Buffer | Buffer[], isBinary: boolean): void {
		if (this.closing) return;
		const size = Array.isArray(data)
			? data.reduce((sum, part) => sum + part.length, 0)
			: data.length;
		if (size > this.limits.maxFrameBytes)
			throw new ProtocolError(
				`frame of ${size} bytes exceeds the limit of ${this.limits.maxFrameBytes}`,
			);
		const message = parseClientMessage(decodeFrame(data, isBinary));
		if (message.type !== "speech.config" && !this.configured)
			throw new ProtocolError(`${message.type} before speech.config`);
		switch (message.type) {
			case "speech.config": {
				this.configured = true;
				const system = message.body.context?.system;
				this.nativeCore =
					system?.name === "SpeechSDK" &&
					system.lang !== undefined &&
					system.lang !== "JavaScript";
				return;
			}
			case "speech.context":
				this.context = { requestId: message.requestId, body: message.body };
				return;
			case "audio":
				this.onAudio(message);
				return;
			case "speech.control":
				if (message.action !== "stop")
					throw new ProtocolError(
						`unknown speech.control action ${JSON.stringify(message.action)}`,
					);
				if (this.turn?.requestId === message.requestId) this.turn.abandon();
				return;
			default:
				debug(
					"session %s: ignored %s",
					this.id,
					message.type === "unknown" ? message.path : message.type,
				);
		}
	}

	private onAudio(message: Extract<ClientMessage, { type: "audio" }>): void {
		const { requestId, payload } = message;
		if (this.ended.has(requestId)) return;
		const turn = this.turn;
		if (turn) {
			if (turn.requestId !== requestId)
				throw new ProtocolError(
					`audio for request ${requestId} while ${turn.requestId} is open`,
				);
			if (payload.length === 0) turn.end();
			else turn.write(payload);
			return;
		}
		if (payload.length === 0) return;
		this.startTurn(requestId, payload);
	}

	private startTurn(requestId: string, payload: Uint8Array): void {
		const header = parseAudioHeader(payload);
		const context =
			this.context?.requestId === requestId ? this.context.body : undefined;
		const settings = turnSettings(this.request, context);
		try {
			checkLanguage(this.engine, settings.language);
		} catch (error) {
			throw new ProtocolError((error as Error).message);
		}
		const turn = new Turn(
			this.engine,
			requestId,
			header,
			settings,
			this.request.mode === "interactive",
			this.nativeCore && this.request.mode !== "interactive",
			(m) => this.send(m),
			this.metrics,
		);
		this.turn = turn;
		this.turns++;
		void turn.start();
		turn.write(payload.subarray(header.dataOffset));
		void turn.done.then((outcome) => {
			this.ended.add(requestId);
			this.phrases += turn.phrases;
			this.audioSeconds += turn.audioSeconds;
			this.turn = undefined;
			if (!outcome.ok) this.fail(outcome.closeCode, outcome.reason);
		});
	}

	private send(message: TextMessage): void {
		if (this.ws.readyState === this.ws.OPEN)
			this.ws.send(encodeMessage(message));
	}

	private fail(code: number, reason: string): void {
		this.closing = true;
		void this.turn?.stop();
		this.close(code, reason);
	}

	private close(code: number, reason: string): void {
		if (this.ws.readyState !== this.ws.OPEN) return;
		// A close reason is limited to 123 bytes.
		this.ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
		// A client that does not answer the close handshake is cut off.
		setTimeout(() => this.ws.terminate(), 2000).unref();
	}

	/** After the socket closed: a vanished client's turn is stopped so its decoder returns to the pool. */
	private async release(): Promise<void> {
		await this.turn?.stop();
	}

	private log(code: number, reason: string): SessionLog {
		return {
			event: "session",
			id: this.id,
			mode: this.request.mode,
			language: this.request.language,
			turns: this.turns,
			phrases: this.phrases,
			audioSeconds: round(this.audioSeconds),
			durationSeconds: round((Date.now() - this.started) / 1000),
			closeCode: code,
			closeReason: reason,
		};
	}
}

function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}
