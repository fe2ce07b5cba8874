/* test_guide_scale.c - guide scales (server/guide_nn.c, guide_fit.c): a
 * factor per vocabulary entry on a generator's probabilities before they
 * become priors, and their fit on guided WFC's output. A fake generator
 * (flat probabilities) shows what the factors do; the shipped checkpoint
 * shows that the fit brings the output's tile mix to a target that plain
 * WFC measures, on seeds the fit never saw. */
#include "../api/json_spec.h"
#include "../nn/checkpoint.h"
#include "../nn/sample.h"
#include "../server/jobs_nn.h"
#include "rooms.h"
#include "validator/validator.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SIDE 16
#define CELLS (SIDE * SIDE)

/* Cells holding pattern t in guided runs of seeds 1..runs under flat
 * probabilities and g's scales; every output is checked valid. */
static long cells_holding(wfc_model *m, const nn_generator *g, int t, int runs)
{
	int T = wfc_model_pattern_count(m);
	float *flat = malloc((size_t)T * CELLS * sizeof *flat);
	for (size_t i = 0; i < (size_t)T * CELLS; i++)
		flat[i] = 1.0f / (float)T;
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	uint32_t sample[ROOMS_SIDE * ROOMS_SIDE], img[CELLS];
	rooms_sample(sample);
	long n = 0;
	for (int r = 1; r <= runs; r++) {
		cr_assert_eq(srv_nn_set_priors(s, m, g, flat, SRV_NN_PRIOR_EPS, &err), WFC_OK, "%s",
		             err.message);
		cr_assert_eq(wfc_generate(s, r, 10, true, -1, NULL, NULL), WFC_OK);
		wfc_render(s, img);
		char why[256] = "";
		cr_assert(vld_check_overlapping(sample, ROOMS_SIDE, ROOMS_SIDE, 3, true, 8, img,
		                                SIDE, SIDE, true, why, sizeof why),
		          "%s", why);
		const int32_t *obs = wfc_state_observed(s);
		for (int i = 0; i < CELLS; i++)
			n += obs[i] == t;
	}
	wfc_state_destroy(s);
	free(flat);
	return n;
}

Test(guide_scale, a_factor_moves_its_entry_and_ones_change_nothing)
{
	wfc_model *m = rooms_model(SIDE, true);
	int T = wfc_model_pattern_count(m);
	nn_generator g;
	memset(&g, 0, sizeof g);
	g.cfg.size = SIDE;
	g.vocab = T;
	g.vocab_ids = malloc((size_t)T * sizeof *g.vocab_ids);
	float *scale = malloc((size_t)T * sizeof *scale);
	for (int t = 0; t < T; t++)
		g.vocab_ids[t] = t, scale[t] = 1;
	/* the rarest and the commonest pattern under flat priors */
	int rare = -1, common = -1;
	long fewest = -1, most = -1;
	for (int t = 0; t < T; t++) {
		long n = cells_holding(m, &g, t, 4);
		if (n > 0 && (fewest < 0 || n < fewest)) fewest = n, rare = t;
		if (n > most) most = n, common = t;
	}
	cr_assert(rare >= 0 && common >= 0 && rare != common);
	long plain_rare = cells_holding(m, &g, rare, 20);
	long plain_common = cells_holding(m, &g, common, 20);

	g.guide_scale = scale; /* all ones: the same runs, cell for cell */
	cr_assert_eq(cells_holding(m, &g, rare, 20), plain_rare);
	cr_assert_eq(cells_holding(m, &g, common, 20), plain_common);
	scale[rare] = 1000;
	long favoured = cells_holding(m, &g, rare, 20);
	cr_assert_gt(favoured, 2 * plain_rare, "factor 1000: %ld cells against %ld", favoured,
	             plain_rare);
	scale[rare] = 1;
	scale[common] = 0.001f;
	long disfavoured = cells_holding(m, &g, common, 20);
	cr_assert_lt(disfavoured, plain_common / 2, "factor 0.001: %ld cells against %ld",
	             disfavoured, plain_common);
	free(scale);
	free(g.vocab_ids);
	wfc_model_destroy(m);
}

/* The share of each vocabulary entry over runs grids of g's spec, seeds
 * first.. : plain WFC when scale is NULL and probs is NULL, else guided
 * (sample 0 of each seed, as a guided job) under those scales. */
