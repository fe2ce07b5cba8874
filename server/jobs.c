/* jobs.c - the job store and lifecycle (see jobs.h). */
#include "jobs.h"

#include "../api/json_spec.h"
#include "buf.h"
#include "clock.h"
#include "persist.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORD_BYTES (1u << 20)
#define MAX_RESULT_BYTES (1u << 30)

static const char *const result_suffix[SRV_FMT_COUNT] = {".png", ".grid.json", ".txt"};

struct srv_jobs {
	pthread_mutex_t lock;         /* every job field, the list and the index */
	pthread_mutex_t persist_lock; /* serialises file writes (taken first) */
	srv_jobs_options o;
	srv_job *head, *tail; /* creation order: head oldest */
	srv_job **buckets;    /* id hash index, chained by hnext */
	size_t nbuckets, count;
	uint64_t next_seq;
	size_t cache_bytes;
	struct pending_key *pending; /* Idempotency-Keys of submissions in flight */
};

/* A submission holds its Idempotency-Key here from its first look-up to
 * its job's linking (the spec is written and fsync'ed in between, outside
 * the lock): a twin arriving meanwhile is told 409 rather than racing. */
struct pending_key {
	char key[SRV_IDEM_KEY_MAX];
	struct pending_key *next;
};

/* ------------------------------------------------------------ index */

static size_t hash_id(const char *id)
{
	size_t h = 1469598103934665603u;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211u;
	return h;
}

static srv_job *find(const srv_jobs *s, const char *id)
{
	for (srv_job *j = s->buckets[hash_id(id) % s->nbuckets]; j; j = j->hnext)
		if (!strcmp(j->id, id)) return j;
	return NULL;
}

static void rehash(srv_jobs *s)
{
	size_t n = s->nbuckets * 4;
	srv_job **b = calloc(n, sizeof *b);
	if (!b) return; /* keep the longer chains; lookups still work */
	for (srv_job *j = s->head; j; j = j->next) {
		size_t k = hash_id(j->id) % n;
		j->hnext = b[k];
		b[k] = j;
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

/* Appends j (newest) to the list and the index. */
static void link_job(srv_jobs *s, srv_job *j)
{
	j->prev = s->tail;
	j->next = NULL;
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	size_t k = hash_id(j->id) % s->nbuckets;
	j->hnext = s->buckets[k];
	s->buckets[k] = j;
	if (++s->count > s->nbuckets * 2) rehash(s);
}

static void unlink_job(srv_jobs *s, srv_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		s->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		s->tail = j->prev;
	for (srv_job **p = &s->buckets[hash_id(j->id) % s->nbuckets]; *p; p = &(*p)->hnext)
		if (*p == j) {
			*p = j->hnext;
			break;
		}
	s->count--;
	s->cache_bytes -= j->cache_bytes;
	srv_result_free(&j->cache);
	j->cache_bytes = 0;
}

static void free_job(srv_job *j)
{
	if (!j) return;
	if (j->spec) {
		api_spec_free(j->spec);
		free(j->spec);
	}
	srv_result_free(&j->cache);
	free(j);
}

/* ------------------------------------------------------------ files */

static void log_io(srv_jobs *s, const char *what, const char *msg)
{
	srv_log_error(s->o.log, "io-error", what, msg);
}

static void file_name(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "%s%s", id, suffix);
}

/* Writes the job's current record; see the lock order in jobs.h. */
static void persist_record(srv_jobs *s, const char *id, bool durable)
{
	if (!s->o.data_dir) return;
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	char *rec = j ? srv_job_record_json(j) : NULL;
	pthread_mutex_unlock(&s->lock);
	if (rec) {
		char name[SRV_ID_MAX + 16], err[512];
		file_name(name, sizeof name, id, ".json");
		if (srv_persist_write(s->o.data_dir, SRV_DIR_JOBS, name, rec, strlen(rec), durable,
		                      err, sizeof err))
			log_io(s, "job record", err);
	} else if (j) {
		log_io(s, "job record", "out of memory");
	}
	free(rec);
	pthread_mutex_unlock(&s->persist_lock);
}

/* Caller holds the persist lock (or is the only thread that knows id). */
static void remove_files(srv_jobs *s, const char *id)
{
	if (!s->o.data_dir) return;
	const char *suffixes[] = {".json", ".spec.json", ".png", ".grid.json", ".txt"};
	char name[SRV_ID_MAX + 16];
	for (int i = 0; i < 5; i++) {
		file_name(name, sizeof name, id, suffixes[i]);
		srv_persist_remove(s->o.data_dir, SRV_DIR_JOBS, name);
	}
}

/* ------------------------------------------------------------ create */

int srv_jobs_create(const srv_jobs_options *o, srv_jobs **out, char *err, size_t err_size)
{
	*out = NULL;
	srv_jobs *s = calloc(1, sizeof *s);
	if (!s || !(s->buckets = calloc(1024, sizeof *s->buckets))) {
		free(s);
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	s->nbuckets = 1024;
	s->o = *o;
	s->next_seq = 1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->persist_lock, NULL);
	*out = s;
	return 0;
}

void srv_jobs_destroy(srv_jobs *s)
{
	if (!s) return;
	for (srv_job *j = s->head; j;) {
		srv_job *next = j->next;
		free_job(j);
		j = next;
	}
	free(s->buckets);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->persist_lock);
	free(s);
}

