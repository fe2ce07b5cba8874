/*
 * json_spec.c - JSON spec -> api_spec: parsing and strict validation.
 *
 * The format is described in docs/spec-format.md. Every error names the
 * field at fault with an RFC 6901 pointer (api_error.pointer) and says what
 * was expected; the message itself does not repeat the pointer, so front
 * ends show "<pointer>: <message>". Unknown fields are errors, so a typo
 * ("widht") never silently falls back to a default.
 *
 * The tileset part (tiles, neighbors, subsets) lives in json_tiles.c; the
 * helpers both files share are declared in json_internal.h. Emission is in
 * json_emit.c.
 */
#include "json_internal.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* cJSON records the position of the last parse error in a global, written on
 * every parse; serialising parses keeps concurrent server threads from racing
 * on it. Parsing is a small part of a request, so the lock costs little. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

/* Bare base64 of any PNG starts with the encoded signature; this is how an
 * inline image is told apart from a file path without a "data:" prefix. */
#define PNG_BASE64_MAGIC "iVBORw0KGgo"
#define PNG_DATA_URI "data:image/png;base64,"

static const char *const common_keys[] = {"model",       "name",     "size",      "width",
                                          "height",      "periodic", "heuristic", "seed",
                                          "screenshots", "limit",    "attempts", "neural"};
static const char *const overlapping_keys[] = {"sample", "N", "periodicInput", "symmetry",
                                               "ground"};
static const char *const tiled_keys[] = {"unique", "tileSize", "tiles",           "neighbors",
                                         "subset", "subsets",  "blackBackground", "textOutput"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

void api_json_ptr_key(char dst[API_JSON_PTR_MAX], const char *parent, const char *key)
{
	size_t n = strnlen(parent, API_JSON_PTR_MAX - 1);
	memmove(dst, parent, n);
	if (n < API_JSON_PTR_MAX - 1) dst[n++] = '/';
	/* RFC 6901: '~' and '/' inside a key are written "~0" and "~1". */
	for (const char *k = key; *k && n < API_JSON_PTR_MAX - 2; k++) {
		if (*k == '~' || *k == '/') {
			dst[n++] = '~';
			dst[n++] = *k == '~' ? '0' : '1';
		} else {
			dst[n++] = *k;
		}
	}
	dst[n] = '\0';
}

void api_json_ptr_index(char dst[API_JSON_PTR_MAX], const char *parent, int index)
{
	char digits[16];
	snprintf(digits, sizeof digits, "%d", index);
	api_json_ptr_key(dst, parent, digits);
}

const char *api_json_type_name(const cJSON *item)
{
	if (cJSON_IsString(item)) return "a string";
	if (cJSON_IsNumber(item)) return "a number";
	if (cJSON_IsBool(item)) return "a boolean";
	if (cJSON_IsNull(item)) return "null";
	if (cJSON_IsArray(item)) return "an array";
	if (cJSON_IsObject(item)) return "an object";
	return "an unknown value";
}

/* Levenshtein distance, capped: only used to suggest a field name. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32) return 99;
	int row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int sub = diag + (tolower((unsigned char)a[i - 1]) !=
			                  tolower((unsigned char)b[j - 1]));
			int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[lb];
}

static bool in_list(const char *key, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0) return true;
	return false;
}

static const char *suggest(const char *key, const char *const *list, int n)
{
	const char *best = NULL;
	int best_d = 3; /* farther than 2 edits is a different word */
	for (int i = 0; i < n; i++) {
		int d = edit_distance(key, list[i]);
		if (d < best_d) {
			best_d = d;
			best = list[i];
		}
	}
	return best;
}

int api_json_check_keys(const cJSON *obj, const char *ptr, const char *const *keys, int nkeys,
                        const char *what, api_error *err)
{
	char p[API_JSON_PTR_MAX];
	for (const cJSON *c = obj->child; c; c = c->next) {
		api_json_ptr_key(p, ptr, c->string);
		for (const cJSON *d = obj->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0)
				return api_fail_at(err, API_ERR_INPUT, p,
				                   "field '%s' is given twice", c->string);
		if (in_list(c->string, keys, nkeys)) continue;
		const char *s = suggest(c->string, keys, nkeys);
		if (s)
			return api_fail_at(err, API_ERR_INPUT, p,
			                   "unknown field '%s' in %s (did you mean '%s'?)",
			                   c->string, what, s);
		return api_fail_at(err, API_ERR_INPUT, p, "unknown field '%s' in %s", c->string,
		                   what);
	}
	return API_OK;
}

