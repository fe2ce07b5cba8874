#!/bin/sh
# Trains the shipped generator, models/terrain-islands.safetensors
# (docs/NEURAL.md), and calibrates its guide scales; with "calibrate" only
# fits them again (on the file's own scales); with "eval" scores it with
# `wfc eval`.
#   sh scripts/make-model.sh build/wfc            (make model: ~4.3 h on 1 CPU core)
#   sh scripts/make-model.sh build/wfc calibrate  (about a minute)
#   sh scripts/make-model.sh build/wfc eval       (make model-eval: the table of NEURAL.md)
# Work files go to out/model/; only the generator is copied into models/.
set -eu

wfc=${1:-build/wfc}
what=${2:-train}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/out/model
nngrids=$(dirname "$wfc")/nngrids
mkdir -p "$work" "$root/models"

data=$work/terrain-islands-1024.safetensors
if [ ! -f "$data" ]; then
	# 1024 outputs of 64x64 cells of the built-in Terrain-Islands tileset
	# (tiled, periodic, 16 tile variants), seeds 1, 2, ...
	"$wfc" dataset --library Terrain-Islands --library-dir "$root/library" --size 64 \
		--count 1024 --format onehot --seed 1 -o "$data"
fi

if [ "$what" = train ]; then
	# onehot DCGAN at width 16 (ngf = ndf = 16: G 0.44 M parameters, a 1.8 MB
	# file), the Wasserstein objective with the gradient penalty (Adam 2e-4,
	# 2 critic batches a step), batch 16, 51000 generator steps (1593
	# epochs of critic batches), seed 1, one CPU thread: the same file on
	# every run (on another CPU, OpenBLAS may pick other kernels, which
	# round differently; the shipped file's steps after 35,700 ran on a
	# GPU, so this gives a generator of the same run, not its bytes).
	rm -rf "$work/train"
	"$wfc" train --data "$data" --arch dcgan --loss wasserstein-gp --width 16 --batch 16 \
		--n-critic 2 --steps 51000 --seed 1 --device cpu --threads 1 --sample-every 400 \
		-o "$work/train"
	cp "$work/train/generator.safetensors" "$root/models/terrain-islands.safetensors"
	echo "models/terrain-islands.safetensors written"
	what=calibrate
fi

if [ "$what" = calibrate ]; then
	# guide scales at floor 0.3 (docs/NEURAL.md, "Guide scales"): 25 rounds
	# of 1000 guided levels, seeds 900000 on, about 50 s on one core; the
	# floor where guided WFC's KL meets plain WFC's spread
	OPENBLAS_NUM_THREADS=1 "$wfc" calibrate "$root/models/terrain-islands.safetensors" \
		--data "$data" --floor 0.3 --rounds 25 --count 1000 --seed 900000 \
		-o "$root/models/terrain-islands.safetensors"
	exit 0
fi

# eval: 100 grids each, seeds far past the data set's (100000 on), so no
# WFC output repeats a training grid. guided is a guided job's default
# (priors only), anchors its "guide": "anchors". nngrids runs on one
# thread; OpenBLAS's own pool would spin a second one after start-up and
# add about 1 ms a grid of CPU time to 100-grid runs.
export OPENBLAS_NUM_THREADS=1
ckpt=$root/models/terrain-islands.safetensors
for mode in wfc raw; do
	"$nngrids" "$ckpt" --mode "$mode" --count 100 --seed 100000 -o "$work/$mode.safetensors"
done
"$nngrids" "$ckpt" --mode guided --anchors 0 --count 100 --seed 100000 -o "$work/guided.safetensors"
"$nngrids" "$ckpt" --mode guided --anchors 1 --count 100 --seed 100000 -o "$work/anchors.safetensors"
for mode in wfc raw guided anchors; do
	"$wfc" eval --data "$data" --grids "$work/$mode.safetensors" --json "$work/$mode.json"
done
