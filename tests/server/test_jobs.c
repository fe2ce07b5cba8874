/*
 * test_jobs.c - the job routes on the shared server: submit, poll,
 * long-poll, results in every format with ETags, listing with cursors,
 * idempotency keys, deletion, synchronous generation, and the errors of
 * each (400, 404, 406, 409, 413, 415, 422).
 */
#include "harness.h"

#include <regex.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static const char png_sig[8] = {(char)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void expect_job_id(const char *id)
{
	regex_t re;
	cr_assert_eq(regcomp(&re, "^j_[a-z2-7]{20}$", REG_EXTENDED | REG_NOSUB), 0);
	cr_assert_eq(regexec(&re, id, 0, NULL, 0), 0, "job id '%s' is not j_ + 20 base32", id);
	regfree(&re);
}

static void expect_time(const char *t)
{
	regex_t re;
	cr_assert_eq(regcomp(&re,
	                     "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$",
	                     REG_EXTENDED | REG_NOSUB),
	             0);
	cr_assert_eq(regexec(&re, t, 0, NULL, 0), 0, "time '%s' is not RFC 3339 UTC with ms", t);
	regfree(&re);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG's size from its IHDR, which must be the first chunk. */
static void expect_png(const http_response *rs, uint32_t w, uint32_t h)
{
	cr_assert_geq(rs->body_len, 33, "a PNG is at least 33 bytes");
	cr_assert(memcmp(rs->body, png_sig, 8) == 0, "no PNG signature");
	const unsigned char *b = (const unsigned char *)rs->body;
	cr_assert(memcmp(b + 12, "IHDR", 4) == 0);
	cr_assert_eq(be32(b + 16), w, "PNG width %u, want %u", be32(b + 16), w);
	cr_assert_eq(be32(b + 20), h, "PNG height %u, want %u", be32(b + 20), h);
}

static char *job_target(const cJSON *job, const char *suffix)
{
	static char t[160];
	snprintf(t, sizeof t, "/v1/jobs/%s%s", it_str(job, "id"), suffix);
	return t;
}

/* Submits and waits; the job must succeed. */
static cJSON *run_ok(const it_server *s, const char *spec)
{
	cJSON *job = it_submit(s, spec);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	job = it_wait_done(s, id, 60);
	cr_assert_str_eq(it_str(job, "status"), "succeeded", "job %s: %s", id,
	                 cJSON_PrintUnformatted(job));
	return job;
}

/* The beach rules, checked without the server's code: water and grass
 * are never side by side, and every cell is one of the three. */
static void check_beach_grid(const cJSON *grid, int w, int h)
{
	cr_assert_eq((int)it_num(grid, "width"), w);
	cr_assert_eq((int)it_num(grid, "height"), h);
	const cJSON *legend = cJSON_GetObjectItemCaseSensitive(grid, "legend");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(grid, "grid");
	cr_assert(cJSON_IsArray(legend) && cJSON_IsArray(rows));
	int nl = cJSON_GetArraySize(legend);
	char kind[16]; /* per legend entry: 'w', 's', 'g' */
	cr_assert(nl >= 1 && nl <= 3, "legend of %d entries", nl);
	for (int i = 0; i < nl; i++) {
		const char *e = cJSON_GetArrayItem(legend, i)->valuestring;
		cr_assert(e);
		cr_assert(!strcmp(e, "water 0") || !strcmp(e, "sand 0") || !strcmp(e, "grass 0"),
		          "legend entry '%s'", e);
		kind[i] = e[0];
	}
	cr_assert_eq(cJSON_GetArraySize(rows), h);
	static char cell[256][256];
	for (int y = 0; y < h; y++) {
		const cJSON *row = cJSON_GetArrayItem(rows, y);
		cr_assert_eq(cJSON_GetArraySize(row), w, "row %d", y);
		for (int x = 0; x < w; x++) {
			int v = cJSON_GetArrayItem(row, x)->valueint;
			cr_assert(v >= 0 && v < nl, "cell (%d,%d) = %d", x, y, v);
			cell[y][x] = kind[v];
		}
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			char a = cell[y][x];
			if (x + 1 < w)
				cr_assert(!((a == 'w' && cell[y][x + 1] == 'g') ||
				            (a == 'g' && cell[y][x + 1] == 'w')),
				          "water beside grass at (%d,%d)", x, y);
			if (y + 1 < h)
				cr_assert(!((a == 'w' && cell[y + 1][x] == 'g') ||
				            (a == 'g' && cell[y + 1][x] == 'w')),
				          "water above grass at (%d,%d)", x, y);
		}
}

Test(jobs, submit_poll_and_fetch_png)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(16, 12, ",\"seed\":5");
	http_response rs;
	it_post(s, &rs, "/v1/jobs", spec);
	cr_assert(rs.status == 202, "POST /v1/jobs without wait: %d %s", rs.status, rs.body);
	cJSON *job = it_json(&rs);
	const char *id = it_str(job, "id");
	expect_job_id(id);
	char loc[128];
	snprintf(loc, sizeof loc, "/v1/jobs/%s", id);
	cr_assert_str_eq(http_header(&rs, "Location"), loc);
	cr_assert_eq((int)it_num(job, "seed"), 5);
	cr_assert_str_eq(it_str(job, "model"), "tiled");
	cr_assert_eq((int)it_num(job, "width"), 16);
	cr_assert_eq((int)it_num(job, "height"), 12);
	expect_time(it_str(job, "createdAt"));
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(job, "links");
	cr_assert_str_eq(it_str(links, "self"), loc);
	http_response_free(&rs);

	cJSON *done = it_wait_done(s, id, 60);
	cr_assert_str_eq(it_str(done, "status"), "succeeded");
	cr_assert_geq((int)it_num(done, "attempts"), 1);
	cr_assert_float_eq(it_num(done, "progress"), 1.0, 1e-9);
	expect_time(it_str(done, "startedAt"));
	expect_time(it_str(done, "finishedAt"));
	cr_assert_str_eq(it_str(done, "createdAt"), it_str(job, "createdAt"));

	/* The default format is png: checked by prism, bytes read direct. */
	it_get(s, &rs, job_target(done, "/result"));
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "image/png");
	http_response_free(&rs);
	it_opts o = {.direct = true};
	it_call(s, &rs, "GET", job_target(done, "/result"), &o);
	it_expect_status(&rs, 200);
	expect_png(&rs, 32, 24); /* 16 x 12 tiles of 2 x 2 pixels */
	cr_assert(http_header(&rs, "ETag"), "result without ETag");
	http_response_free(&rs);
	cJSON_Delete(job);
	cJSON_Delete(done);
	free(spec);
}

