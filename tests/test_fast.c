/*
 * test_fast.c - the default (fast) mode: reproducible, valid after repairs,
 * lean in memory, and statistically the same generator as the reference
 * mode (pattern frequencies over many seeds agree).
 */
#include "../api/spec.h"
#include "../api/xml.h"
#include "../engine/wfc.h"
#include "rooms.h"
#include "testutil.h"
#include "validator/validator.h"

#include <math.h>

static void render_and_validate(const wfc_model *m, const wfc_state *s, bool periodic)
{
	int w, h;
	wfc_render_size(m, &w, &h);
	uint32_t *px = malloc((size_t)w * h * sizeof *px);
	wfc_render(s, px);
	uint32_t sample[ROOMS_SIDE * ROOMS_SIDE];
	rooms_sample(sample);
	char why[512] = "";
	bool ok = vld_check_overlapping(sample, ROOMS_SIDE, ROOMS_SIDE, 3, true, 8, px, w, h,
	                                periodic, why, sizeof why);
	free(px);
	cr_assert(ok, "fast-mode output rejected by the validator: %s", why);
}

Test(fast, is_the_default_and_reproducible)
{
	wfc_model *m = rooms_model(40, true);
	wfc_state *a, *b;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &a, &err), WFC_OK);
	cr_assert_eq(wfc_state_mode(a), WFC_MODE_FAST);
	cr_assert_eq(wfc_state_create_mode(m, WFC_MODE_FAST, &b, &err), WFC_OK);
	for (int seed = 1; seed <= 5; seed++) {
		cr_assert_eq(wfc_run(a, seed, -1, NULL), WFC_OK);
		cr_assert_eq(wfc_run(b, seed, -1, NULL), WFC_OK);
		cr_assert(wfc_state_complete(a));
		cr_expect_arr_eq(wfc_state_observed(a), wfc_state_observed(b), 40 * 40 * 4,
		                 "seed %d", seed);
		render_and_validate(m, a, true);
	}
	wfc_state_destroy(a);
	wfc_state_destroy(b);
	wfc_model_destroy(m);
}

