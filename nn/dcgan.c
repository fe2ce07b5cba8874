/* dcgan.c - the DCGAN's layers and training step (see dcgan.h). */
#include "dcgan.h"

#include <stdio.h>

static const nn_init conv_init = {NN_INIT_NORMAL, 0.0f, 0.02f};
static const nn_init gamma_init = {NN_INIT_NORMAL, 1.0f, 0.02f};
static const nn_init zero_init = {NN_INIT_CONST, 0.0f, 0.0f};

static int need_64(const nn_gan_config *c, char *err, size_t errlen)
{
	if (c->size == 64) return 0;
	snprintf(err, errlen, "the DCGAN makes 64x64 outputs; this data is %dx%d", c->size,
	         c->size);
	return -1;
}

static int finish(nn_seq *s, char *err, size_t errlen)
{
	if (!s->build_error) return 0;
	snprintf(err, errlen, "model build: %s", s->error);
	return -1;
}

int nn_dcgan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen)
{
	if (need_64(c, err, errlen)) return -1;
	int w = c->width;
	nn_seq_begin(g, c->latent, 1, 1);
	/* (L,1,1) -> (8w,4,4) -> (4w,8,8) -> (2w,16,16) -> (w,32,32) */
	nn_seq_add_conv(g, 1, 8 * w, 4, 1, 0, 0, conv_init, zero_init);
	for (int mult = 8; mult >= 1; mult /= 2) {
		nn_seq_add_bn(g, gamma_init, zero_init);
		nn_seq_add_act(g, NN_LAYER_RELU, 0);
		int out = mult > 1 ? mult / 2 * w : c->channels; /* last: (C,64,64) */
		nn_seq_add_conv(g, 1, out, 4, 2, 1, 0, conv_init, zero_init);
	}
	nn_seq_add_act(g, c->onehot ? NN_LAYER_SOFTMAX : NN_LAYER_TANH, 0);
	return finish(g, err, errlen);
}

int nn_dcgan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen)
{
	if (need_64(c, err, errlen)) return -1;
	int w = c->width;
	nn_seq_begin(d, c->channels, 64, 64);
	/* (C,64,64) -> (w,32,32) -> (2w,16,16) -> (4w,8,8) -> (8w,4,4) -> (1,1,1) */
	nn_seq_add_conv(d, 0, w, 4, 2, 1, 0, conv_init, zero_init);
	nn_seq_add_act(d, NN_LAYER_LRELU, 0.2f);
	for (int mult = 2; mult <= 8; mult *= 2) {
		nn_seq_add_conv(d, 0, mult * w, 4, 2, 1, 0, conv_init, zero_init);
		/* BatchNorm would undo the spectral critic's Lipschitz bound and
		 * mix the samples of the penalty's per-sample gradients */
		if (!nn_gan_spectral(c) && !nn_gan_penalty(c))
			nn_seq_add_bn(d, gamma_init, zero_init);
		nn_seq_add_act(d, NN_LAYER_LRELU, 0.2f);
	}
	nn_seq_add_conv(d, 0, 1, 4, 1, 0, 0, conv_init, zero_init);
	return finish(d, err, errlen);
}

float nn_dcgan_d_grads(nn_gan *gan, int n, const float *real)
{
	nn_backend *be = gan->be;
	nn_seq *d = &gan->d;
	gan->fake = nn_seq_forward(&gan->g, n, gan->z, 1);
	nn_seq_zero_grad(d);
	float *out = nn_seq_forward(d, n, real, 1);
	float loss = nn_bce_logits(be, (size_t)n, out, 1.0f, d->dout);
	nn_seq_backward(d, n, d->dout, NULL, 1);
	/* G(z).detach(): no gradient flows back into G */
	out = nn_seq_forward(d, n, gan->fake, 1);
	loss += nn_bce_logits(be, (size_t)n, out, 0.0f, d->dout);
	nn_seq_backward(d, n, d->dout, NULL, 1);
	return loss;
}

float nn_dcgan_g_grads(nn_gan *gan, int n, int fake_ready)
{
	nn_seq *g = &gan->g, *d = &gan->d;
	if (!fake_ready || !gan->fake) gan->fake = nn_seq_forward(g, n, gan->z, 1);
	nn_seq_zero_grad(g);
	float *out = nn_seq_forward(d, n, gan->fake, 1);
	float loss = nn_bce_logits(gan->be, (size_t)n, out, 1.0f, d->dout);
	/* through D (its weights' gradients are not wanted) into G */
	nn_seq_backward(d, n, d->dout, g->dout, 0);
	nn_seq_backward(g, n, g->dout, NULL, 1);
	return loss;
}

int nn_dcgan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d, float *loss_g)
{
	int n = gan->cfg.batch;
	if (next(ctx, gan->real)) return -1;
	nn_gan_draw_latents(gan, r);
	nn_adam o = {gan->cfg.lr, gan->cfg.beta1, gan->cfg.beta2, 1e-8f};
	long t = gan->step + 1;
	*loss_d = nn_dcgan_d_grads(gan, n, gan->real);
	nn_adam_step(gan->be, &o, t, gan->d.nparams, gan->d.params, gan->d.grads, gan->d.m,
	             gan->d.v);
	*loss_g = nn_dcgan_g_grads(gan, n, 1);
	nn_adam_step(gan->be, &o, t, gan->g.nparams, gan->g.params, gan->g.grads, gan->g.m,
	             gan->g.v);
	return 0;
}
