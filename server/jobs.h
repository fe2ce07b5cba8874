/*
 * jobs.h - the job store and lifecycle: queued -> running -> succeeded |
 * failed | canceled.
 *
 * The store owns every job (job.h) behind one lock, the queue of ids the
 * workers take from, and the job files of the data directory (persist.h):
 * each change of state is written to DIR/jobs/<id>.json, results beside
 * it, and at start srv_jobs_restore() reloads them, putting jobs that were
 * queued or running back in the queue. Results stay cached in memory up to
 * a budget (oldest evicted first; they are read back from disk on demand);
 * finished jobs are deleted with their files after the result TTL.
 *
 * Lock order: persist lock, then store lock, then queue lock. Files are
 * written outside the store lock; a record is snapshotted under it while
 * the persist lock is held, so writes of one job can never reorder.
 *
 * Ownership: srv_jobs_submit takes the spec of its params; results handed
 * to srv_jobs_finish become the store's; everything returned to callers is
 * a copy they free.
 */
#ifndef SRV_JOBS_H
#define SRV_JOBS_H

#include "job.h"
#include "log.h"
#include "problem.h"
#include "queue.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct srv_jobs srv_jobs;

/* Called (without any lock held) when a job reaches a final state, or goes
 * back to queued at shutdown: the HTTP layer wakes requests waiting on it. */
typedef void (*srv_job_listener)(void *ctx, const char *id);

typedef struct {
	const char *data_dir; /* NULL: nothing persisted (tests) */
	srv_queue *queue;
	int64_t result_ttl_ms;
	size_t result_memory;
	srv_job_listener on_finish;
	void *listener_ctx;
	srv_log *log;    /* for I/O errors; may be NULL */
	size_t max_jobs; /* finished jobs kept; 0 = no bound but the TTL */
} srv_jobs_options;

typedef struct {
	api_spec *spec;        /* heap, taken by the store */
	const char *spec_json; /* canonical spec, written to DIR/jobs/<id>.spec.json */
	int32_t seed;
	srv_format format;
	int64_t time_limit_ms;
	const char *idem_key; /* NULL: none */
	char body_hash[65];   /* of the request body, for Idempotency-Key */
	/* fsync the accepted job: POST /v1/jobs promises to keep it; a
	 * /v1/generate client waits for the answer and retries on failure */
	bool durable;
} srv_job_params;

/* A new job's fields from its parameters (not its id, spec or seq):
 * queued now. Shared by the in-process and the Redis stores. */
void srv_job_init_queued(srv_job *j, const srv_job_params *pa);

/* What a worker gets when it claims a job. */
typedef struct {
	char id[SRV_ID_MAX];
	api_spec *spec; /* the worker's to free */
	int32_t seed;
	int64_t time_limit_ms;
	atomic_int *cancel;        /* the job's; valid until srv_jobs_finish */
	atomic_uint *progress_ppm; /* idem */
	srv_job *job;              /* the store's, for srv_jobs_finish */
} srv_job_claim;

/* The end of a run. */
typedef struct {
	srv_job_status status; /* SUCCEEDED, FAILED or CANCELED */
	int attempts;
	srv_result result; /* taken by the store when succeeded */
	srv_problem error; /* when failed */
	double run_ms;
	bool requeue; /* stopped by shutdown: back to queued */
} srv_job_outcome;

int srv_jobs_create(const srv_jobs_options *o, srv_jobs **out, char *err, size_t err_size);
void srv_jobs_destroy(srv_jobs *s);
/* Loads the data directory's jobs; returns how many were re-queued. */
int srv_jobs_restore(srv_jobs *s, int *loaded);

/* 0: created (*view filled, *existing false) or found by Idempotency-Key
 * with the same body (*existing true); otherwise an HTTP status with p
 * filled: 422 same key with another body, 409 same key while another
 * submission with it is still in flight, 503 queue full, 500. Keys expire
 * with their job (--result-ttl, --max-jobs, DELETE). */
int srv_jobs_submit(srv_jobs *s, srv_job_params *params, srv_job_view *view, bool *existing,
                    srv_problem *p);
bool srv_jobs_view(srv_jobs *s, const char *id, srv_job_view *view);
/* true when the job exists and has finished (or is gone: nothing to wait for). */
bool srv_jobs_finished(srv_jobs *s, const char *id);
/* {"jobs":[...],"next":...}, newest first, after cursor (NULL = from the
 * newest). 0, or 400 for a bad cursor. */
int srv_jobs_list(srv_jobs *s, int limit, const char *cursor, char **json, srv_problem *p);
/* DELETE: 200 (was queued or running, now canceled; *view filled),
 * 204 (was finished, now deleted), 404. */
int srv_jobs_delete(srv_jobs *s, const char *id, srv_job_view *view);
/* The result bytes in format f, copied: 0, 404, 409 (not succeeded), 406
 * (no such format for this job) or 500; p filled unless 0. */
int srv_jobs_result(srv_jobs *s, const char *id, srv_format f, unsigned char **data, size_t *size,
                    char etag[SRV_ETAG_MAX], srv_job_view *view, srv_problem *p);

/* Worker side. false when the job is no longer queued (canceled, deleted). */
bool srv_jobs_claim(srv_jobs *s, const char *id, srv_job_claim *c, srv_problem *p);
/* Records the outcome; the claim is spent. */
void srv_jobs_finish(srv_jobs *s, srv_job_claim *c, srv_job_outcome *o);

/* Raises the cancel flag of every running job (shutdown). */
void srv_jobs_cancel_running(srv_jobs *s, int reason);
/* Deletes finished jobs past the TTL, and the oldest finished jobs beyond
 * max_jobs, and trims the result cache. */
void srv_jobs_housekeep(srv_jobs *s, int64_t now_ms);
void srv_jobs_counts(srv_jobs *s, size_t counts[SRV_JOB_STATUSES]);
size_t srv_jobs_cache_bytes(srv_jobs *s);

#endif
