/*
 * validator.c - independent checker of WFC outputs; see validator.h.
 *
 * Deliberately shares nothing with engine/: patterns are compared by colour
 * value in a hash set, and tile adjacency is derived by moving pictures
 * around rather than through the reference's action rows.
 */
#include "validator.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs beyond these are refused: the validator is for test-sized data. */
#define VLD_MAX_SIDE 8192
#define VLD_MAX_N 16
#define VLD_MAX_VARIANTS 8192
#define VLD_MAX_XML (16u << 20)

static bool fail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t why_len, const char *fmt, ...)
{
	if (why && why_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Geometry shared by both models: the dihedral group of the square.
 * Transform k (0..7): turn k mod 4 times by 90 degrees counter-clockwise
 * as displayed (y grows downward), then mirror left-right when k >= 4.
 * This is the order in which spec 8.2 and 9.3 build their variants.
 * ---------------------------------------------------------------------- */

/* Moves the vector (dx, dy) as transform k moves the picture around it.
 * A counter-clockwise turn on screen sends right (1,0) to up (0,-1). */
static void move_vector(int k, int *dx, int *dy)
{
	for (int r = 0; r < (k & 3); r++) {
		int ndx = *dy, ndy = -*dx;
		*dx = ndx;
		*dy = ndy;
	}
	if (k >= 4) *dx = -*dx;
}

/* Copies the n x n block src into dst under transform k, by moving every
 * pixel's offset from the block centre (doubled to stay integral). */
static void move_block(int k, const uint32_t *src, uint32_t *dst, int n)
{
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			int dx = 2 * x - (n - 1), dy = 2 * y - (n - 1);
			move_vector(k, &dx, &dy);
			int nx = (dx + n - 1) / 2, ny = (dy + n - 1) / 2;
			dst[nx + ny * n] = src[x + y * n];
		}
}

/* ------------------------------------------------------------------------
 * Overlapping model
 * ---------------------------------------------------------------------- */

/* Open-addressing set of n2-value patterns. */
typedef struct {
	int n2;
	uint32_t *pats;
	int count, cap;
	int32_t *slots;
	size_t mask;
} patset;

static uint64_t pat_hash(const uint32_t *p, int n2)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < n2; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

static bool patset_init(patset *s, int n2, int max_count)
{
	memset(s, 0, sizeof *s);
	s->n2 = n2;
	s->cap = max_count;
	size_t slots = 16;
	while (slots < 2 * (size_t)max_count)
		slots <<= 1;
	s->mask = slots - 1;
	s->pats = malloc((size_t)max_count * (size_t)n2 * sizeof *s->pats);
	s->slots = malloc(slots * sizeof *s->slots);
	if (!s->pats || !s->slots) return false;
	for (size_t i = 0; i < slots; i++)
		s->slots[i] = -1;
	return true;
}

static void patset_free(patset *s)
{
	free(s->pats);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* Returns the slot holding p, or the empty slot where it would go. */
static size_t patset_find(const patset *s, const uint32_t *p)
{
	size_t i = (size_t)pat_hash(p, s->n2) & s->mask;
	while (s->slots[i] >= 0 &&
	       memcmp(s->pats + (size_t)s->slots[i] * s->n2, p, (size_t)s->n2 * sizeof *p) != 0)
		i = (i + 1) & s->mask;
	return i;
}

static void patset_add(patset *s, const uint32_t *p)
{
	size_t i = patset_find(s, p);
	if (s->slots[i] >= 0 || s->count == s->cap) return;
	memcpy(s->pats + (size_t)s->count * s->n2, p, (size_t)s->n2 * sizeof *p);
	s->slots[i] = s->count++;
}

static bool patset_has(const patset *s, const uint32_t *p)
{
	return s->slots[patset_find(s, p)] >= 0;
}

/* Reads the n x n window of img at (x, y), wrapping around the edges. */
static void read_window(const uint32_t *img, int w, int h, int x, int y, int n, uint32_t *dst)
{
	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++)
			dst[i + j * n] = img[(x + i) % w + (size_t)((y + j) % h) * w];
}

bool vld_check_overlapping(const uint32_t *sample, int sw, int sh, int N, bool periodic_input,
                           int symmetry, const uint32_t *out, int ow, int oh, bool periodic,
                           char *why, size_t why_len)
{
	if (!sample || !out) return fail(why, why_len, "no sample or no output image was given");
	if (N < 1 || N > VLD_MAX_N)
		return fail(why, why_len, "N = %d is outside 1..%d", N, VLD_MAX_N);
	if (symmetry < 1 || symmetry > 8)
		return fail(why, why_len, "symmetry = %d is outside 1..8", symmetry);
	if (sw < 1 || sh < 1 || sw > VLD_MAX_SIDE || sh > VLD_MAX_SIDE)
		return fail(why, why_len, "sample size %dx%d is outside 1..%d", sw, sh,
		            VLD_MAX_SIDE);
	if (ow < 1 || oh < 1 || ow > VLD_MAX_SIDE || oh > VLD_MAX_SIDE)
		return fail(why, why_len, "output size %dx%d is outside 1..%d", ow, oh,
		            VLD_MAX_SIDE);
	if (!periodic_input && (sw < N || sh < N))
		return fail(why, why_len, "a non-periodic %dx%d sample has no %dx%d block", sw, sh,
		            N, N);
	/* A non-periodic output smaller than a window has nothing to check;
	 * refuse it rather than report a vacuous success. */
	if (!periodic && (ow < N || oh < N))
		return fail(why, why_len, "a non-periodic %dx%d output has no %dx%d window", ow, oh,
		            N, N);

	int px = periodic_input ? sw : sw - N + 1;
	int py = periodic_input ? sh : sh - N + 1;
	int n2 = N * N;
	long long max_count = (long long)px * py * symmetry;
	if (max_count > (1 << 26))
		return fail(why, why_len, "the sample has too many blocks to check");

	patset set;
	uint32_t *buf = malloc(3 * (size_t)n2 * sizeof *buf);
	if (!buf || !patset_init(&set, n2, (int)max_count)) {
		free(buf);
		patset_free(&set);
		return fail(why, why_len, "out of memory");
	}
	uint32_t *block = buf, *variant = buf + n2, *window = buf + 2 * n2;
	for (int y = 0; y < py; y++)
		for (int x = 0; x < px; x++) {
			read_window(sample, sw, sh, x, y, N, block);
			/* Variant v of spec 8.2 is transform v/2 turns, then a
			 * mirror when v is odd. */
			for (int v = 0; v < symmetry; v++) {
				int k = (v / 2) + (v & 1 ? 4 : 0);
				move_block(k, block, variant, N);
				patset_add(&set, variant);
			}
		}

	bool ok = true;
	int wx = periodic ? ow : ow - N + 1;
	int wy = periodic ? oh : oh - N + 1;
	for (int y = 0; y < wy && ok; y++)
		for (int x = 0; x < wx && ok; x++) {
			read_window(out, ow, oh, x, y, N, window);
			if (!patset_has(&set, window))
				ok = fail(why, why_len,
				          "the %dx%d window at (%d, %d) of the %dx%d output occurs "
				          "nowhere in the sample (symmetry %d, %s input)",
				          N, N, x, y, ow, oh, symmetry,
				          periodic_input ? "periodic" : "non-periodic");
		}
	patset_free(&set);
	free(buf);
	return ok;
}

/* ------------------------------------------------------------------------
 * Simple tiled model
 * ---------------------------------------------------------------------- */

/* Marker pictures, 3 x 3, rows top to bottom, '#' set. Each has exactly
 * the symmetries of its class: X all eight, I and \ four, T and L two,
 * F only the identity. L's elbow joins top and right, so that mirroring it
 * equals turning it once, as the class's reflection 0<->1 demands. */
static const char *class_picture(char symmetry)
{
	switch (symmetry) {
	case 'I':
		return ".#."
		       ".#."
		       ".#.";
	case '\\':
		return "#.."
		       ".#."
		       "..#";
	case 'T':
		return "###"
		       ".#."
		       ".#.";
	case 'L':
		return ".#."
		       ".##"
		       "...";
	case 'F':
		return "##."
		       "#.."
		       "#..";
	default: /* X and unknown letters (spec 9.1) */
		return ".#."
		       "###"
		       ".#.";
	}
}

/* A 3 x 3 picture (9-bit mask, bit x + 3y) moved by transform k. */
static unsigned mask_move(int k, unsigned mask)
{
	uint32_t src[9], dst[9];
	for (int i = 0; i < 9; i++)
		src[i] = (mask >> i) & 1;
	move_block(k, src, dst, 3);
	unsigned out = 0;
	for (int i = 0; i < 9; i++)
		out |= dst[i] << i;
	return out;
}

/* What the geometry says about one class: its size and, for every variant
 * t and transform k, which variant draws the moved picture. */
typedef struct {
	char symmetry;
	int card;
	signed char moved[8][8]; /* [t][k], -1 for t >= card */
} class_info;

static void class_info_of(char symmetry, class_info *ci)
{
	const char *pic = class_picture(symmetry);
	unsigned base = 0, img[8];
	for (int i = 0; i < 9; i++)
		base |= (unsigned)(pic[i] == '#') << i;
	/* Variant t is the base picture under transform t (spec 9.3). */
	int stabiliser = 0;
	for (int k = 0; k < 8; k++) {
		img[k] = mask_move(k, base);
		stabiliser += img[k] == base;
	}
	ci->symmetry = symmetry;
	ci->card = 8 / stabiliser;
	memset(ci->moved, -1, sizeof ci->moved);
	for (int t = 0; t < ci->card; t++)
		for (int k = 0; k < 8; k++) {
			unsigned m = mask_move(k, img[t]);
			for (int v = 0; v < ci->card; v++)
				if (img[v] == m) ci->moved[t][k] = (signed char)v;
		}
}

int vld_class_size(char symmetry)
{
	class_info ci;
	class_info_of(symmetry, &ci);
	return ci.card;
}

int vld_class_transform(char symmetry, int t, int k)
{
	class_info ci;
	class_info_of(symmetry, &ci);
	if (t < 0 || t >= ci.card || k < 0 || k > 7) return -1;
	return ci.moved[t][k];
}

/* The tileset compiled into dense pair tables over global variant ids
 * (tiles in order, each taking class-size ids; subset ignored here). */
typedef struct vld_pairs {
	const vld_tileset *ts;
	class_info *cls; /* per tile */
	int *first;      /* tile -> first id */
	int V;
	unsigned char *horiz; /* [left * V + right] */
	unsigned char *vert;  /* [below * V + above] */
} pairs;

static int find_tile(const vld_tileset *ts, const char *name, size_t len)
{
	for (int i = 0; i < ts->tile_count; i++)
		if (strlen(ts->tiles[i].name) == len && memcmp(ts->tiles[i].name, name, len) == 0)
			return i;
	return -1;
}

/* Splits "tile k" (or "tile" when need_k is false) into tile index and k.
 * Returns false when the name is unknown or k is not a plain number. */
static bool parse_ref(const vld_tileset *ts, const char *s, bool need_k, int *tile, int *k)
{
	const char *sp = strchr(s, ' ');
	size_t len = sp ? (size_t)(sp - s) : strlen(s);
	*tile = find_tile(ts, s, len);
	*k = 0;
	if (*tile < 0) return false;
	if (!sp) return !need_k;
	const char *d = sp + 1;
	if (!*d || strlen(d) > 3) return false;
	int v = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9') return false;
		v = v * 10 + (*d - '0');
	}
	*k = v;
	return true;
}

