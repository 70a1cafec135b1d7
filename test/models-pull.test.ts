import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import {
	bestInstalledModel,
	findModel,
	installedModels,
	listModels,
	type ModelEntry,
	ModelError,
	type ModelStoreOptions,
	modelPath,
	pullModel,
	REGISTRY,
	removeModel,
	verifyModel,
} from "../src/models/index.js";
import { MirrorServer, sha256 } from "./helpers/mirror-server.js";

const scratch = mkdtempSync(join(tmpdir(), "earshot-models-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A .tar.bz2 holding `root/` with the given files, built with the system tar. */
function buildArchive(root: string, files: Record<string, string>): Buffer {
	const work = mkdtempSync(join(scratch, "archive-"));
	for (const [path, content] of Object.entries(files)) {
		mkdirSync(join(work, root, path, ".."), { recursive: true });
		writeFileSync(join(work, root, path), content);
	}
	const archive = join(work, "out.tar.bz2");
	execFileSync("tar", ["cjf", archive, "-C", work, root]);
	return readFileSync(archive);
}

/** Filler that bzip2 cannot squeeze away, so archives are big enough to cut mid-body. */
const noise = (seed: string, bytes: number) => {
	let out = "";
	for (let i = 0; out.length < bytes; i++)
		out += createHash("sha256").update(`${seed}${i}`).digest("base64");
	return out;
};

/** Test copies of real entries, pointed at assets this file builds, with their true sha256. */
function testEntry(
	name: string,
	overrides: Partial<ModelEntry> = {},
): ModelEntry {
	const { needs: _needs, ...real } = findModel(name);
	return { ...real, ...overrides } as ModelEntry;
}

/** A copy of a release entry with its archive's sha256 pinned. */
function pinned(entry: ModelEntry, hash: string): ModelEntry {
	return { ...entry, source: { ...entry.source, sha256: hash } } as ModelEntry;
}

/** The relative path of one of an entry's files. */
const fileOf = (entry: ModelEntry, role: string) =>
	(entry.files as Record<string, string>)[role] as string;

function filesOf(entry: ModelEntry, bytesEach: number): Record<string, string> {
	return Object.fromEntries(
		Object.values(entry.files).map((path) => [
			path,
			noise(`${entry.name}/${path}`, bytesEach),
		]),
	);
}

const server = new MirrorServer();
let mirror: string;
let storeCount = 0;

/** A fresh, empty models directory for each test. */
function freshStore(registry: ModelEntry[]): ModelStoreOptions {
	return { dir: join(scratch, `store-${storeCount++}`), registry, mirror };
}

before(async () => {
	mirror = await server.start();
});
after(() => server.stop());
beforeEach(() => {
	server.seen.length = 0;
});

const ZIPFORMER = "sherpa-onnx-streaming-zipformer-en-20M-2023-02-17";
const MOONSHINE = "sherpa-onnx-moonshine-tiny-en-int8";

describe("pullModel", () => {
	test("downloads, checks, unpacks, lists, verifies and removes a model", async () => {
		const base = testEntry(ZIPFORMER);
		const archive = buildArchive(base.name, {
			...filesOf(base, 2000),
			"test_wavs/0.wav": "RIFF",
		});
		server.serve(`${base.name}.tar.bz2`, archive);
		const entry = pinned(base, sha256(archive));
		const store = freshStore([entry]);

		const progress: number[] = [];
		const [result] = await pullModel(entry.name, {
			...store,
			onProgress: (p) => progress.push(p.received),
		});
		assert.ok(result);
		assert.equal(result.alreadyInstalled, false);
		assert.equal(result.checksumSource, "registry");
		assert.equal(result.archiveSha256, sha256(archive));
		assert.equal(progress.at(-1), archive.length);

		const dir = join(store.dir as string, entry.name);
		assert.equal(await modelPath(entry.name, store), dir);
		for (const path of Object.values(entry.files))
			assert.ok(existsSync(join(dir, path)), path);
		assert.deepEqual(
			readdirSync(join(store.dir as string, ".downloads")),
			[],
			"the partial is cleaned up",
		);
		assert.deepEqual(
			readdirSync(store.dir as string).filter((n) => n.startsWith(".staging")),
			[],
		);

		const [listed] = await listModels(store);
		assert.equal(listed?.installed, true);
		assert.equal(listed?.dir, dir);
		assert.deepEqual(
			(await installedModels(store)).map((m) =>
				m.kind === "streaming-transducer" ? m.files.encoder : m.dir,
			),
			[join(dir, fileOf(entry, "encoder"))],
		);

		const clean = await verifyModel(entry.name, store);
		assert.equal(clean.ok, true);
		assert.equal(clean.checked, Object.keys(entry.files).length + 1);

		const again = await pullModel(entry.name, store);
		assert.equal(again[0]?.alreadyInstalled, true);

		writeFileSync(join(dir, fileOf(entry, "joiner")), "tampered");
		rmSync(join(dir, fileOf(entry, "tokens")));
		const dirty = await verifyModel(entry.name, store);
		assert.equal(dirty.ok, false);
		assert.deepEqual(dirty.modified, [fileOf(entry, "joiner")]);
		assert.deepEqual(dirty.missing, [fileOf(entry, "tokens")]);

		assert.equal(await removeModel(entry.name, store), dir);
		assert.equal(existsSync(dir), false);
		await assert.rejects(modelPath(entry.name, store), {
			code: "not-installed",
		});
		await assert.rejects(removeModel(entry.name, store), {
			code: "not-installed",
		});
	});

	test("resumes an interrupted transfer with a Range request", async () => {
		const base = testEntry(MOONSHINE);
		const archive = buildArchive(base.name, filesOf(base, 40_000));
		const asset = `${base.name}.tar.bz2`;
		server.serve(asset, archive);
		const entry = pinned(base, sha256(archive));
		const store = freshStore([entry]);

		server.cutNext.add(`asr-models/${asset}`);
		const cut = await pullModel(entry.name, {
			...store,
			onProgress: server.cutOnceDelivered,
		}).catch((err: unknown) => err);
		assert.ok(cut instanceof ModelError);
		assert.equal(cut.code, "network");
		assert.match(cut.message, /interrupted .*run the pull again to resume/);
		assert.doesNotMatch(cut.message, /\n/);
		assert.deepEqual(
			await installedModels(store),
			[],
			"a half download is not installed",
		);

		await pullModel(entry.name, store);
		const [first, second] = server.requestsFor(asset);
		assert.ok(first && second);
		assert.equal(first.range, undefined);
		assert.equal(second.range, `bytes=${first.bytesSent}-`);
		assert.equal(second.bytesSent, archive.length - first.bytesSent);
		assert.ok(second.bytesSent < archive.length);
		assert.equal((await verifyModel(entry.name, store)).ok, true);
	});

	test("starts over when the server's file changed since the partial download", async () => {
		const base = testEntry(MOONSHINE);
		const asset = `${base.name}.tar.bz2`;
		const old = buildArchive(base.name, filesOf(base, 30_000));
		server.serve(asset, old);
		server.cutNext.add(`asr-models/${asset}`);
		const store = freshStore([base]);
		await assert.rejects(
			pullModel(base.name, { ...store, onProgress: server.cutOnceDelivered }),
			{ code: "network" },
		);

		const updated = buildArchive(base.name, {
			...filesOf(base, 30_000),
			"README.md": "v2",
		});
		server.serve(asset, updated);
		const [result] = await pullModel(base.name, store);
		assert.equal(result?.archiveSha256, sha256(updated));
		assert.equal(server.requestsFor(asset)[1]?.bytesSent, updated.length);
	});

	test("rejects an archive whose sha256 is wrong, installs nothing and drops the download", async () => {
		const base = testEntry(ZIPFORMER);
		const archive = buildArchive(base.name, filesOf(base, 100));
		server.serve(`${base.name}.tar.bz2`, archive);
		const entry = pinned(base, "0".repeat(64));
		const store = freshStore([entry]);

		const err = await pullModel(entry.name, store).catch((e: unknown) => e);
		assert.ok(err instanceof ModelError);
		assert.equal(err.code, "checksum");
		assert.equal(
			err.message,
			`checksum mismatch for ${entry.name}: expected ${"0".repeat(64)}, got ${sha256(archive)}; the download was discarded`,
		);
		assert.deepEqual(readdirSync(store.dir as string).sort(), [".downloads"]);
		assert.deepEqual(readdirSync(join(store.dir as string, ".downloads")), []);
	});

	test("rejects a corrupted archive that has no registry sha256", async () => {
		const entry = testEntry(ZIPFORMER);
		const archive = buildArchive(entry.name, filesOf(entry, 5000));
		archive.fill(0x55, 200, 400);
		server.serve(`${entry.name}.tar.bz2`, archive);
		const store = freshStore([entry]);

		const err = await pullModel(entry.name, store).catch((e: unknown) => e);
		assert.ok(err instanceof ModelError);
		assert.equal(err.code, "extract");
		assert.match(err.message, /^cannot unpack .*: the archive is damaged/);
		assert.doesNotMatch(err.message, /\n/);
		assert.deepEqual(await installedModels(store), []);
		assert.deepEqual(
			readdirSync(store.dir as string).filter((n) => n !== ".downloads"),
			[],
		);
	});

	test("takes an archive from a directory or file:// mirror, checked against the checksum.txt beside it", async () => {
		const entry = testEntry(ZIPFORMER);
		const archive = buildArchive(entry.name, filesOf(entry, 100));
		const asset = `${entry.name}.tar.bz2`;
		const dir = mkdtempSync(join(scratch, "mirror-dir-"));
		writeFileSync(join(dir, asset), archive);
		writeFileSync(join(dir, "checksum.txt"), `${sha256(archive)}  ${asset}\n`);

		const [fromDir] = await pullModel(entry.name, {
			...freshStore([entry]),
			mirror: dir,
		});
		assert.equal(fromDir?.source, join(dir, asset));
		assert.equal(fromDir?.checksumSource, "published");

		writeFileSync(join(dir, "checksum.txt"), `${"b".repeat(64)}  ${asset}\n`);
		const store = { ...freshStore([entry]), mirror: pathToFileURL(dir).href };
		await assert.rejects(pullModel(entry.name, store), { code: "checksum" });
		assert.deepEqual(await installedModels(store), []);
		assert.ok(existsSync(join(dir, asset)), "the mirror's file is left alone");
	});

	test("checks against the checksum.txt published beside the assets", async () => {
		const entry = testEntry(ZIPFORMER);
		const archive = buildArchive(entry.name, filesOf(entry, 100));
		const asset = `${entry.name}.tar.bz2`;
		server.serve(asset, archive);

		server.serve(
			"checksum.txt",
			Buffer.from(
				`${sha256(Buffer.from("x"))}  other.tar.bz2\n${sha256(archive)}  ${asset}\n`,
			),
		);
		const [good] = await pullModel(entry.name, freshStore([entry]));
		assert.equal(good?.checksumSource, "published");

		server.serve("checksum.txt", Buffer.from(`${asset} ${"a".repeat(64)}\n`));
		await assert.rejects(pullModel(entry.name, freshStore([entry])), {
			code: "checksum",
		});

		server.assets.delete("asr-models/checksum.txt");
		const [unverified] = await pullModel(entry.name, freshStore([entry]));
		assert.equal(unverified?.checksumSource, "unverified");
		assert.equal(unverified?.archiveSha256, sha256(archive));
	});

	test("refuses an archive that lacks a file the model needs", async () => {
		const entry = testEntry(ZIPFORMER);
		const { [fileOf(entry, "joiner")]: _joiner, ...partialFiles } = filesOf(
			entry,
			100,
		);
		const archive = buildArchive(entry.name, partialFiles);
		server.serve(`${entry.name}.tar.bz2`, archive);
		const store = freshStore([pinned(entry, sha256(archive))]);

		const err = await pullModel(entry.name, store).catch((e: unknown) => e);
		assert.ok(err instanceof ModelError);
		assert.equal(err.code, "missing-file");
		assert.equal(
			err.message,
			`${entry.name}: the archive lacks ${fileOf(entry, "joiner")}; not installed`,
		);
		assert.deepEqual(await installedModels(store), []);
		assert.equal(existsSync(join(store.dir as string, entry.name)), false);
	});

	test("refuses an archive without the model's directory", async () => {
		const entry = testEntry(ZIPFORMER);
		server.serve(
			`${entry.name}.tar.bz2`,
			buildArchive("something-else", filesOf(entry, 100)),
		);
		await assert.rejects(pullModel(entry.name, freshStore([entry])), {
			code: "missing-file",
			message: `${entry.name}: the archive has no ${entry.name}/ directory; not installed`,
		});
	});

	test("reports HTTP 404 in one line", async () => {
		const entry = testEntry("sherpa-onnx-whisper-base.en");
		server.assets.delete(`asr-models/${entry.name}.tar.bz2`);
		await assert.rejects(pullModel(entry.name, freshStore([entry])), {
			code: "not-found",
			message: `not found on the server (HTTP 404): ${mirror}/${entry.name}.tar.bz2`,
		});
	});

	test("reports a refused connection as a network failure", async () => {
		const closed = createServer();
		await new Promise<void>((resolve) =>
			closed.listen(0, "127.0.0.1", resolve),
		);
		const port = (closed.address() as AddressInfo).port;
		await new Promise((resolve) => closed.close(resolve));

		const entry = testEntry(ZIPFORMER);
		const err = await pullModel(entry.name, {
			...freshStore([entry]),
			mirror: `http://127.0.0.1:${port}`,
		}).catch((e: unknown) => e);
		assert.ok(err instanceof ModelError);
		assert.equal(err.code, "network");
		assert.equal(
			err.message,
			`cannot download http://127.0.0.1:${port}/${entry.name}.tar.bz2: network unreachable (ECONNREFUSED); check the connection or set EARSHOT_MODEL_MIRROR`,
		);
	});

	test("rejects an unknown name", async () => {
		await assert.rejects(pullModel("no-such-model", freshStore([])), {
			code: "unknown-model",
			message:
				'unknown model "no-such-model"; run `earshot models list` for the available names',
		});
	});

	test("a cancelled pull keeps its partial download for the next try", async () => {
		const entry = testEntry(MOONSHINE);
		const asset = `${entry.name}.tar.bz2`;
		server.serve(asset, buildArchive(entry.name, filesOf(entry, 40_000)));
		const store = freshStore([entry]);
		const controller = new AbortController();
		const err = await pullModel(entry.name, {
			...store,
			signal: controller.signal,
			onProgress: (p) => {
				if (p.received > 0) controller.abort();
			},
		}).catch((e: unknown) => e);
		assert.ok(err instanceof ModelError);
		assert.equal(err.code, "cancelled");
		assert.ok(
			existsSync(join(store.dir as string, ".downloads", `${asset}.partial`)),
		);
		await pullModel(entry.name, store);
		assert.match(server.requestsFor(asset)[1]?.range ?? "", /^bytes=\d+-$/);
	});
});

describe("the VAD and model choice", () => {
	const vadBytes = Buffer.from(noise("vad", 5000));
	const realVad = testEntry("silero-vad");
	if (realVad.source.type !== "wheel") throw new Error("silero-vad is a wheel");
	const vadMember = realVad.source.members["silero_vad.onnx"];
	/** silero-vad, pinned to stand-in bytes that the mirror serves by name. */
	const vad = {
		...realVad,
		source: {
			...realVad.source,
			members: {
				"silero_vad.onnx": {
					...vadMember,
					sha256: sha256(vadBytes),
					bytes: vadBytes.length,
				},
			},
		},
	} as ModelEntry;
	const parakeet = testEntry("sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8");
	const zipformer = testEntry("sherpa-onnx-streaming-zipformer-en-2023-06-26");

	before(() => {
		server.serve("silero_vad.onnx", vadBytes);
		for (const entry of [parakeet, zipformer]) {
			server.serve(
				`${entry.name}.tar.bz2`,
				buildArchive(entry.name, filesOf(entry, 100)),
			);
		}
	});

	test("installs the VAD from the mirror's copy of its file", async () => {
		const store = freshStore([vad]);
		await pullModel(vad.name, store);
		const dir = await modelPath(vad.name, store);
		assert.deepEqual(readFileSync(join(dir, "silero_vad.onnx")), vadBytes);
		assert.equal((await verifyModel(vad.name, store)).ok, true);
	});

	test("pulls the VAD first for an offline model that needs it", async () => {
		const store = freshStore([
			{ ...parakeet, needs: [vad.name] } as ModelEntry,
			vad,
		]);
		const results = await pullModel(parakeet.name, store);
		assert.deepEqual(
			results.map((r) => r.model),
			[vad.name, parakeet.name],
		);
	});

	test("bestInstalledModel prefers parakeet, skips models whose VAD is missing, else undefined", async () => {
		const offline = { ...parakeet, needs: [vad.name] } as ModelEntry;
		const store = freshStore([offline, zipformer, vad]);
		assert.equal(await bestInstalledModel(store), undefined);

		await pullModel(zipformer.name, store);
		assert.equal((await bestInstalledModel(store))?.entry.name, zipformer.name);

		await pullModel(offline.name, store);
		assert.equal((await bestInstalledModel(store))?.entry.name, parakeet.name);

		await removeModel(vad.name, store);
		assert.equal(
			(await bestInstalledModel(store))?.entry.name,
			zipformer.name,
			"parakeet cannot run without the VAD",
		);
	});
});

test("the default store follows EARSHOT_MODELS_DIR and EARSHOT_MODEL_MIRROR", async () => {
	const entry = testEntry(ZIPFORMER);
	server.serve(
		`${entry.name}.tar.bz2`,
		buildArchive(entry.name, filesOf(entry, 100)),
	);
	const dir = join(scratch, "env-store");
	const saved = {
		dir: process.env.EARSHOT_MODELS_DIR,
		mirror: process.env.EARSHOT_MODEL_MIRROR,
	};
	process.env.EARSHOT_MODELS_DIR = dir;
	process.env.EARSHOT_MODEL_MIRROR = `${mirror}/`;
	try {
		await pullModel(entry.name, { registry: REGISTRY });
		assert.equal(await modelPath(entry.name), join(dir, entry.name));
	} finally {
		for (const [key, value] of [
			["EARSHOT_MODELS_DIR", saved.dir],
			["EARSHOT_MODEL_MIRROR", saved.mirror],
		] as const) {
			if (value === undefined) delete process.env[key];
			else process.env[key] = value;
		}
	}
});
