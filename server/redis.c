/* redis.c - Redis addresses, connections, a pool (see redis.h). */
#include "redis.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define POOL_IDLE_MAX 64 /* idle connections kept; more are closed when put back */

bool srv_redis_addr_parse(const char *url, srv_redis_addr *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof *out);
	out->port = SRV_REDIS_DEFAULT_PORT;
	const char *path = NULL;
	if (!url || !*url) {
		snprintf(err, err_size, "the Redis address is empty");
		return false;
	}
	if (!strncmp(url, "unix:", 5))
		path = url + 5;
	else if (url[0] == '/' || url[0] == '.')
		path = url;
	if (path) {
		if (!*path || strlen(path) >= sizeof out->host) {
			snprintf(err, err_size, "'%s': the socket path is empty or too long", url);
			return false;
		}
		out->unix_socket = true;
		snprintf(out->host, sizeof out->host, "%s", path);
		return true;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, err_size,
		         "'%s' is not a Redis address (redis://HOST:PORT, unix:/path/to/redis.sock "
		         "or /path/to/redis.sock)",
		         url);
		return false;
	}
	const char *host = url + 8;
	const char *end = host + strcspn(host, "/");
	const char *colon = NULL;
	if (*host == '[') { /* [v6 address]:port */
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close) {
			snprintf(err, err_size, "'%s': unterminated [address]", url);
			return false;
		}
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		size_t n = (size_t)(close - host - 1);
		if (n == 0 || n >= sizeof out->host) goto bad_host;
		memcpy(out->host, host + 1, n);
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		size_t n = (size_t)((colon ? colon : end) - host);
		if (n == 0 || n >= sizeof out->host) goto bad_host;
		memcpy(out->host, host, n);
	}
	if (colon) {
		char port[8] = {0};
		size_t n = (size_t)(end - colon - 1);
		char *stop;
		if (n == 0 || n >= sizeof port) goto bad_port;
		memcpy(port, colon + 1, n);
		long v = strtol(port, &stop, 10);
		if (*stop || v < 1 || v > 65535) goto bad_port;
		out->port = (int)v;
	}
	if (*end && strcmp(end, "/") != 0 && strcmp(end, "/0") != 0) {
		snprintf(err, err_size, "'%s': only database 0 is supported", url);
		return false;
	}
	return true;
bad_host:
	snprintf(err, err_size, "'%s': the host is empty or too long", url);
	return false;
bad_port:
	snprintf(err, err_size, "'%s': the port must be a number from 1 to 65535", url);
	return false;
}

redisContext *srv_redis_connect(const srv_redis_addr *a, char *err, size_t err_size)
{
	struct timeval tv = {SRV_REDIS_TIMEOUT_MS / 1000, (SRV_REDIS_TIMEOUT_MS % 1000) * 1000};
	redisContext *c = a->unix_socket ? redisConnectUnixWithTimeout(a->host, tv)
	                                 : redisConnectWithTimeout(a->host, a->port, tv);
	if (!c) {
		snprintf(err, err_size, "cannot connect to Redis: out of memory");
		return NULL;
	}
	if (c->err || redisSetTimeout(c, tv) != REDIS_OK) {
		if (a->unix_socket)
			snprintf(err, err_size, "cannot connect to Redis at unix:%s: %s", a->host,
			         c->errstr);
		else
			snprintf(err, err_size, "cannot connect to Redis at %s:%d: %s", a->host,
			         a->port, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

struct srv_redis_pool {
	pthread_mutex_t lock;
	srv_redis_addr addr;
	redisContext *idle[POOL_IDLE_MAX];
	int nidle;
};

srv_redis_pool *srv_redis_pool_create(const srv_redis_addr *a)
{
	srv_redis_pool *p = calloc(1, sizeof *p);
	if (!p) return NULL;
	p->addr = *a;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void srv_redis_pool_destroy(srv_redis_pool *p)
{
	if (!p) return;
	for (int i = 0; i < p->nidle; i++)
		redisFree(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

redisContext *srv_redis_pool_get(srv_redis_pool *p, char *err, size_t err_size)
{
	redisContext *c = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0) c = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->lock);
	return c ? c : srv_redis_connect(&p->addr, err, err_size);
}

void srv_redis_pool_put(srv_redis_pool *p, redisContext *c, bool broken)
{
	if (!c) return;
	if (!broken && !c->err) {
		pthread_mutex_lock(&p->lock);
		if (p->nidle < POOL_IDLE_MAX) {
			p->idle[p->nidle++] = c;
			c = NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
	if (c) redisFree(c);
}

bool srv_redis_failed(const redisReply *r)
{
	return !r || r->type == REDIS_REPLY_ERROR;
}

const char *srv_redis_why(const redisContext *c, const redisReply *r)
{
	if (r && r->type == REDIS_REPLY_ERROR) return r->str;
	if (c && c->err) return c->errstr[0] ? c->errstr : "I/O error";
	return "unexpected reply";
}
