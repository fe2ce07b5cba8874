/* routes_jobs.c - /v1/jobs, /v1/jobs/{id}, /v1/jobs/{id}/result and
 * /v1/generate (see routes.h and docs/http-api.md). */
#include "routes.h"

#include "../api/sha256.h"
#include "clock.h"
#include "jobs_nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Extra seconds /v1/generate waits beyond the job's time limit, for the
 * time the job may spend queued. */
#define GENERATE_QUEUE_SLACK_S 60

static const char *const mimes[SRV_FMT_COUNT] = {"image/png", "application/json", "text/plain"};

/* The job a request is about, for the access log and for waiting. */
static void note_job(srv_request *rq, const char *id)
{
	size_t n = strnlen(id, sizeof rq->job_id - 1);
	memcpy(rq->job_id, id, n);
	rq->job_id[n] = '\0';
}

static enum MHD_Result reply_view(srv_request *rq, int status, const srv_job_view *v,
                                  const srv_header *extra, int nextra)
{
	srv_header h[4];
	int n = 0;
	char location[64];
	if (status == 202 || rq->match.route == SRV_R_JOBS) { /* POST /v1/jobs: 200 too */
		snprintf(location, sizeof location, "/v1/jobs/%s", v->id);
		h[n++] = (srv_header){"Location", location};
	}
	for (int i = 0; i < nextra && n < 4; i++)
		h[n++] = extra[i];
	return srv_reply_json(rq, status, srv_nn_job_decorate(srv_job_view_json(v), v->id), h, n);
}

static enum MHD_Result not_found(srv_request *rq, const char *id)
{
	srv_problem p;
	srv_problem_set(&p, 404, "not-found", NULL, "no job '%s'", id);
	return srv_reply_problem(rq, &p);
}

/* The job's current view: 0, or the problem (404, 503) already answered. */
static int view_or_reply(srv_app *app, srv_request *rq, const char *id, srv_job_view *v,
                         enum MHD_Result *ret)
{
	srv_problem p;
	if (!srv_id_valid(SRV_PREFIX_JOB, id)) {
		*ret = not_found(rq, id);
		return -1;
	}
	if (srv_store_view(app->store, id, v, &p)) {
		*ret = srv_reply_problem(rq, &p);
		return -1;
	}
	return 0;
}

static bool finished(const srv_job_view *v)
{
	return v->status >= SRV_JOB_SUCCEEDED;
}

/* ?wait=N or Prefer: wait=N; -1 when malformed (400), capped at the maximum. */
static long wait_seconds(srv_request *rq, bool allow_prefer)
{
	const char *q = srv_request_query(rq, "wait");
	long n = 0;
	if (q) {
		char *end;
		n = strtol(q, &end, 10);
		if (!*q || *end || n < 0) return -1;
	} else if (!allow_prefer || !srv_prefer_wait(srv_request_header(rq, "Prefer"), &n)) {
		return 0;
	}
	return n > SRV_MAX_WAIT_S ? SRV_MAX_WAIT_S : n;
}

static enum MHD_Result bad_wait(srv_request *rq)
{
	srv_problem p;
	srv_problem_set(&p, 400, "malformed", NULL, "'wait' must be a number of seconds, 0 to %d",
	                SRV_MAX_WAIT_S);
	return srv_reply_problem(rq, &p);
}

static enum MHD_Result draining(srv_request *rq)
{
	srv_problem p;
	srv_problem_set(&p, 503, "not-ready", NULL, "the server is shutting down");
	p.retry_after = 5;
	return srv_reply_problem(rq, &p);
}

int srv_submit_parsed(srv_app *app, srv_request *rq, srv_job_request *jr, bool durable,
                      srv_job_view *v, bool *existing, srv_problem *p)
{
	srv_job_params params = {0};
	params.spec = jr->spec;
	jr->spec = NULL;
	params.spec_json = jr->spec_json;
	params.seed = jr->seed;
	params.format = jr->format;
	params.time_limit_ms = jr->time_limit_ms;
	params.durable = durable;
	params.idem_key = srv_request_header(rq, "Idempotency-Key");
	api_sha256_hex_of(rq->body ? rq->body : "", rq->body_len, params.body_hash);
	int rc = srv_store_submit(app->store, &params, v, existing, p);
	srv_job_request_free(jr);
	return rc;
}

