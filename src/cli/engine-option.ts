import { Option } from "commander";
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
