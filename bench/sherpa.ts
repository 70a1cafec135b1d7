import { bestInstalledModel } from "../src/models/index.js";
import type { Corpus } from "./corpus.js";
import { earshotCommand, figures, measure } from "./cpu.js";
import { benchLatency } from "./latency.js";

/**
 * The best installed sherpa-onnx model on the corpus: WER, real-time factor and peak RSS of
 * `earshot recognize` on the long file, and the paced-stream latencies. Undefined when no
 * sherpa-onnx model is installed.
 */
export async function benchSherpa(
	corpus: Corpus,
	runs = 3,
): Promise<Record<string, unknown> | undefined> {
	const model = await bestInstalledModel();
	if (!model) return undefined;
	const name = model.entry.name;
	const command = earshotCommand(corpus, [
		"--engine",
		"sherpa",
		"--model",
		name,
	]);
	const measured = Array.from({ length: runs }, () => measure(command));
	const latency = await benchLatency(corpus, {
		engine: "sherpa",
		modelName: name,
	});
	return {
		model: name,
		streaming: model.entry.streaming,
		threads: process.env.EARSHOT_THREADS ?? "default",
		runs,
		...figures(corpus, measured),
		latency,
	};
}
