/*
 * json_tiles.c - the tileset part of a JSON spec: "tiles", "neighbors",
 * "subsets" and "subset" (docs/spec-format.md, "Tiled model").
 *
 * Tiles are read first (their images fix the tile size), then indexed by
 * name so that rules and subsets can be checked against the tileset in
 * O(log tiles) each: a spec may hold WFC_MAX_RULES rules.
 */
#include "json_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *name;
	int index;
} name_ref;

typedef struct {
	const char *base_dir;
	api_spec *s;
	api_error *err;
	int tile_size;                    /* 0 until an image or tileSize fixes it */
	char size_from[API_JSON_PTR_MAX]; /* the field that fixed it */
	uint32_t *color;                  /* per tile, ARGB of a "color" tile */
	bool *is_color;
	name_ref *by_name; /* tile_count, sorted by name */
} tileset_reader;

static const char *const tile_keys[] = {"name", "symmetry", "weight", "image", "images", "color"};
static const char *const neighbor_keys[] = {"left", "right", "leftOrientation", "rightOrientation"};

static int nomem(api_error *err)
{
	return api_fail(err, API_ERR_NOMEM, "out of memory reading the tileset");
}

static int cmp_name(const void *a, const void *b)
{
	const name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int find_tile(const tileset_reader *r, const char *name)
{
	name_ref key = {name, 0};
	int lo = 0, hi = r->s->tile_count;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(r->by_name[mid].name, key.name);
		if (c == 0) return r->by_name[mid].index;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int check_tile_name(const char *name, const char *ptr, api_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > WFC_MAX_NAME)
		return api_fail_at(err, API_ERR_INPUT, ptr, "tile names must be 1 to %d bytes long",
		                   WFC_MAX_NAME);
	/* Rules write "<name> <orientation>", so a space would be ambiguous. */
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return api_fail_at(err, API_ERR_INPUT, ptr,
			                   "tile name '%s' may not contain spaces or control "
			                   "characters",
			                   name);
	return API_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* "#rrggbb" (opaque) or "#rrggbbaa", as CSS writes them, to ARGB. */
static int parse_color(const cJSON *v, const char *ptr, uint32_t *argb, api_error *err)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t n = s ? strlen(s) : 0;
	uint32_t rgba = 0;
	bool ok = s && s[0] == '#' && (n == 7 || n == 9);
	for (size_t i = 1; ok && i < n; i++) {
		int h = hexval(s[i]);
		ok = h >= 0;
		rgba = rgba << 4 | (uint32_t)(h & 15);
	}
	if (!ok)
		return api_fail_at(err, API_ERR_INPUT, ptr,
		                   "'color' must be \"#rrggbb\" or \"#rrggbbaa\" (hex digits)");
	*argb = n == 7 ? 0xff000000u | rgba : (rgba >> 8) | (rgba << 24);
	return API_OK;
}

static int check_tile_image(tileset_reader *r, const api_image *img, const char *ptr)
{
	if (img->width != img->height)
		return api_fail_at(r->err, API_ERR_INPUT, ptr,
		                   "tile images must be square; this one is %dx%d", img->width,
		                   img->height);
	if (img->width > WFC_MAX_TILE_SIZE)
		return api_fail_at(
		    r->err, API_ERR_INPUT, ptr,
		    "tile images may be at most %d pixels per side; this one is %dx%d",
		    WFC_MAX_TILE_SIZE, img->width, img->height);
	if (!r->tile_size) {
		r->tile_size = img->width;
		snprintf(r->size_from, sizeof r->size_from, "%s", ptr);
	} else if (img->width != r->tile_size) {
		return api_fail_at(r->err, API_ERR_INPUT, ptr,
		                   "this image is %dx%d, but the tiles are %dx%d (set by %s)",
		                   img->width, img->height, r->tile_size, r->tile_size,
		                   r->size_from);
	}
	return API_OK;
}

/* Exactly one of "image" (shared tileset), "images" (unique tileset, one
 * per orientation) or "color". */
static int parse_tile_pixels(tileset_reader *r, const cJSON *v, const char *ptr, int i)
{
	api_tile *t = &r->s->tiles[i];
	const cJSON *image = cJSON_GetObjectItemCaseSensitive(v, "image");
	const cJSON *images = cJSON_GetObjectItemCaseSensitive(v, "images");
	const cJSON *color = cJSON_GetObjectItemCaseSensitive(v, "color");
	int card = api_symmetry_cardinality(t->symmetry);
	char p[API_JSON_PTR_MAX];
	if (!image && !images && !color)
		return api_fail_at(r->err, API_ERR_INPUT, ptr, "tile '%s' needs %s or 'color'",
		                   t->name,
		                   r->s->unique ? "'images' (one per orientation)" : "'image'");
	if (!!image + !!images + !!color > 1) {
		api_json_ptr_key(p, ptr, color ? "color" : "images");
		return api_fail_at(r->err, API_ERR_INPUT, p,
		                   "give only one of 'image', 'images' and 'color'");
	}
	if (image && r->s->unique) {
		api_json_ptr_key(p, ptr, "image");
		return api_fail_at(r->err, API_ERR_INPUT, p,
		                   "the tileset is unique: give 'images', one per orientation (%d "
		                   "for symmetry class '%c')",
		                   card, t->symmetry);
	}
	if (images && !r->s->unique) {
		api_json_ptr_key(p, ptr, "images");
		return api_fail_at(
		    r->err, API_ERR_INPUT, p,
		    "'images' (one per orientation) needs \"unique\": true; give one "
		    "'image' instead");
	}
	t->image_count = r->s->unique ? card : 1;
	t->images = calloc((size_t)t->image_count, sizeof *t->images);
	if (!t->images) return nomem(r->err);
	if (color) {
		api_json_ptr_key(p, ptr, "color");
		r->is_color[i] = true;
		return parse_color(color, p, &r->color[i], r->err);
	}
	if (image) {
		api_json_ptr_key(p, ptr, "image");
		int rc = api_json_load_image(image, p, r->base_dir, WFC_MAX_TILE_SIZE,
		                             &t->images[0], r->err);
		return rc ? rc : check_tile_image(r, &t->images[0], p);
	}
	char ip[API_JSON_PTR_MAX];
	api_json_ptr_key(ip, ptr, "images");
	if (!cJSON_IsArray(images) || cJSON_GetArraySize(images) != card)
		return api_fail_at(r->err, API_ERR_INPUT, ip,
		                   "'images' must be an array of %d images, one per orientation of "
		                   "symmetry class '%c'",
		                   card, t->symmetry);
	int k = 0;
	for (const cJSON *e = images->child; e; e = e->next, k++) {
		api_json_ptr_index(p, ip, k);
		int rc = api_json_load_image(e, p, r->base_dir, WFC_MAX_TILE_SIZE, &t->images[k],
		                             r->err);
		if (rc || (rc = check_tile_image(r, &t->images[k], p))) return rc;
	}
	return API_OK;
}

static int parse_tile(tileset_reader *r, const cJSON *v, int i)
{
	char ptr[API_JSON_PTR_MAX], p[API_JSON_PTR_MAX];
	api_json_ptr_index(ptr, "/tiles", i);
	if (!cJSON_IsObject(v))
		return api_fail_at(r->err, API_ERR_INPUT, ptr,
		                   "each tile must be an object such as {\"name\": \"corner\", "
		                   "\"symmetry\": \"L\", \"image\": ...}, got %s",
		                   api_json_type_name(v));
	api_tile *t = &r->s->tiles[i];
	const char *name = NULL, *sym = "X";
	int rc = api_json_check_keys(v, ptr, tile_keys, 6, "a tile", r->err);
	if (rc || (rc = api_json_get_string(v, "name", ptr, true, &name, r->err))) return rc;
	api_json_ptr_key(p, ptr, "name");
	if ((rc = check_tile_name(name, p, r->err))) return rc;
	if (!(t->name = strdup(name))) return nomem(r->err);

	if ((rc = api_json_get_string(v, "symmetry", ptr, false, &sym, r->err))) return rc;
	api_json_ptr_key(p, ptr, "symmetry");
	if (strlen(sym) != 1 || !api_symmetry_cardinality(sym[0]))
		return api_fail_at(r->err, API_ERR_INPUT, p,
		                   "unknown symmetry class '%s' (expected X, T, I, L, \\, F)", sym);
	t->symmetry = sym[0];

	t->weight = 1.0;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "weight");
	if (w) {
		api_json_ptr_key(p, ptr, "weight");
		if (!cJSON_IsNumber(w))
			return api_fail_at(r->err, API_ERR_INPUT, p,
			                   "'weight' must be a number > 0, got %s",
			                   api_json_type_name(w));
		if (!isfinite(w->valuedouble) || !(w->valuedouble > 0))
			return api_fail_at(r->err, API_ERR_INPUT, p,
			                   "'weight' must be a finite number > 0, got %g",
			                   w->valuedouble);
		t->weight = w->valuedouble;
	}
	return parse_tile_pixels(r, v, ptr, i);
}

