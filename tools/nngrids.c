/*
 * nngrids.c - grids from a generator checkpoint, for `wfc eval --grids`
 * (docs/NEURAL.md's evaluation; `make model-eval`).
 *
 *   nngrids CKPT --mode raw|guided|wfc [--count N] [--seed S] [--device D]
 *           [--batch B] -o OUT.safetensors
 *
 * raw: sample i of seed S (i < N), each cell the most likely vocabulary
 * entry, drawn B at a time (default 32) on --device (cpu, cuda or auto;
 * default cpu, the figures of docs/NEURAL.md). guided: what the server's guided jobs do (server/runner_nn.c,
 * srv_nn_set_priors): the generator's sample 0 of seed S + i gives the priors of
 * one WFC run of the checkpoint's spec with seed S + i (attempts S + i + k,
 * up to 10), each cell mapped back to its vocabulary entry (-1 for a
 * pattern outside the vocabulary). wfc: the same WFC runs without priors
 * (the baseline, timed the same way). Writes "states" F32 (N, size, size) and
 * prints on stderr the time per grid, wall and CPU (sampling included;
 * guided and wfc: also the generator's and WFC's shares of the CPU time,
 * model build included in WFC's) and, for guided and wfc, the
 * contradictions per valid grid: failed attempts, and the local repairs of
 * the fast mode (each one a contradiction it fixed without restarting).
 *
 * Experiments of docs/NEURAL.md ("Can guidance meet the goal?"), guided
 * only; the defaults are the server's priors, with anchors (--anchors 0 for
 * a guided job's default, priors only):
 *   --strength B     each prior raised to the power B (0: plain WFC; 1);
 *   --calibrate 1    the generator's own tile mix divided out (reshape);
 *   --confidence C   guide only cells whose top entry has p >= C (0: all);
 *   --anchors 0      priors only: no anchors (guide_nn.c), as before them;
 *   --oracle DATA --wrong F   no network: the "generator" of grid i is grid
 *                    i of the data set DATA (same spec; held out: other seeds
 *                    than the training set's) as one-hot, with 4x4 blocks of
 *                    random entries over a fraction F of the cells. What
 *                    guided WFC gains from a generator right on 1 - F of the
 *                    cells; its time has no forward in it.
 */
#include "../api/dataset.h"
#include "../api/json_spec.h"
#include "../api/safetensors.h"
#include "../nn/checkpoint.h"
#include "../nn/sample.h"
#include "../server/jobs_nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall time, and CPU time of the process: the per-level figures use CPU
 * time, which other jobs on a shared machine disturb far less. */
static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char USAGE[] =
    "usage: nngrids CKPT --mode raw|guided|wfc [--count N] [--seed S] [--strength B] "
    "[--calibrate 0|1] [--confidence C] [--anchors 0|1] [--oracle DATA --wrong F] "
    "[--device cpu|cuda|auto] [--batch B] -o OUT";

static int die(const char *what)
{
	fprintf(stderr, "nngrids: %s\n", what);
	return 2;
}

/*
 * Experiments on the generator's output x (V, S, S) before it becomes
 * priors. calibrate: divide each entry's probability by its mean over the
 * grid's cells (then renormalise per cell), so the generator's own tile mix
 * cancels and only where it puts tiles remains, on top of WFC's weights.
 * confidence c > 0: cells whose most likely entry has p < c get a flat row
 * (no guidance there). cell: S * S floats of scratch. Returns the cells
 * left guided.
 */
static long reshape(float *x, int V, int S, bool calibrate, float confidence, float *cell)
{
	size_t ss = (size_t)S * S;
	if (calibrate) {
		for (size_t q = 0; q < ss; q++)
			cell[q] = 0;
		for (int v = 0; v < V; v++) {
			float *xv = x + v * ss;
			double m = 0;
			for (size_t q = 0; q < ss; q++)
				m += xv[q];
			float inv = (float)(1 / (m / (double)ss + 1e-6));
			for (size_t q = 0; q < ss; q++) {
				xv[q] *= inv;
				cell[q] += xv[q]; /* the row's sum, to renormalise */
			}
		}
		for (int v = 0; v < V; v++)
			for (size_t q = 0; q < ss; q++)
				x[v * ss + q] /= cell[q];
	}
	if (confidence <= 0) return (long)ss;
	for (size_t q = 0; q < ss; q++)
		cell[q] = 0;
	for (int v = 0; v < V; v++)
		for (size_t q = 0; q < ss; q++)
			cell[q] = x[v * ss + q] > cell[q] ? x[v * ss + q] : cell[q];
	long kept = 0; /* cells left guided */
	for (size_t q = 0; q < ss; q++)
		kept += cell[q] >= confidence;
	for (int v = 0; v < V; v++)
		for (size_t q = 0; q < ss; q++)
			if (cell[q] < confidence) x[v * ss + q] = 1.0f / (float)V;
	return kept;
}