int api_json_get_int(const cJSON *obj, const char *key, const char *ptr, long min, long max,
                     int *out, api_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) return API_OK;
	char p[API_JSON_PTR_MAX];
	api_json_ptr_key(p, ptr, key);
	if (!cJSON_IsNumber(v))
		return api_fail_at(err, API_ERR_INPUT, p,
		                   "'%s' must be an integer from %ld to %ld, got %s", key, min, max,
		                   api_json_type_name(v));
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return api_fail_at(err, API_ERR_INPUT, p, "'%s' must be an integer, got %g", key,
		                   d);
	if (d < (double)min || d > (double)max)
		return api_fail_at(err, API_ERR_INPUT, p, "'%s' must be from %ld to %ld, got %.*g",
		                   key, min, max, fabs(d) < 1e15 ? 15 : 6, d);
	*out = (int)d;
	return API_OK;
}

int api_json_get_bool(const cJSON *obj, const char *key, const char *ptr, bool *out, api_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) return API_OK;
	if (!cJSON_IsBool(v)) {
		char p[API_JSON_PTR_MAX];
		api_json_ptr_key(p, ptr, key);
		return api_fail_at(err, API_ERR_INPUT, p, "'%s' must be true or false, got %s", key,
		                   api_json_type_name(v));
	}
	*out = cJSON_IsTrue(v);
	return API_OK;
}

int api_json_get_string(const cJSON *obj, const char *key, const char *ptr, bool required,
                        const char **out, api_error *err)
{
	char p[API_JSON_PTR_MAX];
	api_json_ptr_key(p, ptr, key);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return api_fail_at(err, API_ERR_INPUT, p, "missing required field '%s'",
			                   key);
		return API_OK;
	}
	if (!cJSON_IsString(v))
		return api_fail_at(err, API_ERR_INPUT, p, "'%s' must be a string, got %s", key,
		                   api_json_type_name(v));
	*out = v->valuestring;
	return API_OK;
}

/* Re-attributes an error reported by a lower layer (PNG decoder, file
 * reader) to the JSON field that supplied its input. */
static int at(api_error *err, int rc, const char *ptr)
{
	if (err) snprintf(err->pointer, sizeof err->pointer, "%s", ptr);
	return rc;
}

static int decode_inline(const char *text, const char *ptr, int max_side, api_image *out,
                         api_error *err)
{
	if (strncasecmp(text, "data:", 5) == 0 &&
	    strncasecmp(text, PNG_DATA_URI, strlen(PNG_DATA_URI)) != 0) {
		const char *comma = strchr(text, ',');
		int shown = comma ? (int)(comma - text) : 40;
		return api_fail_at(err, API_ERR_INPUT, ptr,
		                   "unsupported data URI '%.*s': only data:image/png;base64,... "
		                   "images are accepted",
		                   shown > 40 ? 40 : shown, text);
	}
	/* The prefix was matched case-insensitively; the decoder sees only the
	 * payload (bare base64 has no prefix to skip). */
	if (strncasecmp(text, PNG_DATA_URI, strlen(PNG_DATA_URI)) == 0)
		text += strlen(PNG_DATA_URI);
	size_t size = 0;
	unsigned char *bytes = api_base64_decode(text, strlen(text), &size);
	if (!bytes)
		return api_fail_at(
		    err, API_ERR_INPUT, ptr,
		    "the image is not valid base64 (standard alphabet, '=' padding)");
	int rc = api_png_decode_max(bytes, size, max_side, out, err);
	free(bytes);
	return rc ? at(err, rc, ptr) : API_OK;
}

static int read_path(const char *path, const char *ptr, const char *base_dir, api_image *out,
                     api_error *err)
{
	if (!base_dir)
		return api_fail_at(err, API_ERR_INPUT, ptr,
		                   "file paths are not accepted here; inline the image as base64 "
		                   "PNG (\"data:image/png;base64,...\")");
	if (!*path) return api_fail_at(err, API_ERR_INPUT, ptr, "the image path is empty");
	/* Paths are the CLI user's own, so any path (absolute, with "..") is
	 * allowed; only the service refuses paths altogether (base_dir NULL). */
	char full[4096];
	int n = path[0] == '/' || !*base_dir ? snprintf(full, sizeof full, "%s", path)
	                                     : snprintf(full, sizeof full, "%s/%s", base_dir, path);
	if (n < 0 || (size_t)n >= sizeof full)
		return api_fail_at(err, API_ERR_INPUT, ptr, "the image path is too long");
	int rc = api_png_read_file(full, out, err);
	return rc ? at(err, rc, ptr) : API_OK;
}

