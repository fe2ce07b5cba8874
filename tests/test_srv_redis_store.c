/*
 * test_srv_redis_store.c - the Redis backend (server/redis_store.c,
 * redis_worker.c) through jobstore.h against a live redis-server on a Unix
 * socket: the fences that make a job's terminal state written once. A
 * finisher that lost its lease writes nothing; a run canceled by DELETE is
 * not overwritten by its worker; a full stream says 503 queue-full.
 *
 * Needs redis-server (scripts/deps.sh redis-server): without it the tests
 * skip, except under CI (CI set), where that is a failure.
 */
#include "../api/sha256.h"
#include "../server/redis.h"
#include "../server/redis_store.h"
#include "../server/request.h"
#include "../server/runner.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BEACH                                                                                      \
	"{\"model\":\"tiled\",\"tileSize\":2,\"width\":8,\"height\":8,\"tiles\":[{\"name\":"       \
	"\"water\",\"color\":\"#2060c0\"},{\"name\":\"sand\",\"color\":\"#e0d090\"}],"             \
	"\"neighbors\":[{\"left\":\"water\",\"right\":\"water\"},{\"left\":\"water\",\"right\":"   \
	"\"sand\"},{\"left\":\"sand\",\"right\":\"sand\"}]}"

static char dir[64];
static char url[128];
static pid_t redis_pid;

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void start_redis(void)
{
	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		if (getenv("CI"))
			cr_assert_fail("redis-server is missing (scripts/deps.sh redis-server)");
		cr_skip_test("needs redis-server (scripts/deps.sh redis-server)");
	}
	snprintf(dir, sizeof dir, "/tmp/wfcd-rs-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(url, sizeof url, "unix:%s/r.sock", dir);
	redis_pid = fork();
	cr_assert_geq(redis_pid, 0);
	if (redis_pid == 0) {
		char sock[96];
		snprintf(sock, sizeof sock, "%s/r.sock", dir);
		if (!freopen("/dev/null", "w", stdout)) _exit(126);
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	srv_redis_addr a;
	char err[256];
	cr_assert(srv_redis_addr_parse(url, &a, err, sizeof err));
	for (int i = 0; i < 100; i++) {
		redisContext *c = srv_redis_connect(&a, err, sizeof err);
		if (c) {
			redisFree(c);
			return;
		}
		sleep_ms(50);
	}
	cr_assert_fail("redis-server did not start: %s", err);
}

static void stop_redis(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0]) cr_assert_eq(system(cmd), 0);
}

static srv_jobstore *open_store(size_t capacity, int64_t visibility_ms)
{
	srv_redis_store_options o = {url, capacity, 60000, visibility_ms, false, NULL, NULL, NULL};
	srv_jobstore *st = NULL;
	char err[256];
	cr_assert_eq(srv_redis_store_create(&o, &st, err, sizeof err), 0, "%s", err);
	return st;
}

/* A raw connection for checks and for playing another worker. */
static redisContext *raw(void)
{
	srv_redis_addr a;
	char err[256];
	cr_assert(srv_redis_addr_parse(url, &a, err, sizeof err));
	redisContext *c = srv_redis_connect(&a, err, sizeof err);
	cr_assert_not_null(c, "%s", err);
	return c;
}

static long long hash_int(redisContext *c, const char *id, const char *field)
{
	redisReply *r = redisCommand(c, "HGET wfcd:job:%s %s", id, field);
	cr_assert(r && r->type == REDIS_REPLY_STRING, "no %s for %s", field, id);
	long long v = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	return v;
}

static int submit(srv_jobstore *st, int seed, srv_job_view *v)
{
	char body[600];
	snprintf(body, sizeof body, "%.*s,\"seed\":%d}", (int)strlen(BEACH) - 1, BEACH, seed);
	srv_request_env e = {NULL, NULL, 1 << 20, 10000, NULL, NULL};
	srv_job_request r;
	srv_problem p;
	cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 0, "%s", p.detail);
	srv_job_params pa = {r.spec,          r.spec_json, r.seed, r.format,
	                     r.time_limit_ms, NULL,        {0},    true};
	api_sha256_hex_of(body, strlen(body), pa.body_hash);
	r.spec = NULL;
	bool existing = false;
	int rc = srv_store_submit(st, &pa, v, &existing, &p);
	srv_job_request_free(&r);
	return rc;
}

/* Runs a claimed job as a worker thread would; the claim stays unspent. */
static void run(srv_job_claim *c, srv_job_outcome *out)
{
	srv_run_control ctl = {c->cancel, c->progress_ppm, c->time_limit_ms, 0};
	int contradictions = 0;
	srv_run_spec(c->spec, c->seed, &ctl, out, &contradictions);
	api_spec_free(c->spec);
	free(c->spec);
	c->spec = NULL;
}

