/* conv.cu - conv2d and conv_transpose2d, forward and backward, as im2col /
 * col2im kernels around one cuBLAS product per chunk of images.
 *
 * Columns hold a chunk of nb images side by side: col is (C*K*K, nb*P)
 * where P is the number of kernel positions (Ho*Wo for conv2d, H*W for the
 * transposed one), column n*P + p. Then a whole chunk is one large GEMM
 * against the (Cout, C*K*K) weight; activations are NCHW, so per-chunk
 * tensors are permuted to channel-major (C, nb*P) and back (with the bias
 * folded into the way back). col2im gathers (no atomics), so results are
 * deterministic. Chunks bound the scratch to NN_CUDA_CONV_WORK floats.
 */
#include "state.cuh"

/* Scratch cap per conv call (256 MiB); one image always fits. */
#define NN_CUDA_CONV_WORK ((size_t)1 << 26)

/* An image (C,H,W) seen by a K x K kernel at Ho x Wo positions. */
typedef struct {
	int c, h, w, k, stride, pad, ho, wo;
} geom;

/* col (C*K*K, nb*Ho*Wo) from images img (nb,C,H,W). */
static __global__ void im2col_kernel(geom g, int nb, const float *img, float *col)
{
	size_t P = (size_t)g.ho * g.wo, cols = (size_t)nb * P;
	size_t total = (size_t)g.c * g.k * g.k * cols;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		size_t r = i / cols, j = i % cols;
		int kw = (int)(r % g.k), kh = (int)(r / g.k % g.k), c = (int)(r / g.k / g.k);
		size_t n = j / P, p = j % P;
		int y = (int)(p / g.wo) * g.stride - g.pad + kh;
		int x = (int)(p % g.wo) * g.stride - g.pad + kw;
		float v = 0.0f;
		if (y >= 0 && y < g.h && x >= 0 && x < g.w)
			v = img[((n * g.c + c) * g.h + y) * g.w + x];
		col[i] = v;
	}
}

/* img (nb,C,H,W) = sum of the col entries that read each pixel, + b[c]
 * (b may be NULL). Overwrites img. */
static __global__ void col2im_kernel(geom g, int nb, const float *col, const float *b, float *img)
{
	size_t P = (size_t)g.ho * g.wo, cols = (size_t)nb * P;
	size_t total = (size_t)nb * g.c * g.h * g.w;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		int x = (int)(i % g.w), y = (int)(i / g.w % g.h);
		int c = (int)(i / ((size_t)g.w * g.h) % g.c);
		size_t n = i / ((size_t)g.w * g.h * g.c);
		float acc = b ? b[c] : 0.0f;
		for (int kh = 0; kh < g.k; kh++) {
			int ty = y + g.pad - kh;
			if (ty < 0 || ty % g.stride) continue;
			int oy = ty / g.stride;
			if (oy >= g.ho) continue;
			for (int kw = 0; kw < g.k; kw++) {
				int tx = x + g.pad - kw;
				if (tx < 0 || tx % g.stride) continue;
				int ox = tx / g.stride;
				if (ox >= g.wo) continue;
				size_t r = ((size_t)c * g.k + kh) * g.k + kw;
				acc += col[r * cols + n * P + (size_t)oy * g.wo + ox];
			}
		}
		img[i] = acc;
	}
}

/* dst (C, nb*S) from src (nb,C,S). */
static __global__ void to_channel_major(int nb, int c, size_t s, const float *src, float *dst)
{
	size_t total = (size_t)nb * c * s, row = (size_t)nb * s;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		size_t ch = i / row, j = i % row, n = j / s, p = j % s;
		dst[i] = src[(n * c + ch) * s + p];
	}
}

/* dst (nb,C,S) = src (C, nb*S) + b[c] (b may be NULL). */
static __global__ void from_channel_major(int nb, int c, size_t s, const float *src, const float *b,
                                          float *dst)
{
	size_t total = (size_t)nb * c * s, row = (size_t)nb * s;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		size_t p = i % s, ch = i / s % c, n = i / (s * c);
		dst[i] = src[ch * row + n * s + p] + (b ? b[ch] : 0.0f);
	}
}

static void im2col(nn_backend *be, geom g, int nb, const float *img, float *col)
{
	size_t total = (size_t)g.c * g.k * g.k * nb * g.ho * g.wo;
	im2col_kernel<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(g, nb, img,
	                                                                               col);
	nn_cuda_check_launch(be, "im2col");
}

static void col2im(nn_backend *be, geom g, int nb, const float *col, const float *b, float *img)
{
	size_t total = (size_t)nb * g.c * g.h * g.w;
	col2im_kernel<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(g, nb, col,
	                                                                               b, img);
	nn_cuda_check_launch(be, "col2im");
}

