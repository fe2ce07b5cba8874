#!/usr/bin/env bash
# gpu-check.sh - the CUDA backend's checks, on a machine with an NVIDIA GPU.
#
# 1. builds with CUDA ($BUILD/nn-cuda-tests and $BUILD/nn-bench);
# 2. runs the nn_cuda suite: every op on the GPU against the CPU backend
#    (a skipped test is a failure here: the GPU must answer);
# 3. the same suite under compute-sanitizer memcheck, when it is installed;
# 4. times nn/'s DCGAN training step and sampling on the GPU (nn-bench);
# 5. times the same model in PyTorch on the same GPU, fp32 and TF32
#    (scripts/nn_torch_bench.py), and writes the ratios.
# Logs go to OUTDIR (default $OUT when set, else out/gpu-check):
#   summary.txt env.txt build.log tests.log memcheck.log bench-nn.txt
#   bench-torch.txt bench-torch-tf32.txt
#
# This project's lent GPU machines lack its Debian libraries: fetch them
# here once with
#   bash ../shared/device/fetch-debs.sh libhiredis-dev libhiredis0.14
# carry .devdeps, and this script sources .devdeps/env.sh by itself.
#
# usage: scripts/gpu-check.sh [OUTDIR]
#   env: BUILD (build-gpu), JOBS (nproc), STEPS (20), BATCH (64), WIDTH (64),
#        MEMCHECK (1; 0 skips step 3)
# Exit status: 0 when the build and the tests pass; the benchmarks only
# report.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
out=${1:-${OUT:-out/gpu-check}}
mkdir -p "$out" || exit 2
BUILD=${BUILD:-build-gpu}
JOBS=${JOBS:-$(nproc)}
STEPS=${STEPS:-20}
BATCH=${BATCH:-64}
WIDTH=${WIDTH:-64}
MEMCHECK=${MEMCHECK:-1}
status=0

say() { echo "== $*" | tee -a "$out/summary.txt"; }
fail() {
	say "FAIL: $*"
	status=1
}
: >"$out/summary.txt"

if [ -f .devdeps/env.sh ]; then
	# shellcheck disable=SC1091
	. .devdeps/env.sh
fi
export PATH=/usr/local/cuda/bin:$PATH

{
	date -u
	uname -a
	nvidia-smi 2>&1
	command -v nvcc && nvcc --version
	python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())' 2>&1
	pkg-config --modversion libpng expat libcjson libmicrohttpd openblas hiredis criterion 2>&1
} >"$out/env.txt" 2>&1

if ! command -v nvcc >/dev/null; then
	fail "nvcc not found (PATH, /usr/local/cuda/bin): cannot build the CUDA backend"
	exit 1
fi

# Every library the Makefile links through pkg-config must be there (from
# .devdeps on a lent machine), or nothing links. Asked with --libs, as the
# Makefile asks: --exists (and --cflags) also want the Requires.private
# packages (gnutls for libmicrohttpd, libgit2 for criterion), which that
# machine lacks and the build does not need; headers come from CPATH.
pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)
for p in $pkgs criterion; do
	pkg-config --libs "$p" >/dev/null 2>&1 ||
		fail "pkg-config does not find $p (fetch its -dev package into .devdeps)"
done
[ "$status" -eq 0 ] || exit 1
# The Makefile runs scripts/deps.sh (apt-get) unless this stamp is newer;
# here the libraries come from .devdeps and there is no package registry.
mkdir -p "$BUILD" && touch "$BUILD/.deps-ok"

# 1. build
say "build ($BUILD, $JOBS jobs)"
if ! make -j"$JOBS" BUILD="$BUILD" CUDA=1 "$BUILD/nn-cuda-tests" "$BUILD/nn-bench" \
	>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	fail "build (see build.log)"
	exit 1
fi
if ! grep -q -- '-DNN_HAVE_CUDA' "$out/build.log" && [ ! -f "$BUILD/obj/nn/cuda/memory.o" ]; then
	fail "the build has no CUDA objects"
	exit 1
fi
say "$(ldd "$BUILD/nn-cuda-tests" | grep -ciE 'cuda|cublas') CUDA libraries linked dynamically (0 expected: cudart is static, cuBLAS dlopen'ed)"

# 2. the op-by-op comparison
say "nn_cuda tests"
"$BUILD/nn-cuda-tests" --verbose -j1 >"$out/tests.log" 2>&1
rc=$?
grep -E '^\[(PASS|FAIL|SKIP)|Synthesis' "$out/tests.log" | tee -a "$out/summary.txt"
[ "$rc" -eq 0 ] || fail "nn_cuda tests (exit $rc, see tests.log)"
if grep -q '^\[SKIP' "$out/tests.log"; then
	fail "tests skipped: the GPU did not answer"
fi

# 3. out-of-bounds and uninitialised reads in the kernels
if [ "$MEMCHECK" != 0 ] && command -v compute-sanitizer >/dev/null; then
	say "compute-sanitizer memcheck"
	timeout 300 compute-sanitizer --tool memcheck --error-exitcode 9 --target-processes all \
		"$BUILD/nn-cuda-tests" -j1 >"$out/memcheck.log" 2>&1
	rc=$?
	tail -n 3 "$out/memcheck.log" | tee -a "$out/summary.txt"
	[ "$rc" -eq 0 ] || fail "memcheck (exit $rc, see memcheck.log)"
fi

# 4, 5. benchmarks: same model, same batch, same GPU
say "nn-bench (batch $BATCH, width $WIDTH, $STEPS steps)"
"$BUILD/nn-bench" --device cuda --batch "$BATCH" --width "$WIDTH" --steps "$STEPS" \
	>"$out/bench-nn.txt" 2>&1 || say "nn-bench failed (see bench-nn.txt)"
say "PyTorch baseline"
python3 scripts/nn_torch_bench.py --batch "$BATCH" --width "$WIDTH" --steps "$STEPS" \
	>"$out/bench-torch.txt" 2>&1 || say "torch bench failed (see bench-torch.txt)"
python3 scripts/nn_torch_bench.py --batch "$BATCH" --width "$WIDTH" --steps "$STEPS" --tf32 \
	>"$out/bench-torch-tf32.txt" 2>&1 || say "torch tf32 bench failed"

value() { awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null; }
for key in train_step sample_batch sample_one; do
	ours=$(value "$out/bench-nn.txt" "${key}_ms_median")
	torch=$(value "$out/bench-torch.txt" "${key}_ms_median")
	tf32=$(value "$out/bench-torch-tf32.txt" "${key}_ms_median")
	if [ -n "$ours" ] && [ -n "$torch" ]; then
		say "$(awk -v k="$key" -v a="$ours" -v b="$torch" -v c="${tf32:-nan}" 'BEGIN {
			printf "%-13s nn %8.3f ms   torch fp32 %8.3f ms (nn/torch %.2fx)   torch tf32 %s ms",
			       k, a, b, a / b, c }')"
	else
		say "$key: no figure (nn '${ours}', torch '${torch}')"
	fi
done
say "nn device: $(sed -n 's/^device //p' "$out/bench-nn.txt")"
if [ "$status" -eq 0 ]; then say "OK"; else say "FAILED"; fi
exit "$status"
