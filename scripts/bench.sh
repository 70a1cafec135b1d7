#!/usr/bin/env bash
# `npm run bench`: installs what the benchmark compares against, builds, and measures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
ensure_packages "${RUNTIME_PACKAGES[@]}" pocketsphinx flite sox libsox-fmt-all time
npm run --silent build
exec node --import tsx bench/run.ts "$@"
