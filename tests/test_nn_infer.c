/* test_nn_infer.c - nn/infer.c's fused eval forward against the
 * layer-by-layer path (nn_seq_forward_layers) on the CPU: DCGAN generators
 * (rgb and onehot, tiny and full width, batch 1 and odd batches, 1 to 3
 * threads) and hand-built stacks that reach the general kernels (K = 3:
 * partial tiles and the any-K col2im; bias; LeakyReLU; non-square maps).
 *
 * Tolerance: the two paths do the same float operations per element except
 * the order of the convolution sums, so every element must agree within
 * 1e-5 of the largest magnitude in the reference output (tanh and softmax
 * outputs are at most 1 in size, so about 1e-5 absolute). Softmax rows
 * must also keep their argmax wherever the reference's top two are not a
 * near tie. The softmax's own exp is also checked relative to each
 * probability, down to the smallest normal float. */
#include "../nn/dcgan.h"
#include "../nn/infer.h"
#include "../nn/seq.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define TOL 1e-5

static const nn_init gamma_init = {NN_INIT_NORMAL, 1.0f, 0.2f};
static const nn_init beta_init = {NN_INIT_NORMAL, 0.0f, 0.2f};

/* Draws parameters and gives every BN layer running statistics away from
 * (0, 1), so the folded scale and shift are exercised. */
static void init_model(nn_seq *s, uint64_t seed)
{
	nn_rng r;
	nn_rng_seed(&r, seed);
	cr_assert_eq(nn_seq_init_params(s, &r), 0);
	for (int i = 0; i < s->nlayers; i++) {
		const nn_layer *l = &s->layers[i];
		if (l->kind != NN_LAYER_BN) continue;
		for (int c = 0; c < l->c; c++) {
			s->buffers[l->rm_off + c] = 0.3f * nn_rng_normal(&r);
			s->buffers[l->rv_off + c] = 0.5f + 1.5f * nn_rng_uniform(&r);
		}
	}
}

static float *random_input(const nn_seq *s, int n, uint64_t seed)
{
	size_t m = (size_t)n * nn_seq_in_count(s);
	float *x = malloc(m * sizeof *x);
	cr_assert_not_null(x);
	nn_rng r;
	nn_rng_seed(&r, seed);
	for (size_t i = 0; i < m; i++)
		x[i] = nn_rng_normal(&r);
	return x;
}

/* got against ref (m floats, n samples of per): see the top comment. */
static void compare(const float *ref, const float *got, size_t m, int n, int k, int softmax_c,
                    size_t per)
{
	double big = 0.0;
	for (size_t i = 0; i < m; i++)
		if (fabs(ref[i]) > big) big = fabs(ref[i]);
	cr_assert(big > 0.0, "a degenerate reference output");
	for (size_t i = 0; i < m; i++)
		cr_assert(fabs((double)got[i] - ref[i]) <= TOL * big,
		          "element %zu of %zu: fused %.9g, layers %.9g (n = %d, kernels %d)", i, m,
		          got[i], ref[i], n, k);
	if (softmax_c > 0) {
		size_t S = per / (size_t)softmax_c;
		for (size_t p = 0; p < (size_t)n * S; p++) {
			const float *rr = ref + p / S * softmax_c * S + p % S;
			const float *gg = got + p / S * softmax_c * S + p % S;
			int a = 0, b = 0;
			float top = -1.0f, second = -1.0f;
			for (int c = 0; c < softmax_c; c++) {
				float v = rr[(size_t)c * S];
				if (v > top)
					second = top, top = v, a = c;
				else if (v > second)
					second = v;
				if (gg[(size_t)c * S] > gg[(size_t)b * S]) b = c;
			}
			if (top - second > 1e-4f) cr_assert_eq(a, b, "argmax changed at %zu", p);
		}
	}
}

/* Runs the layer path and the fused one (with each kernel set) on n
 * samples of x and compares them. softmax_c > 0: the output is
 * (n, softmax_c, S) probabilities. */
static void check_paths(nn_seq *s, int n, const float *x, int softmax_c)
{
	cr_assert(nn_infer_supported(s, n), "the fused path should take this stack");
	size_t m = (size_t)n * nn_seq_out_count(s);
	float *ref = malloc(m * sizeof *ref), *got = malloc(m * sizeof *got);
	cr_assert(ref && got);
	memcpy(ref, nn_seq_forward_layers(s, n, x, 0), m * sizeof *ref);
	/* a poisoned output buffer shows any element the fused path skips */
	float *out = s->acts + s->layers[s->nlayers - 1].act_off;
	for (int k = NN_INFER_PORTABLE; k <= NN_INFER_AVX512; k++) {
		for (size_t i = 0; i < m; i++)
			out[i] = NAN;
		float *y = nn_infer_forward_kernels(s, n, x, (nn_infer_kernels)k);
		cr_assert_eq(y, out, "the output must be where nn_seq_forward_layers puts it");
		memcpy(got, y, m * sizeof *got);
		compare(ref, got, m, n, k, softmax_c, nn_seq_out_count(s));
	}
	/* and what nn_seq_forward picks */
	float *y = nn_seq_forward(s, n, x, 0);
	cr_assert_eq(y, out);
	compare(ref, y, m, n, NN_INFER_AUTO, softmax_c, nn_seq_out_count(s));
	free(ref);
	free(got);
}

