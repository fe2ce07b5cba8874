/*
 * test_lifecycle.c - tests that need a server of their own: API keys,
 * a full queue, cancellation, long polls on a busy worker, time limits,
 * persistence across a restart and graceful shutdown on SIGTERM.
 */
#include "harness.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A tiled job of n x n cells, always satisfiable (so a test that lets it
 * finish sees it succeed). n = 1024 keeps one worker busy for seconds
 * (about 7 s on an idle 2-core machine); 512 about a quarter of that. */
static char *slow_spec(int n, const char *extra)
{
	static const char fmt[] =
	    "{\"model\":\"tiled\",\"name\":\"Slow\",\"tileSize\":1,\"width\":%d,\"height\":%d,"
	    "\"seed\":3,\"attempts\":1%s,"
	    "\"tiles\":[{\"name\":\"water\",\"weight\":2,\"color\":\"#2060c0\"},"
	    "{\"name\":\"sand\",\"weight\":0.5,\"color\":\"#e0d090\"},"
	    "{\"name\":\"grass\",\"color\":\"#40a040\"}],"
	    "\"neighbors\":[{\"left\":\"water\",\"right\":\"water\"},"
	    "{\"left\":\"water\",\"right\":\"sand\"},{\"left\":\"sand\",\"right\":\"sand\"},"
	    "{\"left\":\"sand\",\"right\":\"grass\"},{\"left\":\"grass\",\"right\":\"grass\"}]}";
	size_t cap = sizeof fmt + 64 + strlen(extra);
	char *s = malloc(cap);
	cr_assert(s);
	snprintf(s, cap, fmt, n, n, extra);
	return s;
}

/* A job that runs for seconds whatever the machine: the built-in Dungeon
 * (536 patterns) at 256x256. For tests that must catch a job running. */
static char *long_job(void)
{
	char *s = strdup("{\"library\":\"Dungeon\",\"size\":256,\"seed\":3,\"attempts\":1}");
	cr_assert(s);
	return s;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void job_path(char *out, size_t n, const char *id, const char *suffix)
{
	snprintf(out, n, "/v1/jobs/%s%s", id, suffix);
}

static void submit_id(const it_server *s, const char *spec, char id[64])
{
	cJSON *job = it_submit(s, spec);
	snprintf(id, 64, "%s", it_str(job, "id"));
	cJSON_Delete(job);
}

Test(auth, keys_guard_v1_only)
{
	it_require_server();
	it_server s = {0};
	strcpy(s.dir, "/tmp/wfcd-it-XXXXXX");
	cr_assert(mkdtemp(s.dir));
	char keys[128];
	snprintf(keys, sizeof keys, "%s/keys", s.dir);
	FILE *f = fopen(keys, "w");
	cr_assert(f);
	fputs("# test keys\n\n   it-key-0123456789abcdef  \nit-other-key-fedcba9876543210\n", f);
	fclose(f);
	const char *args[] = {"--api-keys", keys, NULL};
	it_start(&s, args);

	/* Without a key (or with a wrong one) every /v1 route is 401. */
	const char *routes[][2] = {{"GET", "/v1/jobs"},
	                           {"GET", "/v1/library"},
	                           {"GET", "/v1/tilesets"},
	                           {"GET", "/v1/samples"},
	                           {"GET", "/v1/jobs/j_aaaaaaaaaaaaaaaaaaaa"},
	                           {"POST", "/v1/jobs"},
	                           {"POST", "/v1/generate"}};
	const char *wrong[] = {"Authorization: Bearer it-key-0123456789abcdeX", NULL};
	const char *basic[] = {"Authorization: Basic aXQ6a2V5", NULL};
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		const char *const *variants[] = {NULL, wrong, basic};
		for (int v = 0; v < 3; v++) {
			http_response rs;
			/* Another scheme breaks the contract itself: prism would refuse
			 * it, so it goes direct. */
			it_opts o = {.headers = variants[v], .no_auth = true, .direct = v == 2};
			if (!strcmp(routes[i][0], "POST")) o.body = "{\"library\":\"x\"}";
			it_call(&s, &rs, routes[i][0], routes[i][1], &o);
			cJSON_Delete(it_problem(&rs, 401, "unauthorized"));
			const char *www = http_header(&rs, "WWW-Authenticate");
			cr_assert(www && strncmp(www, "Bearer", 6) == 0,
			          "%s %s: WWW-Authenticate %s", routes[i][0], routes[i][1],
			          www ? www : "(none)");
			http_response_free(&rs);
		}
	}
	/* The operational routes need none. */
	const char *open[] = {"/healthz", "/readyz", "/metrics", "/openapi.yaml"};
	for (size_t i = 0; i < 4; i++) {
		http_response rs;
		it_opts o = {.no_auth = true};
		it_call(&s, &rs, "GET", open[i], &o);
		it_expect_status(&rs, 200);
		http_response_free(&rs);
	}
	/* Either key works. */
	strcpy(s.key, "it-key-0123456789abcdef");
	http_response rs;
	it_get(&s, &rs, "/v1/jobs");
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	strcpy(s.key, "it-other-key-fedcba9876543210");
	char *spec = it_beach_spec(4, 4, ",\"seed\":1");
	it_post(&s, &rs, "/v1/generate?format=json", spec);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	free(spec);
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	it_destroy(&s);
}

