/* state.cuh - what the .cu files of nn/cuda/ share: the per-backend CUDA state, error
 * recording, launch geometry and the cuBLAS entry points (private to
 * nn/cuda/).
 *
 * be->cuda points to an nn_cuda_state, allocated by nn_cuda_backend_init
 * (memory.cu) and freed by nn_cuda_backend_release. cuBLAS is reached
 * through function pointers filled from dlopen (cublas.cu), so nothing in
 * the binary needs libcublas at load time.
 */
#ifndef NN_CUDA_STATE_CUH
#define NN_CUDA_STATE_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stddef.h>

#include "nn_cuda.h"

/* Threads per block for the elementwise and per-channel kernels. */
#define NN_CUDA_THREADS 256
/* Grid cap for grid-stride loops: enough blocks to fill an H100 many
 * times over, small enough to stay within gridDim.x for any n. */
#define NN_CUDA_MAX_BLOCKS 8192
/* Blocks (and partial sums) of the two-stage loss reductions. */
#define NN_CUDA_REDUCE_BLOCKS 512

typedef struct {
	void *lib; /* dlopen handle */
	cublasStatus_t (*create)(cublasHandle_t *);
	cublasStatus_t (*destroy)(cublasHandle_t);
	cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
	cublasStatus_t (*set_math_mode)(cublasHandle_t, cublasMath_t);
	cublasStatus_t (*sgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
	                        const float *, const float *, int, const float *, int,
	                        const float *, float *, int);
} nn_cuda_blas_api;

typedef struct {
	int device;
	cudaStream_t stream;
	nn_cuda_blas_api api;
	cublasHandle_t blas;
	/* Scratch for im2col columns and permuted gradients, grown on demand
	 * and kept for the backend's life. */
	float *work;
	size_t work_cap;
	size_t conv_work; /* cap per conv call, floats (0: NN_CUDA_CONV_WORK) */
	/* Cell indices of nn_cuda_upload_onehot, grown on demand. */
	int32_t *idx;
	size_t idx_cap;
	/* NN_CUDA_REDUCE_BLOCKS partial sums + 1 total, for losses. */
	double *partials;
	char error[256];
} nn_cuda_state;

static inline nn_cuda_state *nn_cuda_st(nn_backend *be)
{
	return (nn_cuda_state *)be->cuda;
}

static inline cudaStream_t nn_cuda_stream(nn_backend *be)
{
	return nn_cuda_st(be)->stream;
}

static inline unsigned nn_cuda_grid(size_t n)
{
	size_t b = (n + NN_CUDA_THREADS - 1) / NN_CUDA_THREADS;
	if (b < 1) b = 1;
	return (unsigned)(b > NN_CUDA_MAX_BLOCKS ? NN_CUDA_MAX_BLOCKS : b);
}

/* Records the first failure (what: the call) in the state; 0 when e is
 * cudaSuccess, -1 otherwise. */
int nn_cuda_check(nn_backend *be, cudaError_t e, const char *what);
/* Checks the launch just made (cudaGetLastError). */
int nn_cuda_check_launch(nn_backend *be, const char *what);
/* Records a message that is not a cudaError_t (cuBLAS, bad arguments). */
void nn_cuda_fail(nn_backend *be, const char *fmt, ...);
/* Device scratch of at least n floats; NULL (recorded) when out of
 * memory. Valid until the next call that asks for scratch. */
float *nn_cuda_workspace(nn_backend *be, size_t n);

/* cublas.cu: loads cuBLAS; 0 or -1 with a message. */
int nn_cuda_blas_load(nn_cuda_blas_api *api, char *err, size_t errlen);
void nn_cuda_blas_unload(nn_cuda_blas_api *api);
/* Row-major C(M,N) = alpha op(A) op(B) + beta C with explicit leading
 * dimensions (the row lengths as stored). */
void nn_cuda_sgemm_ld(nn_backend *be, int ta, int tb, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb, float beta, float *C,
                      int ldc);

/* channel.cu: out[c] (+)= sum over n, s of x (N,C,S) in channel c;
 * accumulate: 1 adds to out, 0 overwrites it. */
void nn_cuda_channel_sum(nn_backend *be, int n, int c, int s, const float *x, float *out,
                         int accumulate);
/* y (N,C,S) += b[c] */
void nn_cuda_add_channel_bias(nn_backend *be, int n, int c, int s, const float *b, float *y);

#ifdef __CUDACC__
static __device__ __forceinline__ double nn_cuda_warp_sum(double v)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_down_sync(0xffffffffu, v, o);
	return v;
}

/* Sum of v over the block, returned to every thread. blockDim.x must be a
 * multiple of 32; all threads must call it (it synchronises). Sums run in
 * double so that long reductions stay close to the CPU's. */
static __device__ double nn_cuda_block_sum(double v)
{
	__shared__ double part[32];
	__shared__ double total;
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	v = nn_cuda_warp_sum(v);
	__syncthreads(); /* a previous call may still be reading part/total */
	if (lane == 0) part[warp] = v;
	__syncthreads();
	if (warp == 0) {
		double t = lane < (int)((blockDim.x + 31) >> 5) ? part[lane] : 0.0;
		t = nn_cuda_warp_sum(t);
		if (lane == 0) total = t;
	}
	__syncthreads();
	return total;
}
#endif

#endif
