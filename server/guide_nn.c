/*
 * guide_nn.c - anchors: the generator's layout kept where it is right
 * (jobs_nn.h, "guided").
 *
 * A cell is an anchor when the generator's most likely pattern there agrees
 * (the model's propagator) with the most likely pattern of each of its four
 * neighbours: the generator was locally right. Anchors go to the engine as
 * hints (wfc_state_set_hints): a hinted cell starts the run decided, so WFC
 * only fills the rest, where the priors guide it. Decided cells need no
 * observation and shrink only once, which is why a good generator makes
 * guided WFC cheaper than plain WFC; a generator that is wrong everywhere
 * leaves no anchors, and the run is priors-only.
 *
 * Anchors are only a guess: pairs agree, yet the gaps between them may
 * admit nothing, through constraints that reach further than one cell.
 * Being hints, not pins, such a conflict is repaired where it shows (the
 * cells around it start over, anchors included); only when an attempt
 * runs out of repairs do all anchors go, so a guided job never does worse
 * than the priors alone. The user's pins stay pins: a conflict they cause
 * alone is the caller's 422.
 */
#include "jobs_nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float srv_nn_floor(const nn_generator *g)
{
	return g->guide_floor > 0 ? g->guide_floor : SRV_NN_PRIOR_EPS;
}

wfc_status srv_nn_set_priors(wfc_state *st, const wfc_model *wm, const nn_generator *g,
                             const float *probs, float floor, wfc_error *err)
{
	int W = wfc_model_width(wm), H = wfc_model_height(wm), S = g->cfg.size, V = g->vocab;
	const float *c = g->guide_scale;
	if (S == W && S == H && !c)
		return wfc_state_set_vocab_priors(st, probs, V, g->vocab_ids, floor, err);
	/* cell (x, y) of the generator is node (x, y) of the model
	 * (api/dataset_gen.h); cells it does not cover get the floor only; a
	 * calibrated generator's entries are scaled (srv_nn_fit_scale) */
	size_t cells = (size_t)W * H;
	float *planes = calloc((size_t)V * cells, sizeof *planes);
	if (!planes) {
		snprintf(err->message, sizeof err->message, "out of memory for priors");
		return WFC_ERR_NOMEM;
	}
	for (int v = 0; v < V; v++)
		for (int y = 0; y < S && y < H; y++)
			for (int x = 0; x < S && x < W; x++)
				planes[v * cells + (size_t)y * W + x] =
				    (c ? c[v] : 1.0f) * probs[((size_t)v * S + y) * S + x];
	wfc_status rc = wfc_state_set_vocab_priors(st, planes, V, g->vocab_ids, floor, err);
	free(planes);
	return rc;
}

int32_t *srv_nn_entry_of(const nn_generator *g, int T)
{
	int32_t *entry = malloc((size_t)(T > 0 ? T : 1) * sizeof *entry);
	if (!entry) return NULL;
	for (int t = 0; t < T; t++)
		entry[t] = -1;
	for (int v = 0; v < g->vocab; v++)
		if (g->vocab_ids[v] >= 0 && g->vocab_ids[v] < T) entry[g->vocab_ids[v]] = v;
	return entry;
}

/* ok[(d * V + a) * V + b]: entry b may sit in direction d of entry a (the
 * model's propagator, read once per run rather than once per pair). */
static uint8_t *vocab_agreement(const wfc_model *wm, const nn_generator *g)
{
	int T = wfc_model_pattern_count(wm), V = g->vocab;
	int32_t *entry = srv_nn_entry_of(g, T);
	uint8_t *ok = calloc((size_t)4 * V * V, 1);
	if (!entry || !ok) {
		free(entry), free(ok);
		return NULL;
	}
	for (int d = 0; d < 4; d++)
		for (int a = 0; a < V; a++) {
			int len = 0, t = g->vocab_ids[a];
			if (t < 0 || t >= T) continue;
			const int32_t *list = wfc_model_propagator(wm, d, t, &len);
			for (int k = 0; k < len; k++)
				if (entry[list[k]] >= 0) ok[((size_t)d * V + a) * V + entry[list[k]]] = 1;
		}
	free(entry);
	return ok;
}

static const int dx[4] = {-1, 0, 1, 0}, dy[4] = {0, 1, 0, -1};

/* Neighbour d of cell (x, y), or -1 off a non-periodic edge. */
static int neighbour(int x, int y, int d, int W, int H, bool periodic)
{
	int nx = x + dx[d], ny = y + dy[d];
	if (periodic) { /* one step off an edge at most: no division */
		nx = nx < 0 ? nx + W : nx >= W ? nx - W : nx;
		ny = ny < 0 ? ny + H : ny >= H ? ny - H : ny;
	}
	return nx < 0 || ny < 0 || nx >= W || ny >= H ? -1 : ny * W + nx;
}

