/*
 * redis_store.h - the Redis backend of jobstore.h: jobs shared by any
 * number of API and worker processes.
 *
 * Layout (every key under "wfcd:"):
 *   wfcd:jobs        stream of {id}: one entry per queued run; consumer
 *                    group "workers". An entry is pending while a worker
 *                    runs it: that is the worker's lease on the job.
 *   wfcd:job:<id>    hash: rec (the record of job.h), status, spec (the
 *                    canonical spec JSON), progress (ppm), png/json/text
 *                    (the results), execs (runs started), done (terminal
 *                    states written: 0 or 1). Expires --result-ttl after
 *                    the job finishes.
 *   wfcd:index       sorted set of ids by creation sequence (GET /v1/jobs);
 *                    ids whose hash has expired are dropped lazily.
 *   wfcd:seq         the sequence counter; wfcd:idem:<key> -> job id.
 *   wfcd:stats       hash of totals: submitted, succeeded, failed,
 *                    canceled, stale (finishes refused: lease lost).
 *   wfcd:done        pub/sub channel: the id of each job that finished, so
 *                    API nodes resume long polls (a missed message only
 *                    makes a long poll last until its deadline).
 *
 * Exactly once: a worker reads an entry with XREADGROUP (or reclaims one
 * idle for longer than the visibility timeout with XAUTOCLAIM: its worker
 * died or stalled), and while it runs the job a keeper thread renews the
 * lease (XCLAIM to itself, which resets the idle time), publishes progress
 * and watches for DELETE. Every state change is one Lua script, so it is
 * atomic: a job's terminal state is written only by the worker that holds
 * the lease and only while the job is still queued or running, then the
 * entry is acknowledged and deleted. A worker that lost its lease (it was
 * stopped past the timeout) drops its run; runs are deterministic for a
 * seed, so a rerun gives the same bytes.
 *
 * Ownership: srv_redis_store_create returns a srv_jobstore that
 * srv_store_destroy frees (threads stopped, connections closed).
 */
#ifndef SRV_REDIS_STORE_H
#define SRV_REDIS_STORE_H

#include "jobstore.h"
#include "log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *url;       /* redis://HOST:PORT, unix:/path or /path */
	size_t capacity;       /* queued jobs before submit answers 503 queue-full */
	int64_t result_ttl_ms; /* finished jobs expire after this */
	int64_t visibility_ms; /* a lease not renewed for this long is reclaimed */
	bool listen;           /* subscribe to wfcd:done (processes that serve HTTP) */
	srv_job_listener on_finish;
	void *listener_ctx;
	srv_log *log; /* may be NULL */
} srv_redis_store_options;

/* 0, or -1 with a message (bad address, Redis unreachable). */
int srv_redis_store_create(const srv_redis_store_options *o, srv_jobstore **out, char *err,
                           size_t err_size);

#endif
