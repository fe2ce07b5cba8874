/* test_guide_anchors.c - guided WFC's anchors (server/guide_nn.c): the
 * generator's layout is kept where it is locally right, WFC fills the rest,
 * and anchors whose gaps admit nothing are repaired, never fatal. A fake
 * generator stands in for a network: its "softmax" is the one-hot of a grid
 * that plain WFC made, corrupted where a test says. */
#include "../server/jobs_nn.h"
#include "rooms.h"
#include "validator/validator.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 24
#define CELLS (SIDE * SIDE)

typedef struct {
	wfc_model *m;
	wfc_state *s;
	int T;
	nn_generator g;
	float *probs;   /* (T, SIDE, SIDE) */
	int32_t ref[CELLS]; /* the grid the fake generator knows */
} fixture;

static void setup(fixture *f, int ref_seed)
{
	memset(f, 0, sizeof *f);
	wfc_error err;
	f->m = rooms_model(SIDE, true);
	cr_assert_eq(wfc_state_create(f->m, &f->s, &err), WFC_OK);
	f->T = wfc_model_pattern_count(f->m);
	cr_assert_eq(wfc_run(f->s, ref_seed, -1, NULL), WFC_OK);
	memcpy(f->ref, wfc_state_observed(f->s), sizeof f->ref);
	f->g.cfg.size = SIDE;
	f->g.vocab = f->T;
	f->g.vocab_ids = malloc((size_t)f->T * sizeof *f->g.vocab_ids);
	for (int t = 0; t < f->T; t++)
		f->g.vocab_ids[t] = t;
	f->probs = calloc((size_t)f->T * CELLS, sizeof *f->probs);
	for (int i = 0; i < CELLS; i++)
		f->probs[(size_t)f->ref[i] * CELLS + i] = 1;
}

static void teardown(fixture *f)
{
	free(f->probs);
	free(f->g.vocab_ids);
	wfc_state_destroy(f->s);
	wfc_model_destroy(f->m);
}

/* The fake generator now says pattern t at cell i. */
static void say(fixture *f, int i, int t)
{
	for (int v = 0; v < f->T; v++)
		f->probs[(size_t)v * CELLS + i] = v == t;
}

static bool output_valid(const fixture *f)
{
	uint32_t sample[ROOMS_SIDE * ROOMS_SIDE];
	rooms_sample(sample);
	uint32_t img[CELLS];
	wfc_render(f->s, img);
	char why[256] = "";
	bool ok = vld_check_overlapping(sample, ROOMS_SIDE, ROOMS_SIDE, 3, true, 8, img, SIDE,
	                                SIDE, true, why, sizeof why);
	if (!ok) cr_log_error("%s", why);
	return ok;
}

static void no_pins(int32_t *pins)
{
	for (int i = 0; i < CELLS; i++)
		pins[i] = -1;
}

Test(anchors, a_right_generator_anchors_every_cell)
{
	fixture f;
	setup(&f, 1);
	int32_t pins[CELLS];
	no_pins(pins);
	cr_assert_eq(srv_nn_anchors(f.probs, &f.g, f.m, pins), CELLS);
	cr_assert_arr_eq(pins, f.ref, sizeof pins);
	teardown(&f);
}

/* The fake generator is wrong at (x, y) only, with a pattern that breaks
 * at least one of the cell's four pairs: that cell and the neighbours it
 * breaks (across the edge too: the model is periodic) are left free, every
 * other cell is anchored to the reference. */
static void wrong_cell_at(int x, int y, int ref_seed)
{
	fixture f;
	setup(&f, ref_seed);
	static const int dx[4] = {-1, 0, 1, 0}, dy[4] = {0, 1, 0, -1};
	int nb[4];
	for (int d = 0; d < 4; d++)
		nb[d] = (x + dx[d] + SIDE) % SIDE + (y + dy[d] + SIDE) % SIDE * SIDE;
	int bad = -1;
	for (int t = 0; t < f.T && bad < 0; t++)
		for (int d = 0; d < 4; d++)
			if (!model_allows(f.m, d, t, f.ref[nb[d]])) bad = t;
	cr_assert(bad >= 0);
	int c = x + y * SIDE;
	say(&f, c, bad);
	int32_t pins[CELLS];
	no_pins(pins);
	long n = srv_nn_anchors(f.probs, &f.g, f.m, pins);
	cr_assert_eq(pins[c], -1, "the wrong cell is not anchored");
	int broken = 0;
	for (int d = 0; d < 4; d++)
		if (!model_allows(f.m, d, bad, f.ref[nb[d]])) {
			cr_assert_eq(pins[nb[d]], -1, "a neighbour it breaks is not anchored");
			broken++;
		}
	cr_assert_eq(n, CELLS - 1 - broken);
	for (int i = 0; i < CELLS; i++)
		if (pins[i] >= 0) cr_assert_eq(pins[i], f.ref[i], "anchors are the generator's guess");
	teardown(&f);
}

