#!/usr/bin/env bash
# Throughput of wfcd on Redis with 1, 2, ... worker processes (figures in
# docs/DEPLOY.md). For each count: a fresh redis-server on a Unix socket,
# one API process, N jobs submitted while no worker runs, then the workers
# start; the clock runs from the first success to the Nth.
# Usage: bench/redis.sh [path/to/wfcd] [N] [job body] [worker counts...]
#   e.g. bench/redis.sh build/wfcd 400 '{"library":"Pipes","size":16}' 1 2
set -euo pipefail

WFCD=${1:-build/wfcd}
N=${2:-400}
BODY=${3:-'{"library":"Pipes","size":16}'}
shift $(($# < 3 ? $# : 3))
COUNTS=("${@:-1 2}")
[ ${#COUNTS[@]} -eq 1 ] && read -r -a COUNTS <<<"${COUNTS[0]}"
WFCD=$(cd "$(dirname "$WFCD")" && pwd)/$(basename "$WFCD")

TMP=$(mktemp -d /tmp/wfcd-bench-redis.XXXXXX)
PIDS=()
cleanup() {
	exec 2>/dev/null
	for p in "${PIDS[@]}"; do kill -9 "$p" || true; done
	wait || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }

run() {
	local workers=$1 dir=$TMP/run$1
	mkdir -p "$dir"
	local sock=$dir/redis.sock
	redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --dir "$dir" \
		>"$dir/redis.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 50); do
		[ "$(redis-cli -s "$sock" PING 2>/dev/null)" = PONG ] && break
		sleep 0.1
	done
	"$WFCD" --role api --queue "unix:$sock" --port 0 --queue-size $((N + 10)) \
		--data-dir "$dir/api" --log /dev/null >"$dir/api.log" 2>&1 &
	PIDS+=($!)
	local port=""
	for _ in $(seq 1 50); do
		port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$dir/api.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	local body=${BODY%\}}
	awk -v n="$N" -v b="http://127.0.0.1:$port" -v body="$body" 'BEGIN {
		gsub(/"/, "\\\"", body)
		for (i = 0; i < n; i++) {
			if (i) print "next"
			printf "url = \"%s/v1/jobs\"\nheader = \"Content-Type: application/json\"\n", b
			printf "data = \"%s,\\\"seed\\\":%d}\"\noutput = \"/dev/null\"\n", body, i
		}
	}' >"$dir/submit.cfg"
	curl -s --no-progress-meter -Z --parallel-max 4 -K "$dir/submit.cfg"
	local t0 t1 c0
	for _ in $(seq 1 "$workers"); do
		# setsid: a session, so a scheduling autogroup, of its own, as a
		# container would have; else the workers split one group's share
		setsid "$WFCD" --role worker --queue "unix:$sock" --workers 1 --data-dir "$dir/w" \
			--log /dev/null >/dev/null 2>&1 &
		PIDS+=($!)
	done
	# the clock starts at the first success: process start-up is not counted
	succeeded() { local v; v=$(redis-cli -s "$sock" HGET wfcd:stats succeeded); echo "${v:-0}"; }
	while [ "$(succeeded)" -eq 0 ]; do sleep 0.01; done
	t0=$(now)
	c0=$(succeeded)
	while [ "$(succeeded)" -lt "$N" ]; do sleep 0.01; done
	t1=$(now)
	awk -v w="$workers" -v n=$((N - c0)) -v a="$t0" -v b="$t1" \
		'BEGIN { printf "workers %d: %d jobs in %.2f s = %.1f jobs/s\n", w, n, b - a, n / (b - a) }'
}

echo "bench/redis: $N jobs of $BODY; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for w in "${COUNTS[@]}"; do run "$w"; done
