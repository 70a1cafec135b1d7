import assert from "node:assert/strict";
import { test } from "node:test";
import type { SpeechContextBody } from "../src/protocol/messages.js";
import { parseSessionRequest } from "../src/protocol/paths.js";
import { turnSettings } from "../src/server/settings.js";

const request = parseSessionRequest(
	"/speech/recognition/conversation/cognitiveservices/v1?language=en-US",
);

test("speech.context as the JavaScript SDK writes it", () => {
	const context: SpeechContextBody = {
		phraseDetection: {
			mode: "Conversation",
			conversation: { segmentation: { segmentationSilenceTimeoutMs: 1200 } },
			initialSilenceTimeout: 3000,
		},
		dgi: { groups: [{ type: "Generic", items: [{ text: "kitchen light" }] }] },
	};
	const { options } = turnSettings(request, context);
	assert.equal(options.segmentationSilenceMs, 1200);
	assert.equal(options.initialSilenceTimeoutMs, 3000);
	assert.deepEqual(options.phrases, ["kitchen light"]);
});

test("speech.context as the native SDKs (Python 1.53, Java 1.50) write it", () => {
	// Sent by the Python SDK for Speech_SegmentationSilenceTimeoutMs=1200,
	// SpeechServiceConnection_InitialSilenceTimeoutMs=3000 and addPhrase("kitchen light").
	const context = JSON.parse(
		'{"phraseDetection":{"language":"en-US","initialSilenceTimeout":3000,"mode":"CONVERSATION","CONVERSATION":{"segmentation":{"segmentationSilenceTimeoutMs":1200,"mode":"Custom"}}},"dgi":{"Groups":[{"Type":"Generic","Items":[{"Text":"kitchen light"}]}],"bias":1.000000},"audio":{"streams":{"1":null}}}',
	) as SpeechContextBody;
	const { options } = turnSettings(request, context);
	assert.equal(options.segmentationSilenceMs, 1200);
	assert.equal(options.initialSilenceTimeoutMs, 3000);
	assert.deepEqual(options.phrases, ["kitchen light"]);
});

test("an upper-case mode key is checked like any other", () => {
	assert.throws(
		() =>
			turnSettings(
				request,
				JSON.parse(
					'{"phraseDetection":{"CONVERSATION":{"segmentation":{"segmentationSilenceTimeoutMs":50}}}}',
				),
			),
		/Speech_SegmentationSilenceTimeoutMs must be an integer from 100 to 5000 ms, got 50/,
	);
});
