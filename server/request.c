/* request.c - job requests and asset bodies -> specs (see request.h). */
#include "request.h"

#include "../api/base64.h"
#include "../api/json_spec.h"
#include "ids.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Overrides allowed on a named source (docs/http-api.md). */
static const char *const override_keys[] = {"seed",     "width",     "height",   "size",
                                            "periodic", "heuristic", "attempts", "limit",
                                            "N",        "symmetry",  "ground",   "periodicInput"};
#define NOVERRIDES (sizeof override_keys / sizeof override_keys[0])

int srv_json_check_depth(const char *data, size_t len, int max_depth, srv_problem *p)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return srv_problem_set(
				    p, 400, "malformed", "",
				    "the JSON document is nested more than %d levels deep",
				    max_depth);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* Parses body as a JSON object. */
static int parse_object(const char *body, size_t len, cJSON **root, srv_problem *p)
{
	*root = NULL;
	int rc = srv_json_check_depth(body, len, SRV_JSON_MAX_DEPTH, p);
	if (rc) return rc;
	api_error e = {0};
	if (api_json_parse(body, len, root, &e) != API_OK) {
		srv_problem_set(p, 400, "malformed", "", "%s", e.message);
		return 400;
	}
	if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		*root = NULL;
		return srv_problem_set(p, 400, "malformed", "", "the body must be a JSON object");
	}
	return 0;
}

/* Number of members named key (cJSON keeps duplicates). */
static int count_key(const cJSON *obj, const char *key)
{
	int n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		n += !strcmp(c->string, key);
	return n;
}

static int twice(const char *key, srv_problem *p)
{
	char ptr[160];
	snprintf(ptr, sizeof ptr, "/%s", key);
	return srv_problem_set(p, 422, "invalid-spec", ptr, "field '%s' is given twice", key);
}

/* Takes the job options out of root. */
static int job_options(cJSON *root, const srv_request_env *env, srv_job_request *out,
                       srv_problem *p)
{
	out->format = SRV_FMT_PNG;
	out->time_limit_ms = env->max_time_limit_ms;
	if (count_key(root, "format") > 1) return twice("format", p);
	if (count_key(root, "timeLimitMs") > 1) return twice("timeLimitMs", p);
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (f) {
		if (!cJSON_IsString(f) || !srv_format_parse(f->valuestring, &out->format))
			return srv_problem_set(p, 422, "invalid-spec", "/format",
			                       "'format' must be \"png\", \"json\" or \"text\"");
		cJSON_DeleteItemFromObjectCaseSensitive(root, "format");
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "timeLimitMs");
	if (t) {
		double v = cJSON_IsNumber(t) ? t->valuedouble : -1;
		if (!isfinite(v) || v != floor(v) || v < 1 || v > (double)env->max_time_limit_ms)
			return srv_problem_set(
			    p, 422, "invalid-spec", "/timeLimitMs",
			    "'timeLimitMs' must be an integer from 1 to %lld (the "
			    "server's limit)",
			    (long long)env->max_time_limit_ms);
		out->time_limit_ms = (int64_t)v;
		cJSON_DeleteItemFromObjectCaseSensitive(root, "timeLimitMs");
	}
	return 0;
}

/* The canonical JSON of a named source; 0 or a problem at /<key>. */
static int load_source(const srv_request_env *env, const char *key, const cJSON *v, char **json,
                       srv_problem *p)
{
	char ptr[32];
	snprintf(ptr, sizeof ptr, "/%s", key);
	*json = NULL;
	if (!cJSON_IsString(v))
		return srv_problem_set(p, 422, "invalid-spec", ptr, "'%s' must be a string", key);
	const char *name = v->valuestring;
	if (!strcmp(key, "library")) {
		if (!env->library || !api_library_find(env->library, name))
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "no library entry named '%s' (see GET /v1/library)",
			                       name);
		api_spec spec;
		api_error e = {0};
		if (api_library_load(env->library, name, &spec, &e) != API_OK)
			return srv_problem_set(p, 500, "internal", NULL, "library entry '%s': %s",
			                       name, e.message);
		*json = api_spec_to_json(&spec, &e);
		api_spec_free(&spec);
		if (!*json) return srv_problem_from_api(p, 500, "internal", &e);
		return 0;
	}
	srv_asset_kind kind = !strcmp(key, "tileset") ? SRV_ASSET_TILESET : SRV_ASSET_SAMPLE;
	srv_asset_meta meta;
	if (!srv_assets_get(env->assets, kind, name, &meta, json))
		return srv_problem_set(p, 422, "invalid-spec", ptr, "no %s with id '%s'", key,
		                       name);
	return 0;
}

