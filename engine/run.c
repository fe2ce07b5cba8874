/*
 * run.c - one WFC attempt: clear, observe, propagate (WFC-SPEC.md §1-§7).
 *
 * Follows the reference step for step, including the order of every ban
 * and every random draw, so that a seed gives the reference's output bit
 * for bit. Contradictions are detected when a node loses its last pattern;
 * the reference notices the same thing later through cell 0 (§7.3).
 */
#include "dotnet_random.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* size a * b, or SIZE_MAX when it overflows */
static size_t mul(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static size_t add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

wfc_status wfc_state_create(const wfc_model *m, wfc_state **out, wfc_error *err)
{
	return wfc_state_create_mode(m, WFC_MODE_FAST, out, err);
}

wfc_status wfc_state_create_mode(const wfc_model *m, wfc_mode mode, wfc_state **out, wfc_error *err)
{
	*out = NULL;
	if (mode != WFC_MODE_FAST && mode != WFC_MODE_REFERENCE)
		return wfc_fail(err, WFC_ERR_INPUT, "unknown mode %d", (int)mode);
	size_t cells = (size_t)m->MX * m->MY, T = (size_t)m->T;
	size_t words = (T + 63) / 64;
	size_t bytes = mul(cells, mul(words, 8));
	bytes = add(bytes, mul(cells, 2 * sizeof(int32_t) + 2 * sizeof(double)));
	if (mode == WFC_MODE_REFERENCE) {
		bytes = add(bytes, mul(cells, mul(T, 4 * sizeof(int32_t))));
		bytes = add(bytes, mul(cells, mul(T, 2 * sizeof(int32_t))));
		bytes = add(bytes, mul(cells, sizeof(double)));
	} else {
		bytes = add(bytes, wfc_fast_state_bytes(m));
	}
	if (bytes > WFC_MAX_STATE_BYTES)
		return wfc_fail(
		    err, WFC_ERR_NOMEM,
		    "a %dx%d run with %d patterns needs %zu MiB, over the %llu MiB limit", m->MX,
		    m->MY, m->T, bytes >> 20, WFC_MAX_STATE_BYTES >> 20);
	wfc_state *s = calloc(1, sizeof *s);
	if (!s) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory");
	s->m = m;
	s->mode = mode;
	s->memory = bytes + sizeof *s;
	s->cells = (int)cells;
	s->words = (int)words;
	s->wave = malloc(cells * words * sizeof *s->wave);
	s->sums_of_ones = malloc(cells * sizeof *s->sums_of_ones);
	s->sums_w = malloc(cells * sizeof *s->sums_w);
	s->sums_wlogw = malloc(cells * sizeof *s->sums_wlogw);
	s->observed = malloc(cells * sizeof *s->observed);
	bool ok = s->wave && s->sums_of_ones && s->sums_w && s->sums_wlogw && s->observed;
	if (ok && mode == WFC_MODE_REFERENCE) {
		s->compatible = malloc(cells * T * 4 * sizeof *s->compatible);
		s->entropies = malloc(cells * sizeof *s->entropies);
		s->stack = malloc(cells * T * 2 * sizeof *s->stack);
		s->distribution = malloc(T * sizeof *s->distribution);
		ok = s->compatible && s->entropies && s->stack && s->distribution;
	} else if (ok) {
		ok = wfc_fast_state_alloc(s) == WFC_OK;
	}
	if (!ok) {
		wfc_state_destroy(s);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory for a %dx%d run", m->MX, m->MY);
	}
	for (size_t i = 0; i < cells; i++)
		s->observed[i] = -1;
	memset(s->sums_of_ones, 0, cells * sizeof *s->sums_of_ones);
	*out = s;
	return WFC_OK;
}

wfc_mode wfc_state_mode(const wfc_state *s)
{
	return s->mode;
}

size_t wfc_state_memory(const wfc_state *s)
{
	return s->memory;
}

int wfc_state_repairs(const wfc_state *s)
{
	return s->mode == WFC_MODE_FAST ? s->repairs : 0;
}

void wfc_state_destroy(wfc_state *s)
{
	if (!s) return;
	free(s->wave);
	free(s->compatible);
	free(s->sums_of_ones);
	free(s->sums_w);
	free(s->sums_wlogw);
	free(s->entropies);
	free(s->observed);
	free(s->stack);
	free(s->distribution);
	free(s->heap);
	free(s->heap_pos);
	free(s->queue);
	free(s->queued);
	free(s->dirty);
	free(s->scratch);
	free(s->priors);
	free(s->vpriors);
	free(s->vprior_entry);
	free(s->pins);
	free(s->hints);
	free(s);
}

/* §4. Zeroing the counters makes later decrements go negative, so they can
 * never reach zero again and re-ban. */
static void ban(wfc_state *s, int i, int t)
{
	const wfc_model *m = s->m;
	s->wave[(size_t)i * s->words + (size_t)t / 64] &= ~(1ull << (t % 64));
	int32_t *comp = s->compatible + ((size_t)i * m->T + t) * 4;
	comp[0] = comp[1] = comp[2] = comp[3] = 0;
	s->stack[2 * s->stack_size] = i;
	s->stack[2 * s->stack_size + 1] = t;
	s->stack_size++;
	int ones = --s->sums_of_ones[i];
	if (ones == 1)
		s->decided++;
	else if (ones == 0) {
		s->decided--;
		s->contradiction = true;
	}
	s->sums_w[i] -= m->weights[t];
	s->sums_wlogw[i] -= m->wlogw[t];
	double sum = s->sums_w[i];
	s->entropies[i] = log(sum) - s->sums_wlogw[i] / sum;
}

/* §7.3; returns false on contradiction. */
static bool propagate(wfc_state *s)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY, N = m->N, T = m->T;
	while (s->stack_size > 0) {
		s->stack_size--;
		int i1 = s->stack[2 * s->stack_size];
		int t1 = s->stack[2 * s->stack_size + 1];
		int x1 = i1 % MX, y1 = i1 / MX;
		for (int d = 0; d < 4; d++) {
			int x2 = x1 + wfc_dx[d], y2 = y1 + wfc_dy[d];
			if (!m->periodic && (x2 < 0 || y2 < 0 || x2 + N > MX || y2 + N > MY))
				continue;
			if (x2 < 0)
				x2 += MX;
			else if (x2 >= MX)
				x2 -= MX;
			if (y2 < 0)
				y2 += MY;
			else if (y2 >= MY)
				y2 -= MY;
			int i2 = x2 + y2 * MX;
			const int32_t *p = m->prop_list[d] + m->prop_start[d][t1];
			const int32_t *end = m->prop_list[d] + m->prop_start[d][t1 + 1];
			int32_t *compat = s->compatible + (size_t)i2 * T * 4 + d;
			for (; p < end; p++) {
				int t2 = *p;
				if (--compat[(size_t)t2 * 4] == 0) ban(s, i2, t2);
			}
		}
		if (s->contradiction) return false;
	}
	return true;
}