/* Parses and submits the body: 0 with *v, or a response already queued. */
static int submit(srv_app *app, srv_request *rq, bool durable, srv_job_view *v, bool *existing,
                  enum MHD_Result *ret)
{
	srv_problem p;
	srv_job_request jr;
	if (atomic_load(&app->draining)) {
		*ret = draining(rq);
		return -1;
	}
	if (srv_job_request_parse(&app->env, rq->body ? rq->body : "", rq->body_len, &jr, &p)) {
		*ret = srv_reply_problem(rq, &p);
		return -1;
	}
	int rc = srv_submit_parsed(app, rq, &jr, durable, v, existing, &p);
	if (rc) {
		*ret = srv_reply_problem(rq, &p);
		return -1;
	}
	note_job(rq, v->id);
	return 0;
}

enum MHD_Result srv_jobs_post(srv_app *app, srv_request *rq)
{
	srv_job_view v;
	char applied[32];
	enum MHD_Result ret;
	if (rq->resumed) {
		if (view_or_reply(app, rq, rq->job_id, &v, &ret)) return ret;
		snprintf(applied, sizeof applied, "wait=%lld", (long long)rq->wait_aux);
		srv_header h = {"Preference-Applied", applied};
		return reply_view(rq, finished(&v) ? 200 : 202, &v, &h, finished(&v));
	}
	long wait = wait_seconds(rq, true);
	if (wait < 0) return bad_wait(rq);
	bool existing = false;
	if (submit(app, rq, true, &v, &existing, &ret)) return ret;
	if (wait > 0 && !finished(&v) && srv_request_wait(rq, v.id, (double)wait)) {
		rq->wait_aux = wait;
		return MHD_YES;
	}
	if (wait > 0 && view_or_reply(app, rq, v.id, &v, &ret)) return ret;
	snprintf(applied, sizeof applied, "wait=%ld", wait);
	srv_header h = {"Preference-Applied", applied};
	return reply_view(rq, finished(&v) ? 200 : 202, &v, &h, wait > 0 && finished(&v));
}

enum MHD_Result srv_jobs_get_list(srv_app *app, srv_request *rq)
{
	srv_problem p;
	const char *l = srv_request_query(rq, "limit");
	long limit = 50;
	if (l) {
		char *end;
		limit = strtol(l, &end, 10);
		if (!*l || *end || limit < 1 || limit > 1000) {
			srv_problem_set(&p, 400, "malformed", NULL,
			                "'limit' must be from 1 to 1000");
			return srv_reply_problem(rq, &p);
		}
	}
	char *json = NULL;
	if (srv_store_list(app->store, (int)limit, srv_request_query(rq, "cursor"), &json, &p))
		return srv_reply_problem(rq, &p);
	return srv_reply_json(rq, 200, json, NULL, 0);
}

enum MHD_Result srv_job_get(srv_app *app, srv_request *rq)
{
	srv_job_view v;
	enum MHD_Result ret;
	const char *id = rq->resumed ? rq->job_id : rq->match.param;
	if (view_or_reply(app, rq, id, &v, &ret)) return ret;
	note_job(rq, v.id);
	if (!rq->resumed) {
		long wait = wait_seconds(rq, true);
		if (wait < 0) return bad_wait(rq);
		if (wait > 0 && !finished(&v) && srv_request_wait(rq, v.id, (double)wait))
			return MHD_YES;
		if (wait > 0 && view_or_reply(app, rq, id, &v, &ret)) return ret;
	}
	return reply_view(rq, 200, &v, NULL, 0);
}

enum MHD_Result srv_job_delete(srv_app *app, srv_request *rq)
{
	srv_job_view v;
	srv_problem p;
	const char *id = rq->match.param;
	if (!srv_id_valid(SRV_PREFIX_JOB, id)) return not_found(rq, id);
	note_job(rq, id);
	int rc = srv_store_delete(app->store, id, &v, &p);
	if (rc != 200 && rc != 204) return srv_reply_problem(rq, &p);
	if (rc == 204) return srv_reply(rq, 204, NULL, NULL, 0, NULL, 0);
	return reply_view(rq, 200, &v, NULL, 0);
}

/* The format a request asks for among `offer` (bits of srv_format): from
 * ?format= (which wins) or Accept. -1 with p filled (400 or 406). */
