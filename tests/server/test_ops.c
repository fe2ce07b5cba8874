/*
 * test_ops.c - health, readiness, metrics, the served contract, unknown
 * routes and methods, and requests that abuse HTTP itself (the server must
 * answer them and keep serving).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

Test(contract, prism_checks_every_request)
{
	if (!it_have_prism())
		cr_skip_test("prism (tools/contract) is not installed, so responses were not "
		             "checked against openapi.yaml: run scripts/contract-tools.sh (needs "
		             "node and npm)");
	cr_assert_gt(it_shared()->prism_port, 0);
}

Test(ops, healthz)
{
	http_response rs;
	it_get(it_shared(), &rs, "/healthz");
	it_expect_status(&rs, 200);
	cJSON *j = it_json(&rs);
	cr_assert_str_eq(it_str(j, "status"), "ok");
	cJSON_Delete(j);
	http_response_free(&rs);
}

Test(ops, readyz)
{
	http_response rs;
	it_get(it_shared(), &rs, "/readyz");
	it_expect_status(&rs, 200);
	cJSON *j = it_json(&rs);
	cr_assert_str_eq(it_str(j, "status"), "ready");
	cr_assert_geq(it_num(j, "workers"), 1);
	cr_assert_geq(it_num(j, "capacity"), 1);
	cr_assert_geq(it_num(j, "busy"), 0);
	cr_assert_geq(it_num(j, "queued"), 0);
	cJSON_Delete(j);
	http_response_free(&rs);
}

Test(ops, metrics_are_prometheus_text)
{
	const it_server *s = it_shared();
	http_response rs;
	it_get(s, &rs, "/healthz"); /* at least one request counted */
	http_response_free(&rs);
	it_get(s, &rs, "/metrics");
	it_expect_status(&rs, 200);
	const char *ct = http_header(&rs, "Content-Type");
	cr_assert(ct && strncmp(ct, "text/plain", 10) == 0, "Content-Type %s", ct);
	cr_assert(strstr(rs.body, "# TYPE "), "no # TYPE line in:\n%.500s", rs.body);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	/* glibc's mallinfo2, as in metrics.c. The stress test's leak check
	 * reads it; a running server holds megabytes (models, connection
	 * pools), so a broken sum shows */
	const char *heap = strstr(rs.body, "\nwfcd_heap_bytes ");
	cr_assert(heap, "no wfcd_heap_bytes in:\n%.500s", rs.body);
	long long bytes = atoll(heap + strlen("\nwfcd_heap_bytes "));
	cr_assert_gt(bytes, 100000, "wfcd_heap_bytes %lld", bytes);
#endif
	http_response_free(&rs);
}

Test(ops, serves_its_openapi_document)
{
	const it_server *s = it_shared();
	http_response rs;
	it_get(s, &rs, "/openapi.yaml");
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	/* Byte for byte: direct, as prism re-encodes text. */
	it_opts o = {.direct = true};
	it_call(s, &rs, "GET", "/openapi.yaml", &o);
	it_expect_status(&rs, 200);
	FILE *f = fopen(getenv("WFCD_OPENAPI") ? getenv("WFCD_OPENAPI") : "openapi.yaml", "rb");
	cr_assert(f);
	static char want[1 << 20];
	size_t n = fread(want, 1, sizeof want, f);
	fclose(f);
	cr_assert_eq(rs.body_len, n, "served %zu bytes, the file has %zu", rs.body_len, n);
	cr_assert(memcmp(rs.body, want, n) == 0);
	http_response_free(&rs);
}

Test(ops, unknown_route_is_404_problem)
{
	/* Direct: prism answers unknown routes itself. */
	const char *paths[] = {"/v1/nope", "/nope", "/v1/jobs/j_abcdefghijklmnopqrst/nope",
	                       "/v2/jobs"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		http_response rs;
		it_opts o = {.direct = true};
		it_call(it_shared(), &rs, "GET", paths[i], &o);
		cJSON_Delete(it_problem(&rs, 404, "not-found"));
		http_response_free(&rs);
	}
}

static void expect_405(const char *method, const char *path, const char *must_allow)
{
	http_response rs;
	it_opts o = {.direct = true};
	it_call(it_shared(), &rs, method, path, &o);
	cJSON_Delete(it_problem(&rs, 405, "method-not-allowed"));
	const char *allow = http_header(&rs, "Allow");
	cr_assert(allow, "%s %s: 405 without Allow", method, path);
	cr_assert(strstr(allow, must_allow), "%s %s: Allow '%s' lacks %s", method, path, allow,
	          must_allow);
	http_response_free(&rs);
}

Test(ops, wrong_method_is_405_with_allow)
{
	expect_405("PUT", "/v1/jobs", "POST");
	expect_405("PATCH", "/v1/jobs/j_abcdefghijklmnopqrst", "DELETE");
	expect_405("POST", "/v1/jobs/j_abcdefghijklmnopqrst/result", "GET");
	expect_405("GET", "/v1/generate", "POST");
	expect_405("DELETE", "/v1/library", "GET");
	expect_405("POST", "/healthz", "GET");
}

Test(ops, head_answers_without_body)
{
	http_response rs;
	it_opts o = {.direct = true};
	it_call(it_shared(), &rs, "HEAD", "/healthz", &o);
	it_expect_status(&rs, 200);
	cr_assert_eq(rs.body_len, 0);
	http_response_free(&rs);
}

/* The server must survive each of these and still answer /healthz. */
static void abuse(const char *raw, int want_status)
{
	const it_server *s = it_shared();
	http_response rs;
	char err[256];
	/* Where no answer is owed, the server may also hold the connection
	 * until its idle timeout; a short wait is enough. */
	int rc = http_send_raw(s->port, raw, strlen(raw), true, want_status ? 10000 : 1500, &rs,
	                       err, sizeof err);
	if (want_status) {
		cr_assert_eq(rc, 0, "no answer to %.40s...: %s", raw, err);
		cr_assert_eq(rs.status, want_status, "answer to %.60s: %.300s", raw, rs.raw);
	}
	http_response_free(&rs);
	it_opts o = {.direct = true};
	it_call(s, &rs, "GET", "/healthz", &o);
	it_expect_status(&rs, 200);
	http_response_free(&rs);
}

Test(ops, survives_protocol_abuse)
{
	/* libmicrohttpd may just close on a request line it cannot parse;
	 * both that and a 400 are fine, as long as the server lives on. */
	abuse("GARBAGE\r\n\r\n", 0);
	abuse("GET / HTTP/1.1 extra\r\n\r\n", 0);
	abuse("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
	      "12345",
	      400);
	abuse("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	      "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	      400);
	abuse("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	      "Content-Length: -1\r\n\r\n",
	      400);
	/* A body shorter than announced, then EOF: no answer is owed. */
	abuse("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	      "Content-Length: 100\r\n\r\n{\"library\"",
	      0);
	abuse("\r\n\r\n\r\n", 0);
}

Test(ops, malformed_framing_is_a_problem)
{
	/* The framing checks the server does itself answer problem+json. */
	const it_server *s = it_shared();
	const char *raw = "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	                  "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}";
	http_response rs;
	char err[256];
	cr_assert_eq(http_send_raw(s->port, raw, strlen(raw), true, 10000, &rs, err, sizeof err), 0,
	             "%s", err);
	cJSON_Delete(it_problem(&rs, 400, "malformed"));
	http_response_free(&rs);
}
