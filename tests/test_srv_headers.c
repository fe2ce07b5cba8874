/*
 * test_srv_headers.c - the HTTP helpers that need no socket: framing
 * checks (server/headers.c), content negotiation, If-None-Match, Prefer,
 * the router (server/router.c) and API keys (server/auth.c).
 */
#include "../server/auth.h"
#include "../server/headers.h"
#include "../server/router.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static int framing(const char *const *pairs, int n)
{
	srv_header_scan s;
	srv_problem p;
	srv_header_scan_init(&s);
	for (int i = 0; i < n; i++)
		srv_header_scan_add(&s, pairs[2 * i], pairs[2 * i + 1]);
	return srv_header_framing(&s, &p);
}

Test(srv_headers, framing)
{
	const char *one[] = {"Content-Length", "12", "Host", "x"};
	cr_assert_eq(framing(one, 2), 0);
	const char *chunked[] = {"transfer-encoding", "chunked"};
	cr_assert_eq(framing(chunked, 1), 0);
	const char *dup_same[] = {"Content-Length", "12", "content-length", "12"};
	cr_assert_eq(framing(dup_same, 2), 400, "even equal duplicates are refused");
	const char *dup_diff[] = {"Content-Length", "12", "Content-Length", "13"};
	cr_assert_eq(framing(dup_diff, 2), 400);
	const char *both[] = {"Content-Length", "12", "Transfer-Encoding", "chunked"};
	cr_assert_eq(framing(both, 2), 400);
	const char *both_rev[] = {"Transfer-Encoding", "chunked", "Content-Length", "0"};
	cr_assert_eq(framing(both_rev, 2), 400);
	const char *neg[] = {"Content-Length", "-1"};
	cr_assert_eq(framing(neg, 1), 400);
	const char *hex[] = {"Content-Length", "0x10"};
	cr_assert_eq(framing(hex, 1), 400);
	const char *gzip[] = {"Transfer-Encoding", "gzip, chunked"};
	cr_assert_eq(framing(gzip, 1), 400);
	const char *spaced[] = {"Content-Length", " 7 "};
	cr_assert_eq(framing(spaced, 1), 0);
}

static const char *const offered[] = {"image/png", "application/json", "text/plain"};

Test(srv_headers, accept)
{
	cr_assert_eq(srv_accept_pick(NULL, offered, 3, 1), 1, "no Accept: the default");
	cr_assert_eq(srv_accept_pick("", offered, 3, 2), 2);
	cr_assert_eq(srv_accept_pick("*/*", offered, 3, 1), 1);
	cr_assert_eq(srv_accept_pick("image/png", offered, 3, 1), 0);
	cr_assert_eq(srv_accept_pick("application/json, */*;q=0.1", offered, 3, 0), 1);
	cr_assert_eq(srv_accept_pick("application/json, */*", offered, 3, 0), 1,
	             "a named type beats a wildcard of equal q");
	cr_assert_eq(srv_accept_pick("text/*;q=0.5, image/png;q=0.4", offered, 3, 0), 2);
	cr_assert_eq(srv_accept_pick("image/gif", offered, 3, 0), -1);
	cr_assert_eq(srv_accept_pick("*/*;q=0", offered, 3, 0), -1);
	cr_assert_eq(srv_accept_pick("image/png;q=0, */*", offered, 3, 0), 1,
	             "q=0 on the exact type excludes it even with a wildcard");
	cr_assert_eq(srv_accept_pick("IMAGE/PNG", offered, 3, 1), 0, "case-insensitive");
	cr_assert_eq(srv_accept_pick("garbage", offered, 3, 1), 1, "unparseable = absent");
	cr_assert_eq(srv_accept_pick("text/plain; charset=utf-8", offered, 3, 0), 2);
}

Test(srv_headers, media_type)
{
	cr_assert(srv_media_type_is("application/json", "application/json"));
	cr_assert(srv_media_type_is("Application/JSON; charset=utf-8", "application/json"));
	cr_assert_not(srv_media_type_is("application/jsonx", "application/json"));
	cr_assert_not(srv_media_type_is(NULL, "application/json"));
	cr_assert_not(srv_media_type_is("text/plain", "application/json"));
}

Test(srv_headers, etag)
{
	const char *tag = "\"abc\"";
	cr_assert(srv_etag_matches("\"abc\"", tag));
	cr_assert(srv_etag_matches("W/\"abc\"", tag));
	cr_assert(srv_etag_matches("\"x\", \"abc\"", tag));
	cr_assert(srv_etag_matches("*", tag));
	cr_assert_not(srv_etag_matches("\"ab\"", tag));
	cr_assert_not(srv_etag_matches("abc", tag));
	cr_assert_not(srv_etag_matches(NULL, tag));
	cr_assert_not(srv_etag_matches("\"abc", tag));
}

