/**
 * A browser client for earshot's Speech WebSocket protocol (the Azure Speech protocol, as in
 * src/protocol): one continuous recognition of 16 kHz mono 16-bit PCM. No DOM here, so Node
 * tests can check it against the server's codec.
 */

export const SAMPLE_RATE = 16000;
const CRLF = "\r\n";
const CONVERSATION = "/speech/recognition/conversation/cognitiveservices/v1";

/** Why a session failed, as the page words it; `kind` lets it pick a state. */
export class SpeechError extends Error {
	/** @param {"unreachable" | "unauthorized" | "capacity" | "refused" | "closed"} kind */
	constructor(kind, message) {
		super(message);
		this.kind = kind;
	}
}

/** A request id as the SDK makes them; crypto.randomUUID is missing on plain-http origins. */
export function requestId() {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
		.join("")
		.toUpperCase();
}

function headerBlock(path, id, contentType) {
	let text = `Path:${path}${CRLF}X-RequestId:${id}${CRLF}X-Timestamp:${new Date().toISOString()}${CRLF}`;
	if (contentType) text += `Content-Type:${contentType}${CRLF}`;
	return text;
}

export function textMessage(path, id, body) {
	return `${headerBlock(path, id, "application/json")}${CRLF}${JSON.stringify(body)}`;
}

/** Binary frame: a 2-byte big-endian header length, the ASCII headers, then the payload. */
export function audioMessage(id, payload, contentType) {
	const headers = headerBlock("audio", id, contentType);
	const frame = new Uint8Array(2 + headers.length + payload.byteLength);
	frame[0] = headers.length >> 8;
	frame[1] = headers.length & 0xff;
	for (let i = 0; i < headers.length; i++) frame[2 + i] = headers.charCodeAt(i);
	frame.set(new Uint8Array(payload), 2 + headers.length);
	return frame;
}

/** A text frame from the service: its Path, X-RequestId and parsed JSON body. */
export function parseMessage(text) {
	const end = text.indexOf(CRLF + CRLF);
	if (end < 0) throw new Error("message without headers");
	const headers = {};
	for (const line of text.slice(0, end).split(CRLF)) {
		const colon = line.indexOf(":");
		headers[line.slice(0, colon).trim().toLowerCase()] = line
			.slice(colon + 1)
			.trim();
	}
	const body = text.slice(end + 4);
	return {
		path: (headers.path ?? "").toLowerCase(),
		requestId: headers["x-requestid"],
		body: body ? JSON.parse(body) : {},
	};
}

/** The SDK's streaming RIFF header: sizes 0, PCM, mono 16-bit at SAMPLE_RATE. */
export function waveHeader() {
	const header = new DataView(new ArrayBuffer(44));
	const ascii = (at, text) => {
		for (let i = 0; i < text.length; i++)
			header.setUint8(at + i, text.charCodeAt(i));
	};
	ascii(0, "RIFF");
	ascii(8, "WAVEfmt ");
	header.setUint32(16, 16, true);
	header.setUint16(20, 1, true);
	header.setUint16(22, 1, true);
	header.setUint32(24, SAMPLE_RATE, true);
	header.setUint32(28, SAMPLE_RATE * 2, true);
	header.setUint16(32, 2, true);
	header.setUint16(34, 16, true);
	ascii(36, "data");
	return new Uint8Array(header.buffer);
}

/**
 * A token for the session from the server's /sts/v1.0/issueToken (a server without a key hands
 * one to anyone), so that the key itself never travels in a WebSocket URL.
 */
export async function issueToken(origin, key) {
	let response;
	try {
		response = await fetch(new URL("/sts/v1.0/issueToken", origin), {
			method: "POST",
			headers: key ? { "Ocp-Apim-Subscription-Key": key } : {},
		});
	} catch {
		throw new SpeechError("unreachable", "The server cannot be reached.");
	}
	if (response.status === 401) {
		// The server says which: "missing key" or "wrong key".
		const reason = (await response.text().catch(() => "")).trim();
		throw new SpeechError(
			"unauthorized",
			reason === "missing key"
				? "This server needs a key: enter it in Settings."
				: "The server refused this key.",
		);
	}
	if (response.status === 503)
		throw new SpeechError("unreachable", "The server is shutting down.");
	if (!response.ok)
		throw new SpeechError(
			"unreachable",
			`The server answered ${response.status}.`,
		);
	return response.text();
}

/**
 * One continuous recognition: `open()` sends speech.config and the RIFF header, `send()` PCM,
 * `end()` the empty audio message; the server's hypotheses and phrases go to `handlers`.
 * `done` resolves at turn.end and rejects with a SpeechError.
 */