static void shares(nn_generator *g, const api_spec *spec, const float *scale, bool guided,
                   long first, int runs, double *out)
{
	wfc_model *m;
	api_error e = {0};
	wfc_error we;
	cr_assert_eq(api_spec_build_model(spec, &m, &e), API_OK, "%s", e.message);
	wfc_state *s;
	cr_assert_eq(wfc_state_create(m, &s, &we), WFC_OK);
	int V = g->vocab, S = g->cfg.size, T = wfc_model_pattern_count(m);
	int32_t *entry = malloc((size_t)T * sizeof *entry);
	for (int t = 0; t < T; t++)
		entry[t] = -1;
	for (int v = 0; v < V; v++)
		entry[g->vocab_ids[v]] = v;
	float *x = malloc((size_t)V * S * S * sizeof *x);
	float *own = g->guide_scale;
	g->guide_scale = (float *)scale;
	long total = 0;
	memset(out, 0, (size_t)V * sizeof *out);
	for (int r = 0; r < runs; r++) {
		uint32_t seed = (uint32_t)(first + r);
		if (guided) {
			cr_assert_eq(nn_sample_batch(&g->g, g->z, g->cfg.latent, seed, 0, 1, x), 0);
			cr_assert_eq(srv_nn_set_priors(s, m, g, x, SRV_NN_PRIOR_EPS, &we), WFC_OK);
		}
		cr_assert_eq(wfc_generate(s, (int32_t)seed, 10, true, -1, NULL, NULL), WFC_OK);
		const int32_t *obs = wfc_state_observed(s);
		for (int i = 0; i < S * S; i++)
			if (entry[obs[i]] >= 0) out[entry[obs[i]]]++, total++;
	}
	for (int v = 0; v < V; v++)
		out[v] /= (double)total;
	g->guide_scale = own;
	free(x), free(entry);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

static double kl(const double *p, const double *q, int V)
{
	double k = 0;
	for (int v = 0; v < V; v++)
		if (p[v] > 0) k += p[v] * log(p[v] / fmax(q[v], 1e-9));
	return k;
}

static int count_rounds(void *ctx, int round, double k, const float *scale)
{
	(void)k, (void)scale;
	*(int *)ctx = round;
	return 0;
}

static int stop_after_two(void *ctx, int round, double k, const float *scale)
{
	(void)ctx, (void)k, (void)scale;
	return round >= 2;
}

Test(guide_scale, the_fit_brings_guided_output_to_the_target_mix, .timeout = 120)
{
	const char *path = "models/terrain-islands.safetensors";
	struct stat sb;
	if (stat(path, &sb) != 0) cr_skip_test("no %s here (run from the repository root)", path);
	char err[512];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	nn_generator g;
	cr_assert_eq(nn_generator_load(path, be, 1, &g, err, sizeof err), 0, "%s", err);
	api_spec spec;
	api_error e = {0};
	cr_assert_eq(api_spec_from_json(g.spec_json, strlen(g.spec_json), NULL, &spec, &e), API_OK,
	             "%s", e.message);
	int V = g.vocab;
	float *own = g.guide_scale;
	double *want = malloc((size_t)V * sizeof *want), *got = malloc((size_t)V * sizeof *got);
	float *ones = malloc((size_t)V * sizeof *ones), *fit = malloc((size_t)V * sizeof *fit);
	for (int v = 0; v < V; v++)
		ones[v] = 1;
	/* the target: plain WFC's own mix, measured by the engine alone */
	shares(&g, &spec, NULL, false, 500000, 200, want);

	/* eight rounds run; the closest round's scales come back, and the
	 * generator is left as it was */
	int rounds = 0;
	g.guide_scale = NULL;
	cr_assert_eq(srv_nn_fit_scale(&g, want, SRV_NN_PRIOR_EPS, 8, 100, 900000, fit, count_rounds,
	                              &rounds, err, sizeof err),
	             0, "%s", err);
	cr_assert_eq(rounds, 8);
	cr_assert_null(g.guide_scale, "the fit left its scales in the generator");
	for (int v = 0; v < V; v++)
		cr_assert(fit[v] > 0 && isfinite(fit[v]), "scale %d: %g", v, (double)fit[v]);

	/* judged on seeds the fit never drew */
	shares(&g, &spec, ones, true, 100000, 150, got);
	double before = kl(want, got, V);
	shares(&g, &spec, fit, true, 100000, 150, got);
	double after = kl(want, got, V);
	cr_assert_lt(after, before / 2, "tile mix KL %.6f unscaled, %.6f with the fitted scales",
	             before, after);

	/* a report that says stop ends the fit after its round */
	cr_assert_eq(srv_nn_fit_scale(&g, want, SRV_NN_PRIOR_EPS, 8, 10, 900000, fit,
	                              stop_after_two, NULL, err, sizeof err),
	             1);
	cr_assert(strstr(err, "stopped after round 2"), "%s", err);
	cr_assert_null(g.guide_scale);

	/* refusals */
	cr_assert_neq(srv_nn_fit_scale(&g, want, SRV_NN_PRIOR_EPS, 0, 100, 1, fit, NULL, NULL, err,
	                               sizeof err),
	              0);
	cr_assert(strstr(err, "at least one round"), "%s", err);
	cr_assert_neq(srv_nn_fit_scale(&g, want, 0, 1, 100, 1, fit, NULL, NULL, err, sizeof err),
	              0);
	cr_assert(strstr(err, "a floor > 0"), "%s", err);
	g.guide_scale = own;
	free(want), free(got), free(ones), free(fit);
	api_spec_free(&spec);
	nn_generator_free(&g);
	nn_backend_destroy(be);
}
