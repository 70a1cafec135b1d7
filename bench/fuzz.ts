// `npm run fuzz`: CI's fuzz properties with FUZZ_SCALE (default 100) times the runs. Prints
// the counterexample and exits non-zero on a failure; FUZZ_SEED replays a run.
import fc from "fast-check";
import {
	audioTargets,
	frameTargets,
	messageTargets,
} from "../test/helpers/fuzz.js";

const scale = Number(process.env.FUZZ_SCALE ?? 100);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
process.stderr.write(`fuzz: ${scale}× CI's runs, FUZZ_SEED=${seed}\n`);

let failed = 0;
for (const { name, property, runs } of [
	...audioTargets(),
	...frameTargets(),
	...messageTargets(),
]) {
	const start = performance.now();
	const details = await fc.check(property, { numRuns: runs * scale, seed });
	const seconds = ((performance.now() - start) / 1000).toFixed(1);
	if (details.failed) {
		failed++;
		console.log(
			`FAIL ${name} (${seconds} s)\n${fc.defaultReportMessage(details)}\n`,
		);
	} else console.log(`ok   ${name}: ${details.numRuns} runs, ${seconds} s`);
}
process.exitCode = failed > 0 ? 1 : 0;
