/*
 * tiled.c - the simple tiled model: tiles, symmetry classes and neighbour
 * rules (WFC-SPEC.md §9). Variants are numbered like the reference: tiles
 * in order, each tile's orientations consecutively.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cardinality and the local actions a = rotate 90° CCW, b = mirror of a
 * symmetry class (§9.2). */
static int cardinality(char sym)
{
	switch (sym) {
	case 'X':
		return 1;
	case 'I':
	case '\\':
		return 2;
	case 'T':
	case 'L':
		return 4;
	case 'F':
		return 8;
	}
	return 0;
}

static int rotate_of(char sym, int t)
{
	switch (sym) {
	case 'I':
	case '\\':
		return 1 - t;
	case 'T':
	case 'L':
		return (t + 1) % 4;
	case 'F':
		return t < 4 ? (t + 1) % 4 : 4 + (t - 1) % 4;
	}
	return t;
}

static int mirror_of(char sym, int t)
{
	switch (sym) {
	case '\\':
		return 1 - t;
	case 'T':
		return t % 2 == 0 ? t : 4 - t;
	case 'L':
		return t % 2 == 0 ? t + 1 : t - 1;
	case 'F':
		return t < 4 ? t + 4 : t - 4;
	}
	return t;
}

static bool in_subset(const wfc_tiled_spec *s, const char *name)
{
	if (!s->subset) return true;
	for (int i = 0; i < s->subset_count; i++)
		if (s->subset[i] && strcmp(s->subset[i], name) == 0) return true;
	return false;
}

static int find_tile(const wfc_tiled_spec *s, const char *name)
{
	for (int i = 0; i < s->tile_count; i++)
		if (strcmp(s->tiles[i].name, name) == 0) return i;
	return -1;
}

static wfc_status check_spec(const wfc_tiled_spec *s, wfc_error *err)
{
	if (s->tile_count < 1 || s->tile_count > WFC_MAX_TILES)
		return wfc_fail(err, WFC_ERR_INPUT, "a tileset needs 1 to %d tiles, not %d",
		                WFC_MAX_TILES, s->tile_count);
	if (s->tile_size < 1 || s->tile_size > WFC_MAX_TILE_SIZE)
		return wfc_fail(err, WFC_ERR_INPUT, "tile size %d is out of range 1..%d",
		                s->tile_size, WFC_MAX_TILE_SIZE);
	if (s->neighbor_count < 0 || s->neighbor_count > WFC_MAX_RULES)
		return wfc_fail(err, WFC_ERR_INPUT, "a tileset may have at most %d neighbor rules",
		                WFC_MAX_RULES);
	if (s->width < 1 || s->height < 1 || s->width > WFC_MAX_SIDE || s->height > WFC_MAX_SIDE)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "output size %dx%d is out of range: each side must be 1..%d",
		                s->width, s->height, WFC_MAX_SIDE);
	if ((long long)s->width * s->height > WFC_MAX_CELLS)
		return wfc_fail(err, WFC_ERR_INPUT, "output %dx%d has more than %d cells", s->width,
		                s->height, WFC_MAX_CELLS);
	if ((long long)s->width * s->height * s->tile_size * s->tile_size > WFC_MAX_RENDER_PIXELS)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "output %dx%d of %dpx tiles would render more than %d pixels",
		                s->width, s->height, s->tile_size, WFC_MAX_RENDER_PIXELS);
	if ((unsigned)s->heuristic > WFC_HEURISTIC_SCANLINE)
		return wfc_fail(err, WFC_ERR_INPUT, "unknown heuristic %d", (int)s->heuristic);
	for (int i = 0; i < s->tile_count; i++) {
		const wfc_tile *t = &s->tiles[i];
		if (!t->name || !*t->name || strlen(t->name) > WFC_MAX_NAME || strchr(t->name, ' '))
			return wfc_fail(err, WFC_ERR_INPUT,
			                "tile %d: a name must be 1..%d characters without spaces",
			                i + 1, WFC_MAX_NAME);
		if (find_tile(s, t->name) != i)
			return wfc_fail(err, WFC_ERR_INPUT, "tile '%s' is defined twice", t->name);
		int card = cardinality(t->symmetry);
		if (!card)
			return wfc_fail(
			    err, WFC_ERR_INPUT,
			    "tile '%s': unknown symmetry class '%c' (expected X, T, I, L, \\ or F)",
			    t->name, t->symmetry);
		if (!(t->weight > 0) || !isfinite(t->weight))
			return wfc_fail(err, WFC_ERR_INPUT,
			                "tile '%s': weight must be a positive number", t->name);
		int want = s->unique ? card : 1;
		if (t->image_count != want || !t->images)
			return wfc_fail(err, WFC_ERR_INPUT,
			                "tile '%s': expected %d image%s, got %d", t->name, want,
			                want == 1 ? "" : "s", t->image_count);
		for (int k = 0; k < want; k++)
			if (!t->images[k])
				return wfc_fail(err, WFC_ERR_INPUT,
				                "tile '%s': image %d is missing", t->name, k);
	}
	for (int i = 0; i < s->subset_count; i++)
		if (!s->subset[i] || find_tile(s, s->subset[i]) < 0)
			return wfc_fail(err, WFC_ERR_INPUT,
			                "the subset names tile '%s', which is not in the tileset",
			                s->subset[i] ? s->subset[i] : "(null)");
	for (int i = 0; i < s->neighbor_count; i++) {
		const wfc_neighbor *r = &s->neighbors[i];
		const char *names[2] = {r->left, r->right};
		int orient[2] = {r->left_orientation, r->right_orientation};
		for (int k = 0; k < 2; k++) {
			if (!names[k] || find_tile(s, names[k]) < 0)
				return wfc_fail(err, WFC_ERR_INPUT,
				                "neighbor rule %d: tile '%s' is not in the tileset",
				                i + 1, names[k] ? names[k] : "(null)");
			if (orient[k] < 0 || orient[k] > 7)
				return wfc_fail(
				    err, WFC_ERR_INPUT,
				    "neighbor rule %d: orientation %d of tile '%s' is not 0..7",
				    i + 1, orient[k], names[k]);
		}
	}
	return WFC_OK;
}

