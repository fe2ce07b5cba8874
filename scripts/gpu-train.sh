#!/usr/bin/env bash
# gpu-train.sh - trains the generators of docs/NEURAL.md on a lent GPU
# machine, within a fixed time, and brings back what the CPU work needs.
#
# 1. builds with CUDA (wfc, nngrids, the nn_cuda tests, nn-bench);
# 2. runs the nn_cuda suite (every op on the GPU against the CPU); when it
#    fails or skips, the training below runs on the CPU cores instead, and
#    summary.txt says so;
# 3. makes the data sets: Flowers (FLOWERS_XML, entry 4: the reference
#    corpus, which the machine lacks, so the caller carries a copy; never
#    committed) and the built-in Terrain-Islands, 64x64 onehot;
# 4. trains the onehot DCGANs of RUNS, each for a fixed wall time (timeout sends
#    SIGINT: `wfc train` finishes its step and saves both checkpoints);
# 5. times sampling on the device (nngrids raw, batched and batch 1);
# 6. with the time left, scripts/gpu-check.sh's benchmarks (MEMCHECK=0).
# Everything goes to OUTDIR (default $OUT, else out/gpu-train):
#   summary.txt (test results, loss curves, sampling times) and, per run,
#   NAME.safetensors (the generator) and NAME.png (its last sample grid);
#   build and training logs stay in WORK (/tmp/gpu-train) on the machine.
#
# usage: scripts/gpu-train.sh [OUTDIR]
#   env: FLOWERS_XML (.gpu-carry/corpus/samples.xml), FLOWERS_COUNT (10000),
#        TERRAIN_COUNT (4096), RUNS (name:data:width:seconds[:loss[:lr[:n_critic]]]
#        ..., data flowers or terrain, loss bce, wasserstein, wasserstein-sn
#        or wasserstein-gp, default bce; n_critic: critic batches a step,
#        default wfc train's 5; the defaults are two gradient-penalty runs
#        with 2, which did better on the CPU in session 9; session 5 trained
#        the clipped ones on an H100 already),
#        BUDGET (500 s in all; the benchmarks get what is left)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
out=${1:-${OUT:-out/gpu-train}}
mkdir -p "$out" || exit 2
FLOWERS_XML=${FLOWERS_XML:-.gpu-carry/corpus/samples.xml}
RUNS=${RUNS:-terrain-gp:terrain:32:180:wasserstein-gp:2e-4:2 flowers-gp:flowers:32:240:wasserstein-gp:2e-4:2}
FLOWERS_COUNT=${FLOWERS_COUNT:-10000}
TERRAIN_COUNT=${TERRAIN_COUNT:-4096}
BUDGET=${BUDGET:-500}
BUILD=${BUILD:-build-gpu}
work=${WORK:-/tmp/gpu-train}
mkdir -p "$work"
t_start=$SECONDS
: >"$out/summary.txt"
say() { echo "== [$((SECONDS - t_start)) s] $*" | tee -a "$out/summary.txt"; }

if [ -f .devdeps/env.sh ]; then
	# shellcheck disable=SC1091
	. .devdeps/env.sh
fi
export PATH=/usr/local/cuda/bin:$PATH
nvidia-smi -L >>"$out/summary.txt" 2>&1

# 1. build (the Makefile would run scripts/deps.sh, apt-get, without this stamp)
mkdir -p "$BUILD" && touch "$BUILD/.deps-ok"
say "build ($BUILD)"
if ! make -j"$(nproc)" BUILD="$BUILD" CUDA=1 "$BUILD/wfc" "$BUILD/nngrids" \
	"$BUILD/nn-cuda-tests" "$BUILD/nn-bench" >"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log" | tee -a "$out/summary.txt"
	say "FAIL: build"
	exit 1
fi

# 2. the backend against the CPU, op by op and per training step
say "nn_cuda tests"
timeout 120 "$BUILD/nn-cuda-tests" --verbose -j1 >"$work/tests.log" 2>&1
rc=$?
grep -E '^\[(PASS|FAIL|SKIP)|Synthesis' "$work/tests.log" | tee -a "$out/summary.txt"
device=cuda
threads=1
if [ "$rc" -ne 0 ] || grep -q '^\[SKIP' "$work/tests.log"; then
	say "nn_cuda tests failed or skipped (exit $rc): training on the CPU ($(nproc) threads)"
	device=cpu
	threads=$(nproc)