Test(anchors, a_wrong_cell_and_the_neighbours_it_breaks_are_left_free)
{
	wrong_cell_at(10, 11, 2);
}

Test(anchors, a_wrong_cell_breaks_its_neighbours_across_the_edges)
{
	wrong_cell_at(0, 0, 3);
	wrong_cell_at(SIDE - 1, SIDE - 1, 4);
}

/* A 6x6 block of nonsense: the run keeps the reference everywhere it was
 * anchored and fills the block validly. */
Test(anchors, the_run_keeps_the_anchors_and_fills_the_rest)
{
	fixture f;
	setup(&f, 3);
	uint32_t lcg = 7;
	for (int y = 8; y < 14; y++)
		for (int x = 8; x < 14; x++) {
			lcg = lcg * 1103515245u + 12345u;
			say(&f, x + y * SIDE, (int)((lcg >> 16) % (uint32_t)f.T));
		}
	int32_t pins[CELLS], anchors[CELLS];
	no_pins(pins);
	long n = srv_nn_anchors(f.probs, &f.g, f.m, pins);
	cr_assert(n >= CELLS - 8 * 8 && n < CELLS, "%ld anchors", n);
	memcpy(anchors, pins, sizeof pins);
	srv_nn_guide_tally t = {0};
	wfc_error err;
	cr_assert_eq(srv_nn_run_anchored(f.s, f.m, pins, NULL, 100, 10, NULL, &t, &err), WFC_OK);
	cr_assert(output_valid(&f));
	const int32_t *obs = wfc_state_observed(f.s);
	for (int i = 0; i < CELLS; i++)
		if (pins[i] >= 0) cr_assert_eq(obs[i], anchors[i], "cell %d kept its anchor", i);
	cr_assert_eq(t.pin_conflict, -1);
	cr_assert_eq(t.attempts, 1);
	teardown(&f);
}

/* Left half from one WFC grid, right half from another: each anchor agrees
 * with its neighbours, but the seams between the halves admit no pattern.
 * As hints, the conflict is repaired (the squares around it start over)
 * instead of failing: the run succeeds on its first seed, anchors kept.
 * (How many anchors hold is test_guide.c's; these room walls cannot meet
 * out of phase, so here the repairs grow to most of the grid.) */
Test(anchors, impossible_gaps_are_repaired_instead_of_failing)
{
	fixture f;
	setup(&f, 4);
	wfc_error err;
	int32_t pins[CELLS];
	int found = 0;
	for (int seed = 5; seed < 200 && !found; seed++) {
		cr_assert_eq(wfc_state_set_pins(f.s, NULL, &err), WFC_OK);
		cr_assert_eq(wfc_run(f.s, seed, -1, NULL), WFC_OK);
		const int32_t *other = wfc_state_observed(f.s);
		for (int i = 0; i < CELLS; i++) {
			int x = i % SIDE;
			pins[i] = x < SIDE / 2 - 1 ? f.ref[i] : x > SIDE / 2 ? other[i] : -1;
		}
		/* the halves alone must contradict for this test to mean anything */
		cr_assert_eq(wfc_state_set_pins(f.s, pins, &err), WFC_OK);
		found = wfc_run(f.s, 1, -1, NULL) == WFC_CONTRADICTION &&
		        wfc_state_pin_conflict(f.s) >= 0;
	}
	cr_assert(found, "two halves that do not fit together");
	int32_t before[CELLS];
	memcpy(before, pins, sizeof before);
	srv_nn_guide_tally t = {0};
	cr_assert_eq(srv_nn_run_anchored(f.s, f.m, pins, NULL, 9, 10, NULL, &t, &err), WFC_OK);
	cr_assert(output_valid(&f));
	cr_assert_eq(t.pin_conflict, -1);
	cr_assert_eq(t.attempts, 1, "repaired, not retried");
	cr_assert_gt(t.repairs, 0, "the seam was repaired");
	cr_assert_eq(t.dropped, 0);
	cr_assert_eq(memcmp(pins, before, sizeof pins), 0, "pins keeps the anchors");
	teardown(&f);
}

/* The user's pins are never dropped: two that cannot sit side by side
 * still fail, with the cell, even among anchors. */
