/* gan.h - a generator/discriminator pair and its training step.
 *
 * Two architectures share this struct (built by dcgan.c and wgan.c):
 *   NN_ARCH_DCGAN       convolutional DCGAN, 64x64 outputs (nn/dcgan.h)
 *   NN_ARCH_WGAN_DENSE  the WGAN paper's MLP pair (nn/wgan.h)
 * Outputs are (C, size, size) per sample: format rgb has C = 3 and a tanh
 * (values in [-1,1]); format onehot has C = vocab and a softmax over the
 * channels (a distribution over vocabulary entries per cell).
 *
 * One training step (nn_gan_step) is one generator update: DCGAN first
 * does one discriminator update on one real batch, WGAN does n_critic
 * critic updates, each on its own real batch. The DCGAN's layers can also
 * be trained with the Wasserstein objective (loss NN_LOSS_WASSERSTEIN: the
 * WGAN step, RMSprop and clipping, on the DCGAN's two networks); on
 * onehot data its generator learns the local rules far sooner than with
 * the BCE objective, whose discriminator wins at once by telling a softmax
 * from a one-hot (docs/NEURAL.md). Latents come from the
 * caller's nn_rng, real batches from the caller's callback, so the caller
 * (nn/train.c) owns every source of randomness and data order.
 *
 * Ownership: nn_gan is caller storage; nn_gan_create allocates the two
 * model arenas and the latent buffers on `be`, nn_gan_destroy frees them.
 */
#ifndef NN_GAN_H
#define NN_GAN_H

#include "seq.h"
#include "gp.h"
#include "spectral.h"

typedef enum { NN_ARCH_DCGAN = 0, NN_ARCH_WGAN_DENSE = 1 } nn_arch;
/* The objective: the DCGAN's is BCE unless set; the dense WGAN's is always
 * Wasserstein. */
/* Two more ways to keep the DCGAN's critic 1-Lipschitz than clipping, both
 * without the critic's BatchNorm (which breaks the bound) and with Adam
 * for both nets:
 *   NN_LOSS_WASSERSTEIN_SN  spectral norm projection after every update
 *                           (nn/spectral.h); lr 2e-4, betas (0.5, 0.999),
 *                           SNGAN's setting;
 *   NN_LOSS_WASSERSTEIN_GP  the gradient penalty (nn/gp.h), lambda 10;
 *                           betas (0, 0.9), the WGAN-GP paper's, lr 2e-4
 *                           (the paper's 1e-4 left the generator collapsed
 *                           for longer on Terrain-Islands, NEURAL.md). */
typedef enum {
	NN_LOSS_BCE = 0,
	NN_LOSS_WASSERSTEIN = 1,
	NN_LOSS_WASSERSTEIN_SN = 2,
	NN_LOSS_WASSERSTEIN_GP = 3
} nn_loss;

#define NN_GP_LAMBDA 10.0f

#define NN_GAN_LATENT 128

typedef struct {
	nn_arch arch;
	int channels; /* 3 (rgb) or vocab (onehot) */
	int onehot;   /* softmax over channels instead of tanh */
	int size;     /* output side in cells (DCGAN: 64) */
	int latent;   /* latent dimension (128) */
	int width;    /* DCGAN: ngf = ndf; WGAN: hidden width H */
	int batch;
	float lr;
	float beta1, beta2; /* Adam (DCGAN) */
	float clip;         /* WGAN critic weight clipping */
	int n_critic;       /* WGAN critic steps per generator step */
	nn_loss loss;       /* DCGAN only; see nn_gan_wasserstein */
} nn_gan_config;

/* Trained by the WGAN step (n_critic critic updates per generator
 * update), not the DCGAN's BCE step. */
static inline int nn_gan_wasserstein(const nn_gan_config *c)
{
	return c->arch == NN_ARCH_WGAN_DENSE || c->loss != NN_LOSS_BCE;
}

/* The objective a config trains with (the dense WGAN's is Wasserstein
 * whatever its unused loss field says). */
