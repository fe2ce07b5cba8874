/* nn_common.c - device choice and sample output for the nn commands. */
#include "nn_common.h"

#include "../api/image.h"
#include "../nn/sample.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nn_backend *cli_nn_backend(const char *device, int threads, const char *cmd)
{
	nn_device d;
	if (!strcmp(device, "auto"))
		d = nn_cuda_available() ? NN_DEVICE_CUDA : NN_DEVICE_CPU;
	else if (!strcmp(device, "cpu"))
		d = NN_DEVICE_CPU;
	else if (!strcmp(device, "cuda"))
		d = NN_DEVICE_CUDA;
	else {
		fprintf(stderr, "wfc %s: --device must be auto, cpu or cuda, not '%s'\n", cmd,
		        device);
		return NULL;
	}
	char err[256] = "";
	nn_backend *be = nn_backend_create(d, threads, err, sizeof err);
	if (!be) {
		fprintf(stderr, "wfc %s: %s\n", cmd, err);
		return NULL;
	}
	fprintf(stderr, "wfc %s: device %s\n", cmd, nn_backend_describe(be));
	return be;
}

static int write_json(const char *path, const int32_t *idx, int count, int size,
                      const uint8_t *colors, int vocab, uint64_t seed, api_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!f) return api_fail(err, API_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	/* one sample: the JSON grid of api/output.h; several: {"seed","samples":[...]} */
	if (count > 1) fprintf(f, "{\"seed\":%llu,\"samples\":[", (unsigned long long)seed);
	for (int s = 0; s < count; s++) {
		fprintf(f, "%s{\"width\":%d,\"height\":%d,\"legend\":[", s ? "," : "", size, size);
		for (int i = 0; colors && i < vocab; i++)
			fprintf(f, "%s\"#%02x%02x%02x\"", i ? "," : "", colors[3 * i],
			        colors[3 * i + 1], colors[3 * i + 2]);
		fputs("],\"grid\":[", f);
		const int32_t *g = idx + (size_t)s * size * size;
		for (int y = 0; y < size; y++) {
			fputs(y ? ",[" : "[", f);
			for (int x = 0; x < size; x++)
				fprintf(f, "%s%d", x ? "," : "", g[y * size + x]);
			fputc(']', f);
		}
		fputs("]}", f);
	}
	if (count > 1) fputs("]}", f);
	fputc('\n', f);
	int ok = f == stdout ? fflush(f) == 0 : fclose(f) == 0;
	return ok ? API_OK
	          : api_fail(err, API_ERR_IO, "cannot write %s: %s", path, strerror(errno));
}

int cli_nn_write_samples(nn_seq *g, float *zbuf, int latent, int onehot, const uint8_t *colors,
                         int vocab, uint64_t seed, int count, const char *png_path,
                         const char *json_path, api_error *err)
{
	int size = g->layers[g->nlayers - 1].h, channels = g->layers[g->nlayers - 1].c;
	size_t ss = (size_t)size * size, per = (size_t)channels * ss;
	int cols = 1;
	while (cols * cols < count)
		cols++;
	int rows = (count + cols - 1) / cols, gap = count > 1 ? 2 : 0;
	int W = cols * size + (cols - 1) * gap, H = rows * size + (rows - 1) * gap;
	float *x = malloc((size_t)count * per * sizeof *x);
	uint32_t *img = malloc((size_t)W * H * sizeof *img), *px = malloc(ss * sizeof *px);
	int32_t *idx = malloc((size_t)count * ss * sizeof *idx);
	int rc = API_OK;
	if (!x || !img || !px || !idx || nn_sample_batch(g, zbuf, latent, seed, 0, count, x)) {
		rc = api_fail(err, API_ERR_NOMEM, "out of memory for %d samples", count);
		goto out;
	}
	for (size_t i = 0; i < (size_t)W * H; i++)
		img[i] = 0xFF202020u;
	for (int s = 0; s < count; s++) {
		int32_t *ix = idx + (size_t)s * ss;
		nn_sample_to_image(x + (size_t)s * per, channels, size, onehot, colors, px, ix);
		if (!onehot)
			for (size_t p = 0; p < ss; p++)
				ix[p] = colors ? nn_nearest_color(px[p], colors, vocab) : 0;
		int ox = (s % cols) * (size + gap), oy = (s / cols) * (size + gap);
		for (int y = 0; y < size; y++)
			memcpy(img + (size_t)(oy + y) * W + ox, px + (size_t)y * size,
			       size * sizeof *px);
	}
	if (png_path) rc = api_png_write_file(png_path, img, W, H, err);
	if (rc == API_OK && json_path)
		rc = write_json(json_path, idx, count, size, colors, vocab, seed, err);
out:
	free(x), free(img), free(px), free(idx);
	return rc;
}
