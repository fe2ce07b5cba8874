/* test_eval.c - nn/eval.c on tiny hand-made grids whose metrics are worked
 * out by hand below. */
#include "../nn/eval.h"
#include "testutil.h"

#include <math.h>

/* vocab 2; everything allowed except 1 directly right of 0 (d 2), which is
 * the same as 0 directly left of 1 (d 0). */
static void allowed_no_01(uint8_t al[4 * 2 * 2])
{
	memset(al, 1, 16);
	al[(2 * 2 + 0) * 2 + 1] = 0; /* allowed[2][0][1] */
	al[(0 * 2 + 1) * 2 + 0] = 0; /* allowed[0][1][0] */
}

static nn_eval_metrics eval(const int32_t *train, int nt, const int32_t *gen, int ng, int size,
                            int vocab, const uint8_t *al)
{
	nn_eval_metrics m;
	char err[128] = "";
	cr_assert_eq(nn_eval_grids(train, nt, gen, ng, size, vocab, al, NULL, &m, err, sizeof err),
	             0, "%s", err);
	return m;
}

Test(eval, violations)
{
	uint8_t al[16];
	allowed_no_01(al);
	/* grid 0: [0 1 / 0 0] has one bad pair (0|1); grid 1: all zeros */
	const int32_t gen[8] = {0, 1, 0, 0, 0, 0, 0, 0};
	cr_assert_eq(nn_eval_violations(gen, 2, 2, al), 1);
	/* 1 above 0 and 1 left of 0 are fine */
	const int32_t ok[4] = {1, 0, 0, 0};
	cr_assert_eq(nn_eval_violations(ok, 2, 2, al), 0);
	nn_eval_metrics m = eval(gen + 4, 1, gen, 2, 2, 2, al);
	cr_assert_eq(m.pairs, 8); /* 2 grids x (2 horizontal + 2 vertical) */
	cr_assert_eq(m.violations, 1);
	cr_assert_float_eq(m.violation_rate, 0.125, 1e-12);
	cr_assert_eq(m.valid, 1);
	cr_assert_float_eq(m.valid_rate, 0.5, 1e-12);
	/* an unknown cell breaks both pairs it is in (no wrap-around) */
	const int32_t unk[4] = {0, 5, 0, 0};
	cr_assert_eq(nn_eval_violations(unk, 2, 2, al), 2);
	m = eval(gen + 4, 1, unk, 1, 2, 2, al);
	cr_assert_eq(m.unknown_cells, 1);
	/* d 1 is "below": forbidding 1 below 0 catches a vertical pair only */
	uint8_t al2[16];
	memset(al2, 1, 16);
	al2[(1 * 2 + 0) * 2 + 1] = 0;
	const int32_t col[4] = {0, 0, 1, 0}; /* 1 sits below 0 at x = 0 */
	cr_assert_eq(nn_eval_violations(col, 2, 2, al2), 1);
	const int32_t row[4] = {0, 1, 0, 0};
	cr_assert_eq(nn_eval_violations(row, 2, 2, al2), 0);
}

Test(eval, identical_sets_have_zero_divergence)
{
	uint8_t al[16];
	memset(al, 1, 16);
	const int32_t g[18] = {0, 1, 1, 0, 0, 1, 1, 1, 0, /**/ 1, 1, 1, 0, 0, 0, 1, 0, 1};
	nn_eval_metrics m = eval(g, 2, g, 2, 3, 2, al);
	cr_assert_float_eq(m.kl2, 0, 1e-12);
	cr_assert_float_eq(m.kl3, 0, 1e-12);
	cr_assert_float_eq(m.kl2_rev, 0, 1e-12);
	cr_assert_float_eq(m.hist_js, 0, 1e-12);
	cr_assert_eq(m.train_copies, 2);
	cr_assert_eq(m.duplicates, 0);
	cr_assert_float_eq(m.nearest_train, 0, 1e-12);
	/* same distribution, different counts: still 0 */
	const int32_t twice[36] = {0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1,
	                           0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1};
	m = eval(g, 2, twice, 4, 3, 2, al);
	cr_assert_float_eq(m.kl2, 0, 1e-12);
	cr_assert_float_eq(m.kl3, 0, 1e-12);
	cr_assert_eq(m.duplicates, 2);
}

Test(eval, kl_by_hand)
{
	uint8_t al[16];
	memset(al, 1, 16);
	const int32_t train[4] = {0, 0, 0, 0}, gen[4] = {0, 1, 0, 0};
	nn_eval_metrics m = eval(train, 1, gen, 1, 2, 2, al);
	/* one 2x2 window each, different: U = 2 windows,
	 * p = ((1+e)/(1+2e), e/(1+2e)), q the reverse, KL = (a-b) log(a/b) */
	double e = NN_EVAL_EPSILON, a = (1 + e) / (1 + 2 * e), b = e / (1 + 2 * e);
	double kl = (a - b) * log(a / b);
	cr_assert_float_eq(m.kl2, kl, 1e-9);
	cr_assert_float_eq(m.kl2_rev, kl, 1e-9);
	cr_assert_gt(m.kl2, 10);             /* a training pattern missing costs ~ log(1/e) */
	cr_assert_float_eq(m.kl3, 0, 1e-12); /* no 3x3 window fits */
	/* histograms (4, 0) vs (3, 1): JS in bits */
	double p[2] = {1, 0}, q[2] = {0.75, 0.25}, js = 0;
	for (int i = 0; i < 2; i++) {
		double mm = (p[i] + q[i]) / 2;
		if (p[i] > 0) js += 0.5 * p[i] * log2(p[i] / mm);
		js += 0.5 * q[i] * log2(q[i] / mm);
	}
	cr_assert_float_eq(m.hist_js, js, 1e-12);
	cr_assert_gt(m.hist_js, 0);
	/* Hamming: 1 of 4 cells differs */
	cr_assert_float_eq(m.nearest_train, 0.25, 1e-12);
	cr_assert_eq(m.train_copies, 0);
}

