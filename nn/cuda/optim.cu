/* optim.cu - optimiser steps over flat parameter buffers, in place on the
 * device (parameters and their state never leave it). */
#include <math.h>

#include "state.cuh"

#define GRID_LOOP(i, n)                                                                            \
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n);                    \
	     i += (size_t)gridDim.x * blockDim.x)

static __global__ void adam_kernel(size_t n, float lr, float b1, float b2, float eps, float bc1,
                                   float bc2, float *p, const float *g, float *m, float *v)
{
	GRID_LOOP(i, n)
	{
		float gi = g[i];
		float mi = b1 * m[i] + (1.0f - b1) * gi;
		float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		p[i] -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
	}
}

extern "C" void nn_cuda_adam_step(nn_backend *be, const nn_adam *o, long t, size_t n, float *p,
                                  const float *g, float *m, float *v)
{
	if (!n) return;
	if (t < 1) t = 1;
	/* bias corrections in double on the host: b^t for large t */
	float bc1 = (float)(1.0 - pow((double)o->beta1, (double)t));
	float bc2 = (float)(1.0 - pow((double)o->beta2, (double)t));
	adam_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(
	    n, o->lr, o->beta1, o->beta2, o->eps, bc1, bc2, p, g, m, v);
	nn_cuda_check_launch(be, "adam");
}

static __global__ void rmsprop_kernel(size_t n, float lr, float a, float eps, float *p,
                                      const float *g, float *v)
{
	GRID_LOOP(i, n)
	{
		float gi = g[i];
		float vi = a * v[i] + (1.0f - a) * gi * gi;
		v[i] = vi;
		p[i] -= lr * gi / (sqrtf(vi) + eps);
	}
}

extern "C" void nn_cuda_rmsprop_step(nn_backend *be, const nn_rmsprop *o, size_t n, float *p,
                                     const float *g, float *v)
{
	if (!n) return;
	rmsprop_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(
	    n, o->lr, o->alpha, o->eps, p, g, v);
	nn_cuda_check_launch(be, "rmsprop");
}

static __global__ void clip_kernel(size_t n, float c, float *p)
{
	GRID_LOOP(i, n)
	p[i] = fminf(fmaxf(p[i], -c), c);
}

extern "C" void nn_cuda_clip(nn_backend *be, size_t n, float c, float *p)
{
	if (!n) return;
	clip_kernel<<<nn_cuda_grid(n), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(n, c, p);
	nn_cuda_check_launch(be, "clip");
}
