/*
 * dataset.c - api_dataset <-> safetensors file (api/dataset.h).
 *
 * Loading trusts nothing: every tensor's shape must agree with the
 * metadata, states must be integral vocabulary indices, colours bytes and
 * allowed 0/1, so nn/ and the evaluation can index with them directly.
 */
#include "dataset.h"

#include "safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 4096
#define MAX_VOCAB 16384 /* = WFC_MAX_PATTERNS */

void api_dataset_free(api_dataset *ds)
{
	if (!ds) return;
	free(ds->images);
	free(ds->states);
	free(ds->colors);
	free(ds->allowed);
	free(ds->spec_json);
	free(ds->vocab_ids);
	memset(ds, 0, sizeof *ds);
}

static bool meta_int(const api_safetensors *st, const char *key, long long lo, long long hi,
                     long long *out)
{
	const char *v = api_st_meta(st, key);
	if (!v || !*v) return false;
	errno = 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (errno || *end || x < lo || x > hi) return false;
	*out = x;
	return true;
}

/* The tensor `name` with exactly the given shape. */
static int want(const api_safetensors *st, const char *name, int ndim, const int64_t *shape,
                const api_st_tensor **out, api_error *err)
{
	const api_st_tensor *t = api_st_find(st, name);
	if (!t) return api_fail(err, API_ERR_INPUT, "the data set has no '%s' tensor", name);
	bool ok = t->ndim == ndim;
	for (int i = 0; ok && i < ndim; i++)
		ok = t->shape[i] == shape[i];
	if (!ok) {
		char want_s[128] = "", got_s[128] = "";
		size_t a = 0, b = 0;
		for (int i = 0; i < ndim; i++)
			a += (size_t)snprintf(want_s + a, sizeof want_s - a, "%s%" PRId64,
			                      i ? "," : "", shape[i]);
		for (int i = 0; i < t->ndim && b < sizeof got_s; i++)
			b += (size_t)snprintf(got_s + b, sizeof got_s - b, "%s%" PRId64,
			                      i ? "," : "", t->shape[i]);
		return api_fail(err, API_ERR_INPUT,
		                "tensor '%s' has shape (%s), the metadata needs (%s)", name, got_s,
		                want_s);
	}
	*out = t;
	return API_OK;
}

/* Integral values in [lo, hi] copied into an int32 array. */
static int to_ints(const api_st_tensor *t, long lo, long hi, int32_t *dst, api_error *err)
{
	for (size_t i = 0; i < t->count; i++) {
		float v = t->data[i];
		if (!(v >= (float)lo && v <= (float)hi) || floorf(v) != v)
			return api_fail(
			    err, API_ERR_INPUT,
			    "tensor '%s': value %g at %zu is not an integer in [%ld, %ld]", t->name,
			    (double)v, i, lo, hi);
		dst[i] = (int32_t)v;
	}
	return API_OK;
}

static int fill(const api_safetensors *st, api_dataset *ds, api_error *err)
{
	const char *fmt = api_st_meta(st, "format");
	if (!fmt) return api_fail(err, API_ERR_INPUT, "the data set has no 'format' metadata");
	if (!strcmp(fmt, "rgb"))
		ds->format = API_DATASET_RGB;
	else if (!strcmp(fmt, "onehot"))
		ds->format = API_DATASET_ONEHOT;
	else
		return api_fail(err, API_ERR_INPUT,
		                "unknown data set format '%.32s' (rgb or onehot)", fmt);
	long long count, size, vocab;
	if (!meta_int(st, "count", 1, INT_MAX, &count) ||
	    !meta_int(st, "size", 1, MAX_SIDE, &size) ||
	    !meta_int(st, "vocab", 1, MAX_VOCAB, &vocab))
		return api_fail(err, API_ERR_INPUT,
		                "the data set's 'count', 'size' or 'vocab' metadata is missing or "
		                "out of range");
	ds->count = (int)count;
	ds->size = (int)size;
	ds->vocab = (int)vocab;
	const char *model = api_st_meta(st, "model");
	ds->model_kind = model && !strcmp(model, "tiled") ? 1 : 0;
	long long seed = 0, seed_end = 0;
	if (meta_int(st, "seed", INT64_MIN, INT64_MAX, &seed)) ds->seed = seed;
	if (meta_int(st, "seed_end", INT64_MIN, INT64_MAX, &seed_end)) ds->seed_end = seed_end;
	const char *src = api_st_meta(st, "source");
	snprintf(ds->source, sizeof ds->source, "%s", src ? src : "");
	const char *spec = api_st_meta(st, "spec");
	if (spec && !(ds->spec_json = strdup(spec)))
		return api_fail(err, API_ERR_NOMEM, "out of memory");

	const api_st_tensor *states, *colors, *allowed, *images = NULL;
	int rc;
	if ((rc = want(st, "states", 3, (int64_t[]){count, size, size}, &states, err)) ||
	    (rc = want(st, "colors", 2, (int64_t[]){vocab, 3}, &colors, err)) ||
	    (rc = want(st, "allowed", 3, (int64_t[]){4, vocab, vocab}, &allowed, err)))
		return rc;
	if (ds->format == API_DATASET_RGB &&
	    (rc = want(st, "images", 4, (int64_t[]){count, 3, size, size}, &images, err)))
		return rc;

	ds->states = malloc(states->count * sizeof *ds->states);
	ds->colors = malloc(colors->count);
	ds->allowed = malloc(allowed->count);
	int32_t *tmp =
	    malloc((colors->count > allowed->count ? colors->count : allowed->count) * sizeof *tmp);
	if (!ds->states || !ds->colors || !ds->allowed || !tmp) {
		free(tmp);
		return api_fail(err, API_ERR_NOMEM, "out of memory loading the data set");
	}
	if ((rc = to_ints(states, 0, (long)vocab - 1, ds->states, err)) ||
	    (rc = to_ints(colors, 0, 255, tmp, err))) {
		free(tmp);
		return rc;
	}
	for (size_t i = 0; i < colors->count; i++)
		ds->colors[i] = (uint8_t)tmp[i];
	if ((rc = to_ints(allowed, 0, 1, tmp, err))) {
		free(tmp);
		return rc;
	}
	for (size_t i = 0; i < allowed->count; i++)
		ds->allowed[i] = (uint8_t)tmp[i];
	free(tmp);
	if (images) {
		for (size_t i = 0; i < images->count; i++)
			if (!(images->data[i] >= -1.0f && images->data[i] <= 1.0f))
				return api_fail(
				    err, API_ERR_INPUT,
				    "tensor 'images': value %g at %zu is outside [-1, 1]",
				    (double)images->data[i], i);
		if (!(ds->images = malloc(images->count * sizeof *ds->images)))
			return api_fail(err, API_ERR_NOMEM, "out of memory loading the data set");
		memcpy(ds->images, images->data, images->count * sizeof *ds->images);
	}
	const api_st_tensor *ids = api_st_find(st, "vocab_ids");
	if (ids) {
		if ((rc = want(st, "vocab_ids", 1, (int64_t[]){vocab}, &ids, err))) return rc;
		if (!(ds->vocab_ids = malloc(ids->count * sizeof *ds->vocab_ids)))
			return api_fail(err, API_ERR_NOMEM, "out of memory loading the data set");
		if ((rc = to_ints(ids, 0, INT32_MAX, ds->vocab_ids, err))) return rc;
	}
	return API_OK;
}

