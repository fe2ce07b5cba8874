/*
 * test_security.c - issue 9's security and determinism requirements over
 * HTTP: API keys never reach the logs, /metrics exposure is configurable,
 * Idempotency-Key semantics (replay, 422, expiry), names and ids from
 * requests never leave the data directory, PNG bombs are refused from
 * their header, and the same spec and seed give the same bytes and ETags
 * with one or two workers and across restarts.
 */
#include "../png_header.h"
#include "harness.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY "it-secret-key-0123456789abcdef"
#define WRONG_KEY "it-wrong-key-zyxwvutsrqponmlk"

/* A temp dir with a key file holding KEY; fills s->dir. */
static void make_key_dir(it_server *s, char *keys, size_t n)
{
	strcpy(s->dir, "/tmp/wfcd-it-XXXXXX");
	cr_assert(mkdtemp(s->dir));
	snprintf(keys, n, "%s/keys", s->dir);
	FILE *f = fopen(keys, "w");
	cr_assert(f);
	fputs(KEY "\n", f);
	fclose(f);
}

/* strcasestr is a GNU extension; the build is plain POSIX. */
static bool has_nocase(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; *p; p++)
		if (strncasecmp(p, word, n) == 0) return true;
	return false;
}

Test(security, api_keys_never_reach_the_logs)
{
	it_require_server();
	it_server s = {0};
	char keys[128];
	make_key_dir(&s, keys, sizeof keys);
	const char *args[] = {"--api-keys", keys, NULL};
	it_start(&s, args);
	const char *right[] = {"Authorization: Bearer " KEY, NULL};
	const char *wrong[] = {"Authorization: Bearer " WRONG_KEY, NULL};
	const char *const *variants[] = {right, wrong, NULL};
	const char *targets[] = {"/v1/jobs", "/v1/jobs/j_aaaaaaaaaaaaaaaaaaaa", "/metrics",
	                         "/v1/nope"};
	for (int v = 0; v < 3; v++)
		for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
			http_response rs;
			it_opts o = {.headers = variants[v], .no_auth = true, .direct = true};
			it_call(&s, &rs, "GET", targets[t], &o);
			http_response_free(&rs);
		}
	http_response rs;
	it_opts post = {.headers = right, .no_auth = true, .direct = true, .body = "{\"x\":1}"};
	it_call(&s, &rs, "POST", "/v1/jobs", &post);
	cr_assert(rs.status >= 400 && rs.status < 500, "a bad body: %d", rs.status);
	http_response_free(&rs);
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);

	/* Both streams: events and errors (stdout, stderr), and the access log. */
	char access[160];
	snprintf(access, sizeof access, "%s/access.log", s.dir);
	const char *logs[] = {s.log, access};
	for (int i = 0; i < 2; i++) {
		char *text = it_read_text(logs[i]);
		cr_assert(text, "no log at %s", logs[i]);
		cr_assert(strstr(text, "\"status\":401") || i == 0,
		          "the access log has the refused requests: %.400s", text);
		cr_assert_null(strstr(text, KEY), "%s holds the API key", logs[i]);
		cr_assert_null(strstr(text, WRONG_KEY), "%s holds a presented key", logs[i]);
		cr_assert_not(has_nocase(text, "authorization"), "%s names the header", logs[i]);
		cr_assert_not(has_nocase(text, "bearer"), "%s holds a credential", logs[i]);
		free(text);
	}
	it_destroy(&s);
}

Test(security, metrics_exposure_is_configurable)
{
	it_require_server();
	/* --metrics off: no such route. */
	it_server off = {0};
	const char *off_args[] = {"--metrics", "off", NULL};
	it_start(&off, off_args);
	http_response rs;
	it_opts direct = {.direct = true};
	it_call(&off, &rs, "GET", "/metrics", &direct);
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	it_get(&off, &rs, "/healthz");
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	it_destroy(&off);

	/* --metrics key: like /v1, an API key is needed. */
	it_server s = {0};
	char keys[128];
	make_key_dir(&s, keys, sizeof keys);
	const char *args[] = {"--api-keys", keys, "--metrics", "key", NULL};
	it_start(&s, args);
	const char *wrong[] = {"Authorization: Bearer " WRONG_KEY, NULL};
	it_opts none = {.no_auth = true, .direct = true};
	it_opts bad = {.headers = wrong, .no_auth = true, .direct = true};
	const it_opts *refused[] = {&none, &bad};
	for (int i = 0; i < 2; i++) {
		it_call(&s, &rs, "GET", "/metrics", refused[i]);
		cJSON_Delete(it_problem(&rs, 401, "unauthorized"));
		const char *www = http_header(&rs, "WWW-Authenticate");
		cr_assert(www && strncmp(www, "Bearer", 6) == 0, "WWW-Authenticate: %s",
		          www ? www : "(none)");
		http_response_free(&rs);
	}
	strcpy(s.key, KEY);
	it_call(&s, &rs, "GET", "/metrics", &direct);
	it_expect_status(&rs, 200);
	cr_assert(strstr(rs.body, "wfcd_"), "Prometheus text: %.200s", rs.body);
	http_response_free(&rs);
	/* health and readiness stay open for probes */
	it_opts open = {.no_auth = true, .direct = true};
	it_call(&s, &rs, "GET", "/healthz", &open);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	it_destroy(&s);
}

