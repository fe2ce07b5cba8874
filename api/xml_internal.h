/*
 * xml_internal.h - helpers shared by xml.c (samples.xml) and tileset.c
 * (tileset XML). Not part of the public API.
 *
 * api_xml_walk() runs expat over a whole in-memory document and calls
 * `start` for every start tag with its depth (root = 0). A callback stops
 * the parse by returning non-zero after filling err. Malformed XML is
 * reported with expat's message, line and column; DOCTYPE declarations are
 * refused outright (the formats never use them, and refusing them rules
 * out entity-expansion tricks).
 */
#ifndef API_XML_INTERNAL_H
#define API_XML_INTERNAL_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

typedef int (*api_xml_start_fn)(void *ctx, int depth, const char *name, const char **attrs,
                                unsigned long line, api_error *err);
typedef void (*api_xml_end_fn)(void *ctx, int depth, const char *name);

/* what names the document in messages, e.g. "tileset 'Knots'". */
int api_xml_walk(const char *xml, size_t len, const char *what, api_xml_start_fn start,
                 api_xml_end_fn end, void *ctx, api_error *err);

/* Value of attribute `name` in expat's NULL-terminated name/value list. */
const char *api_xml_attr(const char **attrs, const char *name);

/* NULL when `name` is usable as (part of) a file name; otherwise why not.
 * Refuses empty names, '/', "..", and control characters, so a name can
 * never leave the directory it is resolved in. */
const char *api_xml_bad_file_name(const char *name);

/* .NET bool.Parse: "True"/"False" in any case, surrounding spaces allowed. */
bool api_xml_parse_bool(const char *text, bool *out);

/* malloc'd printf result, NULL when out of memory. */
char *api_xml_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
