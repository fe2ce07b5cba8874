/*
 * test_srv_jobs.c - the job store (server/jobs.c, job.c) with a real data
 * directory, the runner (server/runner.c) and request parsing
 * (server/request.c): lifecycle, idempotency, the queue bound, results and
 * their ETags, persistence across a restart, time limits and
 * contradictions, job requests and their JSON pointers.
 */
#include "../api/json_spec.h"
#include "../api/sha256.h"
#include "../server/assets.h"
#include "../server/clock.h"
#include "../server/jobs.h"
#include "../server/persist.h"
#include "../server/request.h"
#include "../server/runner.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BEACH                                                                                      \
	"\"model\":\"tiled\",\"tileSize\":2,\"tiles\":[{\"name\":\"water\",\"weight\":2,"          \
	"\"color\":\"#2060c0\"},{\"name\":\"sand\",\"color\":\"#e0d090\"},{\"name\":\"grass\","    \
	"\"color\":\"#40a040\"}],\"neighbors\":[{\"left\":\"water\",\"right\":\"water\"},"         \
	"{\"left\":\"water\",\"right\":\"sand\"},{\"left\":\"sand\",\"right\":\"sand\"},"          \
	"{\"left\":\"sand\",\"right\":\"grass\"},{\"left\":\"grass\",\"right\":\"grass\"}]"

static char dir[256];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/wfcd-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char err[256];
	cr_assert_eq(srv_persist_init(dir, err, sizeof err), 0, "%s", err);
}