export class SpeechSession {
	/**
	 * @param {{origin: string, token: string, language: string, format: "simple" | "detailed",
	 *   segmentationSilenceMs: number, source: "Microphones" | "File"}} options
	 * @param {{hypothesis?: (body: any) => void, phrase?: (body: any) => void}} handlers
	 */
	constructor(options, handlers) {
		this.options = options;
		this.handlers = handlers;
		this.id = requestId();
		this.done = new Promise((resolve, reject) => {
			this.resolve = resolve;
			this.reject = reject;
		});
		// Callers may only await `open()`; an unobserved failure is still reported there.
		this.done.catch(() => {});
	}

	url() {
		const url = new URL(CONVERSATION, this.options.origin);
		url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
		url.searchParams.set("language", this.options.language);
		url.searchParams.set("format", this.options.format);
		url.searchParams.set(
			"segmentationSilenceTimeoutMs",
			String(this.options.segmentationSilenceMs),
		);
		// Browsers' WebSocket cannot send headers; the server reads them from the query too.
		url.searchParams.set("Authorization", `Bearer ${this.options.token}`);
		return url;
	}

	open() {
		const ws = new WebSocket(this.url());
		ws.binaryType = "arraybuffer";
		this.ws = ws;
		ws.onmessage = (event) => {
			if (typeof event.data === "string") this.onMessage(event.data);
		};
		ws.onclose = (event) => this.onClose(event);
		return new Promise((resolve, reject) => {
			ws.onopen = () => {
				this.opened = true;
				ws.send(
					textMessage("speech.config", this.id, {
						context: {
							system: { name: "earshot-web", version: "1" },
							os: { platform: "Browser", name: navigator.userAgent },
							audio: {
								source: {
									type: this.options.source,
									samplerate: SAMPLE_RATE,
									bitspersample: 16,
									channelcount: 1,
								},
							},
						},
						recognition: "conversation",
					}),
				);
				ws.send(audioMessage(this.id, waveHeader(), "audio/x-wav"));
				resolve();
			};
			this.done.catch(reject);
		});
	}

	/** @param {ArrayBuffer} pcm 16-bit little-endian samples */
	send(pcm) {
		if (
			!this.ending &&
			this.ws?.readyState === WebSocket.OPEN &&
			pcm.byteLength > 0
		)
			this.ws.send(audioMessage(this.id, pcm));
	}

	/** Bytes queued in the socket, for senders that must not outrun it. */
	get buffered() {
		return this.ws?.bufferedAmount ?? 0;
	}

	/** Sends the end of the audio (once); resolves with `done`. */
	end() {
		if (!this.ending && this.ws?.readyState === WebSocket.OPEN) {
			this.ending = true;
			this.ws.send(audioMessage(this.id, new ArrayBuffer(0)));
		}
		return this.done;
	}

	/**
	 * Ends the turn now: the server drops the audio it has not recognized yet (a file sent
	 * faster than it decodes), flushes the open phrase and answers turn.end. earshot's
	 * extension, like Azure's synthesis.control; the end of audio follows for any other server.
	 */
	stop() {
		// Also after end(): the server may still be working through what was sent.
		if (!this.stopping && this.ws?.readyState === WebSocket.OPEN) {
			this.stopping = true;
			this.ws.send(textMessage("speech.control", this.id, { action: "stop" }));
		}
		return this.end();
	}

	close() {
		this.ws?.close(1000);
	}

	onMessage(text) {
		const message = parseMessage(text);
		if (message.requestId !== this.id) return;
		if (
			message.path === "speech.hypothesis" ||
			message.path === "speech.fragment"
		)
			this.handlers.hypothesis?.(message.body);
		else if (message.path === "speech.phrase") {
			if (message.body.RecognitionStatus === "TooManyRequests")
				this.fail("capacity", "The server is at capacity: try again later.");
			else this.handlers.phrase?.(message.body);
		} else if (message.path === "turn.end") {
			// Unasked for, it means the server is ending the session: its close says why.
			if (!this.ending) return;
			// A server that cut the turn short (shutting down) closes with a reason right after.
			this.turnEnded = true;
			this.close();
		}
	}

	fail(kind, message) {
		if (this.failure || this.ended) return;
		this.failure = new SpeechError(kind, message);
		this.reject(this.failure);
	}

	onClose(event) {
		if (this.ended) return;
		const reason = event.reason;
		if (this.turnEnded && (event.code === 1000 || !reason)) {
			this.ended = true;
			this.resolve();
			return;
		}
		if (event.code === 1007)
			this.fail("refused", `The server refused the request: ${reason}`);
		else if (reason === "too many sessions")
			this.fail("capacity", "The server is at capacity: try again later.");
		else if (reason)
			this.fail("closed", `The server ended the session: ${reason}.`);
		else if (!this.opened)
			this.fail("unreachable", "The server cannot be reached.");
		else this.fail("closed", "The connection to the server was lost.");
	}
}
