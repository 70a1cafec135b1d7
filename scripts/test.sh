#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian/Ubuntu machine with Node 20, then runs
# lint, the type check, the build and the whole test suite. ../shared is used when present.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
source scripts/sdks.sh
TEST_PACKAGES=(
	flite sox libsox-fmt-all ffmpeg # speech and audio files made by the tests
	pulseaudio libasound2-plugins             # a headless microphone: a PulseAudio null sink
	pocketsphinx                              # pocketsphinx_continuous, the benchmark's reference
	sctk                                      # NIST sclite, to cross-check the WER scorer
	bsdutils                                  # `script`, a pseudo-terminal for the console app
	tmux                                      # a terminal of fixed size, read back as shown (test/cli-terminal.test.ts)
	bzip2 tar                                 # model archives
	chromium                                  # a real browser for the live-captions page (test/web-browser.test.ts)
	haproxy                                   # the load balancer of deploy/local-cluster.sh (test/cluster.test.ts)
)
ensure_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_speech_sdks # the official Python and Java Speech SDKs, cached outside the repo
# onnxruntime-node ships its CPU build; its install script (run by npm 10) would fetch CUDA.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run lint
npm run typecheck
npm run build
# The default model, as a user gets it: `earshot models pull` through pip, into ~/.cache/earshot/models
# (outside the clone, so it survives between runs; pip keeps its own download cache too).
ensure_pip
node dist/cli/main.js models pull moonshine-base-en
npm test
