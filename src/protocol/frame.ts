/**
 * The frame format of the Azure Speech WebSocket protocol, for both directions.
 *
 * Text frame:   `Name:value\r\n` header lines, a blank line (`\r\n`), then the body.
 * Binary frame: a 2-byte big-endian header length, that many bytes of header lines, then the payload.
 *
 * Facts from the official SDK (common.speech/WebsocketMessageFormatter.js):
 * - it writes `Name: value\r\n` per header and trims names and values when reading;
 * - it splits a text frame at every `\r\n\r\n` and keeps only the second part as the body,
 *   so a body must not contain `\r\n\r\n`;
 * - it reads the binary header length as a signed int16 and the header bytes as Latin-1,
 *   so headers must be ASCII and at most 32767 bytes.
 */

/** Anything wrong with a frame or message: the connection that sent it is at fault. */
export class ProtocolError extends Error {
	override name = "ProtocolError";
}

/** The largest header block we accept or write; far above the ~150 bytes the SDK sends. */
export const MAX_HEADER_BYTES = 8192;

/** The signed-int16 limit of the SDK's binary header length field. */
const SDK_MAX_HEADER_BYTES = 0x7fff;

const CRLF = "\r\n";
const HEADER_END = "\r\n\r\n";
/** RFC 9110 token characters, which is what header names may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space and tab: what the SDK can read back in a header value. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Message headers with case-insensitive names; iteration keeps the order and spelling set. */
export class MessageHeaders implements Iterable<[string, string]> {
	readonly #entries = new Map<string, [string, string]>();

	constructor(entries: Iterable<readonly [string, string]> = []) {
		for (const [name, value] of entries) this.set(name, value);
	}

	get(name: string): string | undefined {
		return this.#entries.get(name.toLowerCase())?.[1];
	}

	has(name: string): boolean {
		return this.#entries.has(name.toLowerCase());
	}

	/** Replaces any header of the same name, whatever its case. */
	set(name: string, value: string): this {
		this.#entries.set(name.toLowerCase(), [name, value]);
		return this;
	}

	get size(): number {
		return this.#entries.size;
	}

