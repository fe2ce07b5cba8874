/* cmd_dataset.c - `wfc dataset`: a training set of WFC outputs for nn/. */
#include "cli.h"

#include "../api/dataset_gen.h"
#include "../api/image.h"
#include "../api/library.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: wfc dataset (--xml samples.xml --entry K | --spec SPEC.json | --library NAME)\n"
    "                   --size S --count C --format rgb|onehot -o FILE.safetensors\n"
    "                   [--seed S] [--threads T] [--preview FILE.png] [--library-dir DIR]\n"
    "\n"
    "Generates C outputs of S x S cells (seeds S, S+1, ...; a seed that\n"
    "contradicts is skipped) on all cores and writes them as one safetensors\n"
    "file: states, colours, the allowed-neighbour table and, for rgb, images\n"
    "in [-1, 1]. The file is the same for any number of threads. Format:\n"
    "docs/dataset-format.md.\n"
    "\n"
    "Options:\n"
    "  --library NAME     an entry of the built-in library (wfc lists them in\n"
    "                     docs; e.g. Dungeon, Pipes-Loops)\n"
    "  --library-dir DIR  library directory [WFCD_LIBRARY] (default library/)\n"
    "  --seed S           first seed (default 1)\n"
    "  --threads T        worker threads (default: every core)\n"
    "  --preview FILE     PNG of the first 16 examples, 4 x 4 with 1 px gaps\n"
    "  -q, --quiet        no progress\n";

typedef struct {
	const char *xml, *json, *lib, *lib_dir, *out, *preview;
	long entry, size, count, seed, threads;
	int format; /* -1 unset */
	bool quiet;
} ds_args;

static int parse_args(int argc, char **argv, ds_args *a)
{
	memset(a, 0, sizeof *a);
	a->format = -1;
	a->seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return -1;
		}
		if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
			a->quiet = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "wfc dataset: %s needs a value (see wfc dataset --help)\n",
			        o);
			return CLI_BAD_INPUT;
		}
		i++;
		if (!strcmp(o, "--xml")) {
			a->xml = v;
		} else if (!strcmp(o, "--entry")) {
			if (!cli_parse_int(v, 1, 1000000, &a->entry)) goto bad;
		} else if (!strcmp(o, "--spec")) {
			a->json = v;
		} else if (!strcmp(o, "--library")) {
			a->lib = v;
		} else if (!strcmp(o, "--library-dir")) {
			a->lib_dir = v;
		} else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
			a->out = v;
		} else if (!strcmp(o, "--preview")) {
			a->preview = v;
		} else if (!strcmp(o, "--size")) {
			if (!cli_parse_int(v, 1, API_DATASET_MAX_SIZE, &a->size)) goto bad;
		} else if (!strcmp(o, "--count")) {
			if (!cli_parse_int(v, 1, API_DATASET_MAX_COUNT, &a->count)) goto bad;
		} else if (!strcmp(o, "--seed")) {
			if (!cli_parse_int(v, INT32_MIN, INT32_MAX, &a->seed)) goto bad;
		} else if (!strcmp(o, "--threads")) {
			if (!cli_parse_int(v, 1, 256, &a->threads)) goto bad;
		} else if (!strcmp(o, "--format")) {
			if (!strcmp(v, "rgb"))
				a->format = API_DATASET_RGB;
			else if (!strcmp(v, "onehot"))
				a->format = API_DATASET_ONEHOT;
			else
				goto bad;
		} else {
			fprintf(stderr,
			        "wfc dataset: unknown option '%s' (see wfc dataset --help)\n", o);
			return CLI_BAD_INPUT;
		}
		continue;
	bad:
		fprintf(stderr, "wfc dataset: invalid value '%s' for %s\n", v, o);
		return CLI_BAD_INPUT;
	}
	if (!!a->xml + !!a->json + !!a->lib != 1) {
		fprintf(stderr, "wfc dataset: give one of --xml FILE --entry K, --spec FILE, "
		                "--library NAME\n");
		return CLI_BAD_INPUT;
	}
	if (a->xml && !a->entry) {
		fprintf(stderr, "wfc dataset: --xml needs --entry K\n");
		return CLI_BAD_INPUT;
	}
	if (!a->size || !a->count || a->format < 0 || !a->out) {
		fprintf(stderr, "wfc dataset: --size, --count, --format and -o are required\n");
		return CLI_BAD_INPUT;
	}
	return 0;
}

