/*
 * job.h - one job: its state, its record on disk and its JSON resource.
 *
 * The struct is shared by the job store (jobs.c), which owns every job and
 * guards its fields with the store lock, and this module, which only
 * converts: srv_job_record_json() writes the record kept in
 * DIR/jobs/<id>.json, srv_job_from_record() reads it back, and
 * srv_job_view_json() writes the resource of docs/http-api.md from a
 * srv_job_view (a copy taken under the lock, so responses are built
 * without it).
 */
#ifndef SRV_JOB_H
#define SRV_JOB_H

#include "../api/spec.h"
#include "ids.h"
#include "problem.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	SRV_JOB_QUEUED,
	SRV_JOB_RUNNING,
	SRV_JOB_SUCCEEDED,
	SRV_JOB_FAILED,
	SRV_JOB_CANCELED,
	SRV_JOB_STATUSES
} srv_job_status;

typedef enum { SRV_FMT_PNG, SRV_FMT_JSON, SRV_FMT_TEXT, SRV_FMT_COUNT } srv_format;

/* Why the engine's cancel flag was raised (0 = not raised). */
enum { SRV_CANCEL_USER = 1, SRV_CANCEL_TIMEOUT = 2, SRV_CANCEL_SHUTDOWN = 3 };

#define SRV_ETAG_MAX 72 /* "\"" + 64 hex + "\"" + NUL, with room */
#define SRV_IDEM_KEY_MAX 128

/* The outputs of one run, one buffer per format (NULL when that format
 * does not exist for the run: grids need a complete run, text a tiled
 * model). Owned by whoever holds the struct; srv_result_free frees. */
typedef struct {
	unsigned char *data[SRV_FMT_COUNT];
	size_t size[SRV_FMT_COUNT];
} srv_result;

void srv_result_free(srv_result *r);

typedef struct srv_job {
	char id[SRV_ID_MAX];
	uint64_t seq; /* creation order, also the list cursor */
	srv_job_status status;
	atomic_int cancel;        /* the engine's cancel flag: SRV_CANCEL_* */
	atomic_uint progress_ppm; /* cells decided, millionths */
	int attempts;
	int32_t seed;
	wfc_model_kind kind;
	int width, height;
	int64_t created_ms, started_ms, finished_ms; /* wall clock, 0 = not yet */
	double queued_ms, run_ms;
	int64_t time_limit_ms;
	srv_format format;
	bool has_error;
	srv_problem error;
	unsigned available; /* bit per srv_format with a result */
	char etag[SRV_FMT_COUNT][SRV_ETAG_MAX];
	char idem_key[SRV_IDEM_KEY_MAX]; /* "" when none */
	char body_hash[65];

	/* store-private */
	api_spec *spec;   /* until a worker claims it; NULL after a restart */
	srv_result cache; /* results in memory (also on disk when persisted) */
	size_t cache_bytes;
	bool on_disk; /* result files written */
	bool busy;    /* a worker holds it */
	bool orphan;  /* deleted while busy: the worker frees it */
	struct srv_job *prev, *next, *hnext;
} srv_job;

/* A copy of what a response shows. */
typedef struct {
	char id[SRV_ID_MAX];
	srv_job_status status;
	double progress;
	int attempts;
	int32_t seed;
	wfc_model_kind kind;
	int width, height;
	int64_t created_ms, started_ms, finished_ms;
	double queued_ms, run_ms;
	int64_t time_limit_ms;
	srv_format format;
	bool has_error;
	srv_problem error;
	unsigned available;
} srv_job_view;

const char *srv_job_status_name(srv_job_status s);
const char *srv_format_name(srv_format f);
const char *srv_format_mime(srv_format f);
bool srv_format_parse(const char *text, srv_format *out);

/* Fills v from j (caller holds the store lock); now_ms for running timings. */
void srv_job_view_of(const srv_job *j, srv_job_view *v, int64_t now_ms);
/* The job resource, malloc'd; NULL when out of memory. */
char *srv_job_view_json(const srv_job_view *v);
/* The record on disk, malloc'd. */
char *srv_job_record_json(const srv_job *j);
/* Fills a zeroed j from a record; false with a message when it is not one. */
bool srv_job_from_record(const char *json, size_t len, srv_job *j, char *err, size_t err_size);

/* The strong ETag of a result: its SHA-256 in hex, in quotes. */
void srv_job_etag(const unsigned char *data, size_t size, char out[SRV_ETAG_MAX]);
/* Records the end of a run: status, attempts, finish time, run time (run_ms,
 * or the time since the start when it is 0) and, for a failure, the
 * problem. Results and their ETags are the caller's to add. */
void srv_job_ended(srv_job *j, srv_job_status status, int attempts, double run_ms,
                   const srv_problem *error, int64_t now_ms);

#endif
