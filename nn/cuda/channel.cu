/* channel.cu - per-channel helpers over (N,C,S) tensors: bias gradients
 * (sums over batch and space) and bias addition. */
#include "state.cuh"

/* One block per channel c; out[c] (+)= sum_{n,s} x[n,c,s]. */
static __global__ void channel_sum_kernel(int n, int c, int s, const float *x, float *out,
                                          int accumulate)
{
	int ch = blockIdx.x;
	size_t count = (size_t)n * s;
	double acc = 0.0;
	for (size_t i = threadIdx.x; i < count; i += blockDim.x) {
		size_t b = i / (size_t)s, j = i % (size_t)s;
		acc += x[(b * c + ch) * (size_t)s + j];
	}
	acc = nn_cuda_block_sum(acc);
	if (threadIdx.x == 0) out[ch] = (float)(accumulate ? out[ch] + acc : acc);
}

void nn_cuda_channel_sum(nn_backend *be, int n, int c, int s, const float *x, float *out,
                         int accumulate)
{
	if (c <= 0) return;
	if (n <= 0 || s <= 0) {
		if (!accumulate) nn_cuda_fill(be, out, 0.0f, (size_t)c);
		return;
	}
	channel_sum_kernel<<<c, NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(n, c, s, x, out,
	                                                                  accumulate);
	nn_cuda_check_launch(be, "channel_sum");
}

static __global__ void add_bias_kernel(size_t total, int c, int s, const float *b, float *y)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x)
		y[i] += b[(i / (size_t)s) % (size_t)c];
}

void nn_cuda_add_channel_bias(nn_backend *be, int n, int c, int s, const float *b, float *y)
{
	if (!b || n <= 0 || c <= 0 || s <= 0) return;
	size_t total = (size_t)n * c * s;
	add_bias_kernel<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(total, c,
	                                                                                 s, b, y);
	nn_cuda_check_launch(be, "add_bias");
}
