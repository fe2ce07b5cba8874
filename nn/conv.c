/* conv.c - conv2d and conv_transpose2d (PyTorch semantics) on the CPU.
 *
 * Both are one sgemm per chunk of samples around im2col / col2im:
 *   conv2d:            y (Cout, P)    = W (Cout, Cin*K*K) . im2col(x) (Cin*K*K, P)
 *   conv_transpose2d:  cols (Cout*K*K, P) = W^T (Cout*K*K, Cin) . x (Cin, P)
 *                      y = col2im(cols)
 * where P = samples in the chunk * spatial positions of the column grid.
 * Samples are batched into one gemm so small feature maps (4x4, 8x8 in a
 * DCGAN) still make a wide matrix; chunks keep the scratch (in the
 * backend's workspace, so nothing is allocated per call) near CHUNK_FLOATS.
 * conv_transpose2d is the adjoint of conv2d with the roles of input and
 * output swapped, so it reuses the same im2col / col2im pair.
 */
#include "backend.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef NN_HAVE_CUDA
#include "cuda/nn_cuda.h"
#endif

/* Scratch target per chunk: 4M floats (16 MB) keeps a DCGAN layer's
 * batch in a few gemms without a huge workspace. */
#define CHUNK_FLOATS ((size_t)1 << 22)

nn_conv nn_conv_shape(int n, int cin, int h, int w, int cout, int k, int stride, int pad,
                      int transposed)
{
	nn_conv c = {
	    .n = n, .cin = cin, .h = h, .w = w, .cout = cout, .k = k, .stride = stride, .pad = pad};
	if (stride <= 0) stride = 1;
	if (transposed) {
		c.ho = (h - 1) * stride - 2 * pad + k;
		c.wo = (w - 1) * stride - 2 * pad + k;
	} else {
		c.ho = (h + 2 * pad - k) / stride + 1;
		c.wo = (w + 2 * pad - k) / stride + 1;
	}
	return c;
}

/* Outputs o in [*lo, *hi) of n_out read index o*stride + off inside [0, n_in). */
static void valid_range(int n_out, int n_in, int stride, int off, int *lo, int *hi)
{
	int a = off >= 0 ? 0 : (-off + stride - 1) / stride;
	int b = n_in - off > 0 ? (n_in - off + stride - 1) / stride : 0;
	if (b > n_out) b = n_out;
	if (a > b) a = b;
	*lo = a, *hi = b;
}

/* Column matrix of one image (ch, ih, iw) over an oh x ow grid:
 * col[(c*k + ky)*k + kx][oy*ow + ox] = img[c][oy*s - pad + ky][ox*s - pad + kx]
 * (0 outside the image); rows are ld floats apart. */
static void im2col(const float *img, int ch, int ih, int iw, int k, int s, int pad, int oh, int ow,
                   float *col, size_t ld)
{
	for (int c = 0; c < ch; c++) {
		const float *plane = img + (size_t)c * ih * iw;
		for (int ky = 0; ky < k; ky++) {
			for (int kx = 0; kx < k; kx++) {
				float *row = col + ((size_t)(c * k + ky) * k + kx) * ld;
				int lo, hi;
				valid_range(ow, iw, s, kx - pad, &lo, &hi);
				for (int oy = 0; oy < oh; oy++) {
					float *dst = row + (size_t)oy * ow;
					int iy = oy * s - pad + ky;
					if (iy < 0 || iy >= ih) {
						memset(dst, 0, (size_t)ow * sizeof(float));
						continue;
					}
					const float *src = plane + (size_t)iy * iw + kx - pad;
					for (int ox = 0; ox < lo; ox++)
						dst[ox] = 0.0f;
					if (s == 1) {
						memcpy(dst + lo, src + lo,
						       (size_t)(hi - lo) * sizeof(float));
					} else {
						for (int ox = lo; ox < hi; ox++)
							dst[ox] = src[ox * s];
					}
					for (int ox = hi; ox < ow; ox++)
						dst[ox] = 0.0f;
				}
			}
		}
	}
}

/* The adjoint of im2col: img += the columns scattered back (img is not
 * cleared here). */
static void col2im(const float *col, size_t ld, int ch, int ih, int iw, int k, int s, int pad,
                   int oh, int ow, float *img)
{
	for (int c = 0; c < ch; c++) {
		float *plane = img + (size_t)c * ih * iw;
		for (int ky = 0; ky < k; ky++) {
			for (int kx = 0; kx < k; kx++) {
				const float *row = col + ((size_t)(c * k + ky) * k + kx) * ld;
				int lo, hi;
				valid_range(ow, iw, s, kx - pad, &lo, &hi);
				for (int oy = 0; oy < oh; oy++) {
					int iy = oy * s - pad + ky;
					if (iy < 0 || iy >= ih) continue;
					const float *src = row + (size_t)oy * ow;
					float *dst = plane + (size_t)iy * iw + kx - pad;
					for (int ox = lo; ox < hi; ox++)
						dst[ox * s] += src[ox];
				}
			}
		}
	}
}

