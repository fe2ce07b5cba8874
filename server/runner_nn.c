/* runner_nn.c - runs neural jobs on a worker thread (see jobs_nn.h). */
#include "jobs_nn.h"

#include "../api/image.h"
#include "../nn/sample.h"
#include "buf.h"
#include "clock.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* What spec->neural says. */
typedef struct {
	bool guided;
	bool anchors; /* guide_nn.c: start the generator's locally right cells decided */
	char checkpoint[SRV_MODEL_NAME_MAX];
	int count;
	int32_t *pins; /* npins * 3: x, y, pattern */
	int npins;
} nn_job;

static int parse_job(const char *json, nn_job *j)
{
	memset(j, 0, sizeof *j);
	cJSON *r = cJSON_Parse(json);
	if (!r) return -1;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(r, "job");
	const cJSON *ck = cJSON_GetObjectItemCaseSensitive(r, "checkpoint");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(r, "count");
	const cJSON *pins = cJSON_GetObjectItemCaseSensitive(r, "pins");
	int rc = -1;
	if (!cJSON_IsString(kind) || !cJSON_IsString(ck)) goto done;
	j->guided = !strcmp(kind->valuestring, "guided");
	j->anchors = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "anchors"));
	snprintf(j->checkpoint, sizeof j->checkpoint, "%s", ck->valuestring);
	j->count = cJSON_IsNumber(count) ? count->valueint : 1;
	if (j->count < 1 || j->count > SRV_MODEL_MAX_COUNT) goto done;
	int n = cJSON_IsArray(pins) ? cJSON_GetArraySize(pins) : 0;
	if (n > 0 && !(j->pins = malloc((size_t)n * 3 * sizeof *j->pins))) goto done;
	for (const cJSON *e = n ? pins->child : NULL; e; e = e->next) {
		if (cJSON_GetArraySize(e) != 3) goto done;
		for (int k = 0; k < 3; k++) {
			const cJSON *v = cJSON_GetArrayItem(e, k);
			if (!cJSON_IsNumber(v) || v->valueint < 0) goto done;
			j->pins[j->npins * 3 + k] = v->valueint;
		}
		j->npins++;
	}
	rc = 0;
done:
	cJSON_Delete(r);
	if (rc) free(j->pins), j->pins = NULL;
	return rc;
}

/* Samples first..first+count-1 of seed, (count, C, S, S) floats, malloc'd. */
static float *sample(srv_model *m, uint64_t seed, int count, srv_problem *p)
{
	nn_generator *g = &m->gen;
	size_t per = (size_t)g->cfg.channels * g->cfg.size * g->cfg.size;
	float *x = malloc((size_t)count * per * sizeof *x);
	pthread_mutex_lock(&m->lock);
	int rc = x ? nn_sample_batch(&g->g, g->z, g->cfg.latent, seed, 0, count, x) : -1;
	pthread_mutex_unlock(&m->lock);
	if (rc) {
		free(x);
		srv_problem_set(p, 500, "internal", NULL, "out of memory sampling %d outputs",
		                count);
		return NULL;
	}
	return x;
}

static void grid_json(srv_buf *b, const int32_t *idx, int size, const nn_generator *g)
{
	srv_buf_printf(b, "{\"width\":%d,\"height\":%d,\"legend\":[", size, size);
	for (int i = 0; g->colors && i < g->vocab; i++)
		srv_buf_printf(b, "%s\"#%02x%02x%02x\"", i ? "," : "", g->colors[3 * i],
		               g->colors[3 * i + 1], g->colors[3 * i + 2]);
	srv_buf_puts(b, "],\"grid\":[");
	for (int y = 0; y < size; y++) {
		srv_buf_puts(b, y ? ",[" : "[");
		for (int x = 0; x < size; x++)
			srv_buf_printf(b, x ? ",%d" : "%d", (int)idx[(size_t)y * size + x]);
		srv_buf_puts(b, "]");
	}
	srv_buf_puts(b, "]}");
}

