/*
 * test_srv_problem.c - RFC 9457 problem details (server/problem.c) and the
 * resource ids (server/ids.c).
 */
#include "../api/json_spec.h"
#include "../server/ids.h"
#include "../server/problem.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static cJSON *parse(const char *text)
{
	cJSON *root = NULL;
	api_error e = {0};
	cr_assert_eq(api_json_parse(text, strlen(text), &root, &e), API_OK, "%s: %s", text,
	             e.message);
	return root;
}

Test(srv_problem, json_fields_and_escaping)
{
	srv_problem p;
	cr_assert_eq(srv_problem_set(&p, 422, "invalid-spec", "/neighbors/6/right",
	                             "tile '%s' is not in the tileset", "r\"o\\d\n"),
	             422);
	char *json = srv_problem_json(&p);
	cJSON *root = parse(json);
	cr_assert_str_eq(cJSON_GetObjectItem(root, "type")->valuestring,
	                 "https://wfcd.dev/problems/invalid-spec");
	cr_assert_str_eq(cJSON_GetObjectItem(root, "title")->valuestring, "Invalid spec");
	cr_assert_eq(cJSON_GetObjectItem(root, "status")->valueint, 422);
	cr_assert_str_eq(cJSON_GetObjectItem(root, "detail")->valuestring,
	                 "tile 'r\"o\\d\n' is not in the tileset");
	cr_assert_str_eq(cJSON_GetObjectItem(root, "pointer")->valuestring, "/neighbors/6/right");
	cJSON_Delete(root);
	free(json);
}

Test(srv_problem, pointer_only_when_given)
{
	srv_problem p;
	srv_problem_set(&p, 404, "not-found", NULL, "no job 'x'");
	char *json = srv_problem_json(&p);
	cr_assert_null(strstr(json, "pointer"));
	free(json);
	srv_problem_set(&p, 400, "malformed", "", "bad JSON");
	json = srv_problem_json(&p);
	cr_assert(strstr(json, "\"pointer\":\"\""), "the whole document: %s", json);
	free(json);
}

Test(srv_problem, from_api_error)
{
	api_error e = {"'width' must be from 1 to 4096, got 5000", "/width"};
	srv_problem p;
	srv_problem_from_api(&p, 422, "invalid-spec", &e);
	cr_assert(p.has_pointer);
	cr_assert_str_eq(p.pointer, "/width");
	api_error whole = {"malformed", ""};
	srv_problem_from_api(&p, 400, "malformed", &whole);
	cr_assert_not(p.has_pointer);
}

Test(srv_problem, cjson_round_trip)
{
	srv_problem p, q;
	srv_problem_set(&p, 422, "unsatisfiable", "/seed", "every one of the %d attempts failed",
	                10);
	cJSON *obj = srv_problem_to_cjson(&p);
	cr_assert(srv_problem_from_cjson(obj, &q));
	cr_assert_eq(q.status, 422);
	cr_assert_str_eq(q.slug, "unsatisfiable");
	cr_assert_str_eq(q.detail, p.detail);
	cr_assert(q.has_pointer);
	cr_assert_str_eq(q.pointer, "/seed");
	cJSON_Delete(obj);
	cJSON *bad = parse("{\"type\":\"x\",\"status\":1}");
	cr_assert_not(srv_problem_from_cjson(bad, &q));
	cJSON_Delete(bad);
}

Test(srv_problem, every_documented_slug_has_a_title)
{
	const char *slugs[] = {
	    "malformed",      "unauthorized",  "not-found",  "method-not-allowed",
	    "not-acceptable", "conflict",      "too-large",  "unsupported-media-type",
	    "invalid-spec",   "unsatisfiable", "queue-full", "rate-limited",
	    "not-ready",      "internal",      "time-limit"};
	for (size_t i = 0; i < sizeof slugs / sizeof slugs[0]; i++)
		cr_assert_str_neq(srv_problem_title(slugs[i]), "Error", "%s", slugs[i]);
}

Test(srv_ids, format_and_validation)
{
	char a[SRV_ID_MAX], b[SRV_ID_MAX];
	cr_assert(srv_id_new(SRV_PREFIX_JOB, a));
	cr_assert(srv_id_new(SRV_PREFIX_JOB, b));
	cr_assert_eq(strlen(a), 22);
	cr_assert_str_neq(a, b, "ids are random");
	cr_assert(srv_id_valid(SRV_PREFIX_JOB, a));
	for (const char *c = a + 2; *c; c++)
		cr_assert(strchr("abcdefghijklmnopqrstuvwxyz234567", *c), "base32: %s", a);
	cr_assert_not(srv_id_valid(SRV_PREFIX_TILESET, a), "prefix checked");
	cr_assert(srv_id_new(SRV_PREFIX_TILESET, a));
	cr_assert(srv_id_valid(SRV_PREFIX_TILESET, a));
	cr_assert_not(srv_id_valid(SRV_PREFIX_JOB, "j_"));
	cr_assert_not(srv_id_valid(SRV_PREFIX_JOB, "j_aaaaaaaaaaaaaaaaaaa1"), "1 is not base32");
	cr_assert_not(srv_id_valid(SRV_PREFIX_JOB, "j_aaaaaaaaaaaaaaaaaaaaa"), "21 chars");
	cr_assert_not(srv_id_valid(SRV_PREFIX_JOB, "j_../../../etc/passwd"));
	cr_assert_not(srv_id_valid(SRV_PREFIX_JOB, "j_AAAAAAAAAAAAAAAAAAAA"), "lowercase only");
	cr_assert(srv_id_valid(SRV_PREFIX_JOB, "j_aaaaaaaaaaaaaaaaaaaa"));
}
