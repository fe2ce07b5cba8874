/*
 * spec.h - api_spec: one complete, self-contained generation request.
 *
 * Everything the engine needs (model kind, options, decoded images) plus
 * the run options of the reference driver (seed, screenshots, limit, text
 * output). Both front ends produce it: api_xml_load_entry() from a
 * reference samples.xml entry, api_spec_from_json() from a JSON spec; and
 * api_spec_to_json() writes it back as self-contained JSON.
 *
 * Ownership: an api_spec owns every string and image it points to.
 * api_spec_init() zeroes it and sets the reference defaults;
 * api_spec_free() frees everything it owns and leaves it zeroed.
 */
#ifndef API_SPEC_H
#define API_SPEC_H

#include "../engine/wfc.h"
#include "error.h"
#include "image.h"

#include <stdbool.h>
#include <stdint.h>

#define API_DEFAULT_ATTEMPTS 10 /* the reference program's retries */
#define API_MAX_ATTEMPTS 1000
#define API_MAX_SCREENSHOTS 1000

typedef struct {
	char *name;
	char symmetry; /* 'X', 'T', 'I', 'L', '\\', 'F' */
	double weight;
	api_image *images; /* 1, or the class cardinality when unique */
	int image_count;
} api_tile;

typedef struct {
	char *left;
	int left_orientation;
	char *right;
	int right_orientation;
} api_neighbor;

typedef struct {
	wfc_model_kind kind;
	char *name; /* sample or tileset name; used for output file names */

	/* common options; defaults as the reference (48 overlapping, 24 tiled) */
	int width, height;
	bool periodic;
	wfc_heuristic heuristic;
	bool has_seed;
	int32_t seed;
	int screenshots; /* default 2 */
	int limit;       /* -1 = none */
	int attempts;    /* default API_DEFAULT_ATTEMPTS */

	/* overlapping */
	api_image sample;
	int N;               /* default 3 */
	bool periodic_input; /* default true */
	int symmetry;        /* default 8 */
	bool ground;

	/* tiled */
	api_tile *tiles;
	int tile_count;
	int tile_size;
	bool unique;
	api_neighbor *neighbors;
	int neighbor_count;
	char *subset_name; /* NULL: whole tileset */
	char **subset;     /* resolved tile names of subset_name */
	int subset_count;
	bool black_background;
	bool text_output;

	/* A neural job of the server (server/runner_nn.c): compact JSON of
	 * {"job":"generator"|"guided","checkpoint":...}, or NULL for plain
	 * WFC. The JSON spec carries it as the object "neural"; the server
	 * refuses it from clients and sets it itself. */
	char *neural;
} api_spec;

/* kind picks the defaults that differ (size 48 vs 24). */
void api_spec_init(api_spec *s, wfc_model_kind kind);
void api_spec_free(api_spec *s);

/* Cardinality of a symmetry class (X 1, I 2, \ 2, T 4, L 4, F 8), 0 if the
 * character is not a class. */
int api_symmetry_cardinality(char symmetry);

/* Builds the engine model (validating everything the engine checks). */
int api_spec_build_model(const api_spec *s, wfc_model **out, api_error *err);

#endif
