import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
	decodeBinaryMessage,
	decodeFrame,
	decodeTextMessage,
	encodeBinaryMessage,
	encodeTextMessage,
	MAX_HEADER_BYTES,
	MessageHeaders,
	ProtocolError,
} from "../src/protocol/frame.js";
import { frameTargets, headerList, messagePath } from "./helpers/fuzz.js";

const encoder = new TextEncoder();

/** A binary frame built by hand, the way the SDK lays it out. */
function rawBinary(
	headerText: string,
	payload: Uint8Array = new Uint8Array(0),
	declaredLength?: number,
): Uint8Array {
	const header = encoder.encode(headerText);
	const frame = new Uint8Array(2 + header.length + payload.length);
	const length = declaredLength ?? header.length;
	frame[0] = length >> 8;
	frame[1] = length & 0xff;
	frame.set(header, 2);
	frame.set(payload, 2 + header.length);
	return frame;
}

function throwsProtocolError(fn: () => unknown, message?: RegExp): void {
	assert.throws(fn, (error: unknown) => {
		assert.ok(
			error instanceof ProtocolError,
			`expected ProtocolError, got ${String(error)}`,
		);
		if (message) assert.match(error.message, message);
		return true;
	});
}

describe("MessageHeaders", () => {
	test("looks names up case-insensitively and keeps the spelling set", () => {
		const headers = new MessageHeaders([["X-RequestId", "abc"]]);
		assert.equal(headers.get("x-requestid"), "abc");
		assert.equal(headers.get("X-REQUESTID"), "abc");
		assert.ok(headers.has("x-RequestID"));
		headers.set("x-requestid", "def");
		assert.equal(headers.size, 1);
		assert.deepEqual([...headers], [["x-requestid", "def"]]);
	});
});

describe("text messages", () => {
	test("decode what the SDK writes: `Name: value` lines, blank line, JSON body", () => {
		const text =
			"Path: speech.config\r\nX-RequestId: AA40EB62BA934B20B3DCBF4265EA9594\r\n" +
			'X-Timestamp: 2026-11-24T02:32:52.129Z\r\nContent-Type: application/json\r\n\r\n{"a":1}';
		const message = decodeTextMessage(text);
		assert.equal(message.kind, "text");
		assert.equal(message.path, "speech.config");
		assert.equal(
			message.headers.get("x-requestid"),
			"AA40EB62BA934B20B3DCBF4265EA9594",
		);
		assert.equal(message.headers.get("content-type"), "application/json");
		assert.equal(message.body, '{"a":1}');
	});

	test("encode as `Name:value` lines and round-trip", () => {
		const headers = new MessageHeaders([
			["Path", "turn.start"],
			["X-RequestId", "r1"],
		]);
		const text = encodeTextMessage({ headers, body: "{}" });
		assert.equal(text, "Path:turn.start\r\nX-RequestId:r1\r\n\r\n{}");
		const back = decodeTextMessage(text);
		assert.equal(back.path, "turn.start");
		assert.equal(back.body, "{}");
	});

	test("the body keeps everything after the first blank line, even more blank lines", () => {
		assert.equal(
			decodeTextMessage("Path:a\r\n\r\nx\r\n\r\ny").body,
			"x\r\n\r\ny",
		);
	});

	test("refuse to encode a body the SDK would cut at a blank line", () => {
		throwsProtocolError(
			() =>
				encodeTextMessage({
					headers: new MessageHeaders([["Path", "a"]]),
					body: "x\r\n\r\ny",
				}),
			/blank line/,
		);
	});

	test("refuse header names and values the SDK cannot read", () => {
		throwsProtocolError(() =>
			encodeTextMessage({
				headers: new MessageHeaders([["Pa th", "a"]]),
				body: "",
			}),
		);
		throwsProtocolError(() =>
			encodeTextMessage({
				headers: new MessageHeaders([["Path", "a\r\nb"]]),
				body: "",
			}),
		);
		throwsProtocolError(() =>
			encodeTextMessage({
				headers: new MessageHeaders([["Path", "café"]]),
				body: "",
			}),
		);
	});

	test("malformed: no blank line, no Path, empty Path, bad lines, duplicates", () => {
		throwsProtocolError(
			() => decodeTextMessage("Path: a\r\nX-RequestId: b"),
			/no blank line/,
		);
		throwsProtocolError(
			() => decodeTextMessage("X-RequestId: b\r\n\r\n{}"),
			/no Path/,
		);
		throwsProtocolError(() => decodeTextMessage("Path:\r\n\r\n{}"), /no Path/);
		throwsProtocolError(() => decodeTextMessage("\r\n\r\n{}"), /no Path/);
		throwsProtocolError(
			() => decodeTextMessage("Path a\r\n\r\n"),
			/malformed header line/,
		);
		throwsProtocolError(
			() => decodeTextMessage(":a\r\n\r\n"),
			/malformed header line/,
		);
		throwsProtocolError(
			() => decodeTextMessage("Pa th: a\r\n\r\n"),
			/malformed header name/,
		);
		throwsProtocolError(
			() => decodeTextMessage("Path: a\nX: b\r\n\r\n"),
			/line break/,
		);
		throwsProtocolError(
			() => decodeTextMessage("Path: a\r\npath: b\r\n\r\n"),
			/duplicate header/,
		);
		throwsProtocolError(() => decodeTextMessage("garbage"), /no blank line/);
		throwsProtocolError(() => decodeTextMessage(""), /no blank line/);
	});

	test("oversized headers are refused, even in a huge frame", () => {
		const big = `Path: a\r\nX-Big: ${"x".repeat(MAX_HEADER_BYTES)}\r\n\r\n{}`;
		throwsProtocolError(() => decodeTextMessage(big), /exceed/);
		const huge = "x".repeat(20_000_000);
		throwsProtocolError(() => decodeTextMessage(huge), /exceed/);
		throwsProtocolError(
			() => decodeTextMessage("Path: abc\r\n\r\n", { maxHeaderBytes: 4 }),
			/exceed/,
		);
	});

	test("a text frame that is not UTF-8 is refused", () => {
		const bytes = new Uint8Array([
			...encoder.encode("Path: a\r\n\r\n"),
			0xff,
			0xfe,
		]);
		throwsProtocolError(() => decodeFrame(bytes, false), /UTF-8/);
	});
});

