import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (where package.json is). */
export const projectRoot = resolve(
	dirname(fileURLToPath(import.meta.url)),
	"../..",
);

/** `../shared` (or `$EARSHOT_SHARED`), or undefined when it is not beside the project. */
export const sharedDir: string | undefined = (() => {
	const dir = process.env.EARSHOT_SHARED ?? join(projectRoot, "..", "shared");
	return existsSync(join(dir, "audio", "manifest.tsv"))
		? resolve(dir)
		: undefined;
})();

/** The reason a test that needs ../shared gives when skipping. */
export const noSharedReason =
	"../shared is absent (set EARSHOT_SHARED to its path)";

export interface ManifestRow {
	path: string;
	referenceKind: "exact" | "approx" | "none";
	reference: string;
}

/** Rows of ../shared/audio/manifest.tsv, with absolute paths; empty when absent. */
export function sharedManifest(): ManifestRow[] {
	if (!sharedDir) return [];
	const lines = readFileSync(join(sharedDir, "audio", "manifest.tsv"), "utf8")
		.trim()
		.split("\n");
	return lines.slice(1).map((line) => {
		const [path, referenceKind, reference] = line.split("\t");
		return {
			path: join(sharedDir as string, "audio", path),
			referenceKind: referenceKind as ManifestRow["referenceKind"],
			reference: reference ?? "",
		};
	});
}
