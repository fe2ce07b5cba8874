/* test_nn_cuda.c - the CUDA backend against the CPU backend, op by op.
 *
 * Every test draws random inputs on the host, uploads the same values to
 * a CPU and a CUDA backend, runs the op on both and compares the results
 * elementwise: |cuda - cpu| <= rtol |cpu| + atol max(1, rms(cpu)). The
 * absolute term scales with the output's size because a sum of K products
 * rounds differently in cuBLAS's order than in OpenBLAS's; the tolerances
 * are stated per test. Outputs start as random garbage (the same on both),
 * so an element one side forgets to write, or overwrites where it should
 * accumulate, shows up as a mismatch.
 *
 * Without a CUDA device (or a build without CUDA) the comparisons skip;
 * the fallback tests run everywhere: creating a CUDA backend fails cleanly
 * and "auto" picks the CPU.
 */
#include "../nn/gan.h"
#include "../nn/nn.h"
#include "testutil.h"

#include <math.h>

#ifdef NN_HAVE_CUDA
#include "../nn/cuda/nn_cuda.h"
#endif

/* The tolerances of the stated kinds of result. */
#define TOL_ELEMENTWISE 1e-5, 1e-6 /* one op per element (libm vs CUDA math) */
#define TOL_PRODUCT 1e-4, 1e-5     /* sums of up to a few hundred products */
#define TOL_REDUCTION 1e-4, 1e-4   /* per-channel sums over a whole batch */

typedef struct {
	nn_backend *cpu, *gpu;
	nn_rng rng;
} duo;

/* The same n floats on both backends. */
typedef struct {
	float *c, *g;
	size_t n;
} twin;

static duo duo_open(uint64_t seed)
{
	if (!nn_cuda_available()) cr_skip_test("no CUDA device");
	duo d;
	char err[256];
	d.cpu = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(d.cpu, "%s", err);
	d.gpu = nn_backend_create(NN_DEVICE_CUDA, 0, err, sizeof err);
	cr_assert_not_null(d.gpu, "a device answers but the CUDA backend fails: %s", err);
	nn_rng_seed(&d.rng, seed);
	return d;
}

static void duo_close(duo *d)
{
#ifdef NN_HAVE_CUDA
	nn_sync(d->gpu);
	cr_expect_str_empty(nn_cuda_error(d->gpu), "a CUDA call failed: %s", nn_cuda_error(d->gpu));
#endif
	nn_backend_destroy(d->gpu);
	nn_backend_destroy(d->cpu);
}

/* The n host floats h on both backends. */
static twin twin_upload(duo *d, const float *h, size_t n)
{
	twin t = {nn_alloc(d->cpu, n), nn_alloc(d->gpu, n), n};
	cr_assert(t.c && t.g, "out of memory for %zu floats", n);
	nn_upload(d->cpu, t.c, h, n);
	nn_upload(d->gpu, t.g, h, n);
	return t;
}

/* n floats uniform in [lo, hi), the same on both backends. */
static twin twin_range(duo *d, size_t n, float lo, float hi)
{
	float *h = malloc((n ? n : 1) * sizeof *h);
	cr_assert_not_null(h);
	for (size_t i = 0; i < n; i++)
		h[i] = lo + (hi - lo) * nn_rng_uniform(&d->rng);
	twin t = twin_upload(d, h, n);
	free(h);
	return t;
}

static twin twin_rand(duo *d, size_t n, float scale)
{
	return twin_range(d, n, -scale, scale);
}

static void twin_free(duo *d, twin *t)
{
	nn_free(d->cpu, t->c);
	nn_free(d->gpu, t->g);
	t->c = t->g = NULL;
}

/* Compares the two sides; the message names the first element out of
 * tolerance and the worst error seen. */
static void twin_check(duo *d, const twin *t, double rtol, double atol, const char *what)
{
	size_t n = t->n;
	float *c = malloc((n ? n : 1) * sizeof *c), *g = malloc((n ? n : 1) * sizeof *g);
	cr_assert(c && g);
	nn_download(d->cpu, c, t->c, n);
	nn_download(d->gpu, g, t->g, n);
	double ss = 0.0;
	for (size_t i = 0; i < n; i++)
		ss += (double)c[i] * c[i];
	double rms = n ? sqrt(ss / (double)n) : 0.0;
	double abs_tol = atol * (rms > 1.0 ? rms : 1.0);
	size_t bad = 0, first = 0;
	double worst = 0.0;
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)g[i] - c[i]);
		if (!(e <= rtol * fabs(c[i]) + abs_tol)) { /* NaN fails too */
			if (!bad) first = i;
			bad++;
		}
		if (e > worst || isnan(e)) worst = e;
	}
	cr_assert(bad == 0,
	          "%s: %zu of %zu differ; first [%zu] cuda %.8g cpu %.8g; worst |diff| %.3g "
	          "(rtol %.0e, atol %.3g)",
	          what, bad, n, first, g[first], c[first], worst, rtol, abs_tol);
	free(c);
	free(g);
}

/* ---- the fallback path: runs everywhere -------------------------------- */

