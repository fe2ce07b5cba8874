/*
 * nngrids.c - grids from a generator checkpoint, for `wfc eval --grids`
 * (docs/NEURAL.md's evaluation; `make model-eval`).
 *
 *   nngrids CKPT --mode raw|guided|wfc [--count N] [--seed S] -o OUT.safetensors
 *
 * raw: sample i of seed S (i < N), each cell the most likely vocabulary
 * entry. guided: what the server's guided jobs do (server/runner_nn.c,
 * srv_nn_priors): the generator's sample 0 of seed S + i gives the priors of
 * one WFC run of the checkpoint's spec with seed S + i (attempts S + i + k,
 * up to 10), each cell mapped back to its vocabulary entry (-1 for a
 * pattern outside the vocabulary). wfc: the same WFC runs without priors
 * (the baseline, timed the same way). Writes "states" F32 (N, size, size) and
 * prints the time per grid (sampling included) on stderr.
 */
#include "../api/json_spec.h"
#include "../api/safetensors.h"
#include "../nn/checkpoint.h"
#include "../nn/sample.h"
#include "../server/jobs_nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "nngrids: %s\n", what);
	return 2;
}

/* One guided grid (vocabulary indices) into out; 0, or -1 after 10 attempts. */
static int guided(const nn_generator *g, const float *probs, const api_spec *spec, int32_t seed,
                  float *out)
{
	wfc_model *wm = NULL;
	wfc_state *st = NULL;
	api_error e = {0};
	wfc_error we = {{0}};
	srv_problem p;
	int rc = -1;
	if (api_spec_build_model(spec, &wm, &e) != API_OK ||
	    wfc_state_create(wm, &st, &we) != WFC_OK)
		goto done;
	if (probs) { /* NULL: plain WFC, the baseline */
		float *pr = srv_nn_priors(probs, g, wm, &p);
		if (!pr || wfc_state_set_priors(st, pr, &we) != WFC_OK) {
			free(pr);
			goto done;
		}
		free(pr);
	}
	if (wfc_generate(st, seed, 10, true, -1, NULL, NULL) != WFC_OK) goto done;
	const int32_t *obs = wfc_state_observed(st);
	int S = g->cfg.size, W = wfc_model_width(wm);
	for (int y = 0; y < S; y++)
		for (int x = 0; x < S; x++) {
			int t = obs[y * W + x], v = -1;
			for (int k = 0; k < g->vocab; k++)
				if (g->vocab_ids[k] == t) v = k;
			out[y * S + x] = (float)v;
		}
	rc = 0;
done:
	wfc_state_destroy(st);
	wfc_model_destroy(wm);
	return rc;
}

int main(int argc, char **argv)
{
	const char *ckpt = NULL, *mode = "raw", *outp = NULL;
	long count = 100, seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (o[0] != '-') {
			ckpt = o;
			continue;
		}
		if (!v) return die("an option needs a value");
		if (!strcmp(o, "--mode"))
			mode = v;
		else if (!strcmp(o, "--count"))
			count = strtol(v, NULL, 10);
		else if (!strcmp(o, "--seed"))
			seed = strtol(v, NULL, 10);
		else if (!strcmp(o, "-o"))
			outp = v;
		else
			return die(
			    "usage: nngrids CKPT --mode raw|guided [--count N] [--seed S] -o OUT");
		i++;
	}
	bool plain = !strcmp(mode, "wfc"), is_guided = plain || !strcmp(mode, "guided");
	if (!ckpt || !outp || count < 1 || (!is_guided && strcmp(mode, "raw")))
		return die("usage: nngrids CKPT --mode raw|guided [--count N] [--seed S] -o OUT");
	char err[512];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	nn_generator g;
	if (!be || nn_generator_load(ckpt, be, 8, &g, err, sizeof err)) return die(err);
	if (is_guided && !(g.cfg.onehot && g.spec_json && g.vocab_ids))
		return die("guided needs a onehot checkpoint with spec and vocab_ids");
	api_spec spec;
	api_error e = {0};
	if (is_guided && api_spec_from_json(g.spec_json, strlen(g.spec_json), NULL, &spec, &e))
		return die(e.message);
	int S = g.cfg.size, C = g.cfg.channels;
	size_t ss = (size_t)S * S, per = (size_t)C * ss;
	float *states = malloc((size_t)count * ss * sizeof *states);
	float *x = malloc((is_guided ? 1 : (size_t)count) * per * sizeof *x);
	uint32_t *px = malloc(ss * sizeof *px);
	int32_t *idx = malloc(ss * sizeof *idx);
	if (!states || !x || !px || !idx) return die("out of memory");
	double t0 = now_s();
	int failed = 0;
	if (!is_guided) {
		if (nn_sample_batch(&g.g, g.z, g.cfg.latent, (uint64_t)seed, 0, (int)count, x))
			return die("out of memory sampling");
		for (long i = 0; i < count; i++) {
			nn_sample_to_image(x + (size_t)i * per, C, S, g.cfg.onehot, g.colors, px,
			                   idx);
			for (size_t q = 0; q < ss; q++)
				states[(size_t)i * ss + q] = (float)idx[q];
		}
	} else {
		for (long i = 0; i < count; i++) {
			uint64_t s = (uint64_t)(seed + i);
			if (!plain && nn_sample_batch(&g.g, g.z, g.cfg.latent, s, 0, 1, x))
				return die("out of memory sampling");
			if (guided(&g, plain ? NULL : x, &spec, (int32_t)s,
			           states + (size_t)i * ss)) {
				failed++;
				for (size_t q = 0; q < ss; q++)
					states[(size_t)i * ss + q] = -1;
			}
		}
	}
	double secs = now_s() - t0;
	fprintf(stderr, "nngrids: %s: %ld grids of %dx%d in %.2f s (%.1f ms per grid), %d failed\n",
	        mode, count, S, S, secs, 1e3 * secs / (double)count, failed);
	api_st_writer *w = api_st_writer_create();
	int64_t shape[3] = {count, S, S};
	if (!w || api_st_add(w, "states", 3, shape, states, &e) || api_st_write_file(w, outp, &e))
		return die(e.message[0] ? e.message : "out of memory");
	api_st_writer_destroy(w);
	if (is_guided) api_spec_free(&spec);
	free(states), free(x), free(px), free(idx);
	nn_generator_free(&g);
	nn_backend_destroy(be);
	return 0;
}
