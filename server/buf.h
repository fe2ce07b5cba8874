/*
 * buf.h - a growable text buffer for building responses, log lines and
 * metrics without fixed-size arrays.
 *
 * Ownership: the buffer owns data; srv_buf_take() hands it to the caller
 * (free()) and leaves the buffer empty. An allocation failure sets `failed`,
 * later appends do nothing, and srv_buf_take() returns NULL, so callers
 * check once at the end.
 */
#ifndef SRV_BUF_H
#define SRV_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *data; /* NUL-terminated when not failed */
	size_t len, cap;
	bool failed;
} srv_buf;

void srv_buf_init(srv_buf *b);
void srv_buf_free(srv_buf *b);
void srv_buf_add(srv_buf *b, const void *data, size_t len);
void srv_buf_puts(srv_buf *b, const char *s);
void srv_buf_printf(srv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void srv_buf_vprintf(srv_buf *b, const char *fmt, va_list ap);
/* s as a JSON string literal, quotes included; NULL writes null. */
void srv_buf_json_str(srv_buf *b, const char *s);
char *srv_buf_take(srv_buf *b);

#endif
