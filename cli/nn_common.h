/* nn_common.h - what `wfc train` and `wfc sample` share: picking the
 * device and drawing sample grids / index grids from a generator. */
#ifndef CLI_NN_COMMON_H
#define CLI_NN_COMMON_H

#include "../api/error.h"
#include "../nn/seq.h"

#include <stdint.h>

/* "auto" (CUDA when available, else CPU), "cpu" or "cuda"; prints the
 * choice to stderr. NULL (message printed) when it cannot be had. */
nn_backend *cli_nn_backend(const char *device, int threads, const char *cmd);

/* Samples first..first+count-1 of seed through g and writes them as one
 * PNG (one image when count is 1, else a grid with 2-pixel gaps) to
 * png_path and, when json_path is set, their index grids as JSON (onehot:
 * the argmax entry; rgb: the nearest of colors). */
int cli_nn_write_samples(nn_seq *g, float *zbuf, int latent, int onehot, const uint8_t *colors,
                         int vocab, uint64_t seed, int count, const char *png_path,
                         const char *json_path, api_error *err);

#endif
