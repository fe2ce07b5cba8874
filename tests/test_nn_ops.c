/* test_nn_ops.c - nn/ CPU ops: every backward against central finite
 * differences, convolutions against naive direct loops written here, and
 * the backend basics (memory, gemm, rng).
 *
 * Gradient checks: L = sum(r * y) with a random upstream r (so a wrong
 * element cannot hide in a sum), numeric dL/dp = (L(p+h) - L(p-h)) / 2h
 * with L accumulated in double over a float forward. Tolerance
 * |numeric - analytic| <= GRAD_ATOL + GRAD_RTOL |numeric|: float
 * round-off in L over 2h ~ 1e-2 stays well under 2e-3 at these sizes.
 * Parameter gradients start from a non-zero value to check that backward
 * accumulates; dx starts from garbage to check that it overwrites.
 */
#include "../nn/backend.h"
#include "../nn/nn.h"
#include "testutil.h"

#include <math.h>

#define GRAD_ATOL 2e-3
#define GRAD_RTOL 1e-2
#define FWD_TOL 1e-4 /* relative, naive double loops vs the sgemm path */

static nn_backend *cpu(void)
{
	char err[128];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	return be;
}

static float *buf(size_t n)
{
	float *p = calloc(n ? n : 1, sizeof(float));
	cr_assert_not_null(p);
	return p;
}

