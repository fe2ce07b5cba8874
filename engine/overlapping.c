/*
 * overlapping.c - the overlapping model: N x N patterns learned from one
 * sample image (WFC-SPEC.md §8). Pattern ids, weights and propagator lists
 * come out in exactly the reference's order, which bit-exact runs need.
 */
#include "intern.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static wfc_status check_spec(const wfc_overlapping_spec *s, wfc_error *err)
{
	if (!s->sample || s->sample_width <= 0 || s->sample_height <= 0)
		return wfc_fail(err, WFC_ERR_INPUT, "the sample image is empty");
	if (s->sample_width > WFC_MAX_SAMPLE_SIDE || s->sample_height > WFC_MAX_SAMPLE_SIDE)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "the sample is %dx%d; at most %dx%d is accepted", s->sample_width,
		                s->sample_height, WFC_MAX_SAMPLE_SIDE, WFC_MAX_SAMPLE_SIDE);
	if (s->N < 1 || s->N > WFC_MAX_N)
		return wfc_fail(err, WFC_ERR_INPUT, "N is %d; it must be between 1 and %d", s->N,
		                WFC_MAX_N);
	if (!s->periodic_input && (s->N > s->sample_width || s->N > s->sample_height))
		return wfc_fail(
		    err, WFC_ERR_INPUT,
		    "N is %d but the sample is only %dx%d; use a smaller N or periodicInput", s->N,
		    s->sample_width, s->sample_height);
	if (s->symmetry < 1 || s->symmetry > 8)
		return wfc_fail(err, WFC_ERR_INPUT, "symmetry is %d; it must be between 1 and 8",
		                s->symmetry);
	if (s->width < 1 || s->height < 1 || s->width > WFC_MAX_SIDE || s->height > WFC_MAX_SIDE)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "output size %dx%d is out of range: each side must be 1..%d",
		                s->width, s->height, WFC_MAX_SIDE);
	if ((long long)s->width * s->height > WFC_MAX_CELLS)
		return wfc_fail(err, WFC_ERR_INPUT, "output %dx%d has more than %d cells", s->width,
		                s->height, WFC_MAX_CELLS);
	if (!s->periodic && (s->width < s->N || s->height < s->N))
		return wfc_fail(err, WFC_ERR_INPUT,
		                "a non-periodic output must be at least N x N (%dx%d) but is %dx%d",
		                s->N, s->N, s->width, s->height);
	if ((unsigned)s->heuristic > WFC_HEURISTIC_SCANLINE)
		return wfc_fail(err, WFC_ERR_INPUT, "unknown heuristic %d", (int)s->heuristic);
	return WFC_OK;
}

/* Sample pixels -> colour indices, colours in first raster appearance. */
static wfc_status index_colors(wfc_model *m, const wfc_overlapping_spec *s, uint8_t *sample,
                               wfc_error *err)
{
	size_t n = (size_t)s->sample_width * s->sample_height;
	wfc_intern colors;
	if (wfc_intern_init(&colors, sizeof(uint32_t),
	                    n < WFC_MAX_COLORS ? (int)n + 1 : WFC_MAX_COLORS))
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int32_t id = wfc_intern_add(&colors, (const unsigned char *)&s->sample[i]);
		if (id < 0) {
			wfc_intern_free(&colors);
			return wfc_fail(err, WFC_ERR_INPUT,
			                "the sample has more than %d distinct colours",
			                WFC_MAX_COLORS);
		}
		sample[i] = (uint8_t)id;
	}
	m->color_count = colors.count;
	m->colors = malloc((size_t)colors.count * sizeof *m->colors);
	if (!m->colors) {
		wfc_intern_free(&colors);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	}
	for (int k = 0; k < colors.count; k++)
		memcpy(&m->colors[k], wfc_intern_key(&colors, k), sizeof(uint32_t));
	wfc_intern_free(&colors);
	return WFC_OK;
}

/* Every position's block and its first `symmetry` dihedral variants, in the
 * reference's order v0..v7; weights count occurrences. */
