/* request_nn.c - neural job requests -> specs (see jobs_nn.h). */
#include "jobs_nn.h"

#include "../api/json_spec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define bad(p, ptr, ...) srv_problem_set(p, 422, "invalid-spec", ptr, __VA_ARGS__)

/* An integer field in [lo, hi]; 0 (absent: *out kept) or 422. */
static int get_int(const cJSON *obj, const char *key, const char *ptr, long lo, long hi, long *out,
                   srv_problem *p)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) return 0;
	double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return srv_problem_set(p, 422, "invalid-spec", ptr,
		                       "'%s' must be an integer from %ld to %ld", key, lo, hi);
	*out = (long)d;
	return 0;
}

/* The placeholder spec of a generator whose checkpoint names none: a
 * one-colour overlapping spec of the output size (it is never run). */
static int placeholder_spec(api_spec *s, int size)
{
	api_spec_init(s, WFC_MODEL_OVERLAPPING);
	s->name = strdup("generator");
	s->sample.pixels = malloc(4 * sizeof *s->sample.pixels);
	if (!s->name || !s->sample.pixels) return -1;
	for (int i = 0; i < 4; i++)
		s->sample.pixels[i] = 0xff000000u;
	s->sample.width = s->sample.height = 2;
	s->N = 2;
	s->width = s->height = size;
	return 0;
}

/* pins -> "[[x,y,pattern],...]" appended to b (cJSON array). */
static int parse_pins(const cJSON *pins, const nn_generator *g, cJSON *outarr, srv_problem *p)
{
	if (!cJSON_IsArray(pins))
		return bad(p, "/pins",
		           "'pins' must be an array of {\"x\",\"y\",\"tile\"|\"pattern\"}");
	int size = g->cfg.size, i = 0;
	if (cJSON_GetArraySize(pins) > size * size) return bad(p, "/pins", "more pins than cells");
	for (const cJSON *e = pins->child; e; e = e->next, i++) {
		char ptr[32], at[80];
		snprintf(ptr, sizeof ptr, "/pins/%d", i);
		if (!cJSON_IsObject(e))
			return bad(p, ptr, "a pin is an object {\"x\",\"y\",\"tile\"|\"pattern\"}");
		for (const cJSON *c = e->child; c; c = c->next)
			if (strcmp(c->string, "x") && strcmp(c->string, "y") &&
			    strcmp(c->string, "tile") && strcmp(c->string, "pattern")) {
				snprintf(at, sizeof at, "%s/%.30s", ptr, c->string);
				return bad(p, at,
				           "unknown field '%s' in a pin (x, y and tile or pattern)",
				           c->string);
			}
		long x = -1, y = -1, tile = -1, pat = -1;
		snprintf(at, sizeof at, "%s/x", ptr);
		int rc = get_int(e, "x", at, 0, size - 1, &x, p);
		snprintf(at, sizeof at, "%s/y", ptr);
		if (!rc) rc = get_int(e, "y", at, 0, size - 1, &y, p);
		snprintf(at, sizeof at, "%s/tile", ptr);
		if (!rc) rc = get_int(e, "tile", at, 0, g->vocab - 1, &tile, p);
		snprintf(at, sizeof at, "%s/pattern", ptr);
		if (!rc) rc = get_int(e, "pattern", at, 0, 1L << 30, &pat, p);
		if (rc) return rc;
		if (x < 0 || y < 0 || (tile < 0) == (pat < 0))
			return bad(p, ptr,
			           "a pin needs x, y and exactly one of 'tile' (a vocabulary index "
			           "of the checkpoint) or 'pattern' (an engine pattern index)");
		if (tile >= 0) pat = g->vocab_ids[tile];
		cJSON *t = cJSON_CreateArray();
		if (!t || !cJSON_AddItemToArray(outarr, t)) {
			cJSON_Delete(t);
			return srv_problem_set(p, 500, "internal", NULL, "out of memory");
		}
		cJSON_AddItemToArray(t, cJSON_CreateNumber((double)x));
		cJSON_AddItemToArray(t, cJSON_CreateNumber((double)y));
		cJSON_AddItemToArray(t, cJSON_CreateNumber((double)pat));
	}
	return 0;
}