/* uniform in [-a, a) */
static float *rnd(nn_rng *r, size_t n, float a)
{
	float *p = buf(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (2.0f * nn_rng_uniform(r) - 1.0f) * a;
	return p;
}

/* A random value at least 0.1 away from 0: finite differences of relu
 * must not straddle the kink. */
static float *rnd_off_zero(nn_rng *r, size_t n)
{
	float *p = rnd(r, n, 2.0f);
	for (size_t i = 0; i < n; i++)
		if (fabsf(p[i]) < 0.1f) p[i] += p[i] < 0 ? -0.1f : 0.1f;
	return p;
}

static void sub(float *a, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		a[i] -= v;
}

/* --- the finite-difference harness ----------------------------------- */

typedef struct gcase gcase;
struct gcase {
	nn_backend *be;
	void (*fwd)(gcase *);   /* recomputes y from the case's inputs */
	double (*obj)(gcase *); /* or a scalar objective directly (losses) */
	float *y;
	const float *r;
	size_t ny;
};

static double objective(gcase *g)
{
	if (g->obj) return g->obj(g);
	g->fwd(g);
	double s = 0.0;
	for (size_t i = 0; i < g->ny; i++)
		s += (double)g->r[i] * g->y[i];
	return s;
}

/* Checks ana (dL/dp) at every entry of p (or ~200 spread entries). */
static void check_grad(gcase *g, const char *name, float *p, size_t n, const float *ana, float h)
{
	size_t step = n > 200 ? n / 200 + 1 : 1;
	for (size_t i = 0; i < n; i += step) {
		float keep = p[i];
		float hi = keep + h, lo = keep - h;
		p[i] = hi;
		double lp = objective(g);
		p[i] = lo;
		double lm = objective(g);
		p[i] = keep;
		double num = (lp - lm) / ((double)hi - (double)lo);
		cr_assert(fabs(num - ana[i]) <= GRAD_ATOL + GRAD_RTOL * fabs(num),
		          "%s[%zu]: numeric %.6g, analytic %.6g", name, i, num, ana[i]);
	}
}

/* --- convolutions -------------------------------------------------------- */

typedef struct {
	gcase g;
	nn_conv c;
	int transposed;
	float *x, *w, *b;
} conv_case;

static void conv_fwd(gcase *g)
{
	conv_case *k = (conv_case *)g;
	if (k->transposed)
		nn_conv_transpose2d_forward(g->be, &k->c, k->x, k->w, k->b, g->y);
	else
		nn_conv2d_forward(g->be, &k->c, k->x, k->w, k->b, g->y);
}

static size_t wcount(const nn_conv *c)
{
	return (size_t)c->cin * c->cout * c->k * c->k;
}

/* Straight from the definitions, in double.
 * conv2d:  y[n,co,oy,ox] = b[co] + sum x[n,ci,oy*s-p+ky,ox*s-p+kx] w[co,ci,ky,kx]
 * convT:   x[n,ci,iy,ix] w[ci,co,ky,kx] lands on y[n,co,iy*s-p+ky,ix*s-p+kx] */
static void naive_conv(const nn_conv *c, int transposed, const float *x, const float *w,
                       const float *b, double *y)
{
	size_t osz = (size_t)c->ho * c->wo;
	for (int n = 0; n < c->n; n++)
		for (int co = 0; co < c->cout; co++)
			for (size_t i = 0; i < osz; i++)
				y[((size_t)n * c->cout + co) * osz + i] = b ? b[co] : 0.0;
	for (int n = 0; n < c->n; n++)
		for (int ci = 0; ci < c->cin; ci++)
			for (int co = 0; co < c->cout; co++)
				for (int ky = 0; ky < c->k; ky++)
					for (int kx = 0; kx < c->k; kx++) {
						if (!transposed) {
							double wv =
							    w[((co * c->cin + ci) * c->k + ky) *
							          c->k +
							      kx];
							for (int oy = 0; oy < c->ho; oy++)
								for (int ox = 0; ox < c->wo; ox++) {
									int iy = oy * c->stride -
									         c->pad + ky;
									int ix = ox * c->stride -
									         c->pad + kx;
									if (iy < 0 || iy >= c->h ||
									    ix < 0 || ix >= c->w)
										continue;
									y[((n * c->cout + co) *
									       c->ho +
									   oy) *
									      c->wo +
									  ox] +=
									    wv *
									    x[((n * c->cin + ci) *
									           c->h +
									       iy) *
									          c->w +
									      ix];
								}
						} else {
							double wv =
							    w[((ci * c->cout + co) * c->k + ky) *
							          c->k +
							      kx];
							for (int iy = 0; iy < c->h; iy++)
								for (int ix = 0; ix < c->w; ix++) {
									int oy = iy * c->stride -
									         c->pad + ky;
									int ox = ix * c->stride -
									         c->pad + kx;
									if (oy < 0 || oy >= c->ho ||
									    ox < 0 || ox >= c->wo)
										continue;
									y[((n * c->cout + co) *
									       c->ho +
									   oy) *
									      c->wo +
									  ox] +=
									    wv *
									    x[((n * c->cin + ci) *
									           c->h +
									       iy) *
									          c->w +
									      ix];
								}
						}
					}
}

static void conv_forward_vs_naive(nn_backend *be, nn_rng *r, int transposed, int n, int cin, int h,
                                  int w, int cout, int k, int s, int p, int bias)
{
	nn_conv c = nn_conv_shape(n, cin, h, w, cout, k, s, p, transposed);
	cr_assert(c.ho > 0 && c.wo > 0);
	size_t nx = (size_t)n * cin * h * w, ny = (size_t)n * cout * c.ho * c.wo;
	float *x = rnd(r, nx, 1.0f), *wt = rnd(r, wcount(&c), 1.0f);
	float *b = bias ? rnd(r, cout, 1.0f) : NULL;
	float *y = buf(ny);
	double *ref = calloc(ny, sizeof *ref);
	cr_assert_not_null(ref);
	nn_fill(be, y, 123.0f, ny); /* forward must overwrite */
	if (transposed)
		nn_conv_transpose2d_forward(be, &c, x, wt, b, y);
	else
		nn_conv2d_forward(be, &c, x, wt, b, y);
	naive_conv(&c, transposed, x, wt, b, ref);
	for (size_t i = 0; i < ny; i++)
		cr_assert(fabs(y[i] - ref[i]) <= FWD_TOL * (1.0 + fabs(ref[i])),
		          "%s n%d cin%d %dx%d cout%d k%d s%d p%d: y[%zu] = %g, naive %g",
		          transposed ? "convT" : "conv", n, cin, h, w, cout, k, s, p, i, y[i],
		          ref[i]);
	free(x), free(wt), free(b), free(y), free(ref);
}

Test(nn_ops, conv_shape_follows_pytorch)
{
	nn_conv c = nn_conv_shape(64, 3, 64, 64, 64, 4, 2, 1, 0);
	cr_assert_eq(c.ho, 32);
	cr_assert_eq(c.wo, 32);
	c = nn_conv_shape(64, 512, 4, 4, 1, 4, 1, 0, 0);
	cr_assert_eq(c.ho, 1);
	cr_assert_eq(c.wo, 1);
	c = nn_conv_shape(64, 100, 1, 1, 512, 4, 1, 0, 1);
	cr_assert_eq(c.ho, 4);
	cr_assert_eq(c.wo, 4);
	c = nn_conv_shape(64, 512, 4, 4, 256, 4, 2, 1, 1);
	cr_assert_eq(c.ho, 8);
	cr_assert_eq(c.wo, 8);
	c = nn_conv_shape(1, 1, 5, 7, 1, 3, 2, 0, 0);
	cr_assert_eq(c.ho, 2);
	cr_assert_eq(c.wo, 3);
}

Test(nn_ops, conv2d_forward_matches_naive_loops)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 1);
	/* n cin h w cout k s p bias */
	static const int shapes[][9] = {
	    {2, 3, 8, 8, 4, 4, 2, 1, 1}, {1, 2, 5, 7, 3, 3, 1, 1, 1}, {3, 2, 6, 5, 2, 3, 2, 0, 0},
	    {2, 4, 4, 4, 1, 4, 1, 0, 1}, {2, 1, 9, 9, 2, 1, 1, 0, 1}, {1, 3, 7, 6, 5, 5, 3, 2, 1},
	    {4, 2, 3, 3, 3, 2, 1, 1, 0},
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const int *q = shapes[i];
		conv_forward_vs_naive(be, &r, 0, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7],
		                      q[8]);
	}
	nn_backend_destroy(be);
}

Test(nn_ops, conv_transpose2d_forward_matches_naive_loops)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 2);
	static const int shapes[][9] = {
	    {2, 5, 1, 1, 4, 4, 1, 0, 1}, /* DCGAN's first layer: 1x1 -> 4x4 */
	    {2, 4, 4, 4, 3, 4, 2, 1, 1}, /* DCGAN's upsampling: 4x4 -> 8x8 */
	    {1, 2, 5, 3, 3, 3, 2, 1, 0}, {3, 3, 4, 6, 2, 3, 1, 1, 1}, {2, 2, 3, 3, 2, 5, 3, 2, 1},
	    {1, 1, 2, 2, 1, 2, 2, 0, 0}, {2, 3, 3, 4, 2, 1, 1, 0, 1},
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const int *q = shapes[i];
		conv_forward_vs_naive(be, &r, 1, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7],
		                      q[8]);
	}
	nn_backend_destroy(be);
}

