#!/usr/bin/env bash
# Trains the three generators of docs/NEURAL.md on Flowers (the reference
# corpus, so ../shared is needed) and scores each against fresh WFC output
# with `wfc eval`. Everything goes to $OUT_DIR (default out/neural): data
# sets, runs, eval JSON, sample grids, and table.md, the table NEURAL.md
# quotes. The corpus images carry no licence, so nothing made from them is
# committed.
#
# "guided" as second argument scores guided WFC instead (docs/NEURAL.md,
# "Guided WFC on Flowers"): with tools/nngrids (beside $WFC), GCOUNT grids
# each of plain WFC (NOISE_SETS seed sets, 100000, 200000, ..., to measure
# its run-to-run noise), the DCGAN-onehot's raw argmax and guided WFC at
# each guide strength in STRENGTHS (seed 100000), all scored by
# `wfc eval --grids`; only the onehot data set and the DCGAN-onehot are
# made (when missing). Table in $OUT_DIR/guided/table.md.
#
# "anchors" scores guided WFC's anchors (docs/NEURAL.md, "Anchors"): an
# oracle stands in for a generator that is right on 1 - F of the cells
# (nngrids --oracle: held-out WFC grids, seeds 100000 on, with 4x4 blocks of
# random entries over a fraction F in WRONGS), guided with priors only and
# with anchors, against plain WFC; then the DCGAN-onehot itself with and
# without anchors, and any other Flowers checkpoints in CKPTS
# ("label=path ..."); TERRAIN_CKPTS ("label=path ...") adds plain WFC and
# those Terrain-Islands checkpoints, scored against TERRAIN_DATA. GCOUNT
# grids per row; table in $OUT_DIR/anchors/table.md.
#
# Usage: scripts/neural-eval.sh [SHARED] [guided|anchors]
#   (env: COUNT, STEPS, WIDTH, EVAL, WFC; guided: GCOUNT, NOISE_SETS, STRENGTHS;
#    anchors: GCOUNT, WRONGS, CKPTS, TERRAIN_CKPTS, TERRAIN_DATA)
set -euo pipefail
SHARED=${1:-../shared}
MODE=${2:-all}
OUT=${OUT_DIR:-out/neural}
COUNT=${COUNT:-2000}  # training examples per data set
STEPS=${STEPS:-120}   # generator steps per model (NEURAL.md's runs)
WIDTH=${WIDTH:-32}    # DCGAN ngf = ndf
EVAL=${EVAL:-1000}    # outputs scored per row
WFC=${WFC:-build/wfc}
XML=$SHARED/corpus/samples.xml
ENTRY=4 # Flowers: N=3, symmetry 2, periodic, ground
[ -f "$XML" ] || { echo "neural-eval: $XML not found (needs the reference corpus)" >&2; exit 2; }
mkdir -p "$OUT"

FORMATS="onehot rgb"
[ "$MODE" != all ] && FORMATS=onehot
for fmt in $FORMATS; do
	[ -f "$OUT/flowers-$fmt.st" ] ||
		"$WFC" dataset --xml "$XML" --entry $ENTRY --size 64 --count "$COUNT" --format "$fmt" \
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
train dcgan-onehot onehot dcgan --width "$WIDTH"

