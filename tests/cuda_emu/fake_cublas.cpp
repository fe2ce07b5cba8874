/* fake_cublas.cpp - a libcublas.so.13 stand-in for the emulated backend:
 * column-major sgemm with cuBLAS's calling convention and argument checks,
 * so the row-major operand swap in nn/cuda/cublas.cu is really exercised. */
#include "cublas_v2.h"

static int at_least_1(int a)
{
	return a > 1 ? a : 1;
}

extern "C" {
cublasStatus_t cublasCreate_v2(cublasHandle_t *h)
{
	*h = (cublasHandle_t)1;
	return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy_v2(cublasHandle_t)
{
	return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream_v2(cublasHandle_t, cudaStream_t)
{
	return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t)
{
	return CUBLAS_STATUS_SUCCESS;
}
/* C (m,n) = alpha op(A) op(B) + beta C, column-major: X(i,j) = X[i + j*ld] */
cublasStatus_t cublasSgemm_v2(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb, int m,
                              int n, int k, const float *alpha, const float *A, int lda,
                              const float *B, int ldb, const float *beta, float *C, int ldc)
{
	if (m < 0 || n < 0 || k < 0 || lda < at_least_1(ta == CUBLAS_OP_N ? m : k) ||
	    ldb < at_least_1(tb == CUBLAS_OP_N ? k : n) || ldc < at_least_1(m))
		return CUBLAS_STATUS_INVALID_VALUE;
	for (int j = 0; j < n; j++)
		for (int i = 0; i < m; i++) {
			double s = 0.0;
			for (int l = 0; l < k; l++) {
				float a = ta == CUBLAS_OP_N ? A[i + (size_t)l * lda]
				                            : A[l + (size_t)i * lda];
				float b = tb == CUBLAS_OP_N ? B[l + (size_t)j * ldb]
				                            : B[j + (size_t)l * ldb];
				s += (double)a * b;
			}
			float *c = &C[i + (size_t)j * ldc];
			*c = (float)(*alpha * s + (*beta == 0.0f ? 0.0 : (double)*beta * *c));
		}
	return CUBLAS_STATUS_SUCCESS;
}
}