/* §7 step 2: everything possible, then the bans every run starts with. */
static bool clear(wfc_state *s)
{
	const wfc_model *m = s->m;
	int T = m->T, MX = m->MX, MY = m->MY, N = m->N;
	size_t words = (size_t)s->words;
	for (int i = 0; i < s->cells; i++) {
		uint64_t *w = s->wave + (size_t)i * words;
		for (size_t k = 0; k < words; k++)
			w[k] = ~0ull;
		if (T % 64) w[words - 1] = (1ull << (T % 64)) - 1;
		int32_t *comp = s->compatible + (size_t)i * T * 4;
		for (int t = 0; t < T; t++)
			for (int d = 0; d < 4; d++)
				comp[t * 4 + d] = m->prop_start[wfc_opposite[d]][t + 1] -
				                  m->prop_start[wfc_opposite[d]][t];
		s->sums_of_ones[i] = T;
		s->sums_w[i] = m->sum_w;
		s->sums_wlogw[i] = m->sum_wlogw;
		s->entropies[i] = m->starting_entropy;
		s->observed[i] = -1;
	}
	s->stack_size = 0;
	s->scan_pointer = 0;
	s->decided = T == 1 ? s->cells : 0;
	s->contradiction = false;
	s->complete = false;

	/* A pattern with no possible neighbour towards an existing node can
	 * never be used there. A no-op for every corpus entry. */
	for (int y = 0; y < MY; y++) {
		for (int x = 0; x < MX; x++) {
			if (!wfc_is_node(m, x, y)) continue;
			bool has[4] = {m->periodic || x > 0, m->periodic || y < MY - N,
			               m->periodic || x < MX - N, m->periodic || y > 0};
			int i = x + y * MX;
			for (int t = 0; t < T; t++)
				for (int d = 0; d < 4; d++)
					if (has[d] &&
					    m->prop_start[d][t] == m->prop_start[d][t + 1]) {
						ban(s, i, t);
						break;
					}
		}
	}
	if (m->ground) {
		for (int x = 0; x < MX; x++) {
			int bottom = x + (MY - 1) * MX;
			for (int t = 0; t < T - 1; t++)
				if (wfc_alive(s, bottom, t)) ban(s, bottom, t);
			for (int y = 0; y < MY - 1; y++)
				if (wfc_alive(s, x + y * MX, T - 1)) ban(s, x + y * MX, T - 1);
		}
	}
	/* Unlike the reference, a failing initial propagation is a contradiction
	 * (the reference would carry on with empty cells). */
	if (s->stack_size > 0 || s->contradiction) return propagate(s) && !s->contradiction;
	return true;
}

