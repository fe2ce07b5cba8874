/*
 * test_dataset.c - api/dataset_gen.c and api/dataset.c on entries of the
 * built-in library (WFC_LIBRARY, default library/), so no ../shared is
 * needed: determinism across thread counts, every example valid against
 * the data set's own allowed table AND the independent validator, images
 * equal to the engine's render, and a save/load round trip.
 */
#include "../api/dataset_gen.h"
#include "../api/library.h"
#include "../api/readfile.h"
#include "../api/safetensors.h"
#include "testutil.h"
#include "validator/validator.h"

#include <unistd.h>

#define SIZE 16
#define COUNT 8

static void load_entry(const char *name, api_spec *spec)
{
	const char *dir = getenv("WFC_LIBRARY");
	if (!dir || !*dir) dir = "library";
	api_library *lib = NULL;
	api_error err = {0};
	cr_assert_eq(api_library_open(dir, &lib, &err), API_OK, "%s", err.message);
	cr_assert_eq(api_library_load(lib, name, spec, &err), API_OK, "%s", err.message);
	api_library_close(lib);
}

static void generate(const api_spec *spec, api_dataset_format format, int threads, api_dataset *ds)
{
	api_dataset_options opt = {.size = SIZE,
	                           .count = COUNT,
	                           .format = format,
	                           .seed = 7,
	                           .threads = threads,
	                           .source = "test"};
	api_error err = {0};
	cr_assert_eq(api_dataset_generate(spec, &opt, ds, &err), API_OK, "%s", err.message);
	cr_assert_eq(ds->count, COUNT);
	cr_assert_eq(ds->size, SIZE);
	cr_assert_geq(ds->vocab, 1);
	cr_assert_eq(ds->seed, 7);
	cr_assert_geq(ds->seed_end, 7 + COUNT);
}

/* Every neighbouring pair (wrapping too when periodic) is in allowed, in
 * both directions of each axis; and the first-seen order holds. */
static void check_allowed(const api_dataset *ds, bool periodic)
{
	static const int dx[4] = {-1, 0, 1, 0}, dy[4] = {0, 1, 0, -1};
	int V = ds->vocab, S = ds->size, next_new = 0;
	for (int k = 0; k < ds->count; k++) {
		const int32_t *g = ds->states + (size_t)k * S * S;
		for (int i = 0; i < S * S; i++) {
			cr_assert(g[i] >= 0 && g[i] < V);
			cr_assert_leq(g[i], next_new, "vocabulary not in first-seen order");
			if (g[i] == next_new) next_new++;
		}
		for (int y = 0; y < S; y++)
			for (int x = 0; x < S; x++)
				for (int d = 0; d < 4; d++) {
					int x2 = x + dx[d], y2 = y + dy[d];
					if (!periodic && (x2 < 0 || y2 < 0 || x2 >= S || y2 >= S))
						continue;
					x2 = (x2 + S) % S;
					y2 = (y2 + S) % S;
					int a = g[y * S + x], b = g[y2 * S + x2];
					cr_assert(
					    ds->allowed[((size_t)d * V + a) * V + b],
					    "example %d: %d at (%d,%d) next to %d in direction %d "
					    "is not allowed",
					    k, a, x, y, b, d);
				}
	}
	cr_assert_eq(next_new, V, "vocabulary holds entries that never occur");
}

