/* infer.h - a fused eval-mode forward of generator stacks on the CPU.
 *
 * nn_seq_forward(train = 0) on the CPU backend tries this first. A stack
 * of conv_transpose2d layers, each optionally followed by an eval-mode
 * BatchNorm and one ReLU / LeakyReLU / tanh, optionally ending in a
 * channel softmax (the DCGAN generator), runs as one pass per call:
 *   - each convT is weight-stationary: 16 consecutive columns of
 *     W (Cin, Cout*K*K) times up to 12 consecutive input positions,
 *     summed over Cin in registers (AVX-512 or AVX2+FMA, chosen at run
 *     time; portable C otherwise) and scattered straight into the output
 *     image: no column matrix, no col2im pass, no gemm packing of x. The
 *     16 columns are first copied out of W (rows 4096 floats apart in a
 *     DCGAN alias in the cache) into a contiguous slab, per call, so no
 *     copy of the weights outlives it. A 1x1 input (the latent) is a
 *     plain x W, W streamed once;
 *   - bias, BatchNorm (running statistics turned into a scale and a shift
 *     per channel, computed on every call, so weights that training or a
 *     checkpoint load changed are never stale) and the activation follow
 *     per channel while the plane is still in cache;
 *   - threads split each layer by output channels (disjoint planes, no
 *     locks) and meet at a barrier between layers; the softmax splits by
 *     positions.
 * Numerics: per element the same float operations as the layer-by-layer
 * path, except the order of the convolution's sums and, on AVX2 CPUs, the
 * softmax, whose exp is a vector polynomial (a few float ulp from libm's
 * expf, 0 below e^-87.3) summed in float: differences at fp32 rounding;
 * tests/test_nn_infer.c bounds them.
 *
 * Ownership: uses the backend's CPU workspace for the slabs (about
 * 256 KB a thread), allocates nothing else and keeps nothing between
 * calls; writes s's activation buffers exactly where nn_seq_forward does
 * and returns the output inside them. Worker threads (be->threads, at
 * most 16) are created per call and joined before it returns; with none
 * created the caller's thread does all the work.
 */
#ifndef NN_INFER_H
#define NN_INFER_H

#include "seq.h"

/* 1 when nn_infer_forward can run s on n samples: CPU backend, n in
 * [1, s->batch], and only the layer pattern above. Any batch size: the
 * fused path also beats the im2col + OpenBLAS path at batch 64 and 128
 * (large batches go in position chunks that fit L2). */
int nn_infer_supported(const nn_seq *s, int n);

/* x (n, in) -> returned output (n, out) in s's activations, eval mode
 * (BN running statistics). NULL when !nn_infer_supported: use the general
 * path. */
float *nn_infer_forward(nn_seq *s, int n, const float *x);

/* The inner kernels: the best the CPU runs (AUTO, what nn_infer_forward
 * uses), or a lower one, so tests can check each on a machine that has
 * them all. Asking for one the CPU lacks gets the best it has below. */
typedef enum {
	NN_INFER_AUTO = 0,
	NN_INFER_PORTABLE, /* plain C */
	NN_INFER_AVX2,     /* AVX2 + FMA, x86-64 */
	NN_INFER_AVX512    /* AVX-512F, x86-64 */
} nn_infer_kernels;
float *nn_infer_forward_kernels(nn_seq *s, int n, const float *x, nn_infer_kernels k);

#endif