static wfc_status extract_patterns(wfc_model *m, const wfc_overlapping_spec *s,
                                   const uint8_t *sample, wfc_error *err)
{
	int N = s->N, SX = s->sample_width, SY = s->sample_height;
	int NN = N * N;
	int xmax = s->periodic_input ? SX : SX - N + 1;
	int ymax = s->periodic_input ? SY : SY - N + 1;
	/* Tables sized by what this sample can yield (positions x symmetry),
	 * not by the limit: small samples, the common case, stay cheap. */
	long yield = (long)xmax * ymax * s->symmetry;
	int cap = yield < 1 ? 1 : yield < WFC_MAX_PATTERNS ? (int)yield + 1 : WFC_MAX_PATTERNS;
	wfc_intern pats;
	double *weights = calloc((size_t)cap, sizeof *weights);
	if (!weights || wfc_intern_init(&pats, (size_t)NN, cap)) {
		free(weights);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	}
	uint8_t v[8][WFC_MAX_N * WFC_MAX_N];
	wfc_status st = WFC_OK;
	for (int y = 0; y < ymax && st == WFC_OK; y++) {
		for (int x = 0; x < xmax; x++) {
			for (int dy = 0; dy < N; dy++)
				for (int dx = 0; dx < N; dx++)
					v[0][dx + dy * N] =
					    sample[(x + dx) % SX + (y + dy) % SY * SX];
			wfc_mirror_u8(v[0], v[1], N);
			wfc_rotate_u8(v[0], v[2], N);
			wfc_mirror_u8(v[2], v[3], N);
			wfc_rotate_u8(v[2], v[4], N);
			wfc_mirror_u8(v[4], v[5], N);
			wfc_rotate_u8(v[4], v[6], N);
			wfc_mirror_u8(v[6], v[7], N);
			for (int k = 0; k < s->symmetry; k++) {
				int32_t id = wfc_intern_add(&pats, v[k]);
				if (id < 0) {
					st = wfc_fail(
					    err, WFC_ERR_INPUT,
					    "the sample yields more than %d patterns; use a "
					    "smaller N or symmetry",
					    WFC_MAX_PATTERNS);
					break;
				}
				weights[id] += 1.0;
			}
			if (st != WFC_OK) break;
		}
	}
	if (st == WFC_OK) {
		m->T = pats.count;
		m->patterns = malloc((size_t)m->T * NN);
		m->weights = malloc((size_t)m->T * sizeof *m->weights);
		if (!m->patterns || !m->weights) {
			st = wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
		} else {
			memcpy(m->patterns, pats.keys, (size_t)m->T * NN);
			memcpy(m->weights, weights, (size_t)m->T * sizeof *m->weights);
		}
	}
	wfc_intern_free(&pats);
	free(weights);
	return st;
}

/* Copies the part of pattern p that lies in columns [x0, x0+w) and rows
 * [y0, y0+h) into out. */
static void sub_block(const uint8_t *p, int N, int x0, int y0, int w, int h, uint8_t *out)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			*out++ = p[x0 + x + (y0 + y) * N];
}

/*
 * t2 may sit at offset (dx, dy) from t1 iff their overlap agrees (§8.3).
 * For a unit offset that is: the (N-1)-wide strip of t1 on the side of the
 * offset equals the strip of t2 on the opposite side. So instead of testing
 * all T^2 pairs, give every strip an id and bucket the patterns by the id of
 * their strip: the list of t1 is the bucket of t1's strip, ascending.
 */
