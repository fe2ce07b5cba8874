/*
 * safetensors.h - read and write safetensors files (F32 tensors only).
 *
 * Format (huggingface/safetensors): an 8-byte little-endian header length
 * L, L bytes of JSON {"name": {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value"}},
 * then the raw little-endian data, offsets relative to the end of the
 * header. The reader checks everything (lengths, offsets inside the data
 * and not overlapping, shape product = bytes / 4, dtype F32, names unique,
 * limits below) before allocating; checkpoints come from users, so this
 * parser is fuzzed (tests/fuzz/fuzz_safetensors.c).
 *
 * Ownership: api_st_parse/api_st_read_file fill a caller-owned
 * api_safetensors whose arrays are malloc'd; api_st_free frees them. A
 * writer copies what it is given; api_st_writer_destroy frees it;
 * api_st_write_mem returns a malloc'd buffer the caller frees.
 */
#ifndef API_SAFETENSORS_H
#define API_SAFETENSORS_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define API_ST_MAX_HEADER (16u << 20)  /* JSON header bytes accepted */
#define API_ST_MAX_TENSORS 4096
#define API_ST_MAX_DIMS 8
#define API_ST_MAX_BYTES (1ull << 32) /* total tensor data accepted */

typedef struct {
	char *name;
	int ndim;
	int64_t shape[API_ST_MAX_DIMS];
	size_t count;  /* product of shape (1 for a scalar) */
	float *data;   /* count floats, host byte order */
} api_st_tensor;

typedef struct {
	api_st_tensor *tensors;
	int count;
	char **meta_keys, **meta_values; /* __metadata__, string to string */
	int meta_count;
} api_safetensors;

int api_st_parse(const uint8_t *buf, size_t len, api_safetensors *out, api_error *err);
int api_st_read_file(const char *path, api_safetensors *out, api_error *err);
void api_st_free(api_safetensors *st);
/* NULL when absent. */
const api_st_tensor *api_st_find(const api_safetensors *st, const char *name);
const char *api_st_meta(const api_safetensors *st, const char *key);

typedef struct api_st_writer api_st_writer;
api_st_writer *api_st_writer_create(void);
void api_st_writer_destroy(api_st_writer *w);
/* Copies name, shape and data. Tensors are written in the order added. */
int api_st_add(api_st_writer *w, const char *name, int ndim, const int64_t *shape,
               const float *data, api_error *err);
int api_st_set_meta(api_st_writer *w, const char *key, const char *value, api_error *err);
int api_st_write_mem(const api_st_writer *w, uint8_t **out, size_t *len, api_error *err);
/* Writes to path.tmp, fsyncs, renames: a crash never leaves a torn file. */
int api_st_write_file(const api_st_writer *w, const char *path, api_error *err);

#endif
