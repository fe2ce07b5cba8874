/* metrics.c - Prometheus counters and histograms (see metrics.h). */
#include "metrics.h"

#include "buf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#define HAVE_MALLINFO2 1 /* glibc 2.33 on */
#include <malloc.h>
#endif

static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                0.5,   1,      2.5,   5,    10,    30,   60,  300};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])
#define MIN_CODE 100
#define NCODES 500 /* 100..599 */

typedef struct {
	uint64_t buckets[NBOUNDS]; /* non-cumulative; summed when rendered */
	uint64_t count;
	double sum;
} histogram;

struct srv_metrics {
	pthread_mutex_t lock;
	uint64_t requests[SRV_ROUTE_COUNT][NCODES];
	histogram request_time[SRV_ROUTE_COUNT];
	uint64_t jobs[SRV_OUTCOMES];
	histogram job_time[SRV_OUTCOMES];
	uint64_t contradictions;
};

static const char *const outcome_names[SRV_OUTCOMES] = {"succeeded", "failed", "canceled"};
static const char *const status_names[5] = {"queued", "running", "succeeded", "failed", "canceled"};

srv_metrics *srv_metrics_create(void)
{
	srv_metrics *m = calloc(1, sizeof *m);
	if (m) pthread_mutex_init(&m->lock, NULL);
	return m;
}

void srv_metrics_destroy(srv_metrics *m)
{
	if (!m) return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void observe(histogram *h, double v)
{
	size_t i = 0;
	while (i < NBOUNDS && v > bounds[i])
		i++;
	if (i < NBOUNDS) h->buckets[i]++;
	h->count++;
	h->sum += v;
}

void srv_metrics_request(srv_metrics *m, srv_route_id route, int status, double seconds)
{
	if ((unsigned)route >= SRV_ROUTE_COUNT) route = SRV_R_UNMATCHED;
	pthread_mutex_lock(&m->lock);
	if (status >= MIN_CODE && status < MIN_CODE + NCODES)
		m->requests[route][status - MIN_CODE]++;
	observe(&m->request_time[route], seconds);
	pthread_mutex_unlock(&m->lock);
}

void srv_metrics_job(srv_metrics *m, srv_outcome outcome, double seconds)
{
	if ((unsigned)outcome >= SRV_OUTCOMES) return;
	pthread_mutex_lock(&m->lock);
	m->jobs[outcome]++;
	observe(&m->job_time[outcome], seconds);
	pthread_mutex_unlock(&m->lock);
}

void srv_metrics_contradictions(srv_metrics *m, int n)
{
	if (n <= 0) return;
	pthread_mutex_lock(&m->lock);
	m->contradictions += (uint64_t)n;
	pthread_mutex_unlock(&m->lock);
}

static void render_histogram(srv_buf *b, const char *name, const char *label, const char *value,
                             const histogram *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < NBOUNDS; i++) {
		cum += h->buckets[i];
		srv_buf_printf(b, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name, label, value,
		               bounds[i], (unsigned long long)cum);
	}
	srv_buf_printf(b, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, label, value,
	               (unsigned long long)h->count);
	srv_buf_printf(b, "%s_sum{%s=\"%s\"} %.6f\n", name, label, value, h->sum);
	srv_buf_printf(b, "%s_count{%s=\"%s\"} %llu\n", name, label, value,
	               (unsigned long long)h->count);
}

/* Bytes malloc has handed out and not had back, in every arena, mmapped
 * blocks included: a leak or an unbounded table moves it, while RSS also
 * moves with how glibc's per-thread arenas fragment (1-3 MB run to run on a
 * 17 MB server). -1 where the C library cannot tell, and where another
 * allocator replaced malloc (ASan's: glibc then counts 0). */
static long long heap_in_use_bytes(void)
{
#ifdef HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();
	long long bytes = (long long)(mi.uordblks + mi.hblkhd);
	return bytes > 0 ? bytes : -1;
#else
	return -1;
#endif
}

