/* http_client.c - see http_client.h. */
#include "http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Larger answers than this are a bug in the test or the server. */
#define HTTP_MAX_RESPONSE (64u << 20)

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t size, const char *fmt, ...)
{
	if (err && size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_local(int port, char *err, size_t err_size)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return fail(err, err_size, "socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;
		close(fd);
		return fail(err, err_size, "connect to 127.0.0.1:%d: %s", port, strerror(e));
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int write_all(int fd, const void *data, size_t n, int64_t deadline, char *err,
                     size_t err_size)
{
	const char *p = data;
	while (n > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return fail(err, err_size, "timed out sending the request");
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN) continue;
			/* The server may answer (413, 400) and close before reading
			 * the whole body; the answer is still worth reading. */
			if (errno == EPIPE || errno == ECONNRESET) return 1;
			return fail(err, err_size, "send: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads until EOF into a malloc'd, NUL-terminated buffer. */
static int read_all(int fd, int64_t deadline, char **out, size_t *out_len, char *err,
                    size_t err_size)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	if (!buf) return fail(err, err_size, "out of memory");
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= HTTP_MAX_RESPONSE) {
				free(buf);
				return fail(err, err_size, "response over %u bytes",
				            HTTP_MAX_RESPONSE);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return fail(err, err_size, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR) continue;
		if (pr <= 0) {
			buf[len] = '\0';
			*out = buf;
			*out_len = len;
			return fail(err, err_size,
			            "timed out waiting for the response (%zu bytes read)", len);
		}
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) continue;
			/* A reset after a complete answer (the server closed with
			 * unread request bytes) still leaves a usable answer. */
			if (errno == ECONNRESET && len > 0) break;
			int e = errno;
			free(buf);
			return fail(err, err_size, "recv: %s", strerror(e));
		}
		if (r == 0) break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* De-chunks body in place; returns the decoded length or -1. */
static long dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0;
	for (;;) {
		char *end;
		if (in >= len) return -1;
		unsigned long n = strtoul(body + in, &end, 16);
		char *crlf = strstr(end, "\r\n"); /* chunk extensions are skipped */
		if (end == body + in || !crlf) return -1;
		in = (size_t)(crlf - body) + 2;
		if (n == 0) break;
		if (n > len - in || len - in - n < 2) return -1;
		memmove(body + out, body + in, n);
		out += n;
		in += n;
		if (body[in] != '\r' || body[in + 1] != '\n') return -1;
		in += 2;
	}
	body[out] = '\0';
	return (long)out;
}

static int parse_response(http_response *rs, bool head, char *err, size_t err_size)
{
	char *raw = rs->raw;
	char *hdr_end = strstr(raw, "\r\n\r\n");
	if (strncmp(raw, "HTTP/1.", 7) != 0 || !hdr_end)
		return fail(err, err_size, "not an HTTP response: '%.80s'", raw);
	char *sp = strchr(raw, ' ');
	if (!sp || sp > hdr_end) return fail(err, err_size, "bad status line");
	rs->status = atoi(sp + 1);
	char *line = strstr(raw, "\r\n") + 2;
	while (line < hdr_end + 2) {
		char *eol = strstr(line, "\r\n");
		char *colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon) return fail(err, err_size, "bad header line '%.60s'", line);
		if (rs->nheaders == HTTP_MAX_HEADERS)
			return fail(err, err_size, "more than %d headers", HTTP_MAX_HEADERS);
		char *v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		char *ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		http_header_field *h = &rs->headers[rs->nheaders++];
		h->name = dup_range(line, (size_t)(colon - line));
		h->value = dup_range(v, (size_t)(ve - v));
		if (!h->name || !h->value) return fail(err, err_size, "out of memory");
		line = eol + 2;
	}
	char *body = hdr_end + 4;
	size_t avail = rs->raw_len - (size_t)(body - raw);
	size_t blen = avail;
	const char *te = http_header(rs, "Transfer-Encoding");
	const char *cl = http_header(rs, "Content-Length");
	bool no_body = head || rs->status == 204 || rs->status == 304 || rs->status / 100 == 1;
	rs->body = malloc(avail + 1);
	if (!rs->body) return fail(err, err_size, "out of memory");
	memcpy(rs->body, body, avail);
	rs->body[avail] = '\0';
	if (no_body) {
		blen = 0;
	} else if (te && strcasecmp(te, "chunked") == 0) {
		long n = dechunk(rs->body, avail);
		if (n < 0) return fail(err, err_size, "bad chunked body");
		blen = (size_t)n;
	} else if (cl) {
		char *end;
		unsigned long long n = strtoull(cl, &end, 10);
		if (*end || end == cl) return fail(err, err_size, "bad Content-Length '%s'", cl);
		if (n > avail)
			return fail(err, err_size, "body is %zu bytes, Content-Length says %llu",
			            avail, n);
		blen = (size_t)n;
	}
	rs->body[blen] = '\0';
	rs->body_len = blen;
	return 0;
}

static int exchange(int port, const void *bytes, size_t n, bool shut_write, bool head,
                    int timeout_ms, http_response *rs, char *err, size_t err_size)
{
	memset(rs, 0, sizeof *rs);
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
	int fd = connect_local(port, err, err_size);
	if (fd < 0) return -1;
	int rc = write_all(fd, bytes, n, deadline, err, err_size);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	if (shut_write) shutdown(fd, SHUT_WR);
	rc = read_all(fd, deadline, &rs->raw, &rs->raw_len, err, err_size);
	close(fd);
	if (rc < 0) return -1;
	return parse_response(rs, head, err, err_size);
}

int http_send(int port, const http_request *rq, http_response *rs, char *err, size_t err_size)
{
	size_t cap = 1024 + rq->body_len;
	for (const char *const *h = rq->headers; h && *h; h++)
		cap += strlen(*h) + 2;
	char *msg = malloc(cap);
	if (!msg) return fail(err, err_size, "out of memory");
	int len =
	    snprintf(msg, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n",
	             rq->method, rq->target, port);
	for (const char *const *h = rq->headers; h && *h; h++)
		len += snprintf(msg + len, cap - (size_t)len, "%s\r\n", *h);
	bool has_body = rq->body || strcmp(rq->method, "POST") == 0;
	if (has_body && !rq->no_content_length)
		len +=
		    snprintf(msg + len, cap - (size_t)len, "Content-Length: %zu\r\n", rq->body_len);
	len += snprintf(msg + len, cap - (size_t)len, "\r\n");
	if (rq->body_len) memcpy(msg + len, rq->body, rq->body_len);
	int rc = exchange(port, msg, (size_t)len + rq->body_len, false,
	                  strcmp(rq->method, "HEAD") == 0, rq->timeout_ms, rs, err, err_size);
	free(msg);
	return rc;
}

int http_send_raw(int port, const void *bytes, size_t n, bool shut_write, int timeout_ms,
                  http_response *rs, char *err, size_t err_size)
{
	return exchange(port, bytes, n, shut_write, false, timeout_ms, rs, err, err_size);
}

const char *http_header(const http_response *rs, const char *name)
{
	for (int i = 0; i < rs->nheaders; i++)
		if (strcasecmp(rs->headers[i].name, name) == 0) return rs->headers[i].value;
	return NULL;
}

int http_header_count(const http_response *rs, const char *name)
{
	int n = 0;
	for (int i = 0; i < rs->nheaders; i++)
		n += strcasecmp(rs->headers[i].name, name) == 0;
	return n;
}

void http_response_free(http_response *rs)
{
	for (int i = 0; i < rs->nheaders; i++) {
		free(rs->headers[i].name);
		free(rs->headers[i].value);
	}
	free(rs->body);
	free(rs->raw);
	memset(rs, 0, sizeof *rs);
}
