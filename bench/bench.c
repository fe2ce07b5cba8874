/*
 * bench.c - `make bench`: engine time per attempt on corpus entries.
 *
 * For each entry: model setup time once, then R attempts with seeds
 * 1..R (reference-exact mode, single thread), reporting the median and
 * the mean CPU time per attempt and how many attempts succeeded.
 * Usage: bench [SHARED_DIR] [--reps R] [--entry K ...] [--size N]
 *              [--fast-only | --reference-only] [--throughput JOBS]
 */
#include "../api/spec.h"
#include "../api/xml.h"
#include "bench.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

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

/* entries measured by default: the reference points */
static const int default_entries[] = {4, 3, 15, 7, 49, 26, 29, 28};

static int size_override;

static int bench_entry(const char *xml, int entry, int reps, wfc_mode mode)
{
	api_spec spec;
	api_error err = {0};
	if (api_xml_load_entry(xml, entry, &spec, &err) != API_OK) {
		fprintf(stderr, "bench: entry %d: %s\n", entry, err.message);
		return 1;
	}
	if (size_override)
		spec.width = spec.height = size_override;
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
		return 1;
	}
	double *times = malloc((size_t)reps * sizeof *times), total = 0;
	int ok = 0;
	for (int r = 0; r < reps; r++) {
		double t1 = cpu_ms();
		ok += wfc_run(s, r + 1, spec.limit, NULL) == WFC_OK;
		times[r] = cpu_ms() - t1;
		total += times[r];
	}
	qsort(times, (size_t)reps, sizeof *times, cmp_double);
	printf("%-9s %3d  %-10s %4dx%-4d T=%-4d  setup %7.2f ms  attempt median %8.2f ms  mean %8.2f ms "
	       " success %3d/%d\n",
	       mode == WFC_MODE_FAST ? "fast" : "reference", entry, spec.name, spec.width, spec.height, wfc_model_pattern_count(m), setup,
	       times[reps / 2], total / reps, ok, reps);
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
	int reps = 20, entries[128], n = 0;
	bool fast = true, reference = true;
	int throughput_jobs = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--throughput") && i + 1 < argc)
			throughput_jobs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size_override = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fast-only"))
			reference = false;
		else if (!strcmp(argv[i], "--reference-only"))
			fast = false;
		else if (!strcmp(argv[i], "--entry") && i + 1 < argc && n < 128)
			entries[n++] = atoi(argv[++i]);
		else
			shared = argv[i];
	}
	if (reps < 1) reps = 1;
	if (!n) {
		n = (int)(sizeof default_entries / sizeof *default_entries);
		memcpy(entries, default_entries, sizeof default_entries);
	}
	char xml[4096];
	snprintf(xml, sizeof xml, "%s/corpus/samples.xml", shared);
	if (!throughput_jobs)
		printf("wfc engine, one thread, CPU time, %d attempts per entry (seeds 1..%d)\n", reps,
		       reps);
	int failures = 0;
	if (throughput_jobs > 0) {
		for (int i = 0; i < n; i++)
			failures += bench_throughput(xml, entries[i], throughput_jobs);
		return failures ? 1 : 0;
	}
	for (int i = 0; i < n; i++) {
		if (fast)
			failures += bench_entry(xml, entries[i], reps, WFC_MODE_FAST);
		if (reference)
			failures += bench_entry(xml, entries[i], reps, WFC_MODE_REFERENCE);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld KiB\n", ru.ru_maxrss);
	return failures ? 1 : 0;
}