Test(jobs, result_formats_and_negotiation)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(10, 8, ",\"seed\":11");
	cJSON *job = run_ok(s, spec);
	http_response rs;
	const cJSON *formats = cJSON_GetObjectItemCaseSensitive(job, "formats");
	cr_assert_eq(cJSON_GetArraySize(formats), 3, "a complete tiled run has png, json, text: %s",
	             cJSON_PrintUnformatted(formats));

	char t[200];
	snprintf(t, sizeof t, "%s?format=json", job_target(job, "/result"));
	it_get(s, &rs, t);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	cJSON *grid = it_json(&rs);
	check_beach_grid(grid, 10, 8);
	http_response_free(&rs);

	snprintf(t, sizeof t, "%s?format=text", job_target(job, "/result"));
	it_get(s, &rs, t);
	it_expect_status(&rs, 200);
	cr_assert(strncmp(http_header(&rs, "Content-Type"), "text/plain", 10) == 0);
	/* One line per row, each cell "<tile> <t>, ", as the reference writes. */
	int lines = 0;
	for (const char *p = rs.body; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 8, "text grid:\n%s", rs.body);
	cr_assert(strstr(rs.body, " 0, "), "text grid:\n%s", rs.body);
	http_response_free(&rs);

	/* Accept picks the format when ?format is absent. */
	const char *json_accept[] = {"Accept: application/json", NULL};
	it_opts o = {.headers = json_accept};
	it_call(s, &rs, "GET", job_target(job, "/result"), &o);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	http_response_free(&rs);
	const char *text_accept[] = {"Accept: image/png;q=0.5, text/plain", NULL};
	o.headers = text_accept;
	it_call(s, &rs, "GET", job_target(job, "/result"), &o);
	it_expect_status(&rs, 200);
	cr_assert(strncmp(http_header(&rs, "Content-Type"), "text/plain", 10) == 0);
	http_response_free(&rs);
	/* ?format wins over Accept. */
	snprintf(t, sizeof t, "%s?format=json", job_target(job, "/result"));
	o.headers = (const char *[]){"Accept: image/png", NULL};
	it_call(s, &rs, "GET", t, &o);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	http_response_free(&rs);

	cJSON_Delete(grid);
	cJSON_Delete(job);
	free(spec);
}

