/*
 * cmd_eval.c - `wfc eval`: score grids against a data set (nn/eval.h).
 *
 * Sources of grids: --wfc (fresh WFC outputs of the data set's own spec,
 * seeds from the data set's seed_end on, the baseline a generator should
 * approach), --grids FILE (a safetensors with "states" or "images"), or a
 * checkpoint (HOOK below: the sampler is added with the models).
 */
#include "cli.h"

#include "../api/dataset_gen.h"
#include "../api/json_spec.h"
#include "../api/safetensors.h"
#include "../nn/checkpoint.h"
#include "../nn/eval.h"
#include "../nn/sample.h"
#include "nn_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wfc eval --data FILE.safetensors (--wfc | --grids FILE.safetensors | CKPT)\n"
    "                [--count N] [--seed S] [--threads T] [--json OUT.json]\n"
    "\n"
    "Scores generated grids against a data set (wfc dataset): adjacency\n"
    "violations, fully valid grids, tile-pattern KL divergence of 2x2 and 3x3\n"
    "windows, histogram divergence, diversity, duplicates, distance to the\n"
    "nearest training example (definitions: nn/eval.h).\n"
    "\n"
    "  --wfc              fresh WFC outputs of the data set's spec (the\n"
    "                     baseline), seeds from the data set's seed_end on\n"
    "  --grids FILE       a safetensors with \"states\" (N, S, S) vocabulary\n"
    "                     indices or \"images\" (N, 3, S, S) in [-1, 1]; images\n"
    "                     are scored at the colour level (nearest colour)\n"
    "  CKPT               a generator checkpoint: samples --count outputs (seed --seed)\n"
    "  --count N          grids to score (default 1000 for --wfc; all of --grids)\n"
    "  --seed S           first seed for --wfc (default: the data set's seed_end)\n"
    "  --json FILE        also write the metrics as JSON\n";

static void print_table(const char *label, const nn_eval_metrics *m, bool colour_level)
{
	printf("%s: %d grids%s\n", label, m->count,
	       colour_level ? " (RGB, scored at the colour level)" : "");
	printf("  %-28s %.6f  (%lld of %lld pairs)\n", "adjacency violation rate",
	       m->violation_rate, m->violations, m->pairs);
	printf("  %-28s %.4f  (%d of %d)\n", "fully valid grids", m->valid_rate, m->valid,
	       m->count);
	printf("  %-28s %.6f  (reverse %.6f)\n", "KL 2x2 train||gen (nats)", m->kl2, m->kl2_rev);
	printf("  %-28s %.6f  (reverse %.6f)\n", "KL 3x3 train||gen (nats)", m->kl3, m->kl3_rev);
	printf("  %-28s %.6f\n", "histogram JS (bits)", m->hist_js);
	printf("  %-28s %.4f\n", "diversity (mean Hamming)", m->diversity);
	printf("  %-28s %d\n", "duplicates", m->duplicates);
	printf("  %-28s %d\n", "copies of training grids", m->train_copies);
	printf("  %-28s %.4f\n", "nearest training (Hamming)", m->nearest_train);
	if (m->unknown_cells)
		printf("  %-28s %lld\n", "cells outside the vocabulary", m->unknown_cells);
}

static int write_json(const char *path, const char *raw_label, const nn_eval_metrics *m,
                      bool colour_level, api_error *err)
{
	char label[512], buf[2048];
	size_t n = 0;
	for (const char *c = raw_label; *c && n + 7 < sizeof label; c++) {
		if (*c == '"' || *c == '\\') label[n++] = '\\';
		if ((unsigned char)*c < 0x20) {
			n += (size_t)snprintf(label + n, sizeof label - n, "\\u%04x", *c);
			continue;
		}
		label[n++] = *c;
	}
	label[n] = '\0';
	snprintf(buf, sizeof buf,
	         "{\n  \"source\": \"%s\",\n  \"count\": %d,\n  \"colour_level\": %s,\n"
	         "  \"violation_rate\": %.9g,\n  \"violations\": %lld,\n  \"pairs\": %lld,\n"
	         "  \"valid_rate\": %.9g,\n  \"kl2\": %.9g,\n  \"kl2_rev\": %.9g,\n"
	         "  \"kl3\": %.9g,\n  \"kl3_rev\": %.9g,\n  \"hist_js\": %.9g,\n"
	         "  \"diversity\": %.9g,\n  \"duplicates\": %d,\n  \"train_copies\": %d,\n"
	         "  \"nearest_train\": %.9g,\n  \"unknown_cells\": %lld,\n"
	         "  \"epsilon\": %g\n}\n",
	         label, m->count, colour_level ? "true" : "false", m->violation_rate, m->violations,
	         m->pairs, m->valid_rate, m->kl2, m->kl2_rev, m->kl3, m->kl3_rev, m->hist_js,
	         m->diversity, m->duplicates, m->train_copies, m->nearest_train, m->unknown_cells,
	         NN_EVAL_EPSILON);
	return cli_write_text(path, buf, err);
}

