/*
 * json_emit.c - api_spec -> JSON (api_spec_to_json).
 *
 * The output is the canonical form of docs/spec-format.md: self-contained
 * (every image inline as a PNG data URI), every field written explicitly
 * even when it holds the default (the document then records exactly what
 * was run), rules as {"left": "corner 1", "right": "empty"} with the
 * orientation left out when it is 0, and the selected subset as "subset"
 * plus a one-entry "subsets". Reading it back with api_spec_from_json gives
 * the same spec field by field and pixel by pixel (tests/test_json_spec.c).
 */
#include "json_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *heuristic_name(wfc_heuristic h)
{
	switch (h) {
	case WFC_HEURISTIC_MRV:
		return "mrv";
	case WFC_HEURISTIC_SCANLINE:
		return "scanline";
	default:
		return "entropy";
	}
}

/* "data:image/png;base64,<RGBA PNG>" as a new cJSON string. */
static cJSON *image_item(const api_image *img, api_error *err)
{
	unsigned char *png = NULL;
	size_t size = 0;
	if (!img->pixels) {
		api_fail(err, API_ERR_INPUT, "the spec has an image without pixels");
		return NULL;
	}
	if (api_png_encode(img->pixels, img->width, img->height, &png, &size, err)) return NULL;
	char *b64 = api_base64_encode(png, size);
	free(png);
	size_t prefix = strlen("data:image/png;base64,");
	char *uri = b64 ? malloc(prefix + strlen(b64) + 1) : NULL;
	cJSON *item = NULL;
	if (uri) {
		memcpy(uri, "data:image/png;base64,", prefix);
		strcpy(uri + prefix, b64);
		item = cJSON_CreateString(uri);
	}
	free(b64);
	free(uri);
	if (!item) api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
	return item;
}

/* cJSON's Add* return NULL on failure; a NULL anywhere makes the whole
 * emission fail, checked once per object through `ok`. */
static void add_int(cJSON *o, const char *key, int v, bool *ok)
{
	*ok = *ok && cJSON_AddNumberToObject(o, key, v);
}

static void add_bool(cJSON *o, const char *key, bool v, bool *ok)
{
	*ok = *ok && cJSON_AddBoolToObject(o, key, v);
}

static void add_string(cJSON *o, const char *key, const char *v, bool *ok)
{
	*ok = *ok && cJSON_AddStringToObject(o, key, v);
}

static void add_item(cJSON *o, const char *key, cJSON *item, bool *ok)
{
	if (!item || !*ok || !cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		*ok = false;
	}
}

/* "tile" for orientation 0, else "tile k", as the reference tilesets
 * write their rules. */
static void add_side(cJSON *o, const char *key, const char *name, int orientation, bool *ok)
{
	char buf[WFC_MAX_NAME + 16];
	if (orientation)
		snprintf(buf, sizeof buf, "%s %d", name ? name : "", orientation);
	else
		snprintf(buf, sizeof buf, "%s", name ? name : "");
	add_string(o, key, buf, ok);
}

static cJSON *tile_item(const api_spec *s, const api_tile *t, api_error *err)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	char sym[2] = {t->symmetry, '\0'};
	add_string(o, "name", t->name ? t->name : "", &ok);
	add_string(o, "symmetry", sym, &ok);
	ok = ok && cJSON_AddNumberToObject(o, "weight", t->weight);
	if (ok && s->unique) {
		cJSON *arr = cJSON_CreateArray();
		ok = arr != NULL;
		for (int k = 0; ok && k < t->image_count; k++) {
			cJSON *img = image_item(&t->images[k], err);
			ok = img && cJSON_AddItemToArray(arr, img);
			if (!ok) {
				cJSON_Delete(img);
				cJSON_Delete(arr);
				cJSON_Delete(o);
				return NULL;
			}
		}
		add_item(o, "images", arr, &ok);
	} else if (ok && t->image_count > 0) {
		cJSON *img = image_item(&t->images[0], err);
		if (!img) {
			cJSON_Delete(o);
			return NULL;
		}
		add_item(o, "image", img, &ok);
	}
	if (!ok) {
		cJSON_Delete(o);
		api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
		return NULL;
	}
	return o;
}

