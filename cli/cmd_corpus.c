/*
 * cmd_corpus.c - `wfc corpus`: what the reference program does for a whole
 * samples.xml: every entry, `screenshots` images each, up to `attempts`
 * tries per image, <name>-<seed>.png (and .txt) in the output directory.
 */
#include "cli.h"

#include "../api/image.h"
#include "../api/output.h"
#include "../api/xml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: wfc corpus samples.xml -o DIR [--random-seeds] [--entry K] [--fast]\n"
    "\n"
    "Runs every entry of samples.xml like the reference program: the model is\n"
    "built once per entry, then each of its `screenshots` images gets up to\n"
    "10 attempts with the same seed. Prints one line per image: entry, name,\n"
    "seed, result, attempts, time. Entries without a seed attribute use seed\n"
    "100*K + i for image i of entry K (the golden outputs' seeds);\n"
    "--random-seeds draws them at random as the reference does. Runs are\n"
    "reference-exact unless --fast (the default engine mode: faster, repairs\n"
    "contradictions, different outputs for the same seed).\n"
    "Exit code 0 when every entry ran (contradictions included), 2 on bad\n"
    "input, 3 when a file cannot be written.\n";

static int write_image(const char *dir, const api_spec *spec, int32_t seed, const wfc_model *m,
                       const wfc_state *s, api_error *err)
{
	char path[4096];
	int w, h;
	wfc_render_size(m, &w, &h);
	uint32_t *px = malloc((size_t)w * h * sizeof *px);
	if (!px) return api_fail(err, API_ERR_NOMEM, "out of memory");
	wfc_render(s, px);
	snprintf(path, sizeof path, "%s/%s-%d.png", dir, spec->name, (int)seed);
	int rc = api_png_write_file(path, px, w, h, err);
	free(px);
	if (rc == API_OK && spec->text_output && wfc_state_complete(s)) {
		char *text = api_grid_text(s, m, err);
		if (!text) return API_ERR_INPUT;
		snprintf(path, sizeof path, "%s/%s-%d.txt", dir, spec->name, (int)seed);
		rc = cli_write_text(path, text, err);
		free(text);
	}
	return rc;
}

/* Runs all images of one entry; returns a CLI exit code for fatal errors. */
static int run_entry(const char *xml, int k, const char *dir, bool random_seeds, wfc_mode mode,
                     int *failures)
{
	api_spec spec;
	api_error err = {0};
	int rc = api_xml_load_entry(xml, k, &spec, &err);
	if (rc != API_OK) {
		printf("%3d  ERROR %s\n", k, err.message);
		(*failures)++;
		return rc == API_ERR_INPUT ? CLI_DONE : cli_report(xml, rc, &err);
	}
	wfc_model *m = NULL;
	wfc_state *s = NULL;
	wfc_error werr;
	double t0 = cli_now_ms();
	rc = api_spec_build_model(&spec, &m, &err);
	if (rc == API_OK && wfc_state_create_mode(m, mode, &s, &werr) != WFC_OK)
		rc = api_fail(&err, API_ERR_NOMEM, "%s", werr.message);
	if (rc != API_OK) {
		printf("%3d  %-12s ERROR %s\n", k, spec.name, err.message);
		(*failures)++;
		wfc_model_destroy(m);
		api_spec_free(&spec);
		return CLI_DONE;
	}
	double setup = cli_now_ms() - t0;
	int result = CLI_DONE;
	for (int i = 0; i < spec.screenshots && result == CLI_DONE; i++) {
		int32_t seed = spec.has_seed  ? (int32_t)((uint32_t)spec.seed + (uint32_t)i)
		               : random_seeds ? (int32_t)(rand() % 10000)
		                              : (int32_t)(100 * k + i);
		int used = 0;
		double t1 = cli_now_ms();
		wfc_status st =
		    wfc_generate(s, seed, spec.attempts, false, spec.limit, NULL, &used);
		double ms = cli_now_ms() - t1;
		if (st == WFC_OK) {
			printf("%3d  %-12s seed %-6d DONE           attempts %2d  %9.1f ms  (%.1f "
			       "ms/attempt, setup %.1f ms)%s\n",
			       k, spec.name, (int)seed, used, ms, ms / used, setup,
			       wfc_state_complete(s) ? "" : " partial");
			rc = write_image(dir, &spec, seed, m, s, &err);
			if (rc != API_OK) result = cli_report(dir, rc, &err);
		} else {
			printf("%3d  %-12s seed %-6d CONTRADICTION  attempts %2d  %9.1f ms  (%.1f "
			       "ms/attempt, setup %.1f ms)\n",
			       k, spec.name, (int)seed, used, ms, ms / used, setup);
		}
		fflush(stdout);
	}
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	api_spec_free(&spec);
	return result;
}

int cli_corpus(int argc, char **argv)
{
	const char *xml = NULL, *dir = NULL;
	bool random_seeds = false;
	wfc_mode mode = WFC_MODE_REFERENCE;
	long only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--entry") && i + 1 < argc) {
			if (!cli_parse_int(argv[++i], 1, 1000000, &only)) {
				fprintf(stderr, "wfc corpus: invalid entry '%s'\n", argv[i]);
				return CLI_BAD_INPUT;
			}
		} else if (!strcmp(argv[i], "--random-seeds")) {
			random_seeds = true;
		} else if (!strcmp(argv[i], "--fast")) {
			mode = WFC_MODE_FAST;
		} else if (argv[i][0] != '-' && !xml) {
			xml = argv[i];
		} else {
			fprintf(stderr, "wfc corpus: unexpected argument '%s'\n%s", argv[i], usage);
			return CLI_BAD_INPUT;
		}
	}
	if (!xml || !dir) {
		fputs(usage, stderr);
		return CLI_BAD_INPUT;
	}
	int count = 0;
	api_error err = {0};
	int rc = api_xml_count_entries(xml, &count, &err);
	if (rc != API_OK) return cli_report(xml, rc == API_ERR_NOMEM ? rc : API_ERR_INPUT, &err);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "wfc corpus: cannot create %s: %s\n", dir, strerror(errno));
		return CLI_FAILURE;
	}
	srand((unsigned)time(NULL));
	int failures = 0;
	double t0 = cli_now_ms();
	for (int k = 1; k <= count; k++) {
		if (only && k != only) continue;
		rc = run_entry(xml, k, dir, random_seeds, mode, &failures);
		if (rc != CLI_DONE) return rc;
	}
	printf("corpus: %d entries in %.2f s%s\n", only ? 1 : count, (cli_now_ms() - t0) / 1e3,
	       failures ? " (some entries could not be loaded)" : "");
	return failures ? CLI_BAD_INPUT : CLI_DONE;
}