static int parse_tiles(tileset_reader *r, const cJSON *root)
{
	api_spec *s = r->s;
	const cJSON *tiles = cJSON_GetObjectItemCaseSensitive(root, "tiles");
	if (!tiles)
		return api_fail_at(r->err, API_ERR_INPUT, "/tiles",
		                   "missing required field 'tiles'");
	int n = cJSON_IsArray(tiles) ? cJSON_GetArraySize(tiles) : 0;
	if (n < 1 || n > WFC_MAX_TILES)
		return api_fail_at(r->err, API_ERR_INPUT, "/tiles",
		                   "'tiles' must be an array of 1 to %d tiles", WFC_MAX_TILES);
	s->tiles = calloc((size_t)n, sizeof *s->tiles);
	r->color = calloc((size_t)n, sizeof *r->color);
	r->is_color = calloc((size_t)n, sizeof *r->is_color);
	r->by_name = calloc((size_t)n, sizeof *r->by_name);
	if (!s->tiles || !r->color || !r->is_color || !r->by_name) return nomem(r->err);
	s->tile_count = n;
	int i = 0, rc;
	for (const cJSON *e = tiles->child; e; e = e->next, i++)
		if ((rc = parse_tile(r, e, i))) return rc;

	/* Colour tiles are blocks of the tileset's size; colour-only tilesets
	 * have 1-pixel tiles unless "tileSize" says otherwise. */
	s->tile_size = r->tile_size ? r->tile_size : 1;
	size_t px = (size_t)s->tile_size * (size_t)s->tile_size;
	for (i = 0; i < n; i++) {
		for (int k = 0; r->is_color[i] && k < s->tiles[i].image_count; k++) {
			api_image *img = &s->tiles[i].images[k];
			if (!(img->pixels = malloc(px * sizeof *img->pixels))) return nomem(r->err);
			img->width = img->height = s->tile_size;
			for (size_t j = 0; j < px; j++)
				img->pixels[j] = r->color[i];
		}
		r->by_name[i] = (name_ref){s->tiles[i].name, i};
	}
	qsort(r->by_name, (size_t)n, sizeof *r->by_name, cmp_name);
	for (i = 1; i < n; i++) {
		if (strcmp(r->by_name[i - 1].name, r->by_name[i].name) == 0) {
			char p[API_JSON_PTR_MAX], first[API_JSON_PTR_MAX];
			api_json_ptr_index(p, "/tiles", r->by_name[i].index);
			api_json_ptr_key(p, p, "name");
			api_json_ptr_index(first, "/tiles", r->by_name[i - 1].index);
			return api_fail_at(r->err, API_ERR_INPUT, p,
			                   "duplicate tile name '%s' (first defined at %s)",
			                   r->by_name[i].name, first);
		}
	}
	return API_OK;
}

