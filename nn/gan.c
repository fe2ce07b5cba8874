/* gan.c - what the two GAN architectures share (see gan.h). */
#include "gan.h"

#include "dcgan.h"
#include "wgan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The learning rates of the objectives: Adam for BCE (the DCGAN paper's
 * optimizer, at the rate), RMSprop for Wasserstein (the WGAN
 * paper's), Adam for Wasserstein-SN (SNGAN's rate) and -GP (twice WGAN-GP's
 * rate: see nn_loss). */
#define LR_BCE 1e-4f
#define LR_WASSERSTEIN 5e-5f
#define LR_WASSERSTEIN_SN 2e-4f
#define LR_WASSERSTEIN_GP 2e-4f

/* Power iterations before the first projection, from the all-ones vector;
 * afterwards one per update suffices, as the weights move little. */
#define SN_WARMUP 20

void nn_gan_config_default(nn_gan_config *c, nn_arch arch, int channels, int onehot, int size)
{
	memset(c, 0, sizeof *c);
	c->arch = arch;
	c->channels = channels;
	c->onehot = onehot;
	c->size = size;
	c->latent = NN_GAN_LATENT;
	c->batch = 64;
	c->beta1 = 0.5f;
	c->beta2 = 0.999f;
	c->clip = 0.01f;
	c->n_critic = 5;
	if (arch == NN_ARCH_DCGAN) {
		c->width = 64;
		c->lr = LR_BCE;
	} else {
		c->width = 512;
		if (onehot) {
			/* the (C*size*size) x H first critic layer within ~25M
			 * parameters: H = 64 at vocab 95, 64x64 */
			double room = 2.5e7 / ((double)channels * size * size);
			c->width = 16;
			while (c->width < 512 && c->width * 2 <= room)
				c->width *= 2;
		}
		c->lr = LR_WASSERSTEIN;
	}
}

const char *nn_arch_name(nn_arch a)
{
	return a == NN_ARCH_DCGAN ? "dcgan" : "wgan-dense";
}

int nn_arch_parse(const char *name, nn_arch *out)
{
	if (!strcmp(name, "dcgan")) {
		*out = NN_ARCH_DCGAN;
		return 0;
	}
	if (!strcmp(name, "wgan-dense") || !strcmp(name, "wgan")) {
		*out = NN_ARCH_WGAN_DENSE;
		return 0;
	}
	return -1;
}

const char *nn_loss_name(nn_loss l)
{
	return l == NN_LOSS_WASSERSTEIN      ? "wasserstein"
	       : l == NN_LOSS_WASSERSTEIN_SN ? "wasserstein-sn"
	       : l == NN_LOSS_WASSERSTEIN_GP ? "wasserstein-gp"
	                                     : "bce";
}

int nn_loss_parse(const char *name, nn_loss *out)
{
	if (!strcmp(name, "bce")) {
		*out = NN_LOSS_BCE;
		return 0;
	}
	if (!strcmp(name, "wasserstein")) {
		*out = NN_LOSS_WASSERSTEIN;
		return 0;
	}
	if (!strcmp(name, "wasserstein-sn")) {
		*out = NN_LOSS_WASSERSTEIN_SN;
		return 0;
	}
	if (!strcmp(name, "wasserstein-gp")) {
		*out = NN_LOSS_WASSERSTEIN_GP;
		return 0;
	}
	return -1;
}

void nn_gan_config_set_loss(nn_gan_config *c, nn_loss loss)
{
	if (c->arch != NN_ARCH_DCGAN || c->loss == loss) return;
	c->loss = loss;
	c->lr = loss == NN_LOSS_WASSERSTEIN      ? LR_WASSERSTEIN
	        : loss == NN_LOSS_WASSERSTEIN_SN ? LR_WASSERSTEIN_SN
	        : loss == NN_LOSS_WASSERSTEIN_GP ? LR_WASSERSTEIN_GP
	                                         : LR_BCE;
	int gp = loss == NN_LOSS_WASSERSTEIN_GP;
	c->beta1 = gp ? 0.0f : 0.5f;
	c->beta2 = gp ? 0.9f : 0.999f;
}