/* Scores, prints, writes JSON: the common end of every source. */
static int score(const int32_t *train, int train_count, int size, int vocab, const uint8_t *allowed,
                 const int32_t *grids, int count, const char *label, const char *json_path,
                 bool colour_level, nn_eval_metrics *out)
{
	nn_eval_metrics m;
	char msg[256] = "";
	if (nn_eval_grids(train, train_count, grids, count, size, vocab, allowed, NULL, &m, msg,
	                  sizeof msg)) {
		fprintf(stderr, "wfc eval: %s\n", msg);
		return CLI_FAILURE;
	}
	print_table(label, &m, colour_level);
	if (out) *out = m;
	api_error err = {0};
	if (json_path && write_json(json_path, label, &m, colour_level, &err))
		return cli_report(json_path, API_ERR_IO, &err);
	return CLI_DONE;
}

int cli_eval_grids(const api_dataset *train, const int32_t *grids, int count, const char *label,
                   const char *json_path, nn_eval_metrics *out)
{
	return score(train->states, train->count, train->size, train->vocab, train->allowed, grids,
	             count, label, json_path, false, out);
}

int cli_eval_images(const api_dataset *train, const float *images, int count, const char *label,
                    const char *json_path, nn_eval_metrics *out)
{
	size_t V = (size_t)train->vocab, cells = (size_t)train->size * train->size;
	int32_t *cls = malloc(V * sizeof *cls);
	uint8_t *al = malloc(4 * V * V);
	int32_t *tr = malloc((size_t)train->count * cells * sizeof *tr);
	int32_t *gen = malloc((size_t)count * cells * sizeof *gen);
	int rc = CLI_FAILURE;
	if (!cls || !al || !tr || !gen) {
		fprintf(stderr, "wfc eval: out of memory\n");
		goto out;
	}
	nn_eval_color_classes(train->colors, train->vocab, cls);
	nn_eval_class_allowed(train->allowed, cls, train->vocab, al);
	for (size_t i = 0; i < (size_t)train->count * cells; i++)
		tr[i] = cls[train->states[i]];
	nn_eval_rgb_to_grid(images, count, train->size, train->colors, train->vocab, gen);
	rc = score(tr, train->count, train->size, train->vocab, al, gen, count, label, json_path,
	           true, out);
out:
	free(cls);
	free(al);
	free(tr);
	free(gen);
	return rc;
}

/* Fresh WFC outputs on the training vocabulary, extended by the patterns
 * the data set never showed (entries vocab.., allowed from the engine), so
 * the baseline is not charged for patterns that are legal but unseen. */
static int eval_wfc(const api_dataset *ds, int count, long seed, bool has_seed, int threads,
                    const char *json_path)
{
	api_error err = {0};
	if (!ds->spec_json || !ds->vocab_ids) {
		fprintf(stderr, "wfc eval: --wfc needs a data set with 'spec' metadata and "
		                "'vocab_ids' (written by wfc dataset)\n");
		return CLI_BAD_INPUT;
	}
	api_spec spec;
	int rc = api_spec_from_json(ds->spec_json, strlen(ds->spec_json), NULL, &spec, &err);
	if (rc) return cli_report("the data set's spec", rc, &err);
	api_dataset_options opt = {.size = ds->size,
	                           .count = count,
	                           .format = API_DATASET_ONEHOT,
	                           .seed = (int32_t)(has_seed ? seed : ds->seed_end),
	                           .threads = threads};
	api_dataset fresh;
	rc = api_dataset_generate(&spec, &opt, &fresh, &err);
	if (rc) {
		api_spec_free(&spec);
		return cli_report("wfc baseline", rc, &err);
	}
	int32_t max_id = 0;
	for (int v = 0; v < ds->vocab; v++)
		if (ds->vocab_ids[v] > max_id) max_id = ds->vocab_ids[v];
	for (int v = 0; v < fresh.vocab; v++)
		if (fresh.vocab_ids[v] > max_id) max_id = fresh.vocab_ids[v];
	int V = ds->vocab, n = V;
	int32_t *entry = malloc(((size_t)max_id + 1) * sizeof *entry);
	int32_t *ids = malloc(((size_t)V + fresh.vocab) * sizeof *ids);
	uint8_t *al = NULL;
	rc = CLI_FAILURE;
	if (!entry || !ids) goto nomem;
	for (int32_t i = 0; i <= max_id; i++)
		entry[i] = -1;
	for (int v = 0; v < V; v++) {
		entry[ds->vocab_ids[v]] = v;
		ids[v] = ds->vocab_ids[v];
	}
	for (int v = 0; v < fresh.vocab; v++)
		if (entry[fresh.vocab_ids[v]] < 0) {
			entry[fresh.vocab_ids[v]] = n;
			ids[n++] = fresh.vocab_ids[v];
		}
	if (!(al = malloc(4 * (size_t)n * n))) goto nomem;
	int arc = api_dataset_allowed_for(&spec, ds->size, ids, n, al, &err);
	if (arc) {
		rc = cli_report("wfc baseline", arc, &err);
		goto done;
	}
	size_t cells = (size_t)count * ds->size * ds->size;
	for (size_t i = 0; i < cells; i++)
		fresh.states[i] = entry[fresh.vocab_ids[fresh.states[i]]];
	char label[96];
	snprintf(label, sizeof label,
	         "wfc baseline (seeds %lld..%lld, %d patterns unseen in "
	         "training)",
	         (long long)fresh.seed, (long long)fresh.seed_end - 1, n - V);
	rc = score(ds->states, ds->count, ds->size, n, al, fresh.states, count, label, json_path,
	           false, NULL);
	goto done;
nomem:
	fprintf(stderr, "wfc eval: out of memory\n");
done:
	free(entry);
	free(ids);
	free(al);
	api_dataset_free(&fresh);
	api_spec_free(&spec);
	return rc;
}

