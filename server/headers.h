/*
 * headers.h - pure helpers for request headers: framing checks that
 * libmicrohttpd 0.9.75 does not do, content negotiation (Accept), media
 * types, If-None-Match, Prefer: wait=N.
 *
 * No HTTP library here: http.c feeds the header values in, the tests do
 * the same with strings.
 */
#ifndef SRV_HEADERS_H
#define SRV_HEADERS_H

#include "problem.h"

#include <stdbool.h>
#include <stddef.h>

/* What the header scan of one request found. */
typedef struct {
	int content_length;    /* Content-Length fields */
	int transfer_encoding; /* Transfer-Encoding fields */
	bool cl_differs;       /* two Content-Length fields with different values */
	bool cl_invalid;       /* not a plain decimal number */
	bool te_not_chunked;   /* a transfer coding other than exactly "chunked" */
	char first_cl[32];
} srv_header_scan;

void srv_header_scan_init(srv_header_scan *s);
void srv_header_scan_add(srv_header_scan *s, const char *name, const char *value);
/* 0 when the framing is unambiguous, else 400 with p filled: duplicate
 * Content-Length, Content-Length with Transfer-Encoding, a bad value. */
int srv_header_framing(const srv_header_scan *s, srv_problem *p);

/* Content negotiation: the index of the offered media type the Accept
 * header prefers (highest q, then the most specific matching range;
 * ties go to `preferred`, then to offer order), or -1 when it accepts none (406).
 * A missing or empty Accept gets `preferred`. */
int srv_accept_pick(const char *accept, const char *const *offered, int n, int preferred);
/* true when content_type is type (e.g. "application/json"), ignoring case
 * and parameters such as "; charset=utf-8". */
bool srv_media_type_is(const char *content_type, const char *type);
/* If-None-Match against a strong ETag (with its quotes): true for a match
 * or "*" (weak comparison, as RFC 9110 asks for this header). */
bool srv_etag_matches(const char *if_none_match, const char *etag);
/* Prefer: "wait=N" among other preferences; false when absent. */
bool srv_prefer_wait(const char *prefer, long *seconds);

#endif
