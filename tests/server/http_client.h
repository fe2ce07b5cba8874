/*
 * http_client.h - a tiny HTTP/1.1 client for the integration tests.
 *
 * One request per connection (`Connection: close`), to 127.0.0.1 only.
 * The response is read to the end of the connection and then de-framed
 * (Content-Length, chunked, or to EOF), so a server that frames a response
 * wrongly shows up as a parse error here rather than as a hang: every read
 * has a deadline.
 *
 * Independent of the server's code on purpose: the tests must not share a
 * parser with the thing they check.
 *
 * Ownership: http_send / http_send_raw fill a caller-owned http_response;
 * http_response_free releases what they allocated (safe on a zeroed or
 * already-freed response).
 */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEADERS 64

typedef struct {
	char *name;
	char *value;
} http_header_field;

typedef struct {
	int status;                                  /* 0 when nothing was parsed */
	http_header_field headers[HTTP_MAX_HEADERS]; /* in order, as received */
	int nheaders;
	char *body; /* de-framed, NUL-terminated (the NUL is not counted) */
	size_t body_len;
	char *raw; /* everything received, NUL-terminated */
	size_t raw_len;
} http_response;

typedef struct {
	const char *method;         /* "GET", ... */
	const char *target;         /* "/v1/jobs?limit=2" */
	const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
	const void *body;           /* may be NULL */
	size_t body_len;
	bool no_content_length; /* leave Content-Length out (framing tests) */
	int timeout_ms;         /* whole exchange; 0 = 30000 */
} http_request;

/* 0 on success; -1 with a message in err (connect, timeout, bad framing). */
int http_send(int port, const http_request *rq, http_response *rs, char *err, size_t err_size);
/* Sends bytes as they are and reads the answer (protocol abuse tests).
 * shut_write: half-close after sending, so a server waiting for more
 * bytes sees EOF. */
int http_send_raw(int port, const void *bytes, size_t n, bool shut_write, int timeout_ms,
                  http_response *rs, char *err, size_t err_size);
/* The first header of that name (case-insensitive), or NULL. */
const char *http_header(const http_response *rs, const char *name);
int http_header_count(const http_response *rs, const char *name);
void http_response_free(http_response *rs);

#endif
