/*
 * safetensors.c - the safetensors reader and writer (api/safetensors.h).
 *
 * Reading is two passes over the JSON header: the first checks every field
 * and the data layout without allocating anything of the result (cJSON's
 * own tree aside), the second copies names and data out. The layout rule
 * is the format's: sorted by offset, the tensors tile the data exactly (no
 * overlap, no hole, nothing after the last), which also rules out
 * polyglot files.
 */
#include "safetensors.h"

#include "json_spec.h"
#include "readfile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define META_KEY "__metadata__"
#define MAX_EXACT 9007199254740992.0 /* 2^53: larger JSON numbers lose digits */

/* One tensor of the header as validated by the first pass. */
typedef struct {
	const char *name; /* into the cJSON tree */
	int ndim;
	int64_t shape[API_ST_MAX_DIMS];
	size_t count;
	uint64_t begin, end;
	int order; /* position among the header's tensors */
} st_entry;

static uint64_t load_u64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static float load_f32le(const uint8_t *p)
{
	uint32_t u =
	    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static void store_f32le(uint8_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(u >> (8 * i));
}

/* A non-negative integral JSON number that a double holds exactly. */
static bool get_uint(const cJSON *v, uint64_t *out)
{
	if (!cJSON_IsNumber(v)) return false;
	double d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d > MAX_EXACT || floor(d) != d) return false;
	*out = (uint64_t)d;
	return true;
}

static int check_shape(const cJSON *v, const char *name, st_entry *e, api_error *err)
{
	if (!cJSON_IsArray(v))
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s': shape must be an array", name);
	int n = cJSON_GetArraySize(v);
	if (n > API_ST_MAX_DIMS)
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': %d dimensions, over the limit of %d", name, n,
		                API_ST_MAX_DIMS);
	e->ndim = n;
	uint64_t count = 1;
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		uint64_t d;
		if (!get_uint(c, &d))
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': shape[%d] is not a non-negative integer",
			                name, i);
		if (d > API_ST_MAX_BYTES / 4)
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': shape[%d] = %llu is too large", name, i,
			                (unsigned long long)d);
		e->shape[i] = (int64_t)d;
		/* count stays <= MAX_BYTES/4 < 2^31 and d < 2^31: no overflow */
		count *= d;
		if (count > API_ST_MAX_BYTES / 4)
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': the shape holds more than %llu values",
			                name, (unsigned long long)(API_ST_MAX_BYTES / 4));
	}
	e->count = (size_t)count;
	return API_OK;
}

static int check_offsets(const cJSON *v, const char *name, uint64_t data_len, st_entry *e,
                         api_error *err)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': data_offsets must be an array of two integers",
		                name);
	if (!get_uint(v->child, &e->begin) || !get_uint(v->child->next, &e->end))
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': data_offsets must be non-negative integers", name);
	if (e->begin > e->end)
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': data_offsets [%llu,%llu] are reversed", name,
		                (unsigned long long)e->begin, (unsigned long long)e->end);
	if (e->end > data_len)
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': data_offsets [%llu,%llu] run past the end of the "
		                "data (%llu bytes)",
		                name, (unsigned long long)e->begin, (unsigned long long)e->end,
		                (unsigned long long)data_len);
	if (e->end - e->begin != (uint64_t)e->count * 4)
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': data_offsets [%llu,%llu] hold %llu bytes but the "
		                "shape needs %llu (%zu F32 values)",
		                name, (unsigned long long)e->begin, (unsigned long long)e->end,
		                (unsigned long long)(e->end - e->begin),
		                (unsigned long long)e->count * 4, e->count);
	return API_OK;
}

