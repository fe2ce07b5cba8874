/* test_nn_fixtures.c - nn/ against values saved from PyTorch.
 *
 * tools/nn_fixtures.py writes tests/fixtures/nn/<case>.safetensors (inputs,
 * parameters, upstream gradient dy, PyTorch's outputs and gradients, float32
 * CPU); each test replays one case through the CPU backend. Tolerance:
 * |got - want| <= 1e-4 + 1e-4 |want| (float sums in a different order).
 * The directory is tests/fixtures/nn under the working directory or
 * $WFC_NN_FIXTURES; the tests skip when it is absent.
 */
#include "../api/safetensors.h"
#include "../nn/backend.h"
#include "../nn/nn.h"
#include "testutil.h"

#include <math.h>

#define FIX_ATOL 1e-4
#define FIX_RTOL 1e-4

static nn_backend *be;

static void setup(void)
{
	char err[128];
	be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
}

static void teardown(void)
{
	nn_backend_destroy(be);
}

TestSuite(nn_fixtures, .init = setup, .fini = teardown);

static void load(const char *name, api_safetensors *st)
{
	const char *dir = getenv("WFC_NN_FIXTURES");
	if (!dir || !*dir) dir = "tests/fixtures/nn";
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
	struct stat sb;
	if (stat(dir, &sb) != 0)
		cr_skip_test("no PyTorch fixtures in %s (tools/nn_fixtures.py)", dir);
	api_error err;
	memset(&err, 0, sizeof err);
	cr_assert_eq(api_st_read_file(path, st, &err), 0, "%s: %s", path, err.message);
}

/* The tensor called name, which must hold count floats. */
static float *T(const api_safetensors *st, const char *name, size_t count)
{
	const api_st_tensor *t = api_st_find(st, name);
	cr_assert_not_null(t, "fixture has no tensor '%s'", name);
	cr_assert_eq(t->count, count, "'%s' has %zu floats, want %zu", name, t->count, count);
	return t->data;
}

static double meta(const api_safetensors *st, const char *key)
{
	const char *v = api_st_meta(st, key);
	cr_assert_not_null(v, "fixture has no metadata '%s'", key);
	return strtod(v, NULL);
}

static void expect_close(const char *what, const float *got, const float *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert(fabs((double)got[i] - want[i]) <= FIX_ATOL + FIX_RTOL * fabs(want[i]),
		          "%s[%zu] = %.7g, PyTorch %.7g", what, i, got[i], want[i]);
}

static float *zeros(size_t n)
{
	float *p = calloc(n ? n : 1, sizeof(float));
	cr_assert_not_null(p);
	return p;
}

static void conv_case(const char *name)
{
	api_safetensors st;
	load(name, &st);
	int tr = (int)meta(&st, "transposed");
	nn_conv c = nn_conv_shape((int)meta(&st, "n"), (int)meta(&st, "cin"), (int)meta(&st, "h"),
	                          (int)meta(&st, "w"), (int)meta(&st, "cout"), (int)meta(&st, "k"),
	                          (int)meta(&st, "stride"), (int)meta(&st, "pad"), tr);
	size_t nx = (size_t)c.n * c.cin * c.h * c.w, ny = (size_t)c.n * c.cout * c.ho * c.wo;
	size_t nw = (size_t)c.cin * c.cout * c.k * c.k;
	const float *x = T(&st, "x", nx), *w = T(&st, "w", nw), *b = T(&st, "b", c.cout);
	const float *dy = T(&st, "dy", ny);
	float *y = zeros(ny), *dx = zeros(nx), *dw = zeros(nw), *db = zeros(c.cout);
	if (tr) {
		nn_conv_transpose2d_forward(be, &c, x, w, b, y);
		nn_conv_transpose2d_backward(be, &c, x, w, dy, dx, dw, db);
	} else {
		nn_conv2d_forward(be, &c, x, w, b, y);
		nn_conv2d_backward(be, &c, x, w, dy, dx, dw, db);
	}
	expect_close("y", y, T(&st, "y", ny), ny);
	expect_close("dx", dx, T(&st, "dx", nx), nx);
	expect_close("dw", dw, T(&st, "dw", nw), nw);
	expect_close("db", db, T(&st, "db", c.cout), c.cout);
	free(y), free(dx), free(dw), free(db);
	api_st_free(&st);
}