static void pairs_free(pairs *p)
{
	free(p->cls);
	free(p->first);
	free(p->horiz);
	free(p->vert);
	memset(p, 0, sizeof *p);
}

/* Records a rule's two-cell picture under all eight symmetries. */
static bool add_rule(const vld_tileset *ts, pairs *p, int rule, char *why, size_t why_len)
{
	const vld_rule *r = &ts->rules[rule];
	int ta, ka, tb, kb;
	if (!r->left || !parse_ref(ts, r->left, false, &ta, &ka) || ka > 7)
		return fail(why, why_len,
		            "rule %d: left side '%s' is not a tile with orientation 0..7", rule + 1,
		            r->left ? r->left : "(null)");
	if (!r->right || !parse_ref(ts, r->right, false, &tb, &kb) || kb > 7)
		return fail(why, why_len,
		            "rule %d: right side '%s' is not a tile with orientation 0..7",
		            rule + 1, r->right ? r->right : "(null)");
	const class_info *ca = &p->cls[ta], *cb = &p->cls[tb];
	/* Orientation k of a rule is the base picture under transform k,
	 * i.e. variant moved[0][k]. */
	int ra = ca->moved[0][ka], rb = cb->moved[0][kb];
	for (int h = 0; h < 8; h++) {
		/* After moving the whole picture by h, tile a shows variant
		 * ra moved by h, tile b likewise, and b sits at offset h(1, 0)
		 * from a. */
		int va = ca->moved[ra][h], vb = cb->moved[rb][h];
		if (va < 0 || vb < 0)
			return fail(why, why_len, "internal: a class picture has no variant");
		int a = p->first[ta] + va, b = p->first[tb] + vb;
		int dx = 1, dy = 0;
		move_vector(h, &dx, &dy);
		if (dx == 1)
			p->horiz[a * p->V + b] = 1; /* b right of a */
		else if (dx == -1)
			p->horiz[b * p->V + a] = 1; /* b left of a */
		else if (dy == -1)
			p->vert[a * p->V + b] = 1; /* b above a */
		else
			p->vert[b * p->V + a] = 1; /* b below a */
	}
	return true;
}

