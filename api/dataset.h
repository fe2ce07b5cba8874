/*
 * dataset.h - training sets of WFC outputs for nn/ (`wfc dataset`).
 *
 * A data set is one safetensors file (api/safetensors.h), so PyTorch reads
 * it too. Documented in docs/dataset-format.md. Tensors:
 *   "images"  F32 (count, 3, size, size) for format rgb: RGB in [-1, 1],
 *             channel-first, (v/255)*2-1, as a DCGAN with tanh expects;
 *   "states"  F32 (count, size, size), both formats: the vocabulary
 *             index of each cell (integral values; one-hot is expanded on
 *             load, which keeps files 1/vocab the size; rgb data sets keep
 *             it so evaluation knows the training grids);
 *   "colors"  F32 (vocab, 3): the RGB (0..255) each vocabulary entry
 *             draws as (the pattern's top-left pixel / the tile's mean);
 *   "allowed" F32 (4, vocab, vocab): allowed[d][a][b] = 1 when b may sit
 *             next to a in direction d (0 left, 1 up, 2 right, 3 down,
 *             the engine's order): what the evaluation checks.
 * Metadata: "format" (rgb|onehot), "size", "count", "vocab", "source"
 * (entry name or spec path), "spec" (the JSON spec), "seed" (first seed),
 * "model" (overlapping|tiled).
 * The vocabulary is the set of patterns (overlapping) or tile variants
 * (tiled) that occur in the outputs, indexed in first-seen order by seed.
 *
 * Ownership: api_dataset_load fills a caller-owned api_dataset whose
 * arrays are malloc'd; api_dataset_free frees them.
 */
#ifndef API_DATASET_H
#define API_DATASET_H

#include "error.h"

#include <stdint.h>

typedef enum { API_DATASET_RGB = 0, API_DATASET_ONEHOT = 1 } api_dataset_format;

typedef struct {
	api_dataset_format format;
	int count, size, vocab;
	float *images;   /* rgb: count*3*size*size in [-1,1]; NULL for onehot */
	int32_t *states; /* count*size*size vocabulary indices (both formats) */
	uint8_t *colors; /* vocab*3 RGB; for rgb data sets too (nearest-colour decoding) */
	uint8_t *allowed; /* 4*vocab*vocab 0/1 */
	char source[256];
	char *spec_json;  /* malloc'd, may be NULL */
} api_dataset;

int api_dataset_load(const char *path, api_dataset *out, api_error *err);
int api_dataset_save(const char *path, const api_dataset *ds, uint64_t first_seed,
                     api_error *err);
void api_dataset_free(api_dataset *ds);

#endif