/* One side of a rule: "tile" or "tile k" in `key`, or "tile" plus an
 * orientation in `okey`. */
static int parse_side(const tileset_reader *r, const cJSON *v, const char *ptr, const char *key,
                      const char *okey, char **name, int *orientation)
{
	char p[API_JSON_PTR_MAX];
	const char *text = NULL;
	int rc = api_json_get_string(v, key, ptr, true, &text, r->err);
	if (rc) return rc;
	api_json_ptr_key(p, ptr, key);
	const char *space = strchr(text, ' ');
	size_t len = space ? (size_t)(space - text) : strlen(text);
	*orientation = 0;
	if (space) {
		const char *o = space + 1;
		if (o[0] < '0' || o[0] > '9' || o[1] != '\0')
			return api_fail_at(
			    r->err, API_ERR_INPUT, p,
			    "'%s' is not \"<tile>\" or \"<tile> <orientation 0..7>\"", text);
		if (o[0] > '7')
			return api_fail_at(r->err, API_ERR_INPUT, p,
			                   "orientation %c is out of range 0..7", o[0]);
		*orientation = o[0] - '0';
		if (cJSON_GetObjectItemCaseSensitive(v, okey)) {
			api_json_ptr_key(p, ptr, okey);
			return api_fail_at(
			    r->err, API_ERR_INPUT, p,
			    "the orientation is already given in '%s' (\"%s\"); give "
			    "it in one place",
			    key, text);
		}
	} else if ((rc = api_json_get_int(v, okey, ptr, 0, 7, orientation, r->err))) {
		return rc;
	}
	if (!(*name = strndup(text, len))) return nomem(r->err);
	if (find_tile(r, *name) < 0)
		return api_fail_at(r->err, API_ERR_INPUT, p, "tile '%s' is not in the tileset",
		                   *name);
	return API_OK;
}

