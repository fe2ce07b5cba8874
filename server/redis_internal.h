/*
 * redis_internal.h - what redis_store.c (the HTTP side of the Redis
 * backend) and redis_worker.c (its worker side: leases, the keeper and the
 * subscriber threads) share. Not for other modules: they use jobstore.h.
 *
 * Key names are in redis_store.h. The Lua scripts use only the keys and
 * arguments given to them, plus the job key prefix passed as an argument.
 */
#ifndef SRV_REDIS_INTERNAL_H
#define SRV_REDIS_INTERNAL_H

#include "redis.h"
#include "redis_store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define SRV_RS_STREAM "wfcd:jobs"
#define SRV_RS_GROUP "workers"
#define SRV_RS_JOB "wfcd:job:"
#define SRV_RS_INDEX "wfcd:index"
#define SRV_RS_SEQ "wfcd:seq"
#define SRV_RS_STATS "wfcd:stats"
#define SRV_RS_IDEM "wfcd:idem:"
#define SRV_RS_CHANNEL "wfcd:done"
#define SRV_RS_KEY_MAX 64   /* "wfcd:job:" + an id, with room */
#define SRV_RS_ENTRY_MAX 48 /* a stream entry id: "<ms>-<seq>" */
#define SRV_RS_EVAL_MAX 16  /* keys + arguments of one script */
#define SRV_RS_CONSUMER_MAX 160

/* A job this process runs. srv_job first: a claim's `job` points here. */
typedef struct srv_rjob {
	srv_job job;                  /* the running record, its cancel flag and progress */
	char entry[SRV_RS_ENTRY_MAX]; /* the stream entry: the lease */
	bool lost;                    /* another worker holds the lease now */
	struct srv_rjob *next;
} srv_rjob;

typedef struct {
	srv_redis_store_options o;
	srv_redis_addr addr;
	srv_redis_pool *pool;
	char consumer[SRV_RS_CONSUMER_MAX]; /* this process in the consumer group */
	atomic_bool closed;                 /* take returns false */
	_Atomic double last_reclaim;        /* srv_mono_ms() of the last XAUTOCLAIM */

	pthread_mutex_t lock; /* running, sub_ctx, stop */
	srv_rjob *running;
	bool stop;
	pthread_t keeper, subscriber;
	bool keeper_started, subscriber_started;
	redisContext *sub_ctx; /* the subscriber's, shut down to wake it */
} srv_rstore;

/* redis_store.c */
redisContext *srv_rs_borrow(srv_rstore *s, srv_problem *p); /* NULL: p says 503 */
int srv_rs_unavailable(srv_problem *p, redisContext *c, redisReply *r);
void srv_rs_log(srv_rstore *s, const char *what, const char *why);
void srv_rs_job_key(char *out, size_t size, const char *id);
/* EVAL script with nargs strings (keys first); lens NULL: C strings. */
redisReply *srv_rs_eval(redisContext *c, const char *script, int nkeys, int nargs,
                        const char **args, const size_t *lens);
/* Reads job id into a zeroed *j (with its progress): 0, 404, 500 or 503.
 * With field, *extra gets that field's reply (a string) or NULL. */
int srv_rs_load(srv_rstore *s, redisContext *c, const char *id, srv_job *j, const char *field,
                redisReply **extra, srv_problem *p);
int srv_rs_ensure_group(redisContext *c);

/* redis_worker.c */
bool srv_rs_take(void *impl, srv_job_claim *c);
void srv_rs_finish(void *impl, srv_job_claim *c, srv_job_outcome *o);
void srv_rs_close(void *impl);
void srv_rs_cancel_running(void *impl, int reason);
int srv_rs_threads_start(srv_rstore *s, char *err, size_t err_size);
void srv_rs_threads_stop(srv_rstore *s);

#endif