/* The most likely of the V entries at cell q (planes ss floats apart; the
 * first on ties). Branch-free (selects, not jumps): which entry wins a
 * cell is unpredictable, and mispredicted jumps made this a tenth of a
 * guided level. */
static int top_entry(const float *probs, int V, size_t ss, size_t q)
{
	float top_p = probs[q];
	int v_top = 0;
	for (int v = 1; v < V; v++) {
		float p = probs[(size_t)v * ss + q];
		bool higher = p > top_p;
		top_p = higher ? p : top_p;
		v_top = higher ? v : v_top;
	}
	return v_top;
}

long srv_nn_anchors(const float *probs, const nn_generator *g, const wfc_model *wm,
                    int32_t *pins)
{
	int W = wfc_model_width(wm), H = wfc_model_height(wm), S = g->cfg.size, V = g->vocab;
	int T = wfc_model_pattern_count(wm);
	bool periodic = wfc_model_periodic(wm);
	size_t ss = (size_t)S * S;
	int32_t *best = malloc((size_t)W * H * sizeof *best);
	uint8_t *ok = vocab_agreement(wm, g);
	if (!best || !ok) {
		free(best), free(ok);
		return -1;
	}
	for (int i = 0; i < W * H; i++)
		best[i] = -1;
	/* the most likely entry of every node the generator covers (-1
	 * elsewhere); a guess the model forbids there from the start (the
	 * ground rule, an edge) is wrong, not missing: its neighbours must not
	 * count on it */
	enum { FORBIDDEN = -2 };
	for (int y = 0; y < S && y < H; y++)
		for (int x = 0; x < S && x < W; x++) {
			int v = top_entry(probs, V, ss, (size_t)y * S + x), t = g->vocab_ids[v];
			if (t >= 0 && t < T && wfc_model_is_node(wm, x, y))
				best[y * W + x] = wfc_model_start_allows(wm, x, y, t) ? v : FORBIDDEN;
		}
	long anchors = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int a = best[y * W + x];
			if (a < 0 || pins[y * W + x] >= 0) continue;
			bool agree = true;
			for (int d = 0; d < 4 && agree; d++) {
				int c = neighbour(x, y, d, W, H, periodic);
				int b = c < 0 ? -1 : best[c];
				/* a neighbour with no guess (a non-node) does not count */
				if (b == FORBIDDEN || (b >= 0 && !ok[((size_t)d * V + a) * V + b]))
					agree = false;
			}
			if (agree) pins[y * W + x] = g->vocab_ids[a], anchors++;
		}
	free(best), free(ok);
	return anchors;
}

wfc_status srv_nn_run_anchored(wfc_state *st, const wfc_model *wm, int32_t *pins,
                               const int32_t *user, int32_t seed, int attempts,
                               const wfc_observer *obs, srv_nn_guide_tally *t, wfc_error *err)
{
	int cells = wfc_model_width(wm) * wfc_model_height(wm);
	int32_t *hints = malloc((size_t)cells * sizeof *hints);
	if (!hints) {
		snprintf(err->message, sizeof err->message, "out of memory for anchors");
		return WFC_ERR_NOMEM;
	}
	/* the user's pins stay pins; the anchors become hints */
	long anchors = 0;
	bool any_pin = false;
	for (int i = 0; i < cells; i++) {
		bool mine = pins[i] >= 0 && (!user || user[i] < 0);
		hints[i] = mine ? pins[i] : -1;
		anchors += mine;
		any_pin |= user && user[i] >= 0;
	}
	t->pin_conflict = -1;
	/* no pins at all: none for the engine either, so a contradiction at
	 * the start is repaired rather than reported as the pins' */
	wfc_status ws = wfc_state_set_pins(st, any_pin ? user : NULL, err);
	if (ws == WFC_OK) ws = wfc_state_set_hints(st, anchors ? hints : NULL, err);
	free(hints); /* the state keeps its own copy */
	if (ws != WFC_OK) return ws;
	ws = WFC_CONTRADICTION;
	for (int k = 0; k < attempts; k++) {
		ws = wfc_run(st, (int32_t)((uint32_t)seed + (uint32_t)k), -1, obs);
		t->repairs += wfc_state_repairs(st);
		t->attempts = k + 1;
		if (ws != WFC_CONTRADICTION) break;
		int cell = wfc_state_pin_conflict(st);
		if (cell >= 0) { /* the user's pins alone (there are no hints now) */
			t->pin_conflict = cell;
			break;
		}
		t->failed_attempts++;
		if (anchors) { /* the anchors ran out of repairs: go on without them */
			t->dropped += anchors;
			anchors = 0;
			for (int i = 0; i < cells; i++)
				if (!user || user[i] < 0) pins[i] = -1;
			wfc_state_set_hints(st, NULL, err); /* clearing cannot fail */
		}
	}
	/* the state may run again, for other jobs: no hints left behind */
	wfc_state_set_hints(st, NULL, err);
	return ws;
}