/* Writes the overrides of req over base. */
static int apply_overrides(cJSON *base, const cJSON *req, const char *source, srv_problem *p)
{
	for (const cJSON *c = req->child; c; c = c->next) {
		char ptr[160];
		snprintf(ptr, sizeof ptr, "/%.150s", c->string);
		if (!strcmp(c->string, source)) continue;
		bool known = false;
		for (size_t i = 0; i < NOVERRIDES && !known; i++)
			known = !strcmp(c->string, override_keys[i]);
		if (!known)
			return srv_problem_set(
			    p, 422, "invalid-spec", ptr,
			    "unknown field '%.100s' in a job request with \"%s\" (the "
			    "overrides are seed, width, height, size, periodic, "
			    "heuristic, attempts, limit, N, symmetry, ground, "
			    "periodicInput; plus format and timeLimitMs)",
			    c->string, source);
		if (count_key(req, c->string) > 1) return twice(c->string, p);
		cJSON *copy = cJSON_Duplicate(c, true);
		if (!copy) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
		cJSON_DeleteItemFromObjectCaseSensitive(base, c->string);
		cJSON_AddItemToObject(base, c->string, copy);
	}
	/* "size" sets width and height unless they are given too */
	if (cJSON_GetObjectItemCaseSensitive(req, "size")) {
		if (!cJSON_GetObjectItemCaseSensitive(req, "width"))
			cJSON_DeleteItemFromObjectCaseSensitive(base, "width");
		if (!cJSON_GetObjectItemCaseSensitive(req, "height"))
			cJSON_DeleteItemFromObjectCaseSensitive(base, "height");
	}
	return 0;
}

static int build_spec(const srv_request_env *env, cJSON *root, srv_job_request *out, srv_problem *p)
{
	static const char *const sources[] = {"library", "tileset", "sample"};
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (cJSON_IsString(model) &&
	    (!strcmp(model->valuestring, "generator") || !strcmp(model->valuestring, "guided"))) {
		if (!env->neural_parse)
			return srv_problem_set(p, 422, "invalid-spec", "/model",
			                       "this server runs no neural models");
		return env->neural_parse(env, root, out, p);
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "neural")) /* set by the server only */
		return srv_problem_set(p, 422, "invalid-spec", "/neural",
		                       "unknown field 'neural' (neural jobs are \"model\": "
		                       "\"generator\" or \"guided\")");
	bool inline_spec = model != NULL;
	const char *source = NULL;
	int n = inline_spec;
	for (int i = 0; i < 3; i++) {
		if (inline_spec && i == 2) break; /* "sample" is the spec's image then */
		if (!cJSON_GetObjectItemCaseSensitive(root, sources[i])) continue;
		if (n++) {
			char ptr[32];
			snprintf(ptr, sizeof ptr, "/%s", sources[i]);
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "give exactly one source: a spec (\"model\"), "
			                       "\"library\", \"tileset\" or \"sample\"");
		}
		source = sources[i];
	}
	if (n == 0)
		return srv_problem_set(p, 422, "invalid-spec", "",
		                       "the request names no source: give a spec (\"model\"), "
		                       "\"library\", \"tileset\" or \"sample\"");
	api_error e = {0};
	out->spec = calloc(1, sizeof *out->spec);
	if (!out->spec) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	if (inline_spec) {
		/* The status comes from the code, never from the message: messages
		 * quote the client's text, which may say "out of memory" too. */
		int rc = api_spec_from_cjson(root, NULL, out->spec, &e);
		if (rc == API_ERR_NOMEM) return srv_problem_from_api(p, 500, "internal", &e);
		if (rc != API_OK) return srv_problem_from_api(p, 422, "invalid-spec", &e);
		return 0;
	}
	if (count_key(root, source) > 1) return twice(source, p);
	char *json = NULL;
	int rc = load_source(env, source, cJSON_GetObjectItemCaseSensitive(root, source), &json, p);
	if (rc) return rc;
	cJSON *base = NULL;
	if (api_json_parse(json, strlen(json), &base, &e) != API_OK) {
		free(json);
		return srv_problem_from_api(p, 500, "internal", &e);
	}
	free(json);
	rc = apply_overrides(base, root, source, p);
	if (!rc && api_spec_from_cjson(base, NULL, out->spec, &e) != API_OK)
		rc = srv_problem_from_api(p, 422, "invalid-spec", &e);
	cJSON_Delete(base);
	return rc;
}