Test(fast, non_periodic_outputs_are_valid)
{
	wfc_model *m = rooms_model(33, false);
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int ok = 0;
	for (int seed = 1; seed <= 10; seed++)
		if (wfc_run(s, seed, -1, NULL) == WFC_OK) {
			ok++;
			render_and_validate(m, s, false);
		}
	cr_expect_geq(ok, 9, "repairs keep almost every attempt alive (%d/10)", ok);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

Test(fast, unsatisfiable_stops_with_contradiction)
{
	/* a checkerboard cannot have an odd period: repairs cannot help */
	uint32_t px[4] = {0xff000000u, 0xffffffffu, 0xffffffffu, 0xff000000u};
	wfc_overlapping_spec spec = {.sample = px,
	                             .sample_width = 2,
	                             .sample_height = 2,
	                             .N = 2,
	                             .width = 31,
	                             .height = 31,
	                             .periodic_input = true,
	                             .periodic = true,
	                             .symmetry = 8};
	wfc_model *m;
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_model_create_overlapping(&spec, &m, &err), WFC_OK);
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	cr_expect_eq(wfc_run(s, 1, -1, NULL), WFC_CONTRADICTION);
	cr_expect_gt(wfc_state_repairs(s), 0, "it tried to repair first");
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

Test(fast, memory_per_cell)
{
	/* T <= 128 must stay within 64 bytes per cell (the engine's target at
	 * 1024x1024); T = 128 is the worst case of that range (two words per
	 * set). The reference mode's AC-4 counters alone take 16 * T. */
	enum { TILES = 32 };
	static uint32_t px[TILES][4];
	static const uint32_t *images[TILES][1];
	static char names[TILES][16];
	wfc_tile tiles[TILES];
	wfc_neighbor rules[TILES];
	for (int i = 0; i < TILES; i++) {
		for (int k = 0; k < 4; k++)
			px[i][k] = 0xff000000u | (uint32_t)(i * 4 + k);
		images[i][0] = px[i];
		snprintf(names[i], sizeof names[i], "t%d", i);
		tiles[i] = (wfc_tile){names[i], 'L', 1.0, images[i], 1};
		rules[i] = (wfc_neighbor){names[i], 0, names[(i + 1) % TILES], 1};
	}
	wfc_tiled_spec spec = {.tiles = tiles,
	                       .tile_count = TILES,
	                       .tile_size = 2,
	                       .neighbors = rules,
	                       .neighbor_count = TILES,
	                       .width = 256,
	                       .height = 256};
	wfc_model *m;
	wfc_error err;
	cr_assert_eq(wfc_model_create_tiled(&spec, &m, &err), WFC_OK, "%s", err.message);
	cr_assert_eq(wfc_model_pattern_count(m), 128);
	wfc_state *fast, *ref;
	cr_assert_eq(wfc_state_create(m, &fast, &err), WFC_OK);
	cr_assert_eq(wfc_state_create_mode(m, WFC_MODE_REFERENCE, &ref, &err), WFC_OK);
	double cells = 256.0 * 256.0;
	cr_expect_leq(wfc_state_memory(fast) / cells, 64.0, "%.1f bytes per cell",
	              wfc_state_memory(fast) / cells);
	cr_expect_gt(wfc_state_memory(ref), 16 * wfc_state_memory(fast));
	wfc_state_destroy(fast);
	wfc_state_destroy(ref);
	wfc_model_destroy(m);
}

/* Frequencies of the legend indices (colours) over many outputs of a mode. */
static void colour_histogram(const wfc_model *m, wfc_mode mode, int runs, double *hist)
{
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create_mode(m, mode, &s, &err), WFC_OK);
	int W = wfc_model_width(m), H = wfc_model_height(m), K = wfc_model_legend_count(m);
	int32_t *grid = malloc((size_t)W * H * sizeof *grid);
	long total = 0;
	for (int k = 0; k < K; k++)
		hist[k] = 0;
	for (int seed = 1, done = 0; done < runs && seed < 10 * runs; seed++) {
		if (wfc_run(s, seed, -1, NULL) != WFC_OK) continue;
		cr_assert(wfc_state_grid(s, grid));
		for (int i = 0; i < W * H; i++)
			hist[grid[i]]++;
		total += W * H;
		done++;
	}
	for (int k = 0; k < K; k++)
		hist[k] /= (double)total;
	free(grid);
	wfc_state_destroy(s);
}

/* Pattern frequencies: per pattern, the share of cells holding it. */
static void pattern_histogram(const wfc_model *m, wfc_mode mode, int runs, double *hist)
{
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create_mode(m, mode, &s, &err), WFC_OK);
	int cells = wfc_model_width(m) * wfc_model_height(m), T = wfc_model_pattern_count(m);
	long total = 0;
	for (int t = 0; t < T; t++)
		hist[t] = 0;
	for (int seed = 1, done = 0; done < runs && seed < 10 * runs; seed++) {
		if (wfc_run(s, seed, -1, NULL) != WFC_OK) continue;
		const int32_t *obs = wfc_state_observed(s);
		for (int i = 0; i < cells; i++)
			hist[obs[i]]++;
		total += cells;
		done++;
	}
	for (int t = 0; t < T; t++)
		hist[t] /= (double)total;
	wfc_state_destroy(s);
}

static double total_variation(const double *a, const double *b, int n)
{
	double tv = 0;
	for (int i = 0; i < n; i++)
		tv += fabs(a[i] - b[i]);
	return tv / 2;
}

/* The tolerance: two independent batches of the same mode differ by about
 * 0.01-0.02 in total variation at these sizes; 0.05 leaves room for noise
 * while catching a biased generator (e.g. one that never picks a pattern). */
#define TV_TOLERANCE 0.05