static int check_tensor(const cJSON *t, uint64_t data_len, st_entry *e, api_error *err)
{
	const char *name = t->string;
	e->name = name;
	if (!*name) return api_fail(err, API_ERR_INPUT, "a tensor has an empty name");
	if (!cJSON_IsObject(t))
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s' must be a JSON object", name);
	const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
	for (const cJSON *c = t->child; c; c = c->next) {
		const cJSON **slot = !strcmp(c->string, "dtype")          ? &dtype
		                     : !strcmp(c->string, "shape")        ? &shape
		                     : !strcmp(c->string, "data_offsets") ? &offsets
		                                                          : NULL;
		if (!slot)
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': unknown field '%.64s' (expected dtype, "
			                "shape, data_offsets)",
			                name, c->string);
		if (*slot)
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': field '%s' appears twice", name,
			                c->string);
		*slot = c;
	}
	if (!dtype || !shape || !offsets)
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s': missing field '%s'", name,
		                !dtype   ? "dtype"
		                : !shape ? "shape"
		                         : "data_offsets");
	if (!cJSON_IsString(dtype))
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s': dtype must be a string", name);
	if (strcmp(dtype->valuestring, "F32"))
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%.64s': dtype '%.16s' is not supported (only F32)", name,
		                dtype->valuestring);
	int rc = check_shape(shape, name, e, err);
	return rc ? rc : check_offsets(offsets, name, data_len, e, err);
}

static int check_meta(const cJSON *m, int *count, api_error *err)
{
	if (!cJSON_IsObject(m))
		return api_fail(err, API_ERR_INPUT, META_KEY " must be an object of strings");
	int n = 0;
	for (const cJSON *c = m->child; c; c = c->next, n++) {
		if (!cJSON_IsString(c))
			return api_fail(err, API_ERR_INPUT, META_KEY " '%.64s' must be a string",
			                c->string);
		for (const cJSON *d = m->child; d != c; d = d->next)
			if (!strcmp(d->string, c->string))
				return api_fail(err, API_ERR_INPUT,
				                META_KEY " key '%.64s' appears twice", c->string);
		if (n >= API_ST_MAX_TENSORS)
			return api_fail(err, API_ERR_INPUT, META_KEY " has more than %d keys",
			                API_ST_MAX_TENSORS);
	}
	*count = n;
	return API_OK;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const st_entry *)a)->name, ((const st_entry *)b)->name);
}

static int cmp_offset(const void *a, const void *b)
{
	const st_entry *x = a, *y = b;
	if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end) return x->end < y->end ? -1 : 1;
	return 0;
}

/* Names unique; sorted by offset, the tensors cover [0, data_len) exactly. */
static int check_layout(st_entry *e, int n, uint64_t data_len, api_error *err)
{
	qsort(e, (size_t)n, sizeof *e, cmp_name);
	for (int i = 1; i < n; i++)
		if (!strcmp(e[i - 1].name, e[i].name))
			return api_fail(err, API_ERR_INPUT, "tensor name '%.64s' appears twice",
			                e[i].name);
	qsort(e, (size_t)n, sizeof *e, cmp_offset);
	uint64_t at = 0;
	const char *prev = NULL;
	for (int i = 0; i < n; i++) {
		if (e[i].begin < at)
			return api_fail(err, API_ERR_INPUT,
			                "tensor '%.64s': data_offsets [%llu,%llu] overlap tensor "
			                "'%.64s' (which ends at %llu)",
			                e[i].name, (unsigned long long)e[i].begin,
			                (unsigned long long)e[i].end, prev, (unsigned long long)at);
		if (e[i].begin > at)
			return api_fail(err, API_ERR_INPUT,
			                "data bytes [%llu,%llu] belong to no tensor (holes are not "
			                "allowed)",
			                (unsigned long long)at, (unsigned long long)e[i].begin);
		at = e[i].end;
		prev = e[i].name;
	}
	if (at != data_len)
		return api_fail(err, API_ERR_INPUT,
		                "data bytes [%llu,%llu] at the end belong to no tensor",
		                (unsigned long long)at, (unsigned long long)data_len);
	return API_OK;
}