Test(jobs, job_format_is_the_default_result_format)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(6, 6, ",\"seed\":2,\"format\":\"json\"");
	cJSON *job = run_ok(s, spec);
	cr_assert_str_eq(it_str(job, "format"), "json");
	http_response rs;
	it_get(s, &rs, job_target(job, "/result"));
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	http_response_free(&rs);
	/* Without any Accept header too. */
	it_opts o = {.direct = true, .no_accept = true};
	it_call(s, &rs, "GET", job_target(job, "/result"), &o);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

Test(jobs, etag_and_if_none_match)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(8, 8, ",\"seed\":3");
	cJSON *job = run_ok(s, spec);
	http_response rs;
	it_opts direct = {.direct = true};
	it_call(s, &rs, "GET", job_target(job, "/result"), &direct);
	it_expect_status(&rs, 200);
	char etag[160];
	snprintf(etag, sizeof etag, "%s", http_header(&rs, "ETag"));
	cr_assert(etag[0] == '"' && etag[strlen(etag) - 1] == '"' && strlen(etag) > 2,
	          "a strong ETag is a quoted string: %s", etag);
	http_response_free(&rs);

	/* Same bytes, same tag. */
	it_call(s, &rs, "GET", job_target(job, "/result"), &direct);
	cr_assert_str_eq(http_header(&rs, "ETag"), etag);
	http_response_free(&rs);

	char inm[200];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	const char *hdrs[] = {inm, NULL};
	it_opts o = {.headers = hdrs};
	it_call(s, &rs, "GET", job_target(job, "/result"), &o);
	it_expect_status(&rs, 304);
	cr_assert_eq(rs.body_len, 0);
	http_response_free(&rs);

	/* Another format is other bytes: another tag, and no 304. */
	char t[200];
	snprintf(t, sizeof t, "%s?format=json", job_target(job, "/result"));
	it_call(s, &rs, "GET", t, &o);
	it_expect_status(&rs, 200);
	cr_assert_str_neq(http_header(&rs, "ETag"), etag);
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

Test(jobs, same_seed_same_result)
{
	const it_server *s = it_shared();
	char *spec = it_loops_spec(24, 24, ",\"seed\":42");
	cJSON *a = run_ok(s, spec), *b = run_ok(s, spec);
	cr_assert_str_neq(it_str(a, "id"), it_str(b, "id"));
	cr_assert_eq((int)it_num(a, "seed"), 42);
	http_response ra, rb;
	it_opts direct = {.direct = true};
	it_call(s, &ra, "GET", job_target(a, "/result"), &direct);
	it_call(s, &rb, "GET", job_target(b, "/result"), &direct);
	it_expect_status(&ra, 200);
	expect_png(&ra, 24, 24);
	cr_assert_eq(ra.body_len, rb.body_len);
	cr_assert(memcmp(ra.body, rb.body, ra.body_len) == 0, "same seed, different output");
	cr_assert_str_eq(http_header(&ra, "ETag"), http_header(&rb, "ETag"));
	http_response_free(&ra);
	http_response_free(&rb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	free(spec);
}

Test(jobs, seed_is_drawn_and_reported)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(4, 4, "");
	cJSON *job = it_submit(s, spec);
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(job, "seed");
	cr_assert(cJSON_IsNumber(seed), "a job always reports its seed");
	cr_assert_eq(seed->valuedouble, (double)(int32_t)seed->valuedouble, "seed is an int32");
	cJSON_Delete(job);
	free(spec);
}

