#!/usr/bin/env bash
# Trains the three generators of docs/NEURAL.md on Flowers (the reference
# corpus, so ../shared is needed) and scores each against fresh WFC output
# with `wfc eval`. Everything goes to $OUT_DIR (default out/neural): data
# sets, runs, eval JSON, sample grids, and table.md, the table NEURAL.md
# quotes. The corpus images carry no licence, so nothing made from them is
# committed.
#
# Usage: scripts/neural-eval.sh [SHARED]   (env: COUNT, STEPS, WIDTH, EVAL, WFC)
set -euo pipefail
SHARED=${1:-../shared}
OUT=${OUT_DIR:-out/neural}
COUNT=${COUNT:-2000}  # training examples per data set
STEPS=${STEPS:-300}   # generator steps per model
WIDTH=${WIDTH:-32}    # DCGAN ngf = ndf
EVAL=${EVAL:-1000}    # outputs scored per row
WFC=${WFC:-build/wfc}
XML=$SHARED/corpus/samples.xml
ENTRY=4 # Flowers: N=3, symmetry 2, periodic, ground
[ -f "$XML" ] || { echo "neural-eval: $XML not found (needs the reference corpus)" >&2; exit 2; }
mkdir -p "$OUT"

for fmt in onehot rgb; do
	[ -f "$OUT/flowers-$fmt.st" ] ||
		"$WFC" dataset --xml "$XML" --entry $ENTRY --size 64 --count "$COUNT" --format $fmt \
			-o "$OUT/flowers-$fmt.st" --preview "$OUT/flowers-$fmt-train.png" -q
done

train() { # name data arch [extra...]
	local name=$1 data=$2 arch=$3
	shift 3
	[ -f "$OUT/$name/generator.safetensors" ] && return 0
	local t0=$SECONDS
	"$WFC" train --data "$OUT/flowers-$data.st" --arch "$arch" --steps "$STEPS" --seed 1 \
		"$@" -o "$OUT/$name" 2>"$OUT/$name.log"
	echo "$name: $STEPS steps in $((SECONDS - t0)) s" | tee -a "$OUT/train-times.txt"
}
train dcgan-rgb rgb dcgan --width "$WIDTH"
train dcgan-onehot onehot dcgan --width "$WIDTH"
train wgan-onehot onehot wgan-dense

"$WFC" eval --data "$OUT/flowers-onehot.st" --wfc --count "$EVAL" --json "$OUT/eval-wfc.json" \
	>"$OUT/eval-wfc.txt"
"$WFC" eval --data "$OUT/flowers-rgb.st" "$OUT/dcgan-rgb/generator.safetensors" --count "$EVAL" \
	--seed 7 --json "$OUT/eval-dcgan-rgb.json" >"$OUT/eval-dcgan-rgb.txt"
for m in dcgan-onehot wgan-onehot; do
	"$WFC" eval --data "$OUT/flowers-onehot.st" "$OUT/$m/generator.safetensors" --count "$EVAL" \
		--seed 7 --json "$OUT/eval-$m.json" >"$OUT/eval-$m.txt"
	"$WFC" sample "$OUT/$m/generator.safetensors" --seed 7 --count 16 -o "$OUT/$m-samples.png"
done
"$WFC" sample "$OUT/dcgan-rgb/generator.safetensors" --seed 7 --count 16 -o "$OUT/dcgan-rgb-samples.png"
cat "$OUT"/eval-*.txt
