import { InvalidArgumentError } from "commander";

/** A parser for an option that takes a whole number from `min` to `max`. */
export function wholeNumber(
	min = Number.MIN_SAFE_INTEGER,
	max = Number.MAX_SAFE_INTEGER,
): (value: string) => number {
	return (value) => {
		const n = Number(value);
		if (!Number.isInteger(n) || n < min || n > max) {
			const range =
				max === Number.MAX_SAFE_INTEGER
					? min === Number.MIN_SAFE_INTEGER
						? ""
						: ` >= ${min}`
					: ` from ${min} to ${max}`;
			throw new InvalidArgumentError(`Expected a whole number${range}.`);
		}
		return n;
	};
}