typedef struct {
	int (*action)[8]; /* T rows: variant under the 8 dihedral transforms */
	int *first;       /* per spec tile: its first variant, -1 outside the subset */
} variant_table;

static wfc_status build_variants(wfc_model *m, const wfc_tiled_spec *s, variant_table *vt,
                                 wfc_error *err)
{
	int T = 0;
	for (int i = 0; i < s->tile_count; i++)
		if (in_subset(s, s->tiles[i].name)) T += cardinality(s->tiles[i].symmetry);
	if (T == 0) return wfc_fail(err, WFC_ERR_INPUT, "the subset selects no tiles");
	if (T > WFC_MAX_PATTERNS)
		return wfc_fail(err, WFC_ERR_INPUT, "the tileset has %d variants; at most %d", T,
		                WFC_MAX_PATTERNS);
	size_t area = (size_t)s->tile_size * s->tile_size;
	m->T = T;
	m->tile_size = s->tile_size;
	m->weights = malloc((size_t)T * sizeof *m->weights);
	m->tile_pixels = malloc((size_t)T * area * sizeof *m->tile_pixels);
	m->variant_names = calloc((size_t)T, sizeof *m->variant_names);
	vt->action = malloc((size_t)T * sizeof *vt->action);
	vt->first = malloc((size_t)s->tile_count * sizeof *vt->first);
	if (!m->weights || !m->tile_pixels || !m->variant_names || !vt->action || !vt->first)
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");

	int off = 0;
	for (int i = 0; i < s->tile_count; i++) {
		const wfc_tile *tile = &s->tiles[i];
		vt->first[i] = -1;
		if (!in_subset(s, tile->name)) continue;
		char sym = tile->symmetry;
		int card = cardinality(sym);
		vt->first[i] = off;
		for (int t = 0; t < card; t++) {
			int *row = vt->action[off + t];
			int a1 = rotate_of(sym, t), a2 = rotate_of(sym, a1),
			    a3 = rotate_of(sym, a2);
			int local[8] = {t,
			                a1,
			                a2,
			                a3,
			                mirror_of(sym, t),
			                mirror_of(sym, a1),
			                mirror_of(sym, a2),
			                mirror_of(sym, a3)};
			for (int k = 0; k < 8; k++)
				row[k] = local[k] + off;
			uint32_t *px = m->tile_pixels + (size_t)(off + t) * area;
			if (s->unique)
				memcpy(px, tile->images[t], area * sizeof *px);
			else if (t == 0)
				memcpy(px, tile->images[0], area * sizeof *px);
			else if (t <= 3)
				wfc_rotate_u32(px - area, px, s->tile_size);
			else
				wfc_mirror_u32(px - 4 * area, px, s->tile_size);
			size_t len = strlen(tile->name) + 4;
			m->variant_names[off + t] = malloc(len);
			if (!m->variant_names[off + t])
				return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
			snprintf(m->variant_names[off + t], len, "%s %d", tile->name, t);
			m->weights[off + t] = tile->weight;
		}
		off += card;
	}
	return WFC_OK;
}

