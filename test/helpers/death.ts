/**
 * Makes a test process's death explain itself. node:test reports a file whose process ended
 * without a failing test (a native crash, `process.exit`) only as 'test failed'. With
 * `explainDeaths()` each test's start is a line on stderr, which the runner shows, so the last
 * one names the test a crash cut short; an exit code or an uncaught error is written with the
 * name of the test that was running.
 */
import { afterEach, beforeEach } from "node:test";

const BETWEEN = "(between tests)";
let current = BETWEEN;

/** The name of the test running now. */
export function currentTest(): string {
	return current;
}

export function explainDeaths(): void {
	beforeEach((t) => {
		current = t.name;
		process.stderr.write(`[test] start: ${t.name}\n`);
	});
	afterEach(() => {
		current = BETWEEN;
	});
	process.on("exit", (code) => {
		if (code !== 0)
			process.stderr.write(
				`[test] the process exits with code ${code} during "${current}"\n`,
			);
	});
	process.on("uncaughtExceptionMonitor", (error, origin) =>
		process.stderr.write(
			`[test] ${origin} during "${current}": ${error?.stack ?? error}\n`,
		),
	);
}