static bool in_subset(const vld_tileset *ts, int tile)
{
	if (!ts->subset) return true;
	for (int i = 0; i < ts->subset_count; i++)
		if (ts->subset[i] && strcmp(ts->subset[i], ts->tiles[tile].name) == 0) return true;
	return false;
}

static bool pairs_build(const vld_tileset *ts, bool use_subset, pairs *p, char *why, size_t why_len)
{
	memset(p, 0, sizeof *p);
	if (!ts || ts->tile_count < 1 || !ts->tiles)
		return fail(why, why_len, "the tileset has no tiles");
	if (ts->rule_count < 0 || (ts->rule_count > 0 && !ts->rules))
		return fail(why, why_len, "the tileset's rule list is invalid");
	p->first = malloc((size_t)ts->tile_count * sizeof *p->first);
	p->cls = malloc((size_t)ts->tile_count * sizeof *p->cls);
	if (!p->first || !p->cls) return fail(why, why_len, "out of memory");
	for (int i = 0; i < ts->tile_count; i++)
		if (!ts->tiles[i].name || !*ts->tiles[i].name)
			return fail(why, why_len, "tile %d has no name", i + 1);
	for (int i = 0; i < ts->tile_count; i++) {
		if (find_tile(ts, ts->tiles[i].name, strlen(ts->tiles[i].name)) != i)
			return fail(why, why_len, "tile name '%s' is used twice",
			            ts->tiles[i].name);
		/* Tiles of one class share its geometry; compute it once. */
		int same = -1;
		for (int j = 0; j < i && same < 0; j++)
			if (p->cls[j].symmetry == ts->tiles[i].symmetry) same = j;
		if (same >= 0)
			p->cls[i] = p->cls[same];
		else
			class_info_of(ts->tiles[i].symmetry, &p->cls[i]);
		p->first[i] = p->V;
		p->V += p->cls[i].card;
		if (p->V > VLD_MAX_VARIANTS)
			return fail(why, why_len, "the tileset has over %d variants",
			            VLD_MAX_VARIANTS);
	}
	size_t vv = (size_t)p->V * (size_t)p->V;
	p->horiz = calloc(vv, 1);
	p->vert = calloc(vv, 1);
	if (!p->horiz || !p->vert) return fail(why, why_len, "out of memory");
	for (int r = 0; r < ts->rule_count; r++) {
		if (use_subset) {
			/* Rules touching a tile outside the subset are dropped
			 * (spec 9.4); a name that is unknown is still an error. */
			int ta, tb, k;
			if (ts->rules[r].left && ts->rules[r].right &&
			    parse_ref(ts, ts->rules[r].left, false, &ta, &k) &&
			    parse_ref(ts, ts->rules[r].right, false, &tb, &k) &&
			    (!in_subset(ts, ta) || !in_subset(ts, tb)))
				continue;
		}
		if (!add_rule(ts, p, r, why, why_len)) return false;
	}
	return true;
}

