/* cmd_calibrate.c - `wfc calibrate`: fit a generator's guide scales
 * (server/guide_fit.c) and write them into a copy of its checkpoint. */
#include "cli.h"
#include "nn_common.h"

#include "../api/dataset.h"
#include "../nn/checkpoint.h"
#include "../server/jobs_nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wfc calibrate CKPT --data DATA.safetensors -o OUT.safetensors\n"
    "                     [--floor F] [--rounds R] [--count N] [--seed S]\n"
    "\n"
    "Fits the guide scales of a onehot generator: one factor per vocabulary\n"
    "entry by which guided WFC multiplies the generator's probabilities, chosen\n"
    "so that guided levels use each entry as often as the training set DATA\n"
    "does (docs/NEURAL.md, \"Guide scales\"). Each round draws N guided levels\n"
    "(default 1000; seeds S.., default 900000, apart from the evaluation's) and\n"
    "corrects every factor by how far its entry's share is off; the factors of\n"
    "the closest round are written to OUT, a copy of CKPT with metadata\n"
    "guide_scale (OUT may be CKPT). Each round's KL between the two histograms\n"
    "goes to stderr.\n"
    "\n"
    "--floor F sets the prior every pattern gets besides the generator's\n"
    "(prior = F + scale * p; default: CKPT's own, else 0.001), written to OUT\n"
    "as guide_floor: a higher floor follows the generator less and the\n"
    "training set's statistics more (docs/NEURAL.md).\n"
    "\n"
    "Options: --rounds R (default 25), --device auto|cpu|cuda (default cpu),\n"
    "--threads T\n";

static int report(void *ctx, int round, double kl, const float *scale)
{
	(void)ctx, (void)scale;
	fprintf(stderr, "wfc calibrate: round %d: histogram KL %.6f\n", round, kl);
	return 0;
}

/* The data set's share of each vocabulary entry, after checking that it
 * is the generator's data (same vocabulary, same engine indices). */
static double *entry_shares(const api_dataset *ds, const nn_generator *g, char *err, size_t errlen)
{
	if (ds->vocab != g->vocab || ds->size != g->cfg.size ||
	    (ds->vocab_ids &&
	     memcmp(ds->vocab_ids, g->vocab_ids, (size_t)ds->vocab * sizeof *ds->vocab_ids))) {
		snprintf(err, errlen,
		         "the data set (vocabulary %d, %dx%d) is not the checkpoint's (vocabulary "
		         "%d, %dx%d, or other vocab_ids)",
		         ds->vocab, ds->size, ds->size, g->vocab, g->cfg.size, g->cfg.size);
		return NULL;
	}
	double *want = malloc((size_t)ds->vocab * sizeof *want);
	if (!want) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv_nn_data_shares(ds, want);
	return want;
}

int cli_calibrate(int argc, char **argv)
{
	const char *ckpt = NULL, *data = NULL, *out = NULL, *device = "cpu";
	long rounds = 25, count = 1000, seed = 900000, threads = 1;
	double prior_floor = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		}
		if (o[0] != '-') {
			if (ckpt) {
				fprintf(stderr,
				        "wfc calibrate: more than one checkpoint given ('%s')\n",
				        o);
				return CLI_BAD_INPUT;
			}
			ckpt = o;
			continue;
		}
		if (!v) {
			fprintf(stderr, "wfc calibrate: %s needs a value\n", o);
			return CLI_BAD_INPUT;
		}
		bool ok = true;
		if (!strcmp(o, "-o") || !strcmp(o, "--output"))
			out = v;
		else if (!strcmp(o, "--data"))
			data = v;
		else if (!strcmp(o, "--device"))
			device = v;
		else if (!strcmp(o, "--floor")) {
			char *end;
			prior_floor = strtod(v, &end);
			ok = *v && !*end && prior_floor > 0 && prior_floor <= 1e6;
		} else if (!strcmp(o, "--rounds"))
			ok = cli_parse_int(v, 1, 1000, &rounds);
		else if (!strcmp(o, "--count"))
			ok = cli_parse_int(v, 1, 1000000, &count);
		else if (!strcmp(o, "--seed"))
			ok = cli_parse_int(v, 0, INT32_MAX, &seed);
		else if (!strcmp(o, "--threads"))
			ok = cli_parse_int(v, 0, 1024, &threads);
		else {
			fprintf(stderr,
			        "wfc calibrate: unknown option '%s' (see wfc calibrate --help)\n",
			        o);
			return CLI_BAD_INPUT;
		}
		if (!ok) {
			fprintf(stderr, "wfc calibrate: invalid value '%s' for %s\n", v, o);
			return CLI_BAD_INPUT;
		}
		i++;
	}
	if (!ckpt || !data || !out) {
		fprintf(stderr, "wfc calibrate: give CKPT, --data DATA and -o OUT (see wfc "
		                "calibrate --help)\n");
		return CLI_BAD_INPUT;
	}
	nn_backend *be = cli_nn_backend(device, (int)threads, "calibrate");
	if (!be) return CLI_BAD_INPUT;
	char err[512];
	nn_generator g;
	api_dataset ds = {0};
	api_error e = {0};
	double *want = NULL;
	float *scale = NULL;
	int rc = CLI_BAD_INPUT;
	if (nn_generator_load(ckpt, be, 1, &g, err, sizeof err)) {
		fprintf(stderr, "wfc calibrate: %s\n", err);
		nn_backend_destroy(be);
		return CLI_BAD_INPUT;
	}
	if (!(g.cfg.onehot && g.spec_json && g.vocab_ids)) {
		fprintf(stderr,
		        "wfc calibrate: %s is not a guided model (it needs the onehot "
		        "format, its data set's spec and vocab_ids)\n",
		        ckpt);
		goto done;
	}
	int ar = api_dataset_load(data, &ds, &e);
	if (ar != API_OK) {
		rc = cli_report("calibrate", ar, &e);
		goto done;
	}
	if (!(want = entry_shares(&ds, &g, err, sizeof err))) {
		fprintf(stderr, "wfc calibrate: %s: %s\n", data, err);
		goto done;
	}
	if (!(scale = malloc((size_t)g.vocab * sizeof *scale))) {
		fprintf(stderr, "wfc calibrate: out of memory\n");
		rc = CLI_FAILURE;
		goto done;
	}
	float f = prior_floor > 0 ? (float)prior_floor : srv_nn_floor(&g);
	if (srv_nn_fit_scale(&g, want, f, (int)rounds, (int)count, seed, scale, report, NULL, err,
	                     sizeof err) ||
	    nn_ckpt_write_guide(ckpt, out, scale, g.vocab, f, err, sizeof err)) {
		fprintf(stderr, "wfc calibrate: %s\n", err);
		rc = CLI_FAILURE;
		goto done;
	}
	fprintf(stderr, "wfc calibrate: wrote %s (floor %g, the scales of the closest round)\n",
	        out, (double)f);
	rc = CLI_DONE;
done:
	free(want), free(scale);
	api_dataset_free(&ds);
	nn_generator_free(&g);
	nn_backend_destroy(be);
	return rc;
}