Test(auth, bad_key_file_refuses_to_start)
{
	/* A key shorter than the minimum must stop the server at start-up,
	 * rather than serve with weak or no authentication. */
	it_require_server();
	it_server s = {0};
	strcpy(s.dir, "/tmp/wfcd-it-XXXXXX");
	cr_assert(mkdtemp(s.dir));
	char keys[128];
	snprintf(keys, sizeof keys, "%s/keys", s.dir);
	FILE *f = fopen(keys, "w");
	cr_assert(f);
	fputs("short\n", f);
	fclose(f);
	char cmd[1024];
	/* timeout: a server that wrongly starts must not hang the test. */
	snprintf(cmd, sizeof cmd,
	         "timeout 10 %s --port 0 --data-dir %s/data --api-keys %s >%s/out 2>&1",
	         getenv("WFCD_BIN") ? getenv("WFCD_BIN") : "build/wfcd", s.dir, keys, s.dir);
	int rc = system(cmd);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) != 0, "wfcd started with a 5-byte key");
	it_destroy(&s);
}

Test(queue, full_queue_cancel_and_long_poll)
{
	it_server s = {0};
	const char *args[] = {"--workers", "1", "--queue-size", "1", NULL};
	it_start(&s, args);
	char a[64], b[64], t[160];
	/* a job that lasts seconds: job b must still be queued after the
	 * 1 s long poll below (a 1024x1024 tiled job finished sooner once) */
	char *slow = long_job();

	submit_id(&s, slow, a);
	cJSON *ja = it_wait_status(&s, a, "running", 20);
	cr_assert_str_eq(it_str(ja, "status"), "running", "the slow job should be running");
	cJSON_Delete(ja);
	submit_id(&s, slow, b); /* waits in the queue */

	/* The queue holds one: the next job is refused, with Retry-After. */
	http_response rs;
	it_post(&s, &rs, "/v1/jobs", slow);
	cJSON_Delete(it_problem(&rs, 503, "queue-full"));
	const char *ra = http_header(&rs, "Retry-After");
	cr_assert(ra && atoi(ra) >= 1, "Retry-After: %s", ra ? ra : "(none)");
	http_response_free(&rs);
	char *small = it_beach_spec(4, 4, ",\"seed\":1");
	it_post(&s, &rs, "/v1/generate", small);
	cJSON_Delete(it_problem(&rs, 503, "queue-full"));
	cr_assert(http_header(&rs, "Retry-After"));
	http_response_free(&rs);

	/* A long poll on the queued job waits about that long, then answers. */
	double t0 = now_s();
	job_path(t, sizeof t, b, "?wait=1");
	it_get(&s, &rs, t);
	double waited = now_s() - t0;
	it_expect_status(&rs, 200);
	cJSON *jb = it_json(&rs);
	cr_assert_str_eq(it_str(jb, "status"), "queued");
	cr_assert(waited >= 0.9 && waited < 5, "?wait=1 answered after %.2f s", waited);
	cJSON_Delete(jb);
	http_response_free(&rs);

	/* No result while running. */
	job_path(t, sizeof t, a, "/result");
	it_get(&s, &rs, t);
	cJSON_Delete(it_problem(&rs, 409, "conflict"));
	http_response_free(&rs);

	/* Cancel the queued job: 200 + the job, canceled. */
	job_path(t, sizeof t, b, "");
	it_delete(&s, &rs, t);
	it_expect_status(&rs, 200);
	jb = it_json(&rs);
	cr_assert_str_eq(it_str(jb, "status"), "canceled");
	cJSON_Delete(jb);
	http_response_free(&rs);
	it_get(&s, &rs, t);
	it_expect_status(&rs, 200);
	jb = it_json(&rs);
	cr_assert_str_eq(it_str(jb, "status"), "canceled");
	cJSON_Delete(jb);
	http_response_free(&rs);
	job_path(t, sizeof t, b, "/result");
	it_get(&s, &rs, t);
	cJSON_Delete(it_problem(&rs, 409, "conflict"));
	http_response_free(&rs);

	/* Cancel the running one; it may just have finished (then 204). */
	job_path(t, sizeof t, a, "");
	it_delete(&s, &rs, t);
	cr_assert(rs.status == 200 || rs.status == 204, "DELETE running job: %d %s", rs.status,
	          rs.body);
	if (rs.status == 200) {
		ja = it_json(&rs);
		cr_assert_str_eq(it_str(ja, "status"), "canceled");
		cJSON_Delete(ja);
	}
	http_response_free(&rs);

	/* The worker is free again soon: a small job runs to the end. */
	t0 = now_s();
	char c[64];
	submit_id(&s, small, c);
	cJSON *jc = it_wait_done(&s, c, 30);
	cr_assert_str_eq(it_str(jc, "status"), "succeeded");
	cr_assert_lt(now_s() - t0, 10, "the canceled job kept the worker busy");
	cJSON_Delete(jc);

	free(small);

	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	it_destroy(&s);
}