/* Batches larger than one workspace chunk (about 4M floats) split over
 * several gemms; the split must not show in the results. */
Test(nn_ops, conv_forward_across_workspace_chunks)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 3);
	conv_forward_vs_naive(be, &r, 0, 8, 4, 128, 128, 4, 3, 1, 1, 1);
	conv_forward_vs_naive(be, &r, 1, 8, 4, 128, 128, 4, 4, 2, 1, 1);
	nn_backend_destroy(be);
}

/* conv_transpose2d with the same weight tensor is the adjoint of conv2d:
 * <conv2d(a), b> = <a, convT(b)> when the shapes line up. */
Test(nn_ops, conv_transpose2d_is_adjoint_of_conv2d)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 4);
	nn_conv c = nn_conv_shape(2, 3, 8, 8, 5, 4, 2, 1, 0);
	nn_conv t = nn_conv_shape(2, 5, c.ho, c.wo, 3, 4, 2, 1, 1);
	cr_assert_eq(t.ho, 8);
	size_t na = 2 * 3 * 64, nb = (size_t)2 * 5 * c.ho * c.wo;
	float *a = rnd(&r, na, 1), *b = rnd(&r, nb, 1), *w = rnd(&r, wcount(&c), 1);
	float *ca = buf(nb), *tb = buf(na);
	nn_conv2d_forward(be, &c, a, w, NULL, ca);
	nn_conv_transpose2d_forward(be, &t, b, w, NULL, tb);
	double l = 0, rr = 0;
	for (size_t i = 0; i < nb; i++)
		l += (double)ca[i] * b[i];
	for (size_t i = 0; i < na; i++)
		rr += (double)a[i] * tb[i];
	cr_assert(fabs(l - rr) <= 1e-4 * (1 + fabs(l)), "%g vs %g", l, rr);
	free(a), free(b), free(w), free(ca), free(tb);
	nn_backend_destroy(be);
}

static void conv_grad_check(int transposed, int n, int cin, int h, int w, int cout, int k, int s,
                            int p, int bias, uint64_t seed)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, seed);
	conv_case t = {.transposed = transposed};
	t.c = nn_conv_shape(n, cin, h, w, cout, k, s, p, transposed);
	size_t nx = (size_t)n * cin * h * w, nw = wcount(&t.c);
	size_t ny = (size_t)n * cout * t.c.ho * t.c.wo;
	t.x = rnd(&r, nx, 1), t.w = rnd(&r, nw, 1), t.b = bias ? rnd(&r, cout, 1) : NULL;
	float *rr = rnd(&r, ny, 1);
	t.g = (gcase){.be = be, .fwd = conv_fwd, .y = buf(ny), .r = rr, .ny = ny};
	float *dx = buf(nx), *dw = buf(nw), *db = buf(cout);
	nn_fill(be, dx, 7.0f, nx);
	nn_fill(be, dw, 0.5f, nw);
	nn_fill(be, db, -0.25f, cout);
	if (transposed)
		nn_conv_transpose2d_backward(be, &t.c, t.x, t.w, rr, dx, dw, bias ? db : NULL);
	else
		nn_conv2d_backward(be, &t.c, t.x, t.w, rr, dx, dw, bias ? db : NULL);
	sub(dw, nw, 0.5f);
	sub(db, cout, -0.25f);
	check_grad(&t.g, "dx", t.x, nx, dx, 1e-2f);
	check_grad(&t.g, "dw", t.w, nw, dw, 1e-2f);
	if (bias) check_grad(&t.g, "db", t.b, cout, db, 1e-2f);
	/* NULL gradients are skipped, the others still right */
	float *dx2 = buf(nx);
	if (transposed)
		nn_conv_transpose2d_backward(be, &t.c, t.x, t.w, rr, dx2, NULL, NULL);
	else
		nn_conv2d_backward(be, &t.c, t.x, t.w, rr, dx2, NULL, NULL);
	for (size_t i = 0; i < nx; i++)
		cr_assert_float_eq(dx2[i], dx[i], 1e-5f);
	free(t.x), free(t.w), free(t.b), free(rr), free(t.g.y), free(dx), free(dw), free(db);
	free(dx2);
	nn_backend_destroy(be);
}

Test(nn_ops, conv2d_backward_stride1_pad1)
{
	conv_grad_check(0, 2, 3, 5, 5, 4, 3, 1, 1, 1, 10);
}
Test(nn_ops, conv2d_backward_stride2_pad1_k4)
{
	conv_grad_check(0, 2, 2, 8, 8, 3, 4, 2, 1, 1, 11);
}
Test(nn_ops, conv2d_backward_stride2_pad0_one_sample)
{
	conv_grad_check(0, 1, 2, 7, 6, 3, 3, 2, 0, 1, 12);
}
Test(nn_ops, conv2d_backward_stride1_pad0_no_bias)
{
	conv_grad_check(0, 3, 2, 4, 4, 2, 2, 1, 0, 0, 13);
}
Test(nn_ops, conv2d_backward_k4_to_1x1)
{
	conv_grad_check(0, 2, 3, 4, 4, 1, 4, 1, 0, 1, 14); /* DCGAN's critic head */
}
Test(nn_ops, conv_transpose2d_backward_k4_s2_p1)
{
	conv_grad_check(1, 2, 3, 4, 4, 2, 4, 2, 1, 1, 15);
}
Test(nn_ops, conv_transpose2d_backward_k4_s1_p0_from_1x1)
{
	conv_grad_check(1, 3, 4, 1, 1, 3, 4, 1, 0, 1, 16);
}
Test(nn_ops, conv_transpose2d_backward_one_sample_odd_shape)
{
	conv_grad_check(1, 1, 2, 3, 5, 2, 3, 2, 1, 0, 17);
}

