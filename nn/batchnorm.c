/* batchnorm.c - batch normalisation over (N, C, S), PyTorch semantics.
 *
 * Per-channel sums are accumulated in double: a channel of a 64x128x32x32
 * activation has 65536 values and a float sum would lose digits.
 */
#include "backend.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

void nn_batchnorm_forward_train(nn_backend *be, const nn_bn *p, const float *x, const float *gamma,
                                const float *beta, float *running_mean, float *running_var,
                                float *save_mean, float *save_invstd, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_batchnorm_forward_train(be, p, x, gamma, beta, running_mean, running_var,
		                                save_mean, save_invstd, y);
		return;
	}
#endif
	(void)be;
	const size_t S = (size_t)p->s, cnt = (size_t)p->n * S;
	if (cnt == 0) return;
	for (int c = 0; c < p->c; c++) {
		/* two passes: mean, then the centred sum of squares (no cancellation) */
		double sum = 0.0;
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++)
				sum += xc[k];
		}
		double mean = sum / (double)cnt, ss = 0.0;
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++) {
				double d = xc[k] - mean;
				ss += d * d;
			}
		}
		double var = ss / (double)cnt; /* biased: used to normalise */
		double invstd = 1.0 / sqrt(var + (double)p->eps);
		float g = gamma ? gamma[c] : 1.0f, bb = beta ? beta[c] : 0.0f;
		float scale = (float)(invstd * g), shift = (float)(bb - mean * invstd * g);
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			float *yc = y + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++)
				yc[k] = xc[k] * scale + shift;
		}
		if (save_mean) save_mean[c] = (float)mean;
		if (save_invstd) save_invstd[c] = (float)invstd;
		/* running stats take the unbiased variance, as PyTorch does */
		double m = p->momentum;
		double unbiased = cnt > 1 ? ss / (double)(cnt - 1) : var;
		if (running_mean) running_mean[c] = (float)((1.0 - m) * running_mean[c] + m * mean);
		if (running_var)
			running_var[c] = (float)((1.0 - m) * running_var[c] + m * unbiased);
	}
}

void nn_batchnorm_forward_eval(nn_backend *be, const nn_bn *p, const float *x, const float *gamma,
                               const float *beta, const float *running_mean,
                               const float *running_var, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_batchnorm_forward_eval(be, p, x, gamma, beta, running_mean, running_var, y);
		return;
	}
#endif
	(void)be;
	const size_t S = (size_t)p->s;
	for (int c = 0; c < p->c; c++) {
		double invstd = 1.0 / sqrt((double)running_var[c] + (double)p->eps);
		float g = gamma ? gamma[c] : 1.0f, bb = beta ? beta[c] : 0.0f;
		float scale = (float)(invstd * g);
		float shift = (float)(bb - (double)running_mean[c] * invstd * g);
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			float *yc = y + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++)
				yc[k] = xc[k] * scale + shift;
		}
	}
}

/* With xhat = (x - mean) invstd and M = N*S values per channel:
 *   dbeta = sum dy, dgamma = sum dy xhat,
 *   dx = gamma invstd / M * (M dy - sum dy - xhat sum dy xhat). */
void nn_batchnorm_backward(nn_backend *be, const nn_bn *p, const float *x, const float *gamma,
                           const float *save_mean, const float *save_invstd, const float *dy,
                           float *dx, float *dgamma, float *dbeta)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_batchnorm_backward(be, p, x, gamma, save_mean, save_invstd, dy, dx, dgamma,
		                           dbeta);
		return;
	}
#endif
	(void)be;
	const size_t S = (size_t)p->s, cnt = (size_t)p->n * S;
	if (cnt == 0) return;
	for (int c = 0; c < p->c; c++) {
		const double mean = save_mean[c], invstd = save_invstd[c];
		double sdy = 0.0, sdyx = 0.0;
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			const float *gc = dy + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++) {
				sdy += gc[k];
				sdyx += gc[k] * ((xc[k] - mean) * invstd);
			}
		}
		if (dbeta) dbeta[c] += (float)sdy;
		if (dgamma) dgamma[c] += (float)sdyx;
		if (!dx) continue;
		double g = gamma ? gamma[c] : 1.0;
		double k1 = g * invstd, mdy = sdy / (double)cnt, mdyx = sdyx / (double)cnt;
		for (int i = 0; i < p->n; i++) {
			const float *xc = x + ((size_t)i * p->c + c) * S;
			const float *gc = dy + ((size_t)i * p->c + c) * S;
			float *dc = dx + ((size_t)i * p->c + c) * S;
			for (size_t k = 0; k < S; k++) {
				double xh = (xc[k] - mean) * invstd;
				dc[k] = (float)(k1 * (gc[k] - mdy - xh * mdyx));
			}
		}
	}
}
