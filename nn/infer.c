/* infer.c - a fused eval-mode forward of generator stacks on the CPU
 * (see infer.h for what it runs and why). */
#include "infer.h"

#include "backend.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_KERNEL 1
#endif

/* A register tile: up to TILE_P consecutive input positions of one sample
 * x TILE_R columns of W^T. AVX-512 holds it in 12 zmm accumulators (one
 * per position); AVX2 in two passes of 6 positions x 2 ymm (12
 * accumulators + 2 weight rows + 1 broadcast = 15 of 16 registers). */
#define TILE_P 12
#define TILE_R 16
/* More threads than this are not worth their start-up on layers this small. */
#define MAX_THREADS 16

/* One convT with what follows it: y = act(bn(convT(x) + bias)). */
typedef struct {
	const nn_layer *conv;
	const nn_layer *bn; /* NULL: none */
	int act;            /* NN_LAYER_RELU, _LRELU, _TANH, or -1: none */
	float slope;
	const float *in; /* (n, Cin, H, W) */
	float *out;      /* (n, Cout, Ho, Wo) */
} stage;

/* Counting barrier that also gates the start, so the thread count is fixed
 * only once every worker that could be created exists. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int count, waiting, go;
	unsigned gen;
} gate;

typedef struct {
	const nn_seq *s;
	int n, nthreads, nstages;
	stage st[NN_SEQ_MAX_LAYERS];
	float *softmax; /* in place over the last stage's output; NULL: none */
	int isa;        /* ISA_C, ISA_AVX2 or ISA_AVX512: the kernels this CPU runs */
	/* per thread GROUP_TILES slabs of (max Cin, TILE_R): the weight
	 * columns in use, copied (pack_group); NULL: read W in place */
	float *slabs;
	size_t slab_floats;
	gate g;
} plan;

typedef struct {
	plan *p;
	int tid;
} worker;

/* ordered: a CPU that runs one runs those below it */
enum { ISA_C = NN_INFER_PORTABLE, ISA_AVX2 = NN_INFER_AVX2, ISA_AVX512 = NN_INFER_AVX512 };

/* ------------------------------------------------------------------ */
/* kernels: acc (pb, TILE_R) = sum over ci of x[ci*ldx + q] * w[ci*ldw + e]
 * for positions q < pb (consecutive in x) and columns e < rw */

static void tile_c(const float *w, size_t ldw, int cin, const float *x, size_t ldx, int pb, int rw,
                   float *acc)
{
	for (int i = 0; i < TILE_P * TILE_R; i++)
		acc[i] = 0.0f;
	for (int ci = 0; ci < cin; ci++) {
		const float *wr = w + (size_t)ci * ldw, *xr = x + (size_t)ci * ldx;
		for (int q = 0; q < pb; q++) {
			float *a = acc + q * TILE_R;
			for (int e = 0; e < rw; e++)
				a[e] += xr[q] * wr[e];
		}
	}
}

#ifdef HAVE_X86_KERNEL
/* pb is a constant at every call site: the loops over q unroll fully (the
 * pragma: -O2 alone keeps them) and the accumulators live in registers. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
tile16_avx2_pb(const float *w, size_t ldw, int cin, const float *x, size_t ldx, float *acc,
               const int pb)
{
	__m256 lo[6], hi[6];
#pragma GCC unroll 6
	for (int q = 0; q < pb; q++)
		lo[q] = hi[q] = _mm256_setzero_ps();
	for (int ci = 0; ci < cin; ci++) {
		const float *wr = w + (size_t)ci * ldw, *xr = x + (size_t)ci * ldx;
		__m256 w0 = _mm256_loadu_ps(wr), w1 = _mm256_loadu_ps(wr + 8);
#pragma GCC unroll 6
		for (int q = 0; q < pb; q++) {
			__m256 b = _mm256_broadcast_ss(xr + q);
			lo[q] = _mm256_fmadd_ps(w0, b, lo[q]);
			hi[q] = _mm256_fmadd_ps(w1, b, hi[q]);
		}
	}
#pragma GCC unroll 6
	for (int q = 0; q < pb; q++) {
		_mm256_storeu_ps(acc + q * TILE_R, lo[q]);
		_mm256_storeu_ps(acc + q * TILE_R + 8, hi[q]);
	}
}

#define AVX2_CASE(k)                                                                               \
	case k:                                                                                    \
		tile16_avx2_pb(w, ldw, cin, x, ldx, acc, k);                                       \
		break

__attribute__((target("avx2,fma"))) static void
tile16_avx2(const float *w, size_t ldw, int cin, const float *x, size_t ldx, int pb, float *acc)
{
	/* up to 6 positions per pass: the weight slab is in L1 for the second */
	for (; pb > 0; pb -= 6, x += 6, acc += 6 * TILE_R) {
		switch (pb < 6 ? pb : 6) {
			AVX2_CASE(6);
			AVX2_CASE(5);
			AVX2_CASE(4);
			AVX2_CASE(3);
			AVX2_CASE(2);
			AVX2_CASE(1);
		}
	}
}

