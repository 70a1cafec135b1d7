import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import type { AudioSource } from "../audio/source.js";
import {
	decodeFrame,
	encodeMessage,
	type Message,
	ProtocolError,
} from "../protocol/frame.js";
import {
	audioMessage,
	CLOSE_CODE_CANCELLATION,
	ContentType,
	endOfAudioMessage,
	newRequestId,
	parseServiceMessage,
	RECOGNITION_STATUS_OUTCOMES,
	type SpeechPhraseBody,
	speechConfigMessage,
	speechContextMessage,
	TICKS_PER_SECOND,
} from "../protocol/messages.js";
import {
	AuthHeader,
	type RecognitionMode,
	sessionUrl,
} from "../protocol/paths.js";
import { waveHeader } from "../protocol/wav-header.js";
import type {
	Phrase,
	SessionErrorCode,
	SessionEvent,
} from "../recognition/events.js";
import type { SessionOptions } from "../recognition/session.js";

/** Where a remote recognizer connects, from `SpeechConfig.fromHost` / `fromEndpoint`. */
export interface RemoteTarget {
	/** A host (ws://host:port) or a full endpoint URL. */
	url: URL;
	endpoint: boolean;
	key?: string;
	token?: string;
	language: string;
	mode: RecognitionMode;
}

/** The SDK's audio message size: 100 ms of 16 kHz 16-bit mono. */
const CHUNK_BYTES = 3200;
/** Beyond this much unsent audio, reading the source waits: a file is not read into memory at once. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * A recognition session on a speech server: the same start/stop/done and ordered SessionEvents
 * as a local RecognitionSession, so SpeechRecognizer behaves the same in both modes. It asks for
 * Detailed results with word timings and raw text, and rebuilds each Phrase from them, so the
 * recognizer makes results with its own output format and text options, as it does locally.
 * Audio goes as 16-bit PCM at the source's rate, so 16-bit input reaches the server bit-exact.
 */
export class RemoteSession {
	readonly id = randomUUID().replaceAll("-", "");
	readonly done: Promise<void>;
	private readonly requestId = newRequestId();
	private ws: WebSocket | undefined;
	private source: AudioSource | undefined;
	private stopRequested = false;
	private sourceError: string | undefined;
	private sentSamples = 0;
	private sampleRate = 16000;
	private finished = false;
	private resolveDone!: () => void;

	constructor(
		private readonly target: RemoteTarget,
		private readonly openSource: () => Promise<AudioSource>,
		private readonly options: SessionOptions,
		private readonly emit: (event: SessionEvent) => void,
	) {
		this.done = new Promise((resolve) => {
			this.resolveDone = resolve;
		});
	}

	/** Connects, then emits `sessionStarted` and starts sending audio. */
	async start(): Promise<void> {
		let ws: WebSocket;
		try {
			ws = await this.connect();
		} catch (error) {
			this.emit({ type: "sessionStarted", sessionId: this.id });
			const failure = error as ConnectFailure;
			this.finish({ code: failure.code, details: failure.message });
			return;
		}
		this.ws = ws;
		ws.on("error", () => {});
		ws.on("message", (data, isBinary) =>
			this.onMessage(data as Buffer, isBinary),
		);
		ws.on("close", (code, reason) => {
			const cancel =
				CLOSE_CODE_CANCELLATION[code as keyof typeof CLOSE_CODE_CANCELLATION];
			this.finish({
				code:
					cancel === "BadRequestParameters"
						? "BadRequestParameters"
						: "ConnectionFailure",
				details: `${reason.toString() || "the server closed the connection"} (websocket close code ${code})`,
			});
		});
		this.emit({ type: "sessionStarted", sessionId: this.id });
		void this.sendAudio();
	}

	/** Stops sending audio; the server recognizes what it got, and `sessionStopped` follows its turn.end. */
	async stop(): Promise<void> {
		this.stopRequested = true;
		this.source?.close();
		await this.done;
	}

