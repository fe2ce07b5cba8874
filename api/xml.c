/*
 * xml.c - samples.xml: counting entries, loading one entry with its
 * files, and the expat plumbing shared with tileset.c.
 */
#include "xml.h"

#include "readfile.h"
#include "xml_internal.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ expat walk */

typedef struct {
	XML_Parser parser;
	int depth;
	api_xml_start_fn start;
	api_xml_end_fn end;
	void *ctx;
	api_error *err;
	int rc; /* set by a callback that stopped the parse */
	const char *what;
} walker;

static void on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	walker *w = data;
	if (w->rc != API_OK) return;
	unsigned long line = (unsigned long)XML_GetCurrentLineNumber(w->parser);
	int rc = w->start ? w->start(w->ctx, w->depth, name, attrs, line, w->err) : API_OK;
	w->depth++;
	if (rc != API_OK) {
		w->rc = rc;
		XML_StopParser(w->parser, XML_FALSE);
	}
}

static void on_end(void *data, const XML_Char *name)
{
	walker *w = data;
	w->depth--;
	if (w->rc == API_OK && w->end) w->end(w->ctx, w->depth, name);
}

static void on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal_subset)
{
	walker *w = data;
	if (w->rc != API_OK) return;
	w->rc =
	    api_fail(w->err, API_ERR_INPUT, "%s: line %lu: DOCTYPE declarations are not supported",
	             w->what, (unsigned long)XML_GetCurrentLineNumber(w->parser));
	XML_StopParser(w->parser, XML_FALSE);
}

int api_xml_walk(const char *xml, size_t len, const char *what, api_xml_start_fn start,
                 api_xml_end_fn end, void *ctx, api_error *err)
{
	if (len > API_XML_MAX_BYTES)
		return api_fail(err, API_ERR_INPUT, "%s: %zu bytes is over the limit of %u", what,
		                len, API_XML_MAX_BYTES);
	XML_Parser p = XML_ParserCreate("UTF-8");
	if (!p)
		return api_fail(err, API_ERR_NOMEM, "%s: out of memory creating the XML parser",
		                what);
	walker w = {.parser = p, .start = start, .end = end, .ctx = ctx, .err = err, .what = what};
	XML_SetUserData(p, &w);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	enum XML_Status st = XML_Parse(p, xml, (int)len, XML_TRUE);
	int rc = w.rc;
	if (rc == API_OK && st != XML_STATUS_OK) {
		enum XML_Error code = XML_GetErrorCode(p);
		rc = api_fail(err, code == XML_ERROR_NO_MEMORY ? API_ERR_NOMEM : API_ERR_INPUT,
		              "%s: malformed XML at line %lu, column %lu: %s", what,
		              (unsigned long)XML_GetCurrentLineNumber(p),
		              (unsigned long)XML_GetCurrentColumnNumber(p) + 1,
		              XML_ErrorString(code));
	}
	XML_ParserFree(p);
	return rc;
}

const char *api_xml_attr(const char **attrs, const char *name)
{
	for (int i = 0; attrs && attrs[i]; i += 2)
		if (strcmp(attrs[i], name) == 0) return attrs[i + 1];
	return NULL;
}

const char *api_xml_bad_file_name(const char *name)
{
	if (!*name) return "it is empty";
	if (strchr(name, '/')) return "it contains '/'";
	if (strstr(name, "..")) return "it contains '..'";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f) return "it contains a control character";
	return NULL;
}

char *api_xml_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s) return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* --------------------------------------------------------- samples.xml */

/* The entry the caller asked for, captured while walking the document;
 * expat's attribute strings die with the callback, so they are copied. */
typedef struct {
	int target; /* 1-based entry to capture, 0 = count only */
	int count;
	wfc_model_kind kind;
	char **attrs; /* name, value, ..., NULL */
	unsigned long line;
	bool nomem;
} entry_scan;

static int scan_start(void *ctx, int depth, const char *name, const char **attrs,
                      unsigned long line, api_error *err)
{
	entry_scan *s = ctx;
	if (depth != 1) return API_OK;
	bool ovl = strcmp(name, "overlapping") == 0;
	if (!ovl && strcmp(name, "simpletiled") != 0) return API_OK;
	if (++s->count != s->target) return API_OK;
	s->kind = ovl ? WFC_MODEL_OVERLAPPING : WFC_MODEL_TILED;
	s->line = line;
	int n = 0;
	while (attrs[n])
		n++;
	s->attrs = calloc((size_t)n + 1, sizeof *s->attrs);
	if (!s->attrs) return api_fail(err, API_ERR_NOMEM, "out of memory reading samples.xml");
	for (int i = 0; i < n; i++)
		if (!(s->attrs[i] = strdup(attrs[i])))
			return api_fail(err, API_ERR_NOMEM, "out of memory reading samples.xml");
	return API_OK;
}