/* Spec from whichever source was given; *source names it for metadata. */
int cli_dataset_load_spec(const char *xml, int entry, const char *json, const char *lib,
                          const char *lib_dir, api_spec *spec, char *source, size_t source_len,
                          api_error *err)
{
	if (!lib) {
		if (xml)
			snprintf(source, source_len, "%s#%d", xml, entry);
		else
			snprintf(source, source_len, "%s", json);
		return cli_load_spec(xml, entry, json, spec, err);
	}
	if (!lib_dir) lib_dir = getenv("WFCD_LIBRARY");
	if (!lib_dir || !*lib_dir) lib_dir = "library";
	api_library *l = NULL;
	int rc = api_library_open(lib_dir, &l, err);
	if (rc) return rc;
	rc = api_library_load(l, lib, spec, err);
	api_library_close(l);
	snprintf(source, source_len, "%s", lib);
	return rc;
}

typedef struct {
	bool tty, quiet;
	double t0;
	int last_decile;
} progress_state;

static void progress(void *ctx, int done, int count)
{
	progress_state *p = ctx;
	if (p->quiet) return;
	double s = (cli_now_ms() - p->t0) / 1000.0;
	double rate = s > 0 ? done / s : 0;
	double eta = rate > 0 ? (count - done) / rate : 0;
	if (p->tty) {
		int w = 30, fill = (int)((long long)w * done / count);
		char bar[31];
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = '\0';
		fprintf(stderr, "\r[%s] %d/%d  %.1f/s  ETA %.0f s ", bar, done, count, rate, eta);
		return;
	}
	int decile = (int)(10LL * done / count);
	if (decile > p->last_decile) {
		p->last_decile = decile;
		fprintf(stderr, "wfc dataset: %d/%d (%d%%), %.1f/s, ETA %.0f s\n", done, count,
		        decile * 10, rate, eta);
	}
}

/* First 16 examples, 4 per row, 1 px black gaps, drawn from the colours. */
int cli_dataset_preview(const api_dataset *ds, const char *path, api_error *err)
{
	int n = ds->count < 16 ? ds->count : 16, cols = n < 4 ? n : 4, rows = (n + 3) / 4;
	int s = ds->size, w = cols * s + cols - 1, h = rows * s + rows - 1;
	uint32_t *px = malloc((size_t)w * h * sizeof *px);
	if (!px) return api_fail(err, API_ERR_NOMEM, "out of memory");
	for (int i = 0; i < w * h; i++)
		px[i] = 0xff000000u;
	for (int k = 0; k < n; k++) {
		int ox = (k % 4) * (s + 1), oy = (k / 4) * (s + 1);
		for (int y = 0; y < s; y++)
			for (int x = 0; x < s; x++) {
				const uint8_t *c =
				    ds->colors + 3 * ds->states[((size_t)k * s + y) * s + x];
				px[(size_t)(oy + y) * w + ox + x] =
				    0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
			}
	}
	int rc = api_png_write_file(path, px, w, h, err);
	free(px);
	return rc;
}

int cli_dataset(int argc, char **argv)
{
	ds_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc) return rc < 0 ? CLI_DONE : rc;
	api_spec spec;
	api_error err = {0};
	char source[256];
	rc = cli_dataset_load_spec(a.xml, (int)a.entry, a.json, a.lib, a.lib_dir, &spec, source,
	                           sizeof source, &err);
	if (rc) return cli_report(source, rc, &err);
	progress_state ps = {.tty = isatty(2), .quiet = a.quiet, .t0 = cli_now_ms()};
	api_dataset_options opt = {.size = (int)a.size,
	                           .count = (int)a.count,
	                           .format = (api_dataset_format)a.format,
	                           .seed = (int32_t)a.seed,
	                           .threads = (int)a.threads,
	                           .progress = progress,
	                           .ctx = &ps,
	                           .source = source};
	api_dataset ds;
	rc = api_dataset_generate(&spec, &opt, &ds, &err);
	api_spec_free(&spec);
	if (ps.tty && !a.quiet) fputc('\n', stderr);
	if (rc) return cli_report(source, rc, &err);
	rc = api_dataset_save(a.out, &ds, (uint64_t)(int64_t)a.seed, &err);
	if (rc == API_OK && a.preview) rc = cli_dataset_preview(&ds, a.preview, &err);
	if (rc == API_OK && !a.quiet)
		printf("%s: %d examples of %dx%d, vocabulary %d, seeds %lld..%lld, %.1f s -> %s\n",
		       source, ds.count, ds.size, ds.size, ds.vocab, (long long)ds.seed,
		       (long long)ds.seed_end - 1, (cli_now_ms() - ps.t0) / 1000.0, a.out);
	api_dataset_free(&ds);
	return rc ? cli_report(a.out, rc, &err) : CLI_DONE;
}