Test(jobs, time_limit_fails_the_job)
{
	/* timeLimitMs well below the slow job's run time; on the shared server,
	 * since the job ends within the limit anyway. */
	const it_server *s = it_shared();
	char *body = slow_spec(1024, ",\"timeLimitMs\":200");
	char id[64];
	submit_id(s, body, id);
	cJSON *job = it_wait_done(s, id, 30);
	cr_assert_str_eq(it_str(job, "status"), "failed", "a job past its time limit: %s",
	                 cJSON_PrintUnformatted(job));
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(job, "error");
	cr_assert(cJSON_IsObject(err), "a failed job carries its problem");
	cr_assert_str_eq(it_str(err, "type"), IT_PROBLEM_BASE "time-limit");
	cr_assert_eq((int)it_num(err, "status"), 422);
	cJSON_Delete(job);
	free(body);
}

Test(persistence, jobs_and_assets_survive_a_restart)
{
	it_server s = {0};
	it_start(&s, NULL);
	char *spec = it_beach_spec(10, 10, ",\"seed\":7");
	char id[64], t[160];
	submit_id(&s, spec, id);
	cJSON *before = it_wait_done(&s, id, 30);
	cr_assert_str_eq(it_str(before, "status"), "succeeded");
	http_response r1;
	it_opts direct = {.direct = true};
	job_path(t, sizeof t, id, "/result");
	it_call(&s, &r1, "GET", t, &direct);
	it_expect_status(&r1, 200);

	http_response rs;
	it_post(&s, &rs, "/v1/tilesets", spec);
	it_expect_status(&rs, 201);
	cJSON *ts = it_json(&rs);
	http_response_free(&rs);
	char *loops = it_loops_spec(8, 8, "");
	it_post(&s, &rs, "/v1/samples", loops);
	it_expect_status(&rs, 201);
	cJSON *sm = it_json(&rs);
	http_response_free(&rs);

	it_restart(&s);

	job_path(t, sizeof t, id, "");
	it_get(&s, &rs, t);
	it_expect_status(&rs, 200);
	cJSON *after = it_json(&rs);
	http_response_free(&rs);
	cr_assert_str_eq(it_str(after, "status"), "succeeded");
	cr_assert_eq(it_num(after, "seed"), it_num(before, "seed"));
	cr_assert_str_eq(it_str(after, "createdAt"), it_str(before, "createdAt"));
	cr_assert_str_eq(it_str(after, "finishedAt"), it_str(before, "finishedAt"));

	http_response r2;
	job_path(t, sizeof t, id, "/result");
	it_call(&s, &r2, "GET", t, &direct);
	it_expect_status(&r2, 200);
	cr_assert_eq(r2.body_len, r1.body_len);
	cr_assert(memcmp(r1.body, r2.body, r1.body_len) == 0, "the result changed on restart");
	cr_assert_str_eq(http_header(&r2, "ETag"), http_header(&r1, "ETag"));
	http_response_free(&r1);
	http_response_free(&r2);
	/* Through prism too, and in another format. */
	snprintf(t, sizeof t, "/v1/jobs/%s/result?format=json", id);
	it_get(&s, &rs, t);
	it_expect_status(&rs, 200);
	http_response_free(&rs);

	snprintf(t, sizeof t, "/v1/tilesets/%s", it_str(ts, "id"));
	it_get(&s, &rs, t);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	snprintf(t, sizeof t, "/v1/samples/%s", it_str(sm, "id"));
	it_get(&s, &rs, t);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	char body[128];
	snprintf(body, sizeof body, "{\"tileset\":\"%s\",\"width\":4,\"height\":4}",
	         it_str(ts, "id"));
	char id2[64];
	submit_id(&s, body, id2);
	cJSON *j2 = it_wait_done(&s, id2, 30);
	cr_assert_str_eq(it_str(j2, "status"), "succeeded");
	cJSON_Delete(j2);

	cJSON_Delete(before);
	cJSON_Delete(after);
	cJSON_Delete(ts);
	cJSON_Delete(sm);
	free(spec);
	free(loops);
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	it_destroy(&s);
}

