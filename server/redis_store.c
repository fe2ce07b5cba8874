/* redis_store.c - the Redis backend: the HTTP side (see redis_store.h;
 * the worker side is in redis_worker.c). */
#include "redis_store.h"

#include "buf.h"
#include "clock.h"
#include "redis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Submit: answers {0,id} (queued), {1,old id} (the Idempotency-Key's job
 * exists) or {2,''} (the queue is full). KEYS: stream, job, idem key or '',
 * index, stats. ARGV: capacity, id, rec, spec, seq, group, job key prefix. */
static const char submit_lua[] =
    "if KEYS[3] ~= '' then\n"
    "  local old = redis.call('GET', KEYS[3])\n"
    "  if old and redis.call('EXISTS', ARGV[7] .. old) == 1 then return {1, old} end\n"
    "end\n"
    "local queued = redis.call('XLEN', KEYS[1])\n"
    "local pend = redis.pcall('XPENDING', KEYS[1], ARGV[6])\n"
    "if type(pend) == 'table' and pend[1] then queued = queued - pend[1] end\n"
    "if queued >= tonumber(ARGV[1]) then return {2, ''} end\n"
    "redis.call('HSET', KEYS[2], 'rec', ARGV[3], 'status', 'queued', 'spec', ARGV[4],\n"
    "           'progress', '0', 'execs', '0', 'done', '0')\n"
    "redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])\n"
    "redis.call('XADD', KEYS[1], '*', 'id', ARGV[2])\n"
    "if KEYS[3] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end\n"
    "redis.call('HINCRBY', KEYS[5], 'submitted', 1)\n"
    "return {0, ARGV[2]}\n";

/* DELETE: 404, 200 (canceled), 204 (deleted) or 0 (the status changed
 * since it was read: read again). KEYS: job, index, idem key or '', stats.
 * ARGV: the status read, the canceled record, ttl ms, id, channel. */
static const char delete_lua[] =
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "if not st then return 404 end\n"
    "if st ~= ARGV[1] then return 0 end\n"
    "if st == 'queued' or st == 'running' then\n"
    "  redis.call('HSET', KEYS[1], 'status', 'canceled', 'rec', ARGV[2])\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
    "  if KEYS[3] ~= '' then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end\n"
    "  redis.call('HINCRBY', KEYS[4], 'canceled', 1)\n"
    "  redis.call('PUBLISH', ARGV[5], ARGV[4])\n"
    "  return 200\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[4])\n"
    "if KEYS[3] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then\n"
    "  redis.call('DEL', KEYS[3])\n"
    "end\n"
    "return 204\n";

#define DELETE_TRIES 5
#define INDEX_SWEEP 32 /* oldest index entries checked per housekeeping pass */

/* ------------------------------------------------------------ helpers */

redisContext *srv_rs_borrow(srv_rstore *s, srv_problem *p)
{
	char err[256];
	redisContext *c = srv_redis_pool_get(s->pool, err, sizeof err);
	if (!c && p) {
		srv_problem_set(p, 503, "not-ready", NULL, "the job queue is unreachable: %s", err);
		p->retry_after = 2;
	}
	return c;
}

int srv_rs_unavailable(srv_problem *p, redisContext *c, redisReply *r)
{
	srv_problem_set(p, 503, "not-ready", NULL, "the job queue (Redis) failed: %s",
	                srv_redis_why(c, r));
	p->retry_after = 2;
	return 503;
}

void srv_rs_log(srv_rstore *s, const char *what, const char *why)
{
	srv_log_error(s->o.log, "redis-error", what, why);
}

void srv_rs_job_key(char *out, size_t size, const char *id)
{
	snprintf(out, size, "%s%s", SRV_RS_JOB, id);
}

redisReply *srv_rs_eval(redisContext *c, const char *script, int nkeys, int nargs,
                        const char **args, const size_t *lens)
{
	const char *argv[SRV_RS_EVAL_MAX + 3];
	size_t argl[SRV_RS_EVAL_MAX + 3];
	char nk[12];
	if (nargs > SRV_RS_EVAL_MAX) return NULL;
	snprintf(nk, sizeof nk, "%d", nkeys);
	argv[0] = "EVAL";
	argv[1] = script;
	argv[2] = nk;
	for (int i = 0; i < 3; i++)
		argl[i] = strlen(argv[i]);
	for (int i = 0; i < nargs; i++) {
		argv[i + 3] = args[i];
		argl[i + 3] = lens ? lens[i] : strlen(args[i]);
	}
	return redisCommandArgv(c, nargs + 3, argv, argl);
}