static void check_dcgan(int threads, int width, int channels, int onehot, const int *ns, int count)
{
	char err[256];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, threads, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	nn_gan_config c;
	nn_gan_config_default(&c, NN_ARCH_DCGAN, channels, onehot, 64);
	c.width = width;
	nn_seq g;
	cr_assert_eq(nn_gan_build_generator(&g, &c, err, sizeof err), 0, "%s", err);
	int maxn = 0;
	for (int i = 0; i < count; i++)
		if (ns[i] > maxn) maxn = ns[i];
	cr_assert_eq(nn_seq_alloc(&g, be, maxn, 0, 0, err, sizeof err), 0, "%s", err);
	init_model(&g, 11 + (uint64_t)width);
	for (int i = 0; i < count; i++) {
		float *x = random_input(&g, ns[i], 100 + (uint64_t)i);
		check_paths(&g, ns[i], x, onehot ? channels : 0);
		free(x);
	}
	nn_seq_release(&g);
	nn_backend_destroy(be);
}

Test(nn_infer, dcgan_rgb_tiny_batches_and_threads)
{
	const int ns[] = {1, 3, 5};
	for (int t = 1; t <= 3; t++)
		check_dcgan(t, 4, 3, 0, ns, 3);
}

Test(nn_infer, dcgan_onehot_tiny_odd_vocabulary)
{
	const int ns[] = {1, 2, 7};
	for (int t = 1; t <= 2; t++)
		check_dcgan(t, 8, 7, 1, ns, 3);
}

/* The real sizes: full tiles, every kernel width, and (batch 3) the last
 * layer's positions split into two chunks. */
Test(nn_infer, dcgan_width64_rgb)
{
	const int ns[] = {1, 3};
	check_dcgan(2, 64, 3, 0, ns, test_quick() ? 1 : 2);
}

Test(nn_infer, dcgan_width16_onehot95)
{
	const int ns[] = {1, 2};
	check_dcgan(2, 16, 95, 1, ns, test_quick() ? 1 : 2);
}

/* K = 3 (9 taps: tiles that straddle channels, a partial last tile), bias,
 * BN, LeakyReLU and tanh over a non-square 3x5 input, then a 1x1-input
 * stage with a bias; 3 threads over as few as 2 output channels. */
Test(nn_infer, general_geometry)
{
	char err[256];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 3, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	const nn_init bias_init = {NN_INIT_NORMAL, 0.0f, 0.5f};
	const nn_init wide = {NN_INIT_NORMAL, 0.0f, 0.3f};
	nn_seq s;
	nn_seq_begin(&s, 5, 3, 5);
	nn_seq_add_conv(&s, 1, 6, 3, 2, 0, 1, wide, bias_init); /* -> (6, 7, 11) */
	nn_seq_add_bn(&s, gamma_init, beta_init);
	nn_seq_add_act(&s, NN_LAYER_LRELU, 0.2f);
	nn_seq_add_conv(&s, 1, 2, 3, 1, 1, 1, wide, bias_init); /* -> (2, 7, 11) */
	nn_seq_add_act(&s, NN_LAYER_TANH, 0.0f);
	cr_assert_eq(nn_seq_alloc(&s, be, 4, 0, 0, err, sizeof err), 0, "%s", err);
	init_model(&s, 5);
	for (int n = 1; n <= 4; n += 3) {
		float *x = random_input(&s, n, 50 + (uint64_t)n);
		check_paths(&s, n, x, 0);
		free(x);
	}
	nn_seq_release(&s);

	/* a latent-like 1x1 input, bias, no BN, softmax over 3 channels */
	nn_seq_begin(&s, 9, 1, 1);
	nn_seq_add_conv(&s, 1, 4, 4, 1, 0, 1, wide, bias_init); /* -> (4, 4, 4) */
	nn_seq_add_act(&s, NN_LAYER_RELU, 0.0f);
	nn_seq_add_conv(&s, 1, 3, 4, 2, 1, 0, wide, bias_init); /* -> (3, 8, 8) */
	nn_seq_add_act(&s, NN_LAYER_SOFTMAX, 0.0f);
	cr_assert_eq(nn_seq_alloc(&s, be, 5, 0, 0, err, sizeof err), 0, "%s", err);
	init_model(&s, 6);
	float *x = random_input(&s, 5, 77);
	check_paths(&s, 5, x, 3);
	check_paths(&s, 2, x, 3);
	free(x);
	nn_seq_release(&s);
	nn_backend_destroy(be);
}