/* The oracle's output for grid i (see --oracle): one-hot of ds's grid i
 * (mod count) in g's vocabulary, 4x4 blocks of random entries over a
 * fraction `wrong` of the cells. to_vocab: engine pattern -> g's entry. */
static void oracle(const api_dataset *ds, const int32_t *to_vocab, int V, long i, float wrong,
                   uint64_t seed, float *x)
{
	int S = ds->size;
	size_t ss = (size_t)S * S;
	const int32_t *grid = ds->states + (size_t)(i % ds->count) * ss;
	memset(x, 0, (size_t)V * ss * sizeof *x);
	uint64_t r = seed * 0x9E3779B97F4A7C15ull + 1;
	uint8_t *bad = calloc(ss, 1);
	if (!bad) return;
	size_t nbad = 0;
	while ((float)nbad < wrong * (float)ss) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		int bx = (int)(r >> 33) % S, by = (int)(r >> 45) % S;
		for (int y = by; y < by + 4; y++)
			for (int xx = bx; xx < bx + 4; xx++) {
				size_t q = (size_t)(y % S) * S + (size_t)(xx % S);
				nbad += !bad[q];
				bad[q] = 1;
			}
	}
	for (size_t q = 0; q < ss; q++) {
		int v = to_vocab[ds->vocab_ids[grid[q]]];
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		if (bad[q] || v < 0) v = (int)((r >> 33) % (uint64_t)V);
		x[(size_t)v * ss + q] = 1;
	}
	free(bad);
}

/* Contradictions met while making the grids, and the anchors. */
typedef struct {
	long failed_attempts, repairs, anchors, dropped;
} tally;

/* Cells of grid (S * S entries) that hold the generator's most likely
 * entry of x (V, S, S): how closely a guided level follows the network. */
static long agreeing_cells(const float *x, int V, int S, const float *grid)
{
	size_t ss = (size_t)S * S;
	long n = 0;
	for (size_t q = 0; q < ss; q++) {
		int top = 0;
		for (int v = 1; v < V; v++)
			if (x[v * ss + q] > x[top * ss + q]) top = v;
		n += (int)grid[q] == top;
	}
	return n;
}

/* One guided grid (vocabulary indices) into out; 0, or -1 after 10 attempts
 * (attempt k with seed + k, as run_guided does). */
static int guided(const nn_generator *g, float *probs, float strength, bool anchored,
                  const api_spec *spec, int32_t seed, float *out, tally *tl)
{
	wfc_model *wm = NULL;
	wfc_state *st = NULL;
	int32_t *pins = NULL;
	api_error e = {0};
	wfc_error we = {{0}};
	int rc = -1;
	if (api_spec_build_model(spec, &wm, &e) != API_OK ||
	    wfc_state_create(wm, &st, &we) != WFC_OK)
		goto done;
	int cells = wfc_model_width(wm) * wfc_model_height(wm);
	if (!(pins = malloc((size_t)cells * sizeof *pins))) goto done;
	for (int i = 0; i < cells; i++)
		pins[i] = -1;
	/* anchors first: they read the generator's own argmax */
	if (probs && anchored) tl->anchors += srv_nn_anchors(probs, g, wm, pins);
	if (probs) { /* NULL: plain WFC, the baseline */
		/* strength B: prior^B = floor^B + ((floor + p)^B - floor^B) */
		float floor = srv_nn_floor(g), floor_b = powf(floor, strength);
		size_t n = (size_t)g->vocab * g->cfg.size * g->cfg.size;
		for (size_t i = 0; strength != 1 && i < n; i++)
			probs[i] = powf(floor + probs[i], strength) - floor_b;
		if (srv_nn_set_priors(st, wm, g, probs, floor_b, &we) != WFC_OK) goto done;
	}
	srv_nn_guide_tally gt = {0};
	wfc_status ws = srv_nn_run_anchored(st, wm, pins, NULL, seed, 10, NULL, &gt, &we);
	tl->repairs += gt.repairs;
	tl->failed_attempts += gt.failed_attempts;
	tl->dropped += gt.dropped;
	if (ws != WFC_OK) goto done;
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
	free(pins);
	wfc_state_destroy(st);
	wfc_model_destroy(wm);
	return rc;
}