static wfc_status build_propagator(wfc_model *m, wfc_error *err)
{
	int N = m->N, T = m->T;
	int side = N - 1;
	/* strip_id[s][t]: s = 0 left cols, 1 right cols, 2 top rows, 3 bottom rows */
	int32_t *strip_id = malloc(4 * (size_t)T * sizeof *strip_id);
	int32_t *bucket_start = malloc(((size_t)4 * T + 1) * sizeof *bucket_start);
	int32_t *bucket = malloc((size_t)T * sizeof *bucket);
	uint8_t key[WFC_MAX_N * WFC_MAX_N];
	wfc_intern strips;
	if (!strip_id || !bucket_start || !bucket ||
	    wfc_intern_init(&strips, (size_t)side * N, 4 * T)) {
		free(strip_id);
		free(bucket_start);
		free(bucket);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	}
	for (int t = 0; t < T; t++) {
		const uint8_t *p = m->patterns + (size_t)t * N * N;
		sub_block(p, N, 0, 0, side, N, key);
		strip_id[0 * T + t] = wfc_intern_add(&strips, key);
		sub_block(p, N, 1, 0, side, N, key);
		strip_id[1 * T + t] = wfc_intern_add(&strips, key);
		sub_block(p, N, 0, 0, N, side, key);
		strip_id[2 * T + t] = wfc_intern_add(&strips, key);
		sub_block(p, N, 0, 1, N, side, key);
		strip_id[3 * T + t] = wfc_intern_add(&strips, key);
	}
	int ids = strips.count;
	wfc_intern_free(&strips);

	/* For direction d, t1's strip `mine[d]` must equal t2's strip `theirs[d]`:
	 * left (dx=-1): t1's left cols = t2's right cols; down (dy=+1): t1's
	 * bottom rows = t2's top rows; and the mirror images for right and up. */
	static const int mine[4] = {0, 3, 1, 2};
	static const int theirs[4] = {1, 2, 0, 3};
	wfc_status st = WFC_OK;
	for (int d = 0; d < 4 && st == WFC_OK; d++) {
		const int32_t *want = strip_id + (size_t)mine[d] * T;
		const int32_t *have = strip_id + (size_t)theirs[d] * T;
		/* counting sort of t2 by its strip id keeps t2 ascending per bucket */
		memset(bucket_start, 0, ((size_t)ids + 1) * sizeof *bucket_start);
		for (int t = 0; t < T; t++)
			bucket_start[have[t] + 1]++;
		for (int k = 0; k < ids; k++)
			bucket_start[k + 1] += bucket_start[k];
		int32_t *fill = malloc(((size_t)ids + 1) * sizeof *fill);
		m->prop_start[d] = malloc(((size_t)T + 1) * sizeof(int32_t));
		if (!fill || !m->prop_start[d]) {
			free(fill);
			st = wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
			break;
		}
		memcpy(fill, bucket_start, ((size_t)ids + 1) * sizeof *fill);
		for (int t = 0; t < T; t++)
			bucket[fill[have[t]]++] = t;
		free(fill);
		size_t total = 0;
		for (int t = 0; t < T; t++) {
			m->prop_start[d][t] = (int32_t)total;
			total += (size_t)(bucket_start[want[t] + 1] - bucket_start[want[t]]);
			if (total > INT32_MAX) {
				st = wfc_fail(err, WFC_ERR_INPUT, "the propagator is too large");
				break;
			}
		}
		if (st != WFC_OK) break;
		m->prop_start[d][T] = (int32_t)total;
		m->prop_list[d] = malloc((total ? total : 1) * sizeof(int32_t));
		if (!m->prop_list[d]) {
			st = wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
			break;
		}
		for (int t = 0; t < T; t++) {
			int32_t b = bucket_start[want[t]], e = bucket_start[want[t] + 1];
			memcpy(m->prop_list[d] + m->prop_start[d][t], bucket + b,
			       (size_t)(e - b) * sizeof(int32_t));
		}
	}
	free(strip_id);
	free(bucket_start);
	free(bucket);
	return st;
}

wfc_status wfc_model_create_overlapping(const wfc_overlapping_spec *spec, wfc_model **out,
                                        wfc_error *err)
{
	*out = NULL;
	wfc_status st = check_spec(spec, err);
	if (st != WFC_OK) return st;
	wfc_model *m = calloc(1, sizeof *m);
	uint8_t *sample = malloc((size_t)spec->sample_width * spec->sample_height);
	if (!m || !sample) {
		free(m);
		free(sample);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	}
	m->kind = WFC_MODEL_OVERLAPPING;
	m->N = spec->N;
	m->MX = spec->width;
	m->MY = spec->height;
	m->periodic = spec->periodic;
	m->ground = spec->ground;
	m->heuristic = spec->heuristic;
	m->tile_size = 1;
	st = index_colors(m, spec, sample, err);
	if (st == WFC_OK) st = extract_patterns(m, spec, sample, err);
	free(sample);
	if (st == WFC_OK) st = build_propagator(m, err);
	if (st == WFC_OK) st = wfc_model_finish(m, err);
	if (st != WFC_OK) {
		wfc_model_destroy(m);
		return st;
	}
	*out = m;
	return WFC_OK;
}