int srv_rs_load(srv_rstore *s, redisContext *c, const char *id, srv_job *j, const char *field,
                redisReply **extra, srv_problem *p)
{
	char key[SRV_RS_KEY_MAX];
	srv_rs_job_key(key, sizeof key, id);
	if (extra) *extra = NULL;
	redisReply *r = redisCommand(c, "HMGET %s rec progress %s", key, field ? field : "rec");
	if (srv_redis_failed(r) || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
		int rc = srv_rs_unavailable(p, c, r);
		if (r) freeReplyObject(r);
		return rc;
	}
	redisReply *rec = r->element[0];
	if (rec->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
	}
	char err[256];
	memset(j, 0, sizeof *j);
	if (!srv_job_from_record(rec->str, rec->len, j, err, sizeof err)) {
		srv_rs_log(s, key, err);
		freeReplyObject(r);
		return srv_problem_set(p, 500, "internal", NULL, "the record of job %s is damaged",
		                       id);
	}
	redisReply *prog = r->element[1];
	if (prog->type == REDIS_REPLY_STRING) {
		long v = strtol(prog->str, NULL, 10);
		atomic_store(&j->progress_ppm, (unsigned)(v < 0 ? 0 : v > 1000000 ? 1000000 : v));
	}
	if (extra && field && r->element[2]->type == REDIS_REPLY_STRING) {
		*extra = r->element[2];
		r->element[2] = NULL; /* the caller's now */
	}
	freeReplyObject(r);
	return 0;
}

/* ------------------------------------------------------------ HTTP side */

static int idem_existing(srv_rstore *s, redisContext *c, const char *old, srv_job_params *pa,
                         srv_job_view *v, bool *existing, srv_problem *p)
{
	srv_job j;
	int rc = srv_rs_load(s, c, old, &j, NULL, NULL, p);
	if (rc) return rc;
	if (strcmp(j.body_hash, pa->body_hash) != 0) /* as jobs.c */
		return srv_problem_set(p, 422, "conflict", NULL,
		                       "Idempotency-Key '%s' was used for job %s with a different "
		                       "request body",
		                       pa->idem_key, old);
	srv_job_view_of(&j, v, srv_now_ms());
	*existing = true;
	return 0;
}

static int r_submit_on(srv_rstore *s, redisContext *c, srv_job_params *pa, srv_job *j,
                       srv_job_view *v, bool *existing, srv_problem *p)
{
	redisReply *r = redisCommand(c, "INCR %s", SRV_RS_SEQ);
	if (srv_redis_failed(r) || r->type != REDIS_REPLY_INTEGER) {
		int rc = srv_rs_unavailable(p, c, r);
		if (r) freeReplyObject(r);
		return rc;
	}
	j->seq = (uint64_t)r->integer;
	freeReplyObject(r);
	char *rec = srv_job_record_json(j);
	if (!rec) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	char key[SRV_RS_KEY_MAX], idem[SRV_RS_KEY_MAX + SRV_IDEM_KEY_MAX], cap[24], seq[24];
	srv_rs_job_key(key, sizeof key, j->id);
	snprintf(idem, sizeof idem, "%s%s", SRV_RS_IDEM, pa->idem_key ? pa->idem_key : "");
	snprintf(cap, sizeof cap, "%zu", s->o.capacity);
	snprintf(seq, sizeof seq, "%llu", (unsigned long long)j->seq);
	const char *args[] = {SRV_RS_STREAM, key,          pa->idem_key ? idem : "",
	                      SRV_RS_INDEX,  SRV_RS_STATS, cap,
	                      j->id,         rec,          pa->spec_json,
	                      seq,           SRV_RS_GROUP, SRV_RS_JOB};
	r = srv_rs_eval(c, submit_lua, 5, 12, args, NULL);
	free(rec);
	if (srv_redis_failed(r) || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_STRING) {
		int rc = srv_rs_unavailable(p, c, r);
		if (r) freeReplyObject(r);
		return rc;
	}
	long long code = r->element[0]->integer;
	int rc = 0;
	if (code == 0) {
		srv_job_view_of(j, v, j->created_ms);
	} else if (code == 1) {
		char old[SRV_ID_MAX];
		snprintf(old, sizeof old, "%s", r->element[1]->str);
		rc = idem_existing(s, c, old, pa, v, existing, p);
	} else {
		rc = srv_problem_set(p, 503, "queue-full", NULL,
		                     "the queue is full (%zu jobs waiting for a worker); try again "
		                     "shortly",
		                     s->o.capacity);
		p->retry_after = 2;
	}
	freeReplyObject(r);
	return rc;
}

