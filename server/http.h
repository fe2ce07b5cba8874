/*
 * http.h - the HTTP front: libmicrohttpd (internal polling thread, epoll,
 * a thread pool), request framing and limits, routing, authentication,
 * responses, long polls and the access log.
 *
 * Per request: the first call of the access handler sees only the headers;
 * it rejects ambiguous framing (duplicate Content-Length, Content-Length
 * with Transfer-Encoding: 0.9.75 lets both through), unknown routes (404),
 * methods (405 + Allow), missing keys (401), bodies announced too large
 * (413, before reading them) and wrong media types (415). The body is then
 * collected up to --max-body (chunked bodies too: past the limit it is
 * discarded and answered 413) and the route's handler runs.
 *
 * Handlers that wait for a job (Prefer: wait, ?wait=, /v1/generate) do not
 * block an HTTP thread: srv_request_wait() suspends the connection and the
 * job store's finish listener (or the housekeeper, at the deadline)
 * resumes it, and the handler runs again with rq->resumed set.
 *
 * Ownership: srv_http_start / srv_http_stop; requests are owned here.
 */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include "headers.h"
#include "ids.h"
#include "problem.h"
#include "router.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct srv_app srv_app;
typedef struct srv_http srv_http;

typedef struct {
	const char *name, *value;
} srv_header;

typedef struct srv_request {
	struct MHD_Connection *conn;
	srv_app *app;
	srv_http *http;
	char method[16];
	char *path;
	srv_route_match match;
	bool head; /* HEAD: answered like GET, without the body */
	/* body */
	char *body;
	size_t body_len, body_cap, discarded;
	bool too_large;
	/* state */
	bool responded;
	bool resumed; /* the handler runs again after a wait */
	int status;
	size_t bytes_out;
	double t0;               /* srv_mono_ms() at the headers */
	char job_id[SRV_ID_MAX]; /* the job a waiting handler is about; for the log too */
	int wait_stage;          /* handler-defined */
	int64_t wait_aux;
	/* waiter list (http.c) */
	bool waiting;
	double wait_deadline;
	struct srv_request *wnext;
} srv_request;

/* Starts the daemon; *port gets the bound port (for --port 0). */
int srv_http_start(srv_app *app, srv_http **out, int *port, char *err, size_t err_size);
/* Requests in flight, waiting ones included. */
int srv_http_active(srv_http *h);
/* Resumes every waiting request (shutdown). */
void srv_http_wake_all(srv_http *h);
/* Resumes waiting requests past their deadline (housekeeper). */
void srv_http_expire_waiters(srv_http *h, double now_mono_ms);
/* srv_job_listener: resumes the requests waiting for job id. */
void srv_http_job_finished(void *http, const char *id);
void srv_http_stop(srv_http *h);

/* For handlers. Bodies passed as `take` are freed here. */
enum MHD_Result srv_reply(srv_request *rq, int status, const char *content_type, void *body,
                          size_t len, const srv_header *headers, int nheaders);
enum MHD_Result srv_reply_json(srv_request *rq, int status, char *json, const srv_header *headers,
                               int nheaders);
enum MHD_Result srv_reply_problem(srv_request *rq, const srv_problem *p);
const char *srv_request_header(srv_request *rq, const char *name);
const char *srv_request_query(srv_request *rq, const char *key);
/* Suspends rq until job id finishes or `seconds` pass: true when
 * suspended (the handler returns MHD_YES and runs again, resumed), false
 * when the job has already finished (or is gone). */
bool srv_request_wait(srv_request *rq, const char *id, double seconds);

#endif