static void permute_in(nn_backend *be, int nb, int c, size_t s, const float *src, float *dst)
{
	size_t total = (size_t)nb * c * s;
	to_channel_major<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(nb, c, s,
	                                                                                  src, dst);
	nn_cuda_check_launch(be, "permute");
}

static void permute_out(nn_backend *be, int nb, int c, size_t s, const float *src, const float *b,
                        float *dst)
{
	size_t total = (size_t)nb * c * s;
	from_channel_major<<<nn_cuda_grid(total), NN_CUDA_THREADS, 0, nn_cuda_stream(be)>>>(
	    nb, c, s, src, b, dst);
	nn_cuda_check_launch(be, "permute");
}

extern "C" void nn_cuda_set_conv_work(nn_backend *be, size_t floats)
{
	nn_cuda_st(be)->conv_work = floats;
}

/* Images per chunk when each needs per_image floats of scratch. */
static int chunk_images(nn_backend *be, int n, size_t per_image)
{
	size_t cap = nn_cuda_st(be)->conv_work ? nn_cuda_st(be)->conv_work : NN_CUDA_CONV_WORK;
	size_t nb = per_image ? cap / per_image : (size_t)n;
	if (nb < 1) nb = 1;
	return nb > (size_t)n ? n : (int)nb;
}

static int conv_ok(const nn_conv *c)
{
	return c->n > 0 && c->cin > 0 && c->h > 0 && c->w > 0 && c->cout > 0 && c->k > 0 &&
	       c->stride > 0 && c->pad >= 0 && c->ho > 0 && c->wo > 0;
}

/* conv2d: the input is the image, positions are the output pixels. */
static geom conv_geom(const nn_conv *c)
{
	return geom{c->cin, c->h, c->w, c->k, c->stride, c->pad, c->ho, c->wo};
}

/* conv_transpose2d: the output is the image, positions are the input
 * pixels (it is conv2d's backward-data pass). */
static geom convt_geom(const nn_conv *c)
{
	return geom{c->cout, c->ho, c->wo, c->k, c->stride, c->pad, c->h, c->w};
}

extern "C" void nn_cuda_conv2d_forward(nn_backend *be, const nn_conv *c, const float *x,
                                       const float *w, const float *b, float *y)
{
	if (!conv_ok(c)) return;
	geom g = conv_geom(c);
	int rows = c->cin * c->k * c->k;
	size_t P = (size_t)c->ho * c->wo, in_img = (size_t)c->cin * c->h * c->w;
	size_t out_img = (size_t)c->cout * P;
	int nb = chunk_images(be, c->n, (rows + (size_t)c->cout) * P);
	float *col = nn_cuda_workspace(be, (rows + (size_t)c->cout) * P * nb);
	if (!col) return;
	float *yp = col + (size_t)rows * P * nb;
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		int cols = (int)(m * P);
		im2col(be, g, m, x + n0 * in_img, col);
		if (m == 1) {
			/* one image: (Cout, P) is already its NCHW layout */
			nn_cuda_sgemm_ld(be, 0, 0, c->cout, cols, rows, 1.0f, w, rows, col, cols,
			                 0.0f, y + n0 * out_img, cols);
			nn_cuda_add_channel_bias(be, 1, c->cout, (int)P, b, y + n0 * out_img);
			continue;
		}
		/* yp (Cout, m*P) = w (Cout, rows) col (rows, m*P) */
		nn_cuda_sgemm_ld(be, 0, 0, c->cout, cols, rows, 1.0f, w, rows, col, cols, 0.0f, yp,
		                 cols);
		permute_out(be, m, c->cout, P, yp, b, y + n0 * out_img);
	}
}