/* Second pass: everything was checked, so only allocation can fail. */
static int copy_out(const cJSON *root, const st_entry *e, int n, int nmeta, const uint8_t *data,
                    api_safetensors *out, api_error *err)
{
	out->tensors = calloc((size_t)n + 1, sizeof *out->tensors);
	out->meta_keys = calloc((size_t)nmeta + 1, sizeof *out->meta_keys);
	out->meta_values = calloc((size_t)nmeta + 1, sizeof *out->meta_values);
	if (!out->tensors || !out->meta_keys || !out->meta_values) goto nomem;
	out->count = n; /* zeroed slots free cleanly if a copy below fails */
	for (const cJSON *c = root->child; c; c = c->next) {
		if (!strcmp(c->string, META_KEY)) {
			for (const cJSON *m = c->child; m; m = m->next) {
				out->meta_keys[out->meta_count] = strdup(m->string);
				out->meta_values[out->meta_count] = strdup(m->valuestring);
				out->meta_count++;
				if (!out->meta_keys[out->meta_count - 1] ||
				    !out->meta_values[out->meta_count - 1])
					goto nomem;
			}
		}
	}
	/* e is in offset order; the caller gets the header's order. */
	for (int i = 0; i < n; i++) {
		const st_entry *s = &e[i];
		api_st_tensor *t = &out->tensors[s->order];
		t->name = strdup(s->name);
		t->ndim = s->ndim;
		memcpy(t->shape, s->shape, sizeof t->shape);
		t->count = s->count;
		t->data = malloc(s->count ? s->count * sizeof(float) : 1);
		if (!t->name || !t->data) goto nomem;
		for (size_t k = 0; k < s->count; k++)
			t->data[k] = load_f32le(data + s->begin + 4 * k);
	}
	return API_OK;
nomem:
	api_st_free(out);
	return api_fail(err, API_ERR_NOMEM, "out of memory reading safetensors");
}

int api_st_parse(const uint8_t *buf, size_t len, api_safetensors *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	if (!buf || len < 8)
		return api_fail(err, API_ERR_INPUT,
		                "the file is %zu bytes, too short for the 8-byte header length",
		                buf ? len : 0);
	uint64_t hlen = load_u64le(buf);
	if (hlen > API_ST_MAX_HEADER)
		return api_fail(err, API_ERR_INPUT,
		                "header length %llu is over the limit of %u bytes",
		                (unsigned long long)hlen, API_ST_MAX_HEADER);
	if (hlen > len - 8)
		return api_fail(err, API_ERR_INPUT,
		                "header length %llu runs past the end of the file (%zu bytes)",
		                (unsigned long long)hlen, len);
	uint64_t data_len = len - 8 - hlen;
	if (data_len > API_ST_MAX_BYTES)
		return api_fail(err, API_ERR_INPUT,
		                "%llu bytes of tensor data, over the limit of %llu",
		                (unsigned long long)data_len, (unsigned long long)API_ST_MAX_BYTES);
	cJSON *root = NULL;
	int rc = api_json_parse((const char *)buf + 8, (size_t)hlen, &root, err);
	if (rc) {
		if (err) {
			char msg[sizeof err->message];
			snprintf(msg, sizeof msg, "%s", err->message);
			api_fail(err, rc, "the JSON header is invalid: %s", msg);
		}
		return rc;
	}
	st_entry *e = NULL;
	if (!cJSON_IsObject(root)) {
		rc = api_fail(err, API_ERR_INPUT, "the JSON header must be an object");
		goto done;
	}
	int n = 0, nmeta = 0;
	bool seen_meta = false;
	for (const cJSON *c = root->child; c; c = c->next) {
		if (!strcmp(c->string, META_KEY)) {
			if (seen_meta) {
				rc = api_fail(err, API_ERR_INPUT, META_KEY " appears twice");
				goto done;
			}
			seen_meta = true;
			if ((rc = check_meta(c, &nmeta, err))) goto done;
		} else if (++n > API_ST_MAX_TENSORS) {
			rc = api_fail(err, API_ERR_INPUT, "more than %d tensors",
			              API_ST_MAX_TENSORS);
			goto done;
		}
	}
	e = calloc((size_t)n + 1, sizeof *e);
	if (!e) {
		rc = api_fail(err, API_ERR_NOMEM, "out of memory reading safetensors");
		goto done;
	}
	int i = 0;
	for (const cJSON *c = root->child; c; c = c->next) {
		if (!strcmp(c->string, META_KEY)) continue;
		e[i].order = i;
		if ((rc = check_tensor(c, data_len, &e[i++], err))) goto done;
	}
	if ((rc = check_layout(e, n, data_len, err))) goto done;
	rc = copy_out(root, e, n, nmeta, buf + 8 + hlen, out, err);
done:
	free(e);
	cJSON_Delete(root);
	return rc;
}

int api_st_read_file(const char *path, api_safetensors *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	unsigned char *data = NULL;
	size_t size = 0;
	int rc = api_read_file(path, 8 + API_ST_MAX_HEADER + API_ST_MAX_BYTES, &data, &size, err);
	if (rc) return rc;
	/* no path in the message: every caller names the file it reports */
	rc = api_st_parse(data, size, out, err);
	free(data);
	return rc;
}