/* §7.1: the next cell to observe, or -1 when every node is decided. */
static int next_node(wfc_state *s, wfc_dotnet_random *rng)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY;
	int xmax = m->periodic ? MX : MX - m->N + 1;
	int ymax = m->periodic ? MY : MY - m->N + 1;
	if (m->heuristic == WFC_HEURISTIC_SCANLINE) {
		for (int i = s->scan_pointer; i < s->cells; i++) {
			if (i % MX >= xmax || i / MX >= ymax) continue;
			if (s->sums_of_ones[i] > 1) {
				s->scan_pointer = i + 1;
				return i;
			}
		}
		return -1;
	}
	bool mrv = m->heuristic == WFC_HEURISTIC_MRV;
	double min = 1e4;
	int argmin = -1;
	for (int y = 0; y < ymax; y++) {
		for (int x = 0; x < xmax; x++) {
			int i = x + y * MX;
			int c = s->sums_of_ones[i];
			double e = mrv ? c : s->entropies[i];
			if (c > 1 && e <= min) {
				double noise = 1e-6 * wfc_dotnet_random_double(rng);
				if (e + noise < min) {
					min = e + noise;
					argmin = i;
				}
			}
		}
	}
	return argmin;
}

/* §7.2: weighted roulette over the patterns alive at the node. */
static void observe(wfc_state *s, int node, wfc_dotnet_random *rng)
{
	const wfc_model *m = s->m;
	int T = m->T;
	double sum = 0;
	for (int t = 0; t < T; t++) {
		s->distribution[t] = wfc_alive(s, node, t) ? m->weights[t] : 0.0;
		sum += s->distribution[t];
	}
	double threshold = wfc_dotnet_random_double(rng) * sum;
	double partial = 0;
	int r = 0;
	for (int t = 0; t < T; t++) {
		partial += s->distribution[t];
		if (partial >= threshold) {
			r = t;
			break;
		}
	}
	/* Only a draw of exactly 0.0 can land on a dead pattern; take the
	 * first alive one instead of the reference's double ban (§7.2). */
	if (!wfc_alive(s, node, r))
		for (r = 0; r < T && !wfc_alive(s, node, r); r++)
			;
	for (int t = 0; t < T; t++)
		if (t != r && wfc_alive(s, node, t)) ban(s, node, t);
}

static bool canceled(const wfc_observer *obs)
{
	return obs && obs->cancel && atomic_load_explicit(obs->cancel, memory_order_relaxed);
}

wfc_status wfc_run(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs)
{
	if (s->mode == WFC_MODE_FAST) return wfc_fast_run(s, seed, limit, obs);
	const wfc_model *m = s->m;
	if (!clear(s)) return WFC_CONTRADICTION;
	wfc_dotnet_random rng;
	wfc_dotnet_random_init(&rng, seed);
	int every = obs && obs->progress_every > 0 ? obs->progress_every : 1;
	for (int l = 0; l < limit || limit < 0; l++) {
		if (canceled(obs)) return WFC_CANCELED;
		int node = next_node(s, &rng);
		if (node < 0) {
			for (int i = 0; i < s->cells; i++)
				for (int t = 0; t < m->T; t++)
					if (wfc_alive(s, i, t)) {
						s->observed[i] = t;
						break;
					}
			s->complete = true;
			if (obs && obs->progress) obs->progress(obs->ctx, 1.0);
			return WFC_OK;
		}
		observe(s, node, &rng);
		if (!propagate(s)) return WFC_CONTRADICTION;
		if (obs && obs->progress && l % every == 0)
			obs->progress(obs->ctx, (double)s->decided / s->cells);
	}
	return WFC_OK;
}

wfc_status wfc_generate(wfc_state *s, int32_t seed, int attempts, bool vary_seed, int limit,
                        const wfc_observer *obs, int *attempts_used)
{
	wfc_status st = WFC_CONTRADICTION;
	int k = 0;
	while (k < attempts) {
		/* int32 wraparound is what the reference's seed + i would do */
		int32_t attempt_seed = vary_seed ? (int32_t)((uint32_t)seed + (uint32_t)k) : seed;
		k++;
		st = wfc_run(s, attempt_seed, limit, obs);
		if (st != WFC_CONTRADICTION) break;
	}
	if (attempts_used) *attempts_used = k;
	return st;
}

bool wfc_state_complete(const wfc_state *s)
{
	return s->complete;
}

int wfc_state_count(const wfc_state *s, int x, int y)
{
	return s->sums_of_ones[x + y * s->m->MX];
}

bool wfc_state_possible(const wfc_state *s, int x, int y, int t)
{
	return t >= 0 && t < s->m->T && wfc_alive(s, x + y * s->m->MX, t);
}

const int32_t *wfc_state_observed(const wfc_state *s)
{
	return s->observed;
}
