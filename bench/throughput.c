/*
 * throughput.c - jobs per second over 1 and 2 threads (part of `make bench`).
 *
 * One shared model, one state per thread, a shared counter of jobs: each
 * job is a whole fast-mode run of the entry with its own seed. Reports
 * wall-clock jobs per second for each thread count and the ratio.
 */
#include "../api/spec.h"
#include "../api/xml.h"
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
	const wfc_model *m;
	atomic_int *next;
	int jobs;
	int ok;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *a = p;
	wfc_state *s;
	wfc_error err;
	if (wfc_state_create(a->m, &s, &err) != WFC_OK) return NULL;
	for (;;) {
		int job = atomic_fetch_add(a->next, 1);
		if (job >= a->jobs) break;
		a->ok += wfc_run(s, job + 1, -1, NULL) == WFC_OK;
	}
	wfc_state_destroy(s);
	return NULL;
}

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double jobs_per_second(const wfc_model *m, int threads, int jobs)
{
	atomic_int next = 0;
	pthread_t th[8];
	worker_arg args[8];
	double t0 = wall_ms();
	for (int i = 0; i < threads; i++) {
		args[i] = (worker_arg){m, &next, jobs, 0};
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	return jobs / ((wall_ms() - t0) / 1e3);
}

int bench_throughput_spec(const api_spec *spec, int jobs)
{
	api_error err = {0};
	wfc_model *m;
	if (api_spec_build_model(spec, &m, &err) != API_OK) {
		fprintf(stderr, "bench: %s: %s\n", spec->name, err.message);
		return 1;
	}
	double one = jobs_per_second(m, 1, jobs);
	double two = jobs_per_second(m, 2, jobs);
	printf("throughput %-10s %dx%d, %d jobs: 1 thread %.1f jobs/s, 2 threads %.1f jobs/s, "
	       "ratio %.2f\n",
	       spec->name, spec->width, spec->height, jobs, one, two, two / one);
	wfc_model_destroy(m);
	return 0;
}

int bench_throughput(const char *xml, int entry, int jobs)
{
	api_spec spec;
	api_error err = {0};
	if (api_xml_load_entry(xml, entry, &spec, &err) != API_OK) {
		fprintf(stderr, "bench: entry %d: %s\n", entry, err.message);
		return 1;
	}
	int rc = bench_throughput_spec(&spec, jobs);
	api_spec_free(&spec);
	return rc;
}
