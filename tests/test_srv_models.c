/*
 * test_srv_models.c - neural generators in the server, below HTTP: the
 * checkpoint's spec and vocab_ids round trip (nn/checkpoint.c), the model
 * registry (server/models.c: bad files listed, reload), neural job
 * requests (server/request_nn.c, and their refusal where the server has no
 * models or a client sends "neural"), and the runner (server/runner_nn.c):
 * generator jobs deterministic for a seed, guided outputs that keep the
 * data set's allowed-neighbour table and the pins, impossible pins.
 *
 * The checkpoint is a tiny DCGAN (width 4, one step) on 2 outputs of the
 * built-in Terrain-Islands tileset (WFC_LIBRARY, default library/).
 */
#include "../api/dataset_gen.h"
#include "../api/json_spec.h"
#include "../api/library.h"
#include "../nn/checkpoint.h"
#include "../nn/train.h"
#include "../server/config.h"
#include "../server/jobs_nn.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static api_dataset ds;

/* A data set of Terrain-Islands and a generator on it, saved as
 * <dir>/tiny.safetensors (and a broken file beside it). */
static void setup(void)
{
	const char *lib_dir = getenv("WFC_LIBRARY");
	if (!lib_dir || !*lib_dir) lib_dir = "library";
	api_library *lib = NULL;
	api_error e = {0};
	api_spec spec;
	cr_assert_eq(api_library_open(lib_dir, &lib, &e), API_OK, "%s", e.message);
	cr_assert_eq(api_library_load(lib, "Terrain-Islands", &spec, &e), API_OK, "%s", e.message);
	api_library_close(lib);
	api_dataset_options opt = {.size = 64,
	                           .count = 2,
	                           .format = API_DATASET_ONEHOT,
	                           .seed = 1,
	                           .threads = 1,
	                           .source = "Terrain-Islands"};
	cr_assert_eq(api_dataset_generate(&spec, &opt, &ds, &e), API_OK, "%s", e.message);
	api_spec_free(&spec);
	cr_assert_not_null(ds.spec_json);
	cr_assert_not_null(ds.vocab_ids);

	char err[256];
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	cr_assert_not_null(be, "%s", err);
	nn_gan_config c;
	nn_train_config(&ds, NN_ARCH_DCGAN, &c);
	c.width = 4;
	c.batch = 2;
	nn_trainer t;
	cr_assert_eq(nn_trainer_create(&t, &ds, &c, be, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(nn_trainer_run(&t, 1, NULL, err, sizeof err), 0, "%s", err);
	snprintf(dir, sizeof dir, "/tmp/wfc-srv-models-XXXXXX");
	cr_assert(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/tiny.safetensors", dir);
	nn_ckpt_info info = {ds.colors, ds.vocab, ds.source, 3, ds.spec_json, ds.vocab_ids};
	cr_assert_eq(nn_ckpt_save_generator(path, &t.gan, &info, t.epoch, err, sizeof err), 0, "%s",
	             err);
	nn_trainer_destroy(&t);
	nn_backend_destroy(be);
	snprintf(path, sizeof path, "%s/broken.safetensors", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{}", f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
	api_dataset_free(&ds);
}

TestSuite(srv_models, .init = setup, .fini = teardown);

Test(srv_models, checkpoint_keeps_spec_and_vocab_ids)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/tiny.safetensors", dir);
	nn_backend *be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	nn_generator g;
	cr_assert_eq(nn_generator_load(path, be, 1, &g, err, sizeof err), 0, "%s", err);
	cr_assert_eq(g.vocab, ds.vocab);
	cr_assert_str_eq(g.spec_json, ds.spec_json);
	cr_assert_not_null(g.vocab_ids);
	cr_assert_eq(memcmp(g.vocab_ids, ds.vocab_ids, (size_t)ds.vocab * sizeof *g.vocab_ids), 0);
	cr_assert_str_eq(g.source, "Terrain-Islands");
	nn_generator_free(&g);
	nn_backend_destroy(be);
}

Test(srv_models, registry_lists_bad_files_and_reloads)
{
	srv_models *m;
	cr_assert_eq(srv_models_create(dir, &m), 0);
	int failed = -1;
	cr_assert_eq(srv_models_reload(m, &failed), 1);
	cr_assert_eq(failed, 1);
	cr_assert(srv_models_has(m, "tiny"));
	cr_assert_not(srv_models_has(m, "broken"));
	cr_assert_null(srv_models_acquire(m, "broken"));
	char *one = srv_models_entry_json(m, "broken");
	cr_assert_not_null(one);
	cr_assert(strstr(one, "\"status\":\"error\""), "%s", one);
	cr_assert_null(strstr(one, dir), "no server paths in errors: %s", one);
	free(one);
	one = srv_models_entry_json(m, "tiny");
	cr_assert(strstr(one, "\"guided\":true"), "%s", one);
	free(one);
	cr_assert_null(srv_models_entry_json(m, "nothing"));
	/* a held model outlives a reload that drops it */
	srv_model *held = srv_models_acquire(m, "tiny");
	cr_assert_not_null(held);
	char path[128];
	snprintf(path, sizeof path, "%s/tiny.safetensors", dir);
	char moved[128];
	snprintf(moved, sizeof moved, "%s/tiny.bak", dir);
	cr_assert_eq(rename(path, moved), 0);
	cr_assert_eq(srv_models_reload(m, &failed), 0);
	cr_assert_not(srv_models_has(m, "tiny"));
	cr_assert_eq(held->gen.vocab, ds.vocab);
	srv_models_release(m, held);
	cr_assert_eq(rename(moved, path), 0);
	srv_models_destroy(m);
	cr_assert(srv_model_name_valid("a-b_c.1"));
	cr_assert_not(srv_model_name_valid(".hidden"));
	cr_assert_not(srv_model_name_valid("a/b"));
}

static srv_request_env env_with(srv_models *m)
{
	return (srv_request_env){NULL, NULL, 1 << 20, 60000, m, srv_nn_build_spec};
}

static int parse(const srv_request_env *e, const char *body, srv_job_request *r, srv_problem *p)
{
	return srv_job_request_parse(e, body, strlen(body), r, p);
}

Test(srv_models, requests)
{
	srv_models *m;
	cr_assert_eq(srv_models_create(dir, &m), 0);
	srv_models_reload(m, NULL);
	srv_request_env e = env_with(m);
	srv_job_request r;
	srv_problem p;
	cr_assert_eq(
	    parse(&e, "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"seed\":9,\"count\":3}",
	          &r, &p),
	    0, "%s", p.detail);
	cr_assert_eq(r.seed, 9);
	cr_assert(strstr(r.spec->neural, "\"count\":3"), "%s", r.spec->neural);
	/* what the store persists reads back with its neural part */
	api_spec back;
	api_error ae = {0};
	cr_assert_eq(api_spec_from_json(r.spec_json, strlen(r.spec_json), NULL, &back, &ae), API_OK,
	             "%s", ae.message);
	cr_assert_str_eq(back.neural, r.spec->neural);
	api_spec_free(&back);
	srv_job_request_free(&r);

	const struct {
		const char *body, *pointer;
	} bad[] = {
	    {"{\"model\":\"generator\",\"checkpoint\":\"nope\"}", "/checkpoint"},
	    {"{\"model\":\"generator\",\"checkpoint\":\"broken\"}", "/checkpoint"},
	    {"{\"model\":\"generator\"}", "/checkpoint"},
	    {"{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"count\":0}", "/count"},
	    {"{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"pins\":[]}", "/pins"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"count\":2}", "/count"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":{}}", "/pins"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":0}]}",
	     "/pins/0"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":0,\"tile\":1,"
	     "\"pattern\":1}]}",
	     "/pins/0"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":-1,\"tile\":0}"
	     "]}",
	     "/pins/0/y"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":0,\"tile\":"
	     "999}]}",
	     "/pins/0/tile"},
	    {"{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":0,\"z\":1}]}",
	     "/pins/0/z"},
	    {"{\"library\":\"x\",\"neural\":{}}", "/neural"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(&e, bad[i].body, &r, &p);
		cr_assert_eq(rc, 422, "%s: %d", bad[i].body, rc);
		cr_assert_str_eq(p.pointer, bad[i].pointer, "%s: %s", bad[i].body, p.detail);
		cr_assert_null(r.spec);
	}
	/* a server without models refuses neural jobs; "neural" in a spec is refused */
	srv_request_env none = {NULL, NULL, 1 << 20, 60000, NULL, NULL};
	cr_assert_eq(parse(&none, "{\"model\":\"generator\",\"checkpoint\":\"tiny\"}", &r, &p),
	             422);
	cr_assert_str_eq(p.pointer, "/model");
	srv_models_destroy(m);
}

static void run(srv_models *m, const char *body, srv_job_outcome *out)
{
	srv_request_env e = env_with(m);
	srv_job_request r;
	srv_problem p;
	cr_assert_eq(parse(&e, body, &r, &p), 0, "%s: %s", body, p.detail);
	atomic_int cancel = 0;
	atomic_uint ppm = 0;
	srv_run_control ctl = {&cancel, &ppm, 60000, 0};
	srv_run_neural(m, r.spec, r.seed, NULL, &ctl, out);
	srv_job_request_free(&r);
}

/* The JSON grid's legend index k is pattern k; every adjacent pair must be
 * allowed by the data set's table (in vocabulary space, through vocab_ids). */
static void check_guided(const srv_result *res, int pin_x, int pin_y, int pin_pattern)
{
	cJSON *g = cJSON_Parse((const char *)res->data[SRV_FMT_JSON]);
	cr_assert_not_null(g);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(g, "grid");
	int S = 64, V = ds.vocab;
	int *cell = malloc((size_t)S * S * sizeof *cell);
	for (int y = 0; y < S; y++)
		for (int x = 0; x < S; x++) {
			int t = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, y), x)->valueint;
			int v = -1;
			for (int k = 0; k < V; k++)
				if (ds.vocab_ids[k] == t) v = k;
			cell[y * S + x] = v;
			if (x == pin_x && y == pin_y) cr_assert_eq(t, pin_pattern, "the pin holds");
		}
	static const int dx[4] = {-1, 0, 1, 0}, dy[4] = {0, 1, 0, -1};
	int checked = 0;
	for (int y = 0; y < S; y++)
		for (int x = 0; x < S; x++)
			for (int d = 0; d < 4; d++) {
				int a = cell[y * S + x],
				    b = cell[((y + dy[d] + S) % S) * S + (x + dx[d] + S) % S];
				if (a < 0 || b < 0) continue; /* a pattern the data set never saw */
				cr_assert(ds.allowed[((size_t)d * V + a) * V + b],
				          "(%d, %d) dir %d", x, y, d);
				checked++;
			}
	cr_assert_gt(checked, S * S * 2, "most pairs are in the vocabulary");
	free(cell);
	cJSON_Delete(g);
}

Test(srv_models, runs)
{
	srv_models *m;
	cr_assert_eq(srv_models_create(dir, &m), 0);
	srv_models_reload(m, NULL);
	srv_job_outcome a, b;
	run(m, "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"seed\":4,\"count\":2}", &a);
	run(m, "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"seed\":4,\"count\":2}", &b);
	cr_assert_eq(a.status, SRV_JOB_SUCCEEDED, "%s", a.error.detail);
	cr_assert_eq(a.result.size[SRV_FMT_PNG], b.result.size[SRV_FMT_PNG]);
	cr_assert_eq(memcmp(a.result.data[SRV_FMT_PNG], b.result.data[SRV_FMT_PNG],
	                    a.result.size[SRV_FMT_PNG]),
	             0, "same seed, same output");
	cr_assert_str_eq((char *)a.result.data[SRV_FMT_JSON], (char *)b.result.data[SRV_FMT_JSON]);
	srv_result_free(&a.result);
	srv_result_free(&b.result);

	run(m, "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":8}", &a);
	cr_assert_eq(a.status, SRV_JOB_SUCCEEDED, "%s", a.error.detail);
	cr_assert_not_null(a.result.data[SRV_FMT_TEXT], "tiled: a text grid too");
	check_guided(&a.result, -1, -1, -1);
	srv_result_free(&a.result);

	char body[256];
	int t = ds.vocab_ids[1];
	snprintf(
	    body, sizeof body,
	    "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":8,\"pins\":[{\"x\":5,\"y\":"
	    "7,\"tile\":1}]}");
	run(m, body, &a);
	cr_assert_eq(a.status, SRV_JOB_SUCCEEDED, "%s", a.error.detail);
	check_guided(&a.result, 5, 7, t);
	srv_result_free(&a.result);

	/* two entries the table forbids side by side (entry a left of b) */
	int V = ds.vocab, pa = -1, pb = -1;
	for (int i = 0; i < V && pa < 0; i++)
		for (int j = 0; j < V && pa < 0; j++)
			if (!ds.allowed[((size_t)2 * V + i) * V + j]) pa = i, pb = j;
	cr_assert_geq(pa, 0);
	snprintf(
	    body, sizeof body,
	    "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":0,\"y\":0,\"tile\":"
	    "%d},{\"x\":1,\"y\":0,\"tile\":%d}]}",
	    pa, pb);
	run(m, body, &a);
	cr_assert_eq(a.status, SRV_JOB_FAILED);
	cr_assert_eq(a.error.status, 422);
	cr_assert_str_eq(a.error.pointer, "/pins");
	cr_assert(strstr(a.error.detail, "cannot all hold"), "%s", a.error.detail);
	srv_models_destroy(m);
}

static const char *no_env(const char *k)
{
	return !strcmp(k, "WFCD_NO_TRAINING") ? "1" : NULL;
}

Test(srv_models, config_flags)
{
	srv_config c;
	char err[256];
	srv_config_defaults(&c);
	cr_assert_eq(c.max_train_count, 1024);
	cr_assert_eq(c.max_train_epochs, 20);
	cr_assert_not(c.no_training);
	char *argv[] = {"wfcd",
	                "--models",
	                "/m",
	                "--no-training",
	                "--max-train-count",
	                "5",
	                "--max-train-epochs=2"};
	cr_assert_eq(srv_config_parse(&c, 7, argv, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(c.models, "/m");
	cr_assert(c.no_training);
	cr_assert_eq(c.max_train_count, 5);
	cr_assert_eq(c.max_train_epochs, 2);
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 1, argv, no_env, err, sizeof err), 0, "%s", err);
	cr_assert(c.no_training, "WFCD_NO_TRAINING=1");
	char *bad[] = {"wfcd", "--no-training=yes"};
	cr_assert_eq(srv_config_parse(&c, 2, bad, NULL, err, sizeof err), -1);
}