static void scan_free(entry_scan *s)
{
	for (int i = 0; s->attrs && s->attrs[i]; i++)
		free(s->attrs[i]);
	free(s->attrs);
	s->attrs = NULL;
}

static int scan_file(const char *path, entry_scan *s, api_error *err)
{
	unsigned char *xml;
	size_t len;
	int rc = api_read_file(path, API_XML_MAX_BYTES, &xml, &len, err);
	if (rc != API_OK) return rc;
	char what[300];
	snprintf(what, sizeof what, "'%s'", path);
	rc = api_xml_walk((const char *)xml, len, what, scan_start, NULL, s, err);
	free(xml);
	return rc;
}

int api_xml_count_entries(const char *samples_xml_path, int *count, api_error *err)
{
	entry_scan s = {0};
	*count = 0;
	int rc = scan_file(samples_xml_path, &s, err);
	if (rc == API_OK) *count = s.count;
	return rc;
}

/* Names the entry in every message:
 * "'x/samples.xml' entry 3 (overlapping 'Skyline', line 4): ...". */
typedef struct {
	const char *path;
	int entry;
	wfc_model_kind kind;
	const char *name;
	unsigned long line;
} entry_ref;

static int entry_fail(const entry_ref *e, api_error *err, int code, const char *detail)
{
	return api_fail(err, code, "'%s' entry %d (%s '%s', line %lu): %s", e->path, e->entry,
	                e->kind == WFC_MODEL_OVERLAPPING ? "overlapping" : "simpletiled",
	                e->name ? e->name : "?", e->line, detail);
}

/* Integers as .NET's int.Parse: optional surrounding whitespace and sign,
 * decimal digits only, within 32 bits. */
static bool parse_int(const char *text, long min, long max, int *out)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	const char *digits = p + (*p == '+' || *p == '-');
	if (!isdigit((unsigned char)*digits)) return false;
	errno = 0;
	char *end;
	long v = strtol(p, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || errno == ERANGE || v < min || v > max) return false;
	*out = (int)v;
	return true;
}

bool api_xml_parse_bool(const char *text, bool *out)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (n == 4 && strncasecmp(text, "true", 4) == 0)
		*out = true;
	else if (n == 5 && strncasecmp(text, "false", 5) == 0)
		*out = false;
	else
		return false;
	return true;
}

static int int_attr(const entry_ref *e, const char **attrs, const char *name, long min, long max,
                    int *out, api_error *err)
{
	const char *v = api_xml_attr(attrs, name);
	if (!v || parse_int(v, min, max, out)) return API_OK;
	char detail[300];
	if (min == INT_MIN && max == INT_MAX)
		snprintf(detail, sizeof detail, "attribute %s='%.200s' is not an integer", name, v);
	else
		snprintf(detail, sizeof detail,
		         "attribute %s='%.200s' is not an integer from %ld to %ld", name, v, min,
		         max);
	return entry_fail(e, err, API_ERR_INPUT, detail);
}

static int bool_attr(const entry_ref *e, const char **attrs, const char *name, bool *out,
                     api_error *err)
{
	const char *v = api_xml_attr(attrs, name);
	if (!v || api_xml_parse_bool(v, out)) return API_OK;
	char detail[300];
	snprintf(detail, sizeof detail, "attribute %s='%.200s' is not True or False", name, v);
	return entry_fail(e, err, API_ERR_INPUT, detail);
}

/* Attributes of §10.1 into s (already api_spec_init'ed for the kind).
 * Attributes of the other model are ignored, as the reference does. */