static bool emit_tiled(cJSON *root, const api_spec *s, api_error *err)
{
	bool ok = true;
	add_bool(root, "unique", s->unique, &ok);
	add_int(root, "tileSize", s->tile_size, &ok);
	if (s->subset_name) {
		cJSON *subsets = cJSON_CreateObject();
		cJSON *list = cJSON_CreateArray();
		for (int i = 0; list && i < s->subset_count; i++) {
			cJSON *name = cJSON_CreateString(s->subset[i]);
			if (!name || !cJSON_AddItemToArray(list, name)) {
				cJSON_Delete(name);
				cJSON_Delete(list);
				list = NULL;
			}
		}
		add_string(root, "subset", s->subset_name, &ok);
		add_item(subsets, s->subset_name, list, &ok);
		add_item(root, "subsets", subsets, &ok);
	}
	add_bool(root, "blackBackground", s->black_background, &ok);
	add_bool(root, "textOutput", s->text_output, &ok);

	cJSON *tiles = cJSON_CreateArray();
	add_item(root, "tiles", tiles, &ok);
	for (int i = 0; ok && i < s->tile_count; i++) {
		cJSON *t = tile_item(s, &s->tiles[i], err);
		if (!t) return false; /* err already says why */
		ok = cJSON_AddItemToArray(tiles, t);
		if (!ok) cJSON_Delete(t);
	}
	cJSON *rules = cJSON_CreateArray();
	add_item(root, "neighbors", rules, &ok);
	for (int i = 0; ok && i < s->neighbor_count; i++) {
		const api_neighbor *nb = &s->neighbors[i];
		cJSON *r = cJSON_CreateObject();
		ok = r != NULL;
		add_side(r, "left", nb->left, nb->left_orientation, &ok);
		add_side(r, "right", nb->right, nb->right_orientation, &ok);
		if (ok) ok = cJSON_AddItemToArray(rules, r);
		if (!ok) cJSON_Delete(r);
	}
	if (!ok) api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
	return ok;
}

static bool emit_overlapping(cJSON *root, const api_spec *s, api_error *err)
{
	bool ok = true;
	add_int(root, "N", s->N, &ok);
	add_bool(root, "periodicInput", s->periodic_input, &ok);
	add_int(root, "symmetry", s->symmetry, &ok);
	add_bool(root, "ground", s->ground, &ok);
	if (!ok) {
		api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
		return false;
	}
	/* Last, so that the readable options come before a long string. */
	cJSON *img = image_item(&s->sample, err);
	if (!img) return false;
	add_item(root, "sample", img, &ok);
	if (!ok) api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
	return ok;
}

typedef struct {
	char *buf;
	size_t len, cap;
	bool failed;
} text_buf;

static void put(text_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->failed) return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nbuf = realloc(b->buf, cap);
		if (!nbuf) {
			b->failed = true;
			return;
		}
		b->buf = nbuf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

static void put_compact(text_buf *b, const cJSON *item)
{
	char *text = cJSON_PrintUnformatted(item);
	if (!text)
		b->failed = true;
	else
		put(b, text);
	free(text);
}

/* One field per line and one tile or rule per line: cJSON's own pretty
 * printer spreads every rule over four lines, which buries the tileset's
 * structure. Top-level keys are the format's own (plain ASCII), so they
 * need no escaping; everything else goes through cJSON. */
static char *layout(const cJSON *root)
{
	text_buf b = {0};
	put(&b, "{\n");
	for (const cJSON *c = root->child; c; c = c->next) {
		put(&b, "\t\"");
		put(&b, c->string);
		put(&b, "\": ");
		if (cJSON_IsArray(c) && c->child && cJSON_IsObject(c->child)) {
			put(&b, "[\n");
			for (const cJSON *e = c->child; e; e = e->next) {
				put(&b, "\t\t");
				put_compact(&b, e);
				put(&b, e->next ? ",\n" : "\n");
			}
			put(&b, "\t]");
		} else {
			put_compact(&b, c);
		}
		put(&b, c->next ? ",\n" : "\n");
	}
	put(&b, "}");
	if (b.failed) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}

char *api_spec_to_json(const api_spec *s, api_error *err)
{
	cJSON *root = cJSON_CreateObject();
	bool ok = root != NULL;
	bool tiled = s->kind == WFC_MODEL_TILED;
	add_string(root, "model", tiled ? "tiled" : "overlapping", &ok);
	if (s->name) add_string(root, "name", s->name, &ok);
	add_int(root, "width", s->width, &ok);
	add_int(root, "height", s->height, &ok);
	add_bool(root, "periodic", s->periodic, &ok);
	add_string(root, "heuristic", heuristic_name(s->heuristic), &ok);
	if (s->has_seed)
		add_int(root, "seed", s->seed, &ok);
	else
		ok = ok && cJSON_AddNullToObject(root, "seed");
	add_int(root, "screenshots", s->screenshots, &ok);
	add_int(root, "limit", s->limit, &ok);
	add_int(root, "attempts", s->attempts, &ok);
	if (ok && s->neural) {
		cJSON *n = cJSON_Parse(s->neural);
		ok = n && cJSON_AddItemToObject(root, "neural", n);
		if (!ok) cJSON_Delete(n);
	}
	if (!ok) {
		cJSON_Delete(root);
		api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
		return NULL;
	}
	ok = tiled ? emit_tiled(root, s, err) : emit_overlapping(root, s, err);
	char *text = ok ? layout(root) : NULL;
	cJSON_Delete(root);
	if (ok && !text) api_fail(err, API_ERR_NOMEM, "out of memory writing the spec as JSON");
	return text;
}
