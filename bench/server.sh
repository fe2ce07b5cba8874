#!/usr/bin/env bash
# The server benchmark (part of `make bench`): small jobs through HTTP
# (wrk -> wfcd -> queue -> worker -> PNG) against the same jobs run
# in-process by the engine, as a ratio: what HTTP, the queue, persistence
# and encoding cost.
#
#   bench/server.sh [SECONDS]     (default 15)
#   WFCD_BENCH_ENTRY=Pipes        built-in library entry to generate
set -eu
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-15}
ENTRY=${WFCD_BENCH_ENTRY:-Pipes}
export WFCD_BENCH_ENTRY=$ENTRY
OUT=out/bench
mkdir -p "$OUT"
sh scripts/deps.sh wrk
make --no-print-directory build/wfcd build/bench >/dev/null

data=$(mktemp -d /tmp/wfcd-bench-XXXXXX)
log=$data/wfcd.log
build/wfcd --port 0 --data-dir "$data" --queue-size 4096 --log /dev/null >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
port=""
for _ in $(seq 100); do
	port=$(grep -o '"event":"listening"[^}]*"port":[0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$' || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "bench: wfcd did not start"; cat "$log"; exit 1; }

echo "== server: $ENTRY through HTTP (wrk, 2 threads, 8 connections, ${SECONDS_RUN}s) =="
wrk -t2 -c8 -d"${SECONDS_RUN}s" --latency -s bench/generate.lua "http://127.0.0.1:$port" |
	tee "$OUT/server-wrk.txt"
http=$(grep -o '[0-9.]* requests/s' "$OUT/server-wrk.txt" | tail -1 | cut -d' ' -f1)

echo "== the same jobs in-process (engine only, 2 threads) =="
build/bench --throughput 2000 --library library --library-entry "$ENTRY" | tee "$OUT/server-inprocess.txt"
inproc=$(grep -o '2 threads [0-9.]* jobs/s' "$OUT/server-inprocess.txt" | grep -o '[0-9.]*' | tail -1)
awk -v h="$http" -v i="$inproc" 'BEGIN { if (h > 0) printf "server: %.1f jobs/s through HTTP, %.1f in-process: overhead ratio %.1fx\n", h, i, i / h }' |
	tee "$OUT/server-ratio.txt"