static int post_keyed(const it_server *s, const char *key, const char *body, char id[64])
{
	char h[160];
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	const char *hdrs[] = {h, NULL};
	it_opts o = {.headers = hdrs, .body = body};
	http_response rs;
	it_call(s, &rs, "POST", "/v1/jobs", &o);
	int status = rs.status;
	id[0] = '\0';
	if (status == 200 || status == 202) {
		cJSON *job = it_json(&rs);
		snprintf(id, 64, "%s", it_str(job, "id"));
		cJSON_Delete(job);
	} else {
		cJSON_Delete(it_problem(&rs, status, "conflict"));
	}
	http_response_free(&rs);
	return status;
}

Test(security, idempotency_keys_conflict_and_expire)
{
	it_require_server();
	it_server s = {0};
	/* finished jobs, and with them their keys, go after 3 s */
	const char *args[] = {"--result-ttl", "3s", NULL};
	it_start(&s, args);
	char *a = it_beach_spec(6, 6, ",\"seed\":8"), *b = it_beach_spec(6, 6, ",\"seed\":9");
	char first[64], again[64], other[64];
	int st = post_keyed(&s, "sec-key-1", a, first);
	cr_assert(st == 202 || st == 200, "%d", st);
	st = post_keyed(&s, "sec-key-1", a, again);
	cr_assert(st == 202 || st == 200, "replay: %d", st);
	cr_assert_str_eq(again, first, "same key and body: the same job");
	cr_assert_eq(post_keyed(&s, "sec-key-1", b, other), 422, "same key, other body");
	cJSON_Delete(it_wait_done(&s, first, 30));

	/* Past the TTL (housekeeping runs each second) the job is deleted and
	 * its key is free: the other body is now a new job. */
	char t[128];
	snprintf(t, sizeof t, "/v1/jobs/%s", first);
	http_response rs = {0};
	for (int i = 0; i < 100; i++) {
		it_sleep_ms(200);
		it_get(&s, &rs, t);
		int status = rs.status;
		http_response_free(&rs);
		if (status == 404) break;
	}
	it_get(&s, &rs, t);
	it_expect_status(&rs, 404);
	http_response_free(&rs);
	st = post_keyed(&s, "sec-key-1", b, other);
	cr_assert(st == 202 || st == 200, "an expired key is free: %d", st);
	cr_assert_str_neq(other, first);
	free(a);
	free(b);
	it_destroy(&s);
}

/* Every route that takes a name or id, with names that try to leave the
 * data directory: each is a 400 or 404, and files placed where such a path
 * would lead are untouched. */
