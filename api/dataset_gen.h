/*
 * dataset_gen.h - generate a training set of WFC outputs (`wfc dataset`,
 * and later the server's training jobs).
 *
 * Seeds first_seed, first_seed + 1, ... are run one attempt each in the
 * engine's fast mode; a seed that contradicts is skipped, so the set holds
 * the first `count` seeds that succeed, in seed order, whatever the number
 * of threads (each thread owns one wfc_state; results go to fixed slots).
 *
 * Grid of an example (size x size cells), see docs/dataset-format.md:
 *   tiled: the output is size x size cells, a cell is a tile variant;
 *   overlapping, periodic spec: the output is size x size, cell (x, y) is
 *     the pattern at node (x, y) and pixel (x, y) its top-left pixel;
 *   overlapping, non-periodic spec: the output is (size + N - 1)^2 pixels,
 *     whose (size)^2 pattern nodes all lie inside it; the example is those
 *     nodes and the image their top-left pixels (the output's top-left
 *     size x size pixels).
 * Images (format rgb) are colors[state]: for overlapping models exactly
 * the pixels wfc_render draws there, for tiled ones each tile's mean
 * colour (one pixel per cell).
 *
 * Ownership: api_dataset_generate fills a caller-owned api_dataset (free
 * with api_dataset_free); the spec stays the caller's.
 */
#ifndef API_DATASET_GEN_H
#define API_DATASET_GEN_H

#include "dataset.h"
#include "spec.h"

#include <stdatomic.h>

#define API_DATASET_MAX_COUNT 10000000
#define API_DATASET_MAX_SIZE 1024

typedef struct {
	int size;  /* cells per side, 1..API_DATASET_MAX_SIZE */
	int count; /* examples, 1..API_DATASET_MAX_COUNT */
	api_dataset_format format;
	int32_t seed; /* first seed */
	int threads;  /* worker threads; <= 0: the online cores */
	/* Called after each seed finishes (done = examples found so far, an
	 * estimate while a round is in flight), from worker threads but never
	 * two at once. May be NULL. */
	void (*progress)(void *ctx, int done, int count);
	void *ctx;
	const atomic_int *cancel; /* nonzero stops the run (API_ERR_INPUT, "canceled") */
	const char *source;       /* recorded as metadata; may be NULL */
} api_dataset_options;

/* Errors: API_ERR_INPUT (bad options or spec, too many contradictions,
 * canceled), API_ERR_NOMEM. */
int api_dataset_generate(const api_spec *spec, const api_dataset_options *opt, api_dataset *out,
                         api_error *err);

/* allowed (4, n, n) of any n engine patterns / variants ids of the model
 * generation builds for spec and size: what `wfc eval --wfc` needs for
 * patterns a fresh run makes that the data set never showed. */
int api_dataset_allowed_for(const api_spec *spec, int size, const int32_t *ids, int n,
                            uint8_t *allowed, api_error *err);

#endif