/* Cell name -> global id, or -1 with why naming the cell. */
static int cell_variant(const vld_tileset *ts, const pairs *p, const char *name, int x, int y,
                        char *why, size_t why_len)
{
	int tile, k;
	if (!name || !parse_ref(ts, name, true, &tile, &k)) {
		fail(why, why_len, "cell (%d, %d) '%s' does not name a tile variant \"<tile> <k>\"",
		     x, y, name ? name : "(null)");
		return -1;
	}
	if (k >= p->cls[tile].card) {
		fail(why, why_len,
		     "cell (%d, %d) '%s': tile '%s' (symmetry %c) has only %d variants", x, y, name,
		     ts->tiles[tile].name, ts->tiles[tile].symmetry, p->cls[tile].card);
		return -1;
	}
	if (!in_subset(ts, tile)) {
		fail(why, why_len, "cell (%d, %d) '%s': tile '%s' is not in the subset", x, y, name,
		     ts->tiles[tile].name);
		return -1;
	}
	return p->first[tile] + k;
}

bool vld_check_tiled(const vld_tileset *ts, const char *const *cells, int w, int h, bool periodic,
                     char *why, size_t why_len)
{
	if (!cells || w < 1 || h < 1 || w > VLD_MAX_SIDE || h > VLD_MAX_SIDE)
		return fail(why, why_len, "the grid is empty or over %d cells a side",
		            VLD_MAX_SIDE);
	pairs p;
	if (!pairs_build(ts, true, &p, why, why_len)) {
		pairs_free(&p);
		return false;
	}
	int *ids = malloc((size_t)w * h * sizeof *ids);
	bool ok = ids != NULL;
	if (!ok) fail(why, why_len, "out of memory");
	for (int i = 0; ok && i < w * h; i++) {
		ids[i] = cell_variant(ts, &p, cells[i], i % w, i / w, why, why_len);
		ok = ids[i] >= 0;
	}
	for (int y = 0; ok && y < h; y++)
		for (int x = 0; ok && x < w; x++) {
			int a = ids[x + y * w];
			/* right neighbour: a is left of it */
			if (x + 1 < w || periodic) {
				int x2 = (x + 1) % w;
				int b = ids[x2 + y * w];
				if (!p.horiz[a * p.V + b])
					ok = fail(why, why_len,
					          "cells (%d, %d) '%s' and (%d, %d) '%s': '%s' may "
					          "not sit directly left of '%s'",
					          x, y, cells[x + y * w], x2, y, cells[x2 + y * w],
					          cells[x + y * w], cells[x2 + y * w]);
			}
			/* lower neighbour: a is above it (y grows downward) */
			if (ok && (y + 1 < h || periodic)) {
				int y2 = (y + 1) % h;
				int b = ids[x + y2 * w];
				if (!p.vert[b * p.V + a])
					ok = fail(why, why_len,
					          "cells (%d, %d) '%s' and (%d, %d) '%s': '%s' may "
					          "not sit directly above '%s'",
					          x, y, cells[x + y * w], x, y2, cells[x + y2 * w],
					          cells[x + y * w], cells[x + y2 * w]);
			}
		}
	free(ids);
	pairs_free(&p);
	return ok;
}