static int r_submit(void *impl, srv_job_params *pa, srv_job_view *v, bool *existing, srv_problem *p)
{
	srv_rstore *s = impl;
	*existing = false;
	int rc = 0;
	srv_job *j = calloc(1, sizeof *j);
	redisContext *c = NULL;
	if (pa->idem_key && strlen(pa->idem_key) >= SRV_IDEM_KEY_MAX) {
		rc = srv_problem_set(p, 400, "malformed", NULL,
		                     "Idempotency-Key may be at most %d bytes",
		                     SRV_IDEM_KEY_MAX - 1);
	} else if (!j || !srv_id_new(SRV_PREFIX_JOB, j->id)) {
		rc = srv_problem_set(p, 500, "internal", NULL, "cannot create a job id");
	} else if (!(c = srv_rs_borrow(s, p))) {
		rc = 503;
	} else {
		srv_job_init_queued(j, pa);
		rc = r_submit_on(s, c, pa, j, v, existing, p);
		srv_redis_pool_put(s->pool, c, false);
	}
	free(j);
	if (pa->spec) { /* the spec travels as JSON; the parsed one is not kept */
		api_spec_free(pa->spec);
		free(pa->spec);
		pa->spec = NULL;
	}
	return rc;
}

static int r_view(void *impl, const char *id, srv_job_view *v, srv_problem *p)
{
	srv_rstore *s = impl;
	redisContext *c = srv_rs_borrow(s, p);
	if (!c) return 503;
	srv_job j;
	int rc = srv_rs_load(s, c, id, &j, NULL, NULL, p);
	srv_redis_pool_put(s->pool, c, false);
	if (!rc) srv_job_view_of(&j, v, srv_now_ms());
	return rc;
}

static bool r_finished(void *impl, const char *id)
{
	srv_rstore *s = impl;
	redisContext *c = srv_rs_borrow(s, NULL);
	if (!c) return true;
	char key[SRV_RS_KEY_MAX];
	srv_rs_job_key(key, sizeof key, id);
	redisReply *r = redisCommand(c, "HGET %s status", key);
	bool done = srv_redis_failed(r) || r->type != REDIS_REPLY_STRING ||
	            (strcmp(r->str, "queued") != 0 && strcmp(r->str, "running") != 0);
	if (r) freeReplyObject(r);
	srv_redis_pool_put(s->pool, c, false);
	return done;
}

/* Appends the resources of ids[0..n) to b, dropping ids whose job expired. */
static int list_jobs(srv_rstore *s, redisContext *c, redisReply **ids, size_t n, srv_buf *b,
                     int *count, uint64_t *last, srv_problem *p)
{
	char key[SRV_RS_KEY_MAX];
	for (size_t i = 0; i < n; i++) {
		srv_rs_job_key(key, sizeof key, ids[i]->str);
		redisAppendCommand(c, "HMGET %s rec progress", key);
	}
	int64_t now = srv_now_ms();
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		redisReply *r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || srv_redis_failed(r) ||
		    r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			if (!rc) rc = srv_rs_unavailable(p, c, r);
			if (r) freeReplyObject(r);
			if (c->err) return rc;
			continue;
		}
		srv_job j;
		char err[128];
		redisReply *rec = r->element[0];
		if (rec->type != REDIS_REPLY_STRING) { /* expired: drop it from the index */
			redisReply *z = redisCommand(c, "ZREM %s %s", SRV_RS_INDEX, ids[i]->str);
			if (z) freeReplyObject(z);
		} else if (memset(&j, 0, sizeof j),
		           srv_job_from_record(rec->str, rec->len, &j, err, sizeof err)) {
			if (r->element[1]->type == REDIS_REPLY_STRING)
				atomic_store(&j.progress_ppm,
				             (unsigned)strtoul(r->element[1]->str, NULL, 10));
			srv_job_view v;
			srv_job_view_of(&j, &v, now);
			char *text = srv_job_view_json(&v);
			if (!text) b->failed = true;
			if ((*count)++) srv_buf_puts(b, ",");
			if (text) srv_buf_puts(b, text);
			free(text);
			*last = j.seq;
		}
		freeReplyObject(r);
	}
	return rc;
}