int api_json_load_image(const cJSON *v, const char *ptr, const char *base_dir, int max_side,
                        api_image *out, api_error *err)
{
	if (cJSON_IsObject(v)) {
		static const char *const keys[] = {"path"};
		const char *path = NULL;
		char p[API_JSON_PTR_MAX];
		api_json_ptr_key(p, ptr, "path");
		int rc = api_json_check_keys(v, ptr, keys, 1, "an image reference", err);
		if (!rc) rc = api_json_get_string(v, "path", ptr, true, &path, err);
		return rc ? rc : read_path(path, p, base_dir, out, err);
	}
	if (!cJSON_IsString(v))
		return api_fail_at(err, API_ERR_INPUT, ptr,
		                   "an image must be a base64 PNG string "
		                   "(\"data:image/png;base64,...\") or {\"path\": \"...\"}, got %s",
		                   api_json_type_name(v));
	const char *s = v->valuestring;
	if (strncasecmp(s, "data:", 5) == 0 || strncmp(s, PNG_BASE64_MAGIC, 11) == 0)
		return decode_inline(s, ptr, max_side, out, err);
	return read_path(s, ptr, base_dir, out, err);
}

/* The name ends up in output file names ("<name>-<seed>.png"), so it may not
 * leave the output directory or hide as a dot file. */
static int check_name(const char *name, const char *ptr, api_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > API_JSON_MAX_NAME)
		return api_fail_at(err, API_ERR_INPUT, ptr, "'name' must be 1 to %d bytes long",
		                   API_JSON_MAX_NAME);
	if (name[0] == '.')
		return api_fail_at(err, API_ERR_INPUT, ptr, "'name' may not start with '.'");
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '/' || *c == '\\')
			return api_fail_at(err, API_ERR_INPUT, ptr,
			                   "'name' may not contain '/', '\\' or control "
			                   "characters (it names output files)");
	return API_OK;
}

static int parse_heuristic(const cJSON *root, api_spec *s, api_error *err)
{
	const char *h = NULL;
	int rc = api_json_get_string(root, "heuristic", "", false, &h, err);
	if (rc || !h) return rc;
	if (strcasecmp(h, "entropy") == 0)
		s->heuristic = WFC_HEURISTIC_ENTROPY;
	else if (strcasecmp(h, "mrv") == 0)
		s->heuristic = WFC_HEURISTIC_MRV;
	else if (strcasecmp(h, "scanline") == 0)
		s->heuristic = WFC_HEURISTIC_SCANLINE;
	else
		return api_fail_at(err, API_ERR_INPUT, "/heuristic",
		                   "unknown heuristic '%s' (expected \"entropy\", \"mrv\" or "
		                   "\"scanline\")",
		                   h);
	return API_OK;
}

static int parse_seed(const cJSON *root, api_spec *s, api_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "seed");
	if (!v || cJSON_IsNull(v)) {
		s->has_seed = false;
		return API_OK;
	}
	int seed = 0;
	int rc = api_json_get_int(root, "seed", "", INT32_MIN, INT32_MAX, &seed, err);
	if (rc) return rc;
	s->has_seed = true;
	s->seed = seed;
	return API_OK;
}

static int parse_common(const cJSON *root, api_spec *s, api_error *err)
{
	const char *name = NULL;
	int rc = api_json_get_string(root, "name", "", false, &name, err);
	if (!rc && name) rc = check_name(name, "/name", err);
	if (rc) return rc;
	s->name = strdup(name ? name : API_JSON_DEFAULT_NAME);
	if (!s->name) return api_fail(err, API_ERR_NOMEM, "out of memory reading the spec");

	int size = s->width;
	if ((rc = api_json_get_int(root, "size", "", 1, WFC_MAX_SIDE, &size, err))) return rc;
	s->width = s->height = size;
	if ((rc = api_json_get_int(root, "width", "", 1, WFC_MAX_SIDE, &s->width, err)) ||
	    (rc = api_json_get_int(root, "height", "", 1, WFC_MAX_SIDE, &s->height, err)))
		return rc;
	if ((long long)s->width * s->height > WFC_MAX_CELLS)
		return api_fail_at(
		    err, API_ERR_INPUT,
		    cJSON_GetObjectItemCaseSensitive(root, "width") ? "/width" : "/size",
		    "the output is %dx%d = %lld cells, over the limit of %d", s->width, s->height,
		    (long long)s->width * s->height, WFC_MAX_CELLS);
	if ((rc = api_json_get_bool(root, "periodic", "", &s->periodic, err)) ||
	    (rc = parse_heuristic(root, s, err)) || (rc = parse_seed(root, s, err)) ||
	    (rc = api_json_get_int(root, "screenshots", "", 0, API_MAX_SCREENSHOTS, &s->screenshots,
	                           err)) ||
	    (rc = api_json_get_int(root, "limit", "", -1, INT_MAX, &s->limit, err)) ||
	    (rc = api_json_get_int(root, "attempts", "", 1, API_MAX_ATTEMPTS, &s->attempts, err)))
		return rc;
	return API_OK;
}