static void run_generator(srv_model *m, const nn_job *j, int32_t seed, srv_job_outcome *out)
{
	const nn_generator *g = &m->gen;
	int size = g->cfg.size, C = g->cfg.channels, count = j->count;
	size_t ss = (size_t)size * size, per = (size_t)C * ss;
	float *x = sample(m, (uint64_t)(uint32_t)seed, count, &out->error);
	if (!x) return;
	int cols = 1;
	while (cols * cols < count)
		cols++;
	int rows = (count + cols - 1) / cols, gap = count > 1 ? 2 : 0;
	int W = cols * size + (cols - 1) * gap, H = rows * size + (rows - 1) * gap;
	uint32_t *img = malloc((size_t)W * H * sizeof *img), *px = malloc(ss * sizeof *px);
	int32_t *idx = malloc(ss * sizeof *idx);
	srv_buf b;
	srv_buf_init(&b);
	if (!img || !px || !idx) {
		srv_problem_set(&out->error, 500, "internal", NULL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < (size_t)W * H; i++)
		img[i] = 0xFF202020u;
	if (count > 1) srv_buf_printf(&b, "{\"seed\":%d,\"samples\":[", (int)seed);
	for (int s = 0; s < count; s++) {
		nn_sample_to_image(x + (size_t)s * per, C, size, g->cfg.onehot, g->colors, px, idx);
		if (!g->cfg.onehot)
			for (size_t q = 0; q < ss; q++)
				idx[q] =
				    g->colors ? nn_nearest_color(px[q], g->colors, g->vocab) : 0;
		int ox = (s % cols) * (size + gap), oy = (s / cols) * (size + gap);
		for (int y = 0; y < size; y++)
			memcpy(img + (size_t)(oy + y) * W + ox, px + (size_t)y * size,
			       size * sizeof *px);
		if (s) srv_buf_puts(&b, ",");
		grid_json(&b, idx, size, g);
	}
	if (count > 1) srv_buf_puts(&b, "]}");
	api_error e = {0};
	char *json = srv_buf_take(&b);
	if (!json) {
		srv_problem_set(&out->error, 500, "internal", NULL, "out of memory");
		goto done;
	}
	out->result.data[SRV_FMT_JSON] = (unsigned char *)json;
	out->result.size[SRV_FMT_JSON] = strlen(json);
	if (api_png_encode(img, W, H, &out->result.data[SRV_FMT_PNG],
	                   &out->result.size[SRV_FMT_PNG], &e) != API_OK) {
		srv_problem_from_api(&out->error, 500, "internal", &e);
		srv_result_free(&out->result);
		goto done;
	}
	out->attempts = 1;
	out->status = SRV_JOB_SUCCEEDED;
done:
	srv_buf_free(&b);
	free(x), free(img), free(px), free(idx);
}

static void run_guided(srv_model *m, const api_spec *spec, const nn_job *j, int32_t seed,
                       srv_run_control *ctl, srv_job_outcome *out)
{
	const nn_generator *g = &m->gen;
	wfc_model *wm = NULL;
	wfc_state *st = NULL;
	float *probs = NULL;
	int32_t *pins = NULL, *user = NULL;
	api_error e = {0};
	wfc_error we = {{0}};
	int rc = api_spec_build_model(spec, &wm, &e);
	if (rc != API_OK) {
		srv_problem_from_api(&out->error, rc == API_ERR_NOMEM ? 500 : 422,
		                     rc == API_ERR_NOMEM ? "internal" : "invalid-spec", &e);
		out->error.has_pointer = false;
		goto done;
	}
	if (wfc_state_create(wm, &st, &we) != WFC_OK) {
		srv_problem_set(&out->error, 422, "invalid-spec", NULL, "%s", we.message);
		goto done;
	}
	if (!(probs = sample(m, (uint64_t)(uint32_t)seed, 1, &out->error))) goto done;
	if (srv_nn_set_priors(st, wm, g, probs, srv_nn_floor(g), &we) != WFC_OK) {
		srv_problem_set(&out->error, 500, "internal", NULL,
		                "the checkpoint's priors do not fit its spec: %s", we.message);
		goto done;
	}
	int W = wfc_model_width(wm), H = wfc_model_height(wm), T = wfc_model_pattern_count(wm);
	pins = malloc((size_t)W * H * sizeof *pins);
	if (!pins || (j->npins && !(user = malloc((size_t)W * H * sizeof *user)))) {
		srv_problem_set(&out->error, 500, "internal", NULL, "out of memory");
		goto done;
	}
	for (int i = 0; i < W * H; i++)
		pins[i] = -1;
	if (j->npins) {
		for (int k = 0; k < j->npins; k++) {
			int x = j->pins[3 * k], y = j->pins[3 * k + 1], t = j->pins[3 * k + 2];
			if (x >= W || y >= H || t >= T) {
				srv_problem_set(
				    &out->error, 422, "invalid-spec", "/pins",
				    "pin %d: cell (%d, %d) pattern %d is outside the model "
				    "(%dx%d cells, %d patterns)",
				    k, x, y, t, W, H, T);
				goto done;
			}
			pins[y * W + x] = t;
		}
		if (wfc_state_set_pins(st, pins, &we) != WFC_OK) {
			srv_problem_set(&out->error, 422, "invalid-spec", "/pins", "%s",
			                we.message);
			goto done;
		}
		memcpy(user, pins, (size_t)W * H * sizeof *user);
	}
	if (j->anchors && srv_nn_anchors(probs, g, wm, pins) < 0) {
		srv_problem_set(&out->error, 500, "internal", NULL, "out of memory for anchors");
		goto done;
	}
	srv_run_progress(ctl, 0);
	int reason = atomic_load(ctl->cancel);
	if (reason) {
		srv_run_stopped(out, reason, ctl->time_limit_ms);
		goto done;
	}
	wfc_observer obs = {srv_run_progress, ctl, ctl->cancel, SRV_PROGRESS_EVERY};
	int attempts = spec->attempts > 0 ? spec->attempts : 1;
	srv_nn_guide_tally tally = {0};
	wfc_status ws =
	    srv_nn_run_anchored(st, wm, pins, user, seed, attempts, &obs, &tally, &we);
	out->attempts = tally.attempts;
	if (ws == WFC_ERR_INPUT || ws == WFC_ERR_NOMEM) {
		srv_problem_set(&out->error, 500, "internal", NULL, "anchors: %s", we.message);
		goto done;
	}
	if (tally.pin_conflict >= 0) {
		int cell = tally.pin_conflict;
		srv_problem_set(&out->error, 422, "invalid-spec", "/pins",
		                "the pins cannot all hold: cell (%d, %d) is left with no "
		                "pattern that fits its pinned neighbours",
		                cell % W, cell / W);
		goto done;
	}
	srv_run_outcome(wm, st, ws, seed, attempts, "other seeds or more attempts", ctl, out);
done:
	free(probs), free(pins), free(user);
	wfc_state_destroy(st);
	wfc_model_destroy(wm);
}

void srv_run_neural(srv_models *models, const api_spec *spec, int32_t seed, const char *id,
                    srv_run_control *ctl, srv_job_outcome *out)
{
	memset(out, 0, sizeof *out);
	double t0 = srv_mono_ms();
	ctl->deadline_ms = ctl->time_limit_ms > 0 ? t0 + (double)ctl->time_limit_ms : 0;
	out->status = SRV_JOB_FAILED;
	nn_job j;
	srv_model *m = NULL;
	if (strstr(spec->neural, "\"job\":\"train\"")) { /* written by train_nn.c only */
		memset(&j, 0, sizeof j);
		srv_run_train(models, spec, spec->neural, seed, id, ctl, out);
		goto done;
	}
	if (parse_job(spec->neural, &j)) {
		srv_problem_set(&out->error, 500, "internal", NULL,
		                "the job's neural part is damaged");
		goto done;
	}
	if (!(m = srv_models_acquire(models, j.checkpoint))) {
		srv_problem_set(&out->error, 422, "invalid-spec", "/checkpoint",
		                "model '%s' is no longer loaded (see GET /v1/models)",
		                j.checkpoint);
		goto done;
	}
	if (j.guided)
		run_guided(m, spec, &j, seed, ctl, out);
	else
		run_generator(m, &j, seed, out);
	if (out->status == SRV_JOB_SUCCEEDED && ctl->progress_ppm)
		atomic_store(ctl->progress_ppm, 1000000u);
done:
	srv_models_release(models, m);
	free(j.pins);
	out->run_ms = srv_mono_ms() - t0;
}