Test(nn_fixtures, conv2d_k4s2p1)
{
	conv_case("conv2d_k4s2p1");
}
Test(nn_fixtures, conv2d_k3s1p1)
{
	conv_case("conv2d_k3s1p1");
}
Test(nn_fixtures, conv2d_k4s1p0)
{
	conv_case("conv2d_k4s1p0");
}
Test(nn_fixtures, conv_transpose2d_k4s2p1)
{
	conv_case("convt_k4s2p1");
}
Test(nn_fixtures, conv_transpose2d_k4s1p0)
{
	conv_case("convt_k4s1p0");
}

Test(nn_fixtures, linear)
{
	api_safetensors st;
	load("linear", &st);
	const float *x = T(&st, "x", 21), *w = T(&st, "w", 35), *b = T(&st, "b", 5);
	const float *dy = T(&st, "dy", 15);
	float y[15], dx[21], dw[35] = {0}, db[5] = {0};
	nn_linear_forward(be, 3, 7, 5, x, w, b, y);
	nn_linear_backward(be, 3, 7, 5, x, w, dy, dx, dw, db);
	expect_close("y", y, T(&st, "y", 15), 15);
	expect_close("dx", dx, T(&st, "dx", 21), 21);
	expect_close("dw", dw, T(&st, "dw", 35), 35);
	expect_close("db", db, T(&st, "db", 5), 5);
	api_st_free(&st);
}

static void bn_case(const char *name)
{
	api_safetensors st;
	load(name, &st);
	nn_bn p = {.n = (int)meta(&st, "n"),
	           .c = (int)meta(&st, "c"),
	           .s = (int)meta(&st, "s"),
	           .eps = (float)meta(&st, "eps"),
	           .momentum = (float)meta(&st, "momentum")};
	size_t nx = (size_t)p.n * p.c * p.s, c = (size_t)p.c;
	const float *x = T(&st, "x", nx), *g = T(&st, "gamma", c), *b = T(&st, "beta", c);
	float *rm = zeros(c), *rv = zeros(c), *mean = zeros(c), *invstd = zeros(c);
	memcpy(rm, T(&st, "running_mean0", c), c * sizeof(float));
	memcpy(rv, T(&st, "running_var0", c), c * sizeof(float));
	float *y = zeros(nx), *dx = zeros(nx), *dg = zeros(c), *dbt = zeros(c);
	nn_batchnorm_forward_train(be, &p, x, g, b, rm, rv, mean, invstd, y);
	expect_close("y", y, T(&st, "y", nx), nx);
	expect_close("running_mean", rm, T(&st, "running_mean", c), c);
	expect_close("running_var", rv, T(&st, "running_var", c), c);
	nn_batchnorm_backward(be, &p, x, g, mean, invstd, T(&st, "dy", nx), dx, dg, dbt);
	expect_close("dx", dx, T(&st, "dx", nx), nx);
	expect_close("dgamma", dg, T(&st, "dgamma", c), c);
	expect_close("dbeta", dbt, T(&st, "dbeta", c), c);
	nn_batchnorm_forward_eval(be, &p, x, g, b, rm, rv, y);
	expect_close("y_eval", y, T(&st, "y_eval", nx), nx);
	free(rm), free(rv), free(mean), free(invstd), free(y), free(dx), free(dg), free(dbt);
	api_st_free(&st);
}

Test(nn_fixtures, batchnorm2d)
{
	bn_case("batchnorm2d");
}
Test(nn_fixtures, batchnorm1d)
{
	bn_case("batchnorm1d");
}

