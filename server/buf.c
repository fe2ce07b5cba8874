/* buf.c - growable text buffer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_buf_init(srv_buf *b)
{
	memset(b, 0, sizeof *b);
}

void srv_buf_free(srv_buf *b)
{
	free(b->data);
	srv_buf_init(b);
}

static bool reserve(srv_buf *b, size_t extra)
{
	if (b->failed) return false;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap) return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void srv_buf_add(srv_buf *b, const void *data, size_t len)
{
	if (!reserve(b, len)) return;
	if (len) memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void srv_buf_puts(srv_buf *b, const char *s)
{
	srv_buf_add(b, s, strlen(s));
}

void srv_buf_vprintf(srv_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || !reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void srv_buf_printf(srv_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	srv_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80) return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2, min = 0x80, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, min = 0x800, cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
	return n;
}

/* Invalid UTF-8 (a raw URL, a header) becomes U+FFFD so every line stays
 * valid JSON. */
void srv_buf_json_str(srv_buf *b, const char *s)
{
	if (!s) {
		srv_buf_puts(b, "null");
		return;
	}
	srv_buf_add(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			srv_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			srv_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			srv_buf_add(b, "\\n", 2);
			break;
		case '\r':
			srv_buf_add(b, "\\r", 2);
			break;
		case '\t':
			srv_buf_add(b, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				srv_buf_printf(b, "\\u%04x", *p);
			} else {
				size_t n = utf8_len(p);
				if (n) {
					srv_buf_add(b, p, n);
					p += n - 1;
				} else {
					srv_buf_puts(b, "\\ufffd");
				}
			}
		}
	}
	srv_buf_add(b, "\"", 1);
}

char *srv_buf_take(srv_buf *b)
{
	if (b->failed) {
		srv_buf_free(b);
		return NULL;
	}
	if (!b->data) srv_buf_add(b, "", 0);
	char *d = b->failed ? NULL : b->data;
	if (!d) free(b->data);
	srv_buf_init(b);
	return d;
}