static int r_list(void *impl, int limit, const char *cursor, char **json, srv_problem *p)
{
	srv_rstore *s = impl;
	*json = NULL;
	char max[32] = "+inf";
	if (cursor) {
		char *end;
		unsigned long long v = strtoull(cursor, &end, 10);
		if (!*cursor || *end || cursor[0] == '-' || cursor[0] == '+')
			return srv_problem_set(
			    p, 400, "malformed", NULL,
			    "'cursor' must be the 'next' value of an earlier page");
		snprintf(max, sizeof max, "(%llu", v);
	}
	redisContext *c = srv_rs_borrow(s, p);
	if (!c) return 503;
	redisReply *r =
	    redisCommand(c, "ZREVRANGEBYSCORE %s %s -inf LIMIT 0 %d", SRV_RS_INDEX, max, limit + 1);
	if (srv_redis_failed(r) || r->type != REDIS_REPLY_ARRAY) {
		int rc = srv_rs_unavailable(p, c, r);
		if (r) freeReplyObject(r);
		srv_redis_pool_put(s->pool, c, false);
		return rc;
	}
	size_t n = r->elements;
	bool more = n > (size_t)limit;
	if (more) n = (size_t)limit;
	for (size_t i = 0; i < n; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING) n = i; /* never: ids are strings */
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, "{\"jobs\":[");
	int count = 0;
	uint64_t last = 0;
	int rc = list_jobs(s, c, r->element, n, &b, &count, &last, p);
	freeReplyObject(r);
	srv_redis_pool_put(s->pool, c, false);
	if (rc) {
		free(srv_buf_take(&b));
		return rc;
	}
	if (more && count)
		srv_buf_printf(&b, "],\"next\":\"%llu\"}", (unsigned long long)last);
	else
		srv_buf_puts(&b, "],\"next\":null}");
	*json = srv_buf_take(&b);
	if (!*json) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	return 0;
}

static int delete_once(srv_rstore *s, redisContext *c, const char *id, srv_job_view *v,
                       srv_problem *p)
{
	srv_job j;
	int rc = srv_rs_load(s, c, id, &j, NULL, NULL, p);
	if (rc) return rc;
	srv_job_status was = j.status;
	if (was <= SRV_JOB_RUNNING) {
		int64_t now = srv_now_ms();
		if (was == SRV_JOB_QUEUED)
			j.queued_ms = (double)(now - j.created_ms);
		else
			j.run_ms = (double)(now - j.started_ms);
		j.status = SRV_JOB_CANCELED;
		j.finished_ms = now;
	}
	char *rec = srv_job_record_json(&j);
	if (!rec) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	char key[SRV_RS_KEY_MAX], idem[SRV_RS_KEY_MAX + SRV_IDEM_KEY_MAX], ttl[24];
	srv_rs_job_key(key, sizeof key, id);
	snprintf(idem, sizeof idem, "%s%s", SRV_RS_IDEM, j.idem_key);
	snprintf(ttl, sizeof ttl, "%lld", (long long)s->o.result_ttl_ms);
	const char *args[] = {key,
	                      SRV_RS_INDEX,
	                      j.idem_key[0] ? idem : "",
	                      SRV_RS_STATS,
	                      srv_job_status_name(was),
	                      rec,
	                      ttl,
	                      id,
	                      SRV_RS_CHANNEL};
	redisReply *r = srv_rs_eval(c, delete_lua, 4, 9, args, NULL);
	free(rec);
	if (srv_redis_failed(r) || r->type != REDIS_REPLY_INTEGER) {
		rc = srv_rs_unavailable(p, c, r);
		if (r) freeReplyObject(r);
		return rc;
	}
	rc = (int)r->integer;
	freeReplyObject(r);
	if (rc == 404) srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
	if (rc == 200) srv_job_view_of(&j, v, j.finished_ms);
	return rc;
}

