/* cublas_v2.h (emulated) - the types nn/cuda/cublas.cu names; the
 * functions come from fake_cublas.cpp through dlopen, as the real ones do. */
#pragma once
#include "cuda_runtime.h"

#define CUBLAS_VER_MAJOR 13
typedef struct emu_cublas *cublasHandle_t;
typedef enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_INVALID_VALUE = 7 } cublasStatus_t;
typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 } cublasOperation_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0 } cublasMath_t;