Test(jobs, wait_query_returns_the_finished_job)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(8, 8, ",\"seed\":1");
	http_response rs;
	it_post(s, &rs, "/v1/jobs?wait=20", spec);
	it_expect_status(&rs, 200);
	cJSON *job = it_json(&rs);
	cr_assert_str_eq(it_str(job, "status"), "succeeded");
	http_response_free(&rs);

	/* A long poll on a finished job answers at once. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	it_get(s, &rs, job_target(job, "?wait=20"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	it_expect_status(&rs, 200);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 5, "a wait on a finished job must not wait");
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

Test(jobs, prefer_wait_is_applied)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(8, 8, ",\"seed\":1");
	const char *hdrs[] = {"Prefer: wait=20", NULL};
	it_opts o = {.headers = hdrs, .body = spec};
	http_response rs;
	it_call(s, &rs, "POST", "/v1/jobs", &o);
	it_expect_status(&rs, 200);
	const char *applied = http_header(&rs, "Preference-Applied");
	cr_assert(applied && strstr(applied, "wait=20"), "Preference-Applied: %s",
	          applied ? applied : "(none)");
	cJSON *job = it_json(&rs);
	cr_assert_str_eq(it_str(job, "status"), "succeeded");
	cJSON_Delete(job);
	http_response_free(&rs);
	free(spec);
}

Test(jobs, idempotency_key)
{
	const it_server *s = it_shared();
	char key[80];
	snprintf(key, sizeof key, "Idempotency-Key: it-%ld-%d", (long)time(NULL), getpid());
	char *spec = it_beach_spec(6, 6, ",\"seed\":8");
	const char *hdrs[] = {key, NULL};
	it_opts o = {.headers = hdrs, .body = spec};
	http_response rs;
	it_call(s, &rs, "POST", "/v1/jobs", &o);
	cr_assert(rs.status == 202 || rs.status == 200, "%d %s", rs.status, rs.body);
	cJSON *first = it_json(&rs);
	http_response_free(&rs);

	it_call(s, &rs, "POST", "/v1/jobs", &o);
	cr_assert(rs.status == 202 || rs.status == 200, "replay: %d %s", rs.status, rs.body);
	cJSON *again = it_json(&rs);
	cr_assert_str_eq(it_str(again, "id"), it_str(first, "id"), "a replay is the same job");
	http_response_free(&rs);

	char *other = it_beach_spec(6, 6, ",\"seed\":9");
	o.body = other;
	it_call(s, &rs, "POST", "/v1/jobs", &o);
	cJSON_Delete(it_problem(&rs, 422, "conflict")); /* the key reused for another body */
	http_response_free(&rs);
	cJSON_Delete(first);
	cJSON_Delete(again);
	free(spec);
	free(other);
}

/* Finds the n ids in one walk of the newest-first listing, following
 * cursors: pos[k] is ids[k]'s position counted over all pages, or -1.
 * One walk, because other tests submit jobs meanwhile (the suite runs in
 * parallel on a shared server): each newer job shifts every position of a
 * later walk, while a cursor walk already begun is not moved by them. */
static void list_positions(const it_server *s, char (*ids)[64], int n, int limit, int *pos)
{
	char target[512];
	snprintf(target, sizeof target, "/v1/jobs?limit=%d", limit);
	int found = 0, at = 0;
	for (int k = 0; k < n; k++)
		pos[k] = -1;
	for (int page = 0; page < 200 && found < n; page++) {
		cJSON *body = it_get_json(s, target);
		const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(body, "jobs");
		cr_assert(cJSON_IsArray(jobs));
		cr_assert_leq(cJSON_GetArraySize(jobs), limit, "a page is at most ?limit long");
		const cJSON *j;
		cJSON_ArrayForEach(j, jobs)
		{
			for (int k = 0; k < n; k++)
				if (pos[k] < 0 && strcmp(it_str(j, "id"), ids[k]) == 0)
					pos[k] = at, found++;
			at++;
		}
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(body, "next");
		if (cJSON_IsNull(next)) {
			cJSON_Delete(body);
			return;
		}
		cr_assert(cJSON_IsString(next) && *next->valuestring, "next is a cursor or null");
		/* The cursor goes back as it came: base32 and digits need no escaping,
		 * anything else would be the server's to make URL-safe. */
		snprintf(target, sizeof target, "/v1/jobs?limit=%d&cursor=%s", limit,
		         next->valuestring);
		cJSON_Delete(body);
	}
}

