#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian/Ubuntu machine with Node 20, then runs
# lint, the type check, the build and the whole test suite. ../shared is used when present.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
TEST_PACKAGES=(
	flite sox libsox-fmt-all ffmpeg # speech and audio files made by the tests
	pulseaudio libasound2-plugins             # a headless microphone: a PulseAudio null sink
	pocketsphinx                              # pocketsphinx_continuous, the benchmark's reference
	sctk                                      # NIST sclite, to cross-check the WER scorer
	bsdutils                                  # `script`, a pseudo-terminal for the console app
	bzip2 tar                                 # model archives
	chromium                                  # a real browser for the live-captions page (test/web-browser.test.ts)
	haproxy                                   # the load balancer of deploy/local-cluster.sh (test/cluster.test.ts)
)
ensure_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
npm ci --no-audit --no-fund
npm run lint
npm run typecheck
npm run build
npm test