/* ------------------------------------------------------------ restore */

typedef struct {
	srv_jobs *s;
	srv_job **jobs;
	size_t n, cap;
} restore_ctx;

static bool restore_one(void *ctx, const char *name)
{
	restore_ctx *r = ctx;
	char id[SRV_ID_MAX];
	size_t n = strlen(name);
	if (n <= 5 || n - 5 >= sizeof id) return true;
	memcpy(id, name, n - 5);
	id[n - 5] = '\0';
	if (!srv_id_valid(SRV_PREFIX_JOB, id)) return true; /* .spec.json, .grid.json */
	unsigned char *data = NULL;
	size_t size = 0;
	char err[512];
	if (srv_persist_read(r->s->o.data_dir, SRV_DIR_JOBS, name, MAX_RECORD_BYTES, &data, &size,
	                     err, sizeof err)) {
		log_io(r->s, name, err);
		return true;
	}
	srv_job *j = calloc(1, sizeof *j);
	if (!j || !srv_job_from_record((const char *)data, size, j, err, sizeof err) ||
	    strcmp(j->id, id) != 0) {
		log_io(r->s, name, j ? err : "out of memory");
		free(j);
		free(data);
		return true;
	}
	free(data);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		srv_job **a = realloc(r->jobs, cap * sizeof *a);
		if (!a) {
			free(j);
			return false;
		}
		r->jobs = a;
		r->cap = cap;
	}
	r->jobs[r->n++] = j;
	return true;
}

