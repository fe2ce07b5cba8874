/* job.c - job records and resources as JSON (see job.h). */
#include "job.h"

#include "../api/json_spec.h"
#include "../api/sha256.h"
#include "buf.h"
#include "clock.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[SRV_JOB_STATUSES] = {"queued", "running", "succeeded",
                                                           "failed", "canceled"};
static const char *const format_names[SRV_FMT_COUNT] = {"png", "json", "text"};
static const char *const format_mimes[SRV_FMT_COUNT] = {"image/png", "application/json",
                                                        "text/plain; charset=utf-8"};

void srv_result_free(srv_result *r)
{
	for (int f = 0; f < SRV_FMT_COUNT; f++) {
		free(r->data[f]);
		r->data[f] = NULL;
		r->size[f] = 0;
	}
}

const char *srv_job_status_name(srv_job_status s)
{
	return (unsigned)s < SRV_JOB_STATUSES ? status_names[s] : "unknown";
}

const char *srv_format_name(srv_format f)
{
	return (unsigned)f < SRV_FMT_COUNT ? format_names[f] : "png";
}

const char *srv_format_mime(srv_format f)
{
	return (unsigned)f < SRV_FMT_COUNT ? format_mimes[f] : "application/octet-stream";
}

bool srv_format_parse(const char *text, srv_format *out)
{
	for (int f = 0; text && f < SRV_FMT_COUNT; f++)
		if (!strcmp(text, format_names[f])) {
			*out = (srv_format)f;
			return true;
		}
	return false;
}

void srv_job_view_of(const srv_job *j, srv_job_view *v, int64_t now_ms)
{
	memset(v, 0, sizeof *v);
	memcpy(v->id, j->id, sizeof v->id);
	v->status = j->status;
	v->progress = j->status == SRV_JOB_SUCCEEDED ? 1.0 : atomic_load(&j->progress_ppm) / 1e6;
	v->attempts = j->attempts;
	v->seed = j->seed;
	v->kind = j->kind;
	v->width = j->width;
	v->height = j->height;
	v->created_ms = j->created_ms;
	v->started_ms = j->started_ms;
	v->finished_ms = j->finished_ms;
	v->queued_ms = j->queued_ms;
	v->run_ms = j->run_ms;
	if (j->status == SRV_JOB_QUEUED) v->queued_ms = (double)(now_ms - j->created_ms);
	if (j->status == SRV_JOB_RUNNING) v->run_ms = (double)(now_ms - j->started_ms);
	if (v->queued_ms < 0) v->queued_ms = 0;
	if (v->run_ms < 0) v->run_ms = 0;
	v->time_limit_ms = j->time_limit_ms;
	v->format = j->format;
	v->has_error = j->has_error;
	v->error = j->error;
	v->available = j->available;
}

static void put_time(srv_buf *b, const char *key, int64_t ms)
{
	srv_buf_printf(b, ",\"%s\":", key);
	if (!ms) {
		srv_buf_puts(b, "null");
		return;
	}
	char t[SRV_TIME_TEXT];
	srv_time_format(ms, t);
	srv_buf_printf(b, "\"%s\"", t);
}

char *srv_job_view_json(const srv_job_view *v)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b,
	               "{\"id\":\"%s\",\"status\":\"%s\",\"progress\":%.4f,\"attempts\":%d,"
	               "\"seed\":%d,\"model\":\"%s\",\"width\":%d,\"height\":%d",
	               v->id, srv_job_status_name(v->status), v->progress, v->attempts,
	               (int)v->seed, v->kind == WFC_MODEL_TILED ? "tiled" : "overlapping", v->width,
	               v->height);
	put_time(&b, "createdAt", v->created_ms);
	put_time(&b, "startedAt", v->started_ms);
	put_time(&b, "finishedAt", v->finished_ms);
	srv_buf_printf(&b, ",\"timings\":{\"queuedMs\":%.1f,\"runMs\":%.1f}", v->queued_ms,
	               v->run_ms);
	srv_buf_printf(&b, ",\"timeLimitMs\":%lld,\"format\":\"%s\",\"formats\":[",
	               (long long)v->time_limit_ms, srv_format_name(v->format));
	bool first = true;
	for (int f = 0; f < SRV_FMT_COUNT; f++)
		if (v->available & (1u << f)) {
			srv_buf_printf(&b, "%s\"%s\"", first ? "" : ",",
			               srv_format_name((srv_format)f));
			first = false;
		}
	srv_buf_puts(&b, "]");
	if (v->has_error) {
		char *p = srv_problem_json(&v->error);
		if (!p) b.failed = true;
		srv_buf_puts(&b, ",\"error\":");
		if (p) srv_buf_puts(&b, p);
		free(p);
	}
	srv_buf_printf(&b,
	               ",\"links\":{\"self\":\"/v1/jobs/%s\",\"result\":\"/v1/jobs/%s/result\"}}",
	               v->id, v->id);
	return srv_buf_take(&b);
}

