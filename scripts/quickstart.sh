#!/usr/bin/env bash
# Sets up earshot on a fresh Debian/Ubuntu machine with Node 20, then runs it.
# With no arguments: Azure's continuous-recognition console sample on the default microphone.
# Arguments are passed to earshot, e.g.: scripts/quickstart.sh recognize --file talk.wav
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
ensure_packages "${RUNTIME_PACKAGES[@]}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund >&2; fi
npm run --silent build >&2
exec node dist/cli/main.js "$@"