static void remove_dir(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static srv_request_env env(srv_assets *assets)
{
	return (srv_request_env){NULL, assets, 1 << 20, 10000, NULL, NULL};
}

static srv_jobs *store(srv_queue *q, const char *data_dir)
{
	srv_jobs_options o = {data_dir, q, 3600000, 1 << 20, NULL, NULL, NULL, 0};
	srv_jobs *s = NULL;
	char err[256];
	cr_assert_eq(srv_jobs_create(&o, &s, err, sizeof err), 0);
	return s;
}

/* Parses body and submits it; returns the HTTP status (0 = created). */
static int submit(srv_jobs *s, const char *body, const char *key, srv_job_view *v, bool *existing)
{
	srv_request_env e = env(NULL);
	srv_job_request r;
	srv_problem p;
	int rc = srv_job_request_parse(&e, body, strlen(body), &r, &p);
	cr_assert_eq(rc, 0, "%s: %s", body, p.detail);
	srv_job_params pa = {r.spec,          r.spec_json, r.seed, r.format,
	                     r.time_limit_ms, key,         {0},    true};
	api_sha256_hex_of(body, strlen(body), pa.body_hash);
	r.spec = NULL;
	rc = srv_jobs_submit(s, &pa, v, existing, &p);
	srv_job_request_free(&r);
	return rc;
}

/* What a worker does, on this thread. */
static srv_job_status run_next(srv_jobs *s, srv_queue *q)
{
	char id[SRV_ID_MAX];
	srv_job_claim c;
	srv_problem p;
	cr_assert(srv_queue_pop(q, id));
	cr_assert(srv_jobs_claim(s, id, &c, &p));
	srv_run_control ctl = {c.cancel, c.progress_ppm, c.time_limit_ms, 0};
	srv_job_outcome out;
	int contradictions = 0;
	srv_run_spec(c.spec, c.seed, &ctl, &out, &contradictions);
	api_spec_free(c.spec);
	free(c.spec);
	srv_job_status st = out.status;
	srv_jobs_finish(s, &c, &out);
	return st;
}

Test(srv_jobs, lifecycle_results_and_restart)
{
	make_dir();
	srv_queue *q = srv_queue_create(8);
	srv_jobs *s = store(q, dir);
	srv_job_view v, w;
	bool existing;
	cr_assert_eq(
	    submit(s, "{" BEACH ",\"size\":8,\"seed\":5,\"format\":\"text\"}", NULL, &v, &existing),
	    0);
	cr_assert_not(existing);
	cr_assert_eq(v.status, SRV_JOB_QUEUED);
	cr_assert_eq(v.seed, 5);
	cr_assert_eq(v.width, 8);
	cr_assert_eq(v.kind, WFC_MODEL_TILED);
	char id[SRV_ID_MAX];
	strcpy(id, v.id);

	unsigned char *data;
	size_t size;
	char etag[SRV_ETAG_MAX];
	srv_problem p;
	cr_assert_eq(srv_jobs_result(s, id, SRV_FMT_PNG, &data, &size, etag, &w, &p), 409);

	cr_assert_eq(run_next(s, q), SRV_JOB_SUCCEEDED);
	cr_assert(srv_jobs_view(s, id, &w));
	cr_assert_eq(w.status, SRV_JOB_SUCCEEDED);
	cr_assert_eq(w.attempts, 1);
	cr_assert_eq(w.progress, 1.0);
	cr_assert_eq(w.available, 7u, "png, json and text");
	cr_assert_eq(srv_jobs_result(s, id, SRV_FMT_TEXT, &data, &size, etag, &w, &p), 0);
	cr_assert(size > 0 && memchr(data, '\n', size), "a text grid: lines of tiles");
	char etag_text[SRV_ETAG_MAX];
	strcpy(etag_text, etag);
	cr_assert_eq(etag[0], '"');
	cr_assert_eq(strlen(etag), 66);
	free(data);
	cr_assert_eq(srv_jobs_result(s, id, SRV_FMT_PNG, &data, &size, etag, &w, &p), 0);
	cr_assert(size > 8 && !memcmp(data, "\x89PNG", 4));
	free(data);

	/* a second job stays queued across the restart */
	cr_assert_eq(submit(s, "{" BEACH ",\"size\":4}", NULL, &v, &existing), 0);
	char queued[SRV_ID_MAX];
	strcpy(queued, v.id);
	srv_jobs_destroy(s);
	srv_queue_destroy(q);

	q = srv_queue_create(8);
	s = store(q, dir);
	int loaded = 0;
	cr_assert_eq(srv_jobs_restore(s, &loaded), 1, "the queued job is queued again");
	cr_assert_eq(loaded, 2);
	cr_assert(srv_jobs_view(s, id, &w));
	cr_assert_eq(w.status, SRV_JOB_SUCCEEDED);
	cr_assert_eq(w.seed, 5);
	cr_assert_eq(w.format, SRV_FMT_TEXT);
	cr_assert_eq(srv_jobs_result(s, id, SRV_FMT_TEXT, &data, &size, etag, &w, &p), 0,
	             "read back from disk: %s", p.detail);
	cr_assert_str_eq(etag, etag_text, "the same bytes, the same ETag");
	free(data);
	cr_assert_eq(run_next(s, q), SRV_JOB_SUCCEEDED, "its spec is read from disk");
	cr_assert(srv_jobs_view(s, queued, &w));
	cr_assert_eq(w.status, SRV_JOB_SUCCEEDED);

	/* delete: a finished job is removed with its files */
	cr_assert_eq(srv_jobs_delete(s, id, &w), 204);
	cr_assert_eq(srv_jobs_delete(s, id, &w), 404);
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/jobs/%s.png", dir, id);
	cr_assert_neq(stat(path, &st), 0, "result files are gone");
	srv_jobs_destroy(s);
	srv_queue_destroy(q);
	remove_dir();
}

Test(srv_jobs, cancel_idempotency_and_queue_bound)
{
	srv_queue *q = srv_queue_create(2);
	srv_jobs *s = store(q, NULL);
	srv_job_view v, w;
	bool existing;
	const char *body = "{" BEACH ",\"size\":4}";
	cr_assert_eq(submit(s, body, "key-1", &v, &existing), 0);
	cr_assert_eq(submit(s, body, "key-1", &w, &existing), 0);
	cr_assert(existing);
	cr_assert_str_eq(w.id, v.id, "the same key and body: the original job");
	cr_assert_eq(submit(s, "{" BEACH ",\"size\":5}", "key-1", &w, &existing), 422);
	cr_assert_eq(submit(s, body, NULL, &w, &existing), 0);
	cr_assert_eq(submit(s, body, NULL, &w, &existing), 503, "the queue holds 2");

	cr_assert_eq(srv_jobs_delete(s, v.id, &w), 200);
	cr_assert_eq(w.status, SRV_JOB_CANCELED);
	cr_assert_eq(srv_queue_depth(q), 1, "a canceled job leaves the queue");
	cr_assert_eq(srv_jobs_delete(s, v.id, &w), 204);

	char *json = NULL;
	srv_problem p;
	cr_assert_eq(srv_jobs_list(s, 10, NULL, &json, &p), 0);
	cr_assert(strstr(json, "\"next\":null"), "%s", json);
	free(json);
	cr_assert_eq(srv_jobs_list(s, 10, "x1", &json, &p), 400);
	size_t counts[SRV_JOB_STATUSES];
	srv_jobs_counts(s, counts);
	cr_assert_eq(counts[SRV_JOB_QUEUED], 1);
	srv_jobs_destroy(s);
	srv_queue_destroy(q);
}

/* Twins: the same key and body submitted from several threads at once. */
#define TWINS 8
typedef struct {
	srv_jobs *s;
	pthread_barrier_t *go;
	int rc;
	char id[SRV_ID_MAX];
} twin;

static void *submit_twin(void *arg)
{
	twin *t = arg;
	const char *body = "{" BEACH ",\"size\":4,\"seed\":1}";
	srv_request_env e = env(NULL);
	srv_job_request r;
	srv_problem p;
	t->rc = srv_job_request_parse(&e, body, strlen(body), &r, &p) ? -2 : 0;
	if (t->rc) return NULL;
	srv_job_params pa = {r.spec,          r.spec_json, r.seed, r.format,
	                     r.time_limit_ms, "twin-key",  {0},    true};
	api_sha256_hex_of(body, strlen(body), pa.body_hash);
	r.spec = NULL;
	srv_job_view v;
	bool existing;
	pthread_barrier_wait(t->go);
	t->rc = srv_jobs_submit(t->s, &pa, &v, &existing, &p);
	if (t->rc == 0) snprintf(t->id, sizeof t->id, "%s", v.id);
	srv_job_request_free(&r);
	return NULL;
}

Test(srv_jobs, idempotency_twins_make_one_job_and_keys_expire)
{
	make_dir(); /* with a data dir: the spec is written (fsync) between two looks */
	srv_queue *q = srv_queue_create(64);
	srv_jobs *s = store(q, dir);
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, TWINS);
	twin t[TWINS];
	pthread_t th[TWINS];
	for (int i = 0; i < TWINS; i++) {
		t[i] = (twin){.s = s, .go = &go};
		cr_assert_eq(pthread_create(&th[i], NULL, submit_twin, &t[i]), 0);
	}
	for (int i = 0; i < TWINS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	const char *id = NULL;
	for (int i = 0; i < TWINS; i++) {
		/* 0: the job (created or replayed); 409: a twin was in flight */
		cr_assert(t[i].rc == 0 || t[i].rc == 409, "twin %d: %d", i, t[i].rc);
		if (t[i].rc) continue;
		if (!id) id = t[i].id;
		cr_assert_str_eq(t[i].id, id, "one key, one job");
	}
	cr_assert_not_null(id);
	size_t counts[SRV_JOB_STATUSES];
	srv_jobs_counts(s, counts);
	cr_assert_eq(counts[SRV_JOB_QUEUED], 1, "twins made one job");
	cr_assert_eq(srv_queue_depth(q), 1);

	/* The key lives as long as its job: once the finished job is past the
	 * result TTL (1 h in store()), the key takes another body. */
	char first[SRV_ID_MAX];
	snprintf(first, sizeof first, "%s", id);
	cr_assert_eq(run_next(s, q), SRV_JOB_SUCCEEDED);
	srv_job_view w;
	bool existing;
	const char *other = "{" BEACH ",\"size\":5}";
	cr_assert_eq(submit(s, other, "twin-key", &w, &existing), 422);
	srv_jobs_housekeep(s, srv_now_ms() + 3600000 + 1000);
	cr_assert_not(srv_jobs_view(s, first, &w), "deleted after the TTL");
	cr_assert_eq(submit(s, other, "twin-key", &w, &existing), 0);
	cr_assert_not(existing);
	cr_assert_str_neq(w.id, first);
	srv_jobs_destroy(s);
	srv_queue_destroy(q);
	remove_dir();
}

Test(srv_jobs, list_pages_newest_first)
{
	srv_queue *q = srv_queue_create(8);
	srv_jobs *s = store(q, NULL);
	srv_job_view v[5];
	bool existing;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(submit(s, "{" BEACH ",\"size\":3}", NULL, &v[i], &existing), 0);
	char *json = NULL;
	srv_problem p;
	cr_assert_eq(srv_jobs_list(s, 2, NULL, &json, &p), 0);
	cr_assert(strstr(json, v[4].id) && strstr(json, v[3].id) && !strstr(json, v[2].id));
	char *next = strstr(json, "\"next\":\"");
	cr_assert_not_null(next);
	char cursor[32];
	sscanf(next + 8, "%31[0-9]", cursor);
	free(json);
	cr_assert_eq(srv_jobs_list(s, 10, cursor, &json, &p), 0);
	cr_assert(strstr(json, v[2].id) && strstr(json, v[0].id) && !strstr(json, v[3].id));
	cr_assert(strstr(json, "\"next\":null"));
	free(json);
	srv_jobs_destroy(s);
	srv_queue_destroy(q);
}

static void run_spec(const char *body, atomic_int *cancel, srv_job_outcome *out, int *contra)
{
	srv_request_env e = env(NULL);
	srv_job_request r;
	srv_problem p;
	cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 0, "%s", p.detail);
	srv_run_control ctl = {cancel, NULL, 10000, 0};
	srv_run_spec(r.spec, r.seed, &ctl, out, contra);
	srv_job_request_free(&r);
}