int srv_job_request_parse(const srv_request_env *env, const char *body, size_t len,
                          srv_job_request *out, srv_problem *p)
{
	memset(out, 0, sizeof *out);
	cJSON *root = NULL;
	int rc = parse_object(body, len, &root, p);
	if (!rc) rc = job_options(root, env, out, p);
	if (!rc) rc = build_spec(env, root, out, p);
	if (!rc) {
		api_spec *s = out->spec;
		long cells = (long)s->width * s->height;
		if (cells > env->max_cells) {
			const char *ptr = cJSON_GetObjectItemCaseSensitive(root, "width") ? "/width"
			                  : cJSON_GetObjectItemCaseSensitive(root, "height")
			                      ? "/height"
			                  : cJSON_GetObjectItemCaseSensitive(root, "size") ? "/size"
			                                                                   : "";
			rc = srv_problem_set(
			    p, 422, "invalid-spec", ptr,
			    "the output is %dx%d = %ld cells; this server allows at "
			    "most %ld",
			    s->width, s->height, cells, env->max_cells);
		}
	}
	if (!rc && out->format == SRV_FMT_TEXT && out->spec->kind != WFC_MODEL_TILED)
		rc = srv_problem_set(p, 422, "invalid-spec", "/format",
		                     "text grids exist for tiled models only");
	cJSON_Delete(root);
	if (!rc) {
		api_spec *s = out->spec;
		if (!s->has_seed) {
			uint32_t r = 0;
			if (!srv_random_bytes(&r, sizeof r))
				rc = srv_problem_set(p, 500, "internal", NULL,
				                     "no randomness for a seed");
			s->seed = (int32_t)(r & 0x7fffffff); /* readable, non-negative */
			s->has_seed = true;
		}
		out->seed = s->seed;
		api_error e = {0};
		if (!rc && !(out->spec_json = api_spec_to_json(s, &e)))
			rc = srv_problem_from_api(p, 500, "internal", &e);
	}
	if (rc) srv_job_request_free(out);
	return rc;
}

void srv_job_request_free(srv_job_request *r)
{
	if (r->spec) {
		api_spec_free(r->spec);
		free(r->spec);
	}
	free(r->spec_json);
	memset(r, 0, sizeof *r);
}

int srv_spec_parse_kind(const char *body, size_t len, wfc_model_kind kind, api_spec *out,
                        srv_problem *p)
{
	memset(out, 0, sizeof *out);
	cJSON *root = NULL;
	int rc = parse_object(body, len, &root, p);
	if (rc) return rc;
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	bool tiled = cJSON_IsString(model) && (!strcmp(model->valuestring, "tiled") ||
	                                       !strcmp(model->valuestring, "simpletiled"));
	bool overlapping = cJSON_IsString(model) && !strcmp(model->valuestring, "overlapping");
	api_error e = {0};
	if (model && (kind == WFC_MODEL_TILED ? overlapping : tiled))
		rc = srv_problem_set(p, 422, "invalid-spec", "/model", "this route takes %s spec",
		                     kind == WFC_MODEL_TILED ? "a tiled" : "an overlapping");
	else if (cJSON_GetObjectItemCaseSensitive(root, "neural"))
		rc = srv_problem_set(p, 422, "invalid-spec", "/neural", "unknown field 'neural'");
	else if (api_spec_from_cjson(root, NULL, out, &e) != API_OK)
		rc = srv_problem_from_api(p, 422, "invalid-spec", &e);
	cJSON_Delete(root);
	return rc;
}

/* A query value as JSON: integers and booleans as such, anything else as
 * a string, so the spec reader words the type error. */
static cJSON *query_value(const char *v)
{
	if (!strcmp(v, "true")) return cJSON_CreateTrue();
	if (!strcmp(v, "false")) return cJSON_CreateFalse();
	char *end;
	double d = strtod(v, &end);
	if (*v && !*end && isfinite(d)) return cJSON_CreateNumber(d);
	return cJSON_CreateString(v);
}

int srv_sample_from_png(const unsigned char *png, size_t len,
                        const char *(*query)(void *ctx, const char *key), void *ctx, api_spec *out,
                        srv_problem *p)
{
	static const char *const keys[] = {"name", "N", "symmetry", "periodicInput", "ground"};
	memset(out, 0, sizeof *out);
	char *b64 = api_base64_encode(png, len);
	cJSON *root = cJSON_CreateObject();
	int rc = 0;
	if (!b64 || !root || !cJSON_AddStringToObject(root, "model", "overlapping")) {
		rc = srv_problem_set(p, 500, "internal", NULL, "out of memory");
		goto done;
	}
	for (int i = 0; i < 5; i++) {
		const char *v = query(ctx, keys[i]);
		if (!v) continue;
		cJSON *item = i == 0 ? cJSON_CreateString(v) : query_value(v);
		if (!item) {
			rc = srv_problem_set(p, 500, "internal", NULL, "out of memory");
			goto done;
		}
		cJSON_AddItemToObject(root, keys[i], item);
	}
	size_t n = strlen(b64);
	char *uri = malloc(n + 32);
	if (uri) {
		memcpy(uri, "data:image/png;base64,", 22);
		memcpy(uri + 22, b64, n + 1);
	}
	bool added = uri && cJSON_AddStringToObject(root, "sample", uri);
	free(uri);
	if (!added) {
		rc = srv_problem_set(p, 500, "internal", NULL, "out of memory");
		goto done;
	}
	api_error e = {0};
	if (api_spec_from_cjson(root, NULL, out, &e) != API_OK) {
		if (!strcmp(e.pointer, "/sample"))
			rc = srv_problem_set(p, 422, "invalid-spec", NULL, "the PNG body: %s",
			                     e.message);
		else
			rc = srv_problem_set(p, 422, "invalid-spec", NULL,
			                     "query parameter '%s': %s",
			                     e.pointer[0] ? e.pointer + 1 : "?", e.message);
	}
done:
	cJSON_Delete(root);
	free(b64);
	return rc;
}
