/*
 * eval.h - how good are generated grids? Metrics against a training set
 * (api/dataset.h): local validity, pattern statistics, diversity.
 *
 * Pure functions on int32 grids of vocabulary indices, (count, size, size)
 * row-major; no tensors, no backend. An index outside [0, vocab) is an
 * "unknown" cell (e.g. a pattern a fresh WFC run produced that the
 * training set never showed): every pair touching it is a violation, and
 * it is a symbol of its own in the statistics.
 *
 * Metrics (nn_eval_metrics):
 *   violation_rate  neighbouring pairs (horizontal and vertical, no
 *                   wrap-around) that allowed[][][] forbids / all pairs;
 *   valid_rate      grids with no violation / grids;
 *   kl2, kl3        tile-pattern KL divergence (Lucas & Volz 2019, "Tile
 *                   pattern KL-divergence for analysing and evolving game
 *                   levels") of the 2x2 and 3x3 windows (all positions
 *                   where they fit): KL(P || Q), P the training windows'
 *                   distribution, Q the generated ones', in nats, with
 *                   p_i = (c_i / n + eps) / (1 + eps * |U|) over the union
 *                   U of windows seen in either set, eps = NN_EVAL_EPSILON.
 *                   This direction punishes training patterns the
 *                   generator never makes (mode dropping). kl2_rev, kl3_rev
 *                   are KL(Q || P) (patterns the training set never has);
 *                   the paper's symmetric variant with weight w = 0.5 is
 *                   (kl + kl_rev) / 2;
 *   hist_js         Jensen-Shannon divergence, in bits (0..1), between the
 *                   per-cell vocabulary histograms of the two sets;
 *   diversity       mean pairwise Hamming distance (fraction of differing
 *                   cells) among generated grids, over all pairs or
 *                   opt.max_pairs random ones;
 *   duplicates      generated grids equal to an earlier generated grid;
 *   train_copies    generated grids equal to some training grid;
 *   nearest_train   mean, over up to opt.max_nearest generated grids, of
 *                   the Hamming fraction to the nearest of up to
 *                   opt.max_train training grids (both evenly strided).
 *
 * RGB output (images in [-1, 1], as the DCGAN draws them) is scored at the
 * colour level: several vocabulary entries may draw the same colour (all
 * overlapping patterns with the same top-left pixel; rotated tiles with the
 * same mean), so a colour cannot name one entry. nn_eval_color_classes
 * maps each entry to the first entry of its colour, nn_eval_rgb_to_grid
 * maps each pixel to the nearest colour's first entry, and
 * nn_eval_class_allowed ORs allowed over each class. Violations counted
 * that way are a lower bound (a colour pair some patterns could form),
 * and the statistics compare colours, not patterns: score the training
 * grids through the same class map.
 *
 * Ownership: the caller owns every array. nn_eval_grids allocates scratch
 * and frees it; it fails (-1, message in err) only on bad arguments or
 * out of memory.
 */
#ifndef NN_EVAL_H
#define NN_EVAL_H

#include <stddef.h>
#include <stdint.h>

#define NN_EVAL_EPSILON 1e-6

typedef struct {
	int max_pairs;   /* diversity pairs sampled when there are more (default 5000) */
	int max_nearest; /* generated grids compared with training (default 100) */
	int max_train;   /* training grids searched for the nearest (default 1000) */
	uint64_t seed;   /* pair sampling */
} nn_eval_options;

typedef struct {
	int count; /* generated grids */
	long long pairs, violations;
	double violation_rate, valid_rate;
	int valid;
	double kl2, kl3, kl2_rev, kl3_rev;
	double hist_js;
	double diversity;
	int duplicates, train_copies;
	double nearest_train;
	long long unknown_cells; /* cells outside [0, vocab) */
} nn_eval_metrics;

/* train: (train_count, size, size); gen: (gen_count, size, size);
 * allowed: (4, vocab, vocab) as in api/dataset.h (d: 0 left, 1 below,
 * 2 right, 3 above). opt may be NULL for the defaults. */
int nn_eval_grids(const int32_t *train, int train_count, const int32_t *gen, int gen_count,
                  int size, int vocab, const uint8_t *allowed, const nn_eval_options *opt,
                  nn_eval_metrics *out, char *err, size_t errlen);

/* Violating pairs of one grid (no wrap-around). */
long long nn_eval_violations(const int32_t *grid, int size, int vocab, const uint8_t *allowed);

/* class_of[v] = first entry with the same colour as v. colors: (vocab, 3). */
void nn_eval_color_classes(const uint8_t *colors, int vocab, int32_t *class_of);
/* out (4, vocab, vocab): allowed[d][a][b] OR-ed onto (class_of[a], class_of[b]). */
void nn_eval_class_allowed(const uint8_t *allowed, const int32_t *class_of, int vocab,
                           uint8_t *out);
/* images (count, 3, size, size) in [-1, 1] -> grids (count, size, size):
 * per pixel the first entry of the nearest colour (squared RGB distance). */
void nn_eval_rgb_to_grid(const float *images, int count, int size, const uint8_t *colors, int vocab,
                         int32_t *grids);

#endif
