/*
 * render.c - state -> ARGB pixels and legend grids (WFC-SPEC.md §8.5, §9.5).
 * Partial states render as the reference's superposition averages:
 * unweighted for the overlapping model, weighted for the tiled one.
 */
#include "internal.h"

#include <string.h>

/* Node and pattern offset that give output pixel (x, y) of a complete
 * overlapping run. Periodic: every cell is a node, its own pattern's
 * corner. Otherwise the pixels right of / below the last node come from
 * that node's pattern. (The reference takes the last N-1 rows and columns
 * from the node N-1 up-left, which reads outside the grid when a side is
 * under 2N-2; for larger grids both give the same colours, since adjacent
 * patterns agree where they overlap.) */
static const uint8_t *pixel_source(const wfc_state *s, int x, int y)
{
	const wfc_model *m = s->m;
	int N = m->N;
	int dy = m->periodic || y <= m->MY - N ? 0 : y - (m->MY - N);
	int dx = m->periodic || x <= m->MX - N ? 0 : x - (m->MX - N);
	int t = s->observed[x - dx + (y - dy) * m->MX];
	return m->patterns + (size_t)t * N * N + dx + dy * N;
}

static void render_overlapping(const wfc_state *s, uint32_t *out)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY, N = m->N;
	if (s->complete) {
		for (int y = 0; y < MY; y++)
			for (int x = 0; x < MX; x++)
				out[x + y * MX] = m->colors[*pixel_source(s, x, y)];
		return;
	}
	for (int i = 0; i < s->cells; i++) {
		int x = i % MX, y = i / MX;
		long contributors = 0, r = 0, g = 0, b = 0;
		for (int dy = 0; dy < N; dy++) {
			for (int dx = 0; dx < N; dx++) {
				int sx = x - dx, sy = y - dy;
				/* sides under N-1 need more than one wrap */
				if (sx < 0) sx = (sx % MX + MX) % MX;
				if (sy < 0) sy = (sy % MY + MY) % MY;
				if (!m->periodic &&
				    (sx + N > MX || sy + N > MY || sx < 0 || sy < 0))
					continue;
				int node = sx + sy * MX;
				for (int t = 0; t < m->T; t++) {
					if (!wfc_alive(s, node, t)) continue;
					contributors++;
					uint32_t c =
					    m->colors[m->patterns[(size_t)t * N * N + dx + dy * N]];
					r += (c >> 16) & 0xff;
					g += (c >> 8) & 0xff;
					b += c & 0xff;
				}
			}
		}
		/* A contradictory state can leave a pixel with no contributor. */
		if (contributors == 0) contributors = 1;
		out[i] = 0xff000000u | (uint32_t)(r / contributors) << 16 |
		         (uint32_t)(g / contributors) << 8 | (uint32_t)(b / contributors);
	}
}

static void render_tiled(const wfc_state *s, uint32_t *out)
{
	const wfc_model *m = s->m;
	int ts = m->tile_size, MX = m->MX;
	size_t area = (size_t)ts * ts, stride = (size_t)MX * ts;
	for (int i = 0; i < s->cells; i++) {
		int x = i % MX, y = i / MX;
		uint32_t *dst = out + (size_t)y * ts * stride + (size_t)x * ts;
		if (s->complete) {
			const uint32_t *tile = m->tile_pixels + (size_t)s->observed[i] * area;
			for (int yt = 0; yt < ts; yt++)
				memcpy(dst + yt * stride, tile + (size_t)yt * ts,
				       (size_t)ts * sizeof *dst);
			continue;
		}
		if (m->black_background && s->sums_of_ones[i] == m->T) {
			for (int yt = 0; yt < ts; yt++)
				for (int xt = 0; xt < ts; xt++)
					dst[yt * stride + xt] = 0xff000000u;
			continue;
		}
		double normalization = 1.0 / s->sums_w[i];
		for (int yt = 0; yt < ts; yt++) {
			for (int xt = 0; xt < ts; xt++) {
				double r = 0, g = 0, b = 0;
				for (int t = 0; t < m->T; t++) {
					if (!wfc_alive(s, i, t)) continue;
					uint32_t c =
					    m->tile_pixels[(size_t)t * area + xt + (size_t)yt * ts];
					r += ((c >> 16) & 0xff) * m->weights[t] * normalization;
					g += ((c >> 8) & 0xff) * m->weights[t] * normalization;
					b += (c & 0xff) * m->weights[t] * normalization;
				}
				/* an emptied cell gives NaN sums: render it black */
				uint32_t ri = r >= 0 && r < 256 ? (uint32_t)r : 0;
				uint32_t gi = g >= 0 && g < 256 ? (uint32_t)g : 0;
				uint32_t bi = b >= 0 && b < 256 ? (uint32_t)b : 0;
				dst[yt * stride + xt] = 0xff000000u | ri << 16 | gi << 8 | bi;
			}
		}
	}
}

void wfc_render(const wfc_state *s, uint32_t *out)
{
	if (s->m->kind == WFC_MODEL_TILED)
		render_tiled(s, out);
	else
		render_overlapping(s, out);
}

bool wfc_state_grid(const wfc_state *s, int32_t *out)
{
	const wfc_model *m = s->m;
	if (!s->complete) return false;
	if (m->kind == WFC_MODEL_TILED) {
		memcpy(out, s->observed, (size_t)s->cells * sizeof *out);
		return true;
	}
	for (int y = 0; y < m->MY; y++)
		for (int x = 0; x < m->MX; x++)
			out[x + y * m->MX] = *pixel_source(s, x, y);
	return true;
}