Test(nn_cuda, create_fails_cleanly_or_describes_the_gpu)
{
	char err[256] = "untouched";
	nn_backend *be = nn_backend_create(NN_DEVICE_CUDA, 0, err, sizeof err);
	if (!nn_cuda_available()) {
		cr_assert_null(be, "a CUDA backend without a device");
		cr_assert(strlen(err) > 0 && strcmp(err, "untouched") != 0, "no message");
		cr_assert(strstr(err, "CUDA") || strstr(err, "cuda"),
		          "the message does not say what is missing: %s", err);
		/* the CPU still works after the failed attempt */
		nn_backend *cpu = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
		cr_assert_not_null(cpu, "%s", err);
		float *p = nn_alloc(cpu, 4);
		cr_assert_not_null(p);
		nn_fill(cpu, p, 2.5f, 4);
		cr_assert_float_eq(p[3], 2.5f, 0.0);
		nn_free(cpu, p);
		nn_backend_destroy(cpu);
		return;
	}
	cr_assert_not_null(be, "a device answers but creation fails: %s", err);
	cr_assert_eq(nn_backend_device(be), NN_DEVICE_CUDA);
	cr_assert(strncmp(nn_backend_describe(be), "cuda (", 6) == 0, "%s",
	          nn_backend_describe(be));
	nn_backend_destroy(be);
}

Test(nn_cuda, auto_picks_cuda_exactly_when_available)
{
	nn_device want = nn_cuda_available() ? NN_DEVICE_CUDA : NN_DEVICE_CPU;
	cr_assert_eq(nn_device_auto(), want);
	/* and the answer is stable: probing twice changes nothing */
	cr_assert_eq(nn_device_auto(), want);
#ifndef NN_HAVE_CUDA
	cr_assert_eq(nn_cuda_available(), 0, "a build without CUDA reports a device");
#endif
}

/* ---- memory ------------------------------------------------------------ */

