/*
 * tileset.c - tileset XML (WFC-SPEC.md §9.1, §9.3): tiles, neighbour
 * rules, subsets and the tile bitmaps, into the tiled fields of api_spec.
 *
 * Two phases: the expat walk only collects (tiles, rules, the requested
 * subset), because the reference reads sections by name, whatever their
 * order in the file; then everything is cross-checked, the active tiles'
 * bitmaps are loaded and the spec is filled.
 */
#include "xml.h"

#include "xml_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *name;
	char symmetry;
	double weight;
	bool active; /* in the requested subset (or no subset) */
} raw_tile;

typedef struct {
	char *name[2]; /* left, right */
	int orientation[2];
	int tile[2]; /* index into scan.tiles, set by cross_check */
} raw_rule;

enum section { SEC_NONE, SEC_TILES, SEC_NEIGHBORS, SEC_SUBSETS };

typedef struct {
	const char *set;    /* tileset name for messages */
	const char *subset; /* requested subset, NULL for the whole set */
	bool unique;

	raw_tile *tiles;
	int tile_count, tile_cap;
	raw_rule *rules;
	int rule_count, rule_cap;

	char **members; /* tile names of the requested subset */
	int member_count, member_cap;
	bool subset_found;
	bool in_subset; /* inside the requested <subset> element */
	char seen[200]; /* subset names, for the "no such subset" message */

	enum section section;
} scan;

static void scan_free(scan *s)
{
	for (int i = 0; i < s->tile_count; i++)
		free(s->tiles[i].name);
	free(s->tiles);
	for (int i = 0; i < s->rule_count; i++) {
		free(s->rules[i].name[0]);
		free(s->rules[i].name[1]);
	}
	free(s->rules);
	for (int i = 0; i < s->member_count; i++)
		free(s->members[i]);
	free(s->members);
}

