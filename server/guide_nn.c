/*
 * guide_nn.c - anchors: the generator's layout kept where it is right
 * (jobs_nn.h, "guided").
 *
 * A cell is an anchor when the generator's most likely pattern there agrees
 * (the model's propagator) with the most likely pattern of each of its four
 * neighbours: the generator was locally right. Anchors are pinned, so WFC
 * only fills the rest, where the priors guide it. Pinned cells need no
 * observation and shrink only once, which is why a good generator makes
 * guided WFC cheaper than plain WFC; a generator that is wrong everywhere
 * leaves no anchors, and the run is priors-only.
 *
 * Anchors are only a guess: the gaps between them may admit no pattern.
 * Then the anchors near the conflict are dropped (a square that doubles on
 * each try) and WFC runs again; after SRV_NN_ANCHOR_TRIES, or when an
 * attempt fails inside the run, all anchors go, so a guided job never does
 * worse than the priors alone. The user's pins are never dropped: a
 * conflict they cause alone is the caller's 422.
 */
#include "jobs_nn.h"

#include <stdlib.h>
#include <string.h>

enum { SRV_NN_ANCHOR_TRIES = 6, SRV_NN_ANCHOR_DROP_RADIUS = 2 };

/* Does pattern b agree with pattern a in direction d (engine directions)? */
static bool agrees(const wfc_model *wm, int d, int a, int b)
{
	int len = 0;
	const int32_t *list = wfc_model_propagator(wm, d, a, &len);
	for (int k = 0; k < len; k++)
		if (list[k] == b) return true;
	return false;
}

long srv_nn_anchors(const float *probs, const nn_generator *g, const wfc_model *wm,
                    int32_t *pins)
{
	int W = wfc_model_width(wm), H = wfc_model_height(wm), S = g->cfg.size, V = g->vocab;
	bool periodic = wfc_model_periodic(wm);
	size_t ss = (size_t)S * S;
	int32_t *best = malloc((size_t)W * H * sizeof *best);
	if (!best) return -1;
	/* the most likely pattern of every node the generator covers */
	for (int i = 0; i < W * H; i++)
		best[i] = -1;
	for (int y = 0; y < S && y < H; y++)
		for (int x = 0; x < S && x < W; x++) {
			int top = 0;
			for (int v = 1; v < V; v++)
				if (probs[v * ss + (size_t)y * S + x] > probs[top * ss + (size_t)y * S + x])
					top = v;
			if (wfc_model_is_node(wm, x, y)) best[y * W + x] = g->vocab_ids[top];
		}
	static const int dx[4] = {-1, 0, 1, 0}, dy[4] = {0, 1, 0, -1};
	long anchors = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int a = best[y * W + x];
			if (a < 0 || pins[y * W + x] >= 0) continue;
			bool ok = true;
			for (int d = 0; d < 4 && ok; d++) {
				int nx = x + dx[d], ny = y + dy[d];
				if (periodic) nx = (nx + W) % W, ny = (ny + H) % H;
				if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
				int b = best[ny * W + nx];
				/* a neighbour with no guess (a non-node) does not count */
				if (b >= 0 && !agrees(wm, d, a, b)) ok = false;
			}
			if (ok) pins[y * W + x] = a, anchors++;
		}
	free(best);
	return anchors;
}

/* Drops the anchors in the square of radius r around cell c (user pins
 * stay). Returns how many went. */
static long drop_anchors(int32_t *pins, const int32_t *user, int W, int H, bool periodic, int c,
                         int r)
{
	long dropped = 0;
	for (int yy = c / W - r; yy <= c / W + r; yy++)
		for (int xx = c % W - r; xx <= c % W + r; xx++) {
			int x = xx, y = yy;
			if (periodic) x = (x % W + W) % W, y = (y % H + H) % H;
			if (x < 0 || y < 0 || x >= W || y >= H) continue;
			int i = y * W + x;
			if (pins[i] >= 0 && (!user || user[i] < 0)) pins[i] = -1, dropped++;
		}
	return dropped;
}

static long drop_all(int32_t *pins, const int32_t *user, int cells)
{
	long dropped = 0;
	for (int i = 0; i < cells; i++)
		if (pins[i] >= 0 && (!user || user[i] < 0)) pins[i] = -1, dropped++;
	return dropped;
}

wfc_status srv_nn_run_anchored(wfc_state *st, const wfc_model *wm, int32_t *pins,
                               const int32_t *user, int32_t seed, int attempts,
                               const wfc_observer *obs, srv_nn_guide_tally *t, wfc_error *err)
{
	int W = wfc_model_width(wm), H = wfc_model_height(wm);
	bool periodic = wfc_model_periodic(wm);
	int radius = SRV_NN_ANCHOR_DROP_RADIUS, tries = 0;
	bool anchored = true;
	t->pin_conflict = -1;
	wfc_status ws = WFC_CONTRADICTION;
	for (int k = 0; k < attempts;) {
		wfc_status ps = wfc_state_set_pins(st, pins, err);
		if (ps != WFC_OK) return ps;
		ws = wfc_run(st, (int32_t)((uint32_t)seed + (uint32_t)k), -1, obs);
		t->repairs += wfc_state_repairs(st);
		t->attempts = k + 1;
		if (ws != WFC_CONTRADICTION) break;
		int cell = wfc_state_pin_conflict(st);
		if (cell >= 0 && anchored) {
			/* the anchors' gaps admit nothing here: free the square */
			long n = ++tries < SRV_NN_ANCHOR_TRIES
			             ? drop_anchors(pins, user, W, H, periodic, cell, radius)
			             : 0;
			if (n == 0) n = drop_all(pins, user, W * H), anchored = false;
			t->dropped += n;
			radius *= 2;
			if (n > 0) continue;
		}
		if (cell >= 0) { /* the user's pins alone */
			t->pin_conflict = cell;
			return ws;
		}
		/* an attempt failed inside the run: go on without anchors */
		t->failed_attempts++;
		k++;
		if (anchored) t->dropped += drop_all(pins, user, W * H), anchored = false;
	}
	return ws;
}