Test(jobs, list_is_newest_first_with_cursors)
{
	const it_server *s = it_shared();
	char ids[3][64];
	for (int i = 0; i < 3; i++) {
		char extra[32];
		snprintf(extra, sizeof extra, ",\"seed\":%d", 100 + i);
		char *spec = it_beach_spec(4, 4, extra);
		cJSON *job = it_submit(s, spec);
		snprintf(ids[i], sizeof ids[i], "%s", it_str(job, "id"));
		cJSON_Delete(job);
		free(spec);
		it_sleep_ms(5); /* distinct creation times */
	}
	/* Pages of 2 force cursors; other tests' jobs may sit in between. */
	int p[3];
	list_positions(s, ids, 3, 2, p);
	int p0 = p[0], p1 = p[1], p2 = p[2];
	cr_assert(p0 >= 0 && p1 >= 0 && p2 >= 0, "listed: %d %d %d", p0, p1, p2);
	cr_assert(p2 < p1 && p1 < p0, "newest first: positions %d %d %d", p2, p1, p0);

	http_response rs;
	it_get(s, &rs, "/v1/jobs");
	it_expect_status(&rs, 200);
	cJSON *body = it_json(&rs);
	cr_assert_leq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "jobs")), 50,
	              "the default page is 50");
	cJSON_Delete(body);
	http_response_free(&rs);
}

Test(jobs, bad_cursor_is_400)
{
	http_response rs;
	it_get(it_shared(), &rs, "/v1/jobs?cursor=not-a-cursor");
	cJSON_Delete(it_problem(&rs, 400, "malformed"));
	http_response_free(&rs);
}

Test(jobs, unknown_job_is_404)
{
	const it_server *s = it_shared();
	const char *targets[] = {"/v1/jobs/j_aaaaaaaaaaaaaaaaaaaa",
	                         "/v1/jobs/j_aaaaaaaaaaaaaaaaaaaa/result", "/v1/jobs/nope",
	                         "/v1/jobs/..%2F..%2Fetc"};
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		http_response rs;
		it_get(s, &rs, targets[i]);
		cJSON_Delete(it_problem(&rs, 404, "not-found"));
		http_response_free(&rs);
	}
	http_response rs;
	it_delete(s, &rs, "/v1/jobs/j_aaaaaaaaaaaaaaaaaaaa");
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
}

Test(jobs, delete_finished_job_is_204)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(4, 4, ",\"seed\":4");
	cJSON *job = run_ok(s, spec);
	http_response rs;
	it_delete(s, &rs, job_target(job, ""));
	it_expect_status(&rs, 204);
	cr_assert_eq(rs.body_len, 0);
	http_response_free(&rs);
	it_get(s, &rs, job_target(job, ""));
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	it_get(s, &rs, job_target(job, "/result"));
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

/* One tile and no rules: no two cells may touch, so every attempt
 * contradicts. */
static const char unsat_spec[] = "{\"model\":\"tiled\",\"width\":4,\"height\":4,\"attempts\":2,"
                                 "\"seed\":1,\"tiles\":[{\"name\":\"a\",\"color\":\"#000000\"}],"
                                 "\"neighbors\":[]}";

Test(jobs, unsatisfiable_job_fails_and_has_no_result)
{
	const it_server *s = it_shared();
	cJSON *job = it_submit(s, unsat_spec);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	job = it_wait_done(s, id, 30);
	cr_assert_str_eq(it_str(job, "status"), "failed");
	cr_assert_eq((int)it_num(job, "attempts"), 2, "every attempt was made");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(job, "error");
	cr_assert(cJSON_IsObject(err), "a failed job carries its problem");
	cr_assert_str_eq(it_str(err, "type"), IT_PROBLEM_BASE "unsatisfiable");
	cr_assert_eq((int)it_num(err, "status"), 422);
	http_response rs;
	it_get(s, &rs, job_target(job, "/result"));
	cJSON_Delete(it_problem(&rs, 409, "conflict"));
	http_response_free(&rs);
	cJSON_Delete(job);
}