/* SIGTERM with a job running and one queued: exit 0; after a restart on
 * the same data dir both jobs end succeeded, whether the running one
 * finished while draining or was persisted and run again. */
static void graceful_shutdown(const char *shutdown_timeout, bool finishes_in_time)
{
	it_server s = {0};
	const char *args[] = {"--workers", "1", "--shutdown-timeout", shutdown_timeout, NULL};
	it_start(&s, args);
	char a[64], b[64];
	/* past the timeout: a job far longer than the drain */
	char *slow = finishes_in_time ? slow_spec(512, "") : long_job();
	submit_id(&s, slow, a);
	cJSON *ja = it_wait_status(&s, a, "running", 20);
	cJSON_Delete(ja);
	char *small = it_beach_spec(5, 5, ",\"seed\":2");
	submit_id(&s, small, b);

	cr_assert_eq(kill(s.pid, SIGTERM), 0);
	double t0 = now_s();
	int code = it_stop(&s, 0, 40000);
	cr_assert_eq(code, 0, "exit code after SIGTERM");
	cr_assert_lt(now_s() - t0, 35, "draining took too long");

	it_start(&s, s.args);
	/* The queued job always comes back queued; the running one only when
	 * the drain gave up on it. */
	int requeued = it_listening_field(&s, "jobsRequeued");
	cr_assert_eq(requeued, finishes_in_time ? 1 : 2, "jobs requeued at restart: %d", requeued);
	cJSON *da = it_wait_done(&s, a, 60), *db = it_wait_done(&s, b, 60);
	cr_assert_str_eq(it_str(da, "status"), "succeeded", "in-flight job after restart: %s",
	                 cJSON_PrintUnformatted(da));
	cr_assert_str_eq(it_str(db, "status"), "succeeded", "queued job after restart: %s",
	                 cJSON_PrintUnformatted(db));
	cJSON_Delete(da);
	cJSON_Delete(db);
	free(small);
	free(slow);
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	it_destroy(&s);
}

Test(shutdown, draining_is_visible)
{
	/* docs/http-api.md: while draining /readyz is 503 and new jobs are 503
	 * not-ready with Retry-After. A drain of about a second: a slow job
	 * running, and a one-second shutdown timeout. */
	it_server s = {0};
	const char *args[] = {"--workers", "1", "--shutdown-timeout", "1s", NULL};
	it_start(&s, args);
	char *slow = long_job();
	char a[64];
	submit_id(&s, slow, a);
	cJSON_Delete(it_wait_status(&s, a, "running", 20));
	cr_assert_eq(kill(s.pid, SIGTERM), 0);
	it_sleep_ms(100);

	http_response rs;
	char err[256];
	const char *accept[] = {"Accept: */*", NULL};
	http_request rq = {
	    .method = "GET", .target = "/readyz", .headers = accept, .timeout_ms = 5000};
	int rc = http_send(s.port, &rq, &rs, err, sizeof err);
	cr_expect_eq(rc, 0, "GET /readyz while draining: %s (the listener closed at SIGTERM)", err);
	if (rc == 0) {
		cJSON_Delete(it_problem(&rs, 503, "not-ready"));
		http_response_free(&rs);
	}
	const char *post_hdrs[] = {"Accept: */*", "Content-Type: application/json", NULL};
	http_request post = {.method = "POST",
	                     .target = "/v1/jobs",
	                     .headers = post_hdrs,
	                     .body = slow,
	                     .body_len = strlen(slow),
	                     .timeout_ms = 5000};
	rc = http_send(s.port, &post, &rs, err, sizeof err);
	cr_expect_eq(rc, 0, "POST /v1/jobs while draining: %s (the listener closed at SIGTERM)",
	             err);
	if (rc == 0) {
		cJSON_Delete(it_problem(&rs, 503, "not-ready"));
		cr_expect(http_header(&rs, "Retry-After"), "503 not-ready without Retry-After");
		http_response_free(&rs);
	}
	cr_assert_eq(it_stop(&s, 0, 30000), 0, "exit code after SIGTERM");
	free(slow);
	it_destroy(&s);
}

Test(shutdown, sigterm_lets_the_running_job_finish)
{
	graceful_shutdown("30s", true);
}

Test(shutdown, sigterm_past_the_timeout_persists_the_job)
{
	graceful_shutdown("100ms", false);
}

Test(ratelimit, answers_429_with_retry_after)
{
	cr_skip_test("429 rate-limited is reserved: docs/http-api.md says wfcd never sends it "
	             "(openapi.yaml describes it for clients)");
}
