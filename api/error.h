/*
 * error.h - the error every api_ function reports.
 *
 * The caller owns the struct (usually on its stack). On failure a function
 * fills `message` with a sentence a user can act on and, for JSON input,
 * `pointer` with the RFC 6901 JSON pointer of the offending field ("" when
 * the whole document is at fault), so the server can answer with
 * problem+json. Library code never prints.
 */
#ifndef API_ERROR_H
#define API_ERROR_H

#include <stdarg.h>

typedef struct {
	char message[512];
	char pointer[256];
} api_error;

/* Status codes shared by all api_ functions. */
enum {
	API_OK = 0,
	API_ERR_INPUT = 2, /* bad input: the message says what and where */
	API_ERR_NOMEM = 3,
	API_ERR_IO = 4 /* a file could not be read or written */
};

/* printf-style; err may be NULL. Returns code so callers can write
 * `return api_fail(err, API_ERR_INPUT, "...")`. */
int api_fail(api_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, and records the JSON pointer of the field at fault. */
int api_fail_at(api_error *err, int code, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