/* (m, C, S) sample-major -> (C, m*S) channel-major, and back. */
static void gather_cm(const float *src, int m, int ch, size_t sz, float *dst)
{
	size_t P = (size_t)m * sz;
	for (int j = 0; j < m; j++)
		for (int c = 0; c < ch; c++)
			memcpy(dst + c * P + j * sz, src + ((size_t)j * ch + c) * sz,
			       sz * sizeof(float));
}

static void scatter_cm(const float *src, int m, int ch, size_t sz, float *dst)
{
	size_t P = (size_t)m * sz;
	for (int j = 0; j < m; j++)
		for (int c = 0; c < ch; c++)
			memcpy(dst + ((size_t)j * ch + c) * sz, src + c * P + j * sz,
			       sz * sizeof(float));
}

/* Workspace for nb samples of per_sample floats each; nb as large as fits
 * CHUNK_FLOATS (at least 1), halved while memory is short. NULL when even
 * one sample does not fit. */
static float *chunk_workspace(nn_backend *be, int n, size_t per_sample, int *nb)
{
	size_t want = per_sample ? CHUNK_FLOATS / per_sample : (size_t)n;
	int b = want < 1 ? 1 : want > (size_t)n ? n : (int)want;
	if (b < 1) b = 1;
	/* even chunks: 64 samples as 32+32, not 56+8 */
	if (n > 0) {
		int chunks = (n + b - 1) / b;
		b = (n + chunks - 1) / chunks;
	}
	for (;;) {
		float *ws = nn_cpu_workspace(be, (size_t)b * per_sample);
		if (ws || b == 1) {
			*nb = b;
			return ws;
		}
		b /= 2;
	}
}

/* Out of memory in a void op: poison the outputs so the failure shows up as
 * NaN loss instead of silently stale numbers. */
static void poison(float *p, size_t n)
{
	if (!p) return;
	for (size_t i = 0; i < n; i++)
		p[i] = NAN;
}

static void add_bias(float *y, int m, int ch, size_t sz, const float *b)
{
	if (!b) return;
	for (int j = 0; j < m; j++)
		for (int c = 0; c < ch; c++) {
			float *p = y + ((size_t)j * ch + c) * sz;
			for (size_t i = 0; i < sz; i++)
				p[i] += b[c];
		}
}

/* db[c] += sum over samples and positions of dy (N, C, S). */
static void bias_grad(const float *dy, int n, int ch, size_t sz, float *db)
{
	if (!db) return;
	for (int c = 0; c < ch; c++) {
		double acc = 0.0;
		for (int j = 0; j < n; j++) {
			const float *p = dy + ((size_t)j * ch + c) * sz;
			for (size_t i = 0; i < sz; i++)
				acc += p[i];
		}
		db[c] += (float)acc;
	}
}

void nn_conv2d_forward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                       const float *b, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_conv2d_forward(be, c, x, w, b, y);
		return;
	}
#endif
	const int rows = c->cin * c->k * c->k;
	const size_t isz = (size_t)c->h * c->w, osz = (size_t)c->ho * c->wo;
	int nb;
	float *ws = chunk_workspace(be, c->n, ((size_t)rows + c->cout) * osz, &nb);
	if (!ws) {
		poison(y, (size_t)c->n * c->cout * osz);
		return;
	}
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		size_t P = (size_t)m * osz;
		float *col = ws, *out = ws + (size_t)rows * P;
		float *yn = y + (size_t)n0 * c->cout * osz;
		for (int j = 0; j < m; j++)
			im2col(x + (size_t)(n0 + j) * c->cin * isz, c->cin, c->h, c->w, c->k,
			       c->stride, c->pad, c->ho, c->wo, col + j * osz, P);
		/* one sample: (Cout, S) is already y's layout */
		if (m == 1) out = yn;
		/* out (Cout, P) = W (Cout, rows) . col (rows, P) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, (int)P, rows, 1.0f,
		            w, rows, col, (int)P, 0.0f, out, (int)P);
		if (m > 1) scatter_cm(out, m, c->cout, osz, yn);
		add_bias(yn, m, c->cout, osz, b);
	}
}

void nn_conv2d_backward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                        const float *dy, float *dx, float *dw, float *db)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_conv2d_backward(be, c, x, w, dy, dx, dw, db);
		return;
	}
#endif
	const int rows = c->cin * c->k * c->k;
	const size_t isz = (size_t)c->h * c->w, osz = (size_t)c->ho * c->wo;
	bias_grad(dy, c->n, c->cout, osz, db);
	if (!dx && !dw) return;
	int nb;
	float *ws = chunk_workspace(be, c->n, ((size_t)rows + c->cout) * osz, &nb);
	if (!ws) {
		poison(dx, (size_t)c->n * c->cin * isz);
		poison(dw, (size_t)rows * c->cout);
		return;
	}
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		size_t P = (size_t)m * osz;
		float *col = ws, *dyt = ws + (size_t)rows * P;
		const float *dyn = dy + (size_t)n0 * c->cout * osz;
		/* dy chunk as (Cout, P) */
		const float *g = dyn;
		if (m > 1) {
			gather_cm(dyn, m, c->cout, osz, dyt);
			g = dyt;
		}
		if (dw) {
			for (int j = 0; j < m; j++)
				im2col(x + (size_t)(n0 + j) * c->cin * isz, c->cin, c->h, c->w,
				       c->k, c->stride, c->pad, c->ho, c->wo, col + j * osz, P);
			/* dW (Cout, rows) += g (Cout, P) . col^T (P, rows) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c->cout, rows, (int)P,
			            1.0f, g, (int)P, col, (int)P, 1.0f, dw, rows);
		}
		if (dx) {
			/* dcol (rows, P) = W^T (rows, Cout) . g (Cout, P) */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, (int)P, c->cout,
			            1.0f, w, rows, g, (int)P, 0.0f, col, (int)P);
			float *dxn = dx + (size_t)n0 * c->cin * isz;
			memset(dxn, 0, (size_t)m * c->cin * isz * sizeof(float));
			for (int j = 0; j < m; j++)
				col2im(col + j * osz, P, c->cin, c->h, c->w, c->k, c->stride,
				       c->pad, c->ho, c->wo, dxn + (size_t)j * c->cin * isz);
		}
	}
}

