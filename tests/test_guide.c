/* test_guide.c - per-cell priors and pinned cells (engine/guide.c). */
#include "../engine/wfc.h"
#include "rooms.h"
#include "validator/validator.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 24

static bool output_valid(const wfc_state *s, const wfc_model *m)
{
	uint32_t sample[ROOMS_SIDE * ROOMS_SIDE];
	rooms_sample(sample);
	int w, h;
	wfc_render_size(m, &w, &h);
	uint32_t *img = malloc((size_t)w * h * sizeof *img);
	wfc_render(s, img);
	char why[256] = "";
	bool ok = vld_check_overlapping(sample, ROOMS_SIDE, ROOMS_SIDE, 3, true, 8, img, w, h,
	                                true, why, sizeof why);
	if (!ok) cr_log_error("%s", why);
	free(img);
	return ok;
}

Test(guide, pinned_cells_keep_their_pattern)
{
	wfc_model *m = rooms_model(SIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int T = wfc_model_pattern_count(m), cells = SIDE * SIDE;
	int32_t *pins = malloc(cells * sizeof *pins);
	for (int seed = 1; seed <= 20; seed++) {
		/* pin the patterns a plain run chose at a few cells, then run
		 * another seed with those pins: the cells must keep them */
		cr_assert_eq(wfc_state_set_pins(s, NULL, &err), WFC_OK);
		cr_assert_eq(wfc_run(s, seed, -1, NULL), WFC_OK);
		const int32_t *obs = wfc_state_observed(s);
		for (int i = 0; i < cells; i++)
			pins[i] = i % 37 == seed % 37 ? obs[i] : -1;
		cr_assert_eq(wfc_state_set_pins(s, pins, &err), WFC_OK, "%s", err.message);
		cr_assert_eq(wfc_run(s, seed + 1000, -1, NULL), WFC_OK, "seed %d", seed);
		cr_assert(wfc_state_complete(s));
		obs = wfc_state_observed(s);
		for (int i = 0; i < cells; i++)
			if (pins[i] >= 0)
				cr_assert_eq(obs[i], pins[i], "cell %d lost its pin (seed %d)", i, seed);
		cr_assert(output_valid(s, m), "seed %d", seed);
		cr_assert_eq(wfc_state_pin_conflict(s), -1);
	}
	(void)T;
	free(pins);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* Two patterns that may not sit side by side, pinned side by side. */
Test(guide, impossible_pins_are_reported)
{
	wfc_model *m = rooms_model(SIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int T = wfc_model_pattern_count(m);
	int a = -1, b = -1;
	for (int t1 = 0; t1 < T && a < 0; t1++)
		for (int t2 = 0; t2 < T && a < 0; t2++)
			if (!model_allows(m, 2, t1, t2)) a = t1, b = t2;
	cr_assert(a >= 0, "the rooms model has a forbidden pair");
	int32_t pins[SIDE * SIDE];
	for (int i = 0; i < SIDE * SIDE; i++)
		pins[i] = -1;
	int cell = 5 + 7 * SIDE;
	pins[cell] = a;
	pins[cell + 1] = b; /* direction 2 is +x */
	cr_assert_eq(wfc_state_set_pins(s, pins, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 1, -1, NULL), WFC_CONTRADICTION);
	int at = wfc_state_pin_conflict(s);
	cr_assert(at >= 0, "the conflict is attributed to the pins");
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

Test(guide, bad_pins_and_priors_are_refused)
{
	wfc_model *m = rooms_model(SIDE, false);
	wfc_state *s = NULL, *ref = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int T = wfc_model_pattern_count(m), cells = SIDE * SIDE;
	int32_t *pins = malloc(cells * sizeof *pins);
	for (int i = 0; i < cells; i++)
		pins[i] = -1;
	pins[0] = T;
	cr_assert_eq(wfc_state_set_pins(s, pins, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "names pattern"), "%s", err.message);
	pins[0] = -1;
	pins[cells - 1] = 0; /* last row/column: not a node when non-periodic */
	cr_assert_eq(wfc_state_set_pins(s, pins, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "cannot be pinned"), "%s", err.message);
	float *pri = calloc((size_t)cells * T, sizeof *pri);
	pri[3] = -1;
	cr_assert_eq(wfc_state_set_priors(s, pri, &err), WFC_ERR_INPUT);
	cr_assert_eq(wfc_state_create_mode(m, WFC_MODE_REFERENCE, &ref, &err), WFC_OK);
	cr_assert_eq(wfc_state_set_pins(ref, NULL, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "fast mode"), "%s", err.message);
	free(pri);
	free(pins);
	wfc_state_destroy(ref);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* Priors that put all their mass on a valid output reproduce it exactly:
 * every observation picks the target's pattern, which propagation can
 * never have removed (the target stays a solution). With one cell in 41
 * cells wrong, the output is still valid and follows the target on most
 * of the others. */
Test(guide, priors_steer_towards_a_layout)
{
	wfc_model *m = rooms_model(SIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int T = wfc_model_pattern_count(m), cells = SIDE * SIDE;
	int32_t *target = malloc(cells * sizeof *target);
	float *pri = malloc((size_t)cells * T * sizeof *pri);
	long guided = 0, plain = 0;
	for (int seed = 1; seed <= 10; seed++) {
		cr_assert_eq(wfc_state_set_priors(s, NULL, &err), WFC_OK);
		cr_assert_eq(wfc_generate(s, seed, 10, true, -1, NULL, NULL), WFC_OK);
		memcpy(target, wfc_state_observed(s), cells * sizeof *target);
		for (int i = 0; i < cells; i++)
			for (int t = 0; t < T; t++)
				pri[(size_t)i * T + t] = t == target[i] ? 1.0f : 0.0f;
		cr_assert_eq(wfc_state_set_priors(s, pri, &err), WFC_OK);
		cr_assert_eq(wfc_run(s, seed + 500, -1, NULL), WFC_OK);
		cr_assert_eq(wfc_state_repairs(s), 0);
		for (int i = 0; i < cells; i++)
			cr_assert_eq(wfc_state_observed(s)[i], target[i], "seed %d cell %d", seed, i);

		/* now mislead one cell in 41 */
		for (int i = 0; i < cells; i += 41) {
			int wrong = (target[i] + 1 + seed) % T;
			for (int t = 0; t < T; t++)
				pri[(size_t)i * T + t] = t == wrong ? 1.0f : 0.0f;
		}
		cr_assert_eq(wfc_state_set_priors(s, pri, &err), WFC_OK);
		cr_assert_eq(wfc_generate(s, seed + 900, 10, true, -1, NULL, NULL), WFC_OK);
		cr_assert(output_valid(s, m), "seed %d", seed);
		for (int i = 0; i < cells; i++)
			guided += wfc_state_observed(s)[i] == target[i];
		/* the same seed without priors: agreement by chance */
		cr_assert_eq(wfc_state_set_priors(s, NULL, &err), WFC_OK);
		cr_assert_eq(wfc_generate(s, seed + 900, 10, true, -1, NULL, NULL), WFC_OK);
		for (int i = 0; i < cells; i++)
			plain += wfc_state_observed(s)[i] == target[i];
	}
	cr_log_info("cells that follow the target: guided %ld, plain %ld of %d", guided, plain,
	            10 * cells);
	cr_assert_gt(guided, 10 * cells / 2);
	cr_assert_gt(guided, 3 * plain);
	free(pri);
	free(target);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* Priors over a vocabulary are the per-cell priors they stand for: the
 * same runs, bit for bit, for a vocabulary that leaves patterns out. */
Test(guide, vocabulary_priors_equal_the_full_array)
{
	wfc_model *m = rooms_model(SIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int T = wfc_model_pattern_count(m), cells = SIDE * SIDE, V = T - 2;
	int32_t *pattern_of = malloc(V * sizeof *pattern_of);
	float *p = malloc((size_t)V * cells * sizeof *p);
	float *full = malloc((size_t)T * cells * sizeof *full);
	int32_t *first = malloc(cells * sizeof *first);
	const float floor = 0.01f;
	for (int v = 0; v < V; v++)
		pattern_of[v] = (v * 7 + 3) % T; /* a permutation of T minus 2 patterns */
	uint32_t lcg = 99;
	for (int t = 0; t < T; t++)
		for (int i = 0; i < cells; i++)
			full[(size_t)i * T + t] = floor;
	for (int v = 0; v < V; v++)
		for (int i = 0; i < cells; i++) {
			lcg = lcg * 1103515245u + 12345u;
			float x = (float)((lcg >> 16) % 1000) / 1000.0f;
			p[(size_t)v * cells + i] = x;
			full[(size_t)i * T + pattern_of[v]] = floor + x;
		}
	for (int seed = 1; seed <= 10; seed++) {
		cr_assert_eq(wfc_state_set_priors(s, full, &err), WFC_OK);
		wfc_status a = wfc_run(s, seed, -1, NULL);
		memcpy(first, wfc_state_observed(s), cells * sizeof *first);
		cr_assert_eq(wfc_state_set_vocab_priors(s, p, V, pattern_of, floor, &err), WFC_OK,
		             "%s", err.message);
		cr_assert_eq(wfc_run(s, seed, -1, NULL), a);
		cr_assert_arr_eq(wfc_state_observed(s), first, cells * sizeof *first, "seed %d", seed);
	}
	/* and they do guide: without them the runs differ */
	cr_assert_eq(wfc_state_set_vocab_priors(s, NULL, 0, NULL, 0, &err), WFC_OK);
	int differ = 0;
	for (int seed = 1; seed <= 10; seed++) {
		cr_assert_eq(wfc_state_set_priors(s, full, &err), WFC_OK);
		wfc_run(s, seed, -1, NULL);
		memcpy(first, wfc_state_observed(s), cells * sizeof *first);
		cr_assert_eq(wfc_state_set_priors(s, NULL, &err), WFC_OK);
		wfc_run(s, seed, -1, NULL);
		differ += memcmp(first, wfc_state_observed(s), cells * sizeof *first) != 0;
	}
	cr_assert_gt(differ, 0);
	/* bad input: a repeated pattern, a negative prior, too many entries */
	pattern_of[1] = pattern_of[0];
	cr_assert_eq(wfc_state_set_vocab_priors(s, p, V, pattern_of, floor, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "distinct"), "%s", err.message);
	pattern_of[1] = (1 * 7 + 3) % T;
	p[5] = -1;
	cr_assert_eq(wfc_state_set_vocab_priors(s, p, V, pattern_of, floor, &err), WFC_ERR_INPUT);
	p[5] = 0;
	cr_assert_eq(wfc_state_set_vocab_priors(s, p, T + 1, pattern_of, floor, &err),
	             WFC_ERR_INPUT);
	cr_assert_eq(wfc_state_set_vocab_priors(s, p, V, pattern_of, -1, &err), WFC_ERR_INPUT);
	free(pattern_of), free(p), free(full), free(first);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* ---- hints (wfc_state_set_hints) ------------------------------------- */

/* Hints from a valid output hold everywhere, with nothing to repair, and
 * the state forgets them when cleared. */
Test(guide, hints_from_a_valid_grid_hold_with_no_repairs)
{
	wfc_model *m = rooms_model(SIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int cells = SIDE * SIDE;
	int32_t *hints = malloc(cells * sizeof *hints);
	cr_assert_eq(wfc_run(s, 3, -1, NULL), WFC_OK);
	memcpy(hints, wfc_state_observed(s), cells * sizeof *hints);
	cr_assert_eq(wfc_state_set_hints(s, hints, &err), WFC_OK, "%s", err.message);
	cr_assert_eq(wfc_run(s, 77, -1, NULL), WFC_OK);
	cr_assert_eq(wfc_state_repairs(s), 0);
	cr_assert_eq(memcmp(wfc_state_observed(s), hints, cells * sizeof *hints), 0);
	size_t with = wfc_state_memory(s);
	cr_assert_eq(wfc_state_set_hints(s, NULL, &err), WFC_OK);
	cr_assert_eq(wfc_state_memory(s), with - cells * sizeof *hints, "the hints' bytes go too");
	cr_assert_eq(wfc_run(s, 77, -1, NULL), WFC_OK);
	cr_assert_neq(memcmp(wfc_state_observed(s), hints, cells * sizeof *hints), 0,
	              "seed 77 without hints is another grid");
	free(hints);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* A valid output with a block of nonsense in it: as pins the block is
 * impossible; as hints it is repaired where it shows, the output is valid,
 * and the hints away from the block hold. */
Test(guide, contradicting_hints_are_repaired)
{
	enum { WIDE = 48, B0 = 20, B1 = 26 }; /* the block: [B0, B1) squared */
	wfc_model *m = rooms_model(WIDE, true);
	wfc_state *s = NULL;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int cells = WIDE * WIDE, T = wfc_model_pattern_count(m);
	int32_t *hints = malloc(cells * sizeof *hints);
	cr_assert_eq(wfc_run(s, 4, -1, NULL), WFC_OK);
	memcpy(hints, wfc_state_observed(s), cells * sizeof *hints);
	uint32_t lcg = 99;
	for (int y = B0; y < B1; y++)
		for (int x = B0; x < B1; x++) {
			lcg = lcg * 1103515245u + 12345u;
			hints[x + y * WIDE] = (int32_t)((lcg >> 16) % (uint32_t)T);
		}
	cr_assert_eq(wfc_state_set_pins(s, hints, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 1, -1, NULL), WFC_CONTRADICTION, "as pins: impossible");
	cr_assert_geq(wfc_state_pin_conflict(s), 0);
	cr_assert_eq(wfc_state_set_pins(s, NULL, &err), WFC_OK);
	cr_assert_eq(wfc_state_set_hints(s, hints, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 1, -1, NULL), WFC_OK);
	cr_assert_eq(wfc_state_pin_conflict(s), -1, "no pins, no pin conflict");
	cr_assert_gt(wfc_state_repairs(s), 0);
	cr_assert(output_valid(s, m));
	/* a repair resets at most 8 cells around a conflict cell, which lies
	 * at most a cell beyond the block (its neighbours' sets empty first) */
	const int32_t *obs = wfc_state_observed(s);
	int far = 0, held = 0;
	for (int y = 0; y < WIDE; y++)
		for (int x = 0; x < WIDE; x++) {
			bool near = x >= B0 - 10 && x < B1 + 10 && y >= B0 - 10 && y < B1 + 10;
			if (near) continue;
			far++;
			held += obs[x + y * WIDE] == hints[x + y * WIDE];
		}
	cr_assert_gt(held, far * 9 / 10, "%d of %d hints away from the block held", held, far);
	free(hints);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* Pins win over hints, a hint the start set rules out is ignored, and bad
 * arrays are refused with a message. */
Test(guide, hints_yield_to_pins_and_the_ground_rule)
{
	wfc_model *g = rooms_model_with(SIDE, true, true);
	wfc_error err;
	int T = wfc_model_pattern_count(g), ground = T - 1;
	/* the ground rule, as wfc_model_start_allows tells it */
	cr_assert(wfc_model_start_allows(g, 3, SIDE - 1, ground));
	cr_assert_not(wfc_model_start_allows(g, 3, SIDE - 1, 0));
	cr_assert_not(wfc_model_start_allows(g, 3, 0, ground));
	cr_assert(wfc_model_start_allows(g, 3, 0, 0));
	cr_assert_not(wfc_model_start_allows(g, -1, 0, 0));
	cr_assert_not(wfc_model_start_allows(g, 0, SIDE, 0));
	cr_assert_not(wfc_model_start_allows(g, 0, 0, T));
	/* a bottom row hinted with a pattern the ground rule forbids there:
	 * the hints are ignored, so the run is the plain one, step for step */
	wfc_state *gs = NULL;
	cr_assert_eq(wfc_state_create(g, &gs, &err), WFC_OK);
	int32_t row[SIDE * SIDE], plain[SIDE * SIDE];
	wfc_status plain_status = wfc_run(gs, 1, -1, NULL);
	int plain_repairs = wfc_state_repairs(gs);
	memcpy(plain, wfc_state_observed(gs), sizeof plain);
	for (int i = 0; i < SIDE * SIDE; i++)
		row[i] = i / SIDE == SIDE - 1 ? 0 : -1;
	cr_assert_eq(wfc_state_set_hints(gs, row, &err), WFC_OK);
	cr_assert_eq(wfc_run(gs, 1, -1, NULL), plain_status);
	cr_assert_eq(wfc_state_repairs(gs), plain_repairs);
	cr_assert_eq(memcmp(wfc_state_observed(gs), plain, sizeof plain), 0);
	wfc_state_destroy(gs);
	wfc_model_destroy(g);

	wfc_model *m = rooms_model(SIDE, false);
	wfc_state *s = NULL;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int cells = SIDE * SIDE;
	T = wfc_model_pattern_count(m);
	int32_t *pins = malloc(cells * sizeof *pins), *hints = malloc(cells * sizeof *hints);
	cr_assert_eq(wfc_run(s, 8, -1, NULL), WFC_OK);
	memcpy(hints, wfc_state_observed(s), cells * sizeof *hints);
	for (int i = 0; i < cells; i++)
		if (!wfc_model_is_node(m, i % SIDE, i / SIDE)) hints[i] = -1;
	/* every 7th node pinned to its own pattern, and hinted with another */
	for (int i = 0; i < cells; i++) {
		pins[i] = hints[i] >= 0 && i % 7 == 0 ? hints[i] : -1;
		if (pins[i] >= 0) hints[i] = (hints[i] + 1) % T;
	}
	cr_assert_eq(wfc_state_set_pins(s, pins, &err), WFC_OK);
	cr_assert_eq(wfc_state_set_hints(s, hints, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 2, -1, NULL), WFC_OK);
	cr_assert_eq(wfc_state_repairs(s), 0, "the pins and the other hints agree");
	const int32_t *obs = wfc_state_observed(s);
	for (int i = 0; i < cells; i++) {
		if (pins[i] >= 0) cr_assert_eq(obs[i], pins[i], "pin at %d", i);
		else if (hints[i] >= 0) cr_assert_eq(obs[i], hints[i], "hint at %d", i);
	}
	cr_assert(output_valid(s, m));
	/* refused: a pattern out of range, a non-node, the reference mode */
	hints[5] = T;
	cr_assert_eq(wfc_state_set_hints(s, hints, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "hint at cell (5, 0)"), "%s", err.message);
	hints[5] = -1;
	hints[SIDE - 1] = 0; /* last column of a non-periodic output */
	cr_assert_eq(wfc_state_set_hints(s, hints, &err), WFC_ERR_INPUT);
	cr_assert(strstr(err.message, "cannot be pinned"), "%s", err.message);
	wfc_state *r = NULL;
	cr_assert_eq(wfc_state_create_mode(m, WFC_MODE_REFERENCE, &r, &err), WFC_OK);
	cr_assert_eq(wfc_state_set_hints(r, NULL, &err), WFC_ERR_INPUT);
	wfc_state_destroy(r);
	free(pins);
	free(hints);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}
