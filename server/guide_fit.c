/*
 * guide_fit.c - fits a generator's guide scales (jobs_nn.h,
 * srv_nn_fit_scale; `wfc calibrate`).
 *
 * A generator's own mix of tiles is off (docs/NEURAL.md: this one makes
 * too many capes and too few straits), and guided WFC inherits the error.
 * One factor per vocabulary entry, multiplying that entry's probabilities
 * before they become priors, is fitted here by iterative proportional
 * fitting on guided WFC's *output*: the factors that make guided levels
 * use each entry as often as the training set does. WFC's rules and
 * propagation sit between the factors and the output, so no closed form
 * gives them; a few rounds of measure-and-correct do.
 */
#include "jobs_nn.h"

#include "../api/json_spec.h"
#include "../nn/sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A round moves a factor by (want / got)^GAIN, at most FACTOR_STEP either
 * way: GAIN 1 converged slowly on Terrain-Islands (the generator is sure
 * of most cells, so a factor moves its entry's share much less than
 * itself), 3 in about 20 rounds without overshooting. */
#define GAIN 3.0
#define FACTOR_STEP 10.0
#define SCALE_MIN 1e-6
#define SCALE_MAX 1e9

/* KL(want || got) of two vocabulary histograms, got smoothed by half a
 * count so an entry never drawn stays finite. */
static double hist_kl(const double *want, const long *got, long total, int V)
{
	double kl = 0;
	for (int v = 0; v < V; v++) {
		double q = ((double)got[v] + 0.5) / ((double)total + 0.5 * V);
		if (want[v] > 0) kl += want[v] * log(want[v] / q);
	}
	return kl;
}

/* One round: count guided grids under g's current scales; got[v] counts
 * the cells (of the generator's size x size) that hold entry v. */
static int guided_counts(nn_generator *g, wfc_model *wm, wfc_state *st, const int32_t *entry_of,
                         int count, long seed, float *x, long *got, char *err, size_t errlen)
{
	int S = g->cfg.size, W = wfc_model_width(wm);
	wfc_error we = {{0}};
	for (int i = 0; i < count; i++) {
		uint64_t s = (uint64_t)(uint32_t)(seed + i);
		if (nn_sample_batch(&g->g, g->z, g->cfg.latent, s, 0, 1, x)) {
			snprintf(err, errlen, "out of memory sampling the generator");
			return -1;
		}
		if (srv_nn_set_priors(st, wm, g, x, srv_nn_floor(g), &we) != WFC_OK) {
			snprintf(err, errlen, "the checkpoint's priors do not fit its spec: %s",
			         we.message);
			return -1;
		}
		/* as a guided job: attempt k with seed + k, 10 attempts */
		if (wfc_generate(st, (int32_t)s, 10, true, -1, NULL, NULL) != WFC_OK) continue;
		const int32_t *obs = wfc_state_observed(st);
		for (int y = 0; y < S; y++)
			for (int c = 0; c < S; c++) {
				int e = entry_of[obs[y * W + c]];
				if (e >= 0) got[e]++;
			}
	}
	return 0;
}

int srv_nn_fit_scale(nn_generator *g, const double *want, float prior_floor, int rounds, int count,
                     long seed, float *scale, srv_nn_fit_report report, void *ctx, char *err,
                     size_t errlen)
{
	int V = g->vocab, S = g->cfg.size;
	if (!(g->cfg.onehot && g->vocab_ids && g->spec_json) || rounds < 1 || count < 1 ||
	    !(prior_floor > 0)) {
		snprintf(err, errlen, "%s",
		         !(g->cfg.onehot && g->vocab_ids && g->spec_json)
		             ? "calibration needs a onehot checkpoint with its spec and vocab_ids"
		             : "calibration needs at least one round, one grid and a floor > 0");
		return -1;
	}
	api_spec spec;
	bool have_spec = false;
	wfc_model *wm = NULL;
	wfc_state *st = NULL;
	api_error e = {0};
	wfc_error we = {{0}};
	float own_floor = g->guide_floor;
	float *own = g->guide_scale, *cur = malloc((size_t)V * sizeof *cur);
	float *x = malloc((size_t)V * S * S * sizeof *x);
	long *got = malloc((size_t)V * sizeof *got);
	int32_t *entry_of = NULL;
	int rc = -1;
	if (!cur || !x || !got) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (api_spec_from_json(g->spec_json, strlen(g->spec_json), NULL, &spec, &e) != API_OK) {
		snprintf(err, errlen, "the checkpoint's spec: %s", e.message);
		goto done;
	}
	have_spec = true;
	if (api_spec_build_model(&spec, &wm, &e) != API_OK ||
	    wfc_state_create(wm, &st, &we) != WFC_OK) {
		snprintf(err, errlen, "the checkpoint's spec: %s",
		         e.message[0] ? e.message : we.message);
		goto done;
	}
	if (!(entry_of = srv_nn_entry_of(g, wfc_model_pattern_count(wm)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (int v = 0; v < V; v++)
		cur[v] = own ? own[v] : 1.0f;
	/* what srv_nn_set_priors reads; g's own are back at the end */
	g->guide_scale = cur;
	g->guide_floor = prior_floor;
	double best = INFINITY;
	for (int r = 0; r < rounds; r++) {
		memset(got, 0, (size_t)V * sizeof *got);
		if (guided_counts(g, wm, st, entry_of, count, seed, x, got, err, errlen)) goto done;
		long total = 0;
		for (int v = 0; v < V; v++)
			total += got[v];
		if (total == 0) {
			snprintf(err, errlen, "no guided grid completed in round %d", r + 1);
			goto done;
		}
		double kl = hist_kl(want, got, total, V);
		if (kl < best) {
			best = kl;
			memcpy(scale, cur, (size_t)V * sizeof *scale);
		}
		if (report && report(ctx, r + 1, kl, cur)) {
			snprintf(err, errlen, "calibration stopped after round %d", r + 1);
			rc = 1;
			goto done;
		}
		for (int v = 0; v < V; v++) {
			double share = ((double)got[v] + 0.5) / ((double)total + 0.5 * V);
			double step = pow(want[v] / share, GAIN);
			step = step > FACTOR_STEP       ? FACTOR_STEP
			       : step < 1 / FACTOR_STEP ? 1 / FACTOR_STEP
			                                : step;
			double c = cur[v] * step;
			cur[v] = (float)(c > SCALE_MAX ? SCALE_MAX : c < SCALE_MIN ? SCALE_MIN : c);
		}
	}
	rc = 0;
done:
	g->guide_scale = own;
	g->guide_floor = own_floor;
	free(cur), free(x), free(got), free(entry_of);
	wfc_state_destroy(st);
	wfc_model_destroy(wm);
	if (have_spec) api_spec_free(&spec);
	return rc;
}

void srv_nn_data_shares(const api_dataset *ds, double *want)
{
	size_t cells = (size_t)ds->count * ds->size * ds->size, used = 0;
	for (int v = 0; v < ds->vocab; v++)
		want[v] = 0;
	for (size_t i = 0; i < cells; i++)
		if (ds->states[i] >= 0 && ds->states[i] < ds->vocab) want[ds->states[i]]++, used++;
	for (int v = 0; v < ds->vocab; v++)
		want[v] = used ? want[v] / (double)used : 0;
}