Test(security, names_and_ids_never_leave_the_data_dir)
{
	const it_server *s = it_shared();
	char sentinel[2][200];
	snprintf(sentinel[0], sizeof sentinel[0], "%s/sentinel.json", s->dir);
	snprintf(sentinel[1], sizeof sentinel[1], "%s/sentinel.json", s->data_dir);
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(sentinel[i], "w");
		cr_assert(f, "%s", sentinel[i]);
		fputs("{}", f);
		fclose(f);
	}
	char longname[400];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	const char *names[] = {"..",
	                       "%2e%2e",
	                       "..%2f..%2fsentinel",
	                       "..%2Fsentinel",
	                       "%2e%2e%2fsentinel",
	                       "%2fetc%2fpasswd",
	                       "..%5c..%5csentinel",
	                       "j_aaaaaaaaaaaaaaaaaaaa%00..%2f..%2fsentinel",
	                       "sentinel",
	                       ".sentinel",
	                       longname};
	const char *routes[][2] = {{"GET", "/v1/jobs/%s"},        {"DELETE", "/v1/jobs/%s"},
	                           {"GET", "/v1/jobs/%s/result"}, {"GET", "/v1/tilesets/%s"},
	                           {"DELETE", "/v1/tilesets/%s"}, {"GET", "/v1/samples/%s"},
	                           {"DELETE", "/v1/samples/%s"},  {"GET", "/v1/library/%s"},
	                           {"GET", "/v1/models/%s"}};
	it_opts direct = {.direct = true};
	for (size_t r = 0; r < sizeof routes / sizeof *routes; r++)
		for (size_t n = 0; n < sizeof names / sizeof *names; n++) {
			char target[600];
			snprintf(target, sizeof target, routes[r][1], names[n]);
			http_response rs;
			it_call(s, &rs, routes[r][0], target, &direct);
			cr_assert(rs.status == 400 || rs.status == 404 || rs.status == 414,
			          "%s %.80s -> %d", routes[r][0], target, rs.status);
			http_response_free(&rs);
		}
	/* Names inside bodies: a library entry, a tileset id, an image path,
	 * a new model's name. */
	const char *bodies[][2] = {
	    {"/v1/jobs", "{\"library\":\"../sentinel\"}"},
	    {"/v1/jobs", "{\"library\":\"/etc/passwd\"}"},
	    {"/v1/jobs", "{\"tileset\":\"../../sentinel\"}"},
	    {"/v1/jobs", "{\"model\":\"overlapping\",\"width\":8,\"height\":8,"
	                 "\"sample\":{\"path\":\"/etc/hostname\"}}"},
	    {"/v1/jobs", "{\"model\":\"overlapping\",\"width\":8,\"height\":8,"
	                 "\"sample\":\"../sentinel.png\"}"},
	    {"/v1/models", "{\"name\":\"../sentinel\",\"library\":\"Terrain-Islands\"}"},
	    {"/v1/models", "{\"name\":\".hidden\",\"library\":\"Terrain-Islands\"}"},
	    {"/v1/models", "{\"name\":\"a/b\",\"library\":\"Terrain-Islands\"}"}};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		http_response rs;
		it_opts o = {.direct = true, .body = bodies[i][1]};
		it_call(s, &rs, "POST", bodies[i][0], &o);
		cr_assert(
		    rs.status == 400 || rs.status == 403 || rs.status == 404 || rs.status == 422,
		    "POST %s %s -> %d %.300s", bodies[i][0], bodies[i][1], rs.status, rs.body);
		http_response_free(&rs);
	}
	for (int i = 0; i < 2; i++) {
		char *text = it_read_text(sentinel[i]);
		cr_assert(text && !strcmp(text, "{}"), "%s was touched", sentinel[i]);
		free(text);
		unlink(sentinel[i]);
	}
	http_response rs;
	it_get(s, &rs, "/healthz");
	it_expect_status(&rs, 200);
	http_response_free(&rs);
}

/* ---- PNG bombs: a header declaring a large image, and nothing else ---- */

/* Signature + IHDR (1-bit grey, so a real IDAT for it could be a few KB
 * inflating to w * h * 4 bytes of RGBA) + IEND. A decoder that allocates
 * before checking the size fails later, on the missing data ("truncated");
 * one that checks the header names its limit. */
static size_t bomb_png(unsigned char out[45], uint32_t w, uint32_t h)
{
	png_craft_ihdr(out, w, h, 1, 0); /* 1-bit grey */
	png_be32(out + 33, 0);
	memcpy(out + 37, "IEND", 4);
	png_be32(out + 41, png_crc32(out + 37, 4));
	return 45;
}

