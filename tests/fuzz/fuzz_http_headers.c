/*
 * fuzz_http_headers.c - libFuzzer target for the server's own parsers of
 * request lines and headers, the ones libmicrohttpd does not do for it:
 * the router (srv_route), framing checks (srv_header_scan_add and
 * srv_header_framing), Accept negotiation, media types, If-None-Match,
 * Prefer: wait=N and the Authorization check (srv_auth_check).
 *
 * The input is lines: method, path, Accept, If-None-Match, Prefer,
 * Content-Type, Authorization, then "Name: value" header fields for the
 * framing scan. Missing lines are absent headers (NULL).
 *
 * Properties: results stay in range (a route or 404/405, an offered index
 * or -1, a framing verdict of 0 or 400 with a detail), and the one known
 * key is accepted as "Bearer <key>".
 */
#include "../../server/auth.h"
#include "../../server/headers.h"
#include "../../server/router.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz-key-0123456789abcdef"
#define MAX_LINES 64

static srv_auth *auth;

static void free_auth(void)
{
	srv_auth_destroy(auth);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char keys[] = "# keys\n" KEY "\n  second-key-abcdefghijkl  \n";
	char err[256];
	FUZZ_CHECK(srv_auth_from_text(keys, sizeof keys - 1, &auth, err, sizeof err) == 0);
	FUZZ_CHECK(srv_auth_check(auth, "Bearer " KEY));
	atexit(free_auth);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* NUL-terminated lines in an exact-size buffer: overreads stay visible. */
	char *text = malloc(size + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	char *line[MAX_LINES];
	int n = 0;
	for (char *p = text; n < MAX_LINES;) {
		line[n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl) break;
		*nl = '\0';
		p = nl + 1;
	}
	const char *method = n > 0 ? line[0] : "GET";
	const char *path = n > 1 ? line[1] : "/";
	const char *accept = n > 2 ? line[2] : NULL;
	const char *if_none_match = n > 3 ? line[3] : NULL;
	const char *prefer = n > 4 ? line[4] : NULL;
	const char *content_type = n > 5 ? line[5] : NULL;
	const char *authorization = n > 6 ? line[6] : NULL;

	srv_route_match m;
	int status = srv_route(method, path, &m);
	FUZZ_CHECK(status == 200 || status == 404 || status == 405);
	FUZZ_CHECK(m.route >= 0 && m.route < SRV_ROUTE_COUNT);
	FUZZ_CHECK(memchr(m.param, '\0', sizeof m.param) != NULL);
	if (status == 200) FUZZ_CHECK(m.allowed & srv_method_bit(method));
	char allow[64];
	srv_route_allow(m.allowed, allow, sizeof allow);
	(void)srv_route_name(m.route);

	static const char *const offered[] = {"image/png", "application/json", "text/plain"};
	for (int preferred = 0; preferred < 3; preferred++) {
		int pick = srv_accept_pick(accept, offered, 3, preferred);
		FUZZ_CHECK(pick >= -1 && pick < 3);
	}
	(void)srv_media_type_is(content_type, "application/json");
	(void)srv_media_type_is(content_type, "image/png");
	(void)srv_etag_matches(if_none_match, "\"0123456789abcdef\"");
	long wait = -1;
	if (srv_prefer_wait(prefer, &wait)) FUZZ_CHECK(wait >= 0);
	(void)srv_auth_check(auth, authorization);

	srv_header_scan scan;
	srv_header_scan_init(&scan);
	for (int i = 7; i < n; i++) {
		char *colon = strchr(line[i], ':');
		if (!colon) {
			srv_header_scan_add(&scan, line[i], NULL);
			continue;
		}
		*colon = '\0';
		srv_header_scan_add(&scan, line[i], colon + 1);
	}
	srv_problem p = {0};
	int framing = srv_header_framing(&scan, &p);
	FUZZ_CHECK(framing == 0 || (framing == 400 && p.detail[0] != '\0'));
	free(text);
	return 0;
}