Test(srv_runner, contradiction_cancel_and_time_limit)
{
	atomic_int cancel = 0;
	srv_job_outcome out;
	int contra = 0;
	/* two tiles that may never touch: every attempt contradicts */
	run_spec("{\"model\":\"tiled\",\"tiles\":[{\"name\":\"a\",\"color\":\"#ff0000\"},"
	         "{\"name\":\"b\",\"color\":\"#00ff00\"}],\"neighbors\":[{\"left\":\"a\",\"right\":"
	         "\"a\"}],\"size\":4,\"attempts\":3,\"seed\":1,\"periodic\":true}",
	         &cancel, &out, &contra);
	if (out.status == SRV_JOB_FAILED) {
		cr_assert_str_eq(out.error.slug, "unsatisfiable");
		cr_assert_eq(out.error.status, 422);
		cr_assert_eq(out.attempts, 3);
		cr_assert_eq(contra, 3);
	} else {
		cr_assert_eq(out.status, SRV_JOB_SUCCEEDED, "all 'a' is also a valid answer");
	}
	srv_result_free(&out.result);

	atomic_store(&cancel, SRV_CANCEL_TIMEOUT);
	run_spec("{" BEACH ",\"size\":8}", &cancel, &out, &contra);
	cr_assert_eq(out.status, SRV_JOB_FAILED);
	cr_assert_str_eq(out.error.slug, "time-limit");
	atomic_store(&cancel, SRV_CANCEL_USER);
	run_spec("{" BEACH ",\"size\":8}", &cancel, &out, &contra);
	cr_assert_eq(out.status, SRV_JOB_CANCELED);
	atomic_store(&cancel, SRV_CANCEL_SHUTDOWN);
	run_spec("{" BEACH ",\"size\":8}", &cancel, &out, &contra);
	cr_assert(out.requeue, "stopped by shutdown: queued again");
	atomic_store(&cancel, 0);
	run_spec("{" BEACH ",\"size\":8,\"limit\":3}", &cancel, &out, &contra);
	cr_assert_eq(out.status, SRV_JOB_SUCCEEDED);
	cr_assert_not_null(out.result.data[SRV_FMT_PNG]);
	cr_assert_null(out.result.data[SRV_FMT_JSON], "a partial run has no grid");
	srv_result_free(&out.result);
}

