/* redis_worker.c - the Redis backend's worker side: taking entries from the
 * stream, leases, finishing, and the keeper and subscriber threads (see
 * redis_store.h for the protocol). */
#include "../api/json_spec.h"
#include "clock.h"
#include "redis_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define READ_BLOCK_MS 1000 /* XREADGROUP BLOCK: how long take waits before looking again */
#define RETRY_NAP_MS 1000  /* after a Redis error */
#define FINISH_TRIES 3     /* a finish not written is rerun after the lease expires */

/* Starts a run: 1 when the job is still queued or running (a run that was
 * reclaimed), 0 otherwise. KEYS: job. ARGV: the running record. */
static const char claim_lua[] =
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "if st ~= 'queued' and st ~= 'running' then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'status', 'running', 'rec', ARGV[1], 'progress', '0')\n"
    "redis.call('HINCRBY', KEYS[1], 'execs', 1)\n"
    "return 1\n";

/* The lease holder renews it (XCLAIM to itself resets the idle time) and
 * publishes progress: {1, status} or {0, ''} when another consumer holds
 * the entry now. KEYS: stream, job. ARGV: group, consumer, entry, ppm. */
static const char heartbeat_lua[] =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)\n"
    "if not p[1] or p[1][2] ~= ARGV[2] then return {0, ''} end\n"
    "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')\n"
    "local st = redis.call('HGET', KEYS[2], 'status') or ''\n"
    "if st == 'running' then redis.call('HSET', KEYS[2], 'progress', ARGV[4]) end\n"
    "return {1, st}\n";

/* The end of a run: 1 written, 0 the job was already final (canceled) or
 * gone, -1 the lease is lost (nothing written, nothing acknowledged: the
 * holder finishes). KEYS: job, stream, idem key or '', stats. ARGV: group,
 * consumer, entry, status, record, ttl ms, id, png, json, text (empty when
 * that format does not exist), channel. */
static const char finish_lua[] =
    "local p = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[3], ARGV[3], 1)\n"
    "if not p[1] or p[1][2] ~= ARGV[2] then\n"
    "  redis.call('HINCRBY', KEYS[4], 'stale', 1)\n"
    "  return -1\n"
    "end\n"
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "local won = 0\n"
    "if st == 'queued' or st == 'running' then\n"
    "  redis.call('HSET', KEYS[1], 'status', ARGV[4], 'rec', ARGV[5], 'progress', '1000000')\n"
    "  local names = {'png', 'json', 'text'}\n"
    "  for i = 1, 3 do\n"
    "    if ARGV[7 + i] ~= '' then redis.call('HSET', KEYS[1], names[i], ARGV[7 + i]) end\n"
    "  end\n"
    "  redis.call('HINCRBY', KEYS[1], 'done', 1)\n"
    "  redis.call('HINCRBY', KEYS[4], ARGV[4], 1)\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[6])\n"
    "  if KEYS[3] ~= '' then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end\n"
    "  redis.call('PUBLISH', ARGV[11], ARGV[7])\n"
    "  won = 1\n"
    "end\n"
    "redis.call('XACK', KEYS[2], ARGV[1], ARGV[3])\n"
    "redis.call('XDEL', KEYS[2], ARGV[3])\n"
    "return won\n";

/* Shutdown stopped the run: the job goes back to queued with a fresh
 * entry, so any worker takes it at once. KEYS: job, stream. ARGV: group,
 * consumer, entry, the queued record, id. */
static const char requeue_lua[] =
    "local p = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[3], ARGV[3], 1)\n"
    "if not p[1] or p[1][2] ~= ARGV[2] then return -1 end\n"
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "redis.call('XACK', KEYS[2], ARGV[1], ARGV[3])\n"
    "redis.call('XDEL', KEYS[2], ARGV[3])\n"
    "if st ~= 'running' then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'status', 'queued', 'rec', ARGV[4], 'progress', '0')\n"
    "redis.call('XADD', KEYS[2], '*', 'id', ARGV[5])\n"
    "return 1\n";

/* ------------------------------------------------------------ helpers */