static int r_remove(void *impl, const char *id, srv_job_view *v, srv_problem *p)
{
	srv_rstore *s = impl;
	redisContext *c = srv_rs_borrow(s, p);
	if (!c) return 503;
	int rc = 0;
	for (int k = 0; k < DELETE_TRIES && rc == 0; k++)
		rc = delete_once(s, c, id, v, p);
	srv_redis_pool_put(s->pool, c, false);
	if (rc == 0) {
		rc = srv_problem_set(p, 409, "conflict", NULL,
		                     "job %s changes state too fast to be deleted; try again", id);
	}
	/* the listener is called by the subscriber thread, like a finish */
	return rc;
}

static int r_result(void *impl, const char *id, srv_format f, unsigned char **data, size_t *size,
                    char etag[SRV_ETAG_MAX], srv_job_view *v, srv_problem *p)
{
	srv_rstore *s = impl;
	*data = NULL;
	*size = 0;
	redisContext *c = srv_rs_borrow(s, p);
	if (!c) return 503;
	srv_job j;
	redisReply *bytes = NULL;
	int rc = srv_rs_load(s, c, id, &j, srv_format_name(f), &bytes, p);
	srv_redis_pool_put(s->pool, c, false);
	if (rc) return rc;
	srv_job_view_of(&j, v, srv_now_ms());
	if (j.status != SRV_JOB_SUCCEEDED) {
		rc = srv_problem_set(p, 409, "conflict", NULL,
		                     "job %s is %s; its result exists once it has succeeded", id,
		                     srv_job_status_name(j.status));
	} else if (!(j.available & (1u << f))) {
		rc = srv_problem_set(p, 406, "not-acceptable", NULL, "job %s has no %s result%s",
		                     id, srv_format_name(f),
		                     f == SRV_FMT_TEXT && j.kind != WFC_MODEL_TILED
		                         ? " (text grids exist for tiled models only)"
		                         : " (grids exist only for complete runs)");
	} else if (!bytes) {
		rc = srv_problem_set(p, 500, "internal", NULL, "the result of job %s is lost", id);
	} else if (!(*data = malloc(bytes->len ? bytes->len : 1))) {
		rc = srv_problem_set(p, 500, "internal", NULL, "out of memory");
	} else {
		memcpy(*data, bytes->str, bytes->len);
		*size = bytes->len;
		memcpy(etag, j.etag[f], SRV_ETAG_MAX);
	}
	if (bytes) freeReplyObject(bytes);
	return rc;
}

/* ------------------------------------------------------------ upkeep */

/* Drops the oldest index entries whose job has expired. */
static void r_housekeep(void *impl, int64_t now_ms)
{
	srv_rstore *s = impl;
	(void)now_ms;
	redisContext *c = srv_rs_borrow(s, NULL);
	if (!c) return;
	redisReply *r = redisCommand(c, "ZRANGE %s 0 %d", SRV_RS_INDEX, INDEX_SWEEP - 1);
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING) continue;
		char key[SRV_RS_KEY_MAX];
		srv_rs_job_key(key, sizeof key, r->element[i]->str);
		redisReply *e = redisCommand(c, "EXISTS %s", key);
		if (e && e->type == REDIS_REPLY_INTEGER && e->integer == 0) {
			redisReply *z =
			    redisCommand(c, "ZREM %s %s", SRV_RS_INDEX, r->element[i]->str);
			if (z) freeReplyObject(z);
		}
		if (e) freeReplyObject(e);
		if (c->err) break;
	}
	if (r) freeReplyObject(r);
	srv_redis_pool_put(s->pool, c, false);
}

/* Entries in the stream and the pending ones among them (being run). */
static void stream_counts(srv_rstore *s, size_t *entries, size_t *pending)
{
	*entries = *pending = 0;
	redisContext *c = srv_rs_borrow(s, NULL);
	if (!c) return;
	redisReply *r = redisCommand(c, "XLEN %s", SRV_RS_STREAM);
	if (r && r->type == REDIS_REPLY_INTEGER) *entries = (size_t)r->integer;
	if (r) freeReplyObject(r);
	r = redisCommand(c, "XPENDING %s %s", SRV_RS_STREAM, SRV_RS_GROUP);
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER)
		*pending = (size_t)r->element[0]->integer;
	if (r) freeReplyObject(r);
	srv_redis_pool_put(s->pool, c, false);
	if (*pending > *entries) *pending = *entries;
}

