/* test_nn_spectral.c - spectral norm projection (nn/spectral.h) against
 * weights whose singular values are known by construction. */
#include "../nn/spectral.h"
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

TestSuite(nn_spectral, .init = setup, .fini = teardown);

static const nn_init zero = {NN_INIT_CONST, 0.0f, 0.0f};

/* A critic-like stack: conv (2 -> 4, k2) then linear (4*2*2 -> 3). */
static void build(nn_seq *s)
{
	char err[256];
	nn_seq_begin(s, 2, 4, 4);
	nn_seq_add_conv(s, 0, 4, 2, 2, 0, 1, zero, zero);
	nn_seq_add_act(s, NN_LAYER_LRELU, 0.2f);
	nn_seq_add_linear(s, 3, 1, 1, zero, zero);
	cr_assert_eq(nn_seq_alloc(s, be, 2, 1, 2, err, sizeof err), 0, "%s", err);
}

/* Row i of a (rows, cols) matrix is s[i] times unit vector e_(2i+1): rows
 * orthogonal, so the singular values are |s[i]|. */
static void set_scaled_rows(nn_seq *s, int layer, int rows, int cols, const float *sv)
{
	float w[64] = {0};
	cr_assert_leq(rows * cols, 64);
	for (int i = 0; i < rows; i++)
		w[i * cols + 2 * i + 1] = sv[i];
	nn_upload(be, s->params + s->layers[layer].w_off, w, (size_t)rows * cols);
}

static void get(nn_seq *s, int layer, float *w, int n)
{
	nn_download(be, w, s->params + s->layers[layer].w_off, (size_t)n);
}

Test(nn_spectral, a_weight_above_one_is_scaled_to_one_and_one_below_is_kept)
{
	nn_seq s;
	build(&s);
	/* conv weight (4, 2*2*2 = 8): singular values 0.5, 2.5, 1, -0.25 */
	const float conv_sv[4] = {0.5f, 2.5f, 1.0f, -0.25f};
	set_scaled_rows(&s, 0, 4, 8, conv_sv);
	/* linear weight (3, 16): singular values 0.5, 0.25, 0.75 */
	const float lin_sv[3] = {0.5f, 0.25f, 0.75f};
	set_scaled_rows(&s, 2, 3, 16, lin_sv);
	/* the bias must not be touched */
	float bias[4] = {3, -3, 7, 9};
	nn_upload(be, s.params + s.layers[0].b_off, bias, 4);

	nn_spectral sn;
	cr_assert_eq(nn_spectral_init(&sn, &s, 20), 0);
	cr_assert_eq(sn.count, 2);
	cr_assert_eq(sn.rows[0], 4);
	cr_assert_eq(sn.cols[0], 8);
	cr_assert_eq(sn.rows[1], 3);
	cr_assert_eq(sn.cols[1], 16);
	nn_spectral_project(&sn);
	cr_assert_float_eq(sn.sigma[0], 2.5f, 1e-3, "conv sigma %g", sn.sigma[0]);
	cr_assert_float_eq(sn.sigma[1], 0.75f, 1e-3, "linear sigma %g", sn.sigma[1]);

	float w[32], lin[48];
	get(&s, 0, w, 32);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++) {
			float want = j == 2 * i + 1 ? conv_sv[i] / 2.5f : 0.0f;
			cr_assert_float_eq(w[i * 8 + j], want, 1e-3, "conv w[%d][%d] = %g", i, j,
			                   w[i * 8 + j]);
		}
	get(&s, 2, lin, 48);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(lin[i * 16 + 2 * i + 1], lin_sv[i], "a weight within the bound moved");
	float b[4];
	nn_download(be, b, s.params + s.layers[0].b_off, 4);
	cr_assert_eq(memcmp(b, bias, sizeof b), 0, "the bias was scaled");

	/* projecting again: sigma is 1 now, nothing moves further */
	nn_spectral_project(&sn);
	cr_assert_float_eq(sn.sigma[0], 1.0f, 1e-3);
	float again[32];
	get(&s, 0, again, 32);
	for (int i = 0; i < 32; i++)
		cr_assert_float_eq(again[i], w[i], 1e-4, "w[%d] moved: %g -> %g", i, w[i],
		                   again[i]);
	nn_spectral_free(&sn);
	nn_seq_release(&s);
}

