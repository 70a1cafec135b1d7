#!/usr/bin/env bash
# A local earshot cluster: N `earshot serve` processes on loopback ports behind HAProxy on one
# port (deploy/haproxy/earshot.cfg). Stops everything on SIGINT/SIGTERM: the instances drain
# first (their open turns finish within --drain-seconds), then HAProxy stops.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
	cat <<USAGE
Usage: deploy/local-cluster.sh [--instances N] [--port P] [--host H] [--log-dir DIR] [-- SERVE-OPTIONS...]

Starts N earshot serve instances (default 2) on free loopback ports and HAProxy on H:P
(default 127.0.0.1:8080): WebSockets, health checks on /healthz, least connections.
Options after -- go to every earshot serve (e.g. -- --engine pocketsphinx --drain-seconds 60).

  --instances N   how many earshot serve processes
  --port P        HAProxy's port (0 is not allowed: clients need to know it)
  --host H        HAProxy's address
  --log-dir DIR   where instance-N.log and haproxy.cfg go (default: a new directory under /tmp)

Set EARSHOT_COMMAND to run another earshot (default: this checkout's dist/cli/main.js, else
earshot on PATH). HAProxy is installed with apt-get when missing.
USAGE
}

fail() {
	echo "earshot: $*" >&2
	exit 2
}

instances=2
port=8080
host=127.0.0.1
log_dir=""
serve_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--instances) instances="${2:-}"; shift 2 || fail "--instances needs a number" ;;
	--port) port="${2:-}"; shift 2 || fail "--port needs a number" ;;
	--host) host="${2:-}"; shift 2 || fail "--host needs an address" ;;
	--log-dir) log_dir="${2:-}"; shift 2 || fail "--log-dir needs a directory" ;;
	-h | --help) usage; exit 0 ;;
	--) shift; serve_args=("$@"); break ;;
	*) usage >&2; fail "unknown option: $1" ;;
	esac
done
[[ "$instances" =~ ^[1-9][0-9]*$ ]] || fail "--instances must be a whole number >= 1, not '$instances'"
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] ||
	fail "--port must be 1-65535, not '$port'"

if ! command -v haproxy >/dev/null 2>&1; then
	source "$root/scripts/apt.sh"
	ensure_packages haproxy || exit 1
fi

if [ -n "${EARSHOT_COMMAND:-}" ]; then
	read -r -a earshot <<<"$EARSHOT_COMMAND"
elif [ -f "$root/dist/cli/main.js" ]; then
	earshot=(node "$root/dist/cli/main.js")
elif command -v earshot >/dev/null 2>&1; then
	earshot=(earshot)
else
	fail "earshot is not built: run npm run build, or set EARSHOT_COMMAND"
fi

if [ -z "$log_dir" ]; then
	log_dir="$(mktemp -d /tmp/earshot-cluster.XXXXXX)"
else
	mkdir -p "$log_dir"
fi

instance_pids=()
haproxy_pid=""

# Instances drain (SIGTERM) and are waited for, so their open turns finish; HAProxy stops last.
stop_all() {
	trap - INT TERM EXIT
	local pid
	for pid in "${instance_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${instance_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ -n "$haproxy_pid" ]; then
		kill -TERM "$haproxy_pid" 2>/dev/null || true
		wait "$haproxy_pid" 2>/dev/null || true
	fi
	echo "cluster stopped" >&2
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

# Each process gets a session of its own (setsid), so a Ctrl-C at the terminal reaches this
# script alone, which then drains the instances in order.
ports=()
for i in $(seq 1 "$instances"); do
	log="$log_dir/instance-$i.log"
	setsid "${earshot[@]}" serve --host 127.0.0.1 --port 0 "${serve_args[@]}" 2>"$log" >&2 &
	instance_pids+=("$!")
done
for i in $(seq 1 "$instances"); do
	log="$log_dir/instance-$i.log"
	pid="${instance_pids[$((i - 1))]}"
	until grep -q '"event":"listening"' "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "instance $i did not start"; }
		sleep 0.2
	done
	ports+=("$(grep -m1 -o '"url":"ws://[^"]*"' "$log" | grep -o '[0-9]*"$' | tr -d '"')")
done

config="$log_dir/haproxy.cfg"
{
	cat "$root/deploy/haproxy/earshot.cfg"
	for i in $(seq 1 "$instances"); do
		printf '\tserver instance-%s 127.0.0.1:%s\n' "$i" "${ports[$((i - 1))]}"
	done
} >"$config"
export EARSHOT_CLUSTER_BIND="$host:$port"
haproxy -q -c -f "$config" >&2 || fail "HAProxy refused $config"
setsid haproxy -db -f "$config" >"$log_dir/haproxy.log" 2>&1 &
haproxy_pid=$!

for i in $(seq 1 "$instances"); do
	p="${ports[$((i - 1))]}"
	echo "instance $i: port $p pid ${instance_pids[$((i - 1))]} metrics http://127.0.0.1:$p/metrics log $log_dir/instance-$i.log"
done
until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
	kill -0 "$haproxy_pid" 2>/dev/null || { cat "$log_dir/haproxy.log" >&2; fail "HAProxy did not start"; }
	sleep 0.2
done
echo "haproxy: pid $haproxy_pid stats http://$host:$port/haproxy/stats"
echo "cluster ready: ws://$host:$port"

# Runs until stopped, or until HAProxy or every instance is gone.
running=$instances
while :; do
	exited=""
	code=0
	wait -n -p exited || code=$?
	[ -z "$exited" ] && continue
	if [ "$exited" = "$haproxy_pid" ]; then
		haproxy_pid=""
		echo "haproxy exited with code $code" >&2
		exit 1
	fi
	echo "instance pid $exited exited with code $code" >&2
	for i in "${!instance_pids[@]}"; do
		[ "${instance_pids[$i]}" = "$exited" ] && unset 'instance_pids[i]'
	done
	running=$((running - 1))
	[ "$running" -gt 0 ] || exit 1
done