static inline void set_bit(uint64_t *bits, size_t row_words, int r, int c)
{
	bits[(size_t)r * row_words + (size_t)c / 64] |= 1ull << (c % 64);
}

/* §9.4: each rule, its vertical flip, mirror and 180° turn, horizontally
 * and (turned 90° CCW) vertically. left[t1] holds t2 allowed left of t1,
 * down[t1] those allowed below it. */
static wfc_status build_propagator(wfc_model *m, const wfc_tiled_spec *s, const variant_table *vt,
                                   wfc_error *err)
{
	int T = m->T;
	size_t row_words = ((size_t)T + 63) / 64;
	uint64_t *left = calloc((size_t)T * row_words, sizeof *left);
	uint64_t *down = calloc((size_t)T * row_words, sizeof *down);
	if (!left || !down) {
		free(left);
		free(down);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	}
	int(*act)[8] = vt->action;
	for (int i = 0; i < s->neighbor_count; i++) {
		const wfc_neighbor *r = &s->neighbors[i];
		int li = find_tile(s, r->left), ri = find_tile(s, r->right);
		if (vt->first[li] < 0 || vt->first[ri] < 0) continue; /* outside the subset */
		int L = act[vt->first[li]][r->left_orientation];
		int R = act[vt->first[ri]][r->right_orientation];
		int D = act[L][1], U = act[R][1];
		set_bit(left, row_words, R, L);
		set_bit(left, row_words, act[R][6], act[L][6]);
		set_bit(left, row_words, act[L][4], act[R][4]);
		set_bit(left, row_words, act[L][2], act[R][2]);
		set_bit(down, row_words, U, D);
		set_bit(down, row_words, act[D][6], act[U][6]);
		set_bit(down, row_words, act[U][4], act[D][4]);
		set_bit(down, row_words, act[D][2], act[U][2]);
	}
	wfc_status st = wfc_propagator_from_bits(m, 0, left, row_words, false, err);
	if (st == WFC_OK) st = wfc_propagator_from_bits(m, 1, down, row_words, false, err);
	if (st == WFC_OK) st = wfc_propagator_from_bits(m, 2, left, row_words, true, err);
	if (st == WFC_OK) st = wfc_propagator_from_bits(m, 3, down, row_words, true, err);
	free(left);
	free(down);
	return st;
}

wfc_status wfc_model_create_tiled(const wfc_tiled_spec *spec, wfc_model **out, wfc_error *err)
{
	*out = NULL;
	wfc_status st = check_spec(spec, err);
	if (st != WFC_OK) return st;
	wfc_model *m = calloc(1, sizeof *m);
	if (!m) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	m->kind = WFC_MODEL_TILED;
	m->N = 1;
	m->MX = spec->width;
	m->MY = spec->height;
	m->periodic = spec->periodic;
	m->heuristic = spec->heuristic;
	m->black_background = spec->black_background;
	variant_table vt = {0};
	st = build_variants(m, spec, &vt, err);
	if (st == WFC_OK) st = build_propagator(m, spec, &vt, err);
	if (st == WFC_OK) st = wfc_model_finish(m, err);
	free(vt.action);
	free(vt.first);
	if (st != WFC_OK) {
		wfc_model_destroy(m);
		return st;
	}
	*out = m;
	return WFC_OK;
}