/* The parts that need the checkpoint; model is held by the caller. */
static int build(const srv_model *model, cJSON *root, bool guided, srv_job_request *out,
                 srv_problem *p)
{
	const nn_generator *g = &model->gen;
	const char *name = model->name;
	if (guided && !(g->cfg.onehot && g->spec_json && g->vocab_ids))
		return bad(p, "/checkpoint",
		           "model '%s' cannot guide WFC: that needs a onehot generator whose "
		           "checkpoint records its data set's spec and vocab_ids (trained by this "
		           "version of `wfc train`)",
		           name);
	long count = 1, attempts = -1;
	int rc = get_int(root, "count", "/count", 1, SRV_MODEL_MAX_COUNT, &count, p);
	if (!rc) rc = get_int(root, "attempts", "/attempts", 1, API_MAX_ATTEMPTS, &attempts, p);
	if (rc) return rc;
	cJSON *nj = cJSON_CreateObject();
	if (!nj) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	cJSON_AddStringToObject(nj, "job", guided ? "guided" : "generator");
	cJSON_AddStringToObject(nj, "checkpoint", name);
	if (!guided) cJSON_AddNumberToObject(nj, "count", (double)count);
	const cJSON *pins = cJSON_GetObjectItemCaseSensitive(root, "pins");
	const cJSON *guide = cJSON_GetObjectItemCaseSensitive(root, "guide");
	if (guided && guide) {
		if (!cJSON_IsString(guide) || (strcmp(guide->valuestring, "priors") &&
		                               strcmp(guide->valuestring, "anchors")))
			rc = bad(p, "/guide", "'guide' must be \"priors\" or \"anchors\"");
		else if (!strcmp(guide->valuestring, "anchors"))
			cJSON_AddBoolToObject(nj, "anchors", 1);
	}
	if (guided && !rc) {
		cJSON *arr = cJSON_AddArrayToObject(nj, "pins");
		if (!arr) rc = srv_problem_set(p, 500, "internal", NULL, "out of memory");
		if (!rc && pins) rc = parse_pins(pins, g, arr, p);
	}
	char *neural = rc ? NULL : cJSON_PrintUnformatted(nj);
	cJSON_Delete(nj);
	if (rc) return rc;
	if (!neural) return srv_problem_set(p, 500, "internal", NULL, "out of memory");

	api_spec *s = calloc(1, sizeof *s);
	api_error e = {0};
	if (!s) {
		free(neural);
		return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	}
	out->spec = s;
	if (g->spec_json) {
		if (api_spec_from_json(g->spec_json, strlen(g->spec_json), NULL, s, &e) != API_OK) {
			free(neural);
			return srv_problem_set(p, 422, "invalid-spec", "/checkpoint",
			                       "model '%s' records a spec that does not load: %s",
			                       name, e.message);
		}
	} else if (placeholder_spec(s, g->cfg.size)) {
		free(neural);
		return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	}
	free(s->neural);
	s->neural = neural;
	if (!guided) s->width = s->height = g->cfg.size;
	if (attempts > 0) s->attempts = (int)attempts;
	return 0;
}

int srv_nn_build_spec(const srv_request_env *env, cJSON *root, void *out_, srv_problem *p)
{
	srv_job_request *out = out_;
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	bool guided = !strcmp(model->valuestring, "guided");
	static const char *const keys[] = {"model", "checkpoint", "seed",    "count",
	                                   "pins",  "attempts",   "guide"};
	for (const cJSON *c = root->child; c; c = c->next) {
		bool known = false;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !known; i++)
			known = !strcmp(c->string, keys[i]);
		if (known &&
		    ((!strcmp(c->string, "count") && guided) ||
		     (!guided && (!strcmp(c->string, "pins") || !strcmp(c->string, "attempts") ||
		                  !strcmp(c->string, "guide")))))
			known = false;
		if (!known) {
			char ptr[160];
			snprintf(ptr, sizeof ptr, "/%.150s", c->string);
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "unknown field '%.100s' in a \"%s\" job (fields: "
			                       "checkpoint, seed, %s, format, timeLimitMs)",
			                       c->string, guided ? "guided" : "generator",
			                       guided ? "pins, attempts, guide" : "count");
		}
		int n = 0;
		for (const cJSON *d = root->child; d; d = d->next)
			n += !strcmp(d->string, c->string);
		if (n > 1) {
			char ptr[160];
			snprintf(ptr, sizeof ptr, "/%.150s", c->string);
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "field '%.100s' is given twice", c->string);
		}
	}
	const cJSON *ck = cJSON_GetObjectItemCaseSensitive(root, "checkpoint");
	if (!cJSON_IsString(ck))
		return bad(
		    p, "/checkpoint",
		    "a \"%s\" job needs \"checkpoint\": the name of a model (GET /v1/models)",
		    guided ? "guided" : "generator");
	srv_model *m = srv_model_name_valid(ck->valuestring)
	                   ? srv_models_acquire(env->models, ck->valuestring)
	                   : NULL;
	if (!m)
		return bad(p, "/checkpoint", "no model named '%.100s' (see GET /v1/models)",
		           ck->valuestring);
	long seed = 0;
	int rc = cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "seed"))
	             ? 0 /* null: a random seed, as for specs */
	             : get_int(root, "seed", "/seed", INT32_MIN, INT32_MAX, &seed, p);
	if (!rc) rc = build(m, root, guided, out, p);
	srv_models_release(env->models, m);
	if (rc) return rc;
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, "seed");
	if (sv && !cJSON_IsNull(sv)) {
		out->spec->has_seed = true;
		out->spec->seed = (int32_t)seed;
	} else {
		out->spec->has_seed = false;
	}
	return 0;
}