static int eval_file(const api_dataset *ds, const char *path, long count, const char *json_path)
{
	api_safetensors st;
	api_error err = {0};
	int rc = api_st_read_file(path, &st, &err);
	if (rc) return cli_report(path, rc, &err);
	const api_st_tensor *s = api_st_find(&st, "states"), *im = api_st_find(&st, "images");
	int S = ds->size;
	rc = CLI_BAD_INPUT;
	if (s && s->ndim == 3 && s->shape[1] == S && s->shape[2] == S && s->shape[0] > 0) {
		int n = (int)(count > 0 && count < s->shape[0] ? count : s->shape[0]);
		size_t cells = (size_t)n * S * S;
		int32_t *g = malloc(cells * sizeof *g);
		if (!g) {
			fprintf(stderr, "wfc eval: out of memory\n");
			rc = CLI_FAILURE;
			goto out;
		}
		size_t i = 0;
		for (; i < cells; i++) {
			float v = s->data[i];
			if (!(v >= -1 && v < 2147483647.0f) || floorf(v) != v) break;
			g[i] = v < ds->vocab ? (int32_t)v : -1;
		}
		if (i < cells)
			fprintf(stderr, "wfc eval: %s: states value %g at %zu is not an index\n",
			        path, (double)s->data[i], i);
		else
			rc = cli_eval_grids(ds, g, n, path, json_path, NULL);
		free(g);
	} else if (im && im->ndim == 4 && im->shape[1] == 3 && im->shape[2] == S &&
	           im->shape[3] == S && im->shape[0] > 0) {
		int n = (int)(count > 0 && count < im->shape[0] ? count : im->shape[0]);
		rc = cli_eval_images(ds, im->data, n, path, json_path, NULL);
	} else {
		fprintf(stderr,
		        "wfc eval: %s: needs \"states\" (N, %d, %d) or \"images\" (N, 3, %d, %d)\n",
		        path, S, S, S, S);
	}
out:
	api_st_free(&st);
	return rc;
}

/* Samples `count` outputs of the generator in ckpt (seed, indices 0..)
 * and scores them: onehot outputs by their argmax cell, rgb outputs by the
 * nearest colour. Also prints the generator's time per output. */
