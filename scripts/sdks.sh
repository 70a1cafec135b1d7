#!/usr/bin/env bash
# The official Azure Speech SDKs for Python and Java, which test/server-native-sdk.test.ts and
# the benchmark run against `earshot serve`. Installed once into EARSHOT_SDKS_DIR (default
# $XDG_CACHE_HOME/earshot/sdks, else ~/.cache/earshot/sdks), outside the repo; a second run
# only checks. Sourced by scripts/test.sh after scripts/apt.sh; `bash scripts/sdks.sh` alone
# installs them too.
PYTHON_SPEECH_SDK_VERSION=1.53.0
JAVA_SPEECH_SDK_VERSION=1.50.0
# python3 and a venv for the Python SDK, a JDK and Maven for the Java SDK; both SDKs' native core
# needs OpenSSL 3, ALSA and the CA certificates. GStreamer is left out: it only decodes
# compressed input.
SDK_PACKAGES=(python3 python3-venv default-jdk-headless maven libssl3 libasound2 ca-certificates)
EARSHOT_SDKS_DIR="${EARSHOT_SDKS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/earshot/sdks}"

ensure_python_speech_sdk() {
	local venv="$EARSHOT_SDKS_DIR/python"
	if "$venv/bin/python" -c "import sys, azure.cognitiveservices.speech as s; sys.exit(s.__version__ != '$PYTHON_SPEECH_SDK_VERSION')" 2>/dev/null; then
		return 0
	fi
	echo "earshot: installing azure-cognitiveservices-speech $PYTHON_SPEECH_SDK_VERSION into $venv" >&2
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "azure-cognitiveservices-speech==$PYTHON_SPEECH_SDK_VERSION"
}

ensure_java_speech_sdk() {
	local dir="$EARSHOT_SDKS_DIR/java-$JAVA_SPEECH_SDK_VERSION"
	[ -f "$dir/lib/client-sdk-$JAVA_SPEECH_SDK_VERSION.jar" ] && return 0
	echo "earshot: installing the Java Speech SDK $JAVA_SPEECH_SDK_VERSION into $dir" >&2
	mkdir -p "$dir"
	cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
	<modelVersion>4.0.0</modelVersion>
	<groupId>earshot</groupId>
	<artifactId>java-speech-sdk</artifactId>
	<version>1</version>
	<dependencies>
		<dependency>
			<groupId>com.microsoft.cognitiveservices.speech</groupId>
			<artifactId>client-sdk</artifactId>
			<version>$JAVA_SPEECH_SDK_VERSION</version>
		</dependency>
	</dependencies>
</project>
POM
	mvn --batch-mode --quiet --file "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib.partial"
	rm -rf "$dir/lib" && mv "$dir/lib.partial" "$dir/lib"
}

ensure_speech_sdks() {
	ensure_packages "${SDK_PACKAGES[@]}"
	ensure_python_speech_sdk
	ensure_java_speech_sdk
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	cd "$(dirname "$0")/.."
	source scripts/apt.sh
	ensure_speech_sdks
fi
