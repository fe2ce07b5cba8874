/*
 * test_resources.c - tilesets, samples and the library: register, list,
 * read, use as a job source, delete.
 */
#include "harness.h"

#include <signal.h>
#include <string.h>

static bool list_has(const it_server *s, const char *target, const char *member, const char *id)
{
	http_response rs;
	it_get(s, &rs, target);
	it_expect_status(&rs, 200);
	cJSON *body = it_json(&rs);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, member);
	cr_assert(cJSON_IsArray(arr), "%s has no '%s' array", target, member);
	bool found = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		if (strcmp(it_str(e, "id"), id) == 0) found = true;
	}
	cJSON_Delete(body);
	http_response_free(&rs);
	return found;
}

static cJSON *run_ok(const it_server *s, const char *body)
{
	cJSON *job = it_submit(s, body);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	job = it_wait_done(s, id, 60);
	cr_assert_str_eq(it_str(job, "status"), "succeeded", "%s", cJSON_PrintUnformatted(job));
	return job;
}

Test(tilesets, register_use_and_delete)
{
	const it_server *s = it_shared();
	char *spec = it_beach_spec(12, 12, ",\"seed\":6");
	http_response rs;
	it_post(s, &rs, "/v1/tilesets", spec);
	it_expect_status(&rs, 201);
	cJSON *ts = it_json(&rs);
	const char *id = it_str(ts, "id");
	cr_assert(strncmp(id, "ts_", 3) == 0, "tileset id %s", id);
	char loc[128];
	snprintf(loc, sizeof loc, "/v1/tilesets/%s", id);
	cr_assert_str_eq(http_header(&rs, "Location"), loc);
	cr_assert_str_eq(it_str(ts, "name"), "Beach");
	cr_assert_eq((int)it_num(ts, "tiles"), 3);
	cr_assert_eq((int)it_num(ts, "variants"), 3, "symmetry X: one variant per tile");
	it_str(ts, "createdAt");
	http_response_free(&rs);

	cr_assert(list_has(s, "/v1/tilesets", "tilesets", id));

	it_get(s, &rs, loc);
	it_expect_status(&rs, 200);
	cJSON *detail = it_json(&rs);
	cr_assert_str_eq(it_str(detail, "id"), id);
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(detail, "spec");
	cr_assert(cJSON_IsObject(sp), "GET /v1/tilesets/{id} carries the spec");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sp, "tiles")), 3);
	cJSON_Delete(detail);
	http_response_free(&rs);

	/* As a job source; the tileset's own options are defaults. */
	char body[160];
	snprintf(body, sizeof body, "{\"tileset\":\"%s\",\"width\":5,\"height\":4}", id);
	cJSON *job = run_ok(s, body);
	cr_assert_str_eq(it_str(job, "model"), "tiled");
	cr_assert_eq((int)it_num(job, "width"), 5);
	cr_assert_eq((int)it_num(job, "height"), 4);
	cr_assert_eq((int)it_num(job, "seed"), 6, "the tileset's seed is the default");
	cJSON_Delete(job);

	it_delete(s, &rs, loc);
	it_expect_status(&rs, 204);
	http_response_free(&rs);
	it_get(s, &rs, loc);
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	it_delete(s, &rs, loc);
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	cr_assert(!list_has(s, "/v1/tilesets", "tilesets", id));
	cJSON_Delete(ts);
	free(spec);
}

Test(tilesets, overlapping_spec_is_refused)
{
	char *spec = it_loops_spec(8, 8, "");
	http_response rs;
	it_opts o = {.direct = true, .body = spec};
	it_call(it_shared(), &rs, "POST", "/v1/tilesets", &o);
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	cr_assert_str_eq(it_str(p, "pointer"), "/model");
	cJSON_Delete(p);
	http_response_free(&rs);
	free(spec);
}

