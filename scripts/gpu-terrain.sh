#!/usr/bin/env bash
# gpu-terrain.sh - trains several Terrain-Islands generators side by side on
# one lent GPU for a fixed wall time, and scores every generator they keep,
# while they train, on the machine's spare CPU cores, the way docs/NEURAL.md
# scores the shipped one: 1,000 grids guided with anchors (seeds 100000 on),
# `wfc eval`'s KL 2x2 against the training data.
#
# Why side by side: at these sizes a training step is a few hundred small
# kernels, so one run leaves the GPU mostly idle; four runs cost little more
# wall time than one. Why score on the machine: only 8 files come back, so
# the best generator of each run comes back, not all of them.
#
# 1. the binaries: the carried ones (CARRIED_BIN: wfc, nngrids and
#    nn-cuda-tests) if they run there, else a CUDA build into BUILD;
# 2. the nn_cuda suite (every op and training step against the CPU), in the
#    background: its results go to tests.txt; the runs train on the GPU
#    whatever they say, and the scores show what came of it;
# 3. the data set of scripts/make-model.sh (1024 grids, seed 1: the same
#    bytes as here);
# 4. RUNS, each `wfc train --keep` for SECS of wall time (timeout sends
#    SIGINT: it finishes its step and saves);
# 5. a scorer that takes each kept generator as it appears (SCORERS at once)
#    and writes scores.csv; each run's best generator so far is copied to
#    OUTDIR/NAME.safetensors, so whatever the call's end, the best come back;
# 6. at the end, each run's last state as NAME.state.safetensors, to resume
#    (what fits in the 8 files that come back).
#
# usage: scripts/gpu-terrain.sh [OUTDIR]
#   env: RUNS (name:width:batch:n_critic:lr:sample_every[:resume_dir] ...;
#        a resume_dir holds a state.safetensors to continue: its width,
#        batch and n_critic win), SECS (360), COUNT (1000 grids a score),
#        SCORERS (cores - runs - 1), CARRIED_BIN (.gpu-carry/bin),
#        END (560: no scoring starts after this many seconds of the script),
#        DEVICE (cuda; cpu tries the script out on a machine without one)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
out=${1:-${OUT:-out/gpu-terrain}}
mkdir -p "$out" || exit 2
# the defaults follow session 10 (NEURAL.md): the shipped run resumed, and
# the two batch-64 runs, the wider one at a lower rate (at 2e-4 it turned
# back after 12,500 steps)
RUNS=${RUNS:-resume16:16:16:2:2e-4:1000:.gpu-carry/nc2 w16b64:16:64:2:2e-4:500 w32b64:32:64:2:1e-4:500}
SECS=${SECS:-380}
END=${END:-560}
COUNT=${COUNT:-1000}
DEVICE=${DEVICE:-cuda}
CARRIED_BIN=${CARRIED_BIN:-.gpu-carry/bin}
BUILD=${BUILD:-build-gpu}
work=${WORK:-/tmp/gpu-terrain}
mkdir -p "$work"
t_start=$SECONDS
: >"$out/summary.txt"
say() { echo "== [$((SECONDS - t_start)) s] $*" | tee -a "$out/summary.txt"; }
nruns=$(wc -w <<<"$RUNS")
SCORERS=${SCORERS:-$(($(nproc) - nruns - 1))}
[ "$SCORERS" -ge 1 ] || SCORERS=1

if [ -f .devdeps/env.sh ]; then
	# shellcheck disable=SC1091
	. .devdeps/env.sh
fi
export PATH=/usr/local/cuda/bin:$PATH
nvidia-smi -L >>"$out/summary.txt" 2>&1

# 1. binaries
bin=$CARRIED_BIN
if ! "$bin/wfc" train --help >/dev/null 2>&1 || ! { "$bin/nngrids" 2>&1 || :; } | grep -q usage; then
	say "carried binaries do not run here: building ($BUILD)"
	mkdir -p "$BUILD" && touch "$BUILD/.deps-ok"
	if ! make -j"$(nproc)" BUILD="$BUILD" CUDA=1 "$BUILD/wfc" "$BUILD/nngrids" \
		"$BUILD/nn-cuda-tests" >"$work/build.log" 2>&1; then
		tail -n 30 "$work/build.log" | tee -a "$out/summary.txt"
		say "FAIL: build"
		exit 1
	fi
	bin=$BUILD
fi
say "binaries: $bin"

# 2. the backend against the CPU, in the background; into summary.txt as
# soon as it is done
(
	if [ ! -x "$bin/nn-cuda-tests" ]; then
		echo "== nn_cuda tests: not run (no $bin/nn-cuda-tests)" >>"$out/summary.txt"
		exit 0
	fi
	timeout 150 "$bin/nn-cuda-tests" --verbose -j1 >"$work/tests.log" 2>&1
	rc=$?
	grep -E '^\[(FAIL|SKIP)|Synthesis|Assertion|Timeout' "$work/tests.log" >"$work/tests.txt"
	{ echo "== nn_cuda tests: exit $rc"; cat "$work/tests.txt"; } >>"$out/summary.txt"
) &
tests_pid=$!

# 3. the data set
data=$work/terrain-islands-1024.safetensors
"$bin/wfc" dataset --library Terrain-Islands --library-dir library --size 64 --count 1024 \
	--format onehot --seed 1 -o "$data" -q 2>>"$out/summary.txt" || {
	say "FAIL: data set"
	exit 1
}
say "data set made"