static int parse_status(const char *body, srv_problem *p)
{
	srv_request_env e = env(NULL);
	srv_job_request r;
	int rc = srv_job_request_parse(&e, body, strlen(body), &r, p);
	if (!rc) srv_job_request_free(&r);
	return rc;
}

Test(srv_request, errors_and_pointers)
{
	srv_problem p;
	cr_assert_eq(
	    parse_status("{" BEACH ",\"seed\":3,\"timeLimitMs\":500,\"format\":\"json\"}", &p), 0,
	    "%s", p.detail);
	cr_assert_eq(parse_status("{\"model\":", &p), 400);
	cr_assert_eq(parse_status("[1]", &p), 400);
	cr_assert_eq(parse_status("{}", &p), 422);
	cr_assert_eq(parse_status("{" BEACH ",\"format\":\"gif\"}", &p), 422);
	cr_assert_str_eq(p.pointer, "/format");
	cr_assert_eq(parse_status("{" BEACH ",\"timeLimitMs\":10001}", &p), 422);
	cr_assert_str_eq(p.pointer, "/timeLimitMs");
	cr_assert_eq(parse_status("{" BEACH ",\"timeLimitMs\":1,\"timeLimitMs\":2}", &p), 422);
	cr_assert_eq(parse_status("{" BEACH ",\"widht\":3}", &p), 422);
	cr_assert_str_eq(p.pointer, "/widht");
	cr_assert_eq(parse_status("{" BEACH ",\"size\":2048}", &p), 422, "over max cells");
	cr_assert_str_eq(p.pointer, "/size");
	cr_assert_eq(parse_status("{\"model\":\"overlapping\",\"sample\":\"/etc/passwd\"}", &p),
	             422);
	cr_assert_str_eq(p.pointer, "/sample");
	cr_assert(strstr(p.detail, "file paths"), "%s", p.detail);
	cr_assert_eq(
	    parse_status("{\"model\":\"overlapping\",\"sample\":{\"path\":\"x.png\"}}", &p), 422);
	cr_assert_str_eq(p.pointer, "/sample/path");
	/* found by tests/fuzz/fuzz_job_request.c: the message quotes the client */
	cr_assert_eq(
	    parse_status("{\"model\":\"overlapping\",\"sample\":\"data:out of memory\"}", &p), 422,
	    "a message quoting 'out of memory' is still the client's error");
	cr_assert_str_eq(p.pointer, "/sample");
	cr_assert_eq(parse_status("{\"library\":\"Nope\"}", &p), 422);
	cr_assert_str_eq(p.pointer, "/library");
	cr_assert_eq(parse_status("{" BEACH ",\"library\":\"Nope\"}", &p), 422);
	cr_assert_str_eq(p.pointer, "/library", "two sources");
	cr_assert_eq(parse_status("{\"tileset\":\"ts_x\",\"library\":\"y\"}", &p), 422);
	cr_assert_eq(parse_status("{" BEACH ",\"format\":\"text\"}", &p), 0);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 99);
	deep[199] = '\0';
	cr_assert_eq(parse_status(deep, &p), 400);
	cr_assert(strstr(p.detail, "nested"));
}

