/* loss.c - the GAN losses: BCE with logits (DCGAN) and the Wasserstein
 * critic's mean (WGAN). Both return the mean over n as a host float. */
#include "backend.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

float nn_bce_logits(nn_backend *be, size_t n, const float *logits, float target, float *dlogits)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) return nn_cuda_bce_logits(be, n, logits, target, dlogits);
#endif
	(void)be;
	if (n == 0) return 0.0f;
	double sum = 0.0;
	const double t = target;
	for (size_t i = 0; i < n; i++) {
		double x = logits[i];
		/* max(x,0) - x t + log(1 + e^-|x|): no overflow for any x */
		sum += (x > 0.0 ? x : 0.0) - x * t + log1p(exp(-fabs(x)));
		if (dlogits) {
			double e = exp(-fabs(x));
			double sig = x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
			dlogits[i] = (float)((sig - t) / (double)n);
		}
	}
	return (float)(sum / (double)n);
}

float nn_mean_loss(nn_backend *be, size_t n, const float *x, float sign, float *dx)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) return nn_cuda_mean_loss(be, n, x, sign, dx);
#endif
	(void)be;
	if (n == 0) return 0.0f;
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	if (dx) {
		float g = (float)((double)sign / (double)n);
		for (size_t i = 0; i < n; i++)
			dx[i] = g;
	}
	return (float)(sign * sum / (double)n);
}