/* Grows *arr (of elem-sized items) so one more fits; false when out of memory. */
static bool grow(void **arr, int *cap, int count, size_t elem)
{
	if (count < *cap) return true;
	int ncap = *cap ? *cap * 2 : 16;
	void *n = realloc(*arr, (size_t)ncap * elem);
	if (!n) return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static int nomem(api_error *err)
{
	return api_fail(err, API_ERR_NOMEM, "out of memory reading a tileset");
}

/* A tile name is a file name and, in rules, the token before the space. */
static int check_tile_name(const scan *s, const char *name, unsigned long line, api_error *err)
{
	const char *why = api_xml_bad_file_name(name);
	for (const char *p = name; !why && *p; p++)
		if (isspace((unsigned char)*p)) why = "it contains a space";
	if (!why && strlen(name) > WFC_MAX_NAME) why = "it is too long";
	if (why)
		return api_fail(err, API_ERR_INPUT,
		                "tileset '%s' line %lu: tile name '%.80s' is not usable: %s",
		                s->set, line, name, why);
	return API_OK;
}

static int on_tile(scan *s, const char **attrs, unsigned long line, api_error *err)
{
	const char *name = api_xml_attr(attrs, "name");
	const char *sym = api_xml_attr(attrs, "symmetry");
	const char *weight = api_xml_attr(attrs, "weight");
	if (!name)
		return api_fail(err, API_ERR_INPUT, "tileset '%s' line %lu: <tile> has no name",
		                s->set, line);
	int rc = check_tile_name(s, name, line, err);
	if (rc != API_OK) return rc;
	if (s->tile_count >= WFC_MAX_TILES)
		return api_fail(err, API_ERR_INPUT, "tileset '%s' has more than %d tiles", s->set,
		                WFC_MAX_TILES);
	raw_tile t = {.symmetry = 'X', .weight = 1.0};
	if (sym) {
		if (strlen(sym) != 1)
			return api_fail(err, API_ERR_INPUT,
			                "tileset '%s' line %lu: tile '%s': symmetry '%.20s' is not "
			                "one character",
			                s->set, line, name, sym);
		/* Unknown letters behave like X in the reference. */
		t.symmetry = api_symmetry_cardinality(sym[0]) ? sym[0] : 'X';
	}
	if (weight) {
		char *end;
		errno = 0;
		t.weight = strtod(weight, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (end == weight || *end || errno == ERANGE || !isfinite(t.weight) ||
		    t.weight <= 0)
			return api_fail(err, API_ERR_INPUT,
			                "tileset '%s' line %lu: tile '%s': weight '%.40s' is not a "
			                "positive number",
			                s->set, line, name, weight);
	}
	if (!grow((void **)&s->tiles, &s->tile_cap, s->tile_count, sizeof *s->tiles) ||
	    !(t.name = strdup(name)))
		return nomem(err);
	s->tiles[s->tile_count++] = t;
	return API_OK;
}

/* "<tile>" or "<tile> <orientation>", separated by any run of spaces. */
static int parse_side(scan *s, const char *attr, const char *text, unsigned long line, char **name,
                      int *orientation, api_error *err)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	const char *name_end = p;
	while (*name_end && *name_end != ' ')
		name_end++;
	const char *o = name_end;
	while (*o == ' ')
		o++;
	const char *o_end = o;
	while (*o_end && *o_end != ' ')
		o_end++;
	const char *rest = o_end;
	while (*rest == ' ')
		rest++;
	*orientation = 0;
	bool ok = name_end > p && !*rest;
	/* Decimal like int.Parse ("01" is 1), and an index into the 8-entry
	 * action row of §9.2. */
	for (const char *d = o; ok && d < o_end; d++) {
		ok = *d >= '0' && *d <= '9';
		*orientation = ok && *orientation < 8 ? *orientation * 10 + (*d - '0') : 8;
	}
	ok = ok && *orientation <= 7;
	if (!ok)
		return api_fail(
		    err, API_ERR_INPUT,
		    "tileset '%s': neighbor rule %d (line %lu): %s='%.80s' is not '<tile>' or "
		    "'<tile> <orientation 0..7>'",
		    s->set, s->rule_count + 1, line, attr, text);
	if (!(*name = strndup(p, (size_t)(name_end - p)))) return nomem(err);
	return API_OK;
}

static int on_neighbor(scan *s, const char **attrs, unsigned long line, api_error *err)
{
	static const char *const sides[2] = {"left", "right"};
	if (s->rule_count >= WFC_MAX_RULES)
		return api_fail(err, API_ERR_INPUT, "tileset '%s' has more than %d neighbor rules",
		                s->set, WFC_MAX_RULES);
	if (!grow((void **)&s->rules, &s->rule_cap, s->rule_count, sizeof *s->rules))
		return nomem(err);
	raw_rule *r = &s->rules[s->rule_count];
	memset(r, 0, sizeof *r);
	for (int k = 0; k < 2; k++) {
		const char *v = api_xml_attr(attrs, sides[k]);
		int rc =
		    v ? parse_side(s, sides[k], v, line, &r->name[k], &r->orientation[k], err)
		      : api_fail(err, API_ERR_INPUT,
		                 "tileset '%s': neighbor rule %d (line %lu) has no %s attribute",
		                 s->set, s->rule_count + 1, line, sides[k]);
		if (rc != API_OK) {
			free(r->name[0]);
			return rc;
		}
	}
	s->rule_count++;
	return API_OK;
}

static int on_subset(scan *s, const char **attrs)
{
	const char *name = api_xml_attr(attrs, "name");
	if (!name) return API_OK;
	size_t used = strlen(s->seen);
	snprintf(s->seen + used, sizeof s->seen - used, "%s'%s'", used ? ", " : "", name);
	/* The first subset of that name wins, as in the reference. */
	if (s->subset && !s->subset_found && strcmp(name, s->subset) == 0) {
		s->subset_found = true;
		s->in_subset = true;
	}
	return API_OK;
}

static int on_member(scan *s, const char **attrs, unsigned long line, api_error *err)
{
	const char *name = api_xml_attr(attrs, "name");
	if (!name)
		return api_fail(err, API_ERR_INPUT,
		                "tileset '%s' line %lu: <tile> in subset '%s' has no name", s->set,
		                line, s->subset);
	for (int i = 0; i < s->member_count; i++)
		if (strcmp(s->members[i], name) == 0)
			return API_OK; /* listed twice: once is enough */
	if (s->member_count >= WFC_MAX_TILES)
		return api_fail(err, API_ERR_INPUT, "tileset '%s': subset '%s' is too long", s->set,
		                s->subset);
	if (!grow((void **)&s->members, &s->member_cap, s->member_count, sizeof *s->members) ||
	    !(s->members[s->member_count] = strdup(name)))
		return nomem(err);
	s->member_count++;
	return API_OK;
}

static int scan_start(void *ctx, int depth, const char *name, const char **attrs,
                      unsigned long line, api_error *err)
{
	scan *s = ctx;
	if (depth == 0) {
		const char *u = api_xml_attr(attrs, "unique");
		if (u && !api_xml_parse_bool(u, &s->unique))
			return api_fail(err, API_ERR_INPUT,
			                "tileset '%s': unique='%.40s' is not True or False", s->set,
			                u);
	} else if (depth == 1) {
		s->section = strcmp(name, "tiles") == 0       ? SEC_TILES
		             : strcmp(name, "neighbors") == 0 ? SEC_NEIGHBORS
		             : strcmp(name, "subsets") == 0   ? SEC_SUBSETS
		                                              : SEC_NONE;
	} else if (depth == 2 && s->section == SEC_TILES && strcmp(name, "tile") == 0) {
		return on_tile(s, attrs, line, err);
	} else if (depth == 2 && s->section == SEC_NEIGHBORS && strcmp(name, "neighbor") == 0) {
		return on_neighbor(s, attrs, line, err);
	} else if (depth == 2 && s->section == SEC_SUBSETS && strcmp(name, "subset") == 0) {
		return on_subset(s, attrs);
	} else if (depth == 3 && s->in_subset && strcmp(name, "tile") == 0) {
		return on_member(s, attrs, line, err);
	}
	return API_OK;
}

static void scan_end(void *ctx, int depth, const char *name)
{
	scan *s = ctx;
	if (depth == 1)
		s->section = SEC_NONE;
	else if (depth == 2)
		s->in_subset = false;
}

/* ---------------------------------------------------------- cross-checks */

static int cmp_tile_names(const void *a, const void *b)
{
	return strcmp((*(const raw_tile *const *)a)->name, (*(const raw_tile *const *)b)->name);
}

/* Tiles sorted by name, so rules (up to WFC_MAX_RULES) look up in log time. */
typedef struct {
	const raw_tile **by_name;
	int count;
} tile_index;

static const raw_tile *find_tile(const tile_index *ix, const char *name)
{
	raw_tile key = {.name = (char *)name};
	const raw_tile *k = &key;
	const raw_tile **hit =
	    bsearch(&k, ix->by_name, (size_t)ix->count, sizeof *ix->by_name, cmp_tile_names);
	return hit ? *hit : NULL;
}

static int cross_check(scan *s, const tile_index *ix, api_error *err)
{
	for (int i = 1; i < ix->count; i++)
		if (strcmp(ix->by_name[i - 1]->name, ix->by_name[i]->name) == 0)
			return api_fail(err, API_ERR_INPUT,
			                "tileset '%s': tile '%s' is defined twice", s->set,
			                ix->by_name[i]->name);
	for (int i = 0; i < s->rule_count; i++) {
		for (int k = 0; k < 2; k++) {
			const raw_tile *t = find_tile(ix, s->rules[i].name[k]);
			if (!t)
				return api_fail(err, API_ERR_INPUT,
				                "tileset '%s': neighbor rule %d: tile '%s' is not "
				                "in the tileset",
				                s->set, i + 1, s->rules[i].name[k]);
			s->rules[i].tile[k] = (int)(t - s->tiles);
		}
	}
	if (s->subset && !s->subset_found)
		return api_fail(err, API_ERR_INPUT, "tileset '%s' has no subset '%s' (it has: %s)",
		                s->set, s->subset, *s->seen ? s->seen : "none");
	for (int i = 0; i < s->tile_count; i++)
		s->tiles[i].active = !s->subset;
	for (int i = 0; i < s->member_count; i++) {
		const raw_tile *t = find_tile(ix, s->members[i]);
		if (!t)
			return api_fail(err, API_ERR_INPUT,
			                "tileset '%s': subset '%s' lists tile '%s', which is not "
			                "in the tileset",
			                s->set, s->subset, s->members[i]);
		s->tiles[t - s->tiles].active = true;
	}
	if (s->subset && s->member_count == 0)
		return api_fail(err, API_ERR_INPUT, "tileset '%s': subset '%s' has no tiles",
		                s->set, s->subset);
	if (!s->subset && s->tile_count == 0)
		return api_fail(err, API_ERR_INPUT, "tileset '%s' has no tiles", s->set);
	return API_OK;
}

/* ------------------------------------------------------------- bitmaps */

/* Loads the bitmaps of tile t (1, or one per variant when unique) and
 * checks that they are square and all of one size. */
static int load_images(const scan *s, const char *tile_dir, api_tile *t, api_spec *out,
                       api_error *err)
{
	int n = s->unique ? api_symmetry_cardinality(t->symmetry) : 1;
	t->images = calloc((size_t)n, sizeof *t->images);
	if (!t->images) return nomem(err);
	for (int k = 0; k < n; k++) {
		char *path = s->unique ? api_xml_strf("%s/%s %d.png", tile_dir, t->name, k)
		                       : api_xml_strf("%s/%s.png", tile_dir, t->name);
		if (!path) return nomem(err);
		api_error inner;
		int rc = api_png_read_file(path, &t->images[k], &inner);
		if (rc != API_OK) {
			free(path);
			return api_fail(err, rc, "tileset '%s': tile '%s': %s", s->set, t->name,
			                inner.message);
		}
		t->image_count = k + 1;
		const api_image *img = &t->images[k];
		if (!out->tile_size) out->tile_size = img->width;
		rc = API_OK;
		if (img->width != img->height)
			rc = api_fail(
			    err, API_ERR_INPUT,
			    "tileset '%s': tile '%s': '%s' is %dx%d, but tiles must be square",
			    s->set, t->name, path, img->width, img->height);
		else if (img->width > WFC_MAX_TILE_SIZE)
			rc = api_fail(
			    err, API_ERR_INPUT,
			    "tileset '%s': tile '%s': '%s' is %dx%d, over the limit of %d pixels",
			    s->set, t->name, path, img->width, img->height, WFC_MAX_TILE_SIZE);
		else if (img->width != out->tile_size)
			rc = api_fail(
			    err, API_ERR_INPUT,
			    "tileset '%s': tile '%s': '%s' is %dx%d, but the first tile is %dx%d",
			    s->set, t->name, path, img->width, img->height, out->tile_size,
			    out->tile_size);
		free(path);
		if (rc != API_OK) return rc;
	}
	return API_OK;
}

/* ------------------------------------------------------------- filling */

static void free_tiled(api_spec *out)
{
	/* api_spec_free's tiled half, leaving the caller's other fields alone. */
	api_spec tmp;
	api_spec_init(&tmp, out->kind);
	tmp.tiles = out->tiles;
	tmp.tile_count = out->tile_count;
	tmp.neighbors = out->neighbors;
	tmp.neighbor_count = out->neighbor_count;
	tmp.subset_name = out->subset_name;
	tmp.subset = out->subset;
	tmp.subset_count = out->subset_count;
	api_spec_free(&tmp);
	out->tiles = NULL;
	out->tile_count = 0;
	out->neighbors = NULL;
	out->neighbor_count = 0;
	out->subset_name = NULL;
	out->subset = NULL;
	out->subset_count = 0;
	out->tile_size = 0;
	out->unique = false;
}

static int fill_spec(scan *s, const char *tile_dir, api_spec *out, api_error *err)
{
	out->unique = s->unique;
	out->tile_size = 0; /* set from the first bitmap */
	out->tiles = calloc((size_t)s->tile_count + 1, sizeof *out->tiles);
	out->neighbors = calloc((size_t)s->rule_count + 1, sizeof *out->neighbors);
	if (!out->tiles || !out->neighbors) return nomem(err);
	/* Tiles outside the subset are never loaded: their bitmaps would
	 * only cost memory. XML order is kept; the engine numbers by it. */
	for (int i = 0; i < s->tile_count; i++) {
		raw_tile *t = &s->tiles[i];
		if (!t->active) continue;
		api_tile *dst = &out->tiles[out->tile_count++];
		dst->symmetry = t->symmetry;
		dst->weight = t->weight;
		dst->name = t->name;
		t->name = NULL; /* ownership moves to the spec */
		int rc = load_images(s, tile_dir, dst, out, err);
		if (rc != API_OK) return rc;
	}
	for (int i = 0; i < s->rule_count; i++) {
		raw_rule *r = &s->rules[i];
		/* Rules touching a tile outside the subset are dropped, as in
		 * the reference. */
		if (!s->tiles[r->tile[0]].active || !s->tiles[r->tile[1]].active) continue;
		api_neighbor *n = &out->neighbors[out->neighbor_count++];
		n->left = r->name[0];
		n->left_orientation = r->orientation[0];
		n->right = r->name[1];
		n->right_orientation = r->orientation[1];
		r->name[0] = r->name[1] = NULL;
	}
	if (s->subset) {
		out->subset_name = strdup(s->subset);
		if (!out->subset_name) return nomem(err);
		out->subset = s->members;
		out->subset_count = s->member_count;
		s->members = NULL;
		s->member_count = 0;
	}
	return API_OK;
}

/* Tileset name for messages: the spec's name, else the tile folder's. */
static const char *set_name(const api_spec *out, const char *tile_dir)
{
	if (out->name) return out->name;
	const char *slash = strrchr(tile_dir, '/');
	return slash && slash[1] ? slash + 1 : tile_dir;
}

int api_xml_load_tileset(const char *xml, size_t len, const char *tile_dir, const char *subset,
                         api_spec *out, api_error *err)
{
	scan s = {.set = set_name(out, tile_dir), .subset = subset};
	char what[128];
	snprintf(what, sizeof what, "tileset '%.100s'", s.set);
	int rc = api_xml_walk(xml, len, what, scan_start, scan_end, &s, err);
	tile_index ix = {0};
	if (rc == API_OK) {
		ix.count = s.tile_count;
		ix.by_name = malloc(((size_t)s.tile_count + 1) * sizeof *ix.by_name);
		if (!ix.by_name) rc = nomem(err);
	}
	if (rc == API_OK) {
		for (int i = 0; i < s.tile_count; i++)
			ix.by_name[i] = &s.tiles[i];
		qsort(ix.by_name, (size_t)ix.count, sizeof *ix.by_name, cmp_tile_names);
		rc = cross_check(&s, &ix, err);
	}
	free(ix.by_name);
	if (rc == API_OK) rc = fill_spec(&s, tile_dir, out, err);
	scan_free(&s);
	if (rc != API_OK) free_tiled(out);
	return rc;
}
