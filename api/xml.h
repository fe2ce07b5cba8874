/*
 * xml.h - the reference formats: samples.xml and tileset XML (expat).
 *
 * Entries are numbered from 1 in document order over the root's
 * <overlapping> and <simpletiled> children, as in the spec's table.
 * Files are resolved like the reference program: samples/<name>.png and
 * tilesets/<name>.xml + tilesets/<name>/<tile>[ <t>].png, relative to the
 * directory holding samples.xml. Attribute defaults and parsing follow
 * WFC-SPEC.md §9.1 and §10.1 (booleans case-insensitive, unknown heuristic
 * = Entropy, unknown symmetry letter = X). Beyond the reference: an unknown
 * subset name or a rule naming an unknown tile is an error.
 *
 * Ownership: the caller owns *out (api_spec_free) on success; on failure
 * *out is left freed/zeroed.
 */
#ifndef API_XML_H
#define API_XML_H

#include "error.h"
#include "spec.h"

#define API_XML_MAX_BYTES (16u << 20) /* larger XML files are refused */

/* Number of model entries in a samples.xml file. */
int api_xml_count_entries(const char *samples_xml_path, int *count, api_error *err);
/* Loads entry `entry` (1-based) with all its files. */
int api_xml_load_entry(const char *samples_xml_path, int entry, api_spec *out, api_error *err);
/* Loads a tileset: tilesets/<name>.xml text already read into memory, its
 * tile images from tile_dir. subset may be NULL. Fills the tiled fields of
 * out (which the caller has api_spec_init'ed). */
int api_xml_load_tileset(const char *xml, size_t len, const char *tile_dir, const char *subset,
                         api_spec *out, api_error *err);

#endif
