/*
 * router.h - maps a method and path to one of the routes of
 * docs/http-api.md, or says 404 / 405 (with the methods the path allows).
 *
 * Pure: no HTTP library, no state. A route's path parameter ({id} or
 * {name}) is one non-empty segment, copied out; handlers validate it.
 * GET routes also answer HEAD.
 */
#ifndef SRV_ROUTER_H
#define SRV_ROUTER_H

#include <stddef.h>

typedef enum {
	SRV_R_JOBS,
	SRV_R_JOB,
	SRV_R_JOB_RESULT,
	SRV_R_GENERATE,
	SRV_R_TILESETS,
	SRV_R_TILESET,
	SRV_R_SAMPLES,
	SRV_R_SAMPLE,
	SRV_R_LIBRARY,
	SRV_R_LIBRARY_ENTRY,
	SRV_R_MODELS,
	SRV_R_MODELS_RELOAD,
	SRV_R_MODEL,
	SRV_R_HEALTHZ,
	SRV_R_READYZ,
	SRV_R_METRICS,
	SRV_R_OPENAPI,
	SRV_R_UNMATCHED, /* for metrics: every path that matched nothing */
	SRV_ROUTE_COUNT
} srv_route_id;

enum {
	SRV_M_GET = 1,
	SRV_M_HEAD = 2,
	SRV_M_POST = 4,
	SRV_M_PUT = 8,
	SRV_M_DELETE = 16,
	SRV_M_PATCH = 32,
	SRV_M_OPTIONS = 64,
	SRV_M_OTHER = 128
};

#define SRV_ROUTE_PARAM_MAX 160

typedef struct {
	srv_route_id route;              /* SRV_R_UNMATCHED when 404; set for 405 too */
	char param[SRV_ROUTE_PARAM_MAX]; /* "" when the route has none */
	int allowed;                     /* SRV_M_* the path accepts */
} srv_route_match;

int srv_method_bit(const char *method);
/* 200 (matched), 404 (no such path) or 405 (path known, method not). */
int srv_route(const char *method, const char *path, srv_route_match *m);
/* "/v1/jobs/{id}", ... for metrics labels and logs. */
const char *srv_route_name(srv_route_id r);
/* "GET, HEAD, POST" for an Allow header. */
void srv_route_allow(int allowed, char *out, size_t size);
/* true for routes under /v1 (those that need a key when keys are set). */
int srv_route_is_v1(srv_route_id r);

#endif