/* W (4, 8) = s1 a b^T + s2 c d^T with a, c orthonormal and b, d
 * orthonormal: singular values s1 and s2. mix 1 rotates both pairs by 45
 * degrees (a' = (a + c)/sqrt2, ...), so the top direction moves to one
 * that is neither old singular vector. */
static void set_rank2(nn_seq *s, float s1, float s2, int mix)
{
	const float a[4] = {0.5f, 0.5f, 0.5f, 0.5f}, c[4] = {0.5f, -0.5f, 0.5f, -0.5f};
	float b[8], d[8];
	for (int j = 0; j < 8; j++) {
		b[j] = 1.0f / sqrtf(8.0f);
		d[j] = (j % 2 ? -1.0f : 1.0f) / sqrtf(8.0f);
	}
	float w[32];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++) {
			float ai = a[i], ci = c[i], bj = b[j], dj = d[j];
			if (mix) {
				float r = 1.0f / sqrtf(2.0f);
				ai = (a[i] + c[i]) * r, ci = (a[i] - c[i]) * r;
				bj = (b[j] + d[j]) * r, dj = (b[j] - d[j]) * r;
			}
			w[i * 8 + j] = s1 * ai * bj + s2 * ci * dj;
		}
	nn_upload(be, s->params + s->layers[0].w_off, w, 32);
}

Test(nn_spectral, one_iteration_per_update_tracks_a_moving_weight)
{
	nn_seq s;
	build(&s);
	set_rank2(&s, 2.5f, 0.5f, 0);
	nn_spectral sn;
	cr_assert_eq(nn_spectral_init(&sn, &s, 20), 0);
	nn_spectral_project(&sn);
	cr_assert_float_eq(sn.sigma[0], 2.5f, 1e-3);
	/* an update turns the top direction by 45 degrees and grows it to 3:
	 * the saved u already finds most of it in one iteration (2.96 by
	 * hand), and a few more updates bring W to W' / 3 */
	set_rank2(&s, 3.0f, 0.5f, 1);
	nn_spectral_project(&sn);
	cr_assert_float_eq(sn.sigma[0], 2.96f, 0.01f, "first estimate %g", sn.sigma[0]);
	for (int it = 0; it < 5; it++)
		nn_spectral_project(&sn);
	cr_assert_float_eq(sn.sigma[0], 1.0f, 1e-3, "sigma after projecting: %g", sn.sigma[0]);
	float w[32];
	get(&s, 0, w, 32);
	set_rank2(&s, 1.0f, 0.5f / 3.0f, 1);
	float want[32];
	get(&s, 0, want, 32);
	for (int i = 0; i < 32; i++)
		cr_assert_float_eq(w[i], want[i], 2e-3, "w[%d] = %g, want %g", i, w[i], want[i]);
	nn_spectral_free(&sn);
	nn_seq_release(&s);
}

Test(nn_spectral, a_generator_stack_is_refused)
{
	char err[256];
	nn_seq s;
	nn_seq_begin(&s, 4, 1, 1);
	nn_seq_add_conv(&s, 1, 2, 4, 1, 0, 0, zero, zero);
	cr_assert_eq(nn_seq_alloc(&s, be, 1, 1, 0, err, sizeof err), 0, "%s", err);
	nn_spectral sn;
	cr_assert_eq(nn_spectral_init(&sn, &s, 1), -1);
	cr_assert_eq(sn.count, 0);
	nn_seq_release(&s);
}
