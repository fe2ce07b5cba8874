#!/usr/bin/env bash
# cuda-emu-check.sh - the nn_cuda suite against nn/cuda/'s kernels run on
# the CPU: no GPU and no nvcc needed (`make test-cuda-emu`).
#
# The .cu files are compiled as plain C++ against the emulated runtime in
# tests/cuda_emu/ (each launch k<<<grid, threads>>>(args) is rewritten to
# nn_emu_launch(grid, k, args): blocks run in turn, one thread each), and
# cuBLAS is a column-major reference sgemm dlopen'ed as libcublas.so.13.
# So the kernels' index arithmetic, the row-major/column-major operand swap,
# the chunking, the host-side logic and the dispatch from nn/*.c are all
# compared with the CPU backend; with --asan, every kernel's reads and
# writes are bounds-checked too. What it cannot see (races, shared memory,
# warp shuffles, launch limits, real cuBLAS) is scripts/gpu-check.sh's job.
#
# usage: scripts/cuda-emu-check.sh [--asan] [criterion options...]
#   env: BUILD (build-cuda-emu, or build-cuda-emu-asan with --asan)
set -euo pipefail
cd "$(dirname "$0")/.."

san=""
build=${BUILD:-build-cuda-emu}
if [ "${1:-}" = --asan ]; then
	shift
	san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
	build=${BUILD:-build-cuda-emu-asan}
fi

# 1. nn/ in C with its CUDA dispatch compiled in, but no nvcc objects
make --no-print-directory BUILD="$build" CUDA=0 NN_CUDA_CFLAGS=-DNN_HAVE_CUDA OPT=-O1 \
	SAN="$san" "$build/libwfcnn.a" "$build/libwfcapi.a" "$build/libwfc.a" \
	"$build/obj/tests/test_nn_cuda.o"

# 2. the kernels as C++ (the rewritten files live in the build dir; their
#    includes resolve through -Inn/cuda)
emu=$build/cuda-emu
rm -rf "$emu"
mkdir -p "$emu"
objs=()
for f in nn/cuda/*.cu tests/cuda_emu/emu_globals.cpp; do
	name=$(basename "${f%.*}")
	src=$f
	if [ "${f##*.}" = cu ]; then
		src=$emu/$name.cpp
		perl -0pe 's/(\w+)<<<([^,]+),.*?>>>\(\s*/nn_emu_launch($2, $1, /gs' "$f" >"$src"
		if grep -q '<<<' "$src"; then
			echo "cuda-emu-check: a launch in $f was not rewritten" >&2
			exit 1
		fi
	fi
	# shellcheck disable=SC2086
	g++ -std=c++17 -O1 -g $san -Wall -Wextra -Werror -Wno-unused-parameter \
		-Wno-unused-function -Itests/cuda_emu -Inn/cuda -c "$src" -o "$emu/$name.o"
	objs+=("$emu/$name.o")
done
g++ -std=c++17 -O2 -shared -fPIC -Itests/cuda_emu tests/cuda_emu/fake_cublas.cpp \
	-o "$emu/libcublas.so.13"

# 3. link and run (the emulated objects define the nn_cuda_* twins)
# shellcheck disable=SC2086,SC2046
cc $san -o "$build/nn-cuda-emu-tests" "$build/obj/tests/test_nn_cuda.o" "${objs[@]}" \
	"$build/libwfcnn.a" "$build/libwfcapi.a" "$build/libwfc.a" \
	$(pkg-config --libs libpng expat libcjson openblas) -lcriterion -lstdc++ -ldl -lm -lpthread
LD_LIBRARY_PATH="$emu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	"$build/nn-cuda-emu-tests" -j1 "$@"