Test(jobs, text_result_of_overlapping_job_is_406)
{
	const it_server *s = it_shared();
	char *spec = it_loops_spec(12, 12, ",\"seed\":3");
	cJSON *job = run_ok(s, spec);
	char t[200];
	snprintf(t, sizeof t, "%s?format=text", job_target(job, "/result"));
	http_response rs;
	it_get(s, &rs, t);
	cJSON_Delete(it_problem(&rs, 406, "not-acceptable"));
	http_response_free(&rs);
	const char *gif[] = {"Accept: image/gif", NULL};
	it_opts o = {.headers = gif};
	it_call(s, &rs, "GET", job_target(job, "/result"), &o);
	cJSON_Delete(it_problem(&rs, 406, "not-acceptable"));
	http_response_free(&rs);
	it_post(s, &rs, "/v1/generate?format=text", spec);
	cJSON_Delete(it_problem(&rs, 406, "not-acceptable"));
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

Test(generate, answers_with_the_result_and_headers)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(9, 7, ",\"seed\":21");
	http_response rs;
	it_post(s, &rs, "/v1/generate?format=json", spec);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "application/json");
	cr_assert_str_eq(http_header(&rs, "X-Wfc-Seed"), "21");
	cr_assert_geq(atoi(http_header(&rs, "X-Wfc-Attempts")), 1);
	const char *jid = http_header(&rs, "X-Wfc-Job");
	expect_job_id(jid);
	cJSON *grid = it_json(&rs);
	check_beach_grid(grid, 9, 7);

	/* The job stays readable. */
	char t[128];
	snprintf(t, sizeof t, "/v1/jobs/%s", jid);
	cJSON *job = it_get_json(s, t);
	cr_assert_str_eq(it_str(job, "status"), "succeeded");
	cr_assert_eq((int)it_num(job, "seed"), 21);
	cJSON_Delete(job);
	cJSON_Delete(grid);
	http_response_free(&rs);

	/* PNG by default; bytes direct. */
	it_opts o = {.direct = true, .body = spec};
	it_call(s, &rs, "POST", "/v1/generate", &o);
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "image/png");
	expect_png(&rs, 18, 14);
	http_response_free(&rs);
	it_post(s, &rs, "/v1/generate?format=text", spec);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	free(spec);
}

Test(generate, unsatisfiable_is_422)
{
	http_response rs;
	it_post(it_shared(), &rs, "/v1/generate", unsat_spec);
	cJSON_Delete(it_problem(&rs, 422, "unsatisfiable"));
	http_response_free(&rs);
}

/* ---- Bad requests. Those the contract itself forbids go direct: prism
 * would refuse them before the server sees them. ---- */

static cJSON *post_direct(const char *target, const char *body, const char *ctype, int status,
                          const char *slug)
{
	http_response rs;
	it_opts o = {.direct = true, .body = body, .content_type = ctype};
	it_call(it_shared(), &rs, "POST", target, &o);
	cJSON *p = it_problem(&rs, status, slug);
	http_response_free(&rs);
	return p;
}

static void expect_pointer(const cJSON *p, const char *pointer)
{
	cr_assert_str_eq(it_str(p, "pointer"), pointer, "pointer '%s', want '%s', of: %s",
	                 it_str(p, "pointer"), pointer, it_str(p, "detail"));
}

Test(errors, malformed_json_is_400)
{
	cJSON_Delete(post_direct("/v1/jobs", "{\"model\":", NULL, 400, "malformed"));
	cJSON_Delete(post_direct("/v1/jobs", "[1,2]", NULL, 400, "malformed"));
	cJSON_Delete(post_direct("/v1/generate", "{\"a\":1,}", NULL, 400, "malformed"));
	cJSON_Delete(post_direct("/v1/tilesets", "nope", NULL, 400, "malformed"));
	cJSON_Delete(post_direct("/v1/jobs", "", NULL, 400, "malformed"));
}

