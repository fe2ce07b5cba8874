/* wgan.c - the dense WGAN's layers and training step (see wgan.h). */
#include "wgan.h"

#include <math.h>
#include <stdio.h>

/* PyTorch's nn.Linear default: U(-1/sqrt(in), 1/sqrt(in)) for both. */
static nn_init linear_init(int in)
{
	return (nn_init){NN_INIT_UNIFORM, 1.0f / sqrtf((float)in), 0.0f};
}

static int finish(nn_seq *s, char *err, size_t errlen)
{
	if (!s->build_error) return 0;
	snprintf(err, errlen, "model build: %s", s->error);
	return -1;
}

/* in -> H -> H -> H -> (oc, oh, ow), ReLU between */
static void mlp(nn_seq *s, int in, int h, int oc, int oh, int ow)
{
	nn_seq_add_linear(s, h, 1, 1, linear_init(in), linear_init(in));
	nn_seq_add_act(s, NN_LAYER_RELU, 0);
	for (int i = 0; i < 2; i++) {
		nn_seq_add_linear(s, h, 1, 1, linear_init(h), linear_init(h));
		nn_seq_add_act(s, NN_LAYER_RELU, 0);
	}
	nn_seq_add_linear(s, oc, oh, ow, linear_init(h), linear_init(h));
}

int nn_wgan_build_generator(nn_seq *g, const nn_gan_config *c, char *err, size_t errlen)
{
	nn_seq_begin(g, c->latent, 1, 1);
	mlp(g, c->latent, c->width, c->channels, c->size, c->size);
	nn_seq_add_act(g, c->onehot ? NN_LAYER_SOFTMAX : NN_LAYER_TANH, 0);
	return finish(g, err, errlen);
}

int nn_wgan_build_discriminator(nn_seq *d, const nn_gan_config *c, char *err, size_t errlen)
{
	nn_seq_begin(d, c->channels, c->size, c->size);
	mlp(d, c->channels * c->size * c->size, c->width, 1, 1, 1);
	return finish(d, err, errlen);
}

/* One update of a net by the objective's optimiser; t counts that net's
 * updates from 1 (Adam's bias correction). */
static void update(nn_gan *gan, nn_seq *s, long t)
{
	if (nn_gan_rmsprop(&gan->cfg)) {
		nn_rmsprop o = {gan->cfg.lr, 0.99f, 1e-8f};
		nn_rmsprop_step(gan->be, &o, s->nparams, s->params, s->grads, s->m);
	} else {
		nn_adam o = {gan->cfg.lr, gan->cfg.beta1, gan->cfg.beta2, 1e-8f};
		nn_adam_step(gan->be, &o, t, s->nparams, s->params, s->grads, s->m, s->v);
	}
}

int nn_wgan_step(nn_gan *gan, nn_rng *r, nn_batch_fn next, void *ctx, float *loss_d, float *loss_g)
{
	nn_backend *be = gan->be;
	nn_seq *g = &gan->g, *d = &gan->d;
	int n = gan->cfg.batch, n_critic = gan->cfg.n_critic;
	for (int k = 0; k < n_critic; k++) {
		if (next(ctx, gan->real)) return -1;
		nn_gan_draw_latents(gan, r);
		gan->fake = nn_seq_forward(g, n, gan->z, 1);
		nn_seq_zero_grad(d);
		/* critic loss mean D(fake) - mean D(real), minimised */
		float *out = nn_seq_forward(d, n, gan->real, 1);
		float lr = nn_mean_loss(be, (size_t)n, out, -1.0f, d->dout);
		nn_seq_backward(d, n, d->dout, NULL, 1);
		out = nn_seq_forward(d, n, gan->fake, 1);
		float lf = nn_mean_loss(be, (size_t)n, out, 1.0f, d->dout);
		nn_seq_backward(d, n, d->dout, NULL, 1);
		if (nn_gan_penalty(&gan->cfg))
			nn_gp_accumulate(&gan->gp, n, gan->real, gan->fake, NN_GP_LAMBDA, r);
		update(gan, d, gan->step * n_critic + k + 1);
		if (nn_gan_spectral(&gan->cfg))
			nn_spectral_project(&gan->sn);
		else if (nn_gan_rmsprop(&gan->cfg))
			nn_clip(be, d->nparams, gan->cfg.clip, d->params);
		*loss_d = lr + lf;
	}
	nn_gan_draw_latents(gan, r);
	gan->fake = nn_seq_forward(g, n, gan->z, 1);
	nn_seq_zero_grad(g);
	float *out = nn_seq_forward(d, n, gan->fake, 1);
	*loss_g = nn_mean_loss(be, (size_t)n, out, -1.0f, d->dout);
	nn_seq_backward(d, n, d->dout, g->dout, 0);
	nn_seq_backward(g, n, g->dout, NULL, 1);
	update(gan, g, gan->step + 1);
	return 0;
}