vld_pairs *vld_pairs_build(const vld_tileset *ts, char *why, size_t why_len)
{
	pairs *p = malloc(sizeof *p);
	if (!p) {
		fail(why, why_len, "out of memory");
		return NULL;
	}
	if (!pairs_build(ts, false, p, why, why_len)) {
		pairs_free(p);
		free(p);
		return NULL;
	}
	p->ts = ts;
	return p;
}

int vld_pairs_allowed(const vld_pairs *p, const char *first, const char *second, bool vertical)
{
	const vld_tileset *ts = p->ts;
	int t1, k1, t2, k2;
	if (!first || !parse_ref(ts, first, true, &t1, &k1) || k1 >= p->cls[t1].card) return -1;
	if (!second || !parse_ref(ts, second, true, &t2, &k2) || k2 >= p->cls[t2].card) return -1;
	int a = p->first[t1] + k1, b = p->first[t2] + k2;
	return (vertical ? p->vert : p->horiz)[a * p->V + b];
}

void vld_pairs_free(vld_pairs *p)
{
	if (!p) return;
	pairs_free(p);
	free(p);
}

/* ------------------------------------------------------------------------
 * Loaders. Everything they allocate is recorded in one block list so that
 * vld_tileset_free() can release it without knowing the layout.
 * ---------------------------------------------------------------------- */