# 4. the runs, side by side
pids=()
for run in $RUNS; do
	IFS=: read -r name width batch nc lr every resume <<<"$run"
	dir=$work/$name
	if [ -n "${resume:-}" ]; then
		mkdir -p "$dir" && cp "$resume"/state.safetensors "$dir/" || continue
		cp "$resume"/log.csv "$dir/" 2>/dev/null
		args=(--resume --lr "$lr")
	else
		args=(--arch dcgan --loss wasserstein-gp --width "$width" --batch "$batch"
			--n-critic "$nc" --lr "$lr" --seed 1)
	fi
	say "train $name: ${args[*]}, $SECS s, keeping every $every steps"
	timeout --preserve-status -s INT "$SECS" "$bin/wfc" train --data "$data" "${args[@]}" \
		--steps 100000000 --device "$DEVICE" --threads 1 --sample-every "$every" --keep -q \
		-o "$dir" >"$work/train-$name.log" 2>&1 &
	pids+=($!)
done

# 5. the scorer: one kept generator -> one line of scores.csv
score() { # step name generator
	local step=$1 name=$2 g=$3
	local tag=$work/score-$name-$step
	OPENBLAS_NUM_THREADS=1 "$bin/nngrids" "$g" --mode guided --anchors 1 --count "$COUNT" \
		--seed 100000 --device cpu -o "$tag.st" >"$tag.log" 2>&1 || return 0
	"$bin/wfc" eval --data "$data" --grids "$tag.st" --json "$tag.json" >/dev/null 2>&1 ||
		return 0
	rm -f "$tag.st"
	python3 - "$name" "$step" "$tag.json" "$tag.log" <<'EOF' >>"$work/scores.csv"
import json, re, sys
name, step, js, log = sys.argv[1:]
j = json.load(open(js))
m = re.search(r"([0-9.]+)% of cells anchored", open(log).read())
print(f"{name},{step},{j['kl2']:.6f},{j['kl3']:.6f},{j['valid_rate']:.4f},{m.group(1) if m else ''}")
EOF
}
export -f score
export bin data work COUNT
echo "run,step,kl2,kl3,valid,anchored" >"$work/scores.csv"
scored=$work/scored.txt
: >"$scored"
best_of() { # name: its best scored line; a generator that anchors under 80% of
	# the cells leaves most of the level to WFC, whose KL is plain WFC's,
	# so it must anchor as much as the shipped one to count
	awk -F, -v n="$1" '$1 == n && $6 >= 80' "$work/scores.csv" | sort -t, -k3,3g | head -n 1
}
publish() { # copies scores.csv and each run's best generator so far to $out
	cp "$work/scores.csv" "$out/scores.csv"
	for run in $RUNS; do
		local name=${run%%:*} best
		best=$(best_of "$name")
		[ -n "$best" ] || continue
		local step
		step=$(cut -d, -f2 <<<"$best")
		cmp -s "$work/$name/generators/step-$step.safetensors" "$out/$name.safetensors" ||
			cp "$work/$name/generators/step-$step.safetensors" "$out/$name.safetensors"
	done
}
score_new() { # scores the kept generators not yet scored, SCORERS at a time
	local list=$work/todo.txt
	: >"$list"
	for run in $RUNS; do
		local name=${run%%:*} g
		for g in "$work/$name"/generators/step-*.safetensors; do
			[ -f "$g" ] || continue
			grep -qxF "$g" "$scored" && continue
			local step=${g##*/step-}
			echo "${step%.safetensors} $name $g" >>"$list"
		done
	done
	# newest first: when time runs short, the late (usually better) ones count
	sort -k1,1nr "$list" | head -n "$SCORERS" >"$list.now"
	[ -s "$list.now" ] && [ $((SECONDS - t_start)) -lt "$END" ] || return 1
	# a file is complete once the step after it has begun: wait a moment
	sleep 2
	xargs -P "$SCORERS" -L 1 bash -c 'score "$0" "$1" "$2"' <"$list.now"
	cut -d' ' -f3 "$list.now" >>"$scored"
	publish
}
while kill -0 "${pids[@]}" 2>/dev/null; do
	score_new || sleep 5
done
for p in "${pids[@]}"; do wait "$p"; done
say "training over"
for run in $RUNS; do
	name=${run%%:*}
	tail -n 2 "$work/train-$name.log" >>"$out/summary.txt"
	echo "$name: last step,epoch,loss_d,loss_g,seconds: $(tail -n 1 "$work/$name/log.csv")" |
		tee -a "$out/summary.txt"
done
while score_new; do :; done
wait "$tests_pid"
publish
# the runs' last states, to --resume in a later session: a run's best is
# often near its end (NEURAL.md), and a lent machine keeps nothing. Only 8
# files of at most 16 MiB come back: the states fill what the summary,
# the scores and the generators leave, in the order of RUNS.
files=$(find "$out" -maxdepth 1 -type f | wc -l)
for run in $RUNS; do
	name=${run%%:*}
	st=$work/$name/state.safetensors
	[ -f "$st" ] && [ "$files" -lt 8 ] || continue
	[ "$(stat -c %s "$st")" -le $((16 << 20)) ] || continue
	cp "$st" "$out/$name.state.safetensors" && files=$((files + 1)) &&
		say "$name.state.safetensors: its state at step $(tail -n 1 "$work/$name/log.csv" | cut -d, -f1)"
done
say "best of each run (run,step,kl2,kl3,valid,anchored):"
for run in $RUNS; do
	echo "${run%%:*}: $(best_of "${run%%:*}")" | tee -a "$out/summary.txt"
done
say "done"