Test(samples, register_json_use_and_delete)
{
	const it_server *s = it_shared();
	char *spec = it_loops_spec(20, 20, ",\"seed\":13");
	http_response rs;
	it_post(s, &rs, "/v1/samples", spec);
	it_expect_status(&rs, 201);
	cJSON *sm = it_json(&rs);
	const char *id = it_str(sm, "id");
	cr_assert(strncmp(id, "sm_", 3) == 0, "sample id %s", id);
	char loc[128];
	snprintf(loc, sizeof loc, "/v1/samples/%s", id);
	cr_assert_str_eq(http_header(&rs, "Location"), loc);
	cr_assert_str_eq(it_str(sm, "name"), "Loops");
	cr_assert_eq((int)it_num(sm, "width"), 7);
	cr_assert_eq((int)it_num(sm, "height"), 7);
	cr_assert_eq((int)it_num(sm, "colors"), 2);
	http_response_free(&rs);

	cr_assert(list_has(s, "/v1/samples", "samples", id));
	it_get(s, &rs, loc);
	it_expect_status(&rs, 200);
	cJSON *detail = it_json(&rs);
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(detail, "spec");
	cr_assert(cJSON_IsObject(sp), "GET /v1/samples/{id} carries the spec");
	cr_assert_str_eq(it_str(sp, "model"), "overlapping");
	cJSON_Delete(detail);
	http_response_free(&rs);

	char body[160];
	snprintf(body, sizeof body, "{\"sample\":\"%s\",\"width\":10,\"height\":9}", id);
	cJSON *job = run_ok(s, body);
	cr_assert_str_eq(it_str(job, "model"), "overlapping");
	cr_assert_eq((int)it_num(job, "width"), 10);
	cr_assert_eq((int)it_num(job, "seed"), 13);
	cJSON_Delete(job);

	it_delete(s, &rs, loc);
	it_expect_status(&rs, 204);
	http_response_free(&rs);
	it_get(s, &rs, loc);
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	cJSON_Delete(sm);
	free(spec);
}

Test(samples, register_png_upload)
{
	/* Direct: prism carries bodies as UTF-8 text, which a PNG is not. */
	const it_server *s = it_shared();
	size_t n;
	unsigned char *png = it_loops_png(&n);
	http_response rs;
	it_opts o = {.direct = true, .body = png, .body_len = n, .content_type = "image/png"};
	it_call(s, &rs, "POST", "/v1/samples?name=LoopsPng&N=3&symmetry=8&periodicInput=true", &o);
	it_expect_status(&rs, 201);
	cJSON *sm = it_json(&rs);
	cr_assert_str_eq(it_str(sm, "name"), "LoopsPng");
	cr_assert_eq((int)it_num(sm, "width"), 7);
	cr_assert_eq((int)it_num(sm, "colors"), 2);
	http_response_free(&rs);

	/* Read back through prism: the metadata and spec match the contract. */
	char loc[128];
	snprintf(loc, sizeof loc, "/v1/samples/%s", it_str(sm, "id"));
	it_get(s, &rs, loc);
	it_expect_status(&rs, 200);
	cJSON *detail = it_json(&rs);
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(detail, "spec");
	cr_assert_eq((int)it_num(sp, "N"), 3);
	cJSON_Delete(detail);
	http_response_free(&rs);

	/* Not a PNG. */
	o.body = "not a png at all";
	o.body_len = 0;
	it_call(s, &rs, "POST", "/v1/samples", &o);
	cJSON_Delete(it_problem(&rs, 422, "invalid-spec"));
	http_response_free(&rs);
	/* A bad option. */
	o.body = png;
	o.body_len = n;
	it_call(s, &rs, "POST", "/v1/samples?N=99", &o);
	cJSON_Delete(it_problem(&rs, 422, "invalid-spec"));
	http_response_free(&rs);
	cJSON_Delete(sm);
	free(png);
}