typedef struct {
	void **blocks;
	int count, cap;
	vld_tile *tiles;
	int tile_cap;
	vld_rule *rules;
	int rule_cap;
	const char **subset;
	int subset_cap;
} store;

static void *store_keep(store *st, void *block)
{
	if (!block) return NULL;
	if (st->count == st->cap) {
		int cap = st->cap ? 2 * st->cap : 32;
		void **nb = realloc(st->blocks, (size_t)cap * sizeof *nb);
		if (!nb) {
			free(block);
			return NULL;
		}
		st->blocks = nb;
		st->cap = cap;
	}
	st->blocks[st->count++] = block;
	return block;
}

static char *store_strdup(store *st, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d) memcpy(d, s, n);
	return store_keep(st, d);
}

static void store_free(store *st)
{
	if (!st) return;
	for (int i = 0; i < st->count; i++)
		free(st->blocks[i]);
	free(st->blocks);
	free(st->tiles);
	free(st->rules);
	free(st->subset);
	free(st);
}

/* Grows one of the store's arrays so that index n fits. */
static bool grow(void **arr, int *cap, int n, size_t elem)
{
	if (n < *cap) return true;
	int c = *cap ? 2 * *cap : 16;
	while (c <= n)
		c *= 2;
	void *na = realloc(*arr, (size_t)c * elem);
	if (!na) return false;
	*arr = na;
	*cap = c;
	return true;
}

static void publish(vld_tileset *out, store *st, int tiles, int rules, int subset, bool has_subset)
{
	out->tiles = st->tiles;
	out->tile_count = tiles;
	out->rules = st->rules;
	out->rule_count = rules;
	out->subset = has_subset ? (const char *const *)st->subset : NULL;
	out->subset_count = has_subset ? subset : 0;
	out->owned = st;
}

int vld_tileset_from_spec(vld_tileset *out, const api_spec *s)
{
	memset(out, 0, sizeof *out);
	store *st = calloc(1, sizeof *st);
	if (!st) return -1;
	bool ok = grow((void **)&st->tiles, &st->tile_cap, s->tile_count, sizeof *st->tiles) &&
	          grow((void **)&st->rules, &st->rule_cap, s->neighbor_count, sizeof *st->rules) &&
	          grow((void **)&st->subset, &st->subset_cap, s->subset_count, sizeof *st->subset);
	for (int i = 0; ok && i < s->tile_count; i++) {
		st->tiles[i].name = store_strdup(st, s->tiles[i].name ? s->tiles[i].name : "");
		st->tiles[i].symmetry = s->tiles[i].symmetry;
		ok = st->tiles[i].name != NULL;
	}
	for (int i = 0; ok && i < s->neighbor_count; i++) {
		const api_neighbor *n = &s->neighbors[i];
		char buf[256];
		snprintf(buf, sizeof buf, "%s %d", n->left ? n->left : "", n->left_orientation);
		st->rules[i].left = store_strdup(st, buf);
		snprintf(buf, sizeof buf, "%s %d", n->right ? n->right : "", n->right_orientation);
		st->rules[i].right = store_strdup(st, buf);
		ok = st->rules[i].left && st->rules[i].right;
	}
	for (int i = 0; ok && i < s->subset_count; i++)
		ok = (st->subset[i] = store_strdup(st, s->subset[i] ? s->subset[i] : "")) != NULL;
	if (!ok) {
		store_free(st);
		return -1;
	}
	publish(out, st, s->tile_count, s->neighbor_count, s->subset_count,
	        s->subset != NULL && s->subset_count > 0);
	return 0;
}

