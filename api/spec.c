/* spec.c - api_spec lifetime and conversion to an engine model. */
#include "spec.h"

#include <stdlib.h>
#include <string.h>

void api_spec_init(api_spec *s, wfc_model_kind kind)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->width = s->height = kind == WFC_MODEL_OVERLAPPING ? 48 : 24;
	s->heuristic = WFC_HEURISTIC_ENTROPY;
	s->screenshots = 2;
	s->limit = -1;
	s->attempts = API_DEFAULT_ATTEMPTS;
	s->N = 3;
	s->periodic_input = true;
	s->symmetry = 8;
}

void api_spec_free(api_spec *s)
{
	free(s->name);
	api_image_free(&s->sample);
	for (int i = 0; i < s->tile_count; i++) {
		free(s->tiles[i].name);
		for (int k = 0; k < s->tiles[i].image_count; k++)
			api_image_free(&s->tiles[i].images[k]);
		free(s->tiles[i].images);
	}
	free(s->tiles);
	for (int i = 0; i < s->neighbor_count; i++) {
		free(s->neighbors[i].left);
		free(s->neighbors[i].right);
	}
	free(s->neighbors);
	free(s->subset_name);
	for (int i = 0; i < s->subset_count; i++)
		free(s->subset[i]);
	free(s->subset);
	free(s->neural);
	memset(s, 0, sizeof *s);
}

int api_symmetry_cardinality(char symmetry)
{
	switch (symmetry) {
	case 'X':
		return 1;
	case 'I':
	case '\\':
		return 2;
	case 'T':
	case 'L':
		return 4;
	case 'F':
		return 8;
	default:
		return 0;
	}
}

static int from_engine(wfc_status st, const wfc_error *werr, api_error *err)
{
	if (st == WFC_OK) return API_OK;
	if (st == WFC_ERR_NOMEM) return api_fail(err, API_ERR_NOMEM, "%s", werr->message);
	return api_fail(err, API_ERR_INPUT, "%s", werr->message);
}

static int build_overlapping(const api_spec *s, wfc_model **out, api_error *err)
{
	if (!s->sample.pixels)
		return api_fail_at(err, API_ERR_INPUT, "/sample",
		                   "the overlapping model needs a sample image");
	wfc_overlapping_spec o = {
	    .sample = s->sample.pixels,
	    .sample_width = s->sample.width,
	    .sample_height = s->sample.height,
	    .N = s->N,
	    .width = s->width,
	    .height = s->height,
	    .periodic_input = s->periodic_input,
	    .periodic = s->periodic,
	    .symmetry = s->symmetry,
	    .ground = s->ground,
	    .heuristic = s->heuristic,
	};
	wfc_error werr;
	return from_engine(wfc_model_create_overlapping(&o, out, &werr), &werr, err);
}

static int build_tiled(const api_spec *s, wfc_model **out, api_error *err)
{
	wfc_tile *tiles = calloc((size_t)s->tile_count + 1, sizeof *tiles);
	const uint32_t **images = NULL;
	size_t image_total = 0;
	for (int i = 0; i < s->tile_count; i++)
		image_total += (size_t)s->tiles[i].image_count;
	images = calloc(image_total + 1, sizeof *images);
	wfc_neighbor *rules = calloc((size_t)s->neighbor_count + 1, sizeof *rules);
	if (!tiles || !images || !rules) {
		free(tiles);
		free(images);
		free(rules);
		return api_fail(err, API_ERR_NOMEM, "out of memory building the tiled model");
	}
	size_t k = 0;
	for (int i = 0; i < s->tile_count; i++) {
		const api_tile *t = &s->tiles[i];
		tiles[i].name = t->name;
		tiles[i].symmetry = t->symmetry;
		tiles[i].weight = t->weight;
		tiles[i].images = &images[k];
		tiles[i].image_count = t->image_count;
		for (int j = 0; j < t->image_count; j++) {
			const api_image *img = &t->images[j];
			if (img->width != s->tile_size || img->height != s->tile_size) {
				free(tiles);
				free(images);
				free(rules);
				return api_fail_at(
				    err, API_ERR_INPUT, "/tiles",
				    "tile '%s': image %d is %dx%d, but tiles are %dx%d", t->name, j,
				    img->width, img->height, s->tile_size, s->tile_size);
			}
			images[k++] = img->pixels;
		}
	}
	for (int i = 0; i < s->neighbor_count; i++) {
		rules[i].left = s->neighbors[i].left;
		rules[i].left_orientation = s->neighbors[i].left_orientation;
		rules[i].right = s->neighbors[i].right;
		rules[i].right_orientation = s->neighbors[i].right_orientation;
	}
	wfc_tiled_spec ts = {
	    .tiles = tiles,
	    .tile_count = s->tile_count,
	    .tile_size = s->tile_size,
	    .unique = s->unique,
	    .neighbors = rules,
	    .neighbor_count = s->neighbor_count,
	    .subset = s->subset_name ? (const char *const *)s->subset : NULL,
	    .subset_count = s->subset_name ? s->subset_count : 0,
	    .width = s->width,
	    .height = s->height,
	    .periodic = s->periodic,
	    .heuristic = s->heuristic,
	    .black_background = s->black_background,
	};
	wfc_error werr;
	int rc = from_engine(wfc_model_create_tiled(&ts, out, &werr), &werr, err);
	free(tiles);
	free(images);
	free(rules);
	return rc;
}

int api_spec_build_model(const api_spec *s, wfc_model **out, api_error *err)
{
	*out = NULL;
	return s->kind == WFC_MODEL_OVERLAPPING ? build_overlapping(s, out, err)
	                                        : build_tiled(s, out, err);
}
