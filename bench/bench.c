/*
 * bench.c - engine benchmarks (`make bench` runs them through
 * bench/compare.sh, side by side with other implementations when present).
 *
 * For each entry of the reference samples.xml: model setup once, then R
 * attempts with seeds 1..R; CPU time per attempt (median, mean), how many
 * attempts finished without a contradiction, and the process's peak RSS.
 *
 * usage: bench [SHARED_DIR] [--entry K]... [--size N] [--periodic 0|1]
 *              [--ground 0|1] [--reps R] [--mode fast|reference|both] [--tsv]
 *              [--throughput JOBS [--library DIR --library-entry NAME]]
 */
#include "bench.h"
#include "../api/library.h"
#include "../api/spec.h"
#include "../api/xml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
	int size;     /* 0: the entry's */
	int periodic; /* -1: the entry's */
	int ground;   /* -1: the entry's */
	int reps;
	bool tsv;
} bench_options;

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* entries measured by default: the engine issue's reference points */
static const int default_entries[] = {4, 3, 15, 7, 49, 26, 29, 28};

static int bench_entry(const char *xml, int entry, wfc_mode mode, const bench_options *o)
{
	api_spec spec;
	api_error err = {0};
	if (api_xml_load_entry(xml, entry, &spec, &err) != API_OK) {
		fprintf(stderr, "bench: entry %d: %s\n", entry, err.message);
		return 1;
	}
	if (o->size) spec.width = spec.height = o->size;
	if (o->periodic >= 0) spec.periodic = o->periodic;
	if (o->ground >= 0) spec.ground = o->ground;
	double t0 = cpu_ms();
	wfc_model *m;
	if (api_spec_build_model(&spec, &m, &err) != API_OK) {
		fprintf(stderr, "bench: entry %d: %s\n", entry, err.message);
		api_spec_free(&spec);
		return 1;
	}
	double setup = cpu_ms() - t0;
	wfc_state *s;
	wfc_error werr;
	if (wfc_state_create_mode(m, mode, &s, &werr) != WFC_OK) {
		fprintf(stderr, "bench: %s\n", werr.message);
		wfc_model_destroy(m);
		api_spec_free(&spec);
		return 1;
	}
	double *times = malloc((size_t)o->reps * sizeof *times), total = 0;
	int ok = 0;
	for (int r = 0; r < o->reps; r++) {
		double t1 = cpu_ms();
		ok += wfc_run(s, r + 1, spec.limit, NULL) == WFC_OK;
		times[r] = cpu_ms() - t1;
		total += times[r];
	}
	qsort(times, (size_t)o->reps, sizeof *times, cmp_double);
	const char *mode_name = mode == WFC_MODE_FAST ? "wfcd" : "wfcd-reference";
	if (o->tsv)
		printf("%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%d/%d\t%ld\t%d\t%s%s\n", mode_name, spec.name,
		       spec.width, setup, times[o->reps / 2], total / o->reps, ok, o->reps,
		       peak_rss_kb(), wfc_model_pattern_count(m),
		       spec.periodic ? "periodic" : "non-periodic", spec.ground ? ", ground" : "");
	else
		printf("%-14s %3d %-10s %4dx%-4d T=%-4d setup %7.2f ms  attempt median %8.2f ms  "
		       "mean %8.2f ms  success %3d/%d\n",
		       mode_name, entry, spec.name, spec.width, spec.height,
		       wfc_model_pattern_count(m), setup, times[o->reps / 2], total / o->reps, ok,
		       o->reps);
	fflush(stdout);
	free(times);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
	api_spec_free(&spec);
	return 0;
}

int main(int argc, char **argv)
{
	const char *shared = "../shared";
	bench_options o = {.periodic = -1, .ground = -1, .reps = 20};
	int entries[128], n = 0, throughput_jobs = 0;
	const char *library = NULL, *library_entry = NULL;
	bool fast = true, reference = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--tsv")) {
			o.tsv = true;
			continue;
		}
		if (a[0] != '-') {
			shared = a;
			continue;
		}
		if (!v) {
			fprintf(stderr, "bench: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--reps"))
			o.reps = atoi(v);
		else if (!strcmp(a, "--size"))
			o.size = atoi(v);
		else if (!strcmp(a, "--periodic"))
			o.periodic = atoi(v);
		else if (!strcmp(a, "--ground"))
			o.ground = atoi(v);
		else if (!strcmp(a, "--library"))
			library = v;
		else if (!strcmp(a, "--library-entry"))
			library_entry = v;
		else if (!strcmp(a, "--throughput"))
			throughput_jobs = atoi(v);
		else if (!strcmp(a, "--entry") && n < 128)
			entries[n++] = atoi(v);
		else if (!strcmp(a, "--mode")) {
			fast = strcmp(v, "reference") != 0;
			reference = strcmp(v, "fast") != 0;
		} else {
			fprintf(stderr, "bench: unknown option %s\n", a);
			return 2;
		}
	}
	if (o.reps < 1) o.reps = 1;
	if (!n) {
		n = (int)(sizeof default_entries / sizeof *default_entries);
		memcpy(entries, default_entries, sizeof default_entries);
	}
	char xml[4096];
	snprintf(xml, sizeof xml, "%s/corpus/samples.xml", shared);
	int failures = 0;
	if (throughput_jobs > 0 && library && library_entry) {
		/* in-process baseline of the server benchmark */
		api_library *lib;
		api_spec spec;
		api_error err = {0};
		if (api_library_open(library, &lib, &err) != API_OK ||
		    api_library_load(lib, library_entry, &spec, &err) != API_OK) {
			fprintf(stderr, "bench: %s: %s\n", library_entry, err.message);
			return 1;
		}
		failures = bench_throughput_spec(&spec, throughput_jobs);
		api_spec_free(&spec);
		api_library_close(lib);
		return failures ? 1 : 0;
	}
	if (throughput_jobs > 0) {
		for (int i = 0; i < n; i++)
			failures += bench_throughput(xml, entries[i], throughput_jobs);
		return failures ? 1 : 0;
	}
	if (!o.tsv)
		printf("wfc engine, one thread, CPU time, %d attempts per entry (seeds 1..%d)\n",
		       o.reps, o.reps);
	for (int i = 0; i < n; i++) {
		if (fast) failures += bench_entry(xml, entries[i], WFC_MODE_FAST, &o);
		if (reference) failures += bench_entry(xml, entries[i], WFC_MODE_REFERENCE, &o);
	}
	if (!o.tsv) printf("peak RSS %ld KiB\n", peak_rss_kb());
	return failures ? 1 : 0;
}