/* The softmax's own exp (AVX2: a polynomial, not libm's expf) over logits
 * spread far enough that many fall below e^-87.3, where it flushes to 0:
 * every probability the layer path puts in the normal float range must
 * agree to 2e-6 of itself (a few float ulp: exp's series and the float
 * sum), not only to the 1e-5 absolute of check_paths, and the rest may
 * differ only by a subnormal. One input channel and no bias, so each logit
 * is one product, the same in both paths. */
Test(nn_infer, softmax_keeps_small_probabilities_relative)
{
	char err[256];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	const nn_init wide = {NN_INIT_NORMAL, 0.0f, 30.0f};
	nn_seq s;
	nn_seq_begin(&s, 1, 1, 1);
	nn_seq_add_conv(&s, 1, 16, 4, 1, 0, 0, wide, wide); /* -> (16, 4, 4) */
	nn_seq_add_act(&s, NN_LAYER_SOFTMAX, 0.0f);
	cr_assert_eq(nn_seq_alloc(&s, be, 4, 0, 0, err, sizeof err), 0, "%s", err);
	init_model(&s, 8);
	float *x = random_input(&s, 4, 21);
	size_t m = 4 * nn_seq_out_count(&s);
	float *ref = malloc(m * sizeof *ref);
	cr_assert_not_null(ref);
	memcpy(ref, nn_seq_forward_layers(&s, 4, x, 0), m * sizeof *ref);
	size_t normal = 0, flushed = 0;
	for (size_t i = 0; i < m; i++)
		ref[i] >= FLT_MIN ? normal++ : flushed++;
	cr_assert(normal > m / 8 && flushed > m / 8, "logits this spread: %zu normal, %zu below",
	          normal, flushed);
	for (int k = NN_INFER_PORTABLE; k <= NN_INFER_AVX512; k++) {
		const float *y = nn_infer_forward_kernels(&s, 4, x, (nn_infer_kernels)k);
		for (size_t i = 0; i < m; i++) {
			double tol = ref[i] >= FLT_MIN ? 2e-6 * ref[i] : FLT_MIN;
			cr_assert(fabs((double)y[i] - ref[i]) <= tol,
			          "element %zu: fused %.9g, layers %.9g (kernels %d)", i, y[i],
			          ref[i], k);
		}
	}
	free(ref);
	free(x);
	nn_seq_release(&s);
	nn_backend_destroy(be);
}

/* What the fused path must leave alone: other stacks, train mode, more
 * samples than the arena holds, and the BN running statistics. */
Test(nn_infer, declines_and_leaves_state_alone)
{
	char err[256];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 2, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	nn_gan_config c;
	nn_gan_config_default(&c, NN_ARCH_DCGAN, 3, 0, 64);
	c.width = 4;
	nn_seq d, g;
	cr_assert_eq(nn_gan_build_discriminator(&d, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_seq_alloc(&d, be, 2, 0, 0, err, sizeof err), 0, "%s", err);
	cr_assert_not(nn_infer_supported(&d, 1), "conv2d stacks are not the fused path's");
	cr_assert_null(nn_infer_forward(&d, 1, NULL));
	nn_seq_release(&d);

	cr_assert_eq(nn_gan_build_generator(&g, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_seq_alloc(&g, be, 2, 1, 0, err, sizeof err), 0, "%s", err);
	init_model(&g, 3);
	cr_assert(nn_infer_supported(&g, 2));
	cr_assert_not(nn_infer_supported(&g, 3), "more samples than the arena holds");
	cr_assert_not(nn_infer_supported(&g, 0));
	float *before = malloc(g.nbuffers * sizeof *before);
	cr_assert_not_null(before);
	memcpy(before, g.buffers, g.nbuffers * sizeof *before);
	float *x = random_input(&g, 2, 9);
	nn_seq_forward(&g, 2, x, 0);
	cr_assert_arr_eq(before, g.buffers, g.nbuffers * sizeof *before,
	                 "eval must not touch the running statistics");
	cr_assert_eq(g.bn_batches, 0);
	/* train mode still updates them (the fused path is eval only) */
	nn_seq_forward(&g, 2, x, 1);
	cr_assert_eq(g.bn_batches, 1);
	cr_assert_neq(memcmp(before, g.buffers, g.nbuffers * sizeof *before), 0);
	free(before);
	free(x);
	nn_seq_release(&g);
	nn_backend_destroy(be);
}
