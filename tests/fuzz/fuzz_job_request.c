/*
 * fuzz_job_request.c - libFuzzer target for the server's request bodies
 * (server/request.c): srv_job_request_parse (POST /v1/jobs and
 * /v1/generate), srv_spec_parse_kind (POST /v1/tilesets, /v1/samples),
 * then srv_assets_add on what the latter accepts, as the routes do, and
 * srv_nn_train_request (POST /v1/models, server/train_nn.c).
 *
 * The environment is the service's: the built-in library (library/, or
 * $WFC_FUZZ_LIBRARY), an in-memory asset store holding one tileset and
 * one sample, and the default limits of tests/test_srv_jobs.c. Asset ids
 * are random, so an input names them by the placeholders
 * ts_00000000000000000000 and sm_00000000000000000000 ('0' is not in the
 * id alphabet), replaced by the real ids before parsing.
 *
 * Properties: bad input is a 400 or 422 with a detail, never a 500 (a
 * 500 here is a server bug: nothing runs out of memory); an accepted job
 * carries a canonical spec_json that the spec reader accepts again (the
 * job store persists it and a worker reads it back after a restart); an
 * accepted training names an architecture and objective its worker
 * knows, within the limits.
 */
#include "../../api/base64.h"
#include "../../api/json_spec.h"
#include "../../server/assets.h"
#include "../../server/config.h"
#include "../../server/jobs_nn.h"
#include "../../server/request.h"
#include "fuzz_util.h"

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TS_PLACEHOLDER "ts_00000000000000000000"
#define SM_PLACEHOLDER "sm_00000000000000000000"

static const char tileset_spec[] =
    "{\"model\":\"tiled\",\"name\":\"beach\",\"tiles\":[{\"name\":\"water\",\"color\":"
    "\"#2060c0\"},{\"name\":\"sand\",\"symmetry\":\"L\",\"color\":\"#e0d090\"}],"
    "\"neighbors\":[{\"left\":\"water\",\"right\":\"sand 1\"},{\"left\":\"sand\","
    "\"right\":\"sand\"}],\"subsets\":{\"dry\":[\"sand\"]}}";

static api_library *library;
static srv_assets *assets;
static srv_request_env env;
static char ts_id[SRV_ID_MAX], sm_id[SRV_ID_MAX];

static void free_env(void)
{
	srv_assets_destroy(assets);
	api_library_close(library);
}

static void register_asset(srv_asset_kind kind, const char *json, char id[SRV_ID_MAX])
{
	api_spec spec;
	srv_problem p;
	wfc_model_kind model = kind == SRV_ASSET_TILESET ? WFC_MODEL_TILED : WFC_MODEL_OVERLAPPING;
	FUZZ_CHECK(srv_spec_parse_kind(json, strlen(json), model, &spec, &p) == 0);
	srv_asset_meta meta;
	FUZZ_CHECK(srv_assets_add(assets, kind, &spec, &meta, &p) == 0);
	/* the placeholders stand for ids of exactly this length */
	FUZZ_CHECK(strlen(meta.id) == strlen(TS_PLACEHOLDER));
	memcpy(id, meta.id, sizeof meta.id);
	api_spec_free(&spec);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("WFC_FUZZ_LIBRARY");
	api_error err = {0};
	FUZZ_CHECK(api_library_open(dir && *dir ? dir : "library", &library, &err) == API_OK);
	FUZZ_CHECK(srv_assets_create(NULL, NULL, &assets) == 0);
	atexit(free_env);
	register_asset(SRV_ASSET_TILESET, tileset_spec, ts_id);
	/* The sample: 3x3, two colours, inline as the project encodes it. */
	static const uint32_t px[9] = {0xff000000u, 0xffffffffu, 0xff000000u,
	                               0xffffffffu, 0xff000000u, 0xffffffffu,
	                               0xff000000u, 0xffffffffu, 0xff000000u};
	unsigned char *png = NULL;
	size_t png_size = 0;
	FUZZ_CHECK(api_png_encode(px, 3, 3, &png, &png_size, &err) == API_OK);
	char *b64 = api_base64_encode(png, png_size);
	FUZZ_CHECK(b64 != NULL);
	size_t n = strlen(b64) + 128;
	char *sample = malloc(n);
	FUZZ_CHECK(sample != NULL);
	snprintf(sample, n,
	         "{\"model\":\"overlapping\",\"name\":\"dots\",\"N\":2,"
	         "\"sample\":\"data:image/png;base64,%s\"}",
	         b64);
	register_asset(SRV_ASSET_SAMPLE, sample, sm_id);
	free(sample);
	free(b64);
	free(png);
	env = (srv_request_env){library, assets, 1 << 20, 10000, NULL, NULL};
	return 0;
}

static void replace_all(char *buf, size_t size, const char *from, const char *to)
{
	size_t n = strlen(from);
	for (size_t i = 0; i + n <= size; i++)
		if (memcmp(buf + i, from, n) == 0) memcpy(buf + i, to, n);
}

/* A refusal is the client's fault, worded, and never an internal error. */
static void check_refusal(int rc, const srv_problem *p)
{
	FUZZ_CHECK(rc == 400 || rc == 422);
	FUZZ_CHECK(p->status == rc && p->detail[0] != '\0');
}

