/*
 * library.c - an index over a samples.xml directory: unique names for its
 * entries, lookup by name, and loading an entry on demand.
 *
 * api_library_open reads samples.xml once (expat, via api_xml_walk) and
 * keeps only what the index needs: kind, names, subset and output size.
 * Images are read by api_library_load, through api_xml_load_entry, so the
 * index stays small and a changed image is picked up on the next load.
 * After open the library is never written, so threads may share it.
 */
#include "library.h"

#include "readfile.h"
#include "xml.h"
#include "xml_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More entries than any real library has; the limit keeps the quadratic
 * name de-duplication and the index small whatever samples.xml holds. */
#define API_LIBRARY_MAX_ENTRIES 10000

struct api_library {
	char *samples_xml; /* <dir>/samples.xml */
	api_library_entry *entries;
	int count;
	int *by_name; /* entry indices sorted by name, for api_library_find */
};

/* Raw attributes of one entry, as found in samples.xml. */
typedef struct {
	api_library_entry *entries;
	int count, cap;
	const char *path; /* for messages */
} scan;

/* Integers as .NET's int.Parse (what the reference uses): optional
 * surrounding whitespace and sign, decimal digits, 32 bits. */
static bool parse_int(const char *text, int *out)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)p[*p == '+' || *p == '-'])) return false;
	errno = 0;
	char *end;
	long v = strtol(p, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || errno == ERANGE || v < INT_MIN || v > INT_MAX) return false;
	*out = (int)v;
	return true;
}

static int int_attr(const scan *s, const char **attrs, const char *name, int *out, api_error *err)
{
	const char *v = api_xml_attr(attrs, name);
	if (!v || parse_int(v, out)) return API_OK;
	return api_fail(err, API_ERR_INPUT,
	                "'%s' entry %d: attribute %s='%.100s' is not an integer", s->path, s->count,
	                name, v);
}

static int scan_start(void *ctx, int depth, const char *name, const char **attrs,
                      unsigned long line, api_error *err)
{
	scan *s = ctx;
	if (depth != 1) return API_OK;
	bool ovl = strcmp(name, "overlapping") == 0;
	if (!ovl && strcmp(name, "simpletiled") != 0) return API_OK;
	if (s->count == API_LIBRARY_MAX_ENTRIES)
		return api_fail(err, API_ERR_INPUT, "'%s' has more than %d entries", s->path,
		                API_LIBRARY_MAX_ENTRIES);
	if (s->count == s->cap) {
		int cap = s->cap ? 2 * s->cap : 32;
		api_library_entry *n = realloc(s->entries, (size_t)cap * sizeof *n);
		if (!n) return api_fail(err, API_ERR_NOMEM, "out of memory reading '%s'", s->path);
		s->entries = n;
		s->cap = cap;
	}
	api_library_entry *e = &s->entries[s->count++];
	memset(e, 0, sizeof *e);
	e->entry = s->count;
	e->kind = ovl ? WFC_MODEL_OVERLAPPING : WFC_MODEL_TILED;

	const char *source = api_xml_attr(attrs, "name");
	if (!source)
		return api_fail(err, API_ERR_INPUT,
		                "'%s' entry %d (line %lu): the name attribute is missing", s->path,
		                s->count, line);
	const char *why = api_xml_bad_file_name(source);
	if (why)
		return api_fail(err, API_ERR_INPUT,
		                "'%s' entry %d (line %lu): name is not a usable file name: %s",
		                s->path, s->count, line, why);
	/* The reference ignores a subset on an overlapping entry; so do we. */
	const char *subset = ovl ? NULL : api_xml_attr(attrs, "subset");
	e->source = strdup(source);
	e->subset = subset ? strdup(subset) : NULL;
	if (!e->source || (subset && !e->subset))
		return api_fail(err, API_ERR_NOMEM, "out of memory reading '%s'", s->path);

	/* Output size as api_xml_load_entry will see it: size is only the
	 * default of width and height, whatever the attribute order. */
	api_spec defaults;
	api_spec_init(&defaults, e->kind);
	int size = defaults.width, rc;
	if ((rc = int_attr(s, attrs, "size", &size, err))) return rc;
	e->width = e->height = size;
	if ((rc = int_attr(s, attrs, "width", &e->width, err)) ||
	    (rc = int_attr(s, attrs, "height", &e->height, err)))
		return rc;
	return API_OK;
}

/* Keeps RFC 3986 unreserved characters, turns anything else (spaces in
 * subset names, above all) into '-'. */
