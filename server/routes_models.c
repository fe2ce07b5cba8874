/* routes_models.c - /v1/models, /v1/models/{name} and /v1/models/reload
 * (see routes.h, models.h and docs/http-api.md). */
#include "routes.h"

#include "buf.h"
#include "jobs_nn.h"

#include <stdio.h>
#include <stdlib.h>

enum MHD_Result srv_models_get_list(srv_app *app, srv_request *rq)
{
	return srv_reply_json(rq, 200, srv_models_list_json(app->models), NULL, 0);
}

enum MHD_Result srv_model_get(srv_app *app, srv_request *rq)
{
	const char *name = rq->match.param;
	char *json = srv_model_name_valid(name) ? srv_models_entry_json(app->models, name) : NULL;
	if (!json) {
		srv_problem p;
		srv_problem_set(&p, 404, "not-found", NULL, "no model named '%s'", name);
		return srv_reply_problem(rq, &p);
	}
	return srv_reply_json(rq, 200, json, NULL, 0);
}

/* Rescans the models directory; answers the new list with the counts. */
enum MHD_Result srv_models_post_reload(srv_app *app, srv_request *rq)
{
	int failed = 0;
	int loaded = srv_models_reload(app->models, &failed);
	if (loaded < 0) {
		srv_problem p;
		srv_problem_set(&p, 500, "internal", NULL, "out of memory reloading the models");
		return srv_reply_problem(rq, &p);
	}
	srv_log_event(app->log, "models-reloaded", ",\"loaded\":%d,\"failed\":%d", loaded, failed);
	char *list = srv_models_list_json(app->models);
	srv_buf b;
	srv_buf_init(&b);
	/* {"loaded":N,"failed":M,"models":[...]}: the list without its opening brace */
	srv_buf_printf(&b, "{\"loaded\":%d,\"failed\":%d,", loaded, failed);
	srv_buf_puts(&b, list ? list + 1 : "\"models\":[]}");
	free(list);
	return srv_reply_json(rq, 200, srv_buf_take(&b), NULL, 0);
}

/* POST /v1/models: a training job (jobs_nn.h). 202 + Location + the job,
 * as POST /v1/jobs answers. */
enum MHD_Result srv_models_post_train(srv_app *app, srv_request *rq)
{
	srv_problem p;
	if (atomic_load(&app->draining)) {
		srv_problem_set(&p, 503, "not-ready", NULL, "the server is shutting down");
		p.retry_after = 5;
		return srv_reply_problem(rq, &p);
	}
	srv_nn_train_limits lim = {(long)app->cfg.max_train_count, (long)app->cfg.max_train_epochs,
	                           app->cfg.no_training};
	srv_job_request jr;
	if (srv_nn_train_request(&app->env, &lim, rq->body ? rq->body : "", rq->body_len, &jr, &p))
		return srv_reply_problem(rq, &p);
	srv_job_view v;
	bool existing = false;
	int rc = srv_submit_parsed(app, rq, &jr, true, &v, &existing, &p);
	if (rc) return srv_reply_problem(rq, &p);
	char location[64];
	snprintf(location, sizeof location, "/v1/jobs/%s", v.id);
	srv_header h = {"Location", location};
	return srv_reply_json(rq, existing ? 200 : 202,
	                      srv_nn_job_decorate(srv_job_view_json(&v), v.id), &h, 1);
}
