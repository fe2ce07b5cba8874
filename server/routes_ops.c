/* routes_ops.c - /healthz, /readyz, /metrics, /openapi.yaml (see routes.h). */
#include "routes.h"

#include "../api/readfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAPI_MAX_BYTES (4u << 20)

static char *dup_text(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}

enum MHD_Result srv_ops_healthz(srv_app *app, srv_request *rq)
{
	(void)app;
	return srv_reply_json(rq, 200, dup_text("{\"status\":\"ok\"}"), NULL, 0);
}

enum MHD_Result srv_ops_readyz(srv_app *app, srv_request *rq)
{
	srv_problem p;
	if (atomic_load(&app->draining)) {
		srv_problem_set(&p, 503, "not-ready", NULL, "the server is shutting down");
		p.retry_after = 5;
		return srv_reply_problem(rq, &p);
	}
	int stuck = srv_app_stuck_workers(app);
	if (stuck > 0) {
		srv_problem_set(&p, 503, "not-ready", NULL,
		                "%d worker%s %s running past the job time limit", stuck,
		                stuck == 1 ? "" : "s", stuck == 1 ? "is" : "are");
		p.retry_after = 5;
		return srv_reply_problem(rq, &p);
	}
	char body[160];
	size_t queued, capacity;
	srv_store_depth(app->store, &queued, &capacity);
	snprintf(
	    body, sizeof body,
	    "{\"status\":\"ready\",\"workers\":%d,\"busy\":%d,\"queued\":%zu,\"capacity\":%zu}",
	    srv_workers_count(app->workers), srv_workers_busy(app->workers), queued, capacity);
	return srv_reply_json(rq, 200, dup_text(body), NULL, 0);
}

enum MHD_Result srv_ops_metrics(srv_app *app, srv_request *rq)
{
	srv_metrics_gauges g = {0};
	srv_store_depth(app->store, &g.queue_depth, &g.queue_capacity);
	g.workers = srv_workers_count(app->workers);
	g.workers_busy = srv_workers_busy(app->workers);
	g.draining = atomic_load(&app->draining);
	srv_store_counts(app->store, g.jobs_by_status);
	char *text = srv_metrics_render(app->metrics, &g);
	if (!text) return MHD_NO;
	return srv_reply(rq, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text),
	                 NULL, 0);
}

enum MHD_Result srv_ops_openapi(srv_app *app, srv_request *rq)
{
	srv_problem p;
	if (!app->openapi_path[0]) {
		srv_problem_set(&p, 404, "not-found", NULL,
		                "this server has no openapi.yaml (see wfcd --openapi)");
		return srv_reply_problem(rq, &p);
	}
	unsigned char *data = NULL;
	size_t size = 0;
	api_error err = {0};
	if (api_read_file(app->openapi_path, OPENAPI_MAX_BYTES, &data, &size, &err) != API_OK) {
		srv_problem_set(&p, 404, "not-found", NULL, "openapi.yaml cannot be read: %s",
		                err.message);
		return srv_reply_problem(rq, &p);
	}
	return srv_reply(rq, 200, "application/yaml", data, size, NULL, 0);
}
