import { test } from "node:test";
import fc from "fast-check";
import { audioTargets } from "./helpers/fuzz.js";

// Random and mutated input to the WAV/FLAC/stream parsers: a result or an AudioFormatError,
// never another error and never a hang. `npm run fuzz` runs the same properties far longer.
for (const { name, property, runs } of audioTargets())
	test(name, async () => {
		await fc.assert(property, { numRuns: runs });
	});
