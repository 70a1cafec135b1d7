import { findInstalledModel } from "../../src/models/index.js";

export const MOONSHINE = "moonshine-base-en";

/**
 * Whether the Moonshine base model is installed under its registry name, and the reason to
 * skip when it is not. CI pulls it (scripts/test.sh), so under CI=true a missing model is
 * a failure rather than a skip: `missing` says why, for the test to assert on.
 */
export async function moonshineFixture(): Promise<{
	skip: string | false;
	missing: string | undefined;
}> {
	// A registry without the name throws: that is a missing model too.
	const installed = await findInstalledModel(MOONSHINE).catch(() => undefined);
	if (installed) return { skip: false, missing: undefined };
	const reason = `${MOONSHINE} is not installed (earshot models pull ${MOONSHINE})`;
	return { skip: process.env.CI === "true" ? false : reason, missing: reason };
}
