/* workers.c - engine threads (see workers.h). */
#include "workers.h"

#include "buf.h"
#include "clock.h"
#include "jobs_nn.h"
#include "runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	pthread_t thread;
	struct srv_workers *pool;
	_Atomic double busy_since; /* srv_mono_ms() of the claim, 0 when idle */
	_Atomic double limit_ms;
} worker;

struct srv_workers {
	srv_workers_options o;
	worker *w;
	int started;
};

static srv_outcome outcome_of(srv_job_status s)
{
	return s == SRV_JOB_SUCCEEDED  ? SRV_OUTCOME_SUCCEEDED
	       : s == SRV_JOB_CANCELED ? SRV_OUTCOME_CANCELED
	                               : SRV_OUTCOME_FAILED;
}

static void *work(void *arg)
{
	worker *self = arg;
	const srv_workers_options *o = &self->pool->o;
	srv_job_claim c;
	while (srv_store_take(o->store, &c)) {
		const char *id = c.id;
		atomic_store(&self->limit_ms, (double)c.time_limit_ms);
		atomic_store(&self->busy_since, srv_mono_ms());
		srv_run_control ctl = {c.cancel, c.progress_ppm, c.time_limit_ms, 0};
		srv_job_outcome out;
		int contradictions = 0;
		if (c.spec->neural)
			srv_run_neural(o->models, c.spec, c.seed, c.id, &ctl, &out);
		else
			srv_run_spec(c.spec, c.seed, &ctl, &out, &contradictions);
		api_spec_free(c.spec);
		free(c.spec);
		c.spec = NULL;
		srv_metrics_contradictions(o->metrics, contradictions);
		if (!out.requeue)
			srv_metrics_job(o->metrics, outcome_of(out.status), out.run_ms / 1e3);
		if (o->log && out.status == SRV_JOB_FAILED && out.error.status >= 500)
			srv_log_event(o->log, "job-error", ",\"job\":\"%s\",\"status\":%d", id,
			              out.error.status);
		srv_store_finish(o->store, &c, &out);
		atomic_store(&self->busy_since, 0.0);
	}
	return NULL;
}

int srv_workers_start(const srv_workers_options *o, srv_workers **out, char *err, size_t err_size)
{
	*out = NULL;
	srv_workers *p = calloc(1, sizeof *p);
	if (!p || !(p->w = calloc((size_t)(o->count > 0 ? o->count : 1), sizeof *p->w))) {
		free(p);
		snprintf(err, err_size, "out of memory starting workers");
		return -1;
	}
	p->o = *o;
	for (int i = 0; i < o->count; i++) {
		p->w[i].pool = p;
		atomic_init(&p->w[i].busy_since, 0.0);
		atomic_init(&p->w[i].limit_ms, 0.0);
		if (pthread_create(&p->w[i].thread, NULL, work, &p->w[i]) != 0) {
			snprintf(err, err_size, "cannot start worker thread %d", i + 1);
			srv_store_close(o->store);
			srv_workers_join(p);
			return -1;
		}
		p->started++;
	}
	*out = p;
	return 0;
}

void srv_workers_join(srv_workers *w)
{
	if (!w) return;
	for (int i = 0; i < w->started; i++)
		pthread_join(w->w[i].thread, NULL);
	free(w->w);
	free(w);
}

int srv_workers_count(const srv_workers *w)
{
	return w ? w->o.count : 0;
}

int srv_workers_busy(srv_workers *w)
{
	int n = 0;
	for (int i = 0; w && i < w->started; i++)
		n += atomic_load(&w->w[i].busy_since) > 0;
	return n;
}

int srv_workers_stuck(srv_workers *w, double now_mono_ms, double grace_ms)
{
	int n = 0;
	for (int i = 0; w && i < w->started; i++) {
		double since = atomic_load(&w->w[i].busy_since);
		double limit = atomic_load(&w->w[i].limit_ms);
		if (since > 0 && limit > 0 && now_mono_ms - since > limit + grace_ms) n++;
	}
	return n;
}