int main(int argc, char **argv)
{
	const char *ckpt = NULL, *mode = "raw", *outp = NULL;
	long count = 100, seed = 1, chunk = 32;
	const char *device = "cpu", *oracle_path = NULL;
	float wrong = 0;
	float strength = 1, confidence = 0;
	bool calibrate = false, anchored = true;
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
		else if (!strcmp(o, "--strength"))
			strength = strtof(v, NULL);
		else if (!strcmp(o, "--calibrate"))
			calibrate = strtol(v, NULL, 10) != 0;
		else if (!strcmp(o, "--confidence"))
			confidence = strtof(v, NULL);
		else if (!strcmp(o, "--oracle"))
			oracle_path = v;
		else if (!strcmp(o, "--wrong"))
			wrong = strtof(v, NULL);
		else if (!strcmp(o, "--anchors"))
			anchored = strtol(v, NULL, 10) != 0;
		else if (!strcmp(o, "--device"))
			device = v;
		else if (!strcmp(o, "--batch"))
			chunk = strtol(v, NULL, 10);
		else if (!strcmp(o, "-o"))
			outp = v;
		else
			return die(USAGE);
		i++;
	}
	bool plain = !strcmp(mode, "wfc"), is_guided = plain || !strcmp(mode, "guided");
	nn_device dev = !strcmp(device, "cuda")   ? NN_DEVICE_CUDA
	                : !strcmp(device, "auto") ? nn_device_auto()
	                                          : NN_DEVICE_CPU;
	if (!ckpt || !outp || count < 1 || !(strength >= 0) || chunk < 1 || chunk > 4096 ||
	    (!is_guided && strcmp(mode, "raw")) || (strcmp(device, "cpu") && dev == NN_DEVICE_CPU &&
	                                            strcmp(device, "auto")))
		return die(USAGE);
	char err[512];
	nn_backend *be = nn_backend_create(dev, 1, err, sizeof err);
	nn_generator g;
	if (!be || nn_generator_load(ckpt, be, (int)chunk, &g, err, sizeof err)) return die(err);
	fprintf(stderr, "nngrids: device %s\n", dev == NN_DEVICE_CUDA ? "cuda" : "cpu");
	if (is_guided && !(g.cfg.onehot && g.spec_json && g.vocab_ids))
		return die("guided needs a onehot checkpoint with spec and vocab_ids");
	api_spec spec;
	api_error e = {0};
	if (is_guided && api_spec_from_json(g.spec_json, strlen(g.spec_json), NULL, &spec, &e))
		return die(e.message);
	int S = g.cfg.size, C = g.cfg.channels;
	api_dataset ods = {0};
	int32_t *to_vocab = NULL;
	if (oracle_path) {
		if (!is_guided || !(wrong >= 0 && wrong <= 1)) return die(USAGE);
		if (api_dataset_load(oracle_path, &ods, &e)) return die(e.message);
		if (ods.size != S || !ods.vocab_ids) return die("the oracle's data set does not fit");
		int T = 0;
		for (int v = 0; v < ods.vocab; v++)
			T = ods.vocab_ids[v] >= T ? ods.vocab_ids[v] + 1 : T;
		for (int v = 0; v < g.vocab; v++)
			T = g.vocab_ids[v] >= T ? g.vocab_ids[v] + 1 : T;
		if (!(to_vocab = malloc((size_t)T * sizeof *to_vocab))) return die("out of memory");
		for (int t = 0; t < T; t++)
			to_vocab[t] = -1;
		for (int v = 0; v < g.vocab; v++)
			to_vocab[g.vocab_ids[v]] = v;
	}
	size_t ss = (size_t)S * S, per = (size_t)C * ss;
	float *states = malloc((size_t)count * ss * sizeof *states);
	/* raw: samples drawn at once (the same samples in any chunking) */
	int CHUNK = (int)chunk;
	float *x = malloc((is_guided ? 1 : (size_t)CHUNK) * per * sizeof *x);
	uint32_t *px = malloc(ss * sizeof *px);
	int32_t *idx = malloc(ss * sizeof *idx);
	float *cell = malloc(ss * sizeof *cell);
	if (!states || !x || !px || !idx || !cell) return die("out of memory");
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t_gen = 0,
	       kept = 0, untimed = 0;
	long agree = 0;
	int failed = 0;
	tally t = {0, 0, 0, 0};
	if (!is_guided) {
		for (long i = 0; i < count; i++) {
			int n = count - i < CHUNK ? (int)(count - i) : CHUNK;
			if (i % CHUNK == 0 &&
			    nn_sample_batch(&g.g, g.z, g.cfg.latent, (uint64_t)seed, (int)i, n, x))
				return die("out of memory sampling");
			nn_sample_to_image(x + (size_t)(i % CHUNK) * per, C, S, g.cfg.onehot,
			                   g.colors, px, idx);
			for (size_t q = 0; q < ss; q++)
				states[(size_t)i * ss + q] = (float)idx[q];
		}
	} else {
		for (long i = 0; i < count; i++) {
			uint64_t s = (uint64_t)(seed + i);
			double t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			if (oracle_path)
				oracle(&ods, to_vocab, C, i, wrong, s, x);
			else if (!plain && nn_sample_batch(&g.g, g.z, g.cfg.latent, s, 0, 1, x))
				return die("out of memory sampling");
			if (!plain) kept += (double)reshape(x, C, S, calibrate, confidence, cell);
			t_gen += clock_s(CLOCK_PROCESS_CPUTIME_ID) - t1;
			if (guided(&g, plain ? NULL : x, strength, anchored, &spec, (int32_t)s,
			           states + (size_t)i * ss, &t)) {
				failed++;
				for (size_t q = 0; q < ss; q++)
					states[(size_t)i * ss + q] = -1;
			} else if (!plain) { /* a measure, not a guided level's work: untimed */
				double t2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
				agree += agreeing_cells(x, C, S, states + (size_t)i * ss);
				untimed += clock_s(CLOCK_PROCESS_CPUTIME_ID) - t2;
			}
		}
	}
	double secs = clock_s(CLOCK_MONOTONIC) - t0 - untimed,
	       cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0 - untimed;
	fprintf(stderr,
	        "nngrids: %s: %ld grids of %dx%d in %.2f s (%.1f ms per grid, %.2f ms CPU), %d "
	        "failed\n",
	        mode, count, S, S, secs, 1e3 * secs / (double)count, 1e3 * cpu / (double)count,
	        failed);
	long valid = count - failed;
	if (is_guided && valid > 0)
		fprintf(stderr,
		        "nngrids: %s: per valid grid: %.2f ms CPU (generator %.2f, WFC %.2f), "
		        "%.3f failed attempts, %.2f repairs\n",
		        mode, 1e3 * cpu / (double)valid, 1e3 * t_gen / (double)valid,
		        1e3 * (cpu - t_gen) / (double)valid,
		        (double)t.failed_attempts / (double)valid,
		        (double)t.repairs / (double)valid);
	if (is_guided && !plain)
		fprintf(stderr,
		        "nngrids: %s: %.1f%% of cells anchored, %.1f%% of them dropped; %.1f%% of "
		        "the valid grids' cells hold the generator's most likely entry\n",
		        mode, 100 * (double)t.anchors / ((double)count * (double)ss),
		        t.anchors ? 100 * (double)t.dropped / (double)t.anchors : 0.0,
		        valid > 0 ? 100 * (double)agree / ((double)valid * (double)ss) : 0.0);
	if (confidence > 0)
		fprintf(stderr, "nngrids: %s: %.2f%% of cells confident enough to guide\n", mode,
		        100 * kept / ((double)count * (double)ss));
	api_st_writer *w = api_st_writer_create();
	int64_t shape[3] = {count, S, S};
	if (!w || api_st_add(w, "states", 3, shape, states, &e) || api_st_write_file(w, outp, &e))
		return die(e.message[0] ? e.message : "out of memory");
	api_st_writer_destroy(w);
	if (is_guided) api_spec_free(&spec);
	free(states), free(x), free(px), free(idx), free(cell);
	nn_generator_free(&g);
	free(to_vocab);
	if (oracle_path) api_dataset_free(&ods);
	nn_backend_destroy(be);
	return 0;
}