Test(nn_fixtures, activations)
{
	api_safetensors st;
	load("activations", &st);
	const size_t n = 96;
	const float *x = T(&st, "x", n), *dy = T(&st, "dy", n);
	const float slope = (float)meta(&st, "leaky_slope");
	float y[96], dx[96];
	nn_relu_forward(be, n, x, y);
	nn_relu_backward(be, n, y, dy, dx);
	expect_close("relu y", y, T(&st, "relu_y", n), n);
	expect_close("relu dx", dx, T(&st, "relu_dx", n), n);
	nn_leaky_relu_forward(be, n, slope, x, y);
	nn_leaky_relu_backward(be, n, slope, y, dy, dx);
	expect_close("leaky y", y, T(&st, "leaky_relu_y", n), n);
	expect_close("leaky dx", dx, T(&st, "leaky_relu_dx", n), n);
	nn_tanh_forward(be, n, x, y);
	nn_tanh_backward(be, n, y, dy, dx);
	expect_close("tanh y", y, T(&st, "tanh_y", n), n);
	expect_close("tanh dx", dx, T(&st, "tanh_dx", n), n);
	nn_sigmoid_forward(be, n, x, y);
	nn_sigmoid_backward(be, n, y, dy, dx);
	expect_close("sigmoid y", y, T(&st, "sigmoid_y", n), n);
	expect_close("sigmoid dx", dx, T(&st, "sigmoid_dx", n), n);
	api_st_free(&st);
}

Test(nn_fixtures, softmax_channels)
{
	api_safetensors st;
	load("softmax", &st);
	int n = (int)meta(&st, "n"), c = (int)meta(&st, "c"), s = (int)meta(&st, "s");
	size_t len = (size_t)n * c * s;
	float *y = zeros(len), *dx = zeros(len);
	nn_softmax_channels_forward(be, n, c, s, T(&st, "x", len), y);
	nn_softmax_channels_backward(be, n, c, s, y, T(&st, "dy", len), dx);
	expect_close("y", y, T(&st, "y", len), len);
	expect_close("dx", dx, T(&st, "dx", len), len);
	free(y), free(dx);
	api_st_free(&st);
}

Test(nn_fixtures, bce_with_logits)
{
	api_safetensors st;
	load("bce", &st);
	const float *x = T(&st, "logits", 16);
	static const struct {
		const char *tag;
		float target;
	} cases[] = {{"t1", 1.0f}, {"t0", 0.0f}, {"t09", 0.9f}};
	for (int i = 0; i < 3; i++) {
		char lname[32], dname[32];
		snprintf(lname, sizeof lname, "bce_%s", cases[i].tag);
		snprintf(dname, sizeof dname, "dlogits_%s", cases[i].tag);
		float d[16];
		float l = nn_bce_logits(be, 16, x, cases[i].target, d);
		expect_close(lname, &l, T(&st, lname, 1), 1);
		expect_close(dname, d, T(&st, dname, 16), 16);
	}
	api_st_free(&st);
}

static void optim_case(const char *name, int adam)
{
	api_safetensors st;
	load(name, &st);
	float p[10], m[10] = {0}, v[10] = {0};
	memcpy(p, T(&st, "p0", 10), sizeof p);
	nn_adam a = {.lr = (float)meta(&st, "lr"), .eps = (float)meta(&st, "eps")};
	nn_rmsprop r = {.lr = a.lr, .eps = a.eps};
	if (adam) {
		a.beta1 = (float)meta(&st, "beta1");
		a.beta2 = (float)meta(&st, "beta2");
	} else {
		r.alpha = (float)meta(&st, "alpha");
	}
	for (int t = 1; t <= 3; t++) {
		char gname[16], pname[16];
		snprintf(gname, sizeof gname, "g%d", t);
		snprintf(pname, sizeof pname, "p%d", t);
		if (adam)
			nn_adam_step(be, &a, t, 10, p, T(&st, gname, 10), m, v);
		else
			nn_rmsprop_step(be, &r, 10, p, T(&st, gname, 10), v);
		expect_close(pname, p, T(&st, pname, 10), 10);
	}
	if (adam) expect_close("m", m, T(&st, "m", 10), 10);
	expect_close("v", v, T(&st, "v", 10), 10);
	api_st_free(&st);
}

Test(nn_fixtures, adam)
{
	optim_case("adam", 1);
}
Test(nn_fixtures, rmsprop)
{
	optim_case("rmsprop", 0);
}
