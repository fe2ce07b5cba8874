/*
 * fuzz_tileset_xml.c - libFuzzer target for api_xml_load_tileset: a
 * tileset XML document (tiles, neighbour rules, subsets) with its tile
 * bitmaps resolved in a scratch directory made once at start.
 *
 * The directory holds tiles a, b and c (2x2, plus the "<name> <k>.png"
 * variants a unique tileset asks for), d (not square) and e (3x3, another
 * size), so inputs reach every bitmap check; any other name is a missing
 * file. Each input is loaded twice, whole and with the subset "s".
 *
 * Properties: a refusal has a message and leaves the tiled fields empty;
 * an accepted tileset only names its own tiles and goes through the
 * engine's validation (api_spec_build_model).
 */
#include "../../api/xml.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *tile_dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = fuzz_temp_dir("tileset");
	static const char *const names[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "%s.png", names[i]);
		fuzz_write_png(dir, rel, 2, 2, (uint32_t)i * 0x10203u);
		for (int k = 0; k < 8; k++) { /* every orientation of a unique tileset */
			snprintf(rel, sizeof rel, "%s %d.png", names[i], k);
			fuzz_write_png(dir, rel, 2, 2, (uint32_t)(i * 8 + k) * 0x10101u);
		}
	}
	fuzz_write_png(dir, "d.png", 2, 3, 0x777777u);
	fuzz_write_png(dir, "e.png", 3, 3, 0x123456u);
	fuzz_write_file(dir, "f.png", "not a png", 9);
	tile_dir = dir;
	return 0;
}

static bool is_tile(const api_spec *s, const char *name)
{
	for (int i = 0; i < s->tile_count; i++)
		if (strcmp(s->tiles[i].name, name) == 0) return true;
	return false;
}

static void load(const uint8_t *data, size_t size, const char *subset)
{
	api_spec spec;
	api_spec_init(&spec, WFC_MODEL_TILED);
	api_error err = {0};
	if (api_xml_load_tileset((const char *)data, size, tile_dir, subset, &spec, &err) !=
	    API_OK) {
		FUZZ_CHECK(err.message[0] != '\0');
		FUZZ_CHECK(spec.tiles == NULL && spec.tile_count == 0);
		FUZZ_CHECK(spec.neighbors == NULL && spec.subset == NULL);
		api_spec_free(&spec);
		return;
	}
	FUZZ_CHECK(spec.tile_count > 0 && spec.tile_size > 0);
	for (int i = 0; i < spec.neighbor_count; i++)
		FUZZ_CHECK(is_tile(&spec, spec.neighbors[i].left) &&
		           is_tile(&spec, spec.neighbors[i].right));
	for (int i = 0; i < spec.subset_count; i++)
		FUZZ_CHECK(is_tile(&spec, spec.subset[i]));
	for (int i = 0; i < spec.tile_count; i++)
		for (int k = 0; k < spec.tiles[i].image_count; k++)
			FUZZ_CHECK(spec.tiles[i].images[k].width == spec.tile_size &&
			           spec.tiles[i].images[k].height == spec.tile_size);
	wfc_model *model = NULL;
	api_error build_err = {0};
	if (api_spec_build_model(&spec, &model, &build_err) == API_OK)
		wfc_model_destroy(model);
	else
		FUZZ_CHECK(build_err.message[0] != '\0');
	api_spec_free(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size, NULL);
	load(data, size, "s");
	return 0;
}
