/* loss.cu - losses reduced on the device; one float comes back to the host.
 *
 * Two stages: NN_CUDA_REDUCE_BLOCKS blocks write partial sums (double) to
 * the state's partials, one block adds them up, and the total is copied
 * back (that copy waits for the stream: a loss value is a sync point).
 */
#include <stdio.h>

#include "state.cuh"

#define GRID_LOOP(i, n)                                                                            \
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n);                    \
	     i += (size_t)gridDim.x * blockDim.x)

static __global__ void bce_kernel(size_t n, const float *x, float t, float *dx, float inv_n,
                                  double *partials)
{
	double acc = 0.0;
	GRID_LOOP(i, n)
	{
		float v = x[i], e = expf(-fabsf(v));
		/* max(x,0) - x t + log(1 + exp(-|x|)) never overflows */
		acc += (double)(fmaxf(v, 0.0f) - v * t + log1pf(e));
		if (dx) dx[i] = ((v >= 0.0f ? 1.0f : e) / (1.0f + e) - t) * inv_n;
	}
	acc = nn_cuda_block_sum(acc);
	if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

static __global__ void sum_kernel(size_t n, const float *x, double *partials)
{
	double acc = 0.0;
	GRID_LOOP(i, n)
	acc += x[i];
	acc = nn_cuda_block_sum(acc);
	if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

/* partials[nparts] = sum of partials[0..nparts) */
static __global__ void total_kernel(int nparts, double *partials)
{
	double acc = 0.0;
	for (int i = threadIdx.x; i < nparts; i += blockDim.x)
		acc += partials[i];
	acc = nn_cuda_block_sum(acc);
	if (threadIdx.x == 0) partials[nparts] = acc;
}

static unsigned reduce_blocks(size_t n)
{
	unsigned b = nn_cuda_grid(n);
	return b > NN_CUDA_REDUCE_BLOCKS ? NN_CUDA_REDUCE_BLOCKS : b;
}

/* Adds up the first nparts partials and returns the total (0 on error). */
static double finish(nn_backend *be, unsigned nparts)
{
	nn_cuda_state *st = nn_cuda_st(be);
	total_kernel<<<1, NN_CUDA_THREADS, 0, st->stream>>>((int)nparts, st->partials);
	if (nn_cuda_check_launch(be, "loss total")) return 0.0;
	double total = 0.0;
	if (nn_cuda_check(be,
	                  cudaMemcpyAsync(&total, st->partials + nparts, sizeof total,
	                                  cudaMemcpyDeviceToHost, st->stream),
	                  "cudaMemcpy (loss)"))
		return 0.0;
	if (nn_cuda_check(be, cudaStreamSynchronize(st->stream), "cudaStreamSynchronize (loss)"))
		return 0.0;
	return total;
}

extern "C" float nn_cuda_bce_logits(nn_backend *be, size_t n, const float *logits, float target,
                                    float *dlogits)
{
	if (!n) return 0.0f;
	unsigned blocks = reduce_blocks(n);
	bce_kernel<<<blocks, NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(
	    n, logits, target, dlogits, 1.0f / (float)n, nn_cuda_st(be)->partials);
	if (nn_cuda_check_launch(be, "bce_logits")) return 0.0f;
	return (float)(finish(be, blocks) / (double)n);
}

extern "C" float nn_cuda_mean_loss(nn_backend *be, size_t n, const float *x, float sign, float *dx)
{
	if (!n) return 0.0f;
	unsigned blocks = reduce_blocks(n);
	sum_kernel<<<blocks, NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(n, x,
	                                                               nn_cuda_st(be)->partials);
	if (nn_cuda_check_launch(be, "mean_loss")) return 0.0f;
	/* queued after the sum, so dx may be x itself */
	if (dx) nn_cuda_fill(be, dx, sign / (float)n, n);
	return (float)((double)sign * finish(be, blocks) / (double)n);
}