static void append_url_safe(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(dst);
	for (; *src && n + 1 < cap; src++) {
		unsigned char c = (unsigned char)*src;
		dst[n++] =
		    isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ? (char)c : '-';
	}
	dst[n] = '\0';
}

static bool name_taken(const api_library_entry *entries, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(entries[i].name, name) == 0) return true;
	return false;
}

/* Document order decides who gets the plain name: "Chess", "Chess-2". */
static int assign_names(api_library *lib, api_error *err)
{
	for (int i = 0; i < lib->count; i++) {
		api_library_entry *e = &lib->entries[i];
		char base[256] = "", name[280];
		append_url_safe(base, sizeof base - 1, e->source);
		if (e->subset) {
			strcat(base, "-");
			append_url_safe(base, sizeof base, e->subset);
		}
		snprintf(name, sizeof name, "%s", base);
		for (int k = 2; name_taken(lib->entries, i, name); k++)
			snprintf(name, sizeof name, "%s-%d", base, k);
		if (!(e->name = strdup(name)))
			return api_fail(err, API_ERR_NOMEM, "out of memory naming library entries");
	}
	return API_OK;
}

/* qsort has no context argument; the entries travel with the indices. */
typedef struct {
	const char *name;
	int index;
} name_ref;

static int cmp_name_ref(const void *a, const void *b)
{
	return strcmp(((const name_ref *)a)->name, ((const name_ref *)b)->name);
}

static int build_name_index(api_library *lib, api_error *err)
{
	name_ref *refs = malloc(((size_t)lib->count + 1) * sizeof *refs);
	lib->by_name = malloc(((size_t)lib->count + 1) * sizeof *lib->by_name);
	if (!refs || !lib->by_name) {
		free(refs);
		return api_fail(err, API_ERR_NOMEM, "out of memory indexing library entries");
	}
	for (int i = 0; i < lib->count; i++)
		refs[i] = (name_ref){lib->entries[i].name, i};
	qsort(refs, (size_t)lib->count, sizeof *refs, cmp_name_ref);
	for (int i = 0; i < lib->count; i++)
		lib->by_name[i] = refs[i].index;
	free(refs);
	return API_OK;
}

int api_library_open(const char *dir, api_library **out, api_error *err)
{
	*out = NULL;
	if (!dir || !*dir) return api_fail(err, API_ERR_INPUT, "no library directory given");
	api_library *lib = calloc(1, sizeof *lib);
	if (!lib || !(lib->samples_xml = api_xml_strf("%s/samples.xml", dir))) {
		free(lib);
		return api_fail(err, API_ERR_NOMEM, "out of memory opening library '%s'", dir);
	}
	unsigned char *xml = NULL;
	size_t len = 0;
	int rc = api_read_file(lib->samples_xml, API_XML_MAX_BYTES, &xml, &len, err);
	scan s = {.path = lib->samples_xml};
	if (rc == API_OK) {
		char what[300];
		snprintf(what, sizeof what, "'%s'", lib->samples_xml);
		rc = api_xml_walk((const char *)xml, len, what, scan_start, NULL, &s, err);
	}
	free(xml);
	lib->entries = s.entries;
	lib->count = s.count;
	if (rc == API_OK) rc = assign_names(lib, err);
	if (rc == API_OK) rc = build_name_index(lib, err);
	if (rc != API_OK) {
		api_library_close(lib);
		return rc;
	}
	*out = lib;
	return API_OK;
}

void api_library_close(api_library *lib)
{
	if (!lib) return;
	for (int i = 0; i < lib->count; i++) {
		free((char *)lib->entries[i].name);
		free((char *)lib->entries[i].source);
		free((char *)lib->entries[i].subset);
	}
	free(lib->entries);
	free(lib->by_name);
	free(lib->samples_xml);
	free(lib);
}

int api_library_count(const api_library *lib)
{
	return lib ? lib->count : 0;
}

const api_library_entry *api_library_get(const api_library *lib, int index)
{
	if (!lib || index < 0 || index >= lib->count) return NULL;
	return &lib->entries[index];
}

const api_library_entry *api_library_find(const api_library *lib, const char *name)
{
	if (!lib || !name) return NULL;
	int lo = 0, hi = lib->count - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const api_library_entry *e = &lib->entries[lib->by_name[mid]];
		int c = strcmp(name, e->name);
		if (c == 0) return e;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

int api_library_load(const api_library *lib, const char *name, api_spec *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	const api_library_entry *e = api_library_find(lib, name);
	if (!e)
		return api_fail(err, API_ERR_INPUT, "the library has no entry named '%.200s'",
		                name ? name : "");
	return api_xml_load_entry(lib->samples_xml, e->entry, out, err);
}
