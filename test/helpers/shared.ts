import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ManifestRow, readManifest } from "../../src/eval/dataset.js";

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

/**
 * ../shared's Silero VAD and its ten Harvard sentences with pauses (8 kHz WAV); `skip` is
 * the reason to skip when either is absent, else false.
 */
export const vadFixture = (() => {
	const vad = join(sharedDir ?? "", "models", "silero_vad.onnx");
	const harvard = join(
		sharedDir ?? "",
		"audio",
		"speech",
		"harvard-list72-8k.wav",
	);
	const present = sharedDir && existsSync(vad) && existsSync(harvard);
	return { vad, harvard, skip: present ? false : noSharedReason };
})();

export type { ManifestRow };

/** Rows of ../shared/audio/manifest.tsv, with absolute paths; empty when absent. */
export function sharedManifest(): ManifestRow[] {
	return sharedDir
		? readManifest(join(sharedDir, "audio", "manifest.tsv"))
		: [];
}
