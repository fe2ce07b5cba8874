/* model.c - what both models share: constants, accessors, destruction. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

wfc_status wfc_fail(wfc_error *err, wfc_status st, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return st;
}

const char *wfc_status_name(wfc_status st)
{
	switch (st) {
	case WFC_OK:
		return "ok";
	case WFC_CONTRADICTION:
		return "contradiction";
	case WFC_ERR_INPUT:
		return "invalid input";
	case WFC_ERR_NOMEM:
		return "out of memory";
	case WFC_CANCELED:
		return "canceled";
	}
	return "unknown status";
}

wfc_status wfc_model_finish(wfc_model *m, wfc_error *err)
{
	m->wlogw = malloc((size_t)m->T * sizeof *m->wlogw);
	if (!m->wlogw) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	/* Sums in pattern order, as the reference, so entropies match bit for bit. */
	m->sum_w = 0;
	m->sum_wlogw = 0;
	for (int t = 0; t < m->T; t++) {
		m->wlogw[t] = m->weights[t] * log(m->weights[t]);
		m->sum_w += m->weights[t];
		m->sum_wlogw += m->wlogw[t];
	}
	m->starting_entropy = log(m->sum_w) - m->sum_wlogw / m->sum_w;
	return wfc_model_build_masks(m, err);
}

wfc_status wfc_model_build_masks(wfc_model *m, wfc_error *err)
{
	size_t words = ((size_t)m->T + 63) / 64;
	m->words = (int)words;
	for (int d = 0; d < 4; d++) {
		m->prop_mask[d] = calloc((size_t)m->T * words, sizeof(uint64_t));
		m->full_mask[d] = calloc(words, sizeof(uint64_t));
		if (!m->prop_mask[d] || !m->full_mask[d])
			return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
		for (int t = 0; t < m->T; t++) {
			uint64_t *mask = m->prop_mask[d] + (size_t)t * words;
			for (int32_t k = m->prop_start[d][t]; k < m->prop_start[d][t + 1]; k++) {
				int32_t t2 = m->prop_list[d][k];
				mask[t2 / 64] |= 1ull << (t2 % 64);
			}
			for (size_t w = 0; w < words; w++)
				m->full_mask[d][w] |= mask[w];
		}
	}
	/* checked rather than assumed: the fast mode's propagation skips work
	 * only where it holds (O(pairs), like building the masks) */
	m->symmetric = true;
	for (int d = 0; d < 4; d++)
		for (int t = 0; t < m->T; t++)
			for (int32_t k = m->prop_start[d][t]; k < m->prop_start[d][t + 1]; k++) {
				int32_t t2 = m->prop_list[d][k];
				const uint64_t *back =
				    m->prop_mask[wfc_opposite[d]] + (size_t)t2 * words;
				if (!(back[t / 64] >> (t % 64) & 1)) m->symmetric = false;
			}
	/* Four Russians: a cell's union over its patterns then costs one table
	 * lookup per byte of its set instead of one OR per pattern. */
	if (m->T <= WFC_BYTE_UNION_MAX_T) {
		size_t chunks = ((size_t)m->T + 7) / 8, block = 4 * words;
		m->byte_union = calloc(chunks * 256 * block, sizeof(uint64_t));
		bool sums_wanted = m->T <= WFC_BYTE_SUMS_MAX_T;
		if (sums_wanted) m->byte_sums = calloc(chunks * 256 * 2, sizeof(double));
		if (!m->byte_union || (sums_wanted && !m->byte_sums))
			return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
		for (size_t c = 0; c < chunks; c++) {
			uint64_t *chunk = m->byte_union + c * 256 * block;
			double *sums = sums_wanted ? m->byte_sums + c * 256 * 2 : NULL;
			for (int b = 1; b < 256; b++) {
				size_t t = c * 8 + (size_t)__builtin_ctz((unsigned)b);
				const uint64_t *rest = chunk + (size_t)(b & (b - 1)) * block;
				uint64_t *entry = chunk + (size_t)b * block;
				bool real = t < (size_t)m->T;
				if (sums) {
					const double *rest_sums = sums + (size_t)(b & (b - 1)) * 2;
					sums[b * 2] = rest_sums[0] + (real ? m->weights[t] : 0);
					sums[b * 2 + 1] = rest_sums[1] + (real ? m->wlogw[t] : 0);
				}
				for (int d = 0; d < 4; d++)
					for (size_t k = 0; k < words; k++)
						entry[d * words + k] =
						    rest[d * words + k] |
						    (real ? m->prop_mask[d][t * words + k] : 0);
			}
		}
	}
	if (m->ground) {
		m->ground_mask = calloc(words, sizeof(uint64_t));
		if (!m->ground_mask) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
		for (int t = 0; t < m->T - 1; t++)
			m->ground_mask[t / 64] |= 1ull << (t % 64);
	}
	return WFC_OK;
}