static void r_depth(void *impl, size_t *queued, size_t *capacity)
{
	srv_rstore *s = impl;
	size_t entries, pending;
	stream_counts(s, &entries, &pending);
	*queued = entries - pending;
	*capacity = s->o.capacity;
}

static void r_counts(void *impl, size_t counts[SRV_JOB_STATUSES])
{
	srv_rstore *s = impl;
	memset(counts, 0, sizeof(size_t) * SRV_JOB_STATUSES);
	size_t entries, pending;
	stream_counts(s, &entries, &pending);
	counts[SRV_JOB_QUEUED] = entries - pending;
	counts[SRV_JOB_RUNNING] = pending;
	redisContext *c = srv_rs_borrow(s, NULL);
	if (!c) return;
	redisReply *r = redisCommand(c, "HMGET %s succeeded failed canceled", SRV_RS_STATS);
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && i < 3; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			counts[SRV_JOB_SUCCEEDED + i] =
			    (size_t)strtoull(r->element[i]->str, NULL, 10);
	if (r) freeReplyObject(r);
	srv_redis_pool_put(s->pool, c, false);
}

static void r_destroy(void *impl)
{
	srv_rstore *s = impl;
	srv_rs_threads_stop(s);
	srv_redis_pool_destroy(s->pool);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const srv_jobstore_ops redis_ops = {
    .destroy = r_destroy,
    .submit = r_submit,
    .view = r_view,
    .finished = r_finished,
    .list = r_list,
    .remove = r_remove,
    .result = r_result,
    .take = srv_rs_take,
    .finish = srv_rs_finish,
    .close = srv_rs_close,
    .cancel_running = srv_rs_cancel_running,
    .housekeep = r_housekeep,
    .depth = r_depth,
    .counts = r_counts,
};

/* Creates the consumer group (and the stream) unless they exist. */
static int ensure_group(redisContext *c, char *err, size_t err_size)
{
	redisReply *r =
	    redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM", SRV_RS_STREAM, SRV_RS_GROUP);
	bool ok = r && (r->type != REDIS_REPLY_ERROR || !strncmp(r->str, "BUSYGROUP", 9));
	if (!ok)
		snprintf(err, err_size, "cannot create the consumer group: %s",
		         srv_redis_why(c, r));
	if (r) freeReplyObject(r);
	return ok ? 0 : -1;
}

int srv_rs_ensure_group(redisContext *c)
{
	char err[8];
	return ensure_group(c, err, sizeof err);
}

int srv_redis_store_create(const srv_redis_store_options *o, srv_jobstore **out, char *err,
                           size_t err_size)
{
	*out = NULL;
	srv_redis_addr addr;
	if (!srv_redis_addr_parse(o->url, &addr, err, err_size)) return -1;
	srv_rstore *s = calloc(1, sizeof *s);
	srv_jobstore *st = calloc(1, sizeof *st);
	if (!s || !st || !(s->pool = srv_redis_pool_create(&addr))) {
		free(s);
		free(st);
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	s->o = *o;
	s->addr = addr;
	if (s->o.visibility_ms <= 0) s->o.visibility_ms = 30000;
	pthread_mutex_init(&s->lock, NULL);
	char host[128] = "host";
	gethostname(host, sizeof host - 1);
	/* a restarted worker may get the same pid: a random tail keeps names apart */
	char id[SRV_ID_MAX] = "j_00000000";
	srv_id_new(SRV_PREFIX_JOB, id);
	snprintf(s->consumer, sizeof s->consumer, "%s-%ld-%.8s", host, (long)getpid(), id + 2);

	/* fail at start, not at the first request, when Redis cannot be used */
	redisContext *c = srv_redis_connect(&addr, err, err_size);
	int rc = c ? ensure_group(c, err, err_size) : -1;
	if (c) srv_redis_pool_put(s->pool, c, rc != 0);
	if (rc == 0 && srv_rs_threads_start(s, err, err_size)) rc = -1;
	st->ops = &redis_ops;
	st->impl = s;
	st->kind = "redis";
	if (rc) {
		srv_store_destroy(st);
		return -1;
	}
	*out = st;
	return 0;
}