Test(srv_headers, prefer_wait)
{
	long s = -1;
	cr_assert(srv_prefer_wait("wait=10", &s) && s == 10);
	cr_assert(srv_prefer_wait("respond-async, wait=5", &s) && s == 5);
	cr_assert(srv_prefer_wait("Wait=3 ", &s) && s == 3);
	cr_assert_not(srv_prefer_wait("respond-async", &s));
	cr_assert_not(srv_prefer_wait("wait=abc", &s));
	cr_assert_not(srv_prefer_wait(NULL, &s));
}

Test(srv_router, routes_404_405)
{
	srv_route_match m;
	cr_assert_eq(srv_route("POST", "/v1/jobs", &m), 200);
	cr_assert_eq(m.route, SRV_R_JOBS);
	cr_assert_eq(srv_route("GET", "/v1/jobs/j_abc", &m), 200);
	cr_assert_eq(m.route, SRV_R_JOB);
	cr_assert_str_eq(m.param, "j_abc");
	cr_assert_eq(srv_route("GET", "/v1/jobs/j_abc/result", &m), 200);
	cr_assert_eq(m.route, SRV_R_JOB_RESULT);
	cr_assert_eq(srv_route("DELETE", "/v1/tilesets/ts_x", &m), 200);
	cr_assert_eq(m.route, SRV_R_TILESET);
	cr_assert_eq(srv_route("GET", "/v1/library/Knots-Standard", &m), 200);
	cr_assert_str_eq(m.param, "Knots-Standard");
	cr_assert_eq(srv_route("HEAD", "/healthz", &m), 200);
	cr_assert_eq(srv_route("GET", "/v1/jobs/", &m), 404, "empty parameter");
	cr_assert_eq(srv_route("GET", "/v1/jobs/a/b", &m), 404);
	cr_assert_eq(srv_route("GET", "/v1/job", &m), 404);
	cr_assert_eq(srv_route("GET", "/healthz/", &m), 404);
	cr_assert_eq(srv_route("PUT", "/v1/jobs", &m), 405);
	char allow[80];
	srv_route_allow(m.allowed, allow, sizeof allow);
	cr_assert_str_eq(allow, "GET, HEAD, POST");
	cr_assert_eq(srv_route("POST", "/v1/jobs/j_x/result", &m), 405);
	srv_route_allow(m.allowed, allow, sizeof allow);
	cr_assert_str_eq(allow, "GET, HEAD");
	cr_assert_eq(srv_route("BREW", "/v1/generate", &m), 405);
	cr_assert(srv_route_is_v1(SRV_R_LIBRARY_ENTRY));
	cr_assert_not(srv_route_is_v1(SRV_R_HEALTHZ));
	cr_assert_str_eq(srv_route_name(SRV_R_JOB), "/v1/jobs/{id}");
}

Test(srv_auth, keys_hashed_and_checked)
{
	const char *file = "# keys\n\n  key-one-0123456789abcdef  \nkey-two-0123456789abcdef\r\n";
	srv_auth *a = NULL;
	char err[256];
	cr_assert_eq(srv_auth_from_text(file, strlen(file), &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(srv_auth_count(a), 2);
	cr_assert(srv_auth_check(a, "Bearer key-one-0123456789abcdef"));
	cr_assert(srv_auth_check(a, "bearer key-two-0123456789abcdef"));
	cr_assert_not(srv_auth_check(a, "Bearer key-one-0123456789abcde"));
	cr_assert_not(srv_auth_check(a, "Bearer "));
	cr_assert_not(srv_auth_check(a, "Basic a2V5"));
	cr_assert_not(srv_auth_check(a, NULL));
	cr_assert_not(srv_auth_check(a, "key-one-0123456789abcdef"));
	srv_auth_destroy(a);
	cr_assert_eq(srv_auth_from_text("short\n", 6, &a, err, sizeof err), -1);
	cr_assert(strstr(err, "line 1"), "%s", err);
	cr_assert_eq(srv_auth_from_text("# none\n", 7, &a, err, sizeof err), -1);
	cr_assert_eq(srv_auth_load("/nonexistent/keys", &a, err, sizeof err), -1);
}

Test(srv_auth, any_length_compares_by_digest)
{
	/* Keys are compared as SHA-256 digests (32 bytes whatever their
	 * length), so a long key differing only in its last byte, a prefix
	 * and an extension of a key are all refused. */
	char key[301], text[320], probe[320];
	for (int i = 0; i < 300; i++)
		key[i] = (char)('a' + i % 26);
	key[300] = '\0';
	snprintf(text, sizeof text, "%s\n", key);
	srv_auth *a = NULL;
	char err[256];
	cr_assert_eq(srv_auth_from_text(text, strlen(text), &a, err, sizeof err), 0, "%s", err);
	snprintf(probe, sizeof probe, "Bearer %s", key);
	cr_assert(srv_auth_check(a, probe));
	probe[strlen(probe) - 1] ^= 1;
	cr_assert_not(srv_auth_check(a, probe), "last byte changed");
	snprintf(probe, sizeof probe, "Bearer %.299s", key);
	cr_assert_not(srv_auth_check(a, probe), "a prefix");
	snprintf(probe, sizeof probe, "Bearer %sx", key);
	cr_assert_not(srv_auth_check(a, probe), "an extension");
	srv_auth_destroy(a);
}