static int apply_attributes(const entry_ref *e, const char **a, api_spec *s, api_error *err)
{
	int rc, size = s->width, seed;
	bool ovl = e->kind == WFC_MODEL_OVERLAPPING;
	/* size is only the default of width and height, whatever the order. */
	if ((rc = int_attr(e, a, "size", INT_MIN, INT_MAX, &size, err))) return rc;
	s->width = s->height = size;
	if ((rc = int_attr(e, a, "width", INT_MIN, INT_MAX, &s->width, err)) ||
	    (rc = int_attr(e, a, "height", INT_MIN, INT_MAX, &s->height, err)) ||
	    (rc = bool_attr(e, a, "periodic", &s->periodic, err)) ||
	    (rc = int_attr(e, a, "screenshots", 0, API_MAX_SCREENSHOTS, &s->screenshots, err)) ||
	    (rc = int_attr(e, a, "limit", INT_MIN, INT_MAX, &s->limit, err)))
		return rc;
	/* the reference treats every negative limit as "none": keep one form,
	 * so the entry converts to a JSON spec (limit >= -1) unchanged */
	if (s->limit < 0) s->limit = -1;
	const char *v = api_xml_attr(a, "seed");
	if (v) {
		if ((rc = int_attr(e, a, "seed", INT32_MIN, INT32_MAX, &seed, err))) return rc;
		s->has_seed = true;
		s->seed = seed;
	}
	/* Exact strings, as the reference: anything else means Entropy. */
	v = api_xml_attr(a, "heuristic");
	if (v && strcmp(v, "Scanline") == 0)
		s->heuristic = WFC_HEURISTIC_SCANLINE;
	else if (v && strcmp(v, "MRV") == 0)
		s->heuristic = WFC_HEURISTIC_MRV;
	if (ovl) {
		if ((rc = int_attr(e, a, "N", INT_MIN, INT_MAX, &s->N, err)) ||
		    (rc = bool_attr(e, a, "periodicInput", &s->periodic_input, err)) ||
		    (rc = int_attr(e, a, "symmetry", INT_MIN, INT_MAX, &s->symmetry, err)) ||
		    (rc = bool_attr(e, a, "ground", &s->ground, err)))
			return rc;
	} else {
		if ((rc = bool_attr(e, a, "blackBackground", &s->black_background, err)) ||
		    (rc = bool_attr(e, a, "textOutput", &s->text_output, err)))
			return rc;
	}
	return API_OK;
}

/* Directory part of path, "." when it has none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) return strdup(".");
	if (slash == path) return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int load_overlapping(const entry_ref *e, const char *dir, api_spec *s, api_error *err)
{
	char *png = api_xml_strf("%s/samples/%s.png", dir, s->name);
	if (!png) return api_fail(err, API_ERR_NOMEM, "out of memory");
	api_error inner;
	int rc = api_png_read_file(png, &s->sample, &inner);
	free(png);
	return rc == API_OK ? API_OK : entry_fail(e, err, rc, inner.message);
}

static int load_tiled(const entry_ref *e, const char *dir, const char *subset, api_spec *s,
                      api_error *err)
{
	char *xml_path = api_xml_strf("%s/tilesets/%s.xml", dir, s->name);
	char *tile_dir = api_xml_strf("%s/tilesets/%s", dir, s->name);
	unsigned char *xml = NULL;
	size_t len = 0;
	api_error inner;
	int rc = !xml_path || !tile_dir
	             ? api_fail(&inner, API_ERR_NOMEM, "out of memory")
	             : api_read_file(xml_path, API_XML_MAX_BYTES, &xml, &len, &inner);
	if (rc == API_OK)
		rc = api_xml_load_tileset((const char *)xml, len, tile_dir, subset, s, &inner);
	free(xml);
	free(xml_path);
	free(tile_dir);
	return rc == API_OK ? API_OK : entry_fail(e, err, rc, inner.message);
}

static int load_scanned(const char *path, int entry, entry_scan *scan, api_spec *out,
                        api_error *err)
{
	const char **a = (const char **)scan->attrs;
	entry_ref e = {.path = path,
	               .entry = entry,
	               .kind = scan->kind,
	               .name = api_xml_attr(a, "name"),
	               .line = scan->line};
	api_spec_init(out, scan->kind);
	if (!e.name) return entry_fail(&e, err, API_ERR_INPUT, "the name attribute is missing");
	const char *why = api_xml_bad_file_name(e.name);
	if (why) {
		char detail[128];
		snprintf(detail, sizeof detail, "name is not a usable file name: %s", why);
		return entry_fail(&e, err, API_ERR_INPUT, detail);
	}
	int rc = apply_attributes(&e, a, out, err);
	if (rc != API_OK) return rc;
	char *dir = dir_of(path);
	out->name = strdup(e.name);
	if (!dir || !out->name) {
		free(dir);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	const char *subset = api_xml_attr(a, "subset");
	if (subset && !*subset) subset = NULL; /* subset="": the whole tileset */
	if (scan->kind == WFC_MODEL_OVERLAPPING)
		rc = load_overlapping(&e, dir, out, err);
	else
		rc = load_tiled(&e, dir, subset, out, err);
	free(dir);
	return rc;
}

int api_xml_load_entry(const char *samples_xml_path, int entry, api_spec *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	entry_scan scan = {.target = entry > 0 ? entry : -1};
	int rc = scan_file(samples_xml_path, &scan, err);
	if (rc == API_OK && (entry < 1 || entry > scan.count))
		rc = api_fail(err, API_ERR_INPUT, "'%s' has %d entries; there is no entry %d",
		              samples_xml_path, scan.count, entry);
	if (rc == API_OK) rc = load_scanned(samples_xml_path, entry, &scan, out, err);
	scan_free(&scan);
	if (rc != API_OK) api_spec_free(out);
	return rc;
}
