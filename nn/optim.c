/* optim.c - Adam, RMSprop and weight clipping over flat parameter arrays,
 * with PyTorch's update formulas (see nn.h). */
#include "backend.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_adam_step(nn_backend *be, const nn_adam *o, long t, size_t n, float *p, const float *g,
                  float *m, float *v)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_adam_step(be, o, t, n, p, g, m, v);
		return;
	}
#endif
	(void)be;
	if (t < 1) t = 1;
	/* bias corrections in double: beta2^t with beta2 = 0.999 matters for
	 * thousands of steps */
	const float bc1 = (float)(1.0 - pow((double)o->beta1, (double)t));
	const float bc2 = (float)(1.0 - pow((double)o->beta2, (double)t));
	const float b1 = o->beta1, b2 = o->beta2;
	const float step = o->lr / bc1, sqrt_bc2 = sqrtf(bc2);
	for (size_t i = 0; i < n; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		p[i] -= step * m[i] / (sqrtf(v[i]) / sqrt_bc2 + o->eps);
	}
}

void nn_rmsprop_step(nn_backend *be, const nn_rmsprop *o, size_t n, float *p, const float *g,
                     float *v)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_rmsprop_step(be, o, n, p, g, v);
		return;
	}
#endif
	(void)be;
	const float a = o->alpha;
	for (size_t i = 0; i < n; i++) {
		v[i] = a * v[i] + (1.0f - a) * g[i] * g[i];
		p[i] -= o->lr * g[i] / (sqrtf(v[i]) + o->eps);
	}
}

void nn_clip(nn_backend *be, size_t n, float c, float *p)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_clip(be, n, c, p);
		return;
	}
#endif
	(void)be;
	for (size_t i = 0; i < n; i++)
		p[i] = p[i] > c ? c : p[i] < -c ? -c : p[i];
}