static void job_request(const char *body, size_t size)
{
	srv_job_request r;
	srv_problem p = {0};
	int rc = srv_job_request_parse(&env, body, size, &r, &p);
	if (rc) {
		check_refusal(rc, &p);
		FUZZ_CHECK(r.spec == NULL && r.spec_json == NULL);
		return;
	}
	FUZZ_CHECK(r.spec && r.spec_json && r.spec->has_seed && r.seed == r.spec->seed);
	FUZZ_CHECK((long)r.spec->width * r.spec->height <= env.max_cells);
	FUZZ_CHECK(r.time_limit_ms >= 1 && r.time_limit_ms <= env.max_time_limit_ms);
	api_spec back;
	api_error err = {0};
	FUZZ_CHECK(api_spec_from_json(r.spec_json, strlen(r.spec_json), NULL, &back, &err) ==
	           API_OK);
	FUZZ_CHECK(back.has_seed && back.seed == r.seed);
	api_spec_free(&back);
	srv_job_request_free(&r);
}

static void asset_body(const char *body, size_t size, srv_asset_kind kind)
{
	api_spec spec;
	srv_problem p = {0};
	wfc_model_kind model = kind == SRV_ASSET_TILESET ? WFC_MODEL_TILED : WFC_MODEL_OVERLAPPING;
	int rc = srv_spec_parse_kind(body, size, model, &spec, &p);
	if (rc) {
		check_refusal(rc, &p);
		return;
	}
	FUZZ_CHECK(spec.kind == model);
	srv_asset_meta meta;
	rc = srv_assets_add(assets, kind, &spec, &meta, &p);
	if (rc)
		check_refusal(rc, &p);
	else
		FUZZ_CHECK(srv_assets_delete(assets, kind, meta.id));
	api_spec_free(&spec);
}

/* The training job's own part, as srv_run_train reads it back. */
static void check_training(const srv_job_request *r, const srv_nn_train_limits *lim)
{
	cJSON *nj = cJSON_Parse(r->spec->neural);
	FUZZ_CHECK(nj != NULL);
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(nj, "arch"),
	            *loss = cJSON_GetObjectItemCaseSensitive(nj, "loss"),
	            *epochs = cJSON_GetObjectItemCaseSensitive(nj, "epochs"),
	            *count = cJSON_GetObjectItemCaseSensitive(nj, "count");
	nn_arch a;
	nn_loss l;
	FUZZ_CHECK(cJSON_IsString(arch) && nn_arch_parse(arch->valuestring, &a) == 0);
	FUZZ_CHECK(cJSON_IsString(loss) && nn_loss_parse(loss->valuestring, &l) == 0);
	FUZZ_CHECK(a == NN_ARCH_DCGAN || l == NN_LOSS_WASSERSTEIN);
	FUZZ_CHECK(cJSON_IsNumber(epochs) && epochs->valuedouble >= 1 &&
	           epochs->valuedouble <= (double)lim->max_epochs);
	FUZZ_CHECK(cJSON_IsNumber(count) && count->valuedouble >= 1 &&
	           count->valuedouble <= (double)lim->max_count);
	/* calibration, when asked for: onehot, every setting in range */
	const cJSON *cal = cJSON_GetObjectItemCaseSensitive(nj, "calibrate");
	if (cal) {
		const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(nj, "format"),
		            *f = cJSON_GetObjectItemCaseSensitive(cal, "floor"),
		            *rounds = cJSON_GetObjectItemCaseSensitive(cal, "rounds"),
		            *n = cJSON_GetObjectItemCaseSensitive(cal, "count");
		FUZZ_CHECK(cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "onehot"));
		FUZZ_CHECK(cJSON_IsNumber(f) && f->valuedouble > 0 && f->valuedouble <= 1e6);
		FUZZ_CHECK(cJSON_IsNumber(rounds) && rounds->valuedouble >= 1 &&
		           rounds->valuedouble <= 100);
		FUZZ_CHECK(cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble <= 1000);
	}
	cJSON_Delete(nj);
}

static void train_body(const char *body, size_t size)
{
	srv_nn_train_limits lim = {SRV_DEFAULT_MAX_TRAIN_COUNT, SRV_DEFAULT_MAX_TRAIN_EPOCHS, false};
	srv_job_request r;
	srv_problem p = {0};
	int rc = srv_nn_train_request(&env, &lim, body, size, &r, &p);
	if (rc) { /* no models directory here, so no name is taken (409) */
		check_refusal(rc, &p);
		FUZZ_CHECK(r.spec == NULL && r.spec_json == NULL);
		return;
	}
	FUZZ_CHECK(r.spec && r.spec_json && r.spec->neural && r.spec->has_seed);
	FUZZ_CHECK(r.time_limit_ms >= 1 && r.time_limit_ms <= env.max_time_limit_ms);
	check_training(&r, &lim);
	api_spec back;
	api_error err = {0};
	FUZZ_CHECK(api_spec_from_json(r.spec_json, strlen(r.spec_json), NULL, &back, &err) ==
	           API_OK);
	api_spec_free(&back);
	srv_job_request_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so reading past the body is still caught. */
	char *body = malloc(size ? size : 1);
	FUZZ_CHECK(body != NULL);
	memcpy(body, data, size);
	replace_all(body, size, TS_PLACEHOLDER, ts_id);
	replace_all(body, size, SM_PLACEHOLDER, sm_id);
	job_request(body, size);
	asset_body(body, size, SRV_ASSET_TILESET);
	asset_body(body, size, SRV_ASSET_SAMPLE);
	train_body(body, size);
	free(body);
	return 0;
}