	*[Symbol.iterator](): Iterator<[string, string]> {
		for (const [name, value] of this.#entries.values()) yield [name, value];
	}
}

export interface TextMessage {
	readonly kind: "text";
	readonly path: string;
	readonly headers: MessageHeaders;
	readonly body: string;
}

export interface BinaryMessage {
	readonly kind: "binary";
	readonly path: string;
	readonly headers: MessageHeaders;
	/** A view into the frame, not a copy. Empty for the end-of-audio message. */
	readonly body: Uint8Array;
}

export type Message = TextMessage | BinaryMessage;

export interface FrameLimits {
	/** Largest header block accepted, in bytes; defaults to MAX_HEADER_BYTES. */
	maxHeaderBytes?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Decodes one WebSocket frame; `isBinary` is the frame's opcode as `ws` reports it. */
export function decodeFrame(
	data: string | Uint8Array | ArrayBuffer | readonly Uint8Array[],
	isBinary: boolean,
	limits: FrameLimits = {},
): Message {
	if (typeof data === "string") {
		if (isBinary) throw new ProtocolError("binary frame given as a string");
		return decodeTextMessage(data, limits);
	}
	const bytes = toBytes(data);
	if (isBinary) return decodeBinaryMessage(bytes, limits);
	return decodeTextMessage(decodeUtf8(bytes, "text frame"), limits);
}

export function decodeTextMessage(
	text: string,
	limits: FrameLimits = {},
): TextMessage {
	const maxHeaderBytes = headerLimit(limits);
	// Only look as far as the limit allows, so a huge frame without a blank line costs little.
	const end = text
		.slice(0, maxHeaderBytes + HEADER_END.length)
		.indexOf(HEADER_END);
	if (end < 0) {
		if (text.length > maxHeaderBytes)
			throw new ProtocolError(
				`text message headers exceed ${maxHeaderBytes} bytes`,
			);
		throw new ProtocolError("text message has no blank line after its headers");
	}
	const headerText = text.slice(0, end);
	if (utf8Encoder.encode(headerText).length > maxHeaderBytes) {
		throw new ProtocolError(
			`text message headers exceed ${maxHeaderBytes} bytes`,
		);
	}
	const headers = parseHeaderBlock(headerText);
	return {
		kind: "text",
		path: requirePath(headers),
		headers,
		body: text.slice(end + HEADER_END.length),
	};
}

export function decodeBinaryMessage(
	frame: Uint8Array,
	limits: FrameLimits = {},
): BinaryMessage {
	if (frame.length < 2)
		throw new ProtocolError(
			`binary message of ${frame.length} bytes has no header length`,
		);
	const headerLength = (frame[0] << 8) | frame[1];
	const maxHeaderBytes = headerLimit(limits);
	if (headerLength > maxHeaderBytes) {
		throw new ProtocolError(
			`binary message header length ${headerLength} exceeds ${maxHeaderBytes} bytes`,
		);
	}
	if (headerLength > frame.length - 2) {
		throw new ProtocolError(
			`binary message header length ${headerLength} exceeds the ${frame.length - 2} bytes after it`,
		);
	}
	const headerText = decodeUtf8(
		frame.subarray(2, 2 + headerLength),
		"binary message headers",
	);
	const headers = parseHeaderBlock(headerText);
	return {
		kind: "binary",
		path: requirePath(headers),
		headers,
		body: frame.subarray(2 + headerLength),
	};
}

export function encodeTextMessage(
	message: Pick<TextMessage, "headers" | "body">,
): string {
	if (message.body.includes(HEADER_END)) {
		throw new ProtocolError(
			"text message body contains a blank line, which the SDK would cut off",
		);
	}
	return `${formatHeaderBlock(message.headers)}${CRLF}${message.body}`;
}

export function encodeBinaryMessage(
	message: Pick<BinaryMessage, "headers" | "body">,
): Uint8Array {
	// formatHeaderBlock allows only ASCII, so one character is one byte.
	const headerText = formatHeaderBlock(message.headers);
	const frame = new Uint8Array(2 + headerText.length + message.body.length);
	frame[0] = headerText.length >> 8;
	frame[1] = headerText.length & 0xff;
	for (let i = 0; i < headerText.length; i++)
		frame[2 + i] = headerText.charCodeAt(i);
	frame.set(message.body, 2 + headerText.length);
	return frame;
}

export function encodeMessage(message: TextMessage): string;
export function encodeMessage(message: BinaryMessage): Uint8Array;
export function encodeMessage(message: Message): string | Uint8Array;
export function encodeMessage(message: Message): string | Uint8Array {
	return message.kind === "text"
		? encodeTextMessage(message)
		: encodeBinaryMessage(message);
}

function headerLimit(limits: FrameLimits): number {
	const limit = limits.maxHeaderBytes ?? MAX_HEADER_BYTES;
	if (!Number.isInteger(limit) || limit < 0 || limit > SDK_MAX_HEADER_BYTES) {
		throw new RangeError(
			`maxHeaderBytes must be an integer in [0, ${SDK_MAX_HEADER_BYTES}], got ${limit}`,
		);
	}
	return limit;
}

function toBytes(
	data: Uint8Array | ArrayBuffer | readonly Uint8Array[],
): Uint8Array {
	if (data instanceof Uint8Array) return data;
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	// `ws` hands over fragmented messages as a list of buffers.
	const total = data.reduce((sum, part) => sum + part.length, 0);
	const joined = new Uint8Array(total);
	let offset = 0;
	for (const part of data) {
		joined.set(part, offset);
		offset += part.length;
	}
	return joined;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
	try {
		return utf8.decode(bytes);
	} catch {
		throw new ProtocolError(`${what} are not valid UTF-8`);
	}
}

/** Header lines separated by CRLF; trailing CRLFs are allowed (binary headers end with one). */
function parseHeaderBlock(text: string): MessageHeaders {
	const headers = new MessageHeaders();
	const lines = text.split(CRLF);
	while (lines.at(-1) === "") lines.pop();
	for (const line of lines) {
		const colon = line.indexOf(":");
		if (colon <= 0)
			throw new ProtocolError(`malformed header line ${quote(line)}`);
		const name = line.slice(0, colon).trim();
		const value = line.slice(colon + 1).trim();
		if (!TOKEN.test(name))
			throw new ProtocolError(`malformed header name ${quote(name)}`);
		if (/[\r\n]/.test(value))
			throw new ProtocolError(`header ${name} has a line break in its value`);
		if (headers.has(name)) throw new ProtocolError(`duplicate header ${name}`);
		headers.set(name, value);
	}
	return headers;
}

function formatHeaderBlock(headers: MessageHeaders): string {
	let text = "";
	for (const [name, value] of headers) {
		if (!TOKEN.test(name))
			throw new ProtocolError(`cannot send header name ${quote(name)}`);
		if (!HEADER_VALUE.test(value))
			throw new ProtocolError(
				`cannot send header ${name}: value is not printable ASCII`,
			);
		text += `${name}:${value}${CRLF}`;
	}
	if (text.length > MAX_HEADER_BYTES)
		throw new ProtocolError(`headers exceed ${MAX_HEADER_BYTES} bytes`);
	return text;
}

function requirePath(headers: MessageHeaders): string {
	const path = headers.get("Path");
	if (!path) throw new ProtocolError("message has no Path header");
	return path;
}

/** A header line for an error message: bounded, control characters escaped. */
function quote(text: string): string {
	const short = text.length > 60 ? `${text.slice(0, 60)}…` : text;
	return JSON.stringify(short);
}