fi

# 3. data sets (all cores; the same bytes for any thread count)
say "data sets"
if [ -f "$FLOWERS_XML" ]; then
	flowers_ok=1
	"$BUILD/wfc" dataset --xml "$FLOWERS_XML" --entry 4 --size 64 --count "$FLOWERS_COUNT" \
		--format onehot -o "$work/flowers.st" -q 2>>"$out/summary.txt" || flowers_ok=0
else
	flowers_ok=0
	say "no $FLOWERS_XML: Flowers skipped"
fi
"$BUILD/wfc" dataset --library Terrain-Islands --library-dir library --size 64 \
	--count "$TERRAIN_COUNT" --format onehot -o "$work/terrain.st" -q 2>>"$out/summary.txt"

# 4. training, each run for a fixed wall time. Only 8 files come back
# from a lent machine, so each run leaves its generator and its last sample
# grid flat in OUTDIR, and its loss curve (every 250th step) in summary.txt.
train() { # name data width seconds loss lr n_critic
	local name=$1 data=$2 width=$3 secs=$4 loss=${5:-bce} lr=${6:-} nc=${7:-}
	[ -f "$work/$data.st" ] || return 0
	say "train $name: dcgan ($loss${lr:+, lr $lr}${nc:+, $nc critic batches}) width $width on $data, $secs s on $device"
	timeout --preserve-status -s INT "$secs" "$BUILD/wfc" train --data "$work/$data.st" --arch dcgan ${lr:+--lr "$lr"} \
		${nc:+--n-critic "$nc"} \
		--width "$width" --loss "$loss" --steps 100000000 --seed 1 --device "$device" \
		--threads "$threads" --sample-every 1000 -q -o "$work/$name" >"$work/train-$name.log" 2>&1
	echo "exit status $? (0: stopped by the SIGINT and saved; 130: killed by it; 139: crashed)" >>"$work/train-$name.log"
	tail -n 3 "$work/train-$name.log" >>"$out/summary.txt"
	cp "$work/$name/generator.safetensors" "$out/$name.safetensors" 2>/dev/null
	last=$(ls -v "$work/$name/samples" 2>/dev/null | tail -n 1)
	[ -n "$last" ] && cp "$work/$name/samples/$last" "$out/$name.png"
	awk -F, 'NR == 1 || (NR - 2) % 250 == 0' "$work/$name/log.csv" >>"$out/summary.txt"
	say "$name: $(tail -n 1 "$work/$name/log.csv" 2>/dev/null) (step,epoch,loss_d,loss_g,seconds)"
}
for run in $RUNS; do
	IFS=: read -r name data width secs loss lr nc <<<"$run"
	[ "$data" = flowers ] && [ "$flowers_ok" != 1 ] && continue
	train "$name" "$data" "$width" "$secs" "$loss" "$lr" "$nc"
done

# 5. sampling on the device: batched, and one level at a time
for run in $RUNS; do
	name=${run%%:*}
	ck=$out/$name.safetensors
	[ -f "$ck" ] || continue
	"$BUILD/nngrids" "$ck" --mode raw --count 2048 --batch 256 --device "$device" \
		-o "$work/raw-$name.st" 2>&1 | tail -n 1 | sed "s/^/$name batched: /" |
		tee -a "$out/summary.txt"
	"$BUILD/nngrids" "$ck" --mode raw --count 256 --batch 1 --device "$device" \
		-o "$work/raw1-$name.st" 2>&1 | tail -n 1 | sed "s/^/$name batch 1: /" |
		tee -a "$out/summary.txt"
done

# 6. the benchmarks of scripts/gpu-check.sh, with what time is left
left=$((BUDGET - (SECONDS - t_start)))
if [ "$left" -gt 60 ]; then
	say "gpu-check benchmarks ($left s left)"
	mkdir -p "$work/gpu-check"
	BUILD=$BUILD MEMCHECK=0 timeout "$left" bash scripts/gpu-check.sh "$work/gpu-check" \
		>/dev/null 2>&1
	tail -n 6 "$work/gpu-check/summary.txt" >>"$out/summary.txt" 2>/dev/null
fi
say "done"