Test(library, lists_entries_and_loads_one)
{
	IT_REQUIRE_LIBRARY();
	const it_server *s = it_shared();
	http_response rs;
	it_get(s, &rs, "/v1/library");
	it_expect_status(&rs, 200);
	cJSON *lib = it_json(&rs);
	http_response_free(&rs);
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(lib, "entries");
	cr_assert(cJSON_IsArray(entries) && cJSON_GetArraySize(entries) > 0, "an empty library");
	const cJSON *first_tiled = NULL, *first_overlapping = NULL, *e;
	cJSON_ArrayForEach(e, entries)
	{
		const char *model = it_str(e, "model");
		if (!first_tiled && !strcmp(model, "tiled")) first_tiled = e;
		if (!first_overlapping && !strcmp(model, "overlapping")) first_overlapping = e;
	}
	const cJSON *pick[2] = {first_overlapping, first_tiled};
	for (int i = 0; i < 2; i++) {
		if (!pick[i]) continue;
		const char *name = it_str(pick[i], "name");
		char t[300];
		snprintf(t, sizeof t, "/v1/library/%s", name);
		it_get(s, &rs, t);
		it_expect_status(&rs, 200);
		cJSON *d = it_json(&rs);
		cr_assert_str_eq(it_str(d, "name"), name);
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(d, "spec");
		cr_assert(cJSON_IsObject(spec));
		cr_assert_str_eq(it_str(spec, "model"), it_str(pick[i], "model"));
		cJSON_Delete(d);
		http_response_free(&rs);

		/* Small and seeded, so fast; the entry must generate. */
		char body[300];
		snprintf(
		    body, sizeof body,
		    "{\"library\":\"%s\",\"width\":12,\"height\":12,\"seed\":1,\"attempts\":20}",
		    name);
		cJSON *job = it_submit(s, body);
		char id[64];
		snprintf(id, sizeof id, "%s", it_str(job, "id"));
		cJSON_Delete(job);
		job = it_wait_done(s, id, 60);
		cr_assert(!strcmp(it_str(job, "status"), "succeeded") ||
		              !strcmp(it_str(job, "status"), "failed"),
		          "library job: %s", cJSON_PrintUnformatted(job));
		cr_assert_str_eq(it_str(job, "model"), it_str(pick[i], "model"));
		cr_assert_eq((int)it_num(job, "width"), 12);
		cJSON_Delete(job);
	}
	it_get(s, &rs, "/v1/library/No-Such-Entry");
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	cJSON_Delete(lib);
}

Test(library, reference_corpus_entries)
{
	/* A server on the reference corpus: 88 entries, named as api/library.h
	 * says, each loadable and runnable. */
	const char *shared =
	    getenv("WFC_SHARED") && *getenv("WFC_SHARED") ? getenv("WFC_SHARED") : "../shared";
	char dir[512], probe[600];
	snprintf(dir, sizeof dir, "%s/corpus", shared);
	snprintf(probe, sizeof probe, "%s/samples.xml", dir);
	if (access(probe, R_OK) != 0)
		cr_skip_test("needs the reference corpus (../shared or WFC_SHARED)");
	it_server s = {.library = dir};
	it_start(&s, NULL);
	http_response rs;
	it_get(&s, &rs, "/v1/library");
	it_expect_status(&rs, 200);
	cJSON *lib = it_json(&rs);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lib, "entries")), 88);
	cJSON_Delete(lib);
	http_response_free(&rs);
	const char *names[] = {"Flowers", "Knots-Standard", "Chess-2"};
	for (int i = 0; i < 3; i++) {
		char t[128];
		snprintf(t, sizeof t, "/v1/library/%s", names[i]);
		it_get(&s, &rs, t);
		it_expect_status(&rs, 200);
		http_response_free(&rs);
	}
	it_post(&s, &rs, "/v1/generate?format=json",
	        "{\"library\":\"Flowers\",\"width\":16,\"height\":16,\"seed\":1}");
	cr_assert(rs.status == 200 || rs.status == 422, "Flowers: %d %s", rs.status, rs.body);
	http_response_free(&rs);
	it_get(&s, &rs, "/v1/library/flowers");
	cJSON_Delete(it_problem(&rs, 404, "not-found")); /* names are case-sensitive */
	http_response_free(&rs);
	cr_assert_eq(it_stop(&s, SIGTERM, 20000), 0);
	it_destroy(&s);
}