static int parse_overlapping(const cJSON *root, const char *base_dir, api_spec *s, api_error *err)
{
	int rc;
	if ((rc = api_json_get_int(root, "N", "", 1, WFC_MAX_N, &s->N, err)) ||
	    (rc = api_json_get_bool(root, "periodicInput", "", &s->periodic_input, err)) ||
	    (rc = api_json_get_int(root, "symmetry", "", 1, 8, &s->symmetry, err)) ||
	    (rc = api_json_get_bool(root, "ground", "", &s->ground, err)))
		return rc;
	const cJSON *sample = cJSON_GetObjectItemCaseSensitive(root, "sample");
	if (!sample)
		return api_fail_at(err, API_ERR_INPUT, "/sample",
		                   "missing required field 'sample' (the overlapping model learns "
		                   "from a sample image)");
	if ((rc = api_json_load_image(sample, "/sample", base_dir, WFC_MAX_SAMPLE_SIDE, &s->sample,
	                              err)))
		return rc;
	const api_image *img = &s->sample;
	if (img->width > WFC_MAX_SAMPLE_SIDE || img->height > WFC_MAX_SAMPLE_SIDE)
		return api_fail_at(err, API_ERR_INPUT, "/sample",
		                   "the sample is %dx%d; samples may be at most %d pixels per side",
		                   img->width, img->height, WFC_MAX_SAMPLE_SIDE);
	if (!s->periodic_input && (s->N > img->width || s->N > img->height))
		return api_fail_at(err, API_ERR_INPUT, "/N",
		                   "N = %d does not fit the %dx%d sample; without periodicInput "
		                   "every N x N pattern must lie inside it",
		                   s->N, img->width, img->height);
	return API_OK;
}

/* Line, column and a printable excerpt of where parsing stopped. cJSON
 * reports the last byte when the document ends early, so an error there is
 * worded as a possible truncation. */
static int syntax_error(const char *json, size_t len, size_t off, bool trailing, api_error *err)
{
	if (off >= len) off = len ? len - 1 : 0;
	size_t line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	char near[24];
	size_t k = 0;
	for (size_t i = off; i < len && k < sizeof near - 1; i++)
		near[k++] = isprint((unsigned char)json[i]) ? json[i] : ' ';
	near[k] = '\0';
	if (trailing)
		return api_fail_at(
		    err, API_ERR_INPUT, "",
		    "unexpected data after the JSON document at line %zu, column %zu "
		    "(byte offset %zu), near '%s'",
		    line, col, off, near);
	if (off + 1 >= len)
		return api_fail_at(
		    err, API_ERR_INPUT, "",
		    "malformed JSON at the end of the document (line %zu, column %zu, "
		    "byte offset %zu): is it truncated?",
		    line, col, off);
	return api_fail_at(err, API_ERR_INPUT, "",
	                   "malformed JSON at line %zu, column %zu (byte offset %zu), near '%s'",
	                   line, col, off, near);
}

static int parse_document(const char *json, size_t len, cJSON **root, api_error *err)
{
	size_t lead = 0;
	while (lead < len && isspace((unsigned char)json[lead]))
		lead++;
	if (lead == len)
		return api_fail_at(err, API_ERR_INPUT, "",
		                   "the document is empty; expected a JSON object");
	const char *end = NULL;
	pthread_mutex_lock(&parse_lock);
	*root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	pthread_mutex_unlock(&parse_lock);
	if (!*root) return syntax_error(json, len, end ? (size_t)(end - json) : 0, false, err);
	size_t off = (size_t)(end - json);
	while (off < len && isspace((unsigned char)json[off]))
		off++;
	if (off < len) {
		cJSON_Delete(*root);
		*root = NULL;
		return syntax_error(json, len, off, true, err);
	}
	return API_OK;
}