static char *base64(const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	cr_assert(out);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		*o++ = a[v >> 18 & 63];
		*o++ = a[v >> 12 & 63];
		*o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? a[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void expect_refused(const http_response *rs, const char *limit)
{
	cJSON *p = it_problem(rs, 422, "invalid-spec");
	const char *detail = it_str(p, "detail");
	cr_assert(strstr(detail, limit) && !strstr(detail, "truncated"),
	          "refused from the header, naming the limit %s: %s", limit, detail);
	cJSON_Delete(p);
}

Test(security, png_bombs_are_refused_from_the_header)
{
	const it_server *s = it_shared();
	unsigned char png[45];
	/* a sample upload over the 1024 side limit, and one at the decoder's
	 * own 8192 x 8192 (256 MiB of RGBA) */
	const uint32_t sides[] = {2000, 8192};
	for (int i = 0; i < 2; i++) {
		size_t n = bomb_png(png, sides[i], sides[i]);
		http_response rs;
		it_opts o = {
		    .direct = true, .body = png, .body_len = n, .content_type = "image/png"};
		it_call(s, &rs, "POST", "/v1/samples", &o);
		expect_refused(&rs, "1024");
		http_response_free(&rs);

		/* the same PNG inline (base64) as a job's sample */
		char *b64 = base64(png, n);
		char body[400];
		snprintf(body, sizeof body,
		         "{\"model\":\"overlapping\",\"width\":8,\"height\":8,"
		         "\"sample\":\"data:image/png;base64,%s\"}",
		         b64);
		o = (it_opts){.direct = true, .body = body};
		it_call(s, &rs, "POST", "/v1/jobs", &o);
		expect_refused(&rs, "1024");
		http_response_free(&rs);

		/* and as a tile image (tiles: at most 256 per side) */
		snprintf(body, sizeof body,
		         "{\"model\":\"tiled\",\"width\":4,\"height\":4,\"tiles\":[{\"name\":\"a\","
		         "\"image\":\"data:image/png;base64,%s\"}],\"neighbors\":[{\"left\":\"a\","
		         "\"right\":\"a\"}]}",
		         b64);
		it_call(s, &rs, "POST", "/v1/jobs", &o);
		expect_refused(&rs, "256");
		http_response_free(&rs);
		free(b64);
	}
}

/* ---- Determinism ---- */

typedef struct {
	char *body[2]; /* png, json */
	size_t len[2];
	char etag[2][160];
} result_bytes;

static void fetch_result(const it_server *s, const char *id, result_bytes *r)
{
	static const char *const fmt[2] = {"png", "json"};
	for (int f = 0; f < 2; f++) {
		char t[160];
		snprintf(t, sizeof t, "/v1/jobs/%s/result?format=%s", id, fmt[f]);
		http_response rs;
		it_opts direct = {.direct = true};
		it_call(s, &rs, "GET", t, &direct);
		it_expect_status(&rs, 200);
		const char *etag = http_header(&rs, "ETag");
		cr_assert(etag);
		snprintf(r->etag[f], sizeof r->etag[f], "%s", etag);
		r->body[f] = malloc(rs.body_len + 1);
		cr_assert(r->body[f]);
		memcpy(r->body[f], rs.body, rs.body_len);
		r->len[f] = rs.body_len;
		http_response_free(&rs);
	}
}

static void expect_same(const result_bytes *a, const result_bytes *b, const char *what)
{
	for (int f = 0; f < 2; f++) {
		cr_assert(a->len[f] == b->len[f] && !memcmp(a->body[f], b->body[f], a->len[f]),
		          "%s: the %s result differs", what, f ? "JSON" : "PNG");
		cr_assert_str_eq(a->etag[f], b->etag[f], "%s: ETag", what);
	}
}

static void free_result(result_bytes *r)
{
	free(r->body[0]);
	free(r->body[1]);
}

/* Submits every spec (all queued before any is waited for, so two workers
 * run them side by side) and fetches each result. */
static void run_all(const it_server *s, char *const *specs, int n, result_bytes *out,
                    char ids[][64])
{
	for (int i = 0; i < n; i++) {
		cJSON *job = it_submit(s, specs[i]);
		snprintf(ids[i], 64, "%s", it_str(job, "id"));
		cJSON_Delete(job);
	}
	for (int i = 0; i < n; i++) {
		cJSON *job = it_wait_done(s, ids[i], 60);
		cr_assert_str_eq(it_str(job, "status"), "succeeded", "job %s", ids[i]);
		cJSON_Delete(job);
		fetch_result(s, ids[i], &out[i]);
	}
}

Test(determinism, same_bytes_with_one_or_two_workers_and_after_restarts)
{
	it_require_server();
	enum { N = 4 };
	/* overlapping and tiled, each twice */
	char *specs[N] = {
	    it_loops_spec(24, 24, ",\"seed\":42"), it_beach_spec(16, 16, ",\"seed\":7"),
	    it_loops_spec(24, 24, ",\"seed\":42"), it_beach_spec(16, 16, ",\"seed\":7")};
	result_bytes one[N], two[N], again[N];
	char ids1[N][64], ids2[N][64];
	it_server s = {0};
	const char *w1[] = {"--workers", "1", NULL};
	it_start(&s, w1);
	run_all(&s, specs, N, one, ids1);
	expect_same(&one[0], &one[2], "one worker, same spec twice");
	expect_same(&one[1], &one[3], "one worker, same spec twice");

	/* a restart with two workers: the stored results, then new runs */
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	const char *w2[] = {"--workers", "2", NULL};
	it_start(&s, w2);
	for (int i = 0; i < N; i++) {
		fetch_result(&s, ids1[i], &again[i]);
		expect_same(&one[i], &again[i], "stored result after a restart");
		free_result(&again[i]);
	}
	run_all(&s, specs, N, two, ids2);
	for (int i = 0; i < N; i++) {
		expect_same(&one[i], &two[i], "one worker vs two, across a restart");
		free_result(&one[i]);
		free_result(&two[i]);
		free(specs[i]);
	}
	it_destroy(&s);
}