/* The batched (gather/scatter) path and the one-sample path agree on a
 * batch that spans several workspace chunks. */
static void backward_batch_vs_single(int transposed, nn_conv c, uint64_t seed)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, seed);
	size_t isz = (size_t)c.cin * c.h * c.w, osz = (size_t)c.cout * c.ho * c.wo;
	size_t nw = wcount(&c);
	float *x = rnd(&r, isz * c.n, 1), *w = rnd(&r, nw, 0.1f), *dy = rnd(&r, osz * c.n, 1);
	float *dx = buf(isz * c.n), *dw = buf(nw), *db = buf(c.cout);
	float *dx1 = buf(isz * c.n), *dw1 = buf(nw), *db1 = buf(c.cout);
	if (transposed)
		nn_conv_transpose2d_backward(be, &c, x, w, dy, dx, dw, db);
	else
		nn_conv2d_backward(be, &c, x, w, dy, dx, dw, db);
	nn_conv one = c;
	one.n = 1;
	for (int i = 0; i < c.n; i++) {
		if (transposed)
			nn_conv_transpose2d_backward(be, &one, x + i * isz, w, dy + i * osz,
			                             dx1 + i * isz, dw1, db1);
		else
			nn_conv2d_backward(be, &one, x + i * isz, w, dy + i * osz, dx1 + i * isz,
			                   dw1, db1);
	}
	for (size_t i = 0; i < isz * c.n; i++)
		cr_assert(fabsf(dx[i] - dx1[i]) <= 1e-4f * (1 + fabsf(dx1[i])), "dx[%zu]", i);
	for (size_t i = 0; i < nw; i++)
		cr_assert(fabsf(dw[i] - dw1[i]) <= 1e-3f * (1 + fabsf(dw1[i])), "dw[%zu] %g %g", i,
		          dw[i], dw1[i]);
	for (int i = 0; i < c.cout; i++)
		cr_assert(fabsf(db[i] - db1[i]) <= 1e-3f * (1 + fabsf(db1[i])), "db[%d]", i);
	free(x), free(w), free(dy), free(dx), free(dw), free(db), free(dx1), free(dw1), free(db1);
	nn_backend_destroy(be);
}

Test(nn_ops, conv_backward_across_workspace_chunks)
{
	backward_batch_vs_single(0, nn_conv_shape(8, 4, 128, 128, 4, 3, 1, 1, 0), 20);
	backward_batch_vs_single(1, nn_conv_shape(8, 4, 128, 128, 4, 4, 2, 1, 1), 21);
	backward_batch_vs_single(1, nn_conv_shape(5, 6, 4, 4, 3, 4, 2, 1, 1), 22);
}

/* --- linear ------------------------------------------------------------- */

typedef struct {
	gcase g;
	int n, in, out;
	float *x, *w, *b;
} lin_case;

static void lin_fwd(gcase *g)
{
	lin_case *k = (lin_case *)g;
	nn_linear_forward(g->be, k->n, k->in, k->out, k->x, k->w, k->b, g->y);
}

Test(nn_ops, linear_forward_and_backward)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 30);
	lin_case t = {.n = 3, .in = 7, .out = 5};
	size_t nx = 21, nw = 35, ny = 15;
	t.x = rnd(&r, nx, 1), t.w = rnd(&r, nw, 1), t.b = rnd(&r, 5, 1);
	float *rr = rnd(&r, ny, 1);
	t.g = (gcase){.be = be, .fwd = lin_fwd, .y = buf(ny), .r = rr, .ny = ny};
	lin_fwd(&t.g);
	for (int i = 0; i < 3; i++)
		for (int o = 0; o < 5; o++) {
			double ref = t.b[o];
			for (int j = 0; j < 7; j++)
				ref += (double)t.x[i * 7 + j] * t.w[o * 7 + j];
			cr_assert(fabs(t.g.y[i * 5 + o] - ref) < 1e-5, "y[%d,%d]", i, o);
		}
	float *dx = buf(nx), *dw = buf(nw), *db = buf(5);
	nn_fill(be, dx, 9.0f, nx);
	nn_fill(be, dw, 1.0f, nw);
	nn_fill(be, db, 2.0f, 5);
	nn_linear_backward(be, 3, 7, 5, t.x, t.w, rr, dx, dw, db);
	sub(dw, nw, 1.0f);
	sub(db, 5, 2.0f);
	check_grad(&t.g, "dx", t.x, nx, dx, 1e-2f);
	check_grad(&t.g, "dw", t.w, nw, dw, 1e-2f);
	check_grad(&t.g, "db", t.b, 5, db, 1e-2f);
	free(t.x), free(t.w), free(t.b), free(rr), free(t.g.y), free(dx), free(dw), free(db);
	nn_backend_destroy(be);
}

/* --- batchnorm ----------------------------------------------------------- */

typedef struct {
	gcase g;
	nn_bn p;
	float *x, *gamma, *beta, *rm, *rv, *mean, *invstd;
} bn_case;

