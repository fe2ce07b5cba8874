#!/usr/bin/env bash
# `make bench`, nn/ part: one DCGAN training step (batch 64, width 64) and
# sampling on the CPU, nn/ (build/nn-bench) next to the same model and
# step in PyTorch (scripts/nn_torch_bench.py), both on the same number of
# threads, in the same run. Formats: rgb (3 channels) and onehot with a
# vocabulary of 95 (the issue's example).
#
#   bench/nn.sh [BUILD_DIR]     (default build)
#   NN_THREADS=2 NN_STEPS=5     threads for both, timed steps (median)
#
# Output: out/bench/nn-*.txt and a ratio table (PyTorch ms / nn ms; above 1
# means nn/ is faster) on stdout and in out/bench/nn-ratios.txt.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=${NN_THREADS:-2}
STEPS=${NN_STEPS:-5}
OUT=out/bench
mkdir -p "$OUT"
PY=/usr/bin/python3
have_torch=1
$PY -c 'import torch' 2>/dev/null || { have_torch=0; echo "bench nn: no PyTorch (python3-torch), nn/ alone"; }

get() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
: >"$OUT/nn-ratios.txt"
# name:channels:flag:loss; the Wasserstein step is 5 critic batches and 1
# generator batch (nn/wgan.c), BCE's is one of each; -gp adds a penalty
# pass (a forward and two backward passes) to each critic batch
for cfg in rgb:3::bce onehot95:95:--onehot:bce onehot95-wass:95:--onehot:wasserstein \
	onehot95-gp:95:--onehot:wasserstein-gp; do
	IFS=: read -r name ch flag loss <<<"$cfg"
	echo "== DCGAN $name ($loss): batch 64, width 64, $T threads, $STEPS steps =="
	# shellcheck disable=SC2086
	"$B/nn-bench" --device cpu --threads "$T" --channels "$ch" $flag --loss "$loss" \
		--steps "$STEPS" --warmup 1 >"$OUT/nn-$name.txt" ||
		{ echo "bench nn: nn-bench failed" >&2; continue; }
	# shellcheck disable=SC2086
	[ "$have_torch" = 1 ] && OMP_NUM_THREADS=$T MKL_NUM_THREADS=$T $PY scripts/nn_torch_bench.py \
		--channels "$ch" $flag --loss "$loss" --steps "$STEPS" --warmup 1 >"$OUT/nn-torch-$name.txt"
	for key in train_step sample_batch sample_one; do
		ours=$(get "${key}_ms_median" "$OUT/nn-$name.txt")
		theirs=$([ "$have_torch" = 1 ] && get "${key}_ms_median" "$OUT/nn-torch-$name.txt")
		if [ -n "$theirs" ]; then
			awk -v n="$name" -v k="$key" -v o="$ours" -v t="$theirs" 'BEGIN {
				printf "%-9s %-13s nn %10.1f ms   torch %10.1f ms   %5.2fx\n", n, k, o, t, t / o }'
		else
			printf "%-9s %-13s nn %10.1f ms\n" "$name" "$key" "$ours"
		fi
	done | tee -a "$OUT/nn-ratios.txt"
done