void api_st_free(api_safetensors *st)
{
	if (!st) return;
	for (int i = 0; i < st->count; i++) {
		free(st->tensors[i].name);
		free(st->tensors[i].data);
	}
	for (int i = 0; i < st->meta_count; i++) {
		free(st->meta_keys[i]);
		free(st->meta_values[i]);
	}
	free(st->tensors);
	free(st->meta_keys);
	free(st->meta_values);
	memset(st, 0, sizeof *st);
}

const api_st_tensor *api_st_find(const api_safetensors *st, const char *name)
{
	for (int i = 0; st && i < st->count; i++)
		if (!strcmp(st->tensors[i].name, name)) return &st->tensors[i];
	return NULL;
}

const char *api_st_meta(const api_safetensors *st, const char *key)
{
	for (int i = 0; st && i < st->meta_count; i++)
		if (!strcmp(st->meta_keys[i], key)) return st->meta_values[i];
	return NULL;
}

/* ---- writer ---- */

struct api_st_writer {
	api_st_tensor *tensors;
	int count, cap;
	char **keys, **values;
	int meta_count, meta_cap;
	uint64_t bytes;
};

api_st_writer *api_st_writer_create(void)
{
	return calloc(1, sizeof(api_st_writer));
}

void api_st_writer_destroy(api_st_writer *w)
{
	if (!w) return;
	api_safetensors view = {w->tensors, w->count, w->keys, w->values, w->meta_count};
	api_st_free(&view);
	free(w);
}

int api_st_add(api_st_writer *w, const char *name, int ndim, const int64_t *shape,
               const float *data, api_error *err)
{
	if (!name || !*name || !strcmp(name, META_KEY))
		return api_fail(err, API_ERR_INPUT, "invalid tensor name '%s'", name ? name : "");
	if (ndim < 0 || ndim > API_ST_MAX_DIMS)
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s': %d dimensions (0..%d allowed)",
		                name, ndim, API_ST_MAX_DIMS);
	if (api_st_find(&(api_safetensors){.tensors = w->tensors, .count = w->count}, name))
		return api_fail(err, API_ERR_INPUT, "tensor name '%.64s' appears twice", name);
	if (w->count >= API_ST_MAX_TENSORS)
		return api_fail(err, API_ERR_INPUT, "more than %d tensors", API_ST_MAX_TENSORS);
	uint64_t count = 1;
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0 || (uint64_t)shape[i] > API_ST_MAX_BYTES / 4)
			return api_fail(err, API_ERR_INPUT, "tensor '%.64s': invalid shape[%d]",
			                name, i);
		count *= (uint64_t)shape[i];
		if (count > API_ST_MAX_BYTES / 4) break;
	}
	if (count > API_ST_MAX_BYTES / 4 || w->bytes + count * 4 > API_ST_MAX_BYTES)
		return api_fail(err, API_ERR_INPUT, "tensor '%.64s' is too large", name);
	if (count && !data) return api_fail(err, API_ERR_INPUT, "tensor '%.64s' has no data", name);
	if (w->count == w->cap) {
		int cap = w->cap ? 2 * w->cap : 8;
		api_st_tensor *t = realloc(w->tensors, (size_t)cap * sizeof *t);
		if (!t) return api_fail(err, API_ERR_NOMEM, "out of memory");
		w->tensors = t;
		w->cap = cap;
	}
	api_st_tensor t = {.name = strdup(name), .ndim = ndim, .count = (size_t)count};
	t.data = malloc(count ? count * sizeof(float) : 1);
	if (!t.name || !t.data) {
		free(t.name);
		free(t.data);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < ndim; i++)
		t.shape[i] = shape[i];
	if (count) memcpy(t.data, data, (size_t)count * sizeof(float));
	w->tensors[w->count++] = t;
	w->bytes += count * 4;
	return API_OK;
}

