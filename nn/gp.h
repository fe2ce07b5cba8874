/* gp.h - the WGAN-GP gradient penalty (Gulrajani et al. 2017).
 *
 * A Wasserstein critic must be (about) 1-Lipschitz. Instead of clipping
 * its weights, WGAN-GP adds to its loss
 *   lambda * mean_i (|grad_x D(xhat_i)| - 1)^2,
 *   xhat_i = e_i real_i + (1 - e_i) fake_i,  e_i ~ U[0, 1),
 * whose gradient with respect to the critic's weights goes through the
 * input gradient: a second-order term that nn/ has no autograd for.
 *
 * For a critic of conv/linear layers and ReLU/LeakyReLU (no BatchNorm:
 * the penalty is per sample) the input gradient is linear in each weight
 * once the activation masks are fixed, and the masks are piecewise
 * constant, so the second-order term needs only first-order ops:
 *   1. forward xhat, then back from dD/dD = 1, keeping delta_l, the
 *      gradient at each weight layer's output; g_i = delta at the input;
 *   2. gamma_0 = d(penalty)/d(g) = lambda * 2 (|g_i| - 1) / |g_i| g_i / n;
 *   3. forward gamma through the same layers without biases, masked by
 *      the activations of step 1: gamma_l = W_l gamma_(l-1), and each
 *      weight layer adds to its weight gradient the weight gradient of
 *      its own op with input gamma_(l-1) and output gradient delta_l.
 * Biases get no gradient from the penalty (it does not depend on them
 * but through the masks).
 *
 * Ownership: nn_gp is caller storage; nn_gp_init allocates its backend
 * buffers, nn_gp_free frees them. The seq must outlive it.
 */
#ifndef NN_GP_H
#define NN_GP_H

#include "seq.h"

typedef struct {
	nn_seq *seq;
	float *xhat;                     /* backend (batch, in) */
	float *delta[NN_SEQ_MAX_LAYERS]; /* backend, weight layers: (batch, out) */
	float *gamma[2];                 /* backend ping-pong, the largest layer */
	float *sq;                       /* backend (batch): |g_i|^2 */
	float *host;                     /* host (batch) */
	float *arena;                    /* every backend buffer above */
} nn_gp;

/* -1 when out of memory, or s has a layer other than conv, linear, ReLU
 * and LeakyReLU. */
int nn_gp_init(nn_gp *gp, nn_seq *s);
void nn_gp_free(nn_gp *gp);

/* Draws n interpolation weights from r, runs the critic on the
 * interpolates (train mode: the seq's activations are overwritten) and
 * ACCUMULATES into the seq's weight gradients the gradient of the
 * penalty; returns the penalty. real and fake: backend (n, in). */
float nn_gp_accumulate(nn_gp *gp, int n, const float *real, const float *fake, float lambda,
                       nn_rng *r);

#endif
