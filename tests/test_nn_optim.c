/* test_nn_optim.c - Adam, RMSprop and clipping against two-step traces
 * worked out by hand (and checked in Python with float64): p0 = 1, g1 =
 * 0.5, g2 = -0.25.
 *   Adam lr 0.1, betas (0.9, 0.999), eps 1e-8:
 *     t1: m 0.05, v 0.00025, m^ 0.5, v^ 0.25          -> p 0.9
 *     t2: m 0.02, v 0.00031225, m^ 0.02/0.19, v^ 0.00031225/0.001999
 *                                                    -> p 0.8733662987
 *   RMSprop lr 0.01, alpha 0.99, eps 1e-8:
 *     1: v 0.0025, sqrt 0.05                          -> p 0.9
 *     2: v 0.0031, sqrt 0.0556776                     -> p 0.9449013374
 * Tolerance 1e-6 absolute on p, 1e-4 relative on the moments (0.99f and
 * 0.999f are not exact in float).
 */
#include "../nn/backend.h"
#include "../nn/nn.h"
#include "testutil.h"

#include <math.h>

static nn_backend *cpu(void)
{
	char err[128];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	return be;
}

Test(nn_optim, adam_two_step_trace)
{
	nn_backend *be = cpu();
	nn_adam o = {.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
	/* element 1 has a zero gradient: it must not move (and not be NaN) */
	float p[2] = {1, -3}, m[2] = {0}, v[2] = {0};
	float g1[2] = {0.5f, 0}, g2[2] = {-0.25f, 0};
	nn_adam_step(be, &o, 1, 2, p, g1, m, v);
	cr_assert(fabsf(p[0] - 0.9f) < 1e-6f, "p %.9g", p[0]);
	cr_assert(fabsf(m[0] - 0.05f) < 1e-7f && fabsf(v[0] - 0.00025f) < 1e-4f * 0.00025f);
	nn_adam_step(be, &o, 2, 2, p, g2, m, v);
	cr_assert(fabsf(p[0] - 0.8733662987f) < 1e-6f, "p %.9g", p[0]);
	cr_assert(fabsf(m[0] - 0.02f) < 1e-7f && fabsf(v[0] - 0.00031225f) < 1e-4f * 0.00031225f);
	cr_assert_eq(p[1], -3.0f);
	cr_assert_eq(m[1], 0.0f);
	nn_backend_destroy(be);
}

/* Adam's first step moves every parameter by about lr whatever the
 * gradient's scale: the bias correction at work. */
Test(nn_optim, adam_first_step_is_scale_free)
{
	nn_backend *be = cpu();
	nn_adam o = {.lr = 2e-4f, .beta1 = 0.5f, .beta2 = 0.999f, .eps = 1e-8f};
	float p[3] = {0, 0, 0}, m[3] = {0}, v[3] = {0}, g[3] = {1e-3f, -7.0f, 300.0f};
	nn_adam_step(be, &o, 1, 3, p, g, m, v);
	cr_assert(fabsf(p[0] + 2e-4f) < 1e-8f, "%g", p[0]);
	cr_assert(fabsf(p[1] - 2e-4f) < 1e-8f, "%g", p[1]);
	cr_assert(fabsf(p[2] + 2e-4f) < 1e-8f, "%g", p[2]);
	nn_backend_destroy(be);
}

Test(nn_optim, rmsprop_two_step_trace)
{
	nn_backend *be = cpu();
	nn_rmsprop o = {.lr = 0.01f, .alpha = 0.99f, .eps = 1e-8f};
	float p[2] = {1, 2}, v[2] = {0}, g1[2] = {0.5f, 0}, g2[2] = {-0.25f, 0};
	nn_rmsprop_step(be, &o, 2, p, g1, v);
	cr_assert(fabsf(p[0] - 0.9f) < 1e-6f, "p %.9g", p[0]);
	cr_assert(fabsf(v[0] - 0.0025f) < 1e-5f * 0.0025f);
	nn_rmsprop_step(be, &o, 2, p, g2, v);
	cr_assert(fabsf(p[0] - 0.9449013374f) < 1e-6f, "p %.9g", p[0]);
	cr_assert(fabsf(v[0] - 0.0031f) < 1e-5f * 0.0031f);
	cr_assert_eq(p[1], 2.0f);
	nn_backend_destroy(be);
}

Test(nn_optim, clip_clamps_to_the_box)
{
	nn_backend *be = cpu();
	float p[6] = {-1, -0.01f, -0.005f, 0, 0.0099f, 3};
	nn_clip(be, 6, 0.01f, p);
	const float want[6] = {-0.01f, -0.01f, -0.005f, 0, 0.0099f, 0.01f};
	for (int i = 0; i < 6; i++)
		cr_assert_eq(p[i], want[i], "p[%d] = %g", i, p[i]);
	nn_backend_destroy(be);
}
