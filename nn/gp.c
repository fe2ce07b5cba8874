/* gp.c - the WGAN-GP gradient penalty (see gp.h). */
#include "gp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int has_weights(const nn_layer *l)
{
	return l->kind == NN_LAYER_CONV || l->kind == NN_LAYER_LINEAR;
}

int nn_gp_init(nn_gp *gp, nn_seq *s)
{
	memset(gp, 0, sizeof *gp);
	gp->seq = s;
	size_t n = (size_t)s->batch, widest = nn_seq_in_count(s), total = 0;
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		if (!has_weights(l) && l->kind != NN_LAYER_RELU && l->kind != NN_LAYER_LRELU)
			return -1;
		if (nn_layer_out_count(l) > widest) widest = nn_layer_out_count(l);
		if (has_weights(l)) total += n * nn_layer_out_count(l);
	}
	size_t in = n * nn_seq_in_count(s);
	total += in + 2 * n * widest + n;
	gp->arena = nn_alloc(s->be, total);
	gp->host = malloc(n * sizeof *gp->host);
	if (!gp->arena || !gp->host) {
		nn_gp_free(gp);
		return -1;
	}
	float *p = gp->arena;
	gp->xhat = p, p += in;
	gp->gamma[0] = p, p += n * widest;
	gp->gamma[1] = p, p += n * widest;
	gp->sq = p, p += n;
	for (int i = 0; i < s->nlayers; i++)
		if (has_weights(&s->layers[i]))
			gp->delta[i] = p, p += n * nn_layer_out_count(&s->layers[i]);
	return 0;
}

void nn_gp_free(nn_gp *gp)
{
	if (gp->arena) nn_free(gp->seq->be, gp->arena);
	free(gp->host);
	memset(gp, 0, sizeof *gp);
}

/* buf *= the mask of activation layer l (its output y at the
 * interpolates): the activation's backward, in place */
static void mask(nn_backend *be, const nn_seq *s, const nn_layer *l, int n, float *buf)
{
	const float *y = s->acts + l->act_off;
	size_t cnt = (size_t)n * nn_layer_out_count(l);
	if (l->kind == NN_LAYER_RELU)
		nn_relu_backward(be, cnt, y, buf, buf);
	else
		nn_leaky_relu_backward(be, cnt, l->slope, y, buf, buf);
}

/* xhat_i = e_i real_i + (1 - e_i) fake_i */
static void interpolate(nn_gp *gp, int n, const float *real, const float *fake, nn_rng *r)
{
	nn_backend *be = gp->seq->be;
	size_t in = nn_seq_in_count(gp->seq);
	for (int i = 0; i < n; i++) {
		float e = nn_rng_uniform(r), *x = gp->xhat + i * in;
		nn_copy(be, x, real + i * in, in);
		nn_scale(be, in, e, x);
		nn_axpy(be, in, 1.0f - e, fake + i * in, x);
	}
}

/* Step 1: back from dD = 1 to g (in gamma[0]), keeping each weight
 * layer's output gradient in delta[i]. */
static void input_gradient(nn_gp *gp, int n)
{
	nn_seq *s = gp->seq;
	nn_backend *be = s->be;
	float *cur = gp->gamma[1];
	nn_fill(be, cur, 1.0f, (size_t)n * nn_layer_out_count(&s->layers[s->nlayers - 1]));
	for (int i = s->nlayers - 1; i >= 0; i--) {
		const nn_layer *l = &s->layers[i];
		const float *in = i ? s->acts + s->layers[i - 1].act_off : gp->xhat;
		if (!has_weights(l)) {
			mask(be, s, l, n, cur);
			continue;
		}
		nn_copy(be, gp->delta[i], cur, (size_t)n * nn_layer_out_count(l));
		float *next = cur == gp->gamma[0] ? gp->gamma[1] : gp->gamma[0];
		const float *w = s->params + l->w_off;
		if (l->kind == NN_LAYER_CONV) {
			nn_conv c = l->conv;
			c.n = n;
			nn_conv2d_backward(be, &c, in, w, gp->delta[i], next, NULL, NULL);
		} else {
			nn_linear_backward(be, n, l->in_count, (int)nn_layer_out_count(l), in, w,
			                   gp->delta[i], next, NULL, NULL);
		}
		cur = next;
	}
	if (cur != gp->gamma[0]) nn_copy(be, gp->gamma[0], cur, (size_t)n * nn_seq_in_count(s));
}

/* Step 3: gamma forward through the masked, bias-free layers, adding
 * each weight layer's second-order gradient. */
static void second_order_grads(nn_gp *gp, int n)
{
	nn_seq *s = gp->seq;
	nn_backend *be = s->be;
	float *cur = gp->gamma[0];
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		if (!has_weights(l)) {
			mask(be, s, l, n, cur);
			continue;
		}
		const float *w = s->params + l->w_off;
		float *dw = s->grads + l->w_off;
		int last = i == s->nlayers - 1;
		float *next = cur == gp->gamma[0] ? gp->gamma[1] : gp->gamma[0];
		if (l->kind == NN_LAYER_CONV) {
			nn_conv c = l->conv;
			c.n = n;
			nn_conv2d_backward(be, &c, cur, w, gp->delta[i], NULL, dw, NULL);
			if (!last) nn_conv2d_forward(be, &c, cur, w, NULL, next);
		} else {
			int in = l->in_count, out = (int)nn_layer_out_count(l);
			nn_linear_backward(be, n, in, out, cur, w, gp->delta[i], NULL, dw, NULL);
			if (!last) nn_linear_forward(be, n, in, out, cur, w, NULL, next);
		}
		cur = next;
	}
}

float nn_gp_accumulate(nn_gp *gp, int n, const float *real, const float *fake, float lambda,
                       nn_rng *r)
{
	nn_seq *s = gp->seq;
	nn_backend *be = s->be;
	size_t in = nn_seq_in_count(s);
	interpolate(gp, n, real, fake, r);
	nn_seq_forward_layers(s, n, gp->xhat, 1);
	input_gradient(gp, n);
	/* |g_i|^2 as a 1x1 product per sample */
	for (int i = 0; i < n; i++) {
		const float *g = gp->gamma[0] + i * in;
		nn_gemm(be, 0, 1, 1, 1, (int)in, 1.0f, g, g, 0.0f, gp->sq + i);
	}
	nn_download(be, gp->host, gp->sq, (size_t)n);
	double penalty = 0;
	for (int i = 0; i < n; i++) {
		double norm = sqrt((double)gp->host[i]);
		penalty += (norm - 1) * (norm - 1);
		/* d/dg_i of lambda/n (|g_i| - 1)^2; a zero gradient has no direction */
		float k = norm > 0 ? (float)(2.0 * lambda * (norm - 1) / (norm * n)) : 0.0f;
		nn_scale(be, in, k, gp->gamma[0] + i * in);
	}
	second_order_grads(gp, n);
	return (float)(lambda * penalty / n);
}
