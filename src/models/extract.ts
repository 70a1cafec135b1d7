import { execFile } from "node:child_process";
import { ModelError } from "./errors.js";

/** Unpacks a .tar.bz2 into `dir` with the system tar, which every supported platform ships. */
export function extractTarBz2(
	archive: string,
	dir: string,
	label: string,
): Promise<void> {
	return new Promise((resolve, reject) => {
		execFile(
			"tar",
			["-xjf", archive, "-C", dir, "--no-same-owner"],
			{ maxBuffer: 1 << 20 },
			(err, _stdout, stderr) => {
				if (!err) return resolve();
				if ((err as NodeJS.ErrnoException).code === "ENOENT") {
					return reject(
						new ModelError(
							"extract",
							`cannot unpack ${label}: the \`tar\` command was not found`,
						),
					);
				}
				if (/no space left/i.test(stderr)) {
					return reject(
						new ModelError(
							"disk-full",
							`cannot unpack ${label}: no space left on device`,
						),
					);
				}
				const reason = stderr.trim().split("\n")[0] || err.message;
				reject(
					new ModelError(
						"extract",
						`cannot unpack ${label}: the archive is damaged (${reason})`,
					),
				);
			},
		);
	});
}