Test(errors, limits_and_options_are_422_with_pointer)
{
	/* Valid for the schema (so through prism), refused by the server. */
	const it_server *s = it_shared();
	http_response rs;
	char *spec = it_loops_spec(8, 8, ",\"format\":\"text\"");
	it_post(s, &rs, "/v1/jobs", spec);
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/format");
	cJSON_Delete(p);
	http_response_free(&rs);
	free(spec);

	/* Over the default --max-cells (1048576) but within the spec's range. */
	spec = it_beach_spec(2048, 2048, "");
	it_post(s, &rs, "/v1/jobs", spec);
	p = it_problem(&rs, 422, "invalid-spec");
	const char *ptr = it_str(p, "pointer");
	cr_assert(!strcmp(ptr, "/width") || !strcmp(ptr, "/height"), "pointer %s", ptr);
	cJSON_Delete(p);
	http_response_free(&rs);
	free(spec);
}

Test(errors, deep_json_is_400)
{
	char deep[200];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	char body[300];
	snprintf(body, sizeof body, "{\"library\":%s}", deep);
	cJSON_Delete(post_direct("/v1/jobs", body, NULL, 400, "malformed"));
}

Test(jobs, limit_leaves_only_png)
{
	/* A run stopped by `limit` is partial: rendered as a PNG only. */
	const it_server *s = it_shared();
	char *spec = it_beach_spec(12, 12, ",\"seed\":1,\"limit\":3");
	cJSON *job = run_ok(s, spec);
	const cJSON *formats = cJSON_GetObjectItemCaseSensitive(job, "formats");
	cr_assert(cJSON_IsArray(formats) && cJSON_GetArraySize(formats) == 1, "formats: %s",
	          cJSON_PrintUnformatted(formats));
	cr_assert_str_eq(cJSON_GetArrayItem(formats, 0)->valuestring, "png");
	char t[200];
	snprintf(t, sizeof t, "%s?format=json", job_target(job, "/result"));
	http_response rs;
	it_get(s, &rs, t);
	cJSON_Delete(it_problem(&rs, 406, "not-acceptable"));
	http_response_free(&rs);
	it_get(s, &rs, job_target(job, "/result"));
	it_expect_status(&rs, 200);
	cr_assert_str_eq(http_header(&rs, "Content-Type"), "image/png");
	http_response_free(&rs);
	cJSON_Delete(job);
	free(spec);
}

Test(errors, bad_query_parameters_are_400)
{
	/* Direct: the contract types these parameters, so prism refuses them.
	 * On a job that exists, since an unknown one is 404 first. */
	char *spec = it_beach_spec(4, 4, "");
	cJSON *job = it_submit(it_shared(), spec);
	char wait_soon[160], wait_neg[160];
	snprintf(wait_soon, sizeof wait_soon, "%s", job_target(job, "?wait=soon"));
	snprintf(wait_neg, sizeof wait_neg, "%s", job_target(job, "?wait=-1"));
	cJSON_Delete(job);
	const char *targets[] = {wait_soon, "/v1/jobs?limit=many", "/v1/jobs?limit=0", wait_neg};
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		http_response rs;
		it_opts o = {.direct = true};
		it_call(it_shared(), &rs, "GET", targets[i], &o);
		cr_assert_eq(rs.status, 400, "GET %s: %d %s", targets[i], rs.status, rs.body);
		cJSON_Delete(it_problem(&rs, 400, "malformed"));
		http_response_free(&rs);
	}
	http_response rs;
	it_opts o = {.direct = true, .body = spec};
	it_call(it_shared(), &rs, "POST", "/v1/jobs?wait=x", &o);
	cJSON_Delete(it_problem(&rs, 400, "malformed"));
	http_response_free(&rs);
	free(spec);
}

Test(errors, wrong_media_type_is_415)
{
	cJSON_Delete(post_direct("/v1/jobs", "{}", "text/plain", 415, "unsupported-media-type"));
	cJSON_Delete(post_direct("/v1/generate", "{}", "application/x-www-form-urlencoded", 415,
	                         "unsupported-media-type"));
	cJSON_Delete(post_direct("/v1/tilesets", "{}", "image/png", 415, "unsupported-media-type"));
	cJSON_Delete(
	    post_direct("/v1/samples", "GIF89a", "image/gif", 415, "unsupported-media-type"));
}

