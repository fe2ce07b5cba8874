/*
 * guide.c - per-cell priors and pinned cells for the fast mode (wfc.h).
 *
 * The state owns copies of the arrays (freed by wfc_state_destroy); fast.c
 * reads them when it builds a cell's initial set (pins, and hints at the
 * start of a run) and when it draws a pattern (priors).
 */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static wfc_status need_fast(const wfc_state *s, wfc_error *err)
{
	if (s->mode != WFC_MODE_FAST)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "priors and pinned cells need the fast mode, not the reference mode");
	return WFC_OK;
}

static void clear_vocab_priors(wfc_state *s)
{
	if (s->vpriors)
		s->memory -= (size_t)s->vprior_count * (size_t)s->cells * sizeof *s->vpriors +
		             (size_t)s->m->T * sizeof *s->vprior_entry;
	free(s->vpriors);
	free(s->vprior_entry);
	s->vpriors = NULL;
	s->vprior_entry = NULL;
}

wfc_status wfc_state_set_vocab_priors(wfc_state *s, const float *p, int V,
                                      const int32_t *pattern_of, float floor, wfc_error *err)
{
	wfc_status st = need_fast(s, err);
	if (st != WFC_OK) return st;
	int T = s->m->T;
	clear_vocab_priors(s);
	if (!p) return WFC_OK;
	if (V < 1 || V > T || !pattern_of || !isfinite(floor) || floor < 0)
		return wfc_fail(err, WFC_ERR_INPUT,
		                "vocabulary priors need 1 to %d entries (%d given), their patterns "
		                "and a finite floor >= 0 (%g)",
		                T, V, (double)floor);
	size_t n = (size_t)V * (size_t)s->cells;
	int32_t *entry = malloc((size_t)T * sizeof *entry);
	float *copy = malloc(n * sizeof *copy);
	if (!entry || !copy) {
		free(entry), free(copy);
		return wfc_fail(err, WFC_ERR_NOMEM, "out of memory for priors");
	}
	/* copy and check in one branch-free pass (a generator's output is
	 * large); NaN fails x >= 0, infinity x <= FLT_MAX */
	int bad = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		float x = p[i];
		bad |= !(x >= 0.0f && x <= FLT_MAX);
		copy[i] = x;
	}
	for (i = 0; bad && i < n; i++)
		if (!(p[i] >= 0.0f && p[i] <= FLT_MAX)) {
			free(entry), free(copy);
			return wfc_fail(err, WFC_ERR_INPUT,
			                "prior of vocabulary entry %zu at cell %zu is %g; priors must "
			                "be finite and >= 0",
			                i / (size_t)s->cells, i % (size_t)s->cells, (double)p[i]);
		}
	for (int t = 0; t < T; t++)
		entry[t] = -1;
	for (int v = 0; v < V; v++) {
		int t = pattern_of[v];
		if (t < 0 || t >= T || entry[t] >= 0) {
			free(entry), free(copy);
			return wfc_fail(err, WFC_ERR_INPUT,
			                "vocabulary entry %d names pattern %d: patterns must be "
			                "distinct and < %d",
			                v, t, T);
		}
		entry[t] = v;
	}
	if (s->priors) s->memory -= (size_t)s->cells * (size_t)T * sizeof *s->priors;
	free(s->priors);
	s->priors = NULL;
	s->memory += n * sizeof *copy + (size_t)T * sizeof *entry;
	s->vprior_count = V;
	s->vpriors = copy;
	s->vprior_entry = entry;
	s->vprior_floor = floor;
	return WFC_OK;
}

wfc_status wfc_state_set_priors(wfc_state *s, const float *priors, wfc_error *err)
{
	wfc_status st = need_fast(s, err);
	if (st != WFC_OK) return st;
	size_t n = (size_t)s->cells * (size_t)s->m->T;
	clear_vocab_priors(s);
	if (!priors) {
		if (s->priors) s->memory -= n * sizeof *s->priors;
		free(s->priors);
		s->priors = NULL;
		return WFC_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!isfinite(priors[i]) || priors[i] < 0)
			return wfc_fail(err, WFC_ERR_INPUT,
			                "prior of pattern %zu at cell (%zu, %zu) is %g; priors must be "
			                "finite and >= 0",
			                i % (size_t)s->m->T, i / s->m->T % (size_t)s->m->MX,
			                i / s->m->T / (size_t)s->m->MX, (double)priors[i]);
	if (!s->priors) {
		s->priors = malloc(n * sizeof *s->priors);
		if (!s->priors) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory for priors");
		s->memory += n * sizeof *s->priors;
	}
	memcpy(s->priors, priors, n * sizeof *priors);
	return WFC_OK;
}

/* Copies a cells array of patterns or -1 (pins, hints) into *dst after
 * checking it; NULL frees *dst. what: "pin" or "hint", for messages. */
static wfc_status set_cells(wfc_state *s, int32_t **dst, const int32_t *src, const char *what,
                            wfc_error *err)
{
	wfc_status st = need_fast(s, err);
	if (st != WFC_OK) return st;
	const wfc_model *m = s->m;
	size_t bytes = (size_t)s->cells * sizeof **dst;
	if (!src) {
		if (*dst) s->memory -= bytes;
		free(*dst);
		*dst = NULL;
		return WFC_OK;
	}
	for (int i = 0; i < s->cells; i++) {
		int x = i % m->MX, y = i / m->MX;
		if (src[i] < -1 || src[i] >= m->T)
			return wfc_fail(err, WFC_ERR_INPUT,
			                "%s at cell (%d, %d) names pattern %d; there are %d", what, x, y,
			                (int)src[i], m->T);
		if (src[i] >= 0 && !wfc_is_node(m, x, y))
			return wfc_fail(err, WFC_ERR_INPUT,
			                "cell (%d, %d) cannot be pinned: in a non-periodic output the "
			                "last %d rows and columns follow from their neighbours",
			                x, y, m->N - 1);
	}
	if (!*dst) {
		*dst = malloc(bytes);
		if (!*dst) return wfc_fail(err, WFC_ERR_NOMEM, "out of memory for %ss", what);
		s->memory += bytes;
	}
	memcpy(*dst, src, bytes);
	return WFC_OK;
}

wfc_status wfc_state_set_pins(wfc_state *s, const int32_t *pins, wfc_error *err)
{
	wfc_status st = set_cells(s, &s->pins, pins, "pin", err);
	if (st == WFC_OK) s->pin_conflict = -1;
	return st;
}

wfc_status wfc_state_set_hints(wfc_state *s, const int32_t *hints, wfc_error *err)
{
	return set_cells(s, &s->hints, hints, "hint", err);
}

int wfc_state_pin_conflict(const wfc_state *s)
{
	return s->pins ? s->pin_conflict : -1;
}
