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

#endif