Test(anchors, user_pins_that_cannot_hold_still_fail)
{
	fixture f;
	setup(&f, 6);
	int a = -1, b = -1;
	for (int t1 = 0; t1 < f.T && a < 0; t1++)
		for (int t2 = 0; t2 < f.T; t2++)
			if (!model_allows(f.m, 2, t1, t2)) {
				a = t1, b = t2;
				break;
			}
	cr_assert(a >= 0);
	int32_t user[CELLS], pins[CELLS];
	no_pins(user);
	int c = 5 + 7 * SIDE;
	user[c] = a;
	user[c + 1] = b;
	memcpy(pins, user, sizeof pins);
	cr_assert_gt(srv_nn_anchors(f.probs, &f.g, f.m, pins), 0);
	cr_assert_eq(pins[c], a, "user pins are left as they are");
	cr_assert_eq(pins[c + 1], b);
	srv_nn_guide_tally t = {0};
	wfc_error err;
	cr_assert_eq(srv_nn_run_anchored(f.s, f.m, pins, user, 1, 10, NULL, &t, &err),
	             WFC_CONTRADICTION);
	cr_assert_geq(t.pin_conflict, 0);
	/* with the anchors as hints the attempt runs out of repairs; then the
	 * anchors go and the pins alone show the conflict */
	cr_assert_eq(t.failed_attempts, 1);
	cr_assert_gt(t.dropped, 0);
	cr_assert_eq(pins[c], a);
	cr_assert_eq(pins[c + 1], b);
	for (int i = 0; i < CELLS; i++)
		if (user[i] < 0) cr_assert_eq(pins[i], -1, "anchor left in pins at %d", i);
	teardown(&f);
}

/* A guess the model forbids at its cell from the start (here the ground
 * rule: only the ground pattern in the bottom row) is neither anchored nor
 * counted on by its neighbours, which would otherwise start decided beside
 * a cell that can never agree with them. */
Test(anchors, guesses_the_ground_rule_forbids_anchor_nothing_around_them)
{
	wfc_model *m = rooms_model_with(SIDE, true, true);
	int T = wfc_model_pattern_count(m), p = -1;
	/* a pattern that may sit next to itself every way, allowed off the
	 * bottom row: a generator saying it everywhere agrees with itself */
	for (int t = 0; t < T - 1 && p < 0; t++) {
		bool self = true;
		for (int d = 0; d < 4; d++)
			self = self && model_allows(m, d, t, t);
		if (self) p = t;
	}
	cr_assert_geq(p, 0, "the rooms have a pattern that tiles");
	cr_assert_not(wfc_model_start_allows(m, 0, SIDE - 1, p));
	nn_generator g = {0};
	g.cfg.size = SIDE;
	g.vocab = T;
	g.vocab_ids = malloc((size_t)T * sizeof *g.vocab_ids);
	for (int t = 0; t < T; t++)
		g.vocab_ids[t] = t;
	float *probs = calloc((size_t)T * CELLS, sizeof *probs);
	for (int i = 0; i < CELLS; i++)
		probs[(size_t)p * CELLS + i] = 1;
	int32_t pins[CELLS];
	no_pins(pins);
	long n = srv_nn_anchors(probs, &g, m, pins);
	/* the bottom row stays free, and so do its neighbours: the row above
	 * it and, the output being periodic, row 0 below it */
	for (int i = 0; i < CELLS; i++) {
		int y = i / SIDE;
		bool free_row = y == SIDE - 1 || y == SIDE - 2 || y == 0;
		cr_assert_eq(pins[i], free_row ? -1 : p, "cell (%d, %d)", i % SIDE, y);
	}
	cr_assert_eq(n, (long)(SIDE - 3) * SIDE);
	free(probs);
	free(g.vocab_ids);
	wfc_model_destroy(m);
}

Test(anchors, model_periodic_and_nodes)
{
	wfc_model *p = rooms_model(SIDE, true), *q = rooms_model(SIDE, false);
	cr_assert(wfc_model_periodic(p));
	cr_assert_not(wfc_model_periodic(q));
	cr_assert(wfc_model_is_node(p, SIDE - 1, SIDE - 1));
	cr_assert(wfc_model_is_node(q, SIDE - 3, SIDE - 3));
	cr_assert_not(wfc_model_is_node(q, SIDE - 2, 0), "last N-1 columns follow");
	cr_assert_not(wfc_model_is_node(q, 0, SIDE - 1));
	cr_assert_not(wfc_model_is_node(p, SIDE, 0), "outside the grid");
	cr_assert_not(wfc_model_is_node(p, -1, 0));
	wfc_model_destroy(p);
	wfc_model_destroy(q);
}