static int parse_neighbors(tileset_reader *r, const cJSON *root)
{
	api_spec *s = r->s;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "neighbors");
	if (!rules)
		return api_fail_at(r->err, API_ERR_INPUT, "/neighbors",
		                   "missing required field 'neighbors' (rules such as {\"left\": "
		                   "\"corner 1\", \"right\": \"empty\"})");
	int n = cJSON_IsArray(rules) ? cJSON_GetArraySize(rules) : -1;
	if (n < 0 || n > WFC_MAX_RULES)
		return api_fail_at(r->err, API_ERR_INPUT, "/neighbors",
		                   "'neighbors' must be an array of at most %d rules",
		                   WFC_MAX_RULES);
	if (n && !(s->neighbors = calloc((size_t)n, sizeof *s->neighbors))) return nomem(r->err);
	s->neighbor_count = n;
	int i = 0, rc;
	for (const cJSON *e = rules->child; e; e = e->next, i++) {
		char ptr[API_JSON_PTR_MAX];
		api_json_ptr_index(ptr, "/neighbors", i);
		api_neighbor *nb = &s->neighbors[i];
		if (!cJSON_IsObject(e))
			return api_fail_at(r->err, API_ERR_INPUT, ptr,
			                   "each rule must be an object such as {\"left\": "
			                   "\"corner 1\", \"right\": \"empty\"}, got %s",
			                   api_json_type_name(e));
		if ((rc = api_json_check_keys(e, ptr, neighbor_keys, 4, "a neighbor rule",
		                              r->err)) ||
		    (rc = parse_side(r, e, ptr, "left", "leftOrientation", &nb->left,
		                     &nb->left_orientation)) ||
		    (rc = parse_side(r, e, ptr, "right", "rightOrientation", &nb->right,
		                     &nb->right_orientation)))
			return rc;
	}
	return API_OK;
}

