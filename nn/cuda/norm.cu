/* norm.cu - batch normalisation over (N,C,S), one block per channel.
 *
 * Training statistics are two-pass (mean, then the mean squared deviation)
 * in double, which keeps the variance accurate for large N*S where the
 * one-pass sum of squares would cancel.
 */
#include "state.cuh"

#define BN_THREADS 512

/* x[n, ch, s] for the i-th of the channel's N*S elements. */
static __device__ __forceinline__ size_t bn_index(size_t i, int c, int s, int ch)
{
	return ((i / (size_t)s) * c + ch) * (size_t)s + i % (size_t)s;
}

static __global__ void bn_train_kernel(nn_bn p, const float *x, const float *gamma,
                                       const float *beta, float *running_mean, float *running_var,
                                       float *save_mean, float *save_invstd, float *y)
{
	int ch = blockIdx.x;
	size_t count = (size_t)p.n * p.s;
	double acc = 0.0;
	for (size_t i = threadIdx.x; i < count; i += blockDim.x)
		acc += x[bn_index(i, p.c, p.s, ch)];
	double mean = nn_cuda_block_sum(acc) / (double)count;
	acc = 0.0;
	for (size_t i = threadIdx.x; i < count; i += blockDim.x) {
		double d = x[bn_index(i, p.c, p.s, ch)] - mean;
		acc += d * d;
	}
	double var = nn_cuda_block_sum(acc) / (double)count; /* biased */
	double invstd = 1.0 / sqrt(var + (double)p.eps);
	if (threadIdx.x == 0) {
		if (save_mean) save_mean[ch] = (float)mean;
		if (save_invstd) save_invstd[ch] = (float)invstd;
		double m = p.momentum;
		double unbiased = count > 1 ? var * (double)count / (double)(count - 1) : var;
		if (running_mean)
			running_mean[ch] = (float)((1.0 - m) * running_mean[ch] + m * mean);
		if (running_var)
			running_var[ch] = (float)((1.0 - m) * running_var[ch] + m * unbiased);
	}
	/* y = x scale + shift, folded in double as the CPU does */
	double g = gamma ? gamma[ch] : 1.0, b = beta ? beta[ch] : 0.0;
	float scale = (float)(invstd * g), shift = (float)(b - mean * invstd * g);
	for (size_t i = threadIdx.x; i < count; i += blockDim.x) {
		size_t k = bn_index(i, p.c, p.s, ch);
		y[k] = x[k] * scale + shift;
	}
}

static int bn_ok(const nn_bn *p)
{
	return p->n > 0 && p->c > 0 && p->s > 0;
}

extern "C" void nn_cuda_batchnorm_forward_train(nn_backend *be, const nn_bn *p, const float *x,
                                                const float *gamma, const float *beta,
                                                float *running_mean, float *running_var,
                                                float *save_mean, float *save_invstd, float *y)
{
	if (!bn_ok(p)) return;
	bn_train_kernel<<<p->c, BN_THREADS, 0, nn_cuda_stream(be)>>>(
	    *p, x, gamma, beta, running_mean, running_var, save_mean, save_invstd, y);
	nn_cuda_check_launch(be, "batchnorm_forward_train");
}

static __global__ void bn_eval_kernel(nn_bn p, const float *x, const float *gamma,
                                      const float *beta, const float *rm, const float *rv, float *y)
{
	size_t total = (size_t)p.n * p.c * p.s;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		int ch = (int)(i / (size_t)p.s % (size_t)p.c);
		float invstd = 1.0f / sqrtf(rv[ch] + p.eps);
		float g = gamma ? gamma[ch] : 1.0f, b = beta ? beta[ch] : 0.0f;
		y[i] = (x[i] - rm[ch]) * invstd * g + b;
	}
}

extern "C" void nn_cuda_batchnorm_forward_eval(nn_backend *be, const nn_bn *p, const float *x,
                                               const float *gamma, const float *beta,
                                               const float *running_mean, const float *running_var,
                                               float *y)
{
	if (!bn_ok(p)) return;
	size_t total = (size_t)p->n * p->c * p->s;
	bn_eval_kernel<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(
	    *p, x, gamma, beta, running_mean, running_var, y);
	nn_cuda_check_launch(be, "batchnorm_forward_eval");
}

/* dx = gamma invstd (dy - mean dy - xhat mean(dy xhat)), over M = N*S;
 * dx may alias dy: every dy is read before any dx is written. */
static __global__ void bn_backward_kernel(nn_bn p, const float *x, const float *gamma,
                                          const float *save_mean, const float *save_invstd,
                                          const float *dy, float *dx, float *dgamma, float *dbeta)
{
	int ch = blockIdx.x;
	size_t count = (size_t)p.n * p.s;
	float mean = save_mean[ch], invstd = save_invstd[ch];
	double sdy = 0.0, sdyx = 0.0;
	for (size_t i = threadIdx.x; i < count; i += blockDim.x) {
		size_t k = bn_index(i, p.c, p.s, ch);
		float d = dy[k];
		sdy += d;
		sdyx += (double)d * ((x[k] - mean) * invstd);
	}
	sdy = nn_cuda_block_sum(sdy);
	sdyx = nn_cuda_block_sum(sdyx);
	if (threadIdx.x == 0) {
		if (dbeta) dbeta[ch] += (float)sdy;
		if (dgamma) dgamma[ch] += (float)sdyx;
	}
	if (!dx) return;
	float g = gamma ? gamma[ch] : 1.0f;
	float k1 = g * invstd;
	float mdy = (float)(sdy / (double)count), mdyx = (float)(sdyx / (double)count);
	for (size_t i = threadIdx.x; i < count; i += blockDim.x) {
		size_t k = bn_index(i, p.c, p.s, ch);
		float xhat = (x[k] - mean) * invstd;
		dx[k] = k1 * (dy[k] - mdy - xhat * mdyx);
	}
}

extern "C" void nn_cuda_batchnorm_backward(nn_backend *be, const nn_bn *p, const float *x,
                                           const float *gamma, const float *save_mean,
                                           const float *save_invstd, const float *dy, float *dx,
                                           float *dgamma, float *dbeta)
{
	if (!bn_ok(p)) return;
	bn_backward_kernel<<<p->c, BN_THREADS, 0, nn_cuda_stream(be)>>>(
	    *p, x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta);
	nn_cuda_check_launch(be, "batchnorm_backward");
}
