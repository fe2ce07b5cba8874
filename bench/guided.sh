#!/usr/bin/env bash
# `make bench`, guided part: CPU time per valid 64x64 level of plain WFC
# and of guided WFC (the shipped generator's anchors, and its priors alone:
# a guided job's default), all three in the same run, alternating, so the
# noise of a shared machine falls on each alike. tools/nngrids.c draws the
# levels as the server's guided jobs do and prints process CPU time per
# valid level (forward, model build and WFC), on one thread.
#
#   bench/guided.sh [BUILD_DIR]      (default build)
#   ROUNDS=7 COUNT=1000              alternating rounds, levels per run
#   MODEL=models/terrain-islands.safetensors
#
# Output: the medians over the rounds, and each against plain WFC (below 1:
# guided is faster), on stdout and in out/bench/guided.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${1:-build}
ROUNDS=${ROUNDS:-7}
COUNT=${COUNT:-1000}
MODEL=${MODEL:-models/terrain-islands.safetensors}
OUT=out/bench
mkdir -p "$OUT"
[ -f "$MODEL" ] || { echo "bench guided: no $MODEL" >&2; exit 1; }
# OpenBLAS's idle pool thread spins after start-up and would add its CPU
# time to the process's
export OPENBLAS_NUM_THREADS=1

RAW="$OUT/guided-runs.txt"
: >"$RAW"
for r in $(seq "$ROUNDS"); do
	for mode in wfc anchors priors; do
		case $mode in
		wfc) args="--mode wfc" ;;
		anchors) args="--mode guided --anchors 1" ;;
		priors) args="--mode guided --anchors 0" ;;
		esac
		# shellcheck disable=SC2086
		line=$("$B/nngrids" "$MODEL" $args --count "$COUNT" --seed 100000 \
			-o "$OUT/guided-$mode.st" 2>&1 | grep 'per valid grid') ||
			{ echo "bench guided: nngrids failed ($mode)" >&2; exit 1; }
		# "... per valid grid: 1.18 ms CPU (generator 0.50, WFC 0.67), ..."
		echo "$mode $line" | sed -E 's/^([a-z]+) .*grid: ([0-9.]+) ms CPU \(generator ([0-9.]+), WFC ([0-9.]+)\).*/\1 \2 \3 \4/' >>"$RAW"
	done
	echo "bench guided: round $r of $ROUNDS" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$RAW" | median; }
plain=$(col wfc 2)
{
	echo "== guided WFC against plain: $MODEL, $COUNT levels x $ROUNDS rounds, one thread, medians (ms CPU per valid level) =="
	for mode in wfc anchors priors; do
		awk -v m="$mode" -v t="$(col "$mode" 2)" -v f="$(col "$mode" 3)" -v w="$(col "$mode" 4)" \
			-v p="$plain" 'BEGIN {
			printf "%-8s total %6.2f ms   forward %5.2f   WFC %5.2f   %5.2fx plain\n", m, t, f, w, t / p }'
	done
} | tee "$OUT/guided.txt"