/* Checks every subset (selected or not) and resolves the selected one. */
static int parse_subsets(tileset_reader *r, const cJSON *root)
{
	api_spec *s = r->s;
	const cJSON *subsets = cJSON_GetObjectItemCaseSensitive(root, "subsets");
	const char *chosen = NULL;
	int rc = api_json_get_string(root, "subset", "", false, &chosen, r->err);
	if (rc) return rc;
	if (subsets && !cJSON_IsObject(subsets))
		return api_fail_at(r->err, API_ERR_INPUT, "/subsets",
		                   "'subsets' must be an object mapping subset names to tile "
		                   "lists, got %s",
		                   api_json_type_name(subsets));
	int count = subsets ? cJSON_GetArraySize(subsets) : 0;
	if (count > API_JSON_MAX_SUBSETS)
		return api_fail_at(r->err, API_ERR_INPUT, "/subsets",
		                   "'subsets' may hold at most %d subsets", API_JSON_MAX_SUBSETS);
	int *seen = calloc((size_t)s->tile_count, sizeof *seen);
	if (!seen) return nomem(r->err);
	int stamp = 0;
	for (const cJSON *e = subsets ? subsets->child : NULL; e && !rc; e = e->next) {
		char ptr[API_JSON_PTR_MAX], p[API_JSON_PTR_MAX];
		api_json_ptr_key(ptr, "/subsets", e->string);
		stamp++;
		for (const cJSON *d = subsets->child; d != e && !rc; d = d->next)
			if (strcmp(d->string, e->string) == 0)
				rc = api_fail_at(r->err, API_ERR_INPUT, ptr,
				                 "subset '%s' is given twice", e->string);
		if (rc) break;
		if (!e->string[0]) {
			rc = api_fail_at(r->err, API_ERR_INPUT, ptr,
			                 "subset names may not be empty");
			break;
		}
		if (!cJSON_IsArray(e) || !e->child) {
			rc = api_fail_at(r->err, API_ERR_INPUT, ptr,
			                 "a subset must be a non-empty array of tile names");
			break;
		}
		int k = 0;
		for (const cJSON *t = e->child; t && !rc; t = t->next, k++) {
			api_json_ptr_index(p, ptr, k);
			int idx = cJSON_IsString(t) ? find_tile(r, t->valuestring) : -2;
			if (idx == -2)
				rc = api_fail_at(r->err, API_ERR_INPUT, p,
				                 "subset entries must be tile names (strings), "
				                 "got %s",
				                 api_json_type_name(t));
			else if (idx < 0)
				rc = api_fail_at(r->err, API_ERR_INPUT, p,
				                 "tile '%s' is not in the tileset", t->valuestring);
			else if (seen[idx] == stamp)
				rc = api_fail_at(r->err, API_ERR_INPUT, p,
				                 "tile '%s' is listed twice in subset '%s'",
				                 t->valuestring, e->string);
			else
				seen[idx] = stamp;
		}
	}
	free(seen);
	if (rc || !chosen) return rc;

	const cJSON *list = subsets ? cJSON_GetObjectItemCaseSensitive(subsets, chosen) : NULL;
	if (!list)
		return api_fail_at(r->err, API_ERR_INPUT, "/subset",
		                   subsets ? "unknown subset '%s': it is not a key of 'subsets'"
		                           : "unknown subset '%s': the spec has no 'subsets'",
		                   chosen);
	int n = cJSON_GetArraySize(list);
	if (!(s->subset_name = strdup(chosen)) || !(s->subset = calloc((size_t)n, sizeof(char *))))
		return nomem(r->err);
	s->subset_count = n;
	int k = 0;
	for (const cJSON *t = list->child; t; t = t->next, k++)
		if (!(s->subset[k] = strdup(t->valuestring))) return nomem(r->err);
	return API_OK;
}

int api_json_parse_tiled(const cJSON *root, const char *base_dir, api_spec *s, api_error *err)
{
	tileset_reader r = {.base_dir = base_dir, .s = s, .err = err};
	int rc;
	if ((rc = api_json_get_bool(root, "unique", "", &s->unique, err)) ||
	    (rc = api_json_get_bool(root, "blackBackground", "", &s->black_background, err)) ||
	    (rc = api_json_get_bool(root, "textOutput", "", &s->text_output, err)) ||
	    (rc = api_json_get_int(root, "tileSize", "", 1, WFC_MAX_TILE_SIZE, &r.tile_size, err)))
		return rc;
	if (r.tile_size) snprintf(r.size_from, sizeof r.size_from, "/tileSize");
	if (!(rc = parse_tiles(&r, root)) && !(rc = parse_neighbors(&r, root)))
		rc = parse_subsets(&r, root);
	free(r.color);
	free(r.is_color);
	free(r.by_name);
	return rc;
}