static void bn_fwd(gcase *g)
{
	bn_case *k = (bn_case *)g;
	nn_batchnorm_forward_train(g->be, &k->p, k->x, k->gamma, k->beta, k->rm, k->rv, k->mean,
	                           k->invstd, g->y);
}

static void bn_check(int n, int c, int s, uint64_t seed)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, seed);
	bn_case t = {.p = {.n = n, .c = c, .s = s, .eps = 1e-5f, .momentum = 0.1f}};
	size_t nx = (size_t)n * c * s;
	t.x = rnd(&r, nx, 2);
	for (size_t i = 0; i < nx; i++) /* channels off-centre and of unequal spread */
		t.x[i] = t.x[i] * (1.0f + (float)((i / s) % c)) + 0.5f;
	t.gamma = rnd(&r, c, 1), t.beta = rnd(&r, c, 1);
	t.rm = rnd(&r, c, 1), t.rv = buf(c), t.mean = buf(c), t.invstd = buf(c);
	for (int i = 0; i < c; i++)
		t.rv[i] = 0.5f + nn_rng_uniform(&r);
	float *rm0 = buf(c), *rv0 = buf(c);
	memcpy(rm0, t.rm, c * sizeof(float));
	memcpy(rv0, t.rv, c * sizeof(float));
	float *rr = rnd(&r, nx, 1);
	t.g = (gcase){.be = be, .fwd = bn_fwd, .y = buf(nx), .r = rr, .ny = nx};
	bn_fwd(&t.g);

	/* statistics, recomputed here in double */
	for (int ch = 0; ch < c; ch++) {
		double sum = 0, ss = 0, cnt = (double)n * s;
		for (int i = 0; i < n; i++)
			for (int k = 0; k < s; k++)
				sum += t.x[((size_t)i * c + ch) * s + k];
		double mean = sum / cnt;
		for (int i = 0; i < n; i++)
			for (int k = 0; k < s; k++) {
				double d = t.x[((size_t)i * c + ch) * s + k] - mean;
				ss += d * d;
			}
		double invstd = 1 / sqrt(ss / cnt + 1e-5);
		cr_assert(fabs(t.mean[ch] - mean) < 1e-5 * (1 + fabs(mean)));
		cr_assert(fabs(t.invstd[ch] - invstd) < 1e-5 * invstd);
		cr_assert(fabs(t.rm[ch] - (0.9 * rm0[ch] + 0.1 * mean)) < 1e-5);
		cr_assert(fabs(t.rv[ch] - (0.9 * rv0[ch] + 0.1 * ss / (cnt - 1))) < 1e-4,
		          "running var %g, want %g (unbiased)", t.rv[ch],
		          0.9 * rv0[ch] + 0.1 * ss / (cnt - 1));
		for (int i = 0; i < n; i++)
			for (int k = 0; k < s; k++) {
				size_t q = ((size_t)i * c + ch) * s + k;
				double want = (t.x[q] - mean) * invstd * t.gamma[ch] + t.beta[ch];
				cr_assert(fabs(t.g.y[q] - want) < 1e-5 * (1 + fabs(want)));
			}
	}

	float *dx = buf(nx), *dg = buf(c), *dbt = buf(c);
	nn_fill(be, dx, 5.0f, nx);
	nn_fill(be, dg, 0.5f, c);
	nn_fill(be, dbt, 0.5f, c);
	nn_batchnorm_backward(be, &t.p, t.x, t.gamma, t.mean, t.invstd, rr, dx, dg, dbt);
	sub(dg, c, 0.5f);
	sub(dbt, c, 0.5f);
	check_grad(&t.g, "dx", t.x, nx, dx, 1e-2f);
	check_grad(&t.g, "dgamma", t.gamma, c, dg, 1e-2f);
	check_grad(&t.g, "dbeta", t.beta, c, dbt, 1e-2f);
	free(t.x), free(t.gamma), free(t.beta), free(t.rm), free(t.rv), free(t.mean);
	free(t.invstd), free(rm0), free(rv0), free(rr), free(t.g.y), free(dx), free(dg), free(dbt);
	nn_backend_destroy(be);
}

Test(nn_ops, batchnorm2d_train_forward_and_backward)
{
	bn_check(3, 4, 6, 40);
}
Test(nn_ops, batchnorm1d_train_forward_and_backward)
{
	bn_check(8, 5, 1, 41);
}

Test(nn_ops, batchnorm_eval_uses_running_stats)
{
	nn_backend *be = cpu();
	nn_bn p = {.n = 2, .c = 2, .s = 2, .eps = 1e-5f, .momentum = 0.1f};
	const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const float g[2] = {2, -1}, b[2] = {0.5f, 1}, rm[2] = {1, -2}, rv[2] = {4, 0.25f};
	float y[8];
	nn_batchnorm_forward_eval(be, &p, x, g, b, rm, rv, y);
	/* layout (n, c, s): channel 0 holds x 1,2,5,6; channel 1 holds 3,4,7,8 */
	const int ch[8] = {0, 0, 1, 1, 0, 0, 1, 1};
	for (int i = 0; i < 8; i++) {
		int c = ch[i];
		double want = (x[i] - rm[c]) / sqrt(rv[c] + 1e-5) * g[c] + b[c];
		cr_assert(fabs(y[i] - want) < 1e-5, "y[%d] = %g, want %g", i, y[i], want);
	}
	cr_assert(fabs(y[0] - 0.5) < 1e-4);                    /* (1-1)/2*2+0.5 by hand */
	cr_assert(fabs(y[2] - (-(3.0 + 2) / 0.5 + 1)) < 1e-3); /* -9 */
	nn_backend_destroy(be);
}

