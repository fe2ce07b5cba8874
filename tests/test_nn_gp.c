/* test_nn_gp.c - the WGAN-GP penalty (nn/gp.h): its value against the
 * input gradient of the ordinary backward pass, its weight gradients
 * against finite differences. */
#include "../nn/gp.h"
#include "testutil.h"

#include <math.h>

static nn_backend *be;

static void setup(void)
{
	char err[256];
	be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
}

static void teardown(void)
{
	nn_backend_destroy(be);
}

TestSuite(nn_gp, .init = setup, .fini = teardown);

enum { N = 3, IN = 2 * 6 * 6 };

/* conv (2 -> 3, k3 p1) lrelu, conv (3 -> 4, k2 s2) relu, linear (36 -> 1) */
static void build(nn_seq *s)
{
	char err[256];
	const nn_init w = {NN_INIT_NORMAL, 0.0f, 0.8f}, b = {NN_INIT_NORMAL, 0.0f, 0.1f};
	nn_seq_begin(s, 2, 6, 6);
	nn_seq_add_conv(s, 0, 3, 3, 1, 1, 1, w, b);
	nn_seq_add_act(s, NN_LAYER_LRELU, 0.2f);
	nn_seq_add_conv(s, 0, 4, 2, 2, 0, 1, w, b);
	nn_seq_add_act(s, NN_LAYER_RELU, 0);
	nn_seq_add_linear(s, 1, 1, 1, w, b);
	cr_assert_eq(nn_seq_alloc(s, be, N, 1, 0, err, sizeof err), 0, "%s", err);
	nn_rng r;
	nn_rng_seed(&r, 5);
	cr_assert_eq(nn_seq_init_params(s, &r), 0);
}

static void random_inputs(float *real, float *fake)
{
	nn_rng r;
	nn_rng_seed(&r, 6);
	for (int i = 0; i < N * IN; i++) {
		real[i] = nn_rng_normal(&r);
		fake[i] = nn_rng_normal(&r);
	}
}

/* The critic of build, its penalty buffers and random real and fake
 * batches. */
static void open_critic(nn_seq *s, nn_gp *gp, float *real, float *fake)
{
	build(s);
	random_inputs(real, fake);
	cr_assert_eq(nn_gp_init(gp, s), 0);
}

/* The penalty with weights zeroed first; the same interpolation weights
 * every call (seed 7). */
static float penalty(nn_gp *gp, const float *real, const float *fake, float lambda)
{
	nn_seq_zero_grad(gp->seq);
	nn_rng r;
	nn_rng_seed(&r, 7);
	return nn_gp_accumulate(gp, N, real, fake, lambda, &r);
}

Test(nn_gp, penalty_is_that_of_the_ordinary_input_gradient)
{
	nn_seq s;
	nn_gp gp;
	float real[N * IN], fake[N * IN];
	open_critic(&s, &gp, real, fake);
	float p = penalty(&gp, real, fake, 10.0f);

	/* the interpolates and their input gradients by nn_seq_backward */
	nn_rng r;
	nn_rng_seed(&r, 7);
	float xhat[N * IN], ones[N], g[N * IN];
	for (int i = 0; i < N; i++) {
		float e = nn_rng_uniform(&r);
		for (int j = 0; j < IN; j++)
			xhat[i * IN + j] = e * real[i * IN + j] + (1 - e) * fake[i * IN + j];
		ones[i] = 1.0f;
	}
	nn_seq_forward_layers(&s, N, xhat, 1);
	nn_seq_backward(&s, N, ones, g, 0);
	double want = 0;
	for (int i = 0; i < N; i++) {
		double sq = 0;
		for (int j = 0; j < IN; j++)
			sq += (double)g[i * IN + j] * g[i * IN + j];
		want += (sqrt(sq) - 1) * (sqrt(sq) - 1);
		cr_assert_gt(fabs(sqrt(sq) - 1), 0.05, "sample %d's norm is 1: a weak case", i);
	}
	want = 10.0 * want / N;
	cr_assert_float_eq(p, want, 1e-4 * want, "penalty %g, want %g", p, want);
	nn_gp_free(&gp);
	nn_seq_release(&s);
}

Test(nn_gp, weight_gradients_match_finite_differences)
{
	nn_seq s;
	nn_gp gp;
	float real[N * IN], fake[N * IN];
	open_critic(&s, &gp, real, fake);
	penalty(&gp, real, fake, 1.0f);
	float *grad = malloc(s.nparams * sizeof *grad);
	cr_assert_not_null(grad);
	memcpy(grad, s.grads, s.nparams * sizeof *grad);
	int checked = 0;
	for (int li = 0; li < s.nlayers; li++) {
		const nn_layer *l = &s.layers[li];
		if (l->w_off == NN_SEQ_NONE) continue;
		size_t wn = l->kind == NN_LAYER_CONV
		                ? (size_t)l->conv.cout * l->conv.cin * l->conv.k * l->conv.k
		                : (size_t)l->in_count;
		for (size_t k = 0; k < wn; k++) {
			float *w = s.params + l->w_off + k, keep = *w, h = 1e-3f;
			*w = keep + h;
			double up = penalty(&gp, real, fake, 1.0f);
			*w = keep - h;
			double down = penalty(&gp, real, fake, 1.0f);
			*w = keep;
			double fd = (up - down) / (2.0 * h), an = grad[l->w_off + k];
			cr_assert(fabs(fd - an) <= 2e-2 * fabs(fd) + 2e-3,
			          "layer %d weight %zu: analytic %g, finite differences %g", li, k,
			          an, fd);
			checked++;
		}
		/* the penalty does not depend on biases (but through the masks) */
		size_t bn = (size_t)l->c;
		for (size_t k = 0; k < bn; k++)
			cr_assert_eq(grad[l->b_off + k], 0.0f, "layer %d bias %zu", li, k);
	}
	cr_assert_eq(checked, 3 * 2 * 9 + 4 * 3 * 4 + 36);
	free(grad);
	nn_gp_free(&gp);
	nn_seq_release(&s);
}

Test(nn_gp, batchnorm_critics_are_refused)
{
	char err[256];
	const nn_init z = {NN_INIT_CONST, 0.0f, 0.0f};
	nn_seq s;
	nn_seq_begin(&s, 2, 4, 4);
	nn_seq_add_conv(&s, 0, 2, 2, 2, 0, 0, z, z);
	nn_seq_add_bn(&s, z, z);
	cr_assert_eq(nn_seq_alloc(&s, be, 1, 1, 0, err, sizeof err), 0, "%s", err);
	nn_gp gp;
	cr_assert_eq(nn_gp_init(&gp, &s), -1);
	nn_seq_release(&s);
}