TestSuite(redis_store, .init = start_redis, .fini = stop_redis);

Test(redis_store, a_finisher_that_lost_its_lease_writes_nothing)
{
	srv_jobstore *a = open_store(16, 300), *b = open_store(16, 300);
	srv_job_view v;
	cr_assert_eq(submit(a, 1, &v), 0);
	srv_job_claim ca;
	cr_assert(srv_store_take(a, &ca));
	cr_assert_str_eq(ca.id, v.id);
	srv_job_outcome out;
	run(&ca, &out);
	cr_assert_eq(out.status, SRV_JOB_SUCCEEDED);

	/* another consumer takes the entry, as XAUTOCLAIM does for a worker
	 * silent past the visibility timeout */
	redisContext *c = raw();
	redisReply *r = redisCommand(c, "XPENDING wfcd:jobs workers - + 1");
	cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
	char entry[64];
	snprintf(entry, sizeof entry, "%s", r->element[0]->element[0]->str);
	freeReplyObject(r);
	r = redisCommand(c, "XCLAIM wfcd:jobs workers intruder 0 %s JUSTID", entry);
	freeReplyObject(r);

	srv_store_finish(a, &ca, &out);
	cr_assert_eq(hash_int(c, v.id, "done"), 0, "a finisher without the lease wrote the job");
	srv_problem p;
	cr_assert_eq(srv_store_view(a, v.id, &v, &p), 0);
	cr_assert_eq(v.status, SRV_JOB_RUNNING);

	/* the intruder is silent: after the timeout, b reclaims and finishes */
	sleep_ms(400);
	srv_job_claim cb;
	cr_assert(srv_store_take(b, &cb));
	cr_assert_str_eq(cb.id, v.id);
	run(&cb, &out);
	srv_store_finish(b, &cb, &out);
	cr_assert_eq(hash_int(c, v.id, "done"), 1);
	cr_assert_eq(hash_int(c, v.id, "execs"), 2, "run by a, then again by b");
	cr_assert_eq(srv_store_view(b, v.id, &v, &p), 0);
	cr_assert_eq(v.status, SRV_JOB_SUCCEEDED);
	unsigned char *png = NULL;
	size_t size = 0;
	char etag[SRV_ETAG_MAX];
	cr_assert_eq(srv_store_result(a, v.id, SRV_FMT_PNG, &png, &size, etag, &v, &p), 0, "%s",
	             p.detail);
	cr_assert_gt(size, 8);
	cr_assert_eq(memcmp(png, "\x89PNG", 4), 0);
	free(png);
	r = redisCommand(c, "XLEN wfcd:jobs");
	cr_assert_eq(r->integer, 0, "the entry is acknowledged and deleted");
	freeReplyObject(r);
	redisFree(c);
	srv_store_destroy(a);
	srv_store_destroy(b);
}

Test(redis_store, a_run_canceled_by_delete_is_not_overwritten)
{
	srv_jobstore *a = open_store(16, 5000);
	srv_job_view v, w;
	srv_problem p;
	cr_assert_eq(submit(a, 2, &v), 0);
	srv_job_claim ca;
	cr_assert(srv_store_take(a, &ca));
	srv_job_outcome out;
	run(&ca, &out);
	cr_assert_eq(srv_store_delete(a, v.id, &w, &p), 200);
	cr_assert_eq(w.status, SRV_JOB_CANCELED);
	srv_store_finish(a, &ca, &out);
	cr_assert_eq(srv_store_view(a, v.id, &w, &p), 0);
	cr_assert_eq(w.status, SRV_JOB_CANCELED, "the worker's success replaced the cancel");
	redisContext *c = raw();
	cr_assert_eq(hash_int(c, v.id, "done"), 0);
	redisReply *r = redisCommand(c, "XPENDING wfcd:jobs workers");
	cr_assert_eq(r->element[0]->integer, 0, "the entry is acknowledged");
	freeReplyObject(r);
	redisFree(c);
	cr_assert_eq(srv_store_delete(a, v.id, &w, &p), 204);
	cr_assert_eq(srv_store_view(a, v.id, &w, &p), 404);
	srv_store_destroy(a);
}

Test(redis_store, a_full_stream_is_503_queue_full)
{
	srv_jobstore *a = open_store(2, 5000);
	srv_job_view v;
	cr_assert_eq(submit(a, 1, &v), 0);
	cr_assert_eq(submit(a, 2, &v), 0);
	cr_assert_eq(submit(a, 3, &v), 503);
	size_t queued, capacity;
	srv_store_depth(a, &queued, &capacity);
	cr_assert_eq(queued, 2);
	cr_assert_eq(capacity, 2);
	srv_store_destroy(a);
}