wfc_status wfc_propagator_from_bits(wfc_model *m, int d, const uint64_t *bits, size_t row_words,
                                    bool transposed, wfc_error *err)
{
	int T = m->T;
	size_t total = 0;
	m->prop_start[d] = malloc(((size_t)T + 1) * sizeof(int32_t));
	if (!m->prop_start[d]) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		total = 0;
		for (int t1 = 0; t1 < T; t1++) {
			if (pass == 0) m->prop_start[d][t1] = (int32_t)total;
			for (int t2 = 0; t2 < T; t2++) {
				size_t r = transposed ? (size_t)t2 : (size_t)t1;
				size_t c = transposed ? (size_t)t1 : (size_t)t2;
				if (bits[r * row_words + c / 64] >> (c % 64) & 1) {
					if (pass == 1) m->prop_list[d][total] = t2;
					total++;
				}
			}
		}
		if (pass == 0) {
			m->prop_start[d][T] = (int32_t)total;
			m->prop_list[d] = malloc((total ? total : 1) * sizeof(int32_t));
			if (!m->prop_list[d]) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
		}
	}
	return WFC_OK;
}

/* ROT(p)(x, y) = p(n-1-y, x), MIR(p)(x, y) = p(n-1-x, y): WFC-SPEC §8.2. */
void wfc_rotate_u8(const uint8_t *in, uint8_t *out, int n)
{
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			out[x + y * n] = in[n - 1 - y + x * n];
}

void wfc_mirror_u8(const uint8_t *in, uint8_t *out, int n)
{
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			out[x + y * n] = in[n - 1 - x + y * n];
}

void wfc_rotate_u32(const uint32_t *in, uint32_t *out, int n)
{
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			out[x + y * n] = in[n - 1 - y + x * n];
}

void wfc_mirror_u32(const uint32_t *in, uint32_t *out, int n)
{
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			out[x + y * n] = in[n - 1 - x + y * n];
}

void wfc_model_destroy(wfc_model *m)
{
	if (!m) return;
	free(m->weights);
	free(m->wlogw);
	for (int d = 0; d < 4; d++) {
		free(m->prop_start[d]);
		free(m->prop_list[d]);
		free(m->prop_mask[d]);
		free(m->full_mask[d]);
	}
	free(m->ground_mask);
	free(m->byte_union);
	free(m->byte_sums);
	free(m->colors);
	free(m->patterns);
	free(m->tile_pixels);
	if (m->variant_names)
		for (int t = 0; t < m->T; t++)
			free(m->variant_names[t]);
	free(m->variant_names);
	free(m);
}

wfc_model_kind wfc_model_kind_of(const wfc_model *m)
{
	return m->kind;
}

int wfc_model_pattern_count(const wfc_model *m)
{
	return m->T;
}

int wfc_model_width(const wfc_model *m)
{
	return m->MX;
}

int wfc_model_height(const wfc_model *m)
{
	return m->MY;
}

bool wfc_model_periodic(const wfc_model *m)
{
	return m->periodic;
}

bool wfc_model_is_node(const wfc_model *m, int x, int y)
{
	return x >= 0 && y >= 0 && x < m->MX && y < m->MY && wfc_is_node(m, x, y);
}

bool wfc_model_start_allows(const wfc_model *m, int x, int y, int t)
{
	if (x < 0 || y < 0 || x >= m->MX || y >= m->MY || t < 0 || t >= m->T) return false;
	return wfc_start_word(m, y, wfc_start_sides(m, x, y), t / 64, m->words) >> (t % 64) & 1;
}

void wfc_render_size(const wfc_model *m, int *width, int *height)
{
	int scale = m->kind == WFC_MODEL_TILED ? m->tile_size : 1;
	*width = m->MX * scale;
	*height = m->MY * scale;
}

int wfc_model_legend_count(const wfc_model *m)
{
	return m->kind == WFC_MODEL_TILED ? m->T : m->color_count;
}

uint32_t wfc_model_color(const wfc_model *m, int k)
{
	return m->kind == WFC_MODEL_OVERLAPPING && k >= 0 && k < m->color_count ? m->colors[k] : 0;
}

const char *wfc_model_variant_name(const wfc_model *m, int t)
{
	return m->kind == WFC_MODEL_TILED && t >= 0 && t < m->T ? m->variant_names[t] : NULL;
}

double wfc_model_weight(const wfc_model *m, int t)
{
	return t >= 0 && t < m->T ? m->weights[t] : 0;
}

int wfc_model_propagator_size(const wfc_model *m, int d, int t)
{
	if (d < 0 || d > 3 || t < 0 || t >= m->T) return 0;
	return m->prop_start[d][t + 1] - m->prop_start[d][t];
}

const int32_t *wfc_model_propagator(const wfc_model *m, int d, int t, int *len)
{
	if (d < 0 || d > 3 || t < 0 || t >= m->T) return NULL;
	*len = m->prop_start[d][t + 1] - m->prop_start[d][t];
	return m->prop_list[d] + m->prop_start[d][t];
}

const uint32_t *wfc_model_variant_pixels(const wfc_model *m, int t, int *tile_size)
{
	if (m->kind != WFC_MODEL_TILED || t < 0 || t >= m->T) return NULL;
	*tile_size = m->tile_size;
	return m->tile_pixels + (size_t)t * m->tile_size * m->tile_size;
}

const uint8_t *wfc_model_pattern(const wfc_model *m, int t, int *N)
{
	if (m->kind != WFC_MODEL_OVERLAPPING || t < 0 || t >= m->T) return NULL;
	*N = m->N;
	return m->patterns + (size_t)t * m->N * m->N;
}
