import { PropertyId } from "./enums.js";

/** Azure's PropertyCollection: string values keyed by `PropertyId` or by name. */
export class PropertyCollection {
	private readonly values = new Map<string, string>();

	getProperty(key: PropertyId | string, defaultValue?: string): string {
		return this.values.get(keyName(key)) ?? defaultValue ?? "";
	}

	setProperty(key: PropertyId | string, value: string): void {
		this.values.set(keyName(key), value);
	}

	has(key: PropertyId | string): boolean {
		return this.values.has(keyName(key));
	}

	clone(): PropertyCollection {
		const copy = new PropertyCollection();
		for (const [k, v] of this.values) copy.values.set(k, v);
		return copy;
	}
}

function keyName(key: PropertyId | string): string {
	return typeof key === "number" ? PropertyId[key] : key;
}
