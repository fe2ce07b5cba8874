/* cublas.cu - cuBLAS loaded at run time, and the dense algebra ops.
 *
 * cuBLAS ships only as a shared library here, and linking it would make
 * every binary built with CUDA need libcublas.so to start, even on a CPU
 * machine. So nn_cuda_backend_init dlopen's it and the few entry points we
 * use are called through pointers.
 *
 * Row-major on a column-major library: a row-major (R,C) matrix is its
 * transpose in column-major, so C = op(A) op(B) is computed as
 * C^T = op(B)^T op(A)^T, i.e. the operands swap and M, N swap.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "state.cuh"

#define NN_STR2(x) #x
#define NN_STR(x) NN_STR2(x)
#define NN_CUBLAS_SONAME "libcublas.so." NN_STR(CUBLAS_VER_MAJOR)

int nn_cuda_blas_load(nn_cuda_blas_api *api, char *err, size_t errlen)
{
	/* The loader's path first (ldconfig, LD_LIBRARY_PATH), then the
	 * toolkit's usual home. The major version is the one we compiled
	 * against: its ABI is the one the pointers below assume. */
	static const char *const names[] = {NN_CUBLAS_SONAME,
	                                    "/usr/local/cuda/lib64/" NN_CUBLAS_SONAME,
	                                    "/usr/local/cuda/lib/" NN_CUBLAS_SONAME};
	const char *why = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !api->lib; i++) {
		api->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (!api->lib && i == 0) why = dlerror();
	}
	if (!api->lib) {
		if (err && errlen)
			snprintf(err, errlen, "cuBLAS not found (%s): %s", NN_CUBLAS_SONAME, why);
		return -1;
	}
	struct {
		void **slot;
		const char *name;
	} syms[] = {{(void **)&api->create, "cublasCreate_v2"},
	            {(void **)&api->destroy, "cublasDestroy_v2"},
	            {(void **)&api->set_stream, "cublasSetStream_v2"},
	            {(void **)&api->set_math_mode, "cublasSetMathMode"},
	            {(void **)&api->sgemm, "cublasSgemm_v2"}};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		*syms[i].slot = dlsym(api->lib, syms[i].name);
		if (!*syms[i].slot) {
			if (err && errlen)
				snprintf(err, errlen, "%s lacks %s", NN_CUBLAS_SONAME,
				         syms[i].name);
			nn_cuda_blas_unload(api);
			return -1;
		}
	}
	return 0;
}

void nn_cuda_blas_unload(nn_cuda_blas_api *api)
{
	if (api->lib) dlclose(api->lib);
	*api = nn_cuda_blas_api{};
}

static __global__ void scale_kernel(float *x, float a, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		x[i] = a == 0.0f ? 0.0f : a * x[i]; /* beta = 0 clears NaNs, as BLAS does */
}

static __global__ void axpy_kernel(float *y, float a, const float *x, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		y[i] += a * x[i];
}

void nn_cuda_sgemm_ld(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb, float beta, float *C,
                      int ldc)
{
	if (M <= 0 || N <= 0) return;
	if (K <= 0) {
		/* No product: C = beta C (only the dense case arises here). */
		if (ldc == N) nn_cuda_scale(be, (size_t)M * N, beta, C);
		return;
	}
	nn_cuda_state *st = nn_cuda_st(be);
	cublasStatus_t s =
	    st->api.sgemm(st->blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
	                  N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc);
	if (s != CUBLAS_STATUS_SUCCESS)
		nn_cuda_fail(be, "cublasSgemm (%d x %d x %d) failed with status %d", M, N, K,
		             (int)s);
}

extern "C" void nn_cuda_gemm(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha,
                             const float *A, const float *B, float beta, float *C)
{
	/* A is (M,K) or, transposed, stored (K,M); B is (K,N) or stored (N,K). */
	nn_cuda_sgemm_ld(be, ta, tb, M, N, K, alpha, A, ta ? M : K, B, tb ? K : N, beta, C, N);
}

extern "C" void nn_cuda_axpy(nn_backend *be, size_t n, float a, const float *x, float *y)
{
	if (!n) return;
	axpy_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(y, a, x, n);
	nn_cuda_check_launch(be, "axpy");
}

extern "C" void nn_cuda_scale(nn_backend *be, size_t n, float a, float *x)
{
	if (!n) return;
	scale_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(x, a, n);
	nn_cuda_check_launch(be, "scale");
}