static int by_seq(const void *a, const void *b)
{
	const srv_job *x = *(srv_job *const *)a, *y = *(srv_job *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int srv_jobs_restore(srv_jobs *s, int *loaded)
{
	*loaded = 0;
	if (!s->o.data_dir) return 0;
	restore_ctx r = {s, NULL, 0, 0};
	srv_persist_list(s->o.data_dir, SRV_DIR_JOBS, ".json", restore_one, &r);
	if (r.n) qsort(r.jobs, r.n, sizeof *r.jobs, by_seq);
	int requeued = 0;
	for (size_t i = 0; i < r.n; i++) {
		srv_job *j = r.jobs[i];
		pthread_mutex_lock(&s->lock);
		bool dup = find(s, j->id) != NULL;
		if (!dup) {
			if (j->seq >= s->next_seq) s->next_seq = j->seq + 1;
			bool again = j->status == SRV_JOB_QUEUED || j->status == SRV_JOB_RUNNING;
			if (again) { /* accepted before the restart: runs again from scratch */
				j->status = SRV_JOB_QUEUED;
				j->started_ms = j->finished_ms = 0;
				j->attempts = 0;
				j->run_ms = 0;
				j->has_error = false;
				j->available = 0;
				atomic_store(&j->progress_ppm, 0);
			}
			j->on_disk = j->status == SRV_JOB_SUCCEEDED;
			link_job(s, j);
			if (again && srv_queue_push_force(s->o.queue, j->id)) requeued++;
		}
		pthread_mutex_unlock(&s->lock);
		if (dup) {
			free(j);
			continue;
		}
		(*loaded)++;
		persist_record(s, r.jobs[i]->id, false);
	}
	free(r.jobs);
	return requeued;
}

/* ------------------------------------------------------------ HTTP side */

/* Under the lock: the job submitted earlier with this key, if any. */
static srv_job *find_idem(srv_jobs *s, const char *key)
{
	for (srv_job *j = s->tail; j; j = j->prev)
		if (j->idem_key[0] && !strcmp(j->idem_key, key)) return j;
	return NULL;
}

/* Under the lock: -1 when no job has the key, else fills the answer. */
static int idem_answer(srv_jobs *s, const srv_job_params *pa, srv_job_view *view, bool *existing,
                       srv_problem *p)
{
	srv_job *j = pa->idem_key ? find_idem(s, pa->idem_key) : NULL;
	if (!j) return -1;
	/* 422, as draft-ietf-httpapi-idempotency-key-header: the key is reused
	 * for another request; 409 is for a twin still in flight */
	if (strcmp(j->body_hash, pa->body_hash) != 0)
		return srv_problem_set(p, 422, "conflict", NULL,
		                       "Idempotency-Key '%s' was used for job %s with a different "
		                       "request body",
		                       pa->idem_key, j->id);
	srv_job_view_of(j, view, srv_now_ms());
	*existing = true;
	return 0;
}

/* Under the lock: reserves pa's key in *slot, or 409 when a twin holds it. */
static int idem_reserve(srv_jobs *s, const srv_job_params *pa, struct pending_key *slot,
                        srv_problem *p)
{
	for (struct pending_key *k = s->pending; k; k = k->next)
		if (!strcmp(k->key, pa->idem_key)) {
			srv_problem_set(p, 409, "conflict", NULL,
			                "a request with Idempotency-Key '%s' is still being "
			                "processed; retry it shortly",
			                pa->idem_key);
			p->retry_after = 1;
			return 409;
		}
	snprintf(slot->key, sizeof slot->key, "%s", pa->idem_key);
	slot->next = s->pending;
	s->pending = slot;
	return 0;
}

/* Under the lock. */
static void idem_release(srv_jobs *s, struct pending_key *slot)
{
	for (struct pending_key **k = &s->pending; *k; k = &(*k)->next)
		if (*k == slot) {
			*k = slot->next;
			return;
		}
}

void srv_job_init_queued(srv_job *j, const srv_job_params *pa)
{
	j->seed = pa->seed;
	j->kind = pa->spec->kind;
	j->width = pa->spec->width;
	j->height = pa->spec->height;
	j->format = pa->format;
	j->time_limit_ms = pa->time_limit_ms;
	j->created_ms = srv_now_ms();
	j->status = SRV_JOB_QUEUED;
	if (pa->idem_key) {
		snprintf(j->idem_key, sizeof j->idem_key, "%s", pa->idem_key);
		memcpy(j->body_hash, pa->body_hash, sizeof j->body_hash);
	}
}

static int queue_full(srv_jobs *s, srv_problem *p)
{
	srv_problem_set(p, 503, "queue-full", NULL,
	                "the queue is full (%zu jobs waiting for a worker); try again shortly",
	                srv_queue_capacity(s->o.queue));
	p->retry_after = 2;
	return 503;
}

static void free_params_spec(srv_job_params *pa)
{
	if (pa->spec) {
		api_spec_free(pa->spec);
		free(pa->spec);
		pa->spec = NULL;
	}
}

int srv_jobs_submit(srv_jobs *s, srv_job_params *pa, srv_job_view *view, bool *existing,
                    srv_problem *p)
{
	*existing = false;
	if (pa->idem_key && strlen(pa->idem_key) >= SRV_IDEM_KEY_MAX) {
		free_params_spec(pa);
		return srv_problem_set(p, 400, "malformed", NULL,
		                       "Idempotency-Key may be at most %d bytes",
		                       SRV_IDEM_KEY_MAX - 1);
	}
	struct pending_key slot = {0}; /* on this stack until released below */
	pthread_mutex_lock(&s->lock);
	int rc = idem_answer(s, pa, view, existing, p);
	if (rc < 0 && pa->idem_key) rc = idem_reserve(s, pa, &slot, p) ? 409 : -1;
	pthread_mutex_unlock(&s->lock);
	if (rc >= 0) {
		free_params_spec(pa);
		return rc;
	}
	/* a full queue is refused before the spec is written (and fsync'ed):
	 * under overload a refusal must stay much cheaper than an acceptance */
	srv_job *j = NULL;
	if (srv_queue_depth(s->o.queue) >= srv_queue_capacity(s->o.queue))
		rc = queue_full(s, p);
	else if (!(j = calloc(1, sizeof *j)) || !srv_id_new(SRV_PREFIX_JOB, j->id))
		rc = srv_problem_set(p, 500, "internal", NULL, "cannot create a job id");
	if (rc >= 0) {
		if (pa->idem_key) {
			pthread_mutex_lock(&s->lock);
			idem_release(s, &slot);
			pthread_mutex_unlock(&s->lock);
		}
		free(j);
		free_params_spec(pa);
		return rc;
	}
	char name[SRV_ID_MAX + 16], err[512];
	file_name(name, sizeof name, j->id, ".spec.json");
	if (s->o.data_dir &&
	    srv_persist_write(s->o.data_dir, SRV_DIR_JOBS, name, pa->spec_json,
	                      strlen(pa->spec_json), pa->durable, err, sizeof err)) {
		int e = errno;
		log_io(s, "job spec", err);
		if (pa->idem_key) {
			pthread_mutex_lock(&s->lock);
			idem_release(s, &slot);
			pthread_mutex_unlock(&s->lock);
		}
		free(j);
		free_params_spec(pa);
		return srv_persist_problem(p, e, "job"); /* 507 when the disk is full */
	}
	srv_job_init_queued(j, pa);
	j->spec = pa->spec;
	pa->spec = NULL;
	pthread_mutex_lock(&s->lock);
	if (pa->idem_key) idem_release(s, &slot);
	rc = idem_answer(s, pa, view, existing, p); /* a twin may have won the race */
	if (rc < 0) {
		j->seq = s->next_seq++;
		link_job(s, j);
		if (!srv_queue_push(s->o.queue, j->id)) {
			unlink_job(s, j);
			rc = queue_full(s, p);
		} else {
			srv_job_view_of(j, view, j->created_ms);
			rc = 0;
			j = NULL; /* the store's now */
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (j) { /* not stored */
		if (s->o.data_dir) srv_persist_remove(s->o.data_dir, SRV_DIR_JOBS, name);
		free_job(j);
		return rc;
	}
	persist_record(s, view->id, pa->durable);
	return 0;
}

bool srv_jobs_view(srv_jobs *s, const char *id, srv_job_view *view)
{
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	if (j) srv_job_view_of(j, view, srv_now_ms());
	pthread_mutex_unlock(&s->lock);
	return j != NULL;
}

bool srv_jobs_finished(srv_jobs *s, const char *id)
{
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	bool done = !j || j->status >= SRV_JOB_SUCCEEDED;
	pthread_mutex_unlock(&s->lock);
	return done;
}

int srv_jobs_list(srv_jobs *s, int limit, const char *cursor, char **json, srv_problem *p)
{
	*json = NULL;
	uint64_t before = UINT64_MAX;
	if (cursor) {
		char *end;
		unsigned long long v = strtoull(cursor, &end, 10);
		if (!*cursor || *end || cursor[0] == '-' || cursor[0] == '+')
			return srv_problem_set(
			    p, 400, "malformed", NULL,
			    "'cursor' must be the 'next' value of an earlier page");
		before = v;
	}
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, "{\"jobs\":[");
	int n = 0;
	uint64_t last = 0;
	bool more = false;
	int64_t now = srv_now_ms();
	pthread_mutex_lock(&s->lock);
	for (srv_job *j = s->tail; j; j = j->prev) {
		if (j->seq >= before) continue;
		if (n == limit) {
			more = true;
			break;
		}
		srv_job_view v;
		srv_job_view_of(j, &v, now);
		char *text = srv_job_view_json(&v);
		if (!text) b.failed = true;
		if (n++) srv_buf_puts(&b, ",");
		if (text) srv_buf_puts(&b, text);
		free(text);
		last = j->seq;
	}
	pthread_mutex_unlock(&s->lock);
	if (more)
		srv_buf_printf(&b, "],\"next\":\"%llu\"}", (unsigned long long)last);
	else
		srv_buf_puts(&b, "],\"next\":null}");
	*json = srv_buf_take(&b);
	if (!*json) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	return 0;
}

int srv_jobs_delete(srv_jobs *s, const char *id, srv_job_view *view)
{
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	int rc = 404;
	bool notify = false;
	if (j && j->status <= SRV_JOB_RUNNING) {
		int64_t now = srv_now_ms();
		if (j->status == SRV_JOB_QUEUED) {
			srv_queue_remove(s->o.queue, j->id);
			j->queued_ms = (double)(now - j->created_ms);
		} else {
			atomic_store(&j->cancel, SRV_CANCEL_USER);
			j->run_ms = (double)(now - j->started_ms);
		}
		j->status = SRV_JOB_CANCELED;
		j->finished_ms = now;
		srv_job_view_of(j, view, now);
		rc = 200;
		notify = true;
	} else if (j) {
		unlink_job(s, j);
		if (j->busy)
			j->orphan = true; /* its worker frees it */
		else
			free_job(j);
		remove_files(s, id);
		rc = 204;
	}
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->persist_lock);
	if (notify) {
		persist_record(s, id, false);
		if (s->o.on_finish) s->o.on_finish(s->o.listener_ctx, id);
	}
	return rc;
}

int srv_jobs_result(srv_jobs *s, const char *id, srv_format f, unsigned char **data, size_t *size,
                    char etag[SRV_ETAG_MAX], srv_job_view *view, srv_problem *p)
{
	*data = NULL;
	*size = 0;
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	int rc = 0;
	bool from_disk = false;
	if (!j) {
		rc = srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
	} else {
		srv_job_view_of(j, view, srv_now_ms());
		if (j->status != SRV_JOB_SUCCEEDED) {
			rc =
			    srv_problem_set(p, 409, "conflict", NULL,
			                    "job %s is %s; its result exists once it has succeeded",
			                    id, srv_job_status_name(j->status));
		} else if (!(j->available & (1u << f))) {
			rc = srv_problem_set(p, 406, "not-acceptable", NULL,
			                     "job %s has no %s result%s", id, srv_format_name(f),
			                     f == SRV_FMT_TEXT && j->kind != WFC_MODEL_TILED
			                         ? " (text grids exist for tiled models only)"
			                         : " (grids exist only for complete runs)");
		} else {
			memcpy(etag, j->etag[f], SRV_ETAG_MAX);
			if (j->cache.data[f]) {
				*data = malloc(j->cache.size[f] ? j->cache.size[f] : 1);
				if (*data) {
					memcpy(*data, j->cache.data[f], j->cache.size[f]);
					*size = j->cache.size[f];
				} else {
					rc = srv_problem_set(p, 500, "internal", NULL,
					                     "out of memory");
				}
			} else {
				from_disk = true;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!from_disk) return rc;
	char name[SRV_ID_MAX + 16], err[512];
	file_name(name, sizeof name, id, result_suffix[f]);
	if (!s->o.data_dir || srv_persist_read(s->o.data_dir, SRV_DIR_JOBS, name, MAX_RESULT_BYTES,
	                                       data, size, err, sizeof err)) {
		if (!srv_jobs_view(s, id, view))
			return srv_problem_set(p, 404, "not-found", NULL, "no job '%s'", id);
		log_io(s, "result", s->o.data_dir ? err : "no data directory");
		return srv_problem_set(p, 500, "internal", NULL, "the result of job %s is lost",
		                       id);
	}
	/* a file truncated or changed on disk is never served: its bytes must
	 * hash to the ETag recorded when the job finished */
	char actual[SRV_ETAG_MAX];
	srv_job_etag(*data, *size, actual);
	if (strcmp(actual, etag) != 0) {
		free(*data);
		*data = NULL;
		*size = 0;
		log_io(s, name, "the file does not match its recorded hash (damaged); not served");
		return srv_problem_set(p, 500, "internal", NULL,
		                       "the result of job %s is damaged on disk", id);
	}
	return 0;
}

/* ------------------------------------------------------------ worker side */

bool srv_jobs_claim(srv_jobs *s, const char *id, srv_job_claim *c, srv_problem *p)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&s->lock);
	srv_job *j = find(s, id);
	if (!j || j->status != SRV_JOB_QUEUED) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	j->status = SRV_JOB_RUNNING;
	j->started_ms = srv_now_ms();
	j->queued_ms = (double)(j->started_ms - j->created_ms);
	j->busy = true;
	atomic_store(&j->cancel, 0);
	atomic_store(&j->progress_ppm, 0);
	memcpy(c->id, j->id, sizeof c->id);
	c->spec = j->spec;
	j->spec = NULL;
	c->seed = j->seed;
	c->time_limit_ms = j->time_limit_ms;
	c->cancel = &j->cancel;
	c->progress_ppm = &j->progress_ppm;
	c->job = j;
	pthread_mutex_unlock(&s->lock);
	persist_record(s, id, false);
	if (c->spec) return true;

	/* Restored after a restart: the spec is on disk. */
	char name[SRV_ID_MAX + 16], err[512];
	file_name(name, sizeof name, id, ".spec.json");
	unsigned char *data = NULL;
	size_t size = 0;
	api_error e = {0};
	c->spec = calloc(1, sizeof *c->spec);
	if (!c->spec) {
		srv_problem_set(p, 500, "internal", NULL, "out of memory loading the job's spec");
	} else if (!s->o.data_dir ||
	           srv_persist_read(s->o.data_dir, SRV_DIR_JOBS, name, API_JSON_MAX_BYTES, &data,
	                            &size, err, sizeof err)) {
		srv_problem_set(p, 500, "internal", NULL, "the job's spec is lost: %s",
		                s->o.data_dir ? err : "no data directory");
	} else if (api_spec_from_json((const char *)data, size, NULL, c->spec, &e) != API_OK) {
		srv_problem_from_api(p, 500, "internal", &e);
	} else {
		free(data);
		return true;
	}
	free(data);
	free(c->spec);
	c->spec = NULL;
	srv_job_outcome o = {.status = SRV_JOB_FAILED, .error = *p};
	srv_jobs_finish(s, c, &o);
	return false;
}

/* Under the lock: frees cached results of the oldest jobs whose results
 * are on disk until the cache fits the budget. */
static void trim_cache(srv_jobs *s)
{
	for (srv_job *j = s->head; j && s->cache_bytes > s->o.result_memory; j = j->next) {
		if (!j->cache_bytes || !j->on_disk) continue;
		s->cache_bytes -= j->cache_bytes;
		srv_result_free(&j->cache);
		j->cache_bytes = 0;
	}
}

/* Under the persist lock: writes the result files; false on failure. */
static bool write_results(srv_jobs *s, const char *id, const srv_result *r)
{
	char name[SRV_ID_MAX + 16], err[512];
	for (int f = 0; f < SRV_FMT_COUNT; f++) {
		if (!r->data[f]) continue;
		file_name(name, sizeof name, id, result_suffix[f]);
		if (srv_persist_write(s->o.data_dir, SRV_DIR_JOBS, name, r->data[f], r->size[f],
		                      false, err, sizeof err)) {
			log_io(s, "result", err);
			return false;
		}
	}
	return true;
}

void srv_jobs_finish(srv_jobs *s, srv_job_claim *c, srv_job_outcome *o)
{
	srv_job *j = c->job;
	bool succeeded = o->status == SRV_JOB_SUCCEEDED && !o->requeue;
	/* Result files first, so a client told "succeeded" finds them; a
	 * DELETE (which takes the persist lock) cannot interleave. */
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	bool write = succeeded && s->o.data_dir && !j->orphan && j->status == SRV_JOB_RUNNING;
	pthread_mutex_unlock(&s->lock);
	bool on_disk = write && write_results(s, c->id, &o->result);
	pthread_mutex_unlock(&s->persist_lock);

	pthread_mutex_lock(&s->lock);
	j->busy = false;
	if (j->orphan) { /* deleted while it ran: no longer in the store */
		pthread_mutex_unlock(&s->lock);
		free_job(j);
		srv_result_free(&o->result);
		memset(c, 0, sizeof *c);
		return;
	}
	bool notify = false;
	if (j->status == SRV_JOB_RUNNING) {
		notify = true;
		if (o->requeue) {
			j->status = SRV_JOB_QUEUED;
			j->started_ms = 0;
			j->queued_ms = 0;
			atomic_store(&j->progress_ppm, 0);
		} else {
			srv_job_ended(j, o->status, o->attempts, o->run_ms, &o->error,
			              srv_now_ms());
			if (succeeded) {
				for (int f = 0; f < SRV_FMT_COUNT; f++) {
					if (!o->result.data[f]) continue;
					j->available |= 1u << f;
					srv_job_etag(o->result.data[f], o->result.size[f],
					             j->etag[f]);
					j->cache_bytes += o->result.size[f];
				}
				j->cache = o->result;
				memset(&o->result, 0, sizeof o->result);
				j->on_disk = on_disk;
				s->cache_bytes += j->cache_bytes;
				trim_cache(s);
			}
		}
	} else {
		/* canceled by DELETE while it ran: the record already says so */
		j->attempts = o->attempts;
	}
	pthread_mutex_unlock(&s->lock);
	srv_result_free(&o->result);
	/* Waiters first: their answer comes from memory, and the result files
	 * are already on disk. Should the record write be lost, the restart
	 * reruns the job with its seed and gets the same bytes. */
	if (notify && s->o.on_finish) s->o.on_finish(s->o.listener_ctx, c->id);
	persist_record(s, c->id, false);
	memset(c, 0, sizeof *c);
}

void srv_jobs_cancel_running(srv_jobs *s, int reason)
{
	pthread_mutex_lock(&s->lock);
	for (srv_job *j = s->head; j; j = j->next)
		if (j->status == SRV_JOB_RUNNING) atomic_store(&j->cancel, reason);
	pthread_mutex_unlock(&s->lock);
}

void srv_jobs_housekeep(srv_jobs *s, int64_t now_ms)
{
	pthread_mutex_lock(&s->persist_lock);
	pthread_mutex_lock(&s->lock);
	/* the job table is bounded: beyond max_jobs finished jobs, the oldest
	 * are deleted before their TTL (memory stays flat under any load) */
	size_t finished = 0;
	for (srv_job *j = s->head; j && s->o.max_jobs; j = j->next)
		if (j->status >= SRV_JOB_SUCCEEDED && !j->busy) finished++;
	size_t excess = s->o.max_jobs && finished > s->o.max_jobs ? finished - s->o.max_jobs : 0;
	for (srv_job *j = s->head; j;) {
		srv_job *next = j->next;
		/* the engine checks the flag between observations; the runner's
		 * own clock check needs progress callbacks, this needs neither */
		if (j->status == SRV_JOB_RUNNING && j->time_limit_ms > 0 &&
		    now_ms > j->started_ms + j->time_limit_ms) {
			int none = 0;
			atomic_compare_exchange_strong(&j->cancel, &none, SRV_CANCEL_TIMEOUT);
		}
		if (j->status >= SRV_JOB_SUCCEEDED && !j->busy &&
		    (excess > 0 || j->finished_ms + s->o.result_ttl_ms <= now_ms)) {
			if (excess > 0) excess--;
			unlink_job(s, j);
			remove_files(s, j->id);
			free_job(j);
		}
		j = next;
	}
	trim_cache(s);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->persist_lock);
}

void srv_jobs_counts(srv_jobs *s, size_t counts[SRV_JOB_STATUSES])
{
	memset(counts, 0, sizeof(size_t) * SRV_JOB_STATUSES);
	pthread_mutex_lock(&s->lock);
	for (srv_job *j = s->head; j; j = j->next)
		counts[j->status]++;
	pthread_mutex_unlock(&s->lock);
}

size_t srv_jobs_cache_bytes(srv_jobs *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->cache_bytes;
	pthread_mutex_unlock(&s->lock);
	return n;
}
