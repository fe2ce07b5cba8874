# nn/cuda/cuda.mk - the CUDA backend's build, included by the top Makefile.
#
# Sets NN_CUDA_CFLAGS (-DNN_HAVE_CUDA), NN_CUDA_OBJS (nn/cuda/*.cu built by
# nvcc into $(BUILD)/obj/nn/cuda/) and NN_CUDA_LIBS (link flags) when nvcc
# is found and CUDA is not 0; all three stay empty otherwise, and the build
# is CPU-only. nvcc is looked for on PATH, then in $(CUDA_HOME)/bin.
#
# Linking: the CUDA runtime is linked statically (libcudart_static), which
# loads the driver (libcuda.so.1) itself when first used, and cuBLAS is
# dlopen'ed at backend creation (nn/cuda/cublas.cu; this toolkit has no
# static cuBLAS). So a binary built here needs no CUDA library to start,
# and without a GPU or a driver it runs on the CPU.
#
#   make CUDA=0              build without CUDA even when nvcc is there
#   make NVCC=/path/to/nvcc  use that compiler
#   make NN_CUDA_ARCH='-gencode arch=compute_90a,code=sm_90a'   other targets

CUDA      ?= 1
CUDA_HOME ?= /usr/local/cuda
NN_CUDA_CFLAGS :=
NN_CUDA_OBJS   :=
NN_CUDA_LIBS   :=

ifneq ($(CUDA),0)
ifeq ($(origin NVCC),undefined)
NVCC := $(shell command -v nvcc 2>/dev/null)
ifeq ($(NVCC),)
NVCC := $(wildcard $(CUDA_HOME)/bin/nvcc)
endif
endif

ifeq ($(NVCC),)
# Said once per top-level make: sub-makes (test-asan) inherit the flag.
ifndef NN_CUDA_SKIP_SAID
$(info nvcc not found, skipping CUDA)
export NN_CUDA_SKIP_SAID := 1
endif
else
# nvcc may be a wrapper script on PATH (/usr/local/bin/nvcc): ask nvcc
# where it really lives, and look for the static runtime there.
NN_CUDA_HOME := $(abspath $(shell $(NVCC) --dryrun -c -x cu /dev/null -o /dev/null 2>&1 \
	| sed -n 's/^#\$$ _HERE_=//p' | head -n 1)/..)
NN_CUDART_DIR := $(firstword $(dir $(wildcard $(foreach d,lib64 lib targets/x86_64-linux/lib \
	targets/sbsa-linux/lib,$(NN_CUDA_HOME)/$(d)/libcudart_static.a))))
endif

ifneq ($(NVCC),)
ifeq ($(NN_CUDART_DIR),)
ifndef NN_CUDA_SKIP_SAID
$(info nvcc found ($(NVCC)) but not libcudart_static.a beside it, skipping CUDA)
export NN_CUDA_SKIP_SAID := 1
endif
NVCC :=
endif
endif

ifneq ($(NVCC),)
# Ampere and Hopper machine code, plus sm_90 PTX that newer GPUs can JIT.
NN_CUDA_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
	-gencode arch=compute_90,code=compute_90
NVCC_FLAGS ?= -O3
# Warnings shown but not fatal: the host compiler beside nvcc differs from
# machine to machine, and a new warning in CUDA's own headers must not stop
# a GPU run.
NN_NVCC_FLAGS = -std=c++17 $(NN_CUDA_ARCH) $(NVCC_FLAGS) \
	-Xcompiler -Wall,-Wextra,-Wno-unused-parameter
NN_CUDA_CFLAGS := -DNN_HAVE_CUDA
NN_CUDA_OBJS   := $(patsubst %.cu,$(BUILD)/obj/%.o,$(wildcard nn/cuda/*.cu))
NN_CUDA_LIBS   := -L$(NN_CUDART_DIR) -lcudart_static -lstdc++ -ldl -lrt -lpthread

$(BUILD)/obj/nn/cuda/%.o: nn/cuda/%.cu
	@mkdir -p $(@D)
	$(NVCC) $(NN_NVCC_FLAGS) -MMD -MP -MF $(@:.o=.d) -c $< -o $@
endif
endif

# Two programs for GPU checks (scripts/gpu-check.sh); they build without
# CUDA too. nn-bench times nn/'s GAN step and sampling on a device;
# nn-cuda-tests is the nn_cuda suite alone (CUDA vs CPU, op by op), quicker
# to build than $(BUILD)/tests.
# This file is read before the Makefile's first target: keep `all` the
# default goal.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif
NN_CUDA_LINK = $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
$(BUILD)/nn-bench: $(BUILD)/obj/bench/nn/nn_bench.o $(NN_CUDA_LINK)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NN_CUDA_LIBS) $(LDLIBS)
$(BUILD)/nn-cuda-tests: $(BUILD)/obj/tests/test_nn_cuda.o $(NN_CUDA_LINK)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion $(NN_CUDA_LIBS) $(LDLIBS)

# The nn_cuda suite against the kernels emulated on the CPU (no GPU, no
# nvcc): plain and under ASan+UBSan. See scripts/cuda-emu-check.sh.
.PHONY: test-cuda-emu
test-cuda-emu:
	bash scripts/cuda-emu-check.sh
	bash scripts/cuda-emu-check.sh --asan
