/*
 * request.h - request bodies -> validated specs.
 *
 * A job request (POST /v1/jobs, /v1/generate; docs/http-api.md) is either
 * a full JSON spec or {"library"|"tileset"|"sample": name} plus overrides
 * of the spec's options, and in both cases the job options "format" and
 * "timeLimitMs". The job options are taken out, a named source is loaded
 * as its canonical JSON and the overrides are written over it, and the
 * result goes through the api's strict spec reader with paths refused
 * (base_dir NULL), so every error carries the JSON pointer of the request
 * field at fault. Registering a tileset or sample reads a plain spec, or a
 * PNG with its options in the query string.
 *
 * HTTP-free and engine-free: nothing here builds a model.
 */
#ifndef SRV_REQUEST_H
#define SRV_REQUEST_H

#include "../api/library.h"
#include "../api/spec.h"
#include "assets.h"
#include "job.h"
#include "problem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_JSON_MAX_DEPTH 32 /* a spec needs 4; deeper is refused before parsing */

struct srv_models;
struct cJSON;

typedef struct srv_request_env {
	const api_library *library; /* may be NULL */
	srv_assets *assets;
	long max_cells;
	int64_t max_time_limit_ms;
	/* Neural jobs ("model": "generator" | "guided", jobs_nn.h): the
	 * registry and the parser (srv_nn_build_spec, out a srv_job_request),
	 * set by app.c; NULL: such requests are 422. A pointer, so that what
	 * links this module (the fuzz targets) need not link nn/. */
	struct srv_models *models;
	int (*neural_parse)(const struct srv_request_env *env, struct cJSON *root, void *out,
	                    srv_problem *p);
} srv_request_env;

typedef struct {
	api_spec *spec;  /* heap; the caller frees (srv_job_request_free) or hands it on */
	char *spec_json; /* canonical, seed included */
	int32_t seed;
	srv_format format;
	int64_t time_limit_ms;
} srv_job_request;

/* 0 when data is JSON nested at most max_depth deep (strings skipped
 * properly), else 400 with p filled. Does not validate the JSON. */
int srv_json_check_depth(const char *data, size_t len, int max_depth, srv_problem *p);

/* 0 with *out filled, or 400/422/500 with p filled. */
int srv_job_request_parse(const srv_request_env *env, const char *body, size_t len,
                          srv_job_request *out, srv_problem *p);
void srv_job_request_free(srv_job_request *r);

/* A JSON spec of the given model (tileset: tiled, sample: overlapping). */
int srv_spec_parse_kind(const char *body, size_t len, wfc_model_kind kind, api_spec *out,
                        srv_problem *p);
/* A PNG sample; query(ctx, key) returns a query parameter or NULL
 * (name, N, symmetry, periodicInput, ground). */
int srv_sample_from_png(const unsigned char *png, size_t len,
                        const char *(*query)(void *ctx, const char *key), void *ctx, api_spec *out,
                        srv_problem *p);

#endif