static uint32_t argb_of(const api_dataset *ds, int v)
{
	const uint8_t *c = ds->colors + 3 * v;
	return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

static void check_overlapping_validator(const api_spec *spec, const api_dataset *ds)
{
	size_t area = (size_t)SIZE * SIZE;
	uint32_t *px = malloc(area * sizeof *px);
	for (int k = 0; k < ds->count; k++) {
		for (size_t i = 0; i < area; i++) {
			uint32_t c = argb_of(ds, ds->states[k * area + i]);
			if (ds->images) { /* images are the same colours */
				for (int ch = 0; ch < 3; ch++) {
					float want =
					    (float)((c >> (16 - 8 * ch)) & 0xff) / 255.0f * 2 - 1;
					cr_assert_float_eq(ds->images[(k * 3 + ch) * area + i],
					                   want, 1e-6);
				}
			}
			px[i] = c;
		}
		char why[256] = "";
		cr_assert(vld_check_overlapping(spec->sample.pixels, spec->sample.width,
		                                spec->sample.height, spec->N, spec->periodic_input,
		                                spec->symmetry, px, SIZE, SIZE, spec->periodic, why,
		                                sizeof why),
		          "example %d: %s", k, why);
	}
	free(px);
}

/* Example 0 is seed 7 when no seed contradicted: the pixels must be what
 * the engine renders for that seed (top-left SIZE x SIZE). */
static void check_render(const api_spec *spec, const api_dataset *ds)
{
	if (ds->seed_end != ds->seed + ds->count) return;
	api_spec gen = *spec;
	gen.width = gen.height = spec->periodic ? SIZE : SIZE + spec->N - 1;
	wfc_model *m;
	wfc_state *s;
	api_error err;
	cr_assert_eq(api_spec_build_model(&gen, &m, &err), API_OK);
	cr_assert_eq(wfc_state_create(m, &s, NULL), WFC_OK);
	cr_assert_eq(wfc_run(s, 7, -1, NULL), WFC_OK);
	uint32_t *px = malloc((size_t)gen.width * gen.height * sizeof *px);
	wfc_render(s, px);
	for (int y = 0; y < SIZE; y++)
		for (int x = 0; x < SIZE; x++)
			cr_assert_eq(px[y * gen.width + x], argb_of(ds, ds->states[y * SIZE + x]),
			             "pixel (%d,%d) differs from wfc_render", x, y);
	free(px);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

static void save(const api_dataset *ds, char *path)
{
	strcpy(path, "/tmp/wfc-ds-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	api_error err = {0};
	cr_assert_eq(api_dataset_save(path, ds, (uint64_t)ds->seed, &err), API_OK, "%s",
	             err.message);
}

static void check_same_file(const api_dataset *a, const api_dataset *b)
{
	char pa[64], pb[64];
	save(a, pa);
	save(b, pb);
	unsigned char *da, *db;
	size_t na, nb;
	api_error err;
	cr_assert_eq(api_read_file(pa, 1u << 30, &da, &na, &err), API_OK);
	cr_assert_eq(api_read_file(pb, 1u << 30, &db, &nb, &err), API_OK);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(da, db, na), 0, "1 and 2 threads wrote different files");
	free(da);
	free(db);
	unlink(pa);
	unlink(pb);
}

static void check_round_trip(const api_dataset *ds)
{
	char path[64];
	save(ds, path);
	api_dataset back;
	api_error err = {0};
	cr_assert_eq(api_dataset_load(path, &back, &err), API_OK, "%s", err.message);
	unlink(path);
	size_t cells = (size_t)ds->count * ds->size * ds->size, V = (size_t)ds->vocab;
	cr_assert_eq(back.format, ds->format);
	cr_assert_eq(back.count, ds->count);
	cr_assert_eq(back.size, ds->size);
	cr_assert_eq(back.vocab, ds->vocab);
	cr_assert_eq(back.model_kind, ds->model_kind);
	cr_assert_eq(back.seed, ds->seed);
	cr_assert_eq(back.seed_end, ds->seed_end);
	cr_assert_str_eq(back.source, "test");
	cr_assert_str_eq(back.spec_json, ds->spec_json);
	cr_assert_eq(memcmp(back.states, ds->states, cells * 4), 0);
	cr_assert_eq(memcmp(back.colors, ds->colors, V * 3), 0);
	cr_assert_eq(memcmp(back.allowed, ds->allowed, 4 * V * V), 0);
	cr_assert_eq(memcmp(back.vocab_ids, ds->vocab_ids, V * 4), 0);
	if (ds->images)
		cr_assert_eq(memcmp(back.images, ds->images, cells * 3 * sizeof(float)), 0);
	else
		cr_assert_null(back.images);
	api_dataset_free(&back);
}

Test(dataset, overlapping_periodic_rgb, .timeout = 120)
{
	api_spec spec;
	load_entry("Dungeon", &spec);
	cr_assert(spec.periodic);
	api_dataset one, two;
	generate(&spec, API_DATASET_RGB, 1, &one);
	generate(&spec, API_DATASET_RGB, 2, &two);
	cr_assert_eq(one.model_kind, 0);
	check_same_file(&one, &two);
	check_allowed(&one, true);
	check_overlapping_validator(&spec, &one);
	check_render(&spec, &one);
	check_round_trip(&one);
	api_dataset_free(&one);
	api_dataset_free(&two);
	api_spec_free(&spec);
}

/* A non-periodic output is (SIZE + N - 1)^2 pixels, cropped to its SIZE^2
 * pattern nodes: no wrapping pairs, windows checked where they fit. */
Test(dataset, overlapping_nonperiodic_onehot, .timeout = 120)
{
	api_spec spec;
	load_entry("Dungeon", &spec);
	spec.periodic = false;
	api_dataset ds;
	generate(&spec, API_DATASET_ONEHOT, 2, &ds);
	cr_assert_null(ds.images);
	check_allowed(&ds, false);
	check_overlapping_validator(&spec, &ds);
	check_render(&spec, &ds);
	check_round_trip(&ds);
	api_dataset_free(&ds);
	api_spec_free(&spec);
}

Test(dataset, tiled_validator, .timeout = 120)
{
	api_spec spec;
	load_entry("Pipes-Plain", &spec);
	cr_assert_not(spec.periodic);
	api_dataset one, two;
	generate(&spec, API_DATASET_RGB, 1, &one);
	generate(&spec, API_DATASET_RGB, 2, &two);
	cr_assert_eq(one.model_kind, 1);
	check_same_file(&one, &two);
	check_allowed(&one, false);
	check_round_trip(&one);

	/* the validator derives the pairs from the tileset's geometry */
	api_spec gen = spec;
	gen.width = gen.height = SIZE;
	wfc_model *m;
	api_error err;
	cr_assert_eq(api_spec_build_model(&gen, &m, &err), API_OK);
	vld_tileset ts;
	cr_assert_eq(vld_tileset_from_spec(&ts, &spec), 0);
	const char *cells[SIZE * SIZE];
	for (int k = 0; k < one.count; k++) {
		for (int i = 0; i < SIZE * SIZE; i++)
			cells[i] = wfc_model_variant_name(
			    m, one.vocab_ids[one.states[k * SIZE * SIZE + i]]);
		char why[256] = "";
		cr_assert(vld_check_tiled(&ts, cells, SIZE, SIZE, false, why, sizeof why),
		          "example %d: %s", k, why);
	}
	vld_tileset_free(&ts);
	wfc_model_destroy(m);
	api_dataset_free(&one);
	api_dataset_free(&two);
	api_spec_free(&spec);
}

Test(dataset, rejects_bad_options)
{
	api_spec spec;
	load_entry("Pipes", &spec);
	api_dataset ds;
	api_error err = {0};
	api_dataset_options opt = {.size = 0, .count = 4};
	cr_assert_eq(api_dataset_generate(&spec, &opt, &ds, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "size 0"), "%s", err.message);
	opt = (api_dataset_options){.size = 8, .count = 0};
	cr_assert_eq(api_dataset_generate(&spec, &opt, &ds, &err), API_ERR_INPUT);
	atomic_int cancel = 1;
	opt = (api_dataset_options){.size = 8, .count = 4, .cancel = &cancel};
	cr_assert_eq(api_dataset_generate(&spec, &opt, &ds, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "canceled"), "%s", err.message);
	cr_assert_null(ds.states);
	api_spec_free(&spec);
}

/* A file whose states are not vocabulary indices is refused on load. */
Test(dataset, load_rejects_bad_states)
{
	api_st_writer *w = api_st_writer_create();
	api_error err = {0};
	float states[4] = {0, 1, 2, 5}, colors[9] = {0}, allowed[36] = {0};
	api_st_set_meta(w, "format", "onehot", &err);
	api_st_set_meta(w, "size", "2", &err);
	api_st_set_meta(w, "count", "1", &err);
	api_st_set_meta(w, "vocab", "3", &err);
	api_st_add(w, "states", 3, (int64_t[]){1, 2, 2}, states, &err);
	api_st_add(w, "colors", 2, (int64_t[]){3, 3}, colors, &err);
	api_st_add(w, "allowed", 3, (int64_t[]){4, 3, 3}, allowed, &err);
	char path[] = "/tmp/wfc-ds-bad-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	cr_assert_eq(api_st_write_file(w, path, &err), API_OK);
	api_dataset ds;
	cr_assert_eq(api_dataset_load(path, &ds, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "'states': value 5"), "%s", err.message);
	cr_assert_null(ds.states);
	/* and a shape that disagrees with the metadata */
	api_st_set_meta(w, "size", "3", &err);
	cr_assert_eq(api_st_write_file(w, path, &err), API_OK);
	cr_assert_eq(api_dataset_load(path, &ds, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "shape (1,2,2), the metadata needs (1,3,3)"), "%s",
	          err.message);
	unlink(path);
	api_st_writer_destroy(w);
}