__attribute__((target("avx512f"), always_inline)) static inline void
tile16_avx512_pb(const float *w, size_t ldw, int cin, const float *x, size_t ldx, float *acc,
                 const int pb)
{
	__m512 a[TILE_P];
#pragma GCC unroll 12
	for (int q = 0; q < pb; q++)
		a[q] = _mm512_setzero_ps();
	for (int ci = 0; ci < cin; ci++) {
		const float *xr = x + (size_t)ci * ldx;
		__m512 wv = _mm512_loadu_ps(w + (size_t)ci * ldw);
#pragma GCC unroll 12
		for (int q = 0; q < pb; q++)
			a[q] = _mm512_fmadd_ps(wv, _mm512_set1_ps(xr[q]), a[q]);
	}
#pragma GCC unroll 12
	for (int q = 0; q < pb; q++)
		_mm512_storeu_ps(acc + q * TILE_R, a[q]);
}

#define AVX512_CASE(k)                                                                             \
	case k:                                                                                    \
		tile16_avx512_pb(w, ldw, cin, x, ldx, acc, k);                                     \
		break

__attribute__((target("avx512f"))) static void
tile16_avx512(const float *w, size_t ldw, int cin, const float *x, size_t ldx, int pb, float *acc)
{
	switch (pb) {
		AVX512_CASE(12);
		AVX512_CASE(11);
		AVX512_CASE(10);
		AVX512_CASE(9);
		AVX512_CASE(8);
		AVX512_CASE(7);
		AVX512_CASE(6);
		AVX512_CASE(5);
		AVX512_CASE(4);
		AVX512_CASE(3);
		AVX512_CASE(2);
	default:
		tile16_avx512_pb(w, ldw, cin, x, ldx, acc, 1);
		break;
	}
}

/* __builtin_cpu_supports also checks that the OS saves the wide registers. */
static int cpu_isa(void)
{
	if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
	return ISA_C;
}
#else
static int cpu_isa(void)
{
	return ISA_C;
}
#endif

/* y[0..m) += a * x[0..m): the 1x1-input stage's row-streaming update. */
static void axpy_c(size_t m, float a, const float *x, float *y)
{
	for (size_t i = 0; i < m; i++)
		y[i] += a * x[i];
}

