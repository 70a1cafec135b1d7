import { Option } from "commander";
import { POCKETSPHINX_PASSES } from "../engines/pocketsphinx/index.js";
import { ENGINE_NAMES } from "../engines/select.js";

/** `--engine`, shared by every command that recognizes. */
export function engineOption(): Option {
	return new Option(
		"--engine <name>",
		"recognition engine (default: what --model is, else $EARSHOT_ENGINE, else the best installed model)",
	).choices(ENGINE_NAMES);
}

export const MODEL_HELP =
	"an installed model's name (earshot models list) or a model directory";

/** `--passes`, PocketSphinx's accuracy/latency setting, beside every `--engine`. */
export function passesOption(): Option {
	return new Option(
		"--passes <list>",
		"PocketSphinx search passes: fwdtree+fwdflat+bestpath re-searches each phrase when it ends, so finals wait in proportion to its length (default: EARSHOT_PASSES, else fwdtree+bestpath)",
	).choices(POCKETSPHINX_PASSES);
}