static int parse_root(const cJSON *root, const char *base_dir, api_spec *out, api_error *err)
{
	if (!cJSON_IsObject(root))
		return api_fail_at(err, API_ERR_INPUT, "", "the spec must be a JSON object, got %s",
		                   api_json_type_name(root));
	const char *model = NULL;
	int rc = api_json_get_string(root, "model", "", true, &model, err);
	if (rc) return rc;
	wfc_model_kind kind;
	if (strcmp(model, "overlapping") == 0)
		kind = WFC_MODEL_OVERLAPPING;
	else if (strcmp(model, "tiled") == 0 || strcmp(model, "simpletiled") == 0)
		kind = WFC_MODEL_TILED;
	else
		return api_fail_at(err, API_ERR_INPUT, "/model",
		                   "unknown model '%s' (expected \"overlapping\" or \"tiled\")",
		                   model);
	api_spec_init(out, kind);

	/* One list of every field, so a misspelling gets the nearest suggestion;
	 * a field of the other model is named as such. */
	const char *all[COUNT(common_keys) + COUNT(overlapping_keys) + COUNT(tiled_keys)];
	int n = 0;
	for (int i = 0; i < COUNT(common_keys); i++)
		all[n++] = common_keys[i];
	const char *const *mine = kind == WFC_MODEL_OVERLAPPING ? overlapping_keys : tiled_keys;
	const char *const *other = kind == WFC_MODEL_OVERLAPPING ? tiled_keys : overlapping_keys;
	int nmine = kind == WFC_MODEL_OVERLAPPING ? COUNT(overlapping_keys) : COUNT(tiled_keys);
	int nother = kind == WFC_MODEL_OVERLAPPING ? COUNT(tiled_keys) : COUNT(overlapping_keys);
	for (int i = 0; i < nmine; i++)
		all[n++] = mine[i];
	for (const cJSON *c = root->child; c; c = c->next) {
		if (in_list(c->string, other, nother) && !in_list(c->string, all, n)) {
			char p[API_JSON_PTR_MAX];
			api_json_ptr_key(p, "", c->string);
			return api_fail_at(
			    err, API_ERR_INPUT, p,
			    "'%s' applies to the %s model only, not to \"%s\"", c->string,
			    kind == WFC_MODEL_OVERLAPPING ? "tiled" : "overlapping", model);
		}
	}
	if ((rc = api_json_check_keys(root, "", all, n, "the spec", err)) ||
	    (rc = parse_common(root, out, err)))
		return rc;
	const cJSON *neural = cJSON_GetObjectItemCaseSensitive(root, "neural");
	if (neural) {
		if (!cJSON_IsObject(neural))
			return api_fail_at(err, API_ERR_INPUT, "/neural", "'neural' must be an object");
		if (!(out->neural = cJSON_PrintUnformatted(neural)))
			return api_fail(err, API_ERR_NOMEM, "out of memory reading the spec");
	}
	return kind == WFC_MODEL_OVERLAPPING ? parse_overlapping(root, base_dir, out, err)
	                                     : api_json_parse_tiled(root, base_dir, out, err);
}

int api_json_parse(const char *json, size_t len, cJSON **out, api_error *err)
{
	*out = NULL;
	if (!json) return api_fail_at(err, API_ERR_INPUT, "", "no JSON document given");
	if (len > API_JSON_MAX_BYTES)
		return api_fail_at(err, API_ERR_INPUT, "",
		                   "the document is %zu bytes, over the limit of %u bytes", len,
		                   API_JSON_MAX_BYTES);
	return parse_document(json, len, out, err);
}

int api_spec_from_cjson(const cJSON *root, const char *base_dir, api_spec *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = parse_root(root, base_dir, out, err);
	if (rc) api_spec_free(out);
	return rc;
}

int api_spec_from_json(const char *json, size_t len, const char *base_dir, api_spec *out,
                       api_error *err)
{
	memset(out, 0, sizeof *out);
	if (!json) return api_fail_at(err, API_ERR_INPUT, "", "no JSON document given");
	if (len > API_JSON_MAX_BYTES)
		return api_fail_at(err, API_ERR_INPUT, "",
		                   "the document is %zu bytes, over the limit of %u bytes", len,
		                   API_JSON_MAX_BYTES);
	cJSON *root = NULL;
	int rc = parse_document(json, len, &root, err);
	if (rc) return rc;
	rc = parse_root(root, base_dir, out, err);
	cJSON_Delete(root);
	if (rc) api_spec_free(out);
	return rc;
}