/* --- activations and softmax ------------------------------------------- */

enum { ACT_RELU, ACT_LEAKY, ACT_TANH, ACT_SIGMOID };
typedef struct {
	gcase g;
	int kind;
	float *x;
} act_case;

static void act_fwd(gcase *g)
{
	act_case *k = (act_case *)g;
	switch (k->kind) {
	case ACT_RELU:
		nn_relu_forward(g->be, g->ny, k->x, g->y);
		break;
	case ACT_LEAKY:
		nn_leaky_relu_forward(g->be, g->ny, 0.2f, k->x, g->y);
		break;
	case ACT_TANH:
		nn_tanh_forward(g->be, g->ny, k->x, g->y);
		break;
	default:
		nn_sigmoid_forward(g->be, g->ny, k->x, g->y);
		break;
	}
}

static double act_ref(int kind, double x)
{
	switch (kind) {
	case ACT_RELU:
		return x > 0 ? x : 0;
	case ACT_LEAKY:
		return x > 0 ? x : 0.2 * x;
	case ACT_TANH:
		return tanh(x);
	default:
		return 1 / (1 + exp(-x));
	}
}

static void act_check(int kind, int alias)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 50 + kind);
	const size_t n = 97;
	act_case t = {.kind = kind, .x = rnd_off_zero(&r, n)};
	float *rr = rnd(&r, n, 1);
	t.g = (gcase){.be = be, .fwd = act_fwd, .y = buf(n), .r = rr, .ny = n};
	act_fwd(&t.g);
	for (size_t i = 0; i < n; i++)
		cr_assert(fabs(t.g.y[i] - act_ref(kind, t.x[i])) < 1e-6, "y[%zu]", i);
	float *dx = buf(n), *dy = buf(n);
	memcpy(dy, rr, n * sizeof(float));
	float *out = alias ? dy : dx; /* the API allows dx == dy */
	switch (kind) {
	case ACT_RELU:
		nn_relu_backward(be, n, t.g.y, dy, out);
		break;
	case ACT_LEAKY:
		nn_leaky_relu_backward(be, n, 0.2f, t.g.y, dy, out);
		break;
	case ACT_TANH:
		nn_tanh_backward(be, n, t.g.y, dy, out);
		break;
	default:
		nn_sigmoid_backward(be, n, t.g.y, dy, out);
		break;
	}
	check_grad(&t.g, "dx", t.x, n, out, 1e-2f);
	free(t.x), free(rr), free(t.g.y), free(dx), free(dy);
	nn_backend_destroy(be);
}

Test(nn_ops, relu_backward)
{
	act_check(ACT_RELU, 0);
}
Test(nn_ops, leaky_relu_backward)
{
	act_check(ACT_LEAKY, 1);
}
Test(nn_ops, tanh_backward)
{
	act_check(ACT_TANH, 0);
}
Test(nn_ops, sigmoid_backward)
{
	act_check(ACT_SIGMOID, 1);
}

Test(nn_ops, activations_in_place_and_extremes)
{
	nn_backend *be = cpu();
	float v[6] = {-100, -1, 0, 1, 100, -1e30f};
	nn_sigmoid_forward(be, 6, v, v);
	cr_assert(v[0] >= 0 && v[0] < 1e-30f); /* e^-100, no NaN from 1/(1+e^100) */
	cr_assert(fabsf(v[1] - 0.26894142f) < 1e-6f);
	cr_assert_float_eq(v[2], 0.5f, 1e-7f);
	cr_assert_float_eq(v[4], 1.0f, 1e-7f);
	cr_assert(v[5] == 0.0f && !isnan(v[5]));
	float u[3] = {-2, 0.5f, 3};
	nn_leaky_relu_forward(be, 3, 0.2f, u, u);
	cr_assert_float_eq(u[0], -0.4f, 1e-7f);
	cr_assert_float_eq(u[2], 3.0f, 1e-7f);
	nn_backend_destroy(be);
}

typedef struct {
	gcase g;
	int n, c, s;
	float *x;
} sm_case;

static void sm_fwd(gcase *g)
{
	sm_case *k = (sm_case *)g;
	nn_softmax_channels_forward(g->be, k->n, k->c, k->s, k->x, g->y);
}

Test(nn_ops, softmax_channels_forward_and_backward)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 60);
	sm_case t = {.n = 2, .c = 5, .s = 6};
	size_t n = 60;
	t.x = rnd(&r, n, 3);
	float *rr = rnd(&r, n, 1);
	t.g = (gcase){.be = be, .fwd = sm_fwd, .y = buf(n), .r = rr, .ny = n};
	sm_fwd(&t.g);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 6; k++) {
			double z = 0;
			for (int c = 0; c < 5; c++)
				z += exp(t.x[(i * 5 + c) * 6 + k]);
			for (int c = 0; c < 5; c++) {
				size_t q = (i * 5 + c) * 6 + k;
				cr_assert(fabs(t.g.y[q] - exp(t.x[q]) / z) < 1e-6, "y[%zu]", q);
			}
		}
	float *dx = buf(n);
	nn_fill(be, dx, 3.0f, n);
	nn_softmax_channels_backward(be, 2, 5, 6, t.g.y, rr, dx);
	check_grad(&t.g, "dx", t.x, n, dx, 1e-2f);
	/* large logits: no overflow */
	float big[3] = {1000, 1001, 999}, p[3];
	nn_softmax_channels_forward(be, 1, 3, 1, big, p);
	cr_assert(fabsf(p[1] - 0.66524096f) < 1e-5f, "%g", p[1]);
	cr_assert(fabsf(p[0] + p[1] + p[2] - 1) < 1e-6f);
	free(t.x), free(rr), free(t.g.y), free(dx);
	nn_backend_destroy(be);
}

