/* sample.h - drawing outputs from a generator and turning them into images.
 *
 * The latent of sample i under seed S is a function of (S, i) only
 * (nn_latent: an nn_rng seeded from both), so sample i is the same whether
 * drawn alone, in a grid, in any batch size, on any backend (up to float
 * rounding), and `wfc sample --seed S` shows what the training grids at
 * that seed showed.
 * Generators run in eval mode (BN running statistics).
 *
 * Ownership: the caller owns every buffer; nothing here allocates on the
 * backend (nn_sample_batch allocates a small host staging array).
 */
#ifndef NN_SAMPLE_H
#define NN_SAMPLE_H

#include "seq.h"

#include <stdint.h>

/* The latent vector (latent floats, N(0,1)) of sample `index` for `seed`. */
void nn_latent(uint64_t seed, long index, int latent, float *out);

/* Samples first .. first+count-1 through g (in chunks of g->batch) into
 * host_out (count, C, size, size). zbuf: backend memory of g->batch *
 * latent floats. -1 when out of memory. */
int nn_sample_batch(nn_seq *g, float *zbuf, int latent, uint64_t seed, long first, int count,
                    float *host_out);

/* One generator output x (C, size, size) to ARGB pixels (size*size) and,
 * for onehot, the vocabulary index of each cell (indices may be NULL).
 * rgb: (x+1)/2*255, rounded and clamped. onehot: the argmax channel,
 * drawn with colors[3*idx] (grey when colors is NULL). */
void nn_sample_to_image(const float *x, int channels, int size, int onehot, const uint8_t *colors,
                        uint32_t *pixels, int32_t *indices);

/* The vocabulary entry whose colour (colors[3*i..], RGB) is nearest to the
 * ARGB pixel px, by squared RGB distance; the first one on ties. */
int nn_nearest_color(uint32_t px, const uint8_t *colors, int vocab);

#endif
