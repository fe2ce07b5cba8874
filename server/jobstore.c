/* jobstore.c - the backend seam and the in-process backend (see jobstore.h). */
#include "jobstore.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ dispatch */

void srv_store_destroy(srv_jobstore *st)
{
	if (!st) return;
	st->ops->destroy(st->impl);
	free(st);
}

int srv_store_submit(srv_jobstore *st, srv_job_params *pa, srv_job_view *v, bool *existing,
                     srv_problem *p)
{
	return st->ops->submit(st->impl, pa, v, existing, p);
}

int srv_store_view(srv_jobstore *st, const char *id, srv_job_view *v, srv_problem *p)
{
	return st->ops->view(st->impl, id, v, p);
}

bool srv_store_finished(srv_jobstore *st, const char *id)
{
	return st->ops->finished(st->impl, id);
}

int srv_store_list(srv_jobstore *st, int limit, const char *cursor, char **json, srv_problem *p)
{
	return st->ops->list(st->impl, limit, cursor, json, p);
}

int srv_store_delete(srv_jobstore *st, const char *id, srv_job_view *v, srv_problem *p)
{
	return st->ops->remove(st->impl, id, v, p);
}

int srv_store_result(srv_jobstore *st, const char *id, srv_format f, unsigned char **data,
                     size_t *size, char etag[SRV_ETAG_MAX], srv_job_view *v, srv_problem *p)
{
	return st->ops->result(st->impl, id, f, data, size, etag, v, p);
}

bool srv_store_take(srv_jobstore *st, srv_job_claim *c)
{
	return st->ops->take(st->impl, c);
}

void srv_store_finish(srv_jobstore *st, srv_job_claim *c, srv_job_outcome *o)
{
	st->ops->finish(st->impl, c, o);
}

void srv_store_close(srv_jobstore *st)
{
	if (st) st->ops->close(st->impl);
}

void srv_store_cancel_running(srv_jobstore *st, int reason)
{
	st->ops->cancel_running(st->impl, reason);
}

void srv_store_housekeep(srv_jobstore *st, int64_t now_ms)
{
	st->ops->housekeep(st->impl, now_ms);
}

void srv_store_depth(srv_jobstore *st, size_t *queued, size_t *capacity)
{
	st->ops->depth(st->impl, queued, capacity);
}

void srv_store_counts(srv_jobstore *st, size_t counts[SRV_JOB_STATUSES])
{
	st->ops->counts(st->impl, counts);
}

/* ------------------------------------------------------------ in-process */

typedef struct {
	srv_jobs *jobs;
	srv_queue *queue;
} local;

static void l_destroy(void *impl)
{
	free(impl);
}

static int l_submit(void *impl, srv_job_params *pa, srv_job_view *v, bool *existing, srv_problem *p)
{
	return srv_jobs_submit(((local *)impl)->jobs, pa, v, existing, p);
}

static int l_view(void *impl, const char *id, srv_job_view *v, srv_problem *p)
{
	if (srv_jobs_view(((local *)impl)->jobs, id, v)) return 0;
	return srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
}

static bool l_finished(void *impl, const char *id)
{
	return srv_jobs_finished(((local *)impl)->jobs, id);
}

static int l_list(void *impl, int limit, const char *cursor, char **json, srv_problem *p)
{
	return srv_jobs_list(((local *)impl)->jobs, limit, cursor, json, p);
}

static int l_remove(void *impl, const char *id, srv_job_view *v, srv_problem *p)
{
	int rc = srv_jobs_delete(((local *)impl)->jobs, id, v);
	if (rc == 404) srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
	return rc;
}

static int l_result(void *impl, const char *id, srv_format f, unsigned char **data, size_t *size,
                    char etag[SRV_ETAG_MAX], srv_job_view *v, srv_problem *p)
{
	return srv_jobs_result(((local *)impl)->jobs, id, f, data, size, etag, v, p);
}

static bool l_take(void *impl, srv_job_claim *c)
{
	local *l = impl;
	char id[SRV_ID_MAX];
	while (srv_queue_pop(l->queue, id)) {
		srv_problem p;
		if (srv_jobs_claim(l->jobs, id, c, &p)) return true; /* else canceled meanwhile */
	}
	return false;
}

static void l_finish(void *impl, srv_job_claim *c, srv_job_outcome *o)
{
	srv_jobs_finish(((local *)impl)->jobs, c, o);
}

static void l_close(void *impl)
{
	srv_queue_close(((local *)impl)->queue);
}

static void l_cancel_running(void *impl, int reason)
{
	srv_jobs_cancel_running(((local *)impl)->jobs, reason);
}

static void l_housekeep(void *impl, int64_t now_ms)
{
	srv_jobs_housekeep(((local *)impl)->jobs, now_ms);
}

static void l_depth(void *impl, size_t *queued, size_t *capacity)
{
	local *l = impl;
	*queued = srv_queue_depth(l->queue);
	*capacity = srv_queue_capacity(l->queue);
}

static void l_counts(void *impl, size_t counts[SRV_JOB_STATUSES])
{
	srv_jobs_counts(((local *)impl)->jobs, counts);
}

static const srv_jobstore_ops local_ops = {
    .destroy = l_destroy,
    .submit = l_submit,
    .view = l_view,
    .finished = l_finished,
    .list = l_list,
    .remove = l_remove,
    .result = l_result,
    .take = l_take,
    .finish = l_finish,
    .close = l_close,
    .cancel_running = l_cancel_running,
    .housekeep = l_housekeep,
    .depth = l_depth,
    .counts = l_counts,
};

srv_jobstore *srv_jobstore_local(srv_jobs *s, srv_queue *q)
{
	srv_jobstore *st = calloc(1, sizeof *st);
	local *l = calloc(1, sizeof *l);
	if (!st || !l) {
		free(st);
		free(l);
		return NULL;
	}
	l->jobs = s;
	l->queue = q;
	st->ops = &local_ops;
	st->impl = l;
	st->kind = "memory";
	return st;
}
