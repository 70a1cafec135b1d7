/**
 * sherpa-onnx's tokens.txt for a Moonshine `tokenizer.bin`: one line `base64(bytes) id` per token,
 * in order. The binary is a sequence of byte strings, each after its length: one byte when below
 * 128, else two, `second * 128 + first - 128`. A length of 0 is an empty token (an empty base64).
 * Throws when an entry runs past the end, which means the file is cut short.
 */
export function moonshineTokensTxt(tokenizer: Uint8Array): string {
	const lines: string[] = [];
	let at = 0;
	while (at < tokenizer.length) {
		const first = tokenizer[at] as number;
		let length = first;
		at += 1;
		if (first >= 128) {
			if (at >= tokenizer.length)
				throw new Error(`tokenizer ends inside token ${lines.length}'s length`);
			length = (tokenizer[at] as number) * 128 + first - 128;
			at += 1;
		}
		if (at + length > tokenizer.length)
			throw new Error(
				`tokenizer ends inside token ${lines.length} (${length} bytes at offset ${at} of ${tokenizer.length})`,
			);
		const token = Buffer.from(
			tokenizer.buffer,
			tokenizer.byteOffset + at,
			length,
		);
		lines.push(`${token.toString("base64")} ${lines.length}`);
		at += length;
	}
	return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
