/* sample.c - generator outputs to images (see sample.h). */
#include "sample.h"

#include <stdlib.h>

void nn_latent(uint64_t seed, long index, int latent, float *out)
{
	/* nn_rng_seed runs splitmix64 over this, so nearby (seed, i) pairs
	 * still give unrelated streams */
	nn_rng r;
	nn_rng_seed(&r, seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)index + 0x632BE59BD9B4E019ull));
	for (int k = 0; k < latent; k++)
		out[k] = nn_rng_normal(&r);
}

int nn_sample_batch(nn_seq *g, float *zbuf, int latent, uint64_t seed, long first, int count,
                    float *host_out)
{
	size_t per = nn_seq_out_count(g);
	float *z = malloc((size_t)g->batch * latent * sizeof *z);
	if (!z) return -1;
	for (int done = 0; done < count;) {
		int n = count - done < g->batch ? count - done : g->batch;
		for (int k = 0; k < n; k++)
			nn_latent(seed, first + done + k, latent, z + (size_t)k * latent);
		nn_upload(g->be, zbuf, z, (size_t)n * latent);
		float *y = nn_seq_forward(g, n, zbuf, 0);
		nn_download(g->be, host_out + (size_t)done * per, y, (size_t)n * per);
		done += n;
	}
	free(z);
	return 0;
}

static uint8_t to_byte(float v)
{
	float x = (v + 1.0f) * 0.5f * 255.0f + 0.5f;
	return x <= 0.0f ? 0 : x >= 255.0f ? 255 : (uint8_t)x;
}

void nn_sample_to_image(const float *x, int channels, int size, int onehot, const uint8_t *colors,
                        uint32_t *pixels, int32_t *indices)
{
	size_t ss = (size_t)size * size;
	for (size_t p = 0; p < ss; p++) {
		uint32_t r, g, b;
		if (!onehot) {
			r = to_byte(x[p]);
			g = to_byte(x[ss + p]);
			b = to_byte(x[2 * ss + p]);
		} else {
			int best = 0;
			for (int c = 1; c < channels; c++)
				if (x[(size_t)c * ss + p] > x[(size_t)best * ss + p]) best = c;
			if (indices) indices[p] = best;
			if (colors) {
				r = colors[3 * best];
				g = colors[3 * best + 1];
				b = colors[3 * best + 2];
			} else {
				r = g = b =
				    (uint32_t)(channels > 1 ? 255 * best / (channels - 1) : 0);
			}
		}
		pixels[p] = 0xFF000000u | r << 16 | g << 8 | b;
	}
}

int nn_nearest_color(uint32_t px, const uint8_t *colors, int vocab)
{
	int best = 0;
	long bestd = -1;
	for (int i = 0; i < vocab; i++) {
		long dr = (long)(px >> 16 & 255) - colors[3 * i];
		long dg = (long)(px >> 8 & 255) - colors[3 * i + 1];
		long db = (long)(px & 255) - colors[3 * i + 2];
		long d = dr * dr + dg * dg + db * db;
		if (bestd < 0 || d < bestd) bestd = d, best = i;
	}
	return best;
}