#ifdef HAVE_X86_KERNEL
__attribute__((target("avx2,fma"))) static void axpy_avx2(size_t m, float a, const float *x,
                                                          float *y)
{
	__m256 va = _mm256_set1_ps(a);
	size_t i = 0;
	for (; i + 8 <= m; i += 8)
		_mm256_storeu_ps(
		    y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
	for (; i < m; i++)
		y[i] += a * x[i];
}
#endif

/* ------------------------------------------------------------------ */
/* threads */

static void gate_wait(gate *g)
{
	pthread_mutex_lock(&g->mu);
	unsigned gen = g->gen;
	if (++g->waiting >= g->count) {
		g->waiting = 0;
		g->gen++;
		pthread_cond_broadcast(&g->cv);
	} else {
		while (gen == g->gen)
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

static void gate_wait_go(gate *g)
{
	pthread_mutex_lock(&g->mu);
	while (!g->go)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

/* ------------------------------------------------------------------ */
/* one thread's share of a stage */

/* Loops in chunks of 8 with a scalar tail: -O2's cheap vectoriser takes
 * a fixed-count inner loop but no loop that needs a remainder. */
#define CHUNKED(i, n, body)                                                                        \
	do {                                                                                       \
		size_t i = 0;                                                                      \
		for (; i + 8 <= (n); i += 8)                                                       \
			for (size_t i##u = i; i##u < i + 8; i##u++) {                              \
				size_t i_ = i##u;                                                  \
				body(i_);                                                          \
			}                                                                          \
		for (; i < (n); i++) {                                                             \
			size_t i_ = i;                                                             \
			body(i_);                                                                  \
		}                                                                                  \
	} while (0)

/* The per-channel tail, in the same float operations as add_bias (conv.c),
 * nn_batchnorm_forward_eval and the activations. */
static void epilogue(const plan *p, const stage *st, float *plane, int co, size_t osz)
{
	const nn_seq *s = p->s;
	const nn_layer *cl = st->conv;
	if (cl->b_off != NN_SEQ_NONE) {
		float b = s->params[cl->b_off + co];
#define ADD_BIAS(i) plane[i] += b
		CHUNKED(i, osz, ADD_BIAS);
	}
	if (st->bn) {
		const nn_layer *bl = st->bn;
		const float eps = 1e-5f; /* as seq.c's bn_shape */
		double invstd = 1.0 / sqrt((double)s->buffers[bl->rv_off + co] + (double)eps);
		float g = s->params[bl->w_off + co], bb = s->params[bl->b_off + co];
		float scale = (float)(invstd * g);
		float shift = (float)(bb - (double)s->buffers[bl->rm_off + co] * invstd * g);
#define AFFINE(i) plane[i] = plane[i] * scale + shift
		CHUNKED(i, osz, AFFINE);
	}
	float slope = st->slope;
	switch (st->act) {
	case NN_LAYER_RELU:
#define RELU(i) plane[i] = plane[i] > 0.0f ? plane[i] : 0.0f
		CHUNKED(i, osz, RELU);
		break;
	case NN_LAYER_LRELU:
#define LRELU(i) plane[i] = plane[i] > 0.0f ? plane[i] : slope * plane[i]
		CHUNKED(i, osz, LRELU);
		break;
	case NN_LAYER_TANH:
		for (size_t i = 0; i < osz; i++)
			plane[i] = tanhf(plane[i]);
		break;
	default:
		break;
	}
#undef ADD_BIAS
#undef AFFINE
#undef RELU
#undef LRELU
}

/* Copies columns [g0, g0 + gw) of W (cin rows, ldw apart) into ceil(gw /
 * TILE_R) slabs of (cin, TILE_R), zero-padded. Each W row is read as one
 * contiguous run; rows are up to 16 KB apart, too far for the hardware
 * prefetcher, so rows PREFETCH_ROWS ahead (about an L3 latency of
 * copying) are asked for by hand. */
#define PREFETCH_ROWS 32
static void pack_group(const float *w, size_t ldw, int cin, size_t g0, size_t gw, float *slab)
{
	int nt = (int)((gw + TILE_R - 1) / TILE_R);
	for (int ci = 0; ci < cin; ci++) {
		const float *src = w + (size_t)ci * ldw + g0;
		if (ci + PREFETCH_ROWS < cin)
			for (size_t o = 0; o < gw; o += 16)
				__builtin_prefetch(src + PREFETCH_ROWS * ldw + o);
		for (int t = 0; t < nt; t++) {
			const float *a = src + (size_t)t * TILE_R;
			float *dst = slab + ((size_t)t * cin + ci) * TILE_R;
			size_t m = gw - (size_t)t * TILE_R;
			if (m >= TILE_R) {
				memcpy(dst, a, TILE_R * sizeof(float)); /* inlined: 4 moves */
			} else {
				for (int e = 0; e < TILE_R; e++)
					dst[e] = (size_t)e < m ? a[e] : 0.0f;
			}
		}
	}
}

/* Where the columns of one tile land, and where its positions are. */
typedef struct {
	size_t ybase;               /* offset of the positions' sample in y */
	int by[TILE_P], bx[TILE_P]; /* output row / column of tap (0, 0) */
} tile_pos;

/* col2im for one tile: column (co, ky, kx) of position (iy, ix) adds to
 * y[co][iy*s - pad + ky][ix*s - pad + kx]. */
static void scatter_any(const nn_conv *c, const tile_pos *tp, int pb, const float *acc, int rw,
                        const size_t *roff, const int *rky, const int *rkx, float *y)
{
	for (int q = 0; q < pb; q++) {
		const float *a = acc + q * TILE_R;
		float *yq = y + tp->ybase;
		for (int e = 0; e < rw; e++) {
			int oy = tp->by[q] + rky[e], ox = tp->bx[q] + rkx[e];
			if (oy < 0 || oy >= c->ho || ox < 0 || ox >= c->wo) continue;
			yq[roff[e] + (size_t)oy * c->wo + (size_t)ox] += a[e];
		}
	}
}

/* The same for K = 4 and a tile that is exactly one channel's 16 taps:
 * each kernel row's 4 taps are 4 adjacent output floats. */
static void scatter_k4(const nn_conv *c, const tile_pos *tp, int pb, const float *acc,
                       size_t plane_off, float *y)
{
	for (int q = 0; q < pb; q++) {
		float *yc = y + tp->ybase + plane_off;
		int ox0 = tp->bx[q];
		int inside = ox0 >= 0 && ox0 + 4 <= c->wo;
		for (int ky = 0; ky < 4; ky++) {
			int oy = tp->by[q] + ky;
			if (oy < 0 || oy >= c->ho) continue;
			float *row = yc + (size_t)oy * c->wo;
			const float *a = acc + q * TILE_R + ky * 4;
			if (inside) {
				for (int kx = 0; kx < 4; kx++)
					row[ox0 + kx] += a[kx];
			} else {
				for (int kx = 0; kx < 4; kx++)
					if (ox0 + kx >= 0 && ox0 + kx < c->wo)
						row[ox0 + kx] += a[kx];
			}
		}
	}
}

/* Tiles packed together, see share_positions. */
#define GROUP_TILES 8
/* Input floats per position chunk: half of a 1 MB L2, the rest is for
 * the packed weights and the output. */
#define X_CHUNK_FLOATS ((size_t)128 * 1024)

/* One thread's share of a stage: output channels [co0, co1) of every
 * sample, i.e. columns [rbeg, rend) = [co0*K*K, co1*K*K) of W^T x. */
typedef struct {
	const plan *p;
	const stage *st;
	const nn_conv *c;
	const float *w; /* (Cin, R = Cout*K*K) */
	size_t R, rbeg, rend, isz, osz;
	float *slab; /* this thread's packing space, or NULL */
} share;

/* A 1x1 input (the latent) with no padding: column (co, ky, kx) IS output
 * pixel (co, ky, kx), so y_j = x_j W over the share's columns, W read once,
 * row by row, in order. */
static void share_1x1(const share *sh, int n)
{
	const nn_conv *c = sh->c;
	const size_t m = sh->rend - sh->rbeg;
	for (int ci = 0; ci < c->cin; ci++) {
		const float *wr = sh->w + (size_t)ci * sh->R + sh->rbeg;
		for (int j = 0; j < n; j++) {
			float a = sh->st->in[(size_t)j * c->cin + ci];
			float *yj = sh->st->out + (size_t)j * c->cout * sh->osz + sh->rbeg;
#ifdef HAVE_X86_KERNEL
			if (sh->p->isa >= ISA_AVX2)
				axpy_avx2(m, a, wr, yj);
			else
#endif
				axpy_c(m, a, wr, yj);
		}
	}
}

/* Tile [r0, r0 + rw) (weights wt, rows ldw apart) over positions [c0, c1)
 * of the flattened (n, H, W) input grid. */
static void share_tile(const share *sh, const float *wt, size_t ldw, size_t r0, int rw, size_t c0,
                       size_t c1)
{
	const nn_conv *c = sh->c;
	const int k = c->k, kk = k * k;
	const int k4 = k == 4 && rw == TILE_R && r0 % TILE_R == 0;
	size_t roff[TILE_R];
	int rky[TILE_R], rkx[TILE_R];
	for (int e = 0; e < rw; e++) {
		size_t r = r0 + (size_t)e;
		int tap = (int)(r % (size_t)kk);
		roff[e] = r / (size_t)kk * sh->osz;
		rky[e] = tap / k;
		rkx[e] = tap % k;
	}
	float acc[TILE_P * TILE_R];
	for (size_t p0 = c0, pb; p0 < c1; p0 += pb) {
		/* a block stays inside one sample: its positions are
		 * consecutive floats of each input channel plane */
		size_t j = p0 / sh->isz, at = p0 % sh->isz;
		pb = c1 - p0 < TILE_P ? c1 - p0 : TILE_P;
		if (pb > sh->isz - at) pb = sh->isz - at;
		tile_pos tp = {.ybase = j * c->cout * sh->osz};
		for (int q = 0; q < (int)pb; q++) {
			size_t aq = at + (size_t)q;
			tp.by[q] = (int)(aq / (size_t)c->w) * c->stride - c->pad;
			tp.bx[q] = (int)(aq % (size_t)c->w) * c->stride - c->pad;
		}
		const float *x = sh->st->in + j * c->cin * sh->isz + at;
#ifdef HAVE_X86_KERNEL
		if (sh->p->isa == ISA_AVX512 && rw == TILE_R)
			tile16_avx512(wt, ldw, c->cin, x, sh->isz, (int)pb, acc);
		else if (sh->p->isa == ISA_AVX2 && rw == TILE_R)
			tile16_avx2(wt, ldw, c->cin, x, sh->isz, (int)pb, acc);
		else
#endif
			tile_c(wt, ldw, c->cin, x, sh->isz, (int)pb, rw, acc);
		if (k4)
			scatter_k4(c, &tp, (int)pb, acc, roff[0], sh->st->out);
		else
			scatter_any(c, &tp, (int)pb, acc, rw, roff, rky, rkx, sh->st->out);
	}
}

/* Every tile of the share over positions [c0, c1), GROUP_TILES at a time.
 * W's columns are R floats apart per row: with R a power of two (4096 in
 * a DCGAN) a tile's rows all fall in the same few cache sets and evict
 * each other between position blocks, so each group is first copied into
 * contiguous slabs that stay in L1. */
static void share_positions(const share *sh, size_t c0, size_t c1)
{
	const int cin = sh->c->cin;
	for (size_t g0 = sh->rbeg; g0 < sh->rend; g0 += GROUP_TILES * TILE_R) {
		size_t gw =
		    sh->rend - g0 < GROUP_TILES * TILE_R ? sh->rend - g0 : GROUP_TILES * TILE_R;
		if (sh->slab) pack_group(sh->w, sh->R, cin, g0, gw, sh->slab);
		for (size_t r0 = g0; r0 < g0 + gw; r0 += TILE_R) {
			int rw = g0 + gw - r0 < TILE_R ? (int)(g0 + gw - r0) : TILE_R;
			if (sh->slab)
				share_tile(sh, sh->slab + (r0 - g0) / TILE_R * cin * TILE_R, TILE_R,
				           r0, rw, c0, c1);
			else
				share_tile(sh, sh->w + r0, sh->R, r0, rw, c0, c1);
		}
	}
}

static void run_stage(const plan *p, const stage *st, int tid)
{
	const nn_conv *c = &st->conv->conv;
	const int n = p->n, T = p->nthreads;
	const int co0 = (int)((long)c->cout * tid / T), co1 = (int)((long)c->cout * (tid + 1) / T);
	if (co0 >= co1) return;
	const size_t kk = (size_t)c->k * c->k;
	share sh = {.p = p,
	            .st = st,
	            .c = c,
	            .w = p->s->params + st->conv->w_off,
	            .R = (size_t)c->cout * kk,
	            .rbeg = (size_t)co0 * kk,
	            .rend = (size_t)co1 * kk,
	            .isz = (size_t)c->h * c->w,
	            .osz = (size_t)c->ho * c->wo,
	            .slab = p->slabs ? p->slabs + (size_t)tid * p->slab_floats : NULL};
	for (int j = 0; j < n; j++)
		memset(st->out + ((size_t)j * c->cout + co0) * sh.osz, 0,
		       (size_t)(co1 - co0) * sh.osz * sizeof(float));
	if (c->h == 1 && c->w == 1 && c->pad == 0) {
		share_1x1(&sh, n);
	} else {
		/* Positions go in chunks whose input (Cin floats each) stays
		 * in L2 while every tile passes over it; a small batch is one
		 * chunk. Each chunk packs W again, which costs less than
		 * streaming a large batch's input once per tile. */
		size_t P = (size_t)n * sh.isz;
		size_t pchunk = X_CHUNK_FLOATS / (size_t)c->cin / TILE_P * TILE_P;
		if (pchunk < 8 * TILE_P) pchunk = 8 * TILE_P;
		for (size_t c0 = 0; c0 < P; c0 += pchunk)
			share_positions(&sh, c0, P - c0 < pchunk ? P : c0 + pchunk);
	}
	for (int j = 0; j < n; j++)
		for (int co = co0; co < co1; co++)
			epilogue(p, st, st->out + ((size_t)j * c->cout + co) * sh.osz, co, sh.osz);
}

/* The softmax runs over blocks of at most this many consecutive positions
 * (one row of each channel's plane at a time stays in cache). */
enum { SOFTMAX_BLOCK = 64 };

/* The softmax of positions [t0, m) of a block, in place: x's rows are the
 * channels, S floats apart. Portable C, the layer path's own code. */
static void softmax_block_c(float *x, size_t S, int ch, size_t t0, size_t m)
{
	for (size_t t = t0; t < m; t++)
		nn_softmax_position_cpu(x + t, x + t, S, ch);
}

#ifdef HAVE_X86_KERNEL
/* e^x for x <= 0, 8 at a time: e^x = 2^n e^r with n = round(x / ln 2) and
 * |r| <= ln 2 / 2, e^r by its Taylor series to r^6 / 6! (the first term
 * left out is under 1.2e-7 of the result, about one float ulp). Below
 * -87.3, where e^x is under the smallest normal float, it returns 0 (expf
 * gives a subnormal there: a difference under 1.2e-38). libm's expf is a
 * scalar call and was a quarter of a guided level's forward. */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 exp8_nonpositive(__m256 x)
{
	__m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
	__m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
	                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	/* ln 2 in two parts, so n * ln2_hi is exact for |n| < 2^8 */
	__m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
	r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
	__m256 p = _mm256_set1_ps(1.0f / 720);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
	/* 2^n from its exponent bits, right for n in [-126, 0]: the lanes
	 * below are masked */
	__m256i bits =
	    _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

/* softmax_block_c over the block's whole rows, 8 positions per vector, in
 * the same passes (each channel's row of the block at a time, as the rows
 * are far apart), with float sums: at most a few hundred terms in [0, 1].
 * The positions past the last multiple of 8 go to softmax_block_c. */
__attribute__((target("avx2,fma"))) static void softmax_block_avx2(float *x, size_t S, int ch,
                                                                   size_t m)
{
	__m256 mx[SOFTMAX_BLOCK / 8], sum[SOFTMAX_BLOCK / 8];
	const size_t nv = m / 8; /* m <= SOFTMAX_BLOCK */
	for (size_t k = 0; k < nv; k++)
		mx[k] = _mm256_loadu_ps(x + 8 * k), sum[k] = _mm256_setzero_ps();
	for (int cc = 1; cc < ch; cc++)
		for (size_t k = 0; k < nv; k++)
			mx[k] = _mm256_max_ps(mx[k], _mm256_loadu_ps(x + cc * S + 8 * k));
	for (int cc = 0; cc < ch; cc++)
		for (size_t k = 0; k < nv; k++) {
			float *row = x + cc * S + 8 * k;
			__m256 e = exp8_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(row), mx[k]));
			_mm256_storeu_ps(row, e);
			sum[k] = _mm256_add_ps(sum[k], e);
		}
	for (size_t k = 0; k < nv; k++)
		sum[k] = _mm256_div_ps(_mm256_set1_ps(1.0f), sum[k]);
	for (int cc = 0; cc < ch; cc++)
		for (size_t k = 0; k < nv; k++) {
			float *row = x + cc * S + 8 * k;
			_mm256_storeu_ps(row, _mm256_mul_ps(_mm256_loadu_ps(row), sum[k]));
		}
	softmax_block_c(x, S, ch, 8 * nv, m);
}
#endif

/* Positions of one thread, in blocks along the contiguous spatial axis. The
 * portable kernels do per position the same operations, in the same order,
 * as nn_softmax_channels_forward (a bit-identical result); the AVX2 ones
 * differ at float rounding (exp8_nonpositive, float sums). */
static void run_softmax(const plan *p, int tid)
{
	const nn_layer *l = &p->s->layers[p->s->nlayers - 1];
	const int ch = l->c, T = p->nthreads;
	const size_t S = (size_t)l->h * l->w, total = (size_t)p->n * S;
	size_t a = total * (size_t)tid / (size_t)T, b = total * (size_t)(tid + 1) / (size_t)T;
	while (a < b) {
		size_t j = a / S, k0 = a % S;
		size_t m = S - k0 < b - a ? S - k0 : b - a;
		if (m > SOFTMAX_BLOCK) m = SOFTMAX_BLOCK;
		float *x = p->softmax + j * ch * S + k0;
#ifdef HAVE_X86_KERNEL
		if (p->isa >= ISA_AVX2)
			softmax_block_avx2(x, S, ch, m);
		else
#endif
			softmax_block_c(x, S, ch, 0, m);
		a += m;
	}
}

static void run(plan *p, int tid)
{
	for (int i = 0; i < p->nstages; i++) {
		run_stage(p, &p->st[i], tid);
		/* the next stage reads every channel of this one */
		if (i + 1 < p->nstages || p->softmax) gate_wait(&p->g);
	}
	if (p->softmax) run_softmax(p, tid);
}

static void *worker_main(void *arg)
{
	worker *wk = arg;
	gate_wait_go(&wk->p->g);
	run(wk->p, wk->tid);
	return NULL;
}

/* ------------------------------------------------------------------ */

/* Fills p's stages from s (inputs and outputs are set by the caller);
 * 0 when the layers are not a chain of convT [BN] [act] groups with an
 * optional softmax at the end. */
static int build_plan(const nn_seq *s, plan *p)
{
	p->nstages = 0;
	p->softmax = NULL;
	int i = 0;
	while (i < s->nlayers) {
		const nn_layer *l = &s->layers[i];
		if (l->kind == NN_LAYER_SOFTMAX && i == s->nlayers - 1 && p->nstages > 0) {
			p->softmax = s->acts + l->act_off;
			i++;
			continue;
		}
		if (l->kind != NN_LAYER_CONVT) return 0;
		stage *st = &p->st[p->nstages++];
		memset(st, 0, sizeof *st);
		st->conv = l;
		st->act = -1;
		i++;
		if (i < s->nlayers && s->layers[i].kind == NN_LAYER_BN) st->bn = &s->layers[i++];
		if (i < s->nlayers) {
			nn_layer_kind k = s->layers[i].kind;
			if (k == NN_LAYER_RELU || k == NN_LAYER_LRELU || k == NN_LAYER_TANH) {
				st->act = (int)k;
				st->slope = s->layers[i].slope;
				i++;
			}
		}
		/* activations run in place: the group's output is the buffer of
		 * its BN, or of the convT itself */
		st->out = s->acts + (st->bn ? st->bn : st->conv)->act_off;
	}
	return p->nstages > 0;
}

int nn_infer_supported(const nn_seq *s, int n)
{
	if (!s->arena || !s->be || s->be->device != NN_DEVICE_CPU) return 0;
	if (n < 1 || n > s->batch) return 0;
	plan p;
	return build_plan(s, &p);
}

float *nn_infer_forward(nn_seq *s, int n, const float *x)
{
	return nn_infer_forward_kernels(s, n, x, NN_INFER_AUTO);
}

float *nn_infer_forward_kernels(nn_seq *s, int n, const float *x, nn_infer_kernels k)
{
	if (!nn_infer_supported(s, n)) return NULL;
	plan p;
	memset(&p, 0, sizeof p);
	build_plan(s, &p);
	p.s = s;
	p.n = n;
	p.isa = cpu_isa();
	if (k != NN_INFER_AUTO && (int)k < p.isa) p.isa = (int)k;
	for (int i = 0; i < p.nstages; i++)
		p.st[i].in = i ? p.st[i - 1].out : x;
	s->x_in = x;
	s->n_in = n;

	int want = s->be->threads < MAX_THREADS ? s->be->threads : MAX_THREADS;
	int maxcin = 0;
	for (int i = 0; i < p.nstages; i++)
		if (p.st[i].conv->conv.cin > maxcin) maxcin = p.st[i].conv->conv.cin;
	p.slab_floats = (size_t)maxcin * TILE_R * GROUP_TILES;
	p.slabs = nn_cpu_workspace(s->be, p.slab_floats * (size_t)want);
	pthread_t th[MAX_THREADS];
	worker wk[MAX_THREADS];
	int started = 0;
	pthread_mutex_init(&p.g.mu, NULL);
	pthread_cond_init(&p.g.cv, NULL);
	for (int t = 1; t < want; t++) {
		wk[t] = (worker){&p, t};
		if (pthread_create(&th[t], NULL, worker_main, &wk[t]) != 0) break;
		started++;
	}
	/* workers wait for this: the split below depends on the count */
	pthread_mutex_lock(&p.g.mu);
	p.nthreads = p.g.count = started + 1;
	p.g.go = 1;
	pthread_cond_broadcast(&p.g.cv);
	pthread_mutex_unlock(&p.g.mu);
	run(&p, 0);
	for (int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	pthread_cond_destroy(&p.g.cv);
	pthread_mutex_destroy(&p.g.mu);
	return s->acts + s->layers[s->nlayers - 1].act_off;
}
