/*
 * runner.h - one job's run: spec -> engine -> PNG, JSON grid, text grid.
 *
 * The only server file that calls the engine; workers.c calls it on worker
 * threads, never on HTTP threads. Attempt k uses seed + k (int32
 * wraparound), as docs/http-api.md promises; progress (fraction of cells
 * decided) and the time limit go through the engine's observer: the
 * progress callback raises the cancel flag when the deadline has passed,
 * and the flag's value says why the run stopped (SRV_CANCEL_*).
 *
 * Ownership: the outcome's result buffers are the caller's (srv_jobs_finish
 * takes them).
 */
#ifndef SRV_RUNNER_H
#define SRV_RUNNER_H

#include "../api/spec.h"
#include "jobs.h"

#include <stdatomic.h>

typedef struct {
	atomic_int *cancel;        /* the job's flag, raised by DELETE, shutdown or deadline */
	atomic_uint *progress_ppm; /* written as the run goes; may be NULL */
	int64_t time_limit_ms;     /* from the start of the run; 0 = none */
	double deadline_ms;        /* set by srv_run_spec */
} srv_run_control;

/* Observer callbacks between observations: cheap, no locks. */
#define SRV_PROGRESS_EVERY 16

/* The engine observer's progress hook (ctx: the srv_run_control):
 * publishes the fraction decided and raises the cancel flag once the
 * deadline has passed. */
void srv_run_progress(void *ctx, double fraction);
/* A run stopped by its cancel flag: requeued (shutdown), failed with 422
 * time-limit (deadline) or canceled (DELETE). */
void srv_run_stopped(srv_job_outcome *out, int reason, int64_t limit_ms);
/* The engine's last status as the job's outcome: rendered results, or the
 * problem the client sees; try_instead ends the unsatisfiable message. */
void srv_run_outcome(const wfc_model *m, wfc_state *st, wfc_status ws, int32_t seed, int attempts,
                     const char *try_instead, const srv_run_control *ctl, srv_job_outcome *out);

/* Fills out (status, attempts, result or error, run_ms, requeue) and adds
 * the attempts that contradicted to *contradictions. */
void srv_run_spec(const api_spec *spec, int32_t seed, srv_run_control *ctl, srv_job_outcome *out,
                  int *contradictions);

/* The outputs of a run that returned WFC_OK: PNG, and for complete runs
 * the JSON grid and (tiled) the text grid; false with p filled. Shared
 * with the neural runner (jobs_nn.h). */
bool srv_render_outputs(const wfc_model *m, const wfc_state *st, srv_result *r, srv_problem *p);

#endif