static int eval_checkpoint(const api_dataset *ds, const char *ckpt, int count, long seed,
                           const char *json_path)
{
	nn_backend *be = cli_nn_backend("auto", 0, "eval");
	if (!be) return CLI_FAILURE;
	nn_generator gen;
	char msg[512];
	enum { CHUNK = 32 };
	if (nn_generator_load(ckpt, be, CHUNK, &gen, msg, sizeof msg)) {
		fprintf(stderr, "wfc eval: %s\n", msg);
		nn_backend_destroy(be);
		return CLI_BAD_INPUT;
	}
	int C = gen.cfg.channels, S = gen.cfg.size, cells = S * S, rc = CLI_DONE;
	if (S != ds->size || (gen.cfg.onehot && C != ds->vocab)) {
		fprintf(stderr,
		        "wfc eval: %s makes %dx%d outputs over %d channels; the data set has "
		        "%dx%d cells and %d vocabulary entries\n",
		        ckpt, S, S, C, ds->size, ds->size, ds->vocab);
		rc = CLI_BAD_INPUT;
		goto done;
	}
	size_t per = (size_t)C * cells;
	float *chunk = malloc(CHUNK * per * sizeof *chunk);
	int32_t *grids = gen.cfg.onehot ? malloc((size_t)count * cells * sizeof *grids) : NULL;
	float *images = gen.cfg.onehot ? NULL : malloc((size_t)count * per * sizeof *images);
	if (!chunk || (!grids && !images)) {
		fprintf(stderr, "wfc eval: out of memory for %d samples\n", count);
		free(chunk);
		free(grids);
		free(images);
		rc = CLI_FAILURE;
		goto done;
	}
	double t0 = cli_now_ms();
	for (int first = 0; first < count && rc == CLI_DONE; first += CHUNK) {
		int n = count - first < CHUNK ? count - first : CHUNK;
		if (nn_sample_batch(&gen.g, gen.z, gen.cfg.latent, (uint64_t)seed, first, n, chunk)) {
			fprintf(stderr, "wfc eval: out of memory while sampling\n");
			rc = CLI_FAILURE;
			break;
		}
		for (int i = 0; i < n; i++) {
			const float *x = chunk + (size_t)i * per;
			if (images) {
				memcpy(images + (size_t)(first + i) * per, x, per * sizeof *x);
				continue;
			}
			int32_t *g = grids + (size_t)(first + i) * cells;
			for (int c = 0; c < cells; c++) {
				int best = 0;
				for (int k = 1; k < C; k++)
					if (x[(size_t)k * cells + c] > x[(size_t)best * cells + c]) best = k;
				g[c] = best;
			}
		}
	}
	double ms = cli_now_ms() - t0;
	if (rc == CLI_DONE) {
		printf("generator: %d samples in %.1f ms, %.3f ms per %dx%d output (%s, batches "
		       "of %d)\n",
		       count, ms, ms / count, S, S, nn_backend_describe(be), CHUNK);
		nn_eval_metrics met;
		rc = images ? cli_eval_images(ds, images, count, ckpt, json_path, &met)
		            : cli_eval_grids(ds, grids, count, ckpt, json_path, &met);
	}
	free(chunk);
	free(grids);
	free(images);
done:
	nn_generator_free(&gen);
	nn_backend_destroy(be);
	return rc;
}

int cli_eval(int argc, char **argv)
{
	const char *data = NULL, *grids = NULL, *ckpt = NULL, *json = NULL;
	bool wfc = false, has_seed = false;
	long count = 0, seed = 0, threads = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		} else if (!strcmp(o, "--wfc")) {
			wfc = true;
			continue;
		} else if (o[0] != '-') {
			if (ckpt) goto usage_error;
			ckpt = o;
			continue;
		} else if (!v) {
			fprintf(stderr, "wfc eval: %s needs a value\n", o);
			return CLI_BAD_INPUT;
		}
		i++;
		if (!strcmp(o, "--data")) {
			data = v;
		} else if (!strcmp(o, "--grids")) {
			grids = v;
		} else if (!strcmp(o, "--json")) {
			json = v;
		} else if (!strcmp(o, "--count")) {
			if (!cli_parse_int(v, 1, API_DATASET_MAX_COUNT, &count)) goto bad;
		} else if (!strcmp(o, "--seed")) {
			if (!cli_parse_int(v, INT32_MIN, INT32_MAX, &seed)) goto bad;
			has_seed = true;
		} else if (!strcmp(o, "--threads")) {
			if (!cli_parse_int(v, 1, 256, &threads)) goto bad;
		} else {
			fprintf(stderr, "wfc eval: unknown option '%s' (see wfc eval --help)\n", o);
			return CLI_BAD_INPUT;
		}
		continue;
	bad:
		fprintf(stderr, "wfc eval: invalid value '%s' for %s\n", v, o);
		return CLI_BAD_INPUT;
	}
	if (!data || wfc + !!grids + !!ckpt != 1) {
	usage_error:
		fprintf(stderr,
		        "wfc eval: give --data FILE and one of --wfc, --grids FILE, CKPT\n");
		return CLI_BAD_INPUT;
	}
	api_dataset ds;
	api_error err = {0};
	int rc = api_dataset_load(data, &ds, &err);
	if (rc) return cli_report(data, rc, &err);
	if (wfc) {
		rc = eval_wfc(&ds, count ? (int)count : 1000, seed, has_seed, (int)threads, json);
	} else if (grids) {
		rc = eval_file(&ds, grids, count, json);
	} else {
		rc = eval_checkpoint(&ds, ckpt, count ? (int)count : 1000, has_seed ? seed : 1,
		                     json);
	}
	api_dataset_free(&ds);
	return rc;
}