if [ "$MODE" = anchors ]; then
	NNGRIDS=$(dirname "$WFC")/nngrids
	GCOUNT=${GCOUNT:-1000}
	WRONGS=${WRONGS:-0.05 0.2 0.5}
	CKPTS=${CKPTS:-}
	TERRAIN_CKPTS=${TERRAIN_CKPTS:-}
	TERRAIN_DATA=${TERRAIN_DATA:-out/model/terrain-islands-1024.safetensors}
	if [ -n "$TERRAIN_CKPTS" ] && [ ! -f "$TERRAIN_DATA" ]; then
		echo "neural-eval: $TERRAIN_DATA not found (docs/NEURAL.md, \"The shipped checkpoint\")" >&2
		exit 2
	fi
	A=$OUT/anchors
	mkdir -p "$A"
	[ -f "$OUT/flowers-heldout.st" ] ||
		"$WFC" dataset --xml "$XML" --entry $ENTRY --size 64 --count "$GCOUNT" --format onehot \
			--seed 100000 -o "$OUT/flowers-heldout.st" -q
	ck=$OUT/dcgan-onehot/generator.safetensors
	data=$OUT/flowers-onehot.st
	arow() { # name label mode [nngrids options...]; scored against $data
		local name=$1 label=$2 mode=$3
		shift 3
		"$NNGRIDS" "$ck" --mode "$mode" --count "$GCOUNT" --seed 100000 "$@" \
			-o "$A/$name.st" 2>"$A/$name.log"
		"$WFC" eval --data "$data" --grids "$A/$name.st" --json "$A/$name.json" \
			>/dev/null
		local j="$A/$name.json" l="$A/$name.log"
		v() { sed -n "s/^ *\"$1\": *\([^,]*\),\{0,1\}\$/\1/p" "$j"; }
		local per anch
		per=$(sed -n 's/.*per valid grid: \([0-9.]*\) ms CPU (generator \([0-9.]*\), WFC \([0-9.]*\)), \([0-9.]*\) failed attempts, \([0-9.]*\) repairs/\1 \2 \3 \4 \5/p' "$l")
		anch=$(sed -n 's/.*: \([0-9.]*\)% of cells anchored, \([0-9.]*\)% of them dropped/\1% (\2% dropped)/p' "$l")
		# shellcheck disable=SC2086 # five numbers, split on purpose
		set -- $per
		printf '| %s | %s | %s | %.5f | %.5f | %.3f | %.2f | %s (forward %s + WFC %s) |\n' "$label" \
			"$(v valid_rate)" "${anch:--}" "$(v kl2)" "$(v kl3)" "$4" "$5" "$1" "$2" "$3"
	}
	{
		echo "| $GCOUNT grids, 64x64, Flowers | valid | anchored | KL 2x2 | KL 3x3 |" \
			"failed attempts / valid | repairs / valid | CPU ms / valid level |"
		echo "|---|---|---|---|---|---|---|---|"
		arow wfc "plain WFC" wfc
		for w in $WRONGS; do
			arow "oracle-$w-priors" "oracle, $w wrong, priors" guided --oracle "$OUT/flowers-heldout.st" \
				--wrong "$w" --anchors 0
			arow "oracle-$w-anchors" "oracle, $w wrong, anchors" guided --oracle "$OUT/flowers-heldout.st" \
				--wrong "$w" --anchors 1
		done
		arow dcgan-priors "DCGAN-onehot, priors" guided --anchors 0
		arow dcgan-anchors "DCGAN-onehot, anchors" guided --anchors 1
		# other Flowers checkpoints (e.g. trained on a GPU, scripts/gpu-train.sh)
		for lp in $CKPTS; do
			ck=${lp#*=}
			arow "${lp%%=*}-priors" "${lp%%=*}, priors" guided --anchors 0
			arow "${lp%%=*}-anchors" "${lp%%=*}, anchors" guided --anchors 1
		done
		# Terrain-Islands checkpoints, against its data set (NEURAL.md)
		if [ -n "$TERRAIN_CKPTS" ]; then
			data=$TERRAIN_DATA
			echo "| **Terrain-Islands** (against $(basename "$data")) | | | | | | | |"
			ck=${TERRAIN_CKPTS%% *} # plain WFC takes the spec from a checkpoint
			ck=${ck#*=}
			arow terrain-wfc "plain WFC" wfc
			for lp in $TERRAIN_CKPTS; do
				ck=${lp#*=}
				arow "terrain-${lp%%=*}-priors" "${lp%%=*}, priors" guided --anchors 0
				arow "terrain-${lp%%=*}-anchors" "${lp%%=*}, anchors" guided --anchors 1
			done
		fi
	} >"$A/table.md"
	cat "$A/table.md"
	exit 0
fi

if [ "$MODE" = guided ]; then
	NNGRIDS=$(dirname "$WFC")/nngrids
	GCOUNT=${GCOUNT:-1000}
	NOISE_SETS=${NOISE_SETS:-5}
	STRENGTHS=${STRENGTHS:-1 0.5 0.25 0.1}
	G=$OUT/guided
	mkdir -p "$G"
	row() { # name mode seed [nngrids options...]: grids, eval JSON, log
		local name=$1 mode=$2 seed=$3
		shift 3
		"$NNGRIDS" "$OUT/dcgan-onehot/generator.safetensors" --mode "$mode" --count "$GCOUNT" \
			--seed "$seed" "$@" -o "$G/$name.st" 2>"$G/$name.log"
		"$WFC" eval --data "$OUT/flowers-onehot.st" --grids "$G/$name.st" --json "$G/$name.json" \
			>/dev/null
		cat "$G/$name.log"
	}
	names=""
	for k in $(seq 1 "$NOISE_SETS"); do
		row "wfc-$k" wfc $((k * 100000))
		names="$names wfc-$k"
	done
	row raw raw 100000
	names="$names raw"
	for b in $STRENGTHS; do
		row "guided-$b" guided 100000 --strength "$b"
		names="$names guided-$b"
	done
	json() { sed -n "s/^ *\"$2\": *\([^,]*\),\{0,1\}\$/\1/p" "$G/$1.json"; }
	{
		echo "| $GCOUNT grids, 64x64 | valid | KL 2x2 | KL 3x3 | hist JS (bits) | diversity |" \
			"failed attempts / valid | repairs / valid | CPU ms / valid level (generator + WFC) |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for n in $names; do
			# nngrids' summary: "... per valid grid: T ms CPU (generator G, WFC W), F
			# failed attempts, R repairs"; raw has only "(... ms per grid, T ms CPU)".
			per=$(sed -n 's/.*per valid grid: \([0-9.]*\) ms CPU (generator \([0-9.]*\), WFC \([0-9.]*\)), \([0-9.]*\) failed attempts, \([0-9.]*\) repairs/\1 \2 \3 \4 \5/p' "$G/$n.log")
			[ -n "$per" ] || per="$(sed -n 's/.*, \([0-9.]*\) ms CPU).*/\1/p' "$G/$n.log") - - - -"
			# shellcheck disable=SC2086 # five numbers or dashes, split on purpose
			set -- $per
			time="$1 ($2 + $3)"
			[ "$2" = - ] && time="$1 (generator)"
			printf '| %s | %s | %.5f | %.5f | %.6f | %.3f | %s | %s | %s |\n' "$n" \
				"$(json "$n" valid_rate)" "$(json "$n" kl2)" "$(json "$n" kl3)" \
				"$(json "$n" hist_js)" "$(json "$n" diversity)" "$4" "$5" "$time"
		done
	} >"$G/table.md"
	cat "$G/table.md"
	exit 0
fi
train dcgan-rgb rgb dcgan --width "$WIDTH"
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
