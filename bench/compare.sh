#!/usr/bin/env bash
# `make bench`: the engine's benchmarks, and the same configurations run by
# other WFC implementations when their drivers are present, in one run.
#
#   bench/compare.sh [SHARED_DIR]       (default ../shared)
#   PEERS=/tmp/peers   directory with run.sh printing the peers' TSV (see
#                      docs/PERFORMANCE.md); skipped when absent
#   QUICK=1            fewer repetitions and no 1024x1024
#
# Every configuration runs in its own process, so peak RSS is per
# configuration. Output: TSV tables under out/bench/ and a summary on stdout.
set -u
cd "$(dirname "$0")/.."
SHARED=${1:-../shared}
PEERS=${PEERS:-/tmp/peers}
OUT=out/bench
B=build/bench
mkdir -p "$OUT"
[ -d "$SHARED/corpus" ] || { echo "bench: no corpus in $SHARED (set SHARED=...)"; exit 0; }
R=20; R_BIG=5; R_SUCCESS=100
[ "${QUICK:-0}" = 1 ] && { R=5; R_BIG=2; R_SUCCESS=10; }

ours=$OUT/wfcd.tsv
printf 'impl\tconfig\tsize\tsetup_ms\tattempt_median_ms\tattempt_mean_ms\tsuccesses/R\tpeak_rss_kb\tT\tnote\n' >"$ours"
run() { "$B" "$SHARED" --tsv "$@" >>"$ours" || echo "bench: failed: $*" >&2; }

echo "== speed at corpus sizes (fast and reference modes) =="
for e in 4 3 15 7 49 26 29 28; do run --entry "$e" --reps "$R"; done
echo "== the same overlapping entries non-periodic, no ground (krychu/wfc's only mode) =="
for e in 4 3 15 7 49; do run --entry "$e" --reps "$R" --periodic 0 --ground 0 --mode fast; done
echo "== scale =="
for n in 128 256 512; do run --entry 4 --size "$n" --reps "$R_BIG" --mode fast; done
[ "${QUICK:-0}" = 1 ] || run --entry 4 --size 1024 --reps 2 --mode fast
for n in 136 512; do run --entry 28 --size "$n" --reps "$R_BIG" --mode fast; done
run --entry 29 --size 96 --reps "$R" --mode fast
echo "== success rate =="
run --entry 26 --size 80 --reps "$R_SUCCESS" --mode fast
run --entry 4 --size 512 --reps "$R_SUCCESS" --mode fast
column -t -s $'\t' "$ours"

echo "== throughput =="
"$B" "$SHARED" --throughput 2000 --entry 4 --entry 49 | tee "$OUT/throughput.txt"

if [ -x "$PEERS/run.sh" ]; then
	echo "== peers ($PEERS/run.sh) =="
	R=10 R_BIG=5 "$PEERS/run.sh" >"$OUT/peers.tsv" 2>"$OUT/peers.log"
	column -t -s $'\t' "$OUT/peers.tsv"
	echo "== ratios: peer attempt median / ours, same configuration (higher is better for wfcd) =="
	# krychu/wfc only makes non-periodic outputs without ground: compare it
	# with our non-periodic rows; fast-wfc runs the entries' own settings.
	awk -F'\t' '
		function key(c, n) { sub(/-(Standard|Turnless)$/, "", c); return c "@" n }
		FNR == 1 { next }
		FILENAME ~ /peers/ { if ($5 ~ /^[0-9.]+$/ && $5 > 0) { n++; pk[n] = key($2, $3)
			pname[n] = $1; pcfg[n] = $2 "@" $3; pt[n] = $5 } next }
		$1 == "wfcd" { k = key($2, $3)
			if (!(k in first)) first[k] = $5
			if ($10 ~ /^non-periodic/ && !(k in nonper)) nonper[k] = $5 }
		END { for (i = 1; i <= n; i++) { k = pk[i]
			o = (pname[i] ~ /krychu/ && (k in nonper)) ? nonper[k] : first[k]
			if (o > 0) printf "%-24s %-10s %9.2f ms   wfcd %8.2f ms   %5.1fx\n",
				pcfg[i], pname[i], pt[i], o, pt[i] / o } }
' "$OUT/peers.tsv" "$ours" | sort | tee "$OUT/ratios.txt"
else
	echo "(no peers at $PEERS: see docs/PERFORMANCE.md to compare with other implementations)"
fi
