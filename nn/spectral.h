/* spectral.h - spectral norm projection of a critic's weights.
 *
 * The Wasserstein objective needs a critic that is (about) 1-Lipschitz.
 * Clipping every weight to +-0.01 does that crudely: on this project's
 * data the clipped critic's loss went flat long before the generator's
 * layouts were right (docs/NEURAL.md). Spectral normalisation (Miyato et
 * al. 2018) bounds each layer instead: a layer whose weight matrix W has
 * largest singular value sigma(W) <= 1 is 1-Lipschitz, and LeakyReLU is
 * too, so their stack is. Here it is a projection after every update
 * (Gouk et al. 2018): W <- W / max(1, sigma(W)), with sigma estimated by
 * one power iteration per update from the previous update's vector u, as
 * SNGAN does. A conv weight (Cout, Cin, K, K) is viewed as the matrix
 * (Cout, Cin*K*K), a linear one (Out, In) as it is.
 *
 * Ownership: nn_spectral is caller storage; nn_spectral_init allocates the
 * host vectors u and the backend scratch, nn_spectral_free frees them.
 * The seq must outlive it.
 */
#ifndef NN_SPECTRAL_H
#define NN_SPECTRAL_H

#include "seq.h"

typedef struct {
	nn_seq *seq;
	int count;                      /* weights projected */
	int layer[NN_SEQ_MAX_LAYERS];   /* their layer indices in seq */
	int rows[NN_SEQ_MAX_LAYERS];    /* Cout / Out */
	int cols[NN_SEQ_MAX_LAYERS];    /* Cin*K*K / In */
	float *u[NN_SEQ_MAX_LAYERS];    /* host, rows: the power iteration's left vector */
	float sigma[NN_SEQ_MAX_LAYERS]; /* the last estimate, before projecting */
	float *host;                    /* host scratch, the largest cols */
	float *dev;                     /* backend scratch, largest rows + cols */
} nn_spectral;

/* Every conv and linear weight of s (an allocated seq). Each u starts as
 * the normalised all-ones vector and takes `warmup` power iterations, so
 * the first projection already uses a close estimate. -1 when out of
 * memory or s has a transposed conv (a generator's layer). */
int nn_spectral_init(nn_spectral *sn, nn_seq *s, int warmup);
void nn_spectral_free(nn_spectral *sn);

/* One power iteration per weight, then W /= sigma where sigma > 1. */
void nn_spectral_project(nn_spectral *sn);

#endif