Test(nn_cuda, memory_alloc_upload_download_copy_fill)
{
	duo d = duo_open(1);
	size_t n = 100003;
	float *h = malloc(n * sizeof *h);
	cr_assert_not_null(h);
	float *p = nn_alloc(d.gpu, n), *q = nn_alloc(d.gpu, n);
	cr_assert(p && q);
	nn_download(d.gpu, h, p, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(h[i], 0.0f, "nn_alloc is not zero-filled at %zu", i);
	for (size_t i = 0; i < n; i++)
		h[i] = (float)i * 0.5f - 7.0f;
	nn_upload(d.gpu, p, h, n);
	nn_copy(d.gpu, q, p, n);
	memset(h, 0, n * sizeof *h);
	nn_download(d.gpu, h, q, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(h[i], (float)i * 0.5f - 7.0f, "copy lost element %zu", i);
	nn_fill(d.gpu, q + 10, -3.25f, 5);
	nn_fill(d.gpu, q + 20, 0.0f, 3);
	nn_download(d.gpu, h, q, 30);
	for (size_t i = 0; i < 30; i++) {
		float want = i >= 10 && i < 15   ? -3.25f
		             : i >= 20 && i < 23 ? 0.0f
		                                 : (float)i * 0.5f - 7.0f;
		cr_assert_eq(h[i], want, "fill at %zu: %g", i, h[i]);
	}
	/* zero lengths are no-ops */
	nn_upload(d.gpu, p, h, 0);
	nn_download(d.gpu, h, p, 0);
	nn_copy(d.gpu, q, p, 0);
	nn_fill(d.gpu, p, 1.0f, 0);
	float *z = nn_alloc(d.gpu, 0);
	cr_assert_not_null(z, "nn_alloc(0) must give a freeable pointer");
	nn_free(d.gpu, z);
	nn_free(d.gpu, p);
	nn_free(d.gpu, q);
	free(h);
	duo_close(&d);
}

/* The training batches of onehot data: the planes built on the device
 * equal the CPU's exactly, over more cells than one launch's grid covers
 * and with out-of-range indices. */
Test(nn_cuda, upload_onehot_matches_cpu)
{
	duo d = duo_open(2);
	int images = 5, channels = 103;
	size_t cells = 64 * 64, count = (size_t)images * cells;
	int32_t *idx = malloc(count * sizeof *idx);
	cr_assert_not_null(idx);
	for (size_t i = 0; i < count; i++)
		idx[i] = (int32_t)(nn_rng_uniform(&d.rng) * (channels + 2)) - 1; /* -1 .. channels */
	twin t = twin_range(&d, (size_t)channels * count, -1.0f, 1.0f); /* stale values */
	nn_upload_onehot(d.cpu, t.c, idx, images, channels, cells);
	nn_upload_onehot(d.gpu, t.g, idx, images, channels, cells);
	twin_check(&d, &t, 0.0, 0.0, "one-hot planes");
	/* a smaller batch after a larger one reuses the index buffer */
	nn_upload_onehot(d.cpu, t.c, idx + cells, 2, channels, cells);
	nn_upload_onehot(d.gpu, t.g, idx + cells, 2, channels, cells);
	twin_check(&d, &t, 0.0, 0.0, "one-hot planes, second batch");
	twin_free(&d, &t);
	free(idx);
	duo_close(&d);
}

/* ---- dense algebra ----------------------------------------------------- */

Test(nn_cuda, gemm_all_transposes)
{
	duo d = duo_open(2);
	const int M = 37, N = 23, K = 51;
	for (int ta = 0; ta <= 1; ta++)
		for (int tb = 0; tb <= 1; tb++) {
			twin A = twin_rand(&d, (size_t)M * K, 1.0f);
			twin B = twin_rand(&d, (size_t)K * N, 1.0f);
			twin C = twin_rand(&d, (size_t)M * N, 1.0f);
			nn_gemm(d.cpu, ta, tb, M, N, K, 0.75f, A.c, B.c, 0.5f, C.c);
			nn_gemm(d.gpu, ta, tb, M, N, K, 0.75f, A.g, B.g, 0.5f, C.g);
			char what[48];
			snprintf(what, sizeof what, "gemm ta=%d tb=%d", ta, tb);
			twin_check(&d, &C, TOL_PRODUCT, what);
			/* beta = 0 overwrites */
			nn_gemm(d.cpu, ta, tb, M, N, K, 1.0f, A.c, B.c, 0.0f, C.c);
			nn_gemm(d.gpu, ta, tb, M, N, K, 1.0f, A.g, B.g, 0.0f, C.g);
			twin_check(&d, &C, TOL_PRODUCT, what);
			twin_free(&d, &A);
			twin_free(&d, &B);
			twin_free(&d, &C);
		}
	/* K = 0: C = beta C */
	twin C = twin_rand(&d, 6, 1.0f);
	nn_gemm(d.cpu, 0, 0, 2, 3, 0, 1.0f, C.c, C.c, 0.5f, C.c);
	nn_gemm(d.gpu, 0, 0, 2, 3, 0, 1.0f, C.g, C.g, 0.5f, C.g);
	twin_check(&d, &C, TOL_ELEMENTWISE, "gemm K=0");
	twin_free(&d, &C);
	duo_close(&d);
}

Test(nn_cuda, axpy_and_scale)
{
	duo d = duo_open(3);
	size_t n = 70001;
	twin x = twin_rand(&d, n, 2.0f), y = twin_rand(&d, n, 2.0f);
	nn_axpy(d.cpu, n, -1.5f, x.c, y.c);
	nn_axpy(d.gpu, n, -1.5f, x.g, y.g);
	twin_check(&d, &y, TOL_ELEMENTWISE, "axpy");
	nn_scale(d.cpu, n, 0.3f, y.c);
	nn_scale(d.gpu, n, 0.3f, y.g);
	twin_check(&d, &y, TOL_ELEMENTWISE, "scale");
	twin_free(&d, &x);
	twin_free(&d, &y);
	duo_close(&d);
}

/* ---- convolutions ------------------------------------------------------ */

typedef struct {
	int n, cin, h, w, cout, k, stride, pad, bias;
} conv_case;

/* Forward and backward of one geometry on both backends; every gradient
 * and the NULL-gradient variants. */
static void check_conv(duo *d, conv_case cc, int transposed)
{
	nn_conv c =
	    nn_conv_shape(cc.n, cc.cin, cc.h, cc.w, cc.cout, cc.k, cc.stride, cc.pad, transposed);
	cr_assert(c.ho > 0 && c.wo > 0);
	size_t xn = (size_t)c.n * c.cin * c.h * c.w, yn = (size_t)c.n * c.cout * c.ho * c.wo;
	size_t wn = (size_t)c.cin * c.cout * c.k * c.k;
	twin x = twin_rand(d, xn, 1.0f), w = twin_rand(d, wn, 0.5f), b = twin_rand(d, c.cout, 1.0f);
	twin y = twin_rand(d, yn, 9.0f), dy = twin_rand(d, yn, 1.0f);
	twin dx = twin_rand(d, xn, 9.0f), dw = twin_rand(d, wn, 1.0f),
	     db = twin_rand(d, c.cout, 1.0f);
	char what[160];
	snprintf(what, sizeof what, "%s n%d cin%d %dx%d cout%d k%d s%d p%d%s",
	         transposed ? "convT" : "conv", cc.n, cc.cin, cc.h, cc.w, cc.cout, cc.k, cc.stride,
	         cc.pad, cc.bias ? "" : " nobias");
	char part[200];
	if (transposed) {
		nn_conv_transpose2d_forward(d->cpu, &c, x.c, w.c, cc.bias ? b.c : NULL, y.c);
		nn_conv_transpose2d_forward(d->gpu, &c, x.g, w.g, cc.bias ? b.g : NULL, y.g);
	} else {
		nn_conv2d_forward(d->cpu, &c, x.c, w.c, cc.bias ? b.c : NULL, y.c);
		nn_conv2d_forward(d->gpu, &c, x.g, w.g, cc.bias ? b.g : NULL, y.g);
	}
	snprintf(part, sizeof part, "%s forward", what);
	twin_check(d, &y, TOL_PRODUCT, part);
	for (int variant = 0; variant < 3; variant++) {
		/* 0: all gradients, 1: dx only, 2: dw and db only */
		float *cdx = variant == 2 ? NULL : dx.c, *gdx = variant == 2 ? NULL : dx.g;
		float *cdw = variant == 1 ? NULL : dw.c, *gdw = variant == 1 ? NULL : dw.g;
		float *cdb = variant == 1 ? NULL : db.c, *gdb = variant == 1 ? NULL : db.g;
		if (transposed) {
			nn_conv_transpose2d_backward(d->cpu, &c, x.c, w.c, dy.c, cdx, cdw, cdb);
			nn_conv_transpose2d_backward(d->gpu, &c, x.g, w.g, dy.g, gdx, gdw, gdb);
		} else {
			nn_conv2d_backward(d->cpu, &c, x.c, w.c, dy.c, cdx, cdw, cdb);
			nn_conv2d_backward(d->gpu, &c, x.g, w.g, dy.g, gdx, gdw, gdb);
		}
		snprintf(part, sizeof part, "%s dx (variant %d)", what, variant);
		twin_check(d, &dx, TOL_PRODUCT, part);
		snprintf(part, sizeof part, "%s dw (variant %d)", what, variant);
		twin_check(d, &dw, TOL_REDUCTION, part);
		snprintf(part, sizeof part, "%s db (variant %d)", what, variant);
		twin_check(d, &db, TOL_REDUCTION, part);
	}
	twin *all[] = {&x, &w, &b, &y, &dy, &dx, &dw, &db};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		twin_free(d, all[i]);
}

static const conv_case conv_cases[] = {
    {3, 5, 9, 7, 4, 3, 1, 1, 1},   /* odd sizes, same padding */
    {2, 3, 16, 16, 8, 4, 2, 1, 1}, /* a DCGAN discriminator layer */
    {1, 6, 8, 8, 5, 4, 2, 1, 0},   /* one image (no permutation), no bias */
    {4, 2, 7, 9, 3, 1, 1, 0, 1},   /* 1x1 kernel */
    {2, 4, 11, 10, 3, 3, 3, 2, 1}, /* stride 3, wide padding */
    {2, 8, 4, 4, 1, 4, 1, 0, 0},   /* a DCGAN head: 4x4 -> 1x1 */
};

Test(nn_cuda, conv2d_forward_backward)
{
	duo d = duo_open(4);
	for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
		check_conv(&d, conv_cases[i], 0);
	duo_close(&d);
}

static const conv_case convt_cases[] = {
    {3, 6, 4, 4, 5, 4, 2, 1, 1}, /* a DCGAN generator layer: 4x4 -> 8x8 */
    {2, 8, 1, 1, 4, 4, 1, 0, 0}, /* the generator's first layer: 1x1 -> 4x4 */
    {1, 3, 5, 3, 2, 3, 1, 1, 1}, /* one image, odd sizes */
    {2, 4, 3, 5, 3, 3, 2, 0, 1}, /* stride 2, no padding: overlapping taps */
    {3, 2, 6, 6, 3, 5, 3, 2, 0}, /* stride 3, kernel 5 */
};

Test(nn_cuda, conv_transpose2d_forward_backward)
{
	duo d = duo_open(5);
	for (size_t i = 0; i < sizeof convt_cases / sizeof convt_cases[0]; i++)
		check_conv(&d, convt_cases[i], 1);
	duo_close(&d);
}

Test(nn_cuda, conv_chunks_of_images_match_one_pass)
{
	duo d = duo_open(6);
#ifdef NN_HAVE_CUDA
	/* scratch for two images at a time: batches of 5 run as 2 + 2 + 1 */
	conv_case cc = {5, 3, 8, 8, 4, 3, 1, 1, 1};
	nn_cuda_set_conv_work(d.gpu, (size_t)(3 * 9 + 4) * 64 * 2);
	check_conv(&d, cc, 0);
	conv_case ct = {5, 4, 4, 4, 3, 4, 2, 1, 1};
	nn_cuda_set_conv_work(d.gpu, (size_t)(3 * 16 + 4) * 16 * 2);
	check_conv(&d, ct, 1);
	nn_cuda_set_conv_work(d.gpu, 0);
#endif
	duo_close(&d);
}

/* ---- linear, batchnorm ------------------------------------------------- */

Test(nn_cuda, linear_forward_backward)
{
	duo d = duo_open(7);
	const int shapes[][3] = {{5, 33, 17}, {64, 128, 1}, {1, 7, 300}};
	for (size_t s = 0; s < 3; s++) {
		int n = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
		for (int bias = 0; bias <= 1; bias++) {
			twin x = twin_rand(&d, (size_t)n * in, 1.0f),
			     w = twin_rand(&d, (size_t)out * in, 0.3f);
			twin b = twin_rand(&d, out, 1.0f), y = twin_rand(&d, (size_t)n * out, 5.0f);
			twin dy = twin_rand(&d, (size_t)n * out, 1.0f),
			     dx = twin_rand(&d, (size_t)n * in, 5.0f);
			twin dw = twin_rand(&d, (size_t)out * in, 1.0f),
			     db = twin_rand(&d, out, 1.0f);
			nn_linear_forward(d.cpu, n, in, out, x.c, w.c, bias ? b.c : NULL, y.c);
			nn_linear_forward(d.gpu, n, in, out, x.g, w.g, bias ? b.g : NULL, y.g);
			twin_check(&d, &y, TOL_PRODUCT, "linear forward");
			nn_linear_backward(d.cpu, n, in, out, x.c, w.c, dy.c, dx.c, dw.c,
			                   bias ? db.c : NULL);
			nn_linear_backward(d.gpu, n, in, out, x.g, w.g, dy.g, dx.g, dw.g,
			                   bias ? db.g : NULL);
			twin_check(&d, &dx, TOL_PRODUCT, "linear dx");
			twin_check(&d, &dw, TOL_REDUCTION, "linear dw");
			twin_check(&d, &db, TOL_REDUCTION, "linear db");
			twin *all[] = {&x, &w, &b, &y, &dy, &dx, &dw, &db};
			for (size_t i = 0; i < 8; i++)
				twin_free(&d, all[i]);
		}
	}
	duo_close(&d);
}

Test(nn_cuda, batchnorm_train_eval_backward)
{
	duo d = duo_open(8);
	const nn_bn cases[] = {
	    {4, 6, 25, 1e-5f, 0.1f},   /* BatchNorm2d on 5x5 maps */
	    {64, 16, 1, 1e-5f, 0.1f},  /* BatchNorm1d */
	    {8, 3, 1024, 1e-5f, 0.1f}, /* long channels: 8192 values each */
	    {2, 5, 1, 1e-3f, 0.3f},    /* two values per channel */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		nn_bn p = cases[k];
		size_t n = (size_t)p.n * p.c * p.s;
		/* an offset mean, so centring matters */
		twin x = twin_range(&d, n, 2.0f, 5.0f), gamma = twin_rand(&d, p.c, 1.5f);
		twin beta = twin_rand(&d, p.c, 1.0f), rm = twin_rand(&d, p.c, 1.0f);
		twin rv = twin_range(&d, p.c, 0.5f, 2.0f), sm = twin_rand(&d, p.c, 1.0f);
		twin si = twin_rand(&d, p.c, 1.0f), y = twin_rand(&d, n, 9.0f);
		twin dy = twin_rand(&d, n, 1.0f), dx = twin_rand(&d, n, 9.0f);
		twin dg = twin_rand(&d, p.c, 1.0f), dbt = twin_rand(&d, p.c, 1.0f);
		nn_batchnorm_forward_train(d.cpu, &p, x.c, gamma.c, beta.c, rm.c, rv.c, sm.c, si.c,
		                           y.c);
		nn_batchnorm_forward_train(d.gpu, &p, x.g, gamma.g, beta.g, rm.g, rv.g, sm.g, si.g,
		                           y.g);
		twin_check(&d, &y, TOL_REDUCTION, "batchnorm train y");
		twin_check(&d, &sm, TOL_REDUCTION, "batchnorm save_mean");
		twin_check(&d, &si, TOL_REDUCTION, "batchnorm save_invstd");
		twin_check(&d, &rm, TOL_REDUCTION, "batchnorm running_mean");
		twin_check(&d, &rv, TOL_REDUCTION, "batchnorm running_var");
		nn_batchnorm_backward(d.cpu, &p, x.c, gamma.c, sm.c, si.c, dy.c, dx.c, dg.c, dbt.c);
		nn_batchnorm_backward(d.gpu, &p, x.g, gamma.g, sm.g, si.g, dy.g, dx.g, dg.g, dbt.g);
		twin_check(&d, &dx, TOL_REDUCTION, "batchnorm dx");
		twin_check(&d, &dg, TOL_REDUCTION, "batchnorm dgamma");
		twin_check(&d, &dbt, TOL_REDUCTION, "batchnorm dbeta");
		/* dx only, over dy's own storage */
		nn_batchnorm_backward(d.cpu, &p, x.c, gamma.c, sm.c, si.c, dy.c, dy.c, NULL, NULL);
		nn_batchnorm_backward(d.gpu, &p, x.g, gamma.g, sm.g, si.g, dy.g, dy.g, NULL, NULL);
		twin_check(&d, &dy, TOL_REDUCTION, "batchnorm dx in place");
		nn_batchnorm_forward_eval(d.cpu, &p, x.c, gamma.c, beta.c, rm.c, rv.c, y.c);
		nn_batchnorm_forward_eval(d.gpu, &p, x.g, gamma.g, beta.g, rm.g, rv.g, y.g);
		twin_check(&d, &y, TOL_REDUCTION, "batchnorm eval");
		twin *all[] = {&x, &gamma, &beta, &rm, &rv, &sm, &si, &y, &dy, &dx, &dg, &dbt};
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
			twin_free(&d, all[i]);
	}
	duo_close(&d);
}

/* ---- activations, softmax ---------------------------------------------- */

Test(nn_cuda, activations_forward_backward_in_place)
{
	duo d = duo_open(9);
	size_t n = 50000;
	for (int kind = 0; kind < 4; kind++) {
		twin x = twin_rand(&d, n, 6.0f), y = twin_rand(&d, n, 1.0f),
		     dy = twin_rand(&d, n, 1.0f);
		twin dx = twin_rand(&d, n, 1.0f);
		static const char *names[] = {"relu", "leaky_relu", "tanh", "sigmoid"};
		for (int in_place = 0; in_place <= 1; in_place++) {
			float *cy = in_place ? x.c : y.c, *gy = in_place ? x.g : y.g;
			switch (kind) {
			case 0:
				nn_relu_forward(d.cpu, n, x.c, cy);
				nn_relu_forward(d.gpu, n, x.g, gy);
				nn_relu_backward(d.cpu, n, cy, dy.c, dx.c);
				nn_relu_backward(d.gpu, n, gy, dy.g, dx.g);
				break;
			case 1:
				nn_leaky_relu_forward(d.cpu, n, 0.2f, x.c, cy);
				nn_leaky_relu_forward(d.gpu, n, 0.2f, x.g, gy);
				nn_leaky_relu_backward(d.cpu, n, 0.2f, cy, dy.c, dx.c);
				nn_leaky_relu_backward(d.gpu, n, 0.2f, gy, dy.g, dx.g);
				break;
			case 2:
				nn_tanh_forward(d.cpu, n, x.c, cy);
				nn_tanh_forward(d.gpu, n, x.g, gy);
				nn_tanh_backward(d.cpu, n, cy, dy.c, dx.c);
				nn_tanh_backward(d.gpu, n, gy, dy.g, dx.g);
				break;
			default:
				nn_sigmoid_forward(d.cpu, n, x.c, cy);
				nn_sigmoid_forward(d.gpu, n, x.g, gy);
				nn_sigmoid_backward(d.cpu, n, cy, dy.c, dx.c);
				nn_sigmoid_backward(d.gpu, n, gy, dy.g, dx.g);
				break;
			}
			char what[64];
			snprintf(what, sizeof what, "%s%s", names[kind],
			         in_place ? " in place" : "");
			twin_check(&d, in_place ? &x : &y, TOL_ELEMENTWISE, what);
			twin_check(&d, &dx, TOL_ELEMENTWISE, what);
		}
		/* backward writing dx over dy */
		switch (kind) {
		case 0:
			nn_relu_backward(d.cpu, n, x.c, dy.c, dy.c);
			nn_relu_backward(d.gpu, n, x.g, dy.g, dy.g);
			break;
		case 1:
			nn_leaky_relu_backward(d.cpu, n, 0.2f, x.c, dy.c, dy.c);
			nn_leaky_relu_backward(d.gpu, n, 0.2f, x.g, dy.g, dy.g);
			break;
		case 2:
			nn_tanh_backward(d.cpu, n, x.c, dy.c, dy.c);
			nn_tanh_backward(d.gpu, n, x.g, dy.g, dy.g);
			break;
		default:
			nn_sigmoid_backward(d.cpu, n, x.c, dy.c, dy.c);
			nn_sigmoid_backward(d.gpu, n, x.g, dy.g, dy.g);
			break;
		}
		twin_check(&d, &dy, TOL_ELEMENTWISE, names[kind]);
		twin_free(&d, &x);
		twin_free(&d, &y);
		twin_free(&d, &dy);
		twin_free(&d, &dx);
	}
	duo_close(&d);
}

Test(nn_cuda, softmax_channels_forward_backward)
{
	duo d = duo_open(10);
	const int shapes[][3] = {{3, 7, 25}, {2, 1, 4}, {5, 40, 1}, {2, 12, 4096}};
	for (size_t k = 0; k < 4; k++) {
		int n = shapes[k][0], c = shapes[k][1], s = shapes[k][2];
		size_t total = (size_t)n * c * s;
		/* large logits: the max subtraction must keep exp finite */
		twin x = twin_rand(&d, total, 60.0f), y = twin_rand(&d, total, 1.0f);
		twin dy = twin_rand(&d, total, 1.0f), dx = twin_rand(&d, total, 1.0f);
		nn_softmax_channels_forward(d.cpu, n, c, s, x.c, y.c);
		nn_softmax_channels_forward(d.gpu, n, c, s, x.g, y.g);
		twin_check(&d, &y, TOL_ELEMENTWISE, "softmax forward");
		nn_softmax_channels_backward(d.cpu, n, c, s, y.c, dy.c, dx.c);
		nn_softmax_channels_backward(d.gpu, n, c, s, y.g, dy.g, dx.g);
		twin_check(&d, &dx, TOL_PRODUCT, "softmax backward");
		/* in place: forward over x, backward over dy */
		nn_softmax_channels_forward(d.cpu, n, c, s, x.c, x.c);
		nn_softmax_channels_forward(d.gpu, n, c, s, x.g, x.g);
		twin_check(&d, &x, TOL_ELEMENTWISE, "softmax in place");
		nn_softmax_channels_backward(d.cpu, n, c, s, x.c, dy.c, dy.c);
		nn_softmax_channels_backward(d.gpu, n, c, s, x.g, dy.g, dy.g);
		twin_check(&d, &dy, TOL_PRODUCT, "softmax backward in place");
		twin_free(&d, &x);
		twin_free(&d, &y);
		twin_free(&d, &dy);
		twin_free(&d, &dx);
	}
	duo_close(&d);
}

/* ---- losses ------------------------------------------------------------ */

static void check_loss(float cpu, float gpu, double rtol, const char *what)
{
	double tol = rtol * fabs(cpu) + 1e-6;
	cr_assert(fabs((double)gpu - cpu) <= tol, "%s: cuda %.9g cpu %.9g", what, gpu, cpu);
}

Test(nn_cuda, bce_logits_and_mean_loss)
{
	duo d = duo_open(11);
	const size_t sizes[] = {1, 64, 1000, 300001};
	for (size_t k = 0; k < 4; k++) {
		size_t n = sizes[k];
		/* logits up to +-40: exp(-|x|) underflows, the loss must not */
		twin x = twin_rand(&d, n, 40.0f), dx = twin_rand(&d, n, 1.0f);
		for (int t = 0; t <= 1; t++) {
			float lc = nn_bce_logits(d.cpu, n, x.c, (float)t, dx.c);
			float lg = nn_bce_logits(d.gpu, n, x.g, (float)t, dx.g);
			cr_assert(isfinite(lg), "bce loss %g", lg);
			check_loss(lc, lg, 1e-5, "bce_logits");
			twin_check(&d, &dx, TOL_ELEMENTWISE, "bce dlogits");
			/* without the gradient the loss is the same */
			cr_assert_float_eq(nn_bce_logits(d.gpu, n, x.g, (float)t, NULL), lg, 0.0);
		}
		for (int sign = -1; sign <= 1; sign += 2) {
			float lc = nn_mean_loss(d.cpu, n, x.c, (float)sign, dx.c);
			float lg = nn_mean_loss(d.gpu, n, x.g, (float)sign, dx.g);
			check_loss(lc, lg, 1e-5, "mean_loss");
			twin_check(&d, &dx, TOL_ELEMENTWISE, "mean_loss dx");
		}
		/* dx over x itself: the mean is taken before x is overwritten */
		float lc = nn_mean_loss(d.cpu, n, x.c, 1.0f, x.c);
		float lg = nn_mean_loss(d.gpu, n, x.g, 1.0f, x.g);
		check_loss(lc, lg, 1e-5, "mean_loss in place");
		twin_check(&d, &x, TOL_ELEMENTWISE, "mean_loss in place dx");
		twin_free(&d, &x);
		twin_free(&d, &dx);
	}
	duo_close(&d);
}

/* ---- optimisers -------------------------------------------------------- */

Test(nn_cuda, adam_rmsprop_clip)
{
	duo d = duo_open(12);
	size_t n = 40000;
	twin p = twin_rand(&d, n, 0.1f), g = twin_rand(&d, n, 1.0f);
	twin m = twin_rand(&d, n, 0.0f), v = twin_rand(&d, n, 0.0f);
	nn_adam a = {1e-3f, 0.5f, 0.999f, 1e-8f};
	for (long t = 1; t <= 5; t++) {
		nn_adam_step(d.cpu, &a, t, n, p.c, g.c, m.c, v.c);
		nn_adam_step(d.gpu, &a, t, n, p.g, g.g, m.g, v.g);
		nn_scale(d.cpu, n, -0.7f, g.c); /* a gradient that changes */
		nn_scale(d.gpu, n, -0.7f, g.g);
	}
	twin_check(&d, &m, TOL_ELEMENTWISE, "adam m");
	twin_check(&d, &v, TOL_ELEMENTWISE, "adam v");
	twin_check(&d, &p, TOL_ELEMENTWISE, "adam p");
	nn_rmsprop r = {5e-5f, 0.99f, 1e-8f};
	nn_fill(d.cpu, v.c, 0.0f, n);
	nn_fill(d.gpu, v.g, 0.0f, n);
	for (int t = 0; t < 3; t++) {
		nn_rmsprop_step(d.cpu, &r, n, p.c, g.c, v.c);
		nn_rmsprop_step(d.gpu, &r, n, p.g, g.g, v.g);
	}
	twin_check(&d, &v, TOL_ELEMENTWISE, "rmsprop v");
	twin_check(&d, &p, TOL_ELEMENTWISE, "rmsprop p");
	/* clipping is exact: same input, same output */
	twin q = twin_rand(&d, n, 0.03f);
	nn_clip(d.cpu, n, 0.01f, q.c);
	nn_clip(d.gpu, n, 0.01f, q.g);
	twin_check(&d, &q, 0.0, 0.0, "clip");
	twin_free(&d, &q);
	twin_free(&d, &p);
	twin_free(&d, &g);
	twin_free(&d, &m);
	twin_free(&d, &v);
	duo_close(&d);
}

/* ---- whole training steps ---------------------------------------------- */

typedef struct {
	nn_backend *be;
	const float *host;
	size_t n;
} batch_src;

static int next_batch(void *ctx, float *real)
{
	batch_src *s = ctx;
	nn_upload(s->be, real, s->host, s->n);
	return 0;
}

/* Three steps of the same GAN (same seed, same data) on both backends.
 * After the first step (same weights on both sides) the gradients of G and
 * D agree to 1e-3 (a whole network of rounding, through BatchNorm over a
 * batch of 4); the losses of every step agree to 1e-3 relative. The
 * parameters are only checked to stay within a few learning rates: Adam
 * moves every weight by about lr with the sign of its gradient, so a
 * gradient that rounds to the other side of zero moves 2 lr apart. */
static void check_steps(duo *d, nn_gan_config cfg)
{
	char err[256];
	nn_gan gc, gg;
	nn_rng rc, rg;
	nn_rng_seed(&rc, 99);
	nn_rng_seed(&rg, 99);
	cr_assert_eq(nn_gan_create(&gc, &cfg, d->cpu, &rc, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_gan_create(&gg, &cfg, d->gpu, &rg, err, sizeof err), 0, "%s", err);
	size_t rn = (size_t)cfg.batch * cfg.channels * cfg.size * cfg.size;
	float *host = malloc(rn * sizeof *host);
	cr_assert_not_null(host);
	for (size_t i = 0; i < rn; i++)
		host[i] = 2.0f * nn_rng_uniform(&d->rng) - 1.0f;
	batch_src sc = {d->cpu, host, rn}, sg = {d->gpu, host, rn};
	for (int step = 0; step < 3; step++) {
		float ldc, lgc, ldg, lgg;
		cr_assert_eq(nn_gan_step(&gc, &rc, next_batch, &sc, &ldc, &lgc), 0);
		cr_assert_eq(nn_gan_step(&gg, &rg, next_batch, &sg, &ldg, &lgg), 0);
		check_loss(ldc, ldg, 1e-3, "loss_d");
		check_loss(lgc, lgg, 1e-3, "loss_g");
		if (step == 0) {
			/* D's hold its own step's gradients: G's step asks for none */
			twin g = {gc.g.grads, gg.g.grads, gc.g.nparams};
			twin dd = {gc.d.grads, gg.d.grads, gc.d.nparams};
			twin_check(d, &g, 1e-3, 1e-3, "G grads after step 1");
			twin_check(d, &dd, 1e-3, 1e-3, "D grads after step 1");
		}
	}
	nn_seq *seqs[2][2] = {{&gc.g, &gg.g}, {&gc.d, &gg.d}};
	for (int s = 0; s < 2; s++) {
		size_t n = seqs[s][0]->nparams;
		cr_assert_eq(n, seqs[s][1]->nparams);
		twin t = {seqs[s][0]->params, seqs[s][1]->params, n};
		twin_check(d, &t, 0.0, 10.0 * cfg.lr, s ? "D params" : "G params");
	}
	free(host);
	nn_gan_destroy(&gc);
	nn_gan_destroy(&gg);
}

Test(nn_cuda, dcgan_train_steps_match_cpu)
{
	duo d = duo_open(13);
	nn_gan_config c;
	nn_gan_config_default(&c, NN_ARCH_DCGAN, 3, 0, 64);
	c.width = 8;
	c.latent = 16;
	c.batch = 4;
	check_steps(&d, c);
	duo_close(&d);
}

Test(nn_cuda, wgan_onehot_train_steps_match_cpu)
{
	duo d = duo_open(14);
	nn_gan_config c;
	nn_gan_config_default(&c, NN_ARCH_WGAN_DENSE, 5, 1, 8);
	c.width = 32;
	c.latent = 16;
	c.batch = 8;
	/* one critic update per step: the gradients checked after step 1 then
	 * come from (nearly) the same weights on both sides */
	c.n_critic = 1;
	check_steps(&d, c);
	duo_close(&d);
}

/* The unclipped critics' steps: for spectral norm the power iterations
 * (cuBLAS gemv) and the projection (nn_scale); for the penalty the
 * interpolates, per-sample norms by 1x1 products and the second-order
 * weight gradients; Adam on both nets either way. */
Test(nn_cuda, dcgan_unclipped_critic_train_steps_match_cpu)
{
	const nn_loss losses[2] = {NN_LOSS_WASSERSTEIN_SN, NN_LOSS_WASSERSTEIN_GP};
	for (int i = 0; i < 2; i++) {
		duo d = duo_open(15 + (uint64_t)i);
		nn_gan_config c;
		nn_gan_config_default(&c, NN_ARCH_DCGAN, 3, 0, 64);
		nn_gan_config_set_loss(&c, losses[i]);
		c.width = 8;
		c.latent = 16;
		c.batch = 4;
		c.n_critic = 1;
		check_steps(&d, c);
		duo_close(&d);
	}
}
