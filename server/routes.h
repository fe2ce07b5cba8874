/*
 * routes.h - the handlers of docs/http-api.md, one per route and method,
 * called by http.c once the request is routed, authorised and its body
 * read. Each queues exactly one response (or suspends the request with
 * srv_request_wait and queues it when resumed).
 *
 *   routes_jobs.c    /v1/jobs, /v1/jobs/{id}, /v1/jobs/{id}/result, /v1/generate
 *   routes_assets.c  /v1/tilesets, /v1/samples, /v1/library
 *   routes_ops.c     /healthz, /readyz, /metrics, /openapi.yaml
 */
#ifndef SRV_ROUTES_H
#define SRV_ROUTES_H

#include "app.h"
#include "http.h"

enum MHD_Result srv_jobs_post(srv_app *app, srv_request *rq);
enum MHD_Result srv_jobs_get_list(srv_app *app, srv_request *rq);
enum MHD_Result srv_job_get(srv_app *app, srv_request *rq);
enum MHD_Result srv_job_delete(srv_app *app, srv_request *rq);
enum MHD_Result srv_job_result(srv_app *app, srv_request *rq);
enum MHD_Result srv_generate(srv_app *app, srv_request *rq);
/* Submits a parsed job request (whose spec it takes and which it frees):
 * the Idempotency-Key header and the body's hash go with it. 0 with *v,
 * else a problem in *p. */
int srv_submit_parsed(srv_app *app, srv_request *rq, srv_job_request *jr, bool durable,
                      srv_job_view *v, bool *existing, srv_problem *p);

enum MHD_Result srv_assets_post(srv_app *app, srv_request *rq, srv_asset_kind kind);
enum MHD_Result srv_assets_get_list(srv_app *app, srv_request *rq, srv_asset_kind kind);
enum MHD_Result srv_asset_get(srv_app *app, srv_request *rq, srv_asset_kind kind);
enum MHD_Result srv_asset_delete(srv_app *app, srv_request *rq, srv_asset_kind kind);
enum MHD_Result srv_library_list(srv_app *app, srv_request *rq);
enum MHD_Result srv_library_entry(srv_app *app, srv_request *rq);

/* routes_models.c: /v1/models, /v1/models/{name}, /v1/models/reload */
enum MHD_Result srv_models_get_list(srv_app *app, srv_request *rq);
enum MHD_Result srv_model_get(srv_app *app, srv_request *rq);
enum MHD_Result srv_models_post_reload(srv_app *app, srv_request *rq);
enum MHD_Result srv_models_post_train(srv_app *app, srv_request *rq);

enum MHD_Result srv_ops_healthz(srv_app *app, srv_request *rq);
enum MHD_Result srv_ops_readyz(srv_app *app, srv_request *rq);
enum MHD_Result srv_ops_metrics(srv_app *app, srv_request *rq);
enum MHD_Result srv_ops_openapi(srv_app *app, srv_request *rq);

#endif