Test(eval, duplicates_copies_diversity)
{
	uint8_t al[16];
	memset(al, 1, 16);
	const int32_t T0[4] = {1, 1, 1, 1}, T1[4] = {0, 0, 1, 1};
	int32_t train[8];
	memcpy(train, T0, sizeof T0);
	memcpy(train + 4, T1, sizeof T1);
	const int32_t A[4] = {0, 0, 0, 0}, B[4] = {0, 0, 0, 1};
	/* gen: A B A A T0 T0 -> duplicates: A twice, T0 once; copies: T0 twice */
	const int32_t *seq[6] = {A, B, A, A, T0, T0};
	int32_t gen[24];
	for (int i = 0; i < 6; i++)
		memcpy(gen + 4 * i, seq[i], 16);
	nn_eval_metrics m = eval(train, 2, gen, 6, 2, 2, al);
	cr_assert_eq(m.duplicates, 3);
	cr_assert_eq(m.train_copies, 2);
	/* all 15 pairs: Hamming fractions by hand
	 * A-B 1/4, A-A 0, A-T0 1, B-T0 3/4, T0-T0 0.
	 * pairs: A,A,A (3 A-A = 0), A x B (3 x 1/4), A x T0 (6 x 1), B x T0 (2 x 3/4),
	 * T0-T0 (0): sum = 0.75 + 6 + 1.5 = 8.25 over 15 */
	cr_assert_float_eq(m.diversity, 8.25 / 15, 1e-12);
	/* nearest training grid: A -> T1 (2/4), B -> T1 (1/4), T0 -> 0:
	 * (0.5 + 0.25 + 0.5 + 0.5 + 0 + 0) / 6 */
	cr_assert_float_eq(m.nearest_train, 1.75 / 6, 1e-12);

	/* sampled pairs stay within [0, 1] and near the exact value */
	nn_eval_options o = {.max_pairs = 2000, .seed = 3};
	nn_eval_metrics s;
	char err[64];
	o.max_pairs = 10; /* < 15 pairs: sampled */
	cr_assert_eq(nn_eval_grids(train, 2, gen, 6, 2, 2, al, &o, &s, err, sizeof err), 0);
	cr_assert(s.diversity >= 0 && s.diversity <= 1);
	cr_assert_eq(s.duplicates, 3);
}

Test(eval, collapsed_generator_is_linear)
{
	/* 20000 equal 8x8 grids: counted as 19999 duplicates quickly */
	enum { N = 20000, S = 8 };
	int32_t *gen = calloc((size_t)N * S * S, sizeof *gen);
	uint8_t al[16];
	memset(al, 1, 16);
	nn_eval_metrics m = eval(gen, 1, gen, N, S, 2, al);
	cr_assert_eq(m.duplicates, N - 1);
	cr_assert_eq(m.train_copies, N);
	cr_assert_float_eq(m.diversity, 0, 1e-12);
	free(gen);
}

Test(eval, bad_arguments)
{
	nn_eval_metrics m;
	char err[64] = "";
	uint8_t al[16] = {0};
	int32_t g[4] = {0};
	cr_assert_eq(nn_eval_grids(g, 0, g, 1, 2, 2, al, NULL, &m, err, sizeof err), -1);
	cr_assert(strlen(err) > 0);
	cr_assert_eq(nn_eval_grids(g, 1, NULL, 1, 2, 2, al, NULL, &m, err, sizeof err), -1);
}

Test(eval, colour_level)
{
	const uint8_t colors[9] = {10, 20, 30, 200, 100, 0, 10, 20, 30};
	int32_t cls[3];
	nn_eval_color_classes(colors, 3, cls);
	cr_assert_eq(cls[0], 0);
	cr_assert_eq(cls[1], 1);
	cr_assert_eq(cls[2], 0); /* shares entry 0's colour */

	uint8_t al[4 * 9] = {0}, out[4 * 9];
	al[(2 * 3 + 2) * 3 + 1] = 1; /* 1 right of 2 */
	nn_eval_class_allowed(al, cls, 3, out);
	cr_assert_eq(out[(2 * 3 + 0) * 3 + 1], 1); /* becomes 1 right of 0 */
	int ones = 0;
	for (int i = 0; i < 36; i++)
		ones += out[i];
	cr_assert_eq(ones, 1);

	/* a 1x1 image of 2 pixels: exactly colour 0/2, and near colour 1 */
	float img[2 * 3 * 1 * 1];
	img[0] = 10 / 127.5f - 1;
	img[1] = 20 / 127.5f - 1;
	img[2] = 30 / 127.5f - 1;
	img[3] = 190 / 127.5f - 1;
	img[4] = 110 / 127.5f - 1;
	img[5] = 5 / 127.5f - 1;
	int32_t grid[2];
	nn_eval_rgb_to_grid(img, 2, 1, colors, 3, grid);
	cr_assert_eq(grid[0], 0);
	cr_assert_eq(grid[1], 1);
}