/* expat state while reading a tileset. */
typedef struct {
	store *st;
	const char *want_subset;
	int tiles, rules, subset;
	bool in_tiles, in_wanted_subset, found_subset, oom;
} xml_reader;

static const char *attr(const XML_Char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], name) == 0) return atts[i + 1];
	return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	xml_reader *r = ud;
	store *st = r->st;
	if (r->oom) return;
	if (strcmp(el, "tiles") == 0) {
		r->in_tiles = true;
	} else if (strcmp(el, "subset") == 0) {
		const char *n = attr(atts, "name");
		r->in_wanted_subset = r->want_subset && n && strcmp(n, r->want_subset) == 0;
		r->found_subset |= r->in_wanted_subset;
	} else if (strcmp(el, "tile") == 0) {
		const char *n = attr(atts, "name");
		if (!n) return;
		if (r->in_tiles) {
			const char *sym = attr(atts, "symmetry");
			if (!grow((void **)&st->tiles, &st->tile_cap, r->tiles,
			          sizeof *st->tiles) ||
			    !(st->tiles[r->tiles].name = store_strdup(st, n))) {
				r->oom = true;
				return;
			}
			st->tiles[r->tiles++].symmetry = sym && *sym ? sym[0] : 'X';
		} else if (r->in_wanted_subset) {
			if (!grow((void **)&st->subset, &st->subset_cap, r->subset,
			          sizeof *st->subset) ||
			    !(st->subset[r->subset++] = store_strdup(st, n)))
				r->oom = true;
		}
	} else if (strcmp(el, "neighbor") == 0) {
		const char *l = attr(atts, "left"), *rt = attr(atts, "right");
		if (!grow((void **)&st->rules, &st->rule_cap, r->rules, sizeof *st->rules)) {
			r->oom = true;
			return;
		}
		/* A missing side is kept as "" so the check reports the rule. */
		st->rules[r->rules].left = store_strdup(st, l ? l : "");
		st->rules[r->rules].right = store_strdup(st, rt ? rt : "");
		r->oom = !st->rules[r->rules].left || !st->rules[r->rules].right;
		r->rules++;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
	xml_reader *r = ud;
	if (strcmp(el, "tiles") == 0)
		r->in_tiles = false;
	else if (strcmp(el, "subset") == 0)
		r->in_wanted_subset = false;
}

int vld_tileset_load_xml(vld_tileset *out, const char *path, const char *subset, char *why,
                         size_t why_len)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail(why, why_len, "cannot open tileset '%s'", path);
		return -1;
	}
	char *text = malloc(VLD_MAX_XML);
	size_t len = text ? fread(text, 1, VLD_MAX_XML, f) : 0;
	fclose(f);
	store *st = calloc(1, sizeof *st);
	XML_Parser parser = XML_ParserCreate(NULL);
	xml_reader r = {.st = st, .want_subset = subset};
	int rc = -1;
	if (!text || !st || !parser) {
		fail(why, why_len, "out of memory");
		goto done;
	}
	if (len == VLD_MAX_XML) {
		fail(why, why_len, "tileset '%s' is over %u bytes", path, VLD_MAX_XML);
		goto done;
	}
	XML_SetUserData(parser, &r);
	XML_SetElementHandler(parser, on_start, on_end);
	if (XML_Parse(parser, text, (int)len, 1) != XML_STATUS_OK) {
		fail(why, why_len, "tileset '%s', line %lu: %s", path,
		     (unsigned long)XML_GetCurrentLineNumber(parser),
		     XML_ErrorString(XML_GetErrorCode(parser)));
		goto done;
	}
	if (r.oom) {
		fail(why, why_len, "out of memory");
		goto done;
	}
	if (subset && !r.found_subset) {
		fail(why, why_len, "tileset '%s' has no subset '%s'", path, subset);
		goto done;
	}
	publish(out, st, r.tiles, r.rules, r.subset, subset != NULL);
	st = NULL;
	rc = 0;
done:
	if (parser) XML_ParserFree(parser);
	free(text);
	store_free(st);
	return rc;
}

void vld_tileset_free(vld_tileset *ts)
{
	if (!ts) return;
	store_free(ts->owned);
	memset(ts, 0, sizeof *ts);
}
