/*
 * workers.h - the pool of engine threads (default: one per core).
 *
 * Each worker takes a job from the job store (jobstore.h: the in-process
 * queue or Redis), runs it (runner.h) and records the outcome; HTTP
 * threads never run the engine. A worker's busy-since time is visible to /readyz, which reports
 * workers stuck past their job's time limit, and to /metrics.
 *
 * Ownership: srv_workers_start starts the threads; srv_workers_join waits
 * for them after the store has been closed, and frees the pool.
 */
#ifndef SRV_WORKERS_H
#define SRV_WORKERS_H

#include "jobstore.h"
#include "log.h"
#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

typedef struct srv_workers srv_workers;
struct srv_models;

typedef struct {
	srv_jobstore *store;
	srv_metrics *metrics;
	srv_log *log; /* may be NULL */
	int count;
	struct srv_models *models; /* neural jobs (jobs_nn.h); may be NULL */
} srv_workers_options;

int srv_workers_start(const srv_workers_options *o, srv_workers **out, char *err, size_t err_size);
/* Returns once every worker has finished its job and seen the closed store. */
void srv_workers_join(srv_workers *w);
int srv_workers_count(const srv_workers *w);
int srv_workers_busy(srv_workers *w);
/* Workers whose current job has run longer than its limit plus grace_ms. */
int srv_workers_stuck(srv_workers *w, double now_mono_ms, double grace_ms);

#endif
