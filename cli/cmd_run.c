/* cmd_run.c - `wfc run`: one output from a JSON spec or a samples.xml entry. */
#include "cli.h"

#include "../api/image.h"
#include "../api/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: wfc run SPEC.json [options]\n"
    "       wfc run --xml samples.xml --entry K [options]\n"
    "\n"
    "Generates one output. Entry K is the K-th model element of the file in\n"
    "document order, counting from 1; every attribute of it is honoured.\n"
    "\n"
    "Options:\n"
    "  -o FILE.png        write the image\n"
    "  --json FILE        write the JSON grid (legend + grid of indices)\n"
    "  --txt FILE         write the reference text grid (tiled models)\n"
    "  --seed S           seed (default: the spec's, else a random one, printed)\n"
    "  --size WxH         output size in cells (or N for N x N)\n"
    "  --attempts A       attempts before giving up (default: the spec's, 10)\n"
    "  --limit L          stop after L observations and render the partial state\n"
    "  --mode fast|reference\n"
    "                     fast: heap-driven, repairs contradictions locally\n"
    "                     (default with a JSON spec); reference: the reference\n"
    "                     program bit for bit (default with --xml)\n"
    "  --retry same|next  seed of each retry: the same seed (the reference\n"
    "                     program's behaviour; default with --xml) or seed+k\n"
    "                     for attempt k (default with a JSON spec)\n"
    "  -q, --quiet        no summary line\n"
    "FILE may be - for stdout. At least one of -o, --json, --txt is needed.\n";

typedef struct {
	const char *xml, *json, *png_out, *json_out, *txt_out;
	long entry, seed, attempts, limit;
	bool has_seed, has_attempts, has_limit, has_size, quiet, retry_set, vary_seed, mode_set;
	wfc_mode mode;
	int width, height;
} run_args;

static int parse_args(int argc, char **argv, run_args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return -1;
		} else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
			a->quiet = true;
			takes = false;
		} else if (o[0] != '-' || !strcmp(o, "-")) {
			if (a->json) {
				fprintf(stderr, "wfc run: more than one spec given ('%s')\n", o);
				return CLI_BAD_INPUT;
			}
			a->json = o;
			takes = false;
		} else if (!v) {
			fprintf(stderr, "wfc run: %s needs a value\n", o);
			return CLI_BAD_INPUT;
		} else if (!strcmp(o, "--xml")) {
			a->xml = v;
		} else if (!strcmp(o, "--entry")) {
			if (!cli_parse_int(v, 1, 1000000, &a->entry)) goto bad;
		} else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
			a->png_out = v;
		} else if (!strcmp(o, "--json")) {
			a->json_out = v;
		} else if (!strcmp(o, "--txt")) {
			a->txt_out = v;
		} else if (!strcmp(o, "--seed")) {
			if (!cli_parse_int(v, INT32_MIN, INT32_MAX, &a->seed)) goto bad;
			a->has_seed = true;
		} else if (!strcmp(o, "--size")) {
			if (!cli_parse_size(v, &a->width, &a->height)) goto bad;
			a->has_size = true;
		} else if (!strcmp(o, "--attempts")) {
			if (!cli_parse_int(v, 1, API_MAX_ATTEMPTS, &a->attempts)) goto bad;
			a->has_attempts = true;
		} else if (!strcmp(o, "--limit")) {
			if (!cli_parse_int(v, -1, INT32_MAX, &a->limit)) goto bad;
			a->has_limit = true;
		} else if (!strcmp(o, "--mode")) {
			if (strcmp(v, "fast") && strcmp(v, "reference")) goto bad;
			a->mode_set = true;
			a->mode = !strcmp(v, "fast") ? WFC_MODE_FAST : WFC_MODE_REFERENCE;
		} else if (!strcmp(o, "--retry")) {
			if (strcmp(v, "same") && strcmp(v, "next")) goto bad;
			a->retry_set = true;
			a->vary_seed = !strcmp(v, "next");
		} else {
			fprintf(stderr, "wfc run: unknown option '%s' (see wfc run --help)\n", o);
			return CLI_BAD_INPUT;
		}
		if (takes) i++;
		continue;
	bad:
		fprintf(stderr, "wfc run: invalid value '%s' for %s\n", v, o);
		return CLI_BAD_INPUT;
	}
	if (!!a->xml == !!a->json) {
		fprintf(stderr, "wfc run: give either SPEC.json or --xml FILE --entry K\n");
		return CLI_BAD_INPUT;
	}
	if (a->xml && !a->entry) {
		fprintf(stderr, "wfc run: --xml needs --entry K\n");
		return CLI_BAD_INPUT;
	}
	if (!a->png_out && !a->json_out && !a->txt_out) {
		fprintf(stderr, "wfc run: nothing to write: give -o FILE.png, --json or --txt\n");
		return CLI_BAD_INPUT;
	}
	if (!a->retry_set) a->vary_seed = a->json != NULL;
	if (!a->mode_set) a->mode = a->json ? WFC_MODE_FAST : WFC_MODE_REFERENCE;
	return 0;
}

