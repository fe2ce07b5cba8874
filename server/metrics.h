/*
 * metrics.h - counters and histograms for GET /metrics (Prometheus text
 * exposition format 0.0.4).
 *
 *   wfcd_http_requests_total{route,code}        requests answered
 *   wfcd_http_request_duration_seconds{route}   histogram
 *   wfcd_jobs_total{outcome}                    succeeded | failed | canceled
 *   wfcd_job_duration_seconds{outcome}          histogram of run time
 *   wfcd_contradictions_total                   attempts that contradicted
 *   wfcd_queue_depth, wfcd_queue_capacity, wfcd_workers, wfcd_workers_busy,
 *   wfcd_jobs{status}                           gauges, read at render time
 *   wfcd_heap_bytes                             malloc'd and not freed (glibc's
 *                                               malloc only; absent elsewhere)
 *
 * Ownership: srv_metrics_create / srv_metrics_destroy. Thread-safe.
 */
#ifndef SRV_METRICS_H
#define SRV_METRICS_H

#include "router.h"

#include <stddef.h>

typedef struct srv_metrics srv_metrics;

typedef enum {
	SRV_OUTCOME_SUCCEEDED,
	SRV_OUTCOME_FAILED,
	SRV_OUTCOME_CANCELED,
	SRV_OUTCOMES
} srv_outcome;

/* Values sampled when /metrics is rendered. */
typedef struct {
	size_t queue_depth, queue_capacity;
	int workers, workers_busy;
	size_t jobs_by_status[5]; /* queued, running, succeeded, failed, canceled */
	int draining;
} srv_metrics_gauges;

srv_metrics *srv_metrics_create(void);
void srv_metrics_destroy(srv_metrics *m);
void srv_metrics_request(srv_metrics *m, srv_route_id route, int status, double seconds);
void srv_metrics_job(srv_metrics *m, srv_outcome outcome, double seconds);
void srv_metrics_contradictions(srv_metrics *m, int n);
/* malloc'd text, NULL when out of memory. */
char *srv_metrics_render(srv_metrics *m, const srv_metrics_gauges *g);

#endif