/* --- losses ------------------------------------------------------------- */

typedef struct {
	gcase g;
	size_t n;
	float *x, target, sign;
} loss_case;

static double bce_obj(gcase *g)
{
	loss_case *k = (loss_case *)g;
	return nn_bce_logits(g->be, k->n, k->x, k->target, NULL);
}

static double mean_obj(gcase *g)
{
	loss_case *k = (loss_case *)g;
	return nn_mean_loss(g->be, k->n, k->x, k->sign, NULL);
}

Test(nn_ops, bce_with_logits_value_and_gradient)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 70);
	const float targets[3] = {1.0f, 0.0f, 0.9f};
	for (int ti = 0; ti < 3; ti++) {
		loss_case t = {.n = 13, .target = targets[ti]};
		t.x = rnd(&r, t.n, 4);
		t.g = (gcase){.be = be, .obj = bce_obj};
		float *d = buf(t.n);
		float l = nn_bce_logits(be, t.n, t.x, t.target, d);
		double ref = 0;
		for (size_t i = 0; i < t.n; i++) {
			double s = 1 / (1 + exp(-(double)t.x[i]));
			ref -= t.target * log(s) + (1 - t.target) * log(1 - s);
		}
		ref /= (double)t.n;
		cr_assert(fabs(l - ref) < 1e-6 * (1 + ref), "loss %g, want %g", l, ref);
		check_grad(&t.g, "dlogits", t.x, t.n, d, 1e-2f);
		free(t.x), free(d);
	}
	/* stable where the naive log(sigmoid) is not */
	float x[2] = {100, -100}, d[2];
	cr_assert_float_eq(nn_bce_logits(be, 2, x, 0.0f, d), 50.0f, 1e-4f);
	cr_assert_float_eq(d[0], 0.5f, 1e-6f);
	cr_assert_float_eq(d[1], 0.0f, 1e-6f);
	nn_backend_destroy(be);
}

Test(nn_ops, mean_loss_value_and_gradient)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 71);
	loss_case t = {.n = 10, .sign = -1.0f};
	t.x = rnd(&r, t.n, 3);
	t.g = (gcase){.be = be, .obj = mean_obj};
	float *d = buf(t.n);
	double ref = 0;
	for (size_t i = 0; i < t.n; i++)
		ref += t.x[i];
	cr_assert(fabs(nn_mean_loss(be, t.n, t.x, -1.0f, d) + ref / 10) < 1e-6);
	for (size_t i = 0; i < t.n; i++)
		cr_assert_float_eq(d[i], -0.1f, 1e-7f);
	check_grad(&t.g, "dx", t.x, t.n, d, 1e-2f);
	float x[4] = {1, 2, 3, 6};
	cr_assert_float_eq(nn_mean_loss(be, 4, x, 1.0f, NULL), 3.0f, 1e-6f);
	free(t.x), free(d);
	nn_backend_destroy(be);
}

/* --- dense algebra -------------------------------------------------------- */

Test(nn_ops, gemm_all_transposes)
{
	nn_backend *be = cpu();
	nn_rng r;
	nn_rng_seed(&r, 80);
	const int M = 4, N = 5, K = 3;
	float *A = rnd(&r, M * K, 1), *B = rnd(&r, K * N, 1), *C0 = rnd(&r, M * N, 1);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			float C[20];
			memcpy(C, C0, sizeof C);
			nn_gemm(be, ta, tb, M, N, K, 2.0f, A, B, 0.5f, C);
			for (int i = 0; i < M; i++)
				for (int j = 0; j < N; j++) {
					double s = 0;
					for (int k = 0; k < K; k++)
						s += (double)(ta ? A[k * M + i] : A[i * K + k]) *
						     (tb ? B[j * K + k] : B[k * N + j]);
					double want = 2 * s + 0.5 * C0[i * N + j];
					cr_assert(fabs(C[i * N + j] - want) < 1e-5,
					          "ta%d tb%d C[%d,%d]", ta, tb, i, j);
				}
		}
	float y[3] = {1, 2, 3}, x[3] = {1, -1, 2};
	nn_axpy(be, 3, 2.0f, x, y);
	cr_assert(y[0] == 3 && y[1] == 0 && y[2] == 7);
	nn_scale(be, 3, -0.5f, y);
	cr_assert(y[0] == -1.5f && y[1] == 0 && y[2] == -3.5f);
	free(A), free(B), free(C0);
	nn_backend_destroy(be);
}

/* --- backend ---------------------------------------------------------------- */

