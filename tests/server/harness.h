/*
 * harness.h - runs wfcd (and prism in front of it) for the integration
 * tests, and sends them requests.
 *
 * Every server is a real `wfcd --port 0 --data-dir <tmp> --library <dir>`
 * on 127.0.0.1; its port is read from the `{"event":"listening","port":N}`
 * line it prints. In front of it runs `prism proxy --errors openapi.yaml`,
 * so a checked request (it_call without .direct) is validated against the
 * contract both ways: prism answers 422/415/405/404 itself for a request
 * the contract does not allow, and turns a response that leaves the
 * contract into a 500 (and lists violations in `sl-violations`); it_call
 * fails the test in both cases, quoting prism.
 *
 * Direct requests (.direct = true) skip prism. They are for what prism
 * cannot carry or must not see: requests that break the contract on
 * purpose (malformed JSON, wrong media type, unknown route or method,
 * framing abuse), binary bodies (prism re-reads bodies as UTF-8 text, so
 * PNG bytes do not survive it) and byte-exact result checks (ETag).
 *
 * One shared server (default flags) is started by a Criterion PRE_ALL hook
 * in the runner and stopped by POST_ALL; tests needing other flags (API
 * keys, one worker, restarts) start their own with it_start.
 *
 * Environment (set by `make test-server`):
 *   WFCD_BIN      the server binary (default build/wfcd); missing -> skip
 *   WFCD_PRISM    prism's executable (default
 *                 tools/contract/node_modules/.bin/prism); missing -> the
 *                 requests go direct and test `contract.prism` skips, saying so
 *   WFCD_OPENAPI  the contract (default openapi.yaml)
 *   WFCD_LIBRARY  --library for every server (default: library/ when it has
 *                 samples.xml, else $WFC_SHARED/corpus, else none)
 *
 * Ownership: it_server is caller-owned; it_stop reaps the processes and
 * removes the temp dir. http_response bodies are freed by the caller
 * (http_response_free); cJSON values by cJSON_Delete.
 */
#ifndef IT_HARNESS_H
#define IT_HARNESS_H

#include "http_client.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define IT_MAX_ARGS 24
#define IT_PROBLEM_BASE "https://wfcd.dev/problems/"

typedef struct {
	pid_t pid;       /* wfcd; 0 when stopped */
	pid_t prism_pid; /* 0 when prism is not running */
	int port;        /* wfcd's */
	int prism_port;  /* 0 without prism */
	char dir[64];    /* temp dir: data/, logs, key file */
	char data_dir[96];
	char log[96];                  /* wfcd stdout + stderr */
	char prism_log[96];            /* prism stdout + stderr */
	char key[80];                  /* bearer key sent by it_call, "" for none */
	const char *library;           /* --library for this server; NULL: it_library_dir() */
	const char *args[IT_MAX_ARGS]; /* extra flags, NULL-terminated (string literals) */
} it_server;

/* Starts wfcd with `extra` flags (NULL-terminated, may be NULL) and prism in
 * front. Keeps s->dir when it is already set (a restart on the same data
 * dir). Skips the test when WFCD_BIN is missing; fails it with the log's
 * tail when the server does not come up. */
void it_start(it_server *s, const char *const *extra);
/* Skips the test when WFCD_BIN is not the server binary. */
void it_require_server(void);
/* Sends sig to wfcd and waits up to timeout_ms for it to exit: returns its
 * exit code, 128 + signal when killed by one, or -1 after a timeout (then
 * it is SIGKILLed). Stops prism too. Keeps the temp dir. */
int it_stop(it_server *s, int sig, int timeout_ms);
/* it_stop with SIGTERM, then it_start with the same dir and flags. */
void it_restart(it_server *s);
/* Stops whatever runs and removes the temp dir. */
void it_destroy(it_server *s);

/* The integer after "key": in the last "listening" line of the server's
 * log (e.g. "jobsRequeued"), or -1. */
int it_listening_field(const it_server *s, const char *key);

/* The server shared by the tests that need no special flags. */
const it_server *it_shared(void);
/* True when requests are checked by prism. */
bool it_have_prism(void);
/* The --library directory the servers use, or NULL (then tests that need a
 * library skip). */
const char *it_library_dir(void);
/* A whole file as a NUL-terminated string (malloc'ed; the caller frees),
 * or NULL when it cannot be read. */
char *it_read_text(const char *path);
#define IT_REQUIRE_LIBRARY()                                                                       \
	do {                                                                                       \
		if (!it_library_dir())                                                             \
			cr_skip_test("no library: neither library/samples.xml nor the "            \
			             "reference corpus (../shared or WFC_SHARED) is there");       \
	} while (0)

typedef struct {
	const char *const *headers; /* "Name: value", NULL-terminated */
	const void *body;           /* NULL: none */
	size_t body_len;            /* 0 with a body: strlen(body) */
	const char *content_type;   /* default application/json when there is a body */
	bool direct;                /* bypass prism (see above) */
	bool no_auth;               /* do not send s->key */
	bool no_accept;             /* send no Accept at all (direct only: prism adds one) */
	int timeout_ms;             /* 0: 40000 */
} it_opts;

/* Sends the request and fails the test on a transport error or, through
 * prism, on any contract violation. Adds `Accept: * / *` unless headers
 * have an Accept (prism would otherwise send its own). */
void it_call(const it_server *s, http_response *rs, const char *method, const char *target,
             const it_opts *o);
void it_get(const it_server *s, http_response *rs, const char *target);
void it_post(const it_server *s, http_response *rs, const char *target, const char *json);
void it_delete(const it_server *s, http_response *rs, const char *target);

/* Fails the test, showing the body, unless rs->status == status. */
void it_expect_status(const http_response *rs, int status);
/* The body as JSON (fails the test when it is not JSON). */
cJSON *it_json(const http_response *rs);
/* GET target, which must answer 200 with JSON: the body (caller frees). */
cJSON *it_get_json(const it_server *s, const char *target);
/* Checks an RFC 9457 problem answer: the status, the media type, the
 * type URI of slug, title and detail; returns the parsed body. */
cJSON *it_problem(const http_response *rs, int status, const char *slug);
/* A string member, or fails the test. */
const char *it_str(const cJSON *obj, const char *key);
/* A number member, or fails the test. */
double it_num(const cJSON *obj, const char *key);

/* POST /v1/jobs with body; expects 202 (or 200 when it finished within a
 * wait); returns the job. */
cJSON *it_submit(const it_server *s, const char *json);
/* Long-polls GET /v1/jobs/{id}?wait= until the job is no longer queued or
 * running, at most max_s seconds; returns the last job seen. */
cJSON *it_wait_done(const it_server *s, const char *id, int max_s);
/* Polls until the job's status is `status` (or final), at most max_s. */
cJSON *it_wait_status(const it_server *s, const char *id, const char *status, int max_s);

/* A small, always-satisfiable tiled spec (water, sand, grass as colours)
 * as compact JSON, with `extra` (",\"seed\":3" or "") inserted. */
char *it_beach_spec(int w, int h, const char *extra);
/* The 7x7 loops sample of docs/spec-format.md as an overlapping spec. */
char *it_loops_spec(int w, int h, const char *extra);
/* The loops sample as raw PNG bytes (malloc'd). */
unsigned char *it_loops_png(size_t *len);

void it_sleep_ms(int ms);

#endif