Test(fast, same_pattern_frequencies_as_reference, .timeout = 120)
{
	wfc_model *m = rooms_model(24, true);
	int T = wfc_model_pattern_count(m);
	double *fast = calloc((size_t)T, sizeof *fast), *ref = calloc((size_t)T, sizeof *ref);
	int runs = test_quick() ? 40 : 150;
	pattern_histogram(m, WFC_MODE_FAST, runs, fast);
	pattern_histogram(m, WFC_MODE_REFERENCE, runs, ref);
	double tv = total_variation(fast, ref, T);
	cr_log_info("rooms 24x24: pattern TV distance fast vs reference %.4f (%d runs)", tv, runs);
	cr_expect_lt(tv, test_quick() ? 2 * TV_TOLERANCE : TV_TOLERANCE, "TV %.4f", tv);
	double cf[8], cr[8];
	colour_histogram(m, WFC_MODE_FAST, runs, cf);
	colour_histogram(m, WFC_MODE_REFERENCE, runs, cr);
	for (int k = 0; k < wfc_model_legend_count(m); k++)
		cr_expect_lt(fabs(cf[k] - cr[k]), 0.03, "colour %d: %.3f vs %.3f", k, cf[k], cr[k]);
	free(fast);
	free(ref);
	wfc_model_destroy(m);
}

/* The corpus: Knots (tiled) and Flowers (overlapping with ground). */
static void corpus_frequencies(int entry, int size, int runs)
{
	REQUIRE_SHARED();
	api_spec spec;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(test_shared_path("corpus/samples.xml"), entry, &spec, &err),
	             API_OK, "%s", err.message);
	spec.width = spec.height = size;
	wfc_model *m;
	cr_assert_eq(api_spec_build_model(&spec, &m, &err), API_OK, "%s", err.message);
	int T = wfc_model_pattern_count(m);
	double *fast = calloc((size_t)T, sizeof *fast), *ref = calloc((size_t)T, sizeof *ref);
	pattern_histogram(m, WFC_MODE_FAST, runs, fast);
	pattern_histogram(m, WFC_MODE_REFERENCE, runs, ref);
	double tv = total_variation(fast, ref, T);
	cr_log_info("%s %dx%d: pattern TV distance fast vs reference %.4f (%d runs)", spec.name,
	            size, size, tv, runs);
	cr_expect_lt(tv, test_quick() ? 2 * TV_TOLERANCE : TV_TOLERANCE, "%s: TV %.4f", spec.name,
	             tv);
	free(fast);
	free(ref);
	wfc_model_destroy(m);
	api_spec_free(&spec);
}

Test(fast, knots_frequencies_match_reference, .timeout = 120)
{
	corpus_frequencies(29, 24, test_quick() ? 40 : 200);
}

Test(fast, flowers_frequencies_match_reference, .timeout = 120)
{
	corpus_frequencies(4, 32, test_quick() ? 20 : 100);
}

/* Summer at 48x48 needs repairs; every repaired output must validate. */
Test(fast, repaired_tiled_outputs_are_valid, .timeout = 120)
{
	REQUIRE_SHARED();
	api_spec spec;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(test_shared_path("corpus/samples.xml"), 26, &spec, &err),
	             API_OK, "%s", err.message);
	spec.width = spec.height = 48;
	wfc_model *m;
	cr_assert_eq(api_spec_build_model(&spec, &m, &err), API_OK, "%s", err.message);
	wfc_state *s;
	wfc_error werr;
	cr_assert_eq(wfc_state_create(m, &s, &werr), WFC_OK);
	vld_tileset ts;
	cr_assert_eq(vld_tileset_from_spec(&ts, &spec), 0);
	int repaired = 0, ok = 0, runs = test_quick() ? 5 : 20;
	const char **cells = malloc(48 * 48 * sizeof *cells);
	for (int seed = 1; seed <= runs; seed++) {
		if (wfc_run(s, seed, -1, NULL) != WFC_OK) continue;
		ok++;
		repaired += wfc_state_repairs(s) > 0;
		const int32_t *obs = wfc_state_observed(s);
		for (int i = 0; i < 48 * 48; i++)
			cells[i] = wfc_model_variant_name(m, obs[i]);
		char why[512] = "";
		cr_assert(vld_check_tiled(&ts, cells, 48, 48, false, why, sizeof why),
		          "seed %d (%d repairs): %s", seed, wfc_state_repairs(s), why);
	}
	cr_expect_eq(ok, runs, "every Summer 48x48 attempt completes (%d/%d)", ok, runs);
	cr_expect_gt(repaired, 0, "some outputs needed repairs");
	free(cells);
	vld_tileset_free(&ts);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	api_spec_free(&spec);
}
