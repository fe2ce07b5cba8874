/*
 * redis.h - a small layer over hiredis: Redis addresses, connections and a
 * pool of them for the threads of one process.
 *
 * Addresses: "redis://HOST[:PORT]" (port 6379 by default), "unix:/path" or
 * a bare path to a Unix socket. A hiredis context serves one thread at a
 * time, so every thread borrows one from the pool for a few commands and
 * puts it back; a context that saw an I/O or protocol error is freed
 * instead (the next borrower connects afresh), so a restarted Redis is
 * picked up without a restart of wfcd.
 *
 * Ownership: srv_redis_pool_create / _destroy; contexts borrowed with
 * srv_redis_pool_get go back with srv_redis_pool_put. Replies are hiredis's
 * (freeReplyObject).
 */
#ifndef SRV_REDIS_H
#define SRV_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#define SRV_REDIS_HOST_MAX 256
#define SRV_REDIS_DEFAULT_PORT 6379
#define SRV_REDIS_TIMEOUT_MS 5000 /* connect and per-command: a stalled Redis is an error */

typedef struct {
	bool unix_socket;
	char host[SRV_REDIS_HOST_MAX]; /* or the socket's path */
	int port;
} srv_redis_addr;

/* false with a message when url is none of the accepted forms. */
bool srv_redis_addr_parse(const char *url, srv_redis_addr *out, char *err, size_t err_size);
/* A new connection with SRV_REDIS_TIMEOUT_MS timeouts; NULL with a message. */
redisContext *srv_redis_connect(const srv_redis_addr *a, char *err, size_t err_size);

typedef struct srv_redis_pool srv_redis_pool;

srv_redis_pool *srv_redis_pool_create(const srv_redis_addr *a);
void srv_redis_pool_destroy(srv_redis_pool *p);
/* An idle connection, or a new one; NULL with a message. */
redisContext *srv_redis_pool_get(srv_redis_pool *p, char *err, size_t err_size);
/* Back to the pool, or freed when it has failed (c->err set) or broken is
 * true (a reply of the wrong shape: the stream may be out of step). */
void srv_redis_pool_put(srv_redis_pool *p, redisContext *c, bool broken);

/* A reply that is an error, or no reply at all (NULL: c->err says why). */
bool srv_redis_failed(const redisReply *r);
/* The text of an error reply or of the context's error, for messages. */
const char *srv_redis_why(const redisContext *c, const redisReply *r);

#endif
