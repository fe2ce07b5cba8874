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
 *             at (x + dx[d], y + dy[d]) next to a at (x, y), dx = {-1, 0,
 *             1, 0}, dy = {0, 1, 0, -1}, y pointing down the image: d = 0
 *             left, 1 below, 2 right, 3 above (the engine's propagator
 *             order, wfc.h): what the evaluation checks;
 *   "vocab_ids" F32 (vocab), optional: the engine's pattern / variant
 *             index of each vocabulary entry (the model built from "spec"
 *             numbers them the same way), so fresh WFC outputs can be
 *             mapped onto this vocabulary.
 * Metadata: "format" (rgb|onehot), "size", "count", "vocab", "source"
 * (entry name or spec path), "spec" (the JSON spec), "seed" (first seed),
 * "seed_end" (one past the last seed tried), "model" (overlapping|tiled).
 * The vocabulary is the set of patterns (overlapping) or tile variants
 * (tiled) that occur in the outputs, indexed in first-seen order by seed.
 * Cell (x, y) of an overlapping output is the pattern whose top-left pixel
 * is pixel (x, y) (see docs/dataset-format.md for non-periodic outputs).
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
	/* Added with the generator (api/dataset_gen.h): */
	int model_kind;      /* wfc_model_kind: 0 overlapping, 1 tiled */
	int32_t *vocab_ids;  /* vocab engine indices, malloc'd; NULL when absent */
	int64_t seed, seed_end; /* seeds tried: [seed, seed_end); load fills both,
	                         * save writes its first_seed and seed_end */
} api_dataset;

int api_dataset_load(const char *path, api_dataset *out, api_error *err);
int api_dataset_save(const char *path, const api_dataset *ds, uint64_t first_seed,
                     api_error *err);
void api_dataset_free(api_dataset *ds);

#endif