static void nap(srv_rstore *s, int ms)
{
	for (int t = 0; t < ms && !atomic_load(&s->closed); t += 50) {
		struct timespec ts = {0, 50 * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
	}
}

static bool stopping(srv_rstore *s)
{
	pthread_mutex_lock(&s->lock);
	bool stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

/* Sleeps ms unless the threads are told to stop. */
static void thread_nap(srv_rstore *s, int ms)
{
	for (int t = 0; t < ms && !stopping(s); t += 20) {
		struct timespec ts = {0, 20 * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
	}
}

/* XACK + XDEL: an entry for a job that is final or gone. */
static void drop_entry(redisContext *c, const char *entry)
{
	redisReply *r = redisCommand(c, "XACK %s %s %s", SRV_RS_STREAM, SRV_RS_GROUP, entry);
	if (r) freeReplyObject(r);
	r = redisCommand(c, "XDEL %s %s", SRV_RS_STREAM, entry);
	if (r) freeReplyObject(r);
}

/* One stream entry [id, [field, value, ...]]: its entry id and job id. An
 * entry without a valid job id is dropped (it was not written by wfcd). */
static bool entry_of(redisContext *c, const redisReply *e, char entry[SRV_RS_ENTRY_MAX],
                     char id[SRV_ID_MAX])
{
	if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= SRV_RS_ENTRY_MAX)
		return false;
	snprintf(entry, SRV_RS_ENTRY_MAX, "%s", e->element[0]->str);
	const redisReply *f = e->element[1];
	for (size_t i = 0; f && f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    !strcmp(f->element[i]->str, "id") &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING &&
		    srv_id_valid(SRV_PREFIX_JOB, f->element[i + 1]->str)) {
			snprintf(id, SRV_ID_MAX, "%s", f->element[i + 1]->str);
			return true;
		}
	drop_entry(c, entry); /* deleted meanwhile (nil fields) or foreign */
	return false;
}

/* Reclaims one entry idle past the visibility timeout: 1, 0 none, -1 error. */
static int reclaim(srv_rstore *s, redisContext *c, char entry[SRV_RS_ENTRY_MAX],
                   char id[SRV_ID_MAX])
{
	redisReply *r = redisCommand(c, "XAUTOCLAIM %s %s %s %lld 0-0 COUNT 1", SRV_RS_STREAM,
	                             SRV_RS_GROUP, s->consumer, (long long)s->o.visibility_ms);
	int got = 0;
	if (srv_redis_failed(r)) {
		srv_rs_log(s, "XAUTOCLAIM", srv_redis_why(c, r));
		got = -1;
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	           r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0) {
		got = entry_of(c, r->element[1]->element[0], entry, id);
	}
	if (r) freeReplyObject(r);
	return got;
}

/* A new entry, waiting up to READ_BLOCK_MS: 1, 0 none, -1 error. */
static int read_new(srv_rstore *s, redisContext *c, char entry[SRV_RS_ENTRY_MAX],
                    char id[SRV_ID_MAX])
{
	redisReply *r = redisCommand(c, "XREADGROUP GROUP %s %s COUNT 1 BLOCK %d STREAMS %s >",
	                             SRV_RS_GROUP, s->consumer, READ_BLOCK_MS, SRV_RS_STREAM);
	int got = 0;
	if (srv_redis_failed(r)) {
		srv_rs_log(s, "XREADGROUP", srv_redis_why(c, r));
		if (r && !strncmp(r->str, "NOGROUP", 7)) srv_rs_ensure_group(c); /* flushed */
		got = -1;
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		const redisReply *st = r->element[0]; /* [stream, [entries]] */
		if (st->type == REDIS_REPLY_ARRAY && st->elements == 2 &&
		    st->element[1]->type == REDIS_REPLY_ARRAY && st->element[1]->elements > 0)
			got = entry_of(c, st->element[1]->element[0], entry, id);
	}
	if (r) freeReplyObject(r);
	return got;
}

static void link_running(srv_rstore *s, srv_rjob *rj)
{
	pthread_mutex_lock(&s->lock);
	rj->next = s->running;
	s->running = rj;
	pthread_mutex_unlock(&s->lock);
}

static void unlink_running(srv_rstore *s, srv_rjob *rj)
{
	pthread_mutex_lock(&s->lock);
	for (srv_rjob **p = &s->running; *p; p = &(*p)->next)
		if (*p == rj) {
			*p = rj->next;
			break;
		}
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------ take */

/* Claims the job of an entry just read: 1 (cl filled), 0 skipped, -1 error. */
static int claim_entry(srv_rstore *s, redisContext *c, const char *entry, const char *id,
                       srv_job_claim *cl)
{
	srv_problem p;
	srv_rjob *rj = calloc(1, sizeof *rj);
	if (!rj) return -1;
	redisReply *spec = NULL;
	int rc = srv_rs_load(s, c, id, &rj->job, "spec", &spec, &p);
	srv_job *j = &rj->job;
	if (rc == 503) {
		free(rj);
		return -1;
	}
	if (rc || j->status > SRV_JOB_RUNNING || !spec) { /* gone, final or damaged */
		drop_entry(c, entry);
		if (spec) freeReplyObject(spec);
		free(rj);
		return 0;
	}
	snprintf(rj->entry, sizeof rj->entry, "%s", entry);
	j->status = SRV_JOB_RUNNING;
	j->started_ms = srv_now_ms();
	j->queued_ms = (double)(j->started_ms - j->created_ms);
	j->attempts = 0;
	j->run_ms = 0;
	atomic_store(&j->progress_ppm, 0);
	char *rec = srv_job_record_json(j);
	char key[SRV_RS_KEY_MAX];
	srv_rs_job_key(key, sizeof key, id);
	const char *args[] = {key, rec ? rec : ""};
	redisReply *r = rec ? srv_rs_eval(c, claim_lua, 1, 2, args, NULL) : NULL;
	free(rec);
	int won = r && r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1;
	if (srv_redis_failed(r)) srv_rs_log(s, "claim", srv_redis_why(c, r));
	if (r) freeReplyObject(r);
	if (won <= 0) {
		if (won == 0) drop_entry(c, entry);
		freeReplyObject(spec);
		free(rj);
		return won;
	}
	memset(cl, 0, sizeof *cl);
	memcpy(cl->id, j->id, sizeof cl->id);
	cl->seed = j->seed;
	cl->time_limit_ms = j->time_limit_ms;
	cl->cancel = &j->cancel;
	cl->progress_ppm = &j->progress_ppm;
	cl->job = j;
	link_running(s, rj);
	api_error e = {0};
	cl->spec = calloc(1, sizeof *cl->spec);
	if (cl->spec && api_spec_from_json(spec->str, spec->len, NULL, cl->spec, &e) == API_OK) {
		freeReplyObject(spec);
		return 1;
	}
	freeReplyObject(spec);
	srv_job_outcome o = {.status = SRV_JOB_FAILED};
	if (cl->spec)
		srv_problem_from_api(&o.error, 500, "internal", &e);
	else
		srv_problem_set(&o.error, 500, "internal", NULL, "out of memory loading the spec");
	free(cl->spec);
	cl->spec = NULL;
	srv_rs_finish(s, cl, &o);
	return 0;
}

bool srv_rs_take(void *impl, srv_job_claim *cl)
{
	srv_rstore *s = impl;
	memset(cl, 0, sizeof *cl);
	double every = (double)s->o.visibility_ms / 2;
	if (every > 1000) every = 1000;
	while (!atomic_load(&s->closed)) {
		redisContext *c = srv_rs_borrow(s, NULL);
		if (!c) {
			srv_rs_log(s, "connect", "Redis is unreachable; retrying");
			nap(s, RETRY_NAP_MS);
			continue;
		}
		char entry[SRV_RS_ENTRY_MAX], id[SRV_ID_MAX];
		int got = 0;
		double now = srv_mono_ms();
		if (now - atomic_load(&s->last_reclaim) >= every) {
			atomic_store(&s->last_reclaim, now);
			got = reclaim(s, c, entry, id);
		}
		if (got == 0) got = read_new(s, c, entry, id);
		int rc = got > 0 ? claim_entry(s, c, entry, id, cl) : got;
		srv_redis_pool_put(s->pool, c, false);
		if (rc > 0) return true;
		if (rc < 0) nap(s, RETRY_NAP_MS);
	}
	return false;
}

/* ------------------------------------------------------------ finish */

/* The record of a run's end, as jobs.c writes it. */
static char *final_record(srv_job *j, const srv_job_outcome *o)
{
	int64_t now = srv_now_ms();
	if (o->requeue) {
		j->status = SRV_JOB_QUEUED;
		j->started_ms = 0;
		j->queued_ms = 0;
		j->attempts = 0;
		atomic_store(&j->progress_ppm, 0);
		return srv_job_record_json(j);
	}
	srv_job_ended(j, o->status, o->attempts, o->run_ms, &o->error, now);
	if (o->status == SRV_JOB_SUCCEEDED) {
		atomic_store(&j->progress_ppm, 1000000);
		for (int f = 0; f < SRV_FMT_COUNT; f++) {
			if (!o->result.data[f]) continue;
			j->available |= 1u << f;
			srv_job_etag(o->result.data[f], o->result.size[f], j->etag[f]);
		}
	}
	return srv_job_record_json(j);
}

/* One try: true when Redis answered (whatever it said). */
static bool write_end(srv_rstore *s, redisContext *c, srv_rjob *rj, const char *rec,
                      const srv_job_outcome *o)
{
	char key[SRV_RS_KEY_MAX], idem[SRV_RS_KEY_MAX + SRV_IDEM_KEY_MAX], ttl[24];
	srv_job *j = &rj->job;
	srv_rs_job_key(key, sizeof key, j->id);
	redisReply *r;
	if (o->requeue) {
		const char *args[] = {key,       SRV_RS_STREAM, SRV_RS_GROUP, s->consumer,
		                      rj->entry, rec,           j->id};
		r = srv_rs_eval(c, requeue_lua, 2, 7, args, NULL);
	} else {
		snprintf(idem, sizeof idem, "%s%s", SRV_RS_IDEM, j->idem_key);
		snprintf(ttl, sizeof ttl, "%lld", (long long)s->o.result_ttl_ms);
		bool ok = o->status == SRV_JOB_SUCCEEDED;
		const char *args[] = {
		    key,
		    SRV_RS_STREAM,
		    j->idem_key[0] ? idem : "",
		    SRV_RS_STATS,
		    SRV_RS_GROUP,
		    s->consumer,
		    rj->entry,
		    srv_job_status_name(o->status),
		    rec,
		    ttl,
		    j->id,
		    ok && o->result.data[0] ? (const char *)o->result.data[0] : "",
		    ok && o->result.data[1] ? (const char *)o->result.data[1] : "",
		    ok && o->result.data[2] ? (const char *)o->result.data[2] : "",
		    SRV_RS_CHANNEL};
		size_t lens[15];
		for (int i = 0; i < 15; i++)
			lens[i] = strlen(args[i]);
		for (int f = 0; f < SRV_FMT_COUNT; f++)
			lens[11 + f] = ok && o->result.data[f] ? o->result.size[f] : 0;
		r = srv_rs_eval(c, finish_lua, 4, 15, args, lens);
	}
	bool answered = r && r->type == REDIS_REPLY_INTEGER;
	if (srv_redis_failed(r))
		srv_rs_log(s, o->requeue ? "requeue" : "finish", srv_redis_why(c, r));
	else if (answered && r->integer < 0)
		srv_rs_log(s, j->id, "the lease expired before the run ended; its holder finishes");
	if (r) freeReplyObject(r);
	return answered;
}

void srv_rs_finish(void *impl, srv_job_claim *c, srv_job_outcome *o)
{
	srv_rstore *s = impl;
	srv_rjob *rj = (srv_rjob *)(void *)c->job;
	unlink_running(s, rj);
	char *rec = rj->lost ? NULL : final_record(&rj->job, o);
	for (int k = 0; rec && k < FINISH_TRIES; k++) {
		redisContext *ctx = srv_rs_borrow(s, NULL);
		bool done = ctx && write_end(s, ctx, rj, rec, o);
		srv_redis_pool_put(s->pool, ctx, false);
		if (done) break;
		struct timespec ts = {0, 300 * 1000000L};
		nanosleep(&ts, NULL);
	}
	free(rec);
	if (c->spec) {
		api_spec_free(c->spec);
		free(c->spec);
	}
	srv_result_free(&o->result);
	free(rj);
	memset(c, 0, sizeof *c);
}

void srv_rs_close(void *impl)
{
	srv_rstore *s = impl;
	atomic_store(&s->closed, true);
}

void srv_rs_cancel_running(void *impl, int reason)
{
	srv_rstore *s = impl;
	pthread_mutex_lock(&s->lock);
	for (srv_rjob *rj = s->running; rj; rj = rj->next)
		atomic_store(&rj->job.cancel, reason);
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------ threads */

static void raise_cancel(srv_rjob *rj, int reason)
{
	int none = 0;
	atomic_compare_exchange_strong(&rj->job.cancel, &none, reason);
}

/* Under s->lock: renews the leases of the jobs run here, publishes their
 * progress, and stops runs that were canceled, lost or are past their
 * time limit. */
static void heartbeat(srv_rstore *s, redisContext *c)
{
	int64_t now = srv_now_ms();
	for (srv_rjob *rj = s->running; rj && !c->err; rj = rj->next) {
		srv_job *j = &rj->job;
		char key[SRV_RS_KEY_MAX], ppm[16];
		srv_rs_job_key(key, sizeof key, j->id);
		snprintf(ppm, sizeof ppm, "%u", atomic_load(&j->progress_ppm));
		const char *args[] = {SRV_RS_STREAM, key,       SRV_RS_GROUP,
		                      s->consumer,   rj->entry, ppm};
		redisReply *r = srv_rs_eval(c, heartbeat_lua, 2, 6, args, NULL);
		if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_INTEGER) {
			if (r->element[0]->integer == 0) {
				rj->lost = true;
				raise_cancel(rj, SRV_CANCEL_USER);
			} else if (r->element[1]->type == REDIS_REPLY_STRING &&
			           !strcmp(r->element[1]->str, "canceled")) {
				raise_cancel(rj, SRV_CANCEL_USER);
			}
		} else if (srv_redis_failed(r)) {
			srv_rs_log(s, "heartbeat", srv_redis_why(c, r));
		}
		if (r) freeReplyObject(r);
		if (j->time_limit_ms > 0 && now > j->started_ms + j->time_limit_ms)
			raise_cancel(rj, SRV_CANCEL_TIMEOUT);
	}
}

static void *keep(void *arg)
{
	srv_rstore *s = arg;
	int64_t tick = s->o.visibility_ms / 4;
	if (tick > 250) tick = 250;
	if (tick < 20) tick = 20;
	while (!stopping(s)) {
		thread_nap(s, (int)tick);
		pthread_mutex_lock(&s->lock);
		if (s->running) {
			redisContext *c = srv_rs_borrow(s, NULL);
			if (c) heartbeat(s, c);
			srv_redis_pool_put(s->pool, c, false);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* Listens on wfcd:done and calls the finish listener for each job id. */
static void *subscribe(void *arg)
{
	srv_rstore *s = arg;
	while (!stopping(s)) {
		char err[256];
		redisContext *c = srv_redis_connect(&s->addr, err, sizeof err);
		if (!c) {
			thread_nap(s, RETRY_NAP_MS);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		bool stop = s->stop;
		if (!stop) s->sub_ctx = c;
		pthread_mutex_unlock(&s->lock);
		redisReply *r = stop ? NULL : redisCommand(c, "SUBSCRIBE %s", SRV_RS_CHANNEL);
		if (r) {
			freeReplyObject(r);
			struct timeval forever = {0, 0}; /* messages may be hours apart */
			redisSetTimeout(c, forever);
			void *m = NULL;
			while (redisGetReply(c, &m) == REDIS_OK) {
				redisReply *msg = m;
				if (msg && msg->type == REDIS_REPLY_ARRAY && msg->elements == 3 &&
				    msg->element[2]->type == REDIS_REPLY_STRING && s->o.on_finish &&
				    srv_id_valid(SRV_PREFIX_JOB, msg->element[2]->str))
					s->o.on_finish(s->o.listener_ctx, msg->element[2]->str);
				if (msg) freeReplyObject(msg);
				m = NULL;
			}
		}
		pthread_mutex_lock(&s->lock);
		s->sub_ctx = NULL;
		pthread_mutex_unlock(&s->lock);
		redisFree(c);
		if (!stop) thread_nap(s, 200); /* a lost connection: connect again */
	}
	return NULL;
}

int srv_rs_threads_start(srv_rstore *s, char *err, size_t err_size)
{
	if (pthread_create(&s->keeper, NULL, keep, s) != 0) {
		snprintf(err, err_size, "cannot start the Redis keeper thread");
		return -1;
	}
	s->keeper_started = true;
	if (s->o.listen) {
		if (pthread_create(&s->subscriber, NULL, subscribe, s) != 0) {
			snprintf(err, err_size, "cannot start the Redis subscriber thread");
			return -1;
		}
		s->subscriber_started = true;
	}
	return 0;
}

void srv_rs_threads_stop(srv_rstore *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	/* wakes the subscriber out of its blocking read */
	if (s->sub_ctx) shutdown(s->sub_ctx->fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->lock);
	if (s->keeper_started) pthread_join(s->keeper, NULL);
	if (s->subscriber_started) pthread_join(s->subscriber, NULL);
	s->keeper_started = s->subscriber_started = false;
}
