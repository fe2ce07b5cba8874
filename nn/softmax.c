/* softmax.c - softmax over the channel axis of (N, C, S): for each sample
 * and position, the C values (S floats apart) become probabilities. */
#include "backend.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_softmax_position_cpu(const float *x, float *y, size_t stride, int c)
{
	/* subtract the max so exp never overflows */
	float mx = -INFINITY;
	for (int j = 0; j < c; j++)
		if (x[j * stride] > mx) mx = x[j * stride];
	double sum = 0.0;
	for (int j = 0; j < c; j++) {
		float e = expf(x[j * stride] - mx);
		y[j * stride] = e;
		sum += e;
	}
	float inv = (float)(1.0 / sum);
	for (int j = 0; j < c; j++)
		y[j * stride] *= inv;
}

void nn_softmax_channels_forward(nn_backend *be, int n, int c, int s, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_softmax_channels_forward(be, n, c, s, x, y);
		return;
	}
#endif
	(void)be;
	const size_t S = (size_t)s;
	for (int i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * c * S;
		float *yi = y + (size_t)i * c * S;
		for (size_t k = 0; k < S; k++)
			nn_softmax_position_cpu(xi + k, yi + k, S, c);
	}
}

/* dx = y * (dy - sum_c dy y); dx may alias dy. */
void nn_softmax_channels_backward(nn_backend *be, int n, int c, int s, const float *y,
                                  const float *dy, float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_softmax_channels_backward(be, n, c, s, y, dy, dx);
		return;
	}
#endif
	(void)be;
	const size_t S = (size_t)s;
	for (int i = 0; i < n; i++) {
		const size_t off = (size_t)i * c * S;
		for (size_t k = 0; k < S; k++) {
			double dot = 0.0;
			for (int j = 0; j < c; j++)
				dot += (double)dy[off + j * S + k] * y[off + j * S + k];
			for (int j = 0; j < c; j++) {
				size_t q = off + j * S + k;
				dx[q] = y[q] * (float)(dy[q] - dot);
			}
		}
	}
}