int api_st_set_meta(api_st_writer *w, const char *key, const char *value, api_error *err)
{
	if (!key || !value)
		return api_fail(err, API_ERR_INPUT, "metadata key and value are needed");
	for (int i = 0; i < w->meta_count; i++) {
		if (strcmp(w->keys[i], key)) continue;
		char *v = strdup(value);
		if (!v) return api_fail(err, API_ERR_NOMEM, "out of memory");
		free(w->values[i]);
		w->values[i] = v;
		return API_OK;
	}
	if (w->meta_count >= API_ST_MAX_TENSORS)
		return api_fail(err, API_ERR_INPUT, "more than %d metadata keys",
		                API_ST_MAX_TENSORS);
	if (w->meta_count == w->meta_cap) {
		int cap = w->meta_cap ? 2 * w->meta_cap : 8;
		char **k = realloc(w->keys, (size_t)cap * sizeof *k);
		if (!k) return api_fail(err, API_ERR_NOMEM, "out of memory");
		w->keys = k;
		char **v = realloc(w->values, (size_t)cap * sizeof *v);
		if (!v) return api_fail(err, API_ERR_NOMEM, "out of memory");
		w->values = v;
		w->meta_cap = cap;
	}
	char *k = strdup(key), *v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	w->keys[w->meta_count] = k;
	w->values[w->meta_count++] = v;
	return API_OK;
}

/* A growing byte buffer; ok turns false on the first failed allocation. */
typedef struct {
	char *p;
	size_t len, cap;
	bool ok;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (!b->ok) return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->ok = false;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_str(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A JSON string literal; bytes >= 0x80 pass through (UTF-8). */
static void sb_json(sbuf *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sb_put(b, esc, 6);
		} else {
			sb_put(b, (const char *)&c, 1);
		}
	}
	sb_put(b, "\"", 1);
}

int api_st_write_mem(const api_st_writer *w, uint8_t **out, size_t *len, api_error *err)
{
	*out = NULL;
	*len = 0;
	sbuf h = {.ok = true};
	sb_str(&h, "{");
	if (w->meta_count) {
		sb_str(&h, "\"" META_KEY "\":{");
		for (int i = 0; i < w->meta_count; i++) {
			if (i) sb_str(&h, ",");
			sb_json(&h, w->keys[i]);
			sb_str(&h, ":");
			sb_json(&h, w->values[i]);
		}
		sb_str(&h, "}");
	}
	uint64_t at = 0;
	for (int i = 0; i < w->count; i++) {
		const api_st_tensor *t = &w->tensors[i];
		char num[64];
		if (i || w->meta_count) sb_str(&h, ",");
		sb_json(&h, t->name);
		sb_str(&h, ":{\"dtype\":\"F32\",\"shape\":[");
		for (int d = 0; d < t->ndim; d++) {
			snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)t->shape[d]);
			sb_str(&h, num);
		}
		snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)at,
		         (unsigned long long)(at + 4 * (uint64_t)t->count));
		sb_str(&h, num);
		at += 4 * (uint64_t)t->count;
	}
	sb_str(&h, "}");
	/* Pad with spaces to a multiple of 8 so the data is aligned, as the
	 * reference writer does. */
	while (h.ok && h.len % 8)
		sb_put(&h, " ", 1);
	if (!h.ok || h.len > API_ST_MAX_HEADER) {
		free(h.p);
		return h.ok ? api_fail(err, API_ERR_INPUT, "the header is over %u bytes",
		                       API_ST_MAX_HEADER)
		            : api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	size_t total = 8 + h.len + (size_t)at;
	uint8_t *buf = malloc(total);
	if (!buf) {
		free(h.p);
		return api_fail(err, API_ERR_NOMEM, "out of memory (%zu bytes)", total);
	}
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
	memcpy(buf + 8, h.p, h.len);
	free(h.p);
	uint8_t *p = buf + 8 + h.len;
	for (int i = 0; i < w->count; i++)
		for (size_t k = 0; k < w->tensors[i].count; k++, p += 4)
			store_f32le(p, w->tensors[i].data[k]);
	*out = buf;
	*len = total;
	return API_OK;
}

int api_st_write_file(const api_st_writer *w, const char *path, api_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = api_st_write_mem(w, &buf, &len, err);
	if (rc) return rc;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 5);
	if (!tmp) {
		free(buf);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		rc = api_fail(err, API_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) {
			rc = api_fail(err, API_ERR_IO, "cannot write %s: %s", tmp,
			              n < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	int synced = fsync(fd), closed = close(fd);
	if (synced != 0 || closed != 0) {
		rc = api_fail(err, API_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = api_fail(err, API_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
		              strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	free(buf);
	return rc;
}
