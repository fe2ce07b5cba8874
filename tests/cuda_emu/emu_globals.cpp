/* emu_globals.cpp - the emulated launch's built-in variables. */
#include "cuda_runtime.h"

emu_uint3 blockIdx, threadIdx, blockDim, gridDim;
