/* activations.c - elementwise relu, leaky relu, tanh, sigmoid.
 * Backward passes use the forward output y, so a model can drop x. */
#include "backend.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_relu_forward(nn_backend *be, size_t n, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_relu_forward(be, n, x, y);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_relu_backward(be, n, y, dy, dx);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void nn_leaky_relu_forward(nn_backend *be, size_t n, float slope, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_leaky_relu_forward(be, n, slope, x, y);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

/* For slope > 0, y > 0 exactly when x > 0, so y decides the branch. */
void nn_leaky_relu_backward(nn_backend *be, size_t n, float slope, const float *y, const float *dy,
                            float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_leaky_relu_backward(be, n, slope, y, dy, dx);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		dx[i] = y[i] > 0.0f ? dy[i] : slope * dy[i];
}

void nn_tanh_forward(nn_backend *be, size_t n, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_tanh_forward(be, n, x, y);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		y[i] = tanhf(x[i]);
}

void nn_tanh_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_tanh_backward(be, n, y, dy, dx);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void nn_sigmoid_forward(nn_backend *be, size_t n, const float *x, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_sigmoid_forward(be, n, x, y);
		return;
	}
#endif
	(void)be;
	/* exp of a non-positive argument only: no overflow for large |x| */
	for (size_t i = 0; i < n; i++) {
		float e = expf(-fabsf(x[i]));
		y[i] = x[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
	}
}

void nn_sigmoid_backward(nn_backend *be, size_t n, const float *y, const float *dy, float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_sigmoid_backward(be, n, y, dy, dx);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
