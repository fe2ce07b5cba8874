/* router.c - routes of docs/http-api.md (see router.h). */
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	srv_route_id id;
	const char *path; /* "{}" marks the parameter segment */
	const char *name;
	int methods;
} route;

#define GETS (SRV_M_GET | SRV_M_HEAD)
static const route routes[] = {
    {SRV_R_JOBS, "/v1/jobs", "/v1/jobs", GETS | SRV_M_POST},
    {SRV_R_JOB, "/v1/jobs/{}", "/v1/jobs/{id}", GETS | SRV_M_DELETE},
    {SRV_R_JOB_RESULT, "/v1/jobs/{}/result", "/v1/jobs/{id}/result", GETS},
    {SRV_R_GENERATE, "/v1/generate", "/v1/generate", SRV_M_POST},
    {SRV_R_TILESETS, "/v1/tilesets", "/v1/tilesets", GETS | SRV_M_POST},
    {SRV_R_TILESET, "/v1/tilesets/{}", "/v1/tilesets/{id}", GETS | SRV_M_DELETE},
    {SRV_R_SAMPLES, "/v1/samples", "/v1/samples", GETS | SRV_M_POST},
    {SRV_R_SAMPLE, "/v1/samples/{}", "/v1/samples/{id}", GETS | SRV_M_DELETE},
    {SRV_R_LIBRARY, "/v1/library", "/v1/library", GETS},
    {SRV_R_LIBRARY_ENTRY, "/v1/library/{}", "/v1/library/{name}", GETS},
    /* before /v1/models/{name}: "reload" is not a model name */
    {SRV_R_MODELS_RELOAD, "/v1/models/reload", "/v1/models/reload", SRV_M_POST},
    {SRV_R_MODELS, "/v1/models", "/v1/models", GETS | SRV_M_POST},
    {SRV_R_MODEL, "/v1/models/{}", "/v1/models/{name}", GETS},
    {SRV_R_HEALTHZ, "/healthz", "/healthz", GETS},
    {SRV_R_READYZ, "/readyz", "/readyz", GETS},
    {SRV_R_METRICS, "/metrics", "/metrics", GETS},
    {SRV_R_OPENAPI, "/openapi.yaml", "/openapi.yaml", GETS},
};
#define NROUTES (sizeof routes / sizeof routes[0])

int srv_method_bit(const char *method)
{
	static const struct {
		const char *name;
		int bit;
	} m[] = {{"GET", SRV_M_GET},        {"HEAD", SRV_M_HEAD},     {"POST", SRV_M_POST},
	         {"PUT", SRV_M_PUT},        {"DELETE", SRV_M_DELETE}, {"PATCH", SRV_M_PATCH},
	         {"OPTIONS", SRV_M_OPTIONS}};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(method, m[i].name)) return m[i].bit;
	return SRV_M_OTHER;
}

/* Matches path against pattern; the "{}" segment is copied into param. */
static bool match(const char *pattern, const char *path, char *param)
{
	param[0] = '\0';
	while (*pattern) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= SRV_ROUTE_PARAM_MAX) return false;
			memcpy(param, path, n);
			param[n] = '\0';
			path += n;
			pattern += 2;
			continue;
		}
		if (*pattern++ != *path++) return false;
	}
	return *path == '\0';
}

int srv_route(const char *method, const char *path, srv_route_match *m)
{
	memset(m, 0, sizeof *m);
	m->route = SRV_R_UNMATCHED;
	int bit = srv_method_bit(method);
	char param[SRV_ROUTE_PARAM_MAX];
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].path, path, param)) continue;
		m->allowed = routes[i].methods;
		m->route = routes[i].id;
		if (!(routes[i].methods & bit)) return 405;
		memcpy(m->param, param, sizeof param);
		return 200;
	}
	return 404;
}

const char *srv_route_name(srv_route_id r)
{
	for (size_t i = 0; i < NROUTES; i++)
		if (routes[i].id == r) return routes[i].name;
	return "unmatched";
}

void srv_route_allow(int allowed, char *out, size_t size)
{
	static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 6; i++) {
		if (!(allowed & (1 << i))) continue;
		int w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= size - n) break;
		n += (size_t)w;
	}
}

int srv_route_is_v1(srv_route_id r)
{
	return r <= SRV_R_MODEL;
}
