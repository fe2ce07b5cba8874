/* blas.c - dense algebra on the CPU through OpenBLAS (cblas, row-major). */
#include "backend.h"

#include <cblas.h>
#include <limits.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_gemm(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha, const float *A,
             const float *B, float beta, float *C)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_gemm(be, ta, tb, M, N, K, alpha, A, B, beta, C);
		return;
	}
#endif
	(void)be;
	if (M <= 0 || N <= 0) return;
	/* A is (M,K) or, transposed, stored (K,M); B is (K,N) or stored (N,K). */
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	            M, N, K > 0 ? K : 0, alpha, A, ta ? M : (K > 0 ? K : 1), B,
	            tb ? (K > 0 ? K : 1) : N, beta, C, N);
}

/* cblas counts in int; longer vectors go in INT_MAX-sized pieces. */
void nn_axpy(nn_backend *be, size_t n, float a, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_axpy(be, n, a, x, y);
		return;
	}
#endif
	(void)be;
	while (n) {
		int m = n > INT_MAX ? INT_MAX : (int)n;
		cblas_saxpy(m, a, x, 1, y, 1);
		x += m, y += m, n -= (size_t)m;
	}
}

void nn_scale(nn_backend *be, size_t n, float a, float *x)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_scale(be, n, a, x);
		return;
	}
#endif
	(void)be;
	while (n) {
		int m = n > INT_MAX ? INT_MAX : (int)n;
		cblas_sscal(m, a, x, 1);
		x += m, n -= (size_t)m;
	}
}