describe("binary messages", () => {
	test("decode what the SDK writes: length, headers ending in CRLF, payload", () => {
		const payload = new Uint8Array([1, 2, 3, 4]);
		const frame = rawBinary(
			"Path: audio\r\nX-RequestId: r1\r\nContent-Type: audio/x-wav\r\n",
			payload,
		);
		const message = decodeBinaryMessage(frame);
		assert.equal(message.kind, "binary");
		assert.equal(message.path, "audio");
		assert.equal(message.headers.get("content-type"), "audio/x-wav");
		assert.deepEqual([...message.body], [1, 2, 3, 4]);
		assert.equal(
			message.body.buffer,
			frame.buffer,
			"the payload is a view, not a copy",
		);
	});

	test("an empty payload is the end of audio", () => {
		const message = decodeBinaryMessage(
			rawBinary("Path: audio\r\nX-RequestId: r1\r\n"),
		);
		assert.equal(message.body.length, 0);
	});

	test("round-trip", () => {
		const headers = new MessageHeaders([
			["Path", "audio"],
			["X-RequestId", "r1"],
		]);
		const body = new Uint8Array(1000).map((_, i) => i);
		const frame = encodeBinaryMessage({ headers, body });
		assert.equal(
			(frame[0] << 8) | frame[1],
			"Path:audio\r\nX-RequestId:r1\r\n".length,
		);
		const back = decodeBinaryMessage(frame);
		assert.deepEqual([...back.headers], [...headers]);
		assert.deepEqual(back.body, body);
	});

	test("decodeFrame takes Buffers, ArrayBuffers and fragment lists", () => {
		const frame = rawBinary(
			"Path: audio\r\nX-RequestId: r1\r\n",
			new Uint8Array([9]),
		);
		assert.deepEqual([...decodeFrame(Buffer.from(frame), true).body], [9]);
		assert.deepEqual([...decodeFrame(frame.slice().buffer, true).body], [9]);
		assert.deepEqual(
			[...decodeFrame([frame.subarray(0, 5), frame.subarray(5)], true).body],
			[9],
		);
		assert.equal(decodeFrame("Path: a\r\n\r\nhi", false).body, "hi");
		throwsProtocolError(() => decodeFrame("Path: a\r\n\r\n", true));
	});

	test("malformed: short frame, header length beyond the frame, oversized header, no Path, not UTF-8", () => {
		throwsProtocolError(
			() => decodeBinaryMessage(new Uint8Array(0)),
			/no header length/,
		);
		throwsProtocolError(
			() => decodeBinaryMessage(new Uint8Array([0])),
			/no header length/,
		);
		throwsProtocolError(
			() =>
				decodeBinaryMessage(
					rawBinary("Path: audio\r\n", new Uint8Array(0), 200),
				),
			/exceeds the/,
		);
		throwsProtocolError(
			() => decodeBinaryMessage(new Uint8Array([0xff, 0xff, 1, 2])),
			/exceeds 8192/,
		);
		throwsProtocolError(
			() => decodeBinaryMessage(rawBinary("X-RequestId: r1\r\n")),
			/no Path/,
		);
		throwsProtocolError(() => decodeBinaryMessage(rawBinary("")), /no Path/);
		const notUtf8 = new Uint8Array([0, 4, 0x50, 0xc3, 0x28, 0x3a]);
		throwsProtocolError(() => decodeBinaryMessage(notUtf8), /UTF-8/);
		throwsProtocolError(
			() => decodeBinaryMessage(rawBinary("Path: audio\r\n\r\nX: y\r\n")),
			/malformed/,
		);
	});
});

describe("properties", () => {
	test("text messages round-trip", () => {
		const body = fc
			.string({ unit: "binary", maxLength: 200 })
			.filter((s) => !s.includes("\r\n\r\n"));
		fc.assert(
			fc.property(messagePath, headerList, body, (p, entries, b) => {
				const headers = new MessageHeaders([["Path", p], ...entries]);
				const back = decodeTextMessage(encodeTextMessage({ headers, body: b }));
				assert.equal(back.path, p);
				assert.deepEqual([...back.headers], [...headers]);
				assert.equal(back.body, b);
			}),
		);
	});

	test("binary messages round-trip", () => {
		fc.assert(
			fc.property(
				messagePath,
				headerList,
				fc.uint8Array({ maxLength: 500 }),
				(p, entries, b) => {
					const headers = new MessageHeaders([["Path", p], ...entries]);
					const back = decodeBinaryMessage(
						encodeBinaryMessage({ headers, body: b }),
					);
					assert.equal(back.path, p);
					assert.deepEqual([...back.headers], [...headers]);
					assert.deepEqual(back.body, b);
				},
			),
		);
	});

	for (const { name, property, runs } of frameTargets())
		test(name, () => fc.assert(property, { numRuns: runs }));
});
