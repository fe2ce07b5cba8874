/*
 * jobstore.h - where jobs live and how workers get them: the seam between
 * the HTTP routes and worker threads on one side and a backend on the
 * other.
 *
 * Two backends:
 * - in-process (srv_jobstore_local): the job store of jobs.h and the
 *   bounded queue of queue.h, persisted in the data directory. The default;
 *   `make run` needs nothing else.
 * - Redis (redis_store.h): a stream with a consumer group shared by any
 *   number of API and worker processes (--queue redis://HOST:PORT).
 *
 * Either way a job goes queued -> running -> succeeded | failed | canceled
 * and its terminal state is written once. Every function here is
 * thread-safe. Routes never see which backend they talk to.
 *
 * Ownership: submit takes the spec of its params; claims are handed out by
 * srv_store_take and spent by srv_store_finish; everything returned to
 * callers (JSON, result bytes) is a copy they free. srv_store_destroy frees
 * the backend (the local one does not own its srv_jobs and srv_queue).
 */
#ifndef SRV_JOBSTORE_H
#define SRV_JOBSTORE_H

#include "jobs.h"
#include "problem.h"
#include "queue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	void (*destroy)(void *impl);
	int (*submit)(void *impl, srv_job_params *pa, srv_job_view *v, bool *existing,
	              srv_problem *p);
	int (*view)(void *impl, const char *id, srv_job_view *v, srv_problem *p);
	bool (*finished)(void *impl, const char *id);
	int (*list)(void *impl, int limit, const char *cursor, char **json, srv_problem *p);
	int (*remove)(void *impl, const char *id, srv_job_view *v, srv_problem *p);
	int (*result)(void *impl, const char *id, srv_format f, unsigned char **data, size_t *size,
	              char etag[SRV_ETAG_MAX], srv_job_view *v, srv_problem *p);
	bool (*take)(void *impl, srv_job_claim *c);
	void (*finish)(void *impl, srv_job_claim *c, srv_job_outcome *o);
	void (*close)(void *impl);
	void (*cancel_running)(void *impl, int reason);
	void (*housekeep)(void *impl, int64_t now_ms);
	void (*depth)(void *impl, size_t *queued, size_t *capacity);
	void (*counts)(void *impl, size_t counts[SRV_JOB_STATUSES]);
} srv_jobstore_ops;

typedef struct srv_jobstore {
	const srv_jobstore_ops *ops;
	void *impl;
	const char *kind; /* "memory" or "redis", for logs */
} srv_jobstore;

/* The in-process backend over s and q (both stay the caller's). NULL when
 * out of memory. */
srv_jobstore *srv_jobstore_local(srv_jobs *s, srv_queue *q);
void srv_store_destroy(srv_jobstore *st);

/* HTTP side; statuses as in jobs.h, plus 503 (the backend is unreachable,
 * p filled with Retry-After). */
int srv_store_submit(srv_jobstore *st, srv_job_params *pa, srv_job_view *v, bool *existing,
                     srv_problem *p);
/* 0 with *v, 404 or 503; p filled unless 0. */
int srv_store_view(srv_jobstore *st, const char *id, srv_job_view *v, srv_problem *p);
/* true when the job has finished or is gone (nothing to wait for); also
 * true when the backend cannot tell (a waiter would wait for nothing). */
bool srv_store_finished(srv_jobstore *st, const char *id);
int srv_store_list(srv_jobstore *st, int limit, const char *cursor, char **json, srv_problem *p);
/* 200 (canceled, *v filled), 204 (deleted), 404, 503. */
int srv_store_delete(srv_jobstore *st, const char *id, srv_job_view *v, srv_problem *p);
int srv_store_result(srv_jobstore *st, const char *id, srv_format f, unsigned char **data,
                     size_t *size, char etag[SRV_ETAG_MAX], srv_job_view *v, srv_problem *p);

/* Worker side. Blocks until a job is claimed (true) or the store is closed
 * (false). */
bool srv_store_take(srv_jobstore *st, srv_job_claim *c);
/* Records the outcome; the claim is spent. */
void srv_store_finish(srv_jobstore *st, srv_job_claim *c, srv_job_outcome *o);
/* take returns false from now on; queued jobs stay queued. */
void srv_store_close(srv_jobstore *st);
/* Raises the cancel flag of every job this process runs (shutdown). */
void srv_store_cancel_running(srv_jobstore *st, int reason);

/* Periodic upkeep: TTLs, time limits of jobs run here. */
void srv_store_housekeep(srv_jobstore *st, int64_t now_ms);
/* Jobs waiting for a worker and the bound past which submit says 503. */
void srv_store_depth(srv_jobstore *st, size_t *queued, size_t *capacity);
/* Jobs by status (Redis: queued and running now, the final statuses as
 * totals since the stream was created). */
void srv_store_counts(srv_jobstore *st, size_t counts[SRV_JOB_STATUSES]);

#endif