char *srv_metrics_render(srv_metrics *m, const srv_metrics_gauges *g)
{
	srv_buf b;
	srv_buf_init(&b);
	pthread_mutex_lock(&m->lock);
	srv_buf_puts(&b, "# HELP wfcd_http_requests_total HTTP requests answered, by route and "
	                 "status code.\n# TYPE wfcd_http_requests_total counter\n");
	for (int r = 0; r < SRV_ROUTE_COUNT; r++)
		for (int c = 0; c < NCODES; c++)
			if (m->requests[r][c])
				srv_buf_printf(
				    &b, "wfcd_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
				    srv_route_name((srv_route_id)r), c + MIN_CODE,
				    (unsigned long long)m->requests[r][c]);
	srv_buf_puts(&b, "# HELP wfcd_http_request_duration_seconds Time from the request's "
	                 "headers to its response.\n"
	                 "# TYPE wfcd_http_request_duration_seconds histogram\n");
	for (int r = 0; r < SRV_ROUTE_COUNT; r++)
		if (m->request_time[r].count)
			render_histogram(&b, "wfcd_http_request_duration_seconds", "route",
			                 srv_route_name((srv_route_id)r), &m->request_time[r]);
	srv_buf_puts(&b, "# HELP wfcd_jobs_total Jobs finished, by outcome.\n"
	                 "# TYPE wfcd_jobs_total counter\n");
	for (int o = 0; o < SRV_OUTCOMES; o++)
		srv_buf_printf(&b, "wfcd_jobs_total{outcome=\"%s\"} %llu\n", outcome_names[o],
		               (unsigned long long)m->jobs[o]);
	srv_buf_puts(&b, "# HELP wfcd_job_duration_seconds Run time of finished jobs, by "
	                 "outcome.\n# TYPE wfcd_job_duration_seconds histogram\n");
	for (int o = 0; o < SRV_OUTCOMES; o++)
		render_histogram(&b, "wfcd_job_duration_seconds", "outcome", outcome_names[o],
		                 &m->job_time[o]);
	srv_buf_printf(&b,
	               "# HELP wfcd_contradictions_total Attempts that ended in a "
	               "contradiction.\n# TYPE wfcd_contradictions_total counter\n"
	               "wfcd_contradictions_total %llu\n",
	               (unsigned long long)m->contradictions);
	pthread_mutex_unlock(&m->lock);
	srv_buf_printf(&b,
	               "# HELP wfcd_queue_depth Jobs waiting for a worker.\n"
	               "# TYPE wfcd_queue_depth gauge\nwfcd_queue_depth %zu\n"
	               "# HELP wfcd_queue_capacity Jobs that may wait before 503.\n"
	               "# TYPE wfcd_queue_capacity gauge\nwfcd_queue_capacity %zu\n"
	               "# HELP wfcd_workers Worker threads.\n"
	               "# TYPE wfcd_workers gauge\nwfcd_workers %d\n"
	               "# HELP wfcd_workers_busy Workers running a job.\n"
	               "# TYPE wfcd_workers_busy gauge\nwfcd_workers_busy %d\n"
	               "# HELP wfcd_draining 1 while shutting down.\n"
	               "# TYPE wfcd_draining gauge\nwfcd_draining %d\n",
	               g->queue_depth, g->queue_capacity, g->workers, g->workers_busy, g->draining);
	srv_buf_puts(&b, "# HELP wfcd_jobs Jobs held, by status.\n# TYPE wfcd_jobs gauge\n");
	for (int s = 0; s < 5; s++)
		srv_buf_printf(&b, "wfcd_jobs{status=\"%s\"} %zu\n", status_names[s],
		               g->jobs_by_status[s]);
	long long heap = heap_in_use_bytes();
	if (heap >= 0)
		srv_buf_printf(&b,
		               "# HELP wfcd_heap_bytes Bytes allocated with malloc and not freed.\n"
		               "# TYPE wfcd_heap_bytes gauge\nwfcd_heap_bytes %lld\n",
		               heap);
	return srv_buf_take(&b);
}