char *srv_job_record_json(const srv_job *j)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b,
	               "{\"id\":\"%s\",\"seq\":%llu,\"status\":\"%s\",\"progress\":%u,"
	               "\"attempts\":%d,\"seed\":%d,\"model\":\"%s\",\"width\":%d,\"height\":%d,"
	               "\"createdMs\":%lld,\"startedMs\":%lld,\"finishedMs\":%lld,"
	               "\"queuedMs\":%.3f,\"runMs\":%.3f,\"timeLimitMs\":%lld,\"format\":\"%s\"",
	               j->id, (unsigned long long)j->seq, srv_job_status_name(j->status),
	               atomic_load(&j->progress_ppm), j->attempts, (int)j->seed,
	               j->kind == WFC_MODEL_TILED ? "tiled" : "overlapping", j->width, j->height,
	               (long long)j->created_ms, (long long)j->started_ms,
	               (long long)j->finished_ms, j->queued_ms, j->run_ms,
	               (long long)j->time_limit_ms, srv_format_name(j->format));
	srv_buf_puts(&b, ",\"etags\":{");
	bool first = true;
	for (int f = 0; f < SRV_FMT_COUNT; f++)
		if (j->available & (1u << f)) {
			srv_buf_printf(&b, "%s\"%s\":", first ? "" : ",",
			               srv_format_name((srv_format)f));
			srv_buf_json_str(&b, j->etag[f]);
			first = false;
		}
	srv_buf_puts(&b, "}");
	if (j->has_error) {
		char *p = srv_problem_json(&j->error);
		if (!p) b.failed = true;
		srv_buf_puts(&b, ",\"error\":");
		if (p) srv_buf_puts(&b, p);
		free(p);
	}
	if (j->idem_key[0]) {
		srv_buf_puts(&b, ",\"idempotencyKey\":");
		srv_buf_json_str(&b, j->idem_key);
		srv_buf_printf(&b, ",\"bodyHash\":\"%s\"", j->body_hash);
	}
	srv_buf_puts(&b, "}\n");
	return srv_buf_take(&b);
}

static bool get_num(const cJSON *o, const char *key, double lo, double hi, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > hi)
		return false;
	*out = v->valuedouble;
	return true;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool srv_job_from_record(const char *json, size_t len, srv_job *j, char *err, size_t err_size)
{
	cJSON *root = NULL;
	api_error e = {0};
	if (api_json_parse(json, len, &root, &e) != API_OK) {
		snprintf(err, err_size, "%s", e.message);
		return false;
	}
	const char *id = get_str(root, "id");
	const char *status = get_str(root, "status");
	const char *model = get_str(root, "model");
	const char *format = get_str(root, "format");
	double seq, progress, attempts, seed, w, h, cr, st, fi, qm, rm, tl;
	bool ok =
	    id && srv_id_valid(SRV_PREFIX_JOB, id) && status && model && format &&
	    get_num(root, "seq", 0, 9e15, &seq) && get_num(root, "progress", 0, 1e6, &progress) &&
	    get_num(root, "attempts", 0, 1e6, &attempts) &&
	    get_num(root, "seed", INT32_MIN, INT32_MAX, &seed) &&
	    get_num(root, "width", 1, 1e6, &w) && get_num(root, "height", 1, 1e6, &h) &&
	    get_num(root, "createdMs", 0, 9e15, &cr) && get_num(root, "startedMs", 0, 9e15, &st) &&
	    get_num(root, "finishedMs", 0, 9e15, &fi) && get_num(root, "queuedMs", 0, 9e15, &qm) &&
	    get_num(root, "runMs", 0, 9e15, &rm) && get_num(root, "timeLimitMs", 1, 9e15, &tl) &&
	    srv_format_parse(format, &j->format);
	if (ok) {
		ok = false;
		for (int s = 0; s < SRV_JOB_STATUSES; s++)
			if (!strcmp(status, status_names[s])) {
				j->status = (srv_job_status)s;
				ok = true;
			}
	}
	if (!ok) {
		snprintf(err, err_size, "not a job record (a field is missing or out of range)");
		cJSON_Delete(root);
		return false;
	}
	snprintf(j->id, sizeof j->id, "%s", id);
	j->seq = (uint64_t)seq;
	atomic_store(&j->progress_ppm, (unsigned)progress);
	atomic_store(&j->cancel, 0);
	j->attempts = (int)attempts;
	j->seed = (int32_t)seed;
	j->kind = strcmp(model, "tiled") == 0 ? WFC_MODEL_TILED : WFC_MODEL_OVERLAPPING;
	j->width = (int)w;
	j->height = (int)h;
	j->created_ms = (int64_t)cr;
	j->started_ms = (int64_t)st;
	j->finished_ms = (int64_t)fi;
	j->queued_ms = qm;
	j->run_ms = rm;
	j->time_limit_ms = (int64_t)tl;
	const cJSON *etags = cJSON_GetObjectItemCaseSensitive(root, "etags");
	for (int f = 0; f < SRV_FMT_COUNT; f++) {
		const char *t = get_str(etags, srv_format_name((srv_format)f));
		if (t && strlen(t) < SRV_ETAG_MAX) {
			strcpy(j->etag[f], t);
			j->available |= 1u << f;
		}
	}
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (error) j->has_error = srv_problem_from_cjson(error, &j->error);
	const char *key = get_str(root, "idempotencyKey");
	const char *hash = get_str(root, "bodyHash");
	if (key && hash && strlen(key) < SRV_IDEM_KEY_MAX && strlen(hash) == 64) {
		strcpy(j->idem_key, key);
		strcpy(j->body_hash, hash);
	}
	cJSON_Delete(root);
	return true;
}

void srv_job_etag(const unsigned char *data, size_t size, char out[SRV_ETAG_MAX])
{
	char hex[65];
	api_sha256_hex_of(data, size, hex);
	snprintf(out, SRV_ETAG_MAX, "\"%s\"", hex);
}

void srv_job_ended(srv_job *j, srv_job_status status, int attempts, double run_ms,
                   const srv_problem *error, int64_t now_ms)
{
	j->status = status;
	j->attempts = attempts;
	j->finished_ms = now_ms;
	j->run_ms = run_ms > 0 ? run_ms : (double)(now_ms - j->started_ms);
	if (status == SRV_JOB_FAILED) {
		j->has_error = true;
		j->error = *error;
	}
}