static int check_config(const nn_gan_config *c, char *err, size_t errlen)
{
	if (c->channels < 1 || c->channels > 4096 || c->latent < 1 || c->latent > 4096 ||
	    c->width < 1 || c->width > 8192 || c->size < 1 || c->size > 1024 || c->batch < 1) {
		snprintf(
		    err, errlen,
		    "bad model configuration (channels %d, latent %d, width %d, size %d, batch %d)",
		    c->channels, c->latent, c->width, c->size, c->batch);
		return -1;
	}
	if (!c->onehot && c->channels != 3) {
		snprintf(err, errlen, "format rgb needs 3 channels, not %d", c->channels);
		return -1;
	}
	return 0;
}

int nn_gan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen)
{
	if (check_config(c, err, errlen)) return -1;
	return c->arch == NN_ARCH_DCGAN ? nn_dcgan_build_generator(g, c, err, errlen)
	                                : nn_wgan_build_generator(g, c, err, errlen);
}

int nn_gan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen)
{
	if (check_config(c, err, errlen)) return -1;
	return c->arch == NN_ARCH_DCGAN ? nn_dcgan_build_discriminator(d, c, err, errlen)
	                                : nn_wgan_build_discriminator(d, c, err, errlen);
}

int nn_gan_create(nn_gan *gan, const nn_gan_config *cfg, nn_backend *be, nn_rng *r, char *err,
                  size_t errlen)
{
	memset(gan, 0, sizeof *gan);
	gan->cfg = *cfg;
	gan->be = be;
	int moments = nn_gan_rmsprop(cfg) ? 1 : 2; /* RMSprop v; Adam m, v */
	if (nn_gan_build_generator(&gan->g, cfg, err, errlen) ||
	    nn_gan_build_discriminator(&gan->d, cfg, err, errlen))
		return -1;
	if (nn_seq_alloc(&gan->g, be, cfg->batch, 1, moments, err, errlen)) return -1;
	if (nn_seq_alloc(&gan->d, be, cfg->batch, 1, moments, err, errlen)) {
		nn_gan_destroy(gan);
		return -1;
	}
	size_t zn = (size_t)cfg->batch * cfg->latent;
	gan->z = nn_alloc(be, zn);
	gan->real = nn_alloc(be, (size_t)cfg->batch * nn_seq_in_count(&gan->d));
	gan->zhost = malloc(zn * sizeof *gan->zhost);
	if (!gan->z || !gan->real || !gan->zhost || nn_seq_init_params(&gan->g, r) ||
	    nn_seq_init_params(&gan->d, r)) {
		snprintf(err, errlen, "out of memory for the models");
		nn_gan_destroy(gan);
		return -1;
	}
	/* the critic's Lipschitz bound holds from the start */
	int fail = nn_gan_spectral(cfg) ? nn_spectral_init(&gan->sn, &gan->d, SN_WARMUP)
	           : nn_gan_penalty(cfg) ? nn_gp_init(&gan->gp, &gan->d)
	                                 : 0;
	if (fail) {
		snprintf(err, errlen, "out of memory for the models");
		nn_gan_destroy(gan);
		return -1;
	}
	if (nn_gan_spectral(cfg))
		nn_spectral_project(&gan->sn);
	else if (nn_gan_rmsprop(cfg))
		nn_clip(be, gan->d.nparams, cfg->clip, gan->d.params);
	return 0;
}

void nn_gan_destroy(nn_gan *gan)
{
	if (gan->sn.seq) nn_spectral_free(&gan->sn);
	if (gan->gp.seq) nn_gp_free(&gan->gp);
	nn_seq_release(&gan->g);
	nn_seq_release(&gan->d);
	if (gan->z) nn_free(gan->be, gan->z);
	if (gan->real) nn_free(gan->be, gan->real);
	free(gan->zhost);
	gan->z = gan->real = gan->zhost = NULL;
}

void nn_gan_draw_latents(nn_gan *gan, nn_rng *r)
{
	size_t zn = (size_t)gan->cfg.batch * gan->cfg.latent;
	for (size_t i = 0; i < zn; i++)
		gan->zhost[i] = nn_rng_normal(r);
	nn_upload(gan->be, gan->z, gan->zhost, zn);
}

int nn_gan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d, float *loss_g)
{
	int rc = nn_gan_wasserstein(&gan->cfg) ? nn_wgan_step(gan, r, next, ctx, loss_d, loss_g)
	                                       : nn_dcgan_step(gan, r, next, ctx, loss_d, loss_g);
	if (rc == 0) gan->step++;
	return rc;
}