extern "C" void nn_cuda_conv2d_backward(nn_backend *be, const nn_conv *c, const float *x,
                                        const float *w, const float *dy, float *dx, float *dw,
                                        float *db)
{
	if (!conv_ok(c)) return;
	geom g = conv_geom(c);
	int rows = c->cin * c->k * c->k;
	size_t P = (size_t)c->ho * c->wo, in_img = (size_t)c->cin * c->h * c->w;
	size_t out_img = (size_t)c->cout * P;
	if (db) nn_cuda_channel_sum(be, c->n, c->cout, (int)P, dy, db, 1);
	if (!dx && !dw) return;
	int nb = chunk_images(be, c->n, (rows + (size_t)c->cout) * P);
	float *col = nn_cuda_workspace(be, (rows + (size_t)c->cout) * P * nb);
	if (!col) return;
	float *dyp_buf = col + (size_t)rows * P * nb;
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		int cols = (int)(m * P);
		const float *dyp = dy + n0 * out_img;
		if (m > 1) {
			permute_in(be, m, c->cout, P, dy + n0 * out_img, dyp_buf);
			dyp = dyp_buf;
		}
		if (dw) {
			/* dw (Cout, rows) += dyp (Cout, m*P) col^T (m*P, rows) */
			im2col(be, g, m, x + n0 * in_img, col);
			nn_cuda_sgemm_ld(be, 0, 1, c->cout, rows, cols, 1.0f, dyp, cols, col, cols,
			                 1.0f, dw, rows);
		}
		if (dx) {
			/* dcol (rows, m*P) = w^T (rows, Cout) dyp (Cout, m*P), in col's
			 * place (the dw product before it is queued first) */
			nn_cuda_sgemm_ld(be, 1, 0, rows, cols, c->cout, 1.0f, w, rows, dyp, cols,
			                 0.0f, col, cols);
			col2im(be, g, m, col, NULL, dx + n0 * in_img);
		}
	}
}

extern "C" void nn_cuda_conv_transpose2d_forward(nn_backend *be, const nn_conv *c, const float *x,
                                                 const float *w, const float *b, float *y)
{
	if (!conv_ok(c)) return;
	geom g = convt_geom(c);
	int rows = c->cout * c->k * c->k; /* w is (Cin, rows) */
	size_t P = (size_t)c->h * c->w, in_img = (size_t)c->cin * P;
	size_t out_img = (size_t)c->cout * c->ho * c->wo;
	int nb = chunk_images(be, c->n, (rows + (size_t)c->cin) * P);
	float *col = nn_cuda_workspace(be, (rows + (size_t)c->cin) * P * nb);
	if (!col) return;
	float *xp_buf = col + (size_t)rows * P * nb;
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		int cols = (int)(m * P);
		const float *xp = x + n0 * in_img;
		if (m > 1) {
			permute_in(be, m, c->cin, P, x + n0 * in_img, xp_buf);
			xp = xp_buf;
		}
		/* col (rows, m*P) = w^T (rows, Cin) xp (Cin, m*P) */
		nn_cuda_sgemm_ld(be, 1, 0, rows, cols, c->cin, 1.0f, w, rows, xp, cols, 0.0f, col,
		                 cols);
		col2im(be, g, m, col, b, y + n0 * out_img);
	}
}

extern "C" void nn_cuda_conv_transpose2d_backward(nn_backend *be, const nn_conv *c, const float *x,
                                                  const float *w, const float *dy, float *dx,
                                                  float *dw, float *db)
{
	if (!conv_ok(c)) return;
	geom g = convt_geom(c);
	int rows = c->cout * c->k * c->k;
	size_t P = (size_t)c->h * c->w, in_img = (size_t)c->cin * P;
	size_t out_img = (size_t)c->cout * c->ho * c->wo;
	if (db) nn_cuda_channel_sum(be, c->n, c->cout, c->ho * c->wo, dy, db, 1);
	if (!dx && !dw) return;
	int nb = chunk_images(be, c->n, (rows + (size_t)c->cin) * P);
	float *col = nn_cuda_workspace(be, (rows + (size_t)c->cin) * P * nb);
	if (!col) return;
	float *xp_buf = col + (size_t)rows * P * nb;
	for (int n0 = 0; n0 < c->n; n0 += nb) {
		int m = c->n - n0 < nb ? c->n - n0 : nb;
		int cols = (int)(m * P);
		/* col (rows, m*P): dy gathered at the input positions */
		im2col(be, g, m, dy + n0 * out_img, col);
		if (dw) {
			/* dw (Cin, rows) += xp (Cin, m*P) col^T (m*P, rows) */
			const float *xp = x + n0 * in_img;
			if (m > 1) {
				permute_in(be, m, c->cin, P, x + n0 * in_img, xp_buf);
				xp = xp_buf;
			}
			nn_cuda_sgemm_ld(be, 0, 1, c->cin, rows, cols, 1.0f, xp, cols, col, cols,
			                 1.0f, dw, rows);
		}
		if (dx) {
			/* dxp (Cin, m*P) = w (Cin, rows) col (rows, m*P) */
			float *dxp = m > 1 ? xp_buf : dx + n0 * in_img;
			nn_cuda_sgemm_ld(be, 0, 0, c->cin, cols, rows, 1.0f, w, rows, col, cols,
			                 0.0f, dxp, cols);
			if (m > 1) permute_out(be, m, c->cin, P, xp_buf, NULL, dx + n0 * in_img);
		}
	}
}