void nn_conv_transpose2d_forward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                                 const float *b, float *y)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_conv_transpose2d_forward(be, c, x, w, b, y);
		return;
	}
#endif
	/* The column grid is the input (H, W); the image is the output. */
	const int rows = c->cout * c->k * c->k;
	const size_t isz = (size_t)c->h * c->w, osz = (size_t)c->ho * c->wo;
	int nb;
	float *ws = chunk_workspace(be, c->n, ((size_t)rows + c->cin) * isz, &nb);
	if (!ws) {
		poison(y, (size_t)c->n * c->cout * osz);
		return;
	}
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		size_t P = (size_t)m * isz;
		float *col = ws, *xt = ws + (size_t)rows * P;
		const float *xs = x + (size_t)n0 * c->cin * isz;
		if (m > 1) {
			gather_cm(xs, m, c->cin, isz, xt);
			xs = xt;
		}
		/* col (rows, P) = W^T (rows, Cin) . x (Cin, P); W is (Cin, rows) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, (int)P, c->cin, 1.0f, w,
		            rows, xs, (int)P, 0.0f, col, (int)P);
		float *yn = y + (size_t)n0 * c->cout * osz;
		memset(yn, 0, (size_t)m * c->cout * osz * sizeof(float));
		for (int j = 0; j < m; j++)
			col2im(col + j * isz, P, c->cout, c->ho, c->wo, c->k, c->stride, c->pad,
			       c->h, c->w, yn + (size_t)j * c->cout * osz);
		add_bias(yn, m, c->cout, osz, b);
	}
}

void nn_conv_transpose2d_backward(nn_backend *be, const nn_conv *c, const float *x, const float *w,
                                  const float *dy, float *dx, float *dw, float *db)
{
#ifdef NN_HAVE_CUDA
	if (be->device == NN_DEVICE_CUDA) {
		nn_cuda_conv_transpose2d_backward(be, c, x, w, dy, dx, dw, db);
		return;
	}
#endif
	const int rows = c->cout * c->k * c->k;
	const size_t isz = (size_t)c->h * c->w, osz = (size_t)c->ho * c->wo;
	bias_grad(dy, c->n, c->cout, osz, db);
	if (!dx && !dw) return;
	int nb;
	float *ws = chunk_workspace(be, c->n, ((size_t)rows + c->cin) * isz, &nb);
	if (!ws) {
		poison(dx, (size_t)c->n * c->cin * isz);
		poison(dw, (size_t)rows * c->cin);
		return;
	}
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		size_t P = (size_t)m * isz;
		float *dcol = ws, *t = ws + (size_t)rows * P;
		/* dcol (rows, P) = im2col(dy) over the input grid */
		for (int j = 0; j < m; j++)
			im2col(dy + (size_t)(n0 + j) * c->cout * osz, c->cout, c->ho, c->wo, c->k,
			       c->stride, c->pad, c->h, c->w, dcol + j * isz, P);
		if (dw) {
			const float *xs = x + (size_t)n0 * c->cin * isz;
			if (m > 1) {
				gather_cm(xs, m, c->cin, isz, t);
				xs = t;
			}
			/* dW (Cin, rows) += x (Cin, P) . dcol^T (P, rows) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c->cin, rows, (int)P,
			            1.0f, xs, (int)P, dcol, (int)P, 1.0f, dw, rows);
		}
		if (dx) {
			float *dxn = dx + (size_t)n0 * c->cin * isz;
			float *out = m > 1 ? t : dxn;
			/* dx (Cin, P) = W (Cin, rows) . dcol (rows, P) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cin, (int)P, rows,
			            1.0f, w, rows, dcol, (int)P, 0.0f, out, (int)P);
			if (m > 1) scatter_cm(t, m, c->cin, isz, dxn);
		}
	}
}