	private connect(): Promise<WebSocket> {
		const { target, options } = this;
		const url = target.endpoint
			? new URL(target.url)
			: sessionUrl(target.url, { mode: target.mode });
		const query = url.searchParams;
		query.set("language", target.language);
		query.set("format", "detailed");
		query.set("profanity", "raw");
		query.set("wordLevelTimestamps", "true");
		if (options.initialSilenceTimeoutMs !== undefined)
			query.set(
				"initialSilenceTimeoutMs",
				`${options.initialSilenceTimeoutMs}`,
			);
		query.set(
			"segmentationSilenceTimeoutMs",
			`${options.segmentationSilenceMs}`,
		);
		const headers: Record<string, string> = {
			[AuthHeader.ConnectionId]: this.id.toUpperCase(),
		};
		if (target.key) headers[AuthHeader.SubscriptionKey] = target.key;
		else if (target.token)
			headers[AuthHeader.Authorization] = `Bearer ${target.token}`;
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(url, { headers });
			ws.once("open", () => resolve(ws));
			ws.once("unexpected-response", (_req, res) => {
				const status = res.statusCode ?? 0;
				res.resume();
				ws.terminate();
				reject(
					new ConnectFailure(
						status === 401 || status === 403
							? "AuthenticationFailure"
							: status === 429
								? "TooManyRequests"
								: "ConnectionFailure",
						`${url.origin} refused the connection: HTTP ${status} ${res.statusMessage ?? ""}`.trim(),
					),
				);
			});
			ws.once("error", (error) =>
				reject(
					new ConnectFailure(
						"ConnectionFailure",
						`cannot connect to ${url.origin}: ${error.message}`,
					),
				),
			);
		});
	}

	private async sendAudio(): Promise<void> {
		try {
			const source = await this.openSource();
			this.source = source;
			if (this.stopRequested) source.close();
			this.sampleRate = source.sampleRate;
			const format = {
				sampleRate: source.sampleRate,
				channels: 1,
				bitsPerSample: 16,
				encoding: "pcm",
			} as const;
			this.send(speechConfigMessage(this.requestId, this.configBody()));
			this.send(speechContextMessage(this.requestId, this.contextBody()));
			this.send(
				audioMessage(this.requestId, waveHeader(format), ContentType.Wav),
			);
			for await (const chunk of source.chunks()) {
				if (this.stopRequested && !source.live) break;
				await this.sendSamples(chunk);
			}
		} catch (error) {
			this.source?.close();
			this.sourceError = error instanceof Error ? error.message : String(error);
		}
		// The server recognizes what it got, even after a failing source.
		this.send(endOfAudioMessage(this.requestId));
	}

	private async sendSamples(samples: Float32Array): Promise<void> {
		const pcm = new Int16Array(samples.length);
		for (let i = 0; i < samples.length; i++)
			pcm[i] = Math.max(
				-32768,
				Math.min(32767, Math.round(samples[i] * 32768)),
			);
		const bytes = new Uint8Array(pcm.buffer);
		for (let at = 0; at < bytes.length; at += CHUNK_BYTES)
			this.send(
				audioMessage(this.requestId, bytes.subarray(at, at + CHUNK_BYTES)),
			);
		this.sentSamples += samples.length;
		while (
			this.ws &&
			this.ws.readyState === WebSocket.OPEN &&
			this.ws.bufferedAmount > MAX_BUFFERED_BYTES
		)
			await new Promise((resolve) => setTimeout(resolve, 10));
	}

	private configBody() {
		return {
			context: {
				system: { name: "earshot", version: "0.1.0" },
				os: {
					platform: process.platform,
					name: "Node.js",
					version: process.version,
				},
				audio: {
					source: {
						samplerate: this.sampleRate,
						bitspersample: 16,
						channelcount: 1,
						type: "Stream",
					},
				},
			},
			recognition: this.target.mode,
		};
	}

	/** Shaped as the official SDK's speech.context, which the server reads. */
	private contextBody() {
		const { options, target } = this;
		const segmentation = {
			mode: "Custom",
			segmentationSilenceTimeoutMs: options.segmentationSilenceMs,
			...(options.maxSegmentMs
				? { segmentationForcedTimeoutMs: options.maxSegmentMs }
				: {}),
		};
		const phrases = options.phrases ?? [];
		return {
			phraseDetection: {
				language: target.language,
				mode: target.mode[0].toUpperCase() + target.mode.slice(1),
				...(options.initialSilenceTimeoutMs !== undefined
					? { initialSilenceTimeout: options.initialSilenceTimeoutMs }
					: {}),
				[target.mode]: { segmentation },
				enrichment: { profanity: "Raw" },
			},
			phraseOutput: {
				format: "Detailed" as const,
				detailed: { options: ["WordTimings"] },
			},
			...(phrases.length > 0
				? {
						dgi: {
							groups: [
								{ type: "Generic", items: phrases.map((text) => ({ text })) },
							],
						},
					}
				: {}),
		};
	}

	private send(message: Message): void {
		if (this.ws?.readyState === WebSocket.OPEN)
			this.ws.send(encodeMessage(message));
	}

	private onMessage(data: Buffer, isBinary: boolean): void {
		if (this.finished) return;
		let message: ReturnType<typeof parseServiceMessage>;
		try {
			message = parseServiceMessage(decodeFrame(data, isBinary));
		} catch (error) {
			if (!(error instanceof ProtocolError)) throw error;
			this.fail(
				"ConnectionFailure",
				`bad message from the server: ${error.message}`,
			);
			return;
		}
		if (message.requestId.toLowerCase() !== this.requestId.toLowerCase())
			return;
		switch (message.type) {
			case "speech.startDetected":
				this.emit({ type: "speechStartDetected", offset: message.offset });
				return;
			case "speech.endDetected":
				this.emit({ type: "speechEndDetected", offset: message.offset });
				return;
			case "speech.hypothesis":
				this.emit({
					type: "recognizing",
					phrase: {
						text: message.body.Text,
						offset: message.body.Offset,
						duration: message.body.Duration,
						words: [],
						confidence: 0,
					},
				});
				return;
			case "speech.phrase":
				this.phrase(message.body);
				return;
			case "turn.end":
				this.finish(
					this.sourceError
						? { code: "RuntimeError", details: this.sourceError }
						: this.stopRequested
							? undefined
							: "EndOfStream",
				);
				return;
		}
	}

	private phrase(body: SpeechPhraseBody): void {
		const outcome = RECOGNITION_STATUS_OUTCOMES[body.RecognitionStatus];
		if (outcome.event === "canceled") {
			this.fail(
				outcome.errorCode,
				`the server answered ${body.RecognitionStatus}`,
			);
			return;
		}
		if (outcome.event === "none") return;
		const best = body.NBest?.[0];
		const base = { offset: body.Offset, duration: body.Duration };
		const phrase: Phrase =
			body.RecognitionStatus === "Success" && best
				? {
						...base,
						text: best.Lexical,
						confidence: best.Confidence,
						words: (best.Words ?? []).map((w) => ({
							word: w.Word,
							offset: w.Offset,
							duration: w.Duration,
							confidence: w.Confidence ?? 0,
						})),
					}
				: {
						...base,
						text: "",
						confidence: 0,
						words: [],
						noMatch:
							body.RecognitionStatus === "InitialSilenceTimeout"
								? "InitialSilenceTimeout"
								: "NotRecognized",
					};
		this.emit({ type: "recognized", phrase });
	}

	private fail(code: SessionErrorCode, details: string): void {
		this.finish({ code, details });
	}

	/** Emits the end once: canceled (EndOfStream or an error) unless stopped, then sessionStopped. */
	private finish(
		end:
			| "EndOfStream"
			| { code: SessionErrorCode; details: string }
			| undefined,
	): void {
		if (this.finished) return;
		this.finished = true;
		this.source?.close();
		const offset = Math.round(
			(this.sentSamples * TICKS_PER_SECOND) / this.sampleRate,
		);
		if (end === "EndOfStream")
			this.emit({ type: "canceled", reason: "EndOfStream", offset });
		else if (end)
			this.emit({
				type: "canceled",
				reason: "Error",
				errorCode: end.code,
				errorDetails: end.details,
				offset,
			});
		this.emit({ type: "sessionStopped", sessionId: this.id });
		this.ws?.close(1000);
		this.resolveDone();
	}
}

class ConnectFailure extends Error {
	constructor(
		readonly code: SessionErrorCode,
		message: string,
	) {
		super(message);
	}
}