static inline nn_loss nn_gan_loss(const nn_gan_config *c)
{
	return c->arch == NN_ARCH_WGAN_DENSE ? NN_LOSS_WASSERSTEIN : c->loss;
}

/* The critic is spectrally normalised (and both nets use Adam). */
static inline int nn_gan_spectral(const nn_gan_config *c)
{
	return c->arch == NN_ARCH_DCGAN && c->loss == NN_LOSS_WASSERSTEIN_SN;
}

/* The critic has the gradient penalty (and both nets use Adam). */
static inline int nn_gan_penalty(const nn_gan_config *c)
{
	return c->arch == NN_ARCH_DCGAN && c->loss == NN_LOSS_WASSERSTEIN_GP;
}

/* The WGAN paper's optimiser (RMSprop, one moment) rather than Adam's two. */
static inline int nn_gan_rmsprop(const nn_gan_config *c)
{
	return nn_gan_wasserstein(c) && !nn_gan_spectral(c) && !nn_gan_penalty(c);
}

/* The defaults: DCGAN Adam lr 1e-4 betas (0.5, 0.999), width 64;
 * WGAN RMSprop lr 5e-5, clip 0.01, 5 critic steps, H 512 for rgb; for
 * onehot, whose first critic layer is (vocab*size*size) x H, the largest
 * power of two in [16, 512] that keeps it within 25M parameters (64 at
 * vocab 95 and 64x64); batch 64. */
void nn_gan_config_default(nn_gan_config *c, nn_arch arch, int channels, int onehot, int size);
const char *nn_arch_name(nn_arch a);               /* "dcgan", "wgan-dense" */
int nn_arch_parse(const char *name, nn_arch *out); /* 0 ok, -1 unknown */
/* "bce", "wasserstein", "wasserstein-sn", "wasserstein-gp" */
const char *nn_loss_name(nn_loss l);
int nn_loss_parse(const char *name, nn_loss *out); /* 0 ok, -1 unknown */
/* A DCGAN's objective, with that objective's learning rate and betas
 * (BCE: Adam 1e-4; Wasserstein: RMSprop 5e-5; -SN and -GP: see nn_loss);
 * no-op for the dense WGAN, which is always Wasserstein, and when the
 * objective is already loss. */
void nn_gan_config_set_loss(nn_gan_config *c, nn_loss loss);

/* Builds the generator's layers into g (nn_seq_begin included): the same
 * stack for training and for serving. -1 with a message on a bad config. */
int nn_gan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen);
int nn_gan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen);

typedef struct {
	nn_gan_config cfg;
	nn_backend *be;
	nn_seq g, d;
	long step; /* generator steps done; Adam's t is step + 1 */
	float *z;  /* backend (batch, latent), the latents of the last step */
	float *zhost;
	float *real; /* backend (batch, C, size, size), the last real batch */
	float *fake; /* G's output of the last generator forward (inside g) */
	nn_spectral sn; /* the critic's projection (nn_gan_spectral only) */
	nn_gp gp;       /* the critic's penalty (nn_gan_penalty only) */
} nn_gan;

/* Creates G and D for training (grads, optimiser state) and draws their
 * initial weights from r: G's layers first, then D's. */
int nn_gan_create(nn_gan *gan, const nn_gan_config *cfg, nn_backend *be, nn_rng *r, char *err,
                  size_t errlen);
void nn_gan_destroy(nn_gan *gan);

/* Fills `real` (backend, (batch, C, size, size)) with the next real batch;
 * 0 on success. */
typedef int (*nn_batch_fn)(void *ctx, float *real);

/* Draws batch latents from r into gan->z (host draw, one upload). */
void nn_gan_draw_latents(nn_gan *gan, nn_rng *r);

/* One generator step (see above). Losses: DCGAN loss_d = BCE(D(x),1) +
 * BCE(D(G(z)),0) and loss_g = BCE(D(G(z)),1); WGAN loss_d = mean D(fake) -
 * mean D(real) (the last critic step's) and loss_g = -mean D(G(z)).
 * -1 when next fails. */
int nn_gan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d, float *loss_g);

#endif