Test(errors, body_over_the_limit_is_413)
{
	/* Over the default 16 MiB limit; the server may answer before reading it
	 * all (the client copes with the reset). */
	size_t n = (17u << 20);
	char *big = malloc(n + 1);
	cr_assert(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	http_response rs;
	it_opts o = {.direct = true, .body = big, .body_len = n};
	it_call(it_shared(), &rs, "POST", "/v1/jobs", &o);
	cJSON_Delete(it_problem(&rs, 413, "too-large"));
	http_response_free(&rs);
	free(big);
}

Test(errors, schema_violations_are_422_with_pointer)
{
	cJSON *p;
	char *spec = it_beach_spec(5000, 4, "");
	p = post_direct("/v1/jobs", spec, NULL, 422, "invalid-spec");
	expect_pointer(p, "/width");
	cJSON_Delete(p);
	free(spec);

	spec = it_beach_spec(4, 4, ",\"widht\":3");
	p = post_direct("/v1/jobs", spec, NULL, 422, "invalid-spec");
	expect_pointer(p, "/widht");
	cJSON_Delete(p);
	free(spec);

	spec = it_beach_spec(4, 4, ",\"N\":3");
	p = post_direct("/v1/jobs", spec, NULL, 422, "invalid-spec");
	expect_pointer(p, "/N");
	cJSON_Delete(p);
	free(spec);

	/* Two sources: refused at the second. */
	p = post_direct("/v1/jobs", "{\"library\":\"x\",\"tileset\":\"ts_aaaaaaaaaaaaaaaaaaaa\"}",
	                NULL, 422, "invalid-spec");
	expect_pointer(p, "/tileset");
	cJSON_Delete(p);

	p = post_direct("/v1/jobs",
	                "{\"model\":\"overlapping\",\"sample\":\"samples/Flowers.png\"}", NULL, 422,
	                "invalid-spec");
	expect_pointer(p, "/sample");
	cr_assert(strstr(it_str(p, "detail"), "file paths are not accepted"), "%s",
	          it_str(p, "detail"));
	cJSON_Delete(p);

	p = post_direct("/v1/jobs",
	                "{\"model\":\"overlapping\",\"sample\":{\"path\":\"/etc/passwd\"}}", NULL,
	                422, "invalid-spec");
	cr_assert(strncmp(it_str(p, "pointer"), "/sample", 7) == 0, "pointer %s",
	          it_str(p, "pointer"));
	cJSON_Delete(p);

	spec = it_beach_spec(4, 4, ",\"format\":\"gif\"");
	p = post_direct("/v1/jobs", spec, NULL, 422, "invalid-spec");
	expect_pointer(p, "/format");
	cJSON_Delete(p);
	free(spec);
}

Test(errors, semantic_errors_are_422_with_pointer)
{
	/* Valid for the schema, so these go through prism: the server's own
	 * 422 answers are checked against the contract too. */
	const it_server *s = it_shared();
	http_response rs;
	it_post(
	    s, &rs, "/v1/jobs",
	    "{\"model\":\"tiled\",\"tiles\":[{\"name\":\"a\",\"color\":\"#000000\"}],"
	    "\"neighbors\":[{\"left\":\"a\",\"right\":\"a\"},{\"left\":\"rod\",\"right\":\"a\"}]}");
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/neighbors/1/left");
	cJSON_Delete(p);
	http_response_free(&rs);

	it_post(s, &rs, "/v1/jobs",
	        "{\"model\":\"tiled\",\"tiles\":[{\"name\":\"a\",\"color\":\"#000000\"},"
	        "{\"name\":\"a\",\"color\":\"#ffffff\"}],\"neighbors\":[]}");
	p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/tiles/1/name");
	cJSON_Delete(p);
	http_response_free(&rs);

	it_post(s, &rs, "/v1/jobs", "{\"library\":\"No-Such-Entry\"}");
	p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/library");
	cJSON_Delete(p);
	http_response_free(&rs);

	it_post(s, &rs, "/v1/jobs", "{\"tileset\":\"ts_aaaaaaaaaaaaaaaaaaaa\"}");
	p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/tileset");
	cJSON_Delete(p);
	http_response_free(&rs);

	it_post(s, &rs, "/v1/generate", "{\"sample\":\"sm_aaaaaaaaaaaaaaaaaaaa\"}");
	p = it_problem(&rs, 422, "invalid-spec");
	expect_pointer(p, "/sample");
	cJSON_Delete(p);
	http_response_free(&rs);
}