static int choose_format(srv_request *rq, unsigned offer, srv_format preferred, srv_problem *p)
{
	const char *q = srv_request_query(rq, "format");
	srv_format f;
	if (q) {
		if (!srv_format_parse(q, &f)) {
			srv_problem_set(p, 400, "malformed", NULL,
			                "'format' must be png, json or text, not '%s'", q);
			return -1;
		}
		if (!(offer & (1u << f))) {
			srv_problem_set(p, 406, "not-acceptable", NULL,
			                "there is no %s result here (%s)", q,
			                f == SRV_FMT_TEXT ? "text grids exist for tiled models only"
			                                  : "grids exist only for complete runs");
			return -1;
		}
		return (int)f;
	}
	const char *offered[SRV_FMT_COUNT];
	int index[SRV_FMT_COUNT], n = 0, pref = -1;
	for (int k = 0; k < SRV_FMT_COUNT; k++) {
		if (!(offer & (1u << k))) continue;
		if (k == (int)preferred) pref = n;
		index[n] = k;
		offered[n++] = mimes[k];
	}
	if (pref < 0) pref = 0; /* the default format is not available: PNG, always there */
	int pick =
	    srv_accept_pick(srv_request_header(rq, MHD_HTTP_HEADER_ACCEPT), offered, n, pref);
	if (pick < 0) {
		srv_problem_set(p, 406, "not-acceptable", NULL,
		                "none of the available formats (%s%s%s) is acceptable; use "
		                "?format= or Accept: image/png, application/json or text/plain",
		                "image/png", offer & 2 ? ", application/json" : "",
		                offer & 4 ? ", text/plain" : "");
		return -1;
	}
	return index[pick];
}

/* 200 with the result bytes (or 304); extra headers for /v1/generate. */
static enum MHD_Result reply_result(srv_app *app, srv_request *rq, const char *id, srv_format f,
                                    bool generate)
{
	srv_problem p;
	srv_job_view v;
	unsigned char *data = NULL;
	size_t size = 0;
	char etag[SRV_ETAG_MAX];
	if (srv_store_result(app->store, id, f, &data, &size, etag, &v, &p))
		return srv_reply_problem(rq, &p);
	char seed[16], attempts[16];
	snprintf(seed, sizeof seed, "%d", (int)v.seed);
	snprintf(attempts, sizeof attempts, "%d", v.attempts);
	srv_header h[6] = {{"ETag", etag}, {"Vary", "Accept"}};
	int n = 2;
	if (generate) {
		h[n++] = (srv_header){"X-Wfc-Seed", seed};
		h[n++] = (srv_header){"X-Wfc-Attempts", attempts};
		h[n++] = (srv_header){"X-Wfc-Job", v.id};
	}
	if (srv_etag_matches(srv_request_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
		free(data);
		return srv_reply(rq, 304, NULL, NULL, 0, h, n);
	}
	return srv_reply(rq, 200, srv_format_mime(f), data, size, h, n);
}

enum MHD_Result srv_job_result(srv_app *app, srv_request *rq)
{
	srv_problem p;
	srv_job_view v;
	enum MHD_Result ret;
	const char *id = rq->match.param;
	if (view_or_reply(app, rq, id, &v, &ret)) return ret;
	note_job(rq, id);
	if (v.status != SRV_JOB_SUCCEEDED) {
		srv_problem_set(&p, 409, "conflict", NULL,
		                "job %s is %s; its result exists once it has succeeded", id,
		                srv_job_status_name(v.status));
		return srv_reply_problem(rq, &p);
	}
	int f = choose_format(rq, v.available, v.format, &p);
	if (f < 0) return srv_reply_problem(rq, &p);
	return reply_result(app, rq, id, (srv_format)f, false);
}

enum MHD_Result srv_generate(srv_app *app, srv_request *rq)
{
	srv_problem p;
	srv_job_view v;
	enum MHD_Result ret;
	if (!rq->resumed) {
		bool existing = false;
		if (submit(app, rq, false, &v, &existing, &ret)) return ret;
		double wait_s = (double)v.time_limit_ms / 1e3 + GENERATE_QUEUE_SLACK_S;
		if (!finished(&v) && srv_request_wait(rq, v.id, wait_s)) return MHD_YES;
	}
	if (view_or_reply(app, rq, rq->job_id, &v, &ret)) return ret;
	switch (v.status) {
	case SRV_JOB_SUCCEEDED: {
		int f = choose_format(rq, v.available, v.format, &p);
		if (f < 0) return srv_reply_problem(rq, &p);
		return reply_result(app, rq, v.id, (srv_format)f, true);
	}
	case SRV_JOB_FAILED:
		return srv_reply_problem(rq, &v.error);
	case SRV_JOB_CANCELED:
		srv_problem_set(&p, 409, "conflict", NULL, "job %s was canceled", v.id);
		return srv_reply_problem(rq, &p);
	default: /* still queued or running at the deadline, or shutting down */
		return reply_view(rq, 202, &v, NULL, 0);
	}
}
