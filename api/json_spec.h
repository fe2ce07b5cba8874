/*
 * json_spec.h - the JSON spec format (cJSON); see docs/spec-format.md.
 *
 * A JSON spec expresses everything samples.xml + tileset XML can, with
 * images inline as base64 PNG ("data:image/png;base64,..." or bare
 * base64) or, where allowed, by path.
 *
 * Ownership: api_spec_from_json fills *out (caller frees with
 * api_spec_free) on success, leaves it zeroed on failure.
 * api_spec_to_json returns a malloc'd NUL-terminated string.
 */
#ifndef API_JSON_SPEC_H
#define API_JSON_SPEC_H

#include "error.h"
#include "spec.h"

#include <stddef.h>

#define API_JSON_MAX_BYTES (64u << 20)

/* base_dir: directory that relative image paths are resolved against; NULL
 * refuses every path (what the HTTP service does), so only inline images
 * are accepted. Errors carry the JSON pointer of the offending field. */
int api_spec_from_json(const char *json, size_t len, const char *base_dir, api_spec *out,
                       api_error *err);
/* Self-contained JSON (images inline as data URIs), pretty-printed. */
char *api_spec_to_json(const api_spec *s, api_error *err);

/* For front ends that look at a document before it becomes a spec (the
 * server strips its job options and applies overrides first):
 * api_json_parse parses any JSON text with the checks and messages of the
 * spec reader (empty document, syntax errors with line and column, trailing
 * data), under the lock every cJSON parse of the process takes (cJSON keeps
 * the last error position in a global). *out is the caller's, freed with
 * cJSON_Delete. api_spec_from_cjson is api_spec_from_json on such a tree. */
struct cJSON;
int api_json_parse(const char *json, size_t len, struct cJSON **out, api_error *err);
int api_spec_from_cjson(const struct cJSON *root, const char *base_dir, api_spec *out,
                        api_error *err);

#endif