static int write_outputs(const run_args *a, const api_spec *spec, const wfc_model *m,
                         const wfc_state *s)
{
	api_error err = {0};
	int rc = API_OK;
	if (a->png_out) {
		int w, h;
		wfc_render_size(m, &w, &h);
		uint32_t *px = malloc((size_t)w * h * sizeof *px);
		if (!px)
			return cli_report("render", API_ERR_NOMEM,
			                  &(api_error){"out of memory", ""});
		wfc_render(s, px);
		if (!strcmp(a->png_out, "-")) {
			unsigned char *png = NULL;
			size_t size = 0;
			rc = api_png_encode(px, w, h, &png, &size, &err);
			if (rc == API_OK && fwrite(png, 1, size, stdout) != size)
				rc = api_fail(&err, API_ERR_IO, "cannot write the PNG to stdout");
			free(png);
		} else {
			rc = api_png_write_file(a->png_out, px, w, h, &err);
		}
		free(px);
		if (rc != API_OK) return cli_report(a->png_out, rc, &err);
	}
	const char *paths[2] = {a->json_out, a->txt_out};
	for (int k = 0; k < 2; k++) {
		if (!paths[k]) continue;
		if (!wfc_state_complete(s)) {
			fprintf(stderr,
			        "wfc run: %s: the run stopped at its limit; grids exist only for "
			        "complete runs\n",
			        paths[k]);
			return CLI_BAD_INPUT;
		}
		char *text = k == 0 ? api_grid_json(s, m, &err) : api_grid_text(s, m, &err);
		if (!text) return cli_report(paths[k], API_ERR_INPUT, &err);
		rc = cli_write_text(paths[k], text, &err);
		free(text);
		if (rc != API_OK) return cli_report(paths[k], rc, &err);
	}
	(void)spec;
	return CLI_DONE;
}

int cli_run(int argc, char **argv)
{
	run_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc) return rc < 0 ? CLI_DONE : rc;
	api_spec spec;
	api_error err = {0};
	rc = cli_load_spec(a.xml, (int)a.entry, a.json, &spec, &err);
	if (rc != API_OK)
		return cli_report(a.xml ? a.xml : a.json, rc == API_ERR_NOMEM ? rc : API_ERR_INPUT,
		                  &err);
	if (a.has_size) {
		spec.width = a.width;
		spec.height = a.height;
	}
	if (a.has_attempts) spec.attempts = (int)a.attempts;
	if (a.has_limit) spec.limit = (int)a.limit;
	int32_t seed = a.has_seed      ? (int32_t)a.seed
	               : spec.has_seed ? spec.seed
	                               : (int32_t)((unsigned)time(NULL) * 2654435761u % 10000u);
	wfc_model *m = NULL;
	wfc_state *s = NULL;
	wfc_error werr;
	rc = api_spec_build_model(&spec, &m, &err);
	if (rc != API_OK) {
		api_spec_free(&spec);
		return cli_report("model", rc, &err);
	}
	if (wfc_state_create_mode(m, a.mode, &s, &werr) != WFC_OK) {
		fprintf(stderr, "wfc: %s\n", werr.message);
		wfc_model_destroy(m);
		api_spec_free(&spec);
		return CLI_FAILURE;
	}
	int used = 0;
	double t0 = cli_now_ms();
	wfc_status st = wfc_generate(s, seed, spec.attempts, a.vary_seed, spec.limit, NULL, &used);
	double ms = cli_now_ms() - t0;
	if (st == WFC_OK) {
		rc = write_outputs(&a, &spec, m, s);
		if (rc == CLI_DONE && !a.quiet)
			fprintf(a.png_out && !strcmp(a.png_out, "-") ? stderr : stdout,
			        "%s: DONE seed %d, %d attempt%s, %.1f ms%s\n",
			        spec.name ? spec.name : "spec", (int)seed, used,
			        used == 1 ? "" : "s", ms,
			        wfc_state_complete(s) ? "" : " (partial: limit reached)");
	} else {
		fprintf(stderr, "%s: CONTRADICTION seed %d, %d attempt%s, %.1f ms\n",
		        spec.name ? spec.name : "spec", (int)seed, used, used == 1 ? "" : "s", ms);
		rc = CLI_CONTRADICTION;
	}
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	api_spec_free(&spec);
	return rc;
}