int api_dataset_load(const char *path, api_dataset *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	api_safetensors st;
	int rc = api_st_read_file(path, &st, err);
	if (rc) return rc;
	rc = fill(&st, out, err);
	api_st_free(&st);
	if (rc) api_dataset_free(out);
	return rc;
}

/* Integers as F32: exact below 2^24, which vocab and colours stay under. */
static float *ints_to_f32(const int32_t *src, const uint8_t *src8, size_t n)
{
	float *f = malloc((n ? n : 1) * sizeof *f);
	for (size_t i = 0; f && i < n; i++)
		f[i] = src ? (float)src[i] : (float)src8[i];
	return f;
}

static int add_meta(api_st_writer *w, const char *key, long long v, api_error *err)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return api_st_set_meta(w, key, buf, err);
}

int api_dataset_save(const char *path, const api_dataset *ds, uint64_t first_seed, api_error *err)
{
	if (ds->count < 1 || ds->size < 1 || ds->vocab < 1 || !ds->states || !ds->colors ||
	    !ds->allowed || (ds->format == API_DATASET_RGB && !ds->images))
		return api_fail(err, API_ERR_INPUT, "the data set is incomplete");
	size_t cells = (size_t)ds->count * ds->size * ds->size;
	size_t v = (size_t)ds->vocab;
	api_st_writer *w = api_st_writer_create();
	float *states = ints_to_f32(ds->states, NULL, cells);
	float *colors = ints_to_f32(NULL, ds->colors, v * 3);
	float *allowed = ints_to_f32(NULL, ds->allowed, 4 * v * v);
	float *ids = ds->vocab_ids ? ints_to_f32(ds->vocab_ids, NULL, v) : NULL;
	int rc = API_OK;
	if (!w || !states || !colors || !allowed || (ds->vocab_ids && !ids)) {
		rc = api_fail(err, API_ERR_NOMEM, "out of memory saving the data set");
		goto out;
	}
	int64_t n = ds->count, s = ds->size, vv = ds->vocab;
	const char *model = ds->model_kind == 1 ? "tiled" : "overlapping";
	if ((rc = api_st_set_meta(w, "format", ds->format == API_DATASET_RGB ? "rgb" : "onehot",
	                          err)) ||
	    (rc = add_meta(w, "size", s, err)) || (rc = add_meta(w, "count", n, err)) ||
	    (rc = add_meta(w, "vocab", vv, err)) ||
	    (rc = api_st_set_meta(w, "source", ds->source, err)) ||
	    (rc = api_st_set_meta(w, "model", model, err)) ||
	    (rc = add_meta(w, "seed", (long long)(int64_t)first_seed, err)) ||
	    (ds->seed_end && (rc = add_meta(w, "seed_end", ds->seed_end, err))) ||
	    (ds->spec_json && (rc = api_st_set_meta(w, "spec", ds->spec_json, err))))
		goto out;
	if ((ds->format == API_DATASET_RGB &&
	     (rc = api_st_add(w, "images", 4, (int64_t[]){n, 3, s, s}, ds->images, err))) ||
	    (rc = api_st_add(w, "states", 3, (int64_t[]){n, s, s}, states, err)) ||
	    (rc = api_st_add(w, "colors", 2, (int64_t[]){vv, 3}, colors, err)) ||
	    (rc = api_st_add(w, "allowed", 3, (int64_t[]){4, vv, vv}, allowed, err)) ||
	    (ids && (rc = api_st_add(w, "vocab_ids", 1, (int64_t[]){vv}, ids, err))))
		goto out;
	rc = api_st_write_file(w, path, err);
out:
	free(states);
	free(colors);
	free(allowed);
	free(ids);
	api_st_writer_destroy(w);
	return rc;
}
