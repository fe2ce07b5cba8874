/*
 * json_internal.h - helpers shared by json_spec.c (document, common and
 * overlapping fields), json_tiles.c (tileset) and json_emit.c. Not part of
 * the public API.
 *
 * Every reader takes the JSON pointer of the object it reads from (ptr,
 * "" for the root) and reports errors at ptr + "/" + key. A field that is
 * absent leaves *out untouched, so callers preload defaults.
 */
#ifndef API_JSON_INTERNAL_H
#define API_JSON_INTERNAL_H

#include "base64.h"
#include "error.h"
#include "image.h"
#include "json_spec.h"
#include "spec.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

#define API_JSON_PTR_MAX 256      /* = sizeof api_error.pointer */
#define API_JSON_MAX_NAME 128     /* spec "name", bytes */
#define API_JSON_MAX_SUBSETS 1024 /* entries of "subsets" */
#define API_JSON_DEFAULT_NAME "untitled"

/* dst = parent + "/" + key, with '~' and '/' escaped as RFC 6901 says. */
void api_json_ptr_key(char dst[API_JSON_PTR_MAX], const char *parent, const char *key);
void api_json_ptr_index(char dst[API_JSON_PTR_MAX], const char *parent, int index);
/* "a string", "an array", ... for messages. */
const char *api_json_type_name(const cJSON *item);

/* Rejects duplicate fields and fields not in keys (suggesting the closest
 * one); what names the object in the message ("a tile"). */
int api_json_check_keys(const cJSON *obj, const char *ptr, const char *const *keys, int nkeys,
                        const char *what, api_error *err);
int api_json_get_int(const cJSON *obj, const char *key, const char *ptr, long min, long max,
                     int *out, api_error *err);
int api_json_get_bool(const cJSON *obj, const char *key, const char *ptr, bool *out,
                      api_error *err);
/* *out points into the cJSON tree. */
int api_json_get_string(const cJSON *obj, const char *key, const char *ptr, bool required,
                        const char **out, api_error *err);

/* An image value at ptr: "data:image/png;base64,...", bare base64 PNG, a
 * path string or {"path": "..."} (paths only when base_dir is set). Inline
 * images over max_side per side are refused from their header, before
 * their pixels are allocated (compression bombs). */
int api_json_load_image(const cJSON *v, const char *ptr, const char *base_dir, int max_side,
                        api_image *out, api_error *err);

/* The tiled model's fields of root into s (json_tiles.c). */
int api_json_parse_tiled(const cJSON *root, const char *base_dir, api_spec *s, api_error *err);

#endif