Test(srv_request, depth_check_skips_strings)
{
	srv_problem p;
	const char *s = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}";
	cr_assert_eq(srv_json_check_depth(s, strlen(s), 2, &p), 0);
	const char *d = "{\"a\":[[1]]}";
	cr_assert_eq(srv_json_check_depth(d, strlen(d), 3, &p), 0);
	cr_assert_eq(srv_json_check_depth(d, strlen(d), 2, &p), 400);
}

Test(srv_request, library_and_tileset_sources_with_overrides)
{
	srv_assets *assets = NULL;
	cr_assert_eq(srv_assets_create(NULL, NULL, &assets), 0);
	api_spec spec;
	srv_problem p;
	const char *ts = "{" BEACH ",\"name\":\"Beach\"}";
	cr_assert_eq(srv_spec_parse_kind(ts, strlen(ts), WFC_MODEL_TILED, &spec, &p), 0, "%s",
	             p.detail);
	srv_asset_meta meta;
	cr_assert_eq(srv_assets_add(assets, SRV_ASSET_TILESET, &spec, &meta, &p), 0);
	api_spec_free(&spec);
	cr_assert_eq(meta.meta[0], 3);
	cr_assert_eq(meta.meta[1], 3);
	cr_assert_eq(srv_spec_parse_kind(ts, strlen(ts), WFC_MODEL_OVERLAPPING, &spec, &p), 422);
	cr_assert_str_eq(p.pointer, "/model");

	srv_request_env e = env(assets);
	char body[256];
	srv_job_request r;
	snprintf(body, sizeof body, "{\"tileset\":\"%s\",\"size\":7,\"height\":5,\"seed\":9}",
	         meta.id);
	cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 0, "%s", p.detail);
	cr_assert_eq(r.spec->width, 7);
	cr_assert_eq(r.spec->height, 5);
	cr_assert_eq(r.seed, 9);
	srv_job_request_free(&r);
	snprintf(body, sizeof body, "{\"tileset\":\"%s\",\"N\":2}", meta.id);
	cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 422);
	cr_assert_str_eq(p.pointer, "/N", "N is for overlapping sources");
	snprintf(body, sizeof body, "{\"tileset\":\"%s\",\"width\":0}", meta.id);
	cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 422);
	cr_assert_str_eq(p.pointer, "/width");

	struct stat st;
	if (stat("library/samples.xml", &st) == 0) {
		api_library *lib = NULL;
		api_error err = {0};
		cr_assert_eq(api_library_open("library", &lib, &err), API_OK, "%s", err.message);
		e.library = lib;
		const api_library_entry *first = api_library_get(lib, 0);
		snprintf(body, sizeof body, "{\"library\":\"%s\",\"seed\":7,\"size\":10}",
		         first->name);
		cr_assert_eq(srv_job_request_parse(&e, body, strlen(body), &r, &p), 0, "%s",
		             p.detail);
		cr_assert_eq(r.spec->width, 10);
		cr_assert_eq(r.spec->kind, first->kind);
		srv_job_request_free(&r);
		api_library_close(lib);
	}
	srv_assets_destroy(assets);
}