Test(nn_ops, cpu_backend_memory)
{
	char err[128];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 0, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	cr_assert_eq(nn_backend_device(be), NN_DEVICE_CPU);
	cr_assert(strncmp(nn_backend_describe(be), "cpu (OpenBLAS, ", 15) == 0, "%s",
	          nn_backend_describe(be));
	float *p = nn_alloc(be, 1000), *q = nn_alloc(be, 1000);
	cr_assert_not_null(p);
	for (int i = 0; i < 1000; i++)
		cr_assert(p[i] == 0.0f);
	float host[1000], back[1000];
	for (int i = 0; i < 1000; i++)
		host[i] = (float)i * 0.5f;
	nn_upload(be, p, host, 1000);
	nn_copy(be, q, p, 1000);
	nn_fill(be, p, -1.0f, 10);
	nn_download(be, back, q, 1000);
	cr_assert(memcmp(back, host, sizeof host) == 0);
	nn_download(be, back, p, 11);
	cr_assert(back[9] == -1.0f && back[10] == 5.0f);
	nn_sync(be);
	/* the workspace grows and is kept */
	float *w1 = nn_cpu_workspace(be, 100);
	cr_assert_not_null(w1);
	cr_assert_eq(nn_cpu_workspace(be, 50), w1);
	float *w2 = nn_cpu_workspace(be, 1 << 20);
	cr_assert_not_null(w2);
	w2[(1 << 20) - 1] = 1.0f;
	cr_assert_eq(nn_cpu_workspace(be, 1000), w2);
	nn_free(be, p);
	nn_free(be, q);
	nn_backend_destroy(be);
	nn_backend_destroy(NULL);
}

/* Without a GPU (or without a CUDA build) asking for CUDA is an error with
 * a message, never a crash. */
Test(nn_ops, cuda_backend_refused_without_a_device)
{
	if (nn_cuda_available()) cr_skip_test("a CUDA device answers here");
	char err[128] = "";
	cr_assert_null(nn_backend_create(NN_DEVICE_CUDA, 0, err, sizeof err));
	cr_assert(err[0] != '\0');
#ifndef NN_HAVE_CUDA
	cr_assert_str_eq(err, "this build has no CUDA support");
#endif
}

/* --- rng ------------------------------------------------------------------ */

Test(nn_ops, rng_matches_reference_xoshiro256starstar)
{
	/* first outputs for seed 42, from an independent implementation of
	 * splitmix64 + xoshiro256** (Python, big integers) */
	static const uint64_t want[4] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
	                                 0xae17533239e499a1ull, 0xecb8ad4703b360a1ull};
	nn_rng r;
	nn_rng_seed(&r, 42);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(nn_rng_next(&r), want[i], "output %d", i);
	/* the macros evaluate their arguments twice: draw first */
	float u0 = nn_rng_uniform(&r), u1 = nn_rng_uniform(&r);
	cr_assert_eq(u0, 0.9918038845062256f);
	cr_assert_eq(u1, 0.7697394490242004f);
	nn_rng_seed(&r, 0);
	cr_assert_eq(nn_rng_next(&r), 0x99ec5f36cb75f2b4ull);
}

Test(nn_ops, rng_uniform_and_normal_distributions)
{
	nn_rng r;
	nn_rng_seed(&r, 7);
	const int n = 200000;
	double su = 0, sn = 0, sn2 = 0;
	int tail = 0;
	for (int i = 0; i < n; i++) {
		float u = nn_rng_uniform(&r);
		cr_assert(u >= 0.0f && u < 1.0f);
		su += u;
		float z = nn_rng_normal(&r);
		cr_assert(isfinite(z));
		sn += z, sn2 += (double)z * z;
		tail += fabsf(z) > 1.96f;
	}
	cr_assert(fabs(su / n - 0.5) < 0.005, "uniform mean %g", su / n);
	cr_assert(fabs(sn / n) < 0.01, "normal mean %g", sn / n);
	cr_assert(fabs(sn2 / n - 1) < 0.02, "normal variance %g", sn2 / n);
	cr_assert(fabs((double)tail / n - 0.05) < 0.004, "two-sided 5%% tail %g", (double)tail / n);
	/* same seed, same stream */
	nn_rng a, b;
	nn_rng_seed(&a, 99), nn_rng_seed(&b, 99);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(nn_rng_next(&a), nn_rng_next(&b));
}

/* The training batches of onehot data sets: exactly one 1 per cell, in the
 * plane of its index, and nothing for an index out of range. */
Test(nn_ops, upload_onehot_sets_one_plane_per_cell)
{
	nn_backend *be = cpu();
	enum { IMAGES = 3, CHANNELS = 5, CELLS = 7 };
	int32_t idx[IMAGES * CELLS];
	for (int i = 0; i < IMAGES * CELLS; i++)
		idx[i] = (i * 3) % CHANNELS;
	idx[4] = -1;       /* an unset cell */
	idx[9] = CHANNELS; /* past the vocabulary */
	float *x = buf(IMAGES * CHANNELS * CELLS);
	nn_fill(be, x, 0.5f, IMAGES * CHANNELS * CELLS); /* stale values must go */
	nn_upload_onehot(be, x, idx, IMAGES, CHANNELS, CELLS);
	for (int k = 0; k < IMAGES; k++)
		for (int c = 0; c < CHANNELS; c++)
			for (int p = 0; p < CELLS; p++) {
				int v = idx[k * CELLS + p];
				float want = v == c ? 1.0f : 0.0f;
				cr_assert_eq(x[(k * CHANNELS + c) * CELLS + p], want,
				             "image %d plane %d cell %d (index %d)", k, c, p, v);
			}
	free(x);
	nn_backend_destroy(be);
}
