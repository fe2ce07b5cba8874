/* runner.c - runs one job on the engine (see runner.h). */
#include "runner.h"

#include "../api/image.h"
#include "../api/output.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_run_progress(void *ctx, double fraction)
{
	srv_run_control *c = ctx;
	if (c->progress_ppm) {
		if (fraction < 0) fraction = 0;
		if (fraction > 1) fraction = 1;
		atomic_store(c->progress_ppm, (unsigned)(fraction * 1e6));
	}
	if (c->deadline_ms > 0 && srv_mono_ms() > c->deadline_ms) {
		int expected = 0;
		atomic_compare_exchange_strong(c->cancel, &expected, SRV_CANCEL_TIMEOUT);
	}
}

bool srv_render_outputs(const wfc_model *m, const wfc_state *st, srv_result *r, srv_problem *p)
{
	int w, h;
	api_error err = {0};
	wfc_render_size(m, &w, &h);
	uint32_t *px = malloc((size_t)w * (size_t)h * sizeof *px);
	if (!px) {
		srv_problem_set(p, 500, "internal", NULL, "out of memory rendering %dx%d pixels", w,
		                h);
		return false;
	}
	wfc_render(st, px);
	int rc = api_png_encode(px, w, h, &r->data[SRV_FMT_PNG], &r->size[SRV_FMT_PNG], &err);
	free(px);
	if (rc != API_OK) {
		srv_problem_from_api(p, 500, "internal", &err);
		return false;
	}
	if (!wfc_state_complete(st)) return true; /* stopped at its limit: PNG only */
	char *grid = api_grid_json(st, m, &err);
	if (!grid) {
		srv_problem_from_api(p, 500, "internal", &err);
		return false;
	}
	r->data[SRV_FMT_JSON] = (unsigned char *)grid;
	r->size[SRV_FMT_JSON] = strlen(grid);
	if (wfc_model_kind_of(m) == WFC_MODEL_TILED) {
		char *text = api_grid_text(st, m, &err);
		if (!text) {
			srv_problem_from_api(p, 500, "internal", &err);
			return false;
		}
		r->data[SRV_FMT_TEXT] = (unsigned char *)text;
		r->size[SRV_FMT_TEXT] = strlen(text);
	}
	return true;
}

void srv_run_stopped(srv_job_outcome *out, int reason, int64_t limit_ms)
{
	if (reason == SRV_CANCEL_SHUTDOWN) {
		out->requeue = true;
		out->status = SRV_JOB_QUEUED;
	} else if (reason == SRV_CANCEL_TIMEOUT) {
		out->status = SRV_JOB_FAILED;
		char after[48] = "";
		if (out->attempts > 0)
			snprintf(after, sizeof after, " after %d attempt%s", out->attempts,
			         out->attempts == 1 ? "" : "s");
		srv_problem_set(&out->error, 422, "time-limit", NULL,
		                "the job ran past its time limit of %lld ms%s; ask for a smaller "
		                "output or a longer timeLimitMs",
		                (long long)limit_ms, after);
	} else {
		out->status = SRV_JOB_CANCELED;
	}
}

void srv_run_outcome(const wfc_model *m, wfc_state *st, wfc_status ws, int32_t seed, int attempts,
                     const char *try_instead, const srv_run_control *ctl, srv_job_outcome *out)
{
	if (ws == WFC_OK) {
		if (srv_render_outputs(m, st, &out->result, &out->error))
			out->status = SRV_JOB_SUCCEEDED;
		else
			srv_result_free(&out->result);
	} else if (ws == WFC_CONTRADICTION) {
		srv_problem_set(
		    &out->error, 422, "unsatisfiable", NULL,
		    "every one of the %d attempts ran into a contradiction (seeds %d to "
		    "%d); try %s",
		    attempts, (int)seed, (int)(int32_t)((uint32_t)seed + (uint32_t)attempts - 1),
		    try_instead);
	} else if (ws == WFC_CANCELED) {
		srv_run_stopped(out, atomic_load(ctl->cancel), ctl->time_limit_ms);
	} else {
		srv_problem_set(&out->error, 500, "internal", NULL, "the engine stopped: %s",
		                wfc_status_name(ws));
	}
}

void srv_run_spec(const api_spec *spec, int32_t seed, srv_run_control *ctl, srv_job_outcome *out,
                  int *contradictions)
{
	memset(out, 0, sizeof *out);
	double t0 = srv_mono_ms();
	int64_t limit_ms = ctl->time_limit_ms;
	ctl->deadline_ms = limit_ms > 0 ? t0 + (double)limit_ms : 0;
	wfc_model *m = NULL;
	wfc_state *st = NULL;
	api_error err = {0};
	wfc_error werr = {{0}};
	out->status = SRV_JOB_FAILED;
	int rc = api_spec_build_model(spec, &m, &err);
	if (rc != API_OK) {
		srv_problem_from_api(&out->error, rc == API_ERR_NOMEM ? 500 : 422,
		                     rc == API_ERR_NOMEM ? "internal" : "invalid-spec", &err);
		out->error.has_pointer = false; /* model errors are about the whole spec */
		goto done;
	}
	if (wfc_state_create(m, &st, &werr) != WFC_OK) {
		srv_problem_set(&out->error, 422, "invalid-spec", NULL, "%s", werr.message);
		goto done;
	}
	/* model building is not interruptible: check once it is done */
	srv_run_progress(ctl, 0);
	int reason = atomic_load(ctl->cancel);
	if (reason) {
		srv_run_stopped(out, reason, limit_ms);
		goto done;
	}
	wfc_observer obs = {srv_run_progress, ctl, ctl->cancel, SRV_PROGRESS_EVERY};
	wfc_status ws = WFC_CONTRADICTION;
	int attempts = spec->attempts > 0 ? spec->attempts : 1;
	for (int k = 0; k < attempts; k++) {
		int32_t s = (int32_t)((uint32_t)seed + (uint32_t)k);
		if (ctl->progress_ppm) atomic_store(ctl->progress_ppm, 0);
		ws = wfc_run(st, s, spec->limit, &obs);
		out->attempts = k + 1;
		if (ws != WFC_CONTRADICTION) break;
		(*contradictions)++;
	}
	srv_run_outcome(m, st, ws, seed, attempts,
	                "other seeds, more attempts or a periodic output", ctl, out);
done:
	wfc_state_destroy(st);
	wfc_model_destroy(m);
	out->run_ms = srv_mono_ms() - t0;
}
