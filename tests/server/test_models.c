/*
 * test_models.c - neural generators in the service: GET /v1/models and
 * reload, "generator" jobs (PNG and JSON, deterministic for a seed),
 * "guided" jobs whose output the independent validator (tests/validator/)
 * accepts against the tileset's own XML, pins that hold, and impossible
 * pins answered 422 at /pins.
 *
 * Each test trains a tiny checkpoint on the fly with the `wfc` binary
 * (WFC_CLI, default: `wfc` beside WFCD_BIN): `wfc dataset` of 4 outputs of
 * the built-in Terrain-Islands tileset (tiled, periodic, 16 variants) and
 * `wfc train` for 2 steps at width 4 (about a second); weights this raw
 * make poor pictures, but every guided output must still obey the rules.
 * Skips when the CLI or the library is missing.
 */
#include "../validator/validator.h"
#include "harness.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENTRY "Terrain-Islands"

typedef struct {
	char models[128]; /* the --models directory */
	char work[96];    /* data set and training output */
} fixture;

static const char *cli_path(void)
{
	static char path[512];
	const char *env = getenv("WFC_CLI");
	if (env && *env) return env;
	const char *bin = getenv("WFCD_BIN");
	snprintf(path, sizeof path, "%s", bin && *bin ? bin : "build/wfcd");
	char *slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
	         "wfc");
	return path;
}

static void run(const char *cmd)
{
	int rc = system(cmd);
	cr_assert_eq(rc, 0, "command failed (%d): %s", rc, cmd);
}

/* A tiny onehot DCGAN checkpoint as <models>/<name>.safetensors. */
static void make_fixture(fixture *f, const char *name)
{
	it_require_server();
	IT_REQUIRE_LIBRARY();
	struct stat st;
	if (stat(cli_path(), &st) != 0) cr_skip_test("no wfc CLI at %s (set WFC_CLI)", cli_path());
	snprintf(f->work, sizeof f->work, "/tmp/wfcd-it-nn-XXXXXX");
	cr_assert(mkdtemp(f->work));
	snprintf(f->models, sizeof f->models, "%s/models", f->work);
	cr_assert_eq(mkdir(f->models, 0755), 0);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
	         "%s dataset --library %s --library-dir %s --size 64 --count 4 --format onehot "
	         "--threads 1 -q -o %s/ds.safetensors >%s/log 2>&1 && "
	         "%s train --data %s/ds.safetensors --arch dcgan --width 4 --batch 4 --steps 2 "
	         "--device cpu --threads 1 --sample-every 0 -q -o %s/train >>%s/log 2>&1 && "
	         "cp %s/train/generator.safetensors %s/%s.safetensors",
	         cli_path(), ENTRY, it_library_dir(), f->work, f->work, cli_path(), f->work,
	         f->work, f->work, f->work, f->models, name);
	run(cmd);
}

static void drop_fixture(const fixture *f)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->work);
	(void)!system(cmd);
}

static void start(it_server *s, const fixture *f)
{
	static char models[128];
	snprintf(models, sizeof models, "%s", f->models);
	const char *args[] = {"--models", models, "--workers", "2", NULL};
	it_start(s, args);
}

/* GET /v1/models/<name>, which must answer 200: its JSON (caller frees). */
static cJSON *model_info(const it_server *s, const char *name)
{
	char path[160];
	snprintf(path, sizeof path, "/v1/models/%s", name);
	return it_get_json(s, path);
}

static const cJSON *model_named(const cJSON *list, const char *name)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(list, "models"))
	{
		if (!strcmp(it_str(m, "name"), name)) return m;
	}
	return NULL;
}

Test(models, list_get_and_reload)
{
	fixture f;
	make_fixture(&f, "tiny");
	char path[160];
	snprintf(path, sizeof path, "%s/broken.safetensors", f.models);
	FILE *fp = fopen(path, "w");
	cr_assert(fp);
	fputs("not a checkpoint", fp);
	fclose(fp);
	it_server s = {0};
	start(&s, &f);

	http_response rs;
	it_get(&s, &rs, "/v1/models");
	it_expect_status(&rs, 200);
	cJSON *list = it_json(&rs);
	http_response_free(&rs);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list, "models")), 2);
	const cJSON *tiny = model_named(list, "tiny");
	cr_assert(tiny, "tiny is listed");
	cr_assert_str_eq(it_str(tiny, "status"), "ready");
	cr_assert_str_eq(it_str(tiny, "arch"), "dcgan");
	cr_assert_str_eq(it_str(tiny, "format"), "onehot");
	cr_assert_eq((int)it_num(tiny, "size"), 64);
	cr_assert_eq((int)it_num(tiny, "width"), 4);
	cr_assert_eq((int)it_num(tiny, "steps"), 2);
	cr_assert_eq((int)it_num(tiny, "vocab"), (int)it_num(tiny, "channels"));
	cr_assert_gt(it_num(tiny, "parameters"), 1000);
	cr_assert_gt(it_num(tiny, "fileSize"), 4 * it_num(tiny, "parameters") - 1);
	cr_assert_str_eq(it_str(tiny, "source"), ENTRY);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tiny, "guided")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(tiny, "calibrated")),
	          "no guide scales in a freshly trained checkpoint");
	cr_assert(strstr(it_str(tiny, "device"), "cpu") || strstr(it_str(tiny, "device"), "cuda"));
	const cJSON *broken = model_named(list, "broken");
	cr_assert(broken, "a file that does not load is listed");
	cr_assert_str_eq(it_str(broken, "status"), "error");
	cr_assert_neq(it_str(broken, "error")[0], '\0');
	cr_assert_null(strstr(it_str(broken, "error"), f.models), "errors do not show paths");
	cJSON_Delete(list);

	it_get(&s, &rs, "/v1/models/tiny");
	it_expect_status(&rs, 200);
	cJSON *one = it_json(&rs);
	cr_assert_str_eq(it_str(one, "name"), "tiny");
	cJSON_Delete(one);
	http_response_free(&rs);
	it_get(&s, &rs, "/v1/models/nothing");
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);

	/* A new file appears on reload; the broken one is gone once removed. */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp %s/tiny.safetensors %s/second.safetensors && rm %s", f.models,
	         f.models, path);
	run(cmd);
	it_get(&s, &rs, "/v1/models/second");
	cJSON_Delete(it_problem(&rs, 404, "not-found"));
	http_response_free(&rs);
	it_call(&s, &rs, "POST", "/v1/models/reload", NULL);
	it_expect_status(&rs, 200);
	cJSON *rl = it_json(&rs);
	http_response_free(&rs);
	cr_assert_eq((int)it_num(rl, "loaded"), 2);
	cr_assert_eq((int)it_num(rl, "failed"), 0);
	cr_assert(model_named(rl, "second"));
	cJSON_Delete(rl);
	it_get(&s, &rs, "/v1/models/second");
	it_expect_status(&rs, 200);
	http_response_free(&rs);
	it_destroy(&s);
	drop_fixture(&f);
}

/* The finished job's result in format fmt (direct: byte-exact). */
static void result(const it_server *s, const char *id, const char *fmt, http_response *rs,
                   bool direct)
{
	char target[160];
	snprintf(target, sizeof target, "/v1/jobs/%s/result?format=%s", id, fmt);
	it_opts o = {.direct = direct};
	it_call(s, rs, "GET", target, &o);
	it_expect_status(rs, 200);
}

static cJSON *run_job(const it_server *s, const char *body)
{
	cJSON *job = it_submit(s, body);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	job = it_wait_done(s, id, 120);
	cr_assert_str_eq(it_str(job, "status"), "succeeded", "%s", cJSON_PrintUnformatted(job));
	return job;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void expect_png(const http_response *rs, uint32_t w, uint32_t h)
{
	const unsigned char *b = (const unsigned char *)rs->body;
	cr_assert_geq(rs->body_len, 33);
	cr_assert(memcmp(b + 1, "PNG", 3) == 0 && memcmp(b + 12, "IHDR", 4) == 0);
	cr_assert_eq(be32(b + 16), w, "PNG width %u, want %u", be32(b + 16), w);
	cr_assert_eq(be32(b + 20), h, "PNG height %u, want %u", be32(b + 20), h);
}

/* A 64x64 grid of vocabulary indices below vocab. */
static void expect_vocab_grid(const cJSON *g, int vocab)
{
	cr_assert_eq((int)it_num(g, "width"), 64);
	cr_assert_eq((int)it_num(g, "height"), 64);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "legend")), vocab);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(g, "grid"), *row, *c;
	cr_assert_eq(cJSON_GetArraySize(rows), 64);
	cJSON_ArrayForEach(row, rows)
	{
		cr_assert_eq(cJSON_GetArraySize(row), 64);
		cJSON_ArrayForEach(c, row) cr_assert(c->valueint >= 0 && c->valueint < vocab);
	}
}

/* POST body to path straight to the server (outside the contract, so not
 * through the proxy): a 422 invalid-spec at pointer. */
static void refused_at(const it_server *s, const char *path, const char *body,
                       const char *pointer)
{
	http_response rs;
	it_opts direct = {.direct = true, .body = body};
	it_call(s, &rs, "POST", path, &direct);
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	cr_assert_str_eq(it_str(p, "pointer"), pointer, "%s", body);
	cJSON_Delete(p);
	http_response_free(&rs);
}

Test(models, generator_jobs)
{
	fixture f;
	make_fixture(&f, "tiny");
	it_server s = {0};
	start(&s, &f);
	http_response rs;
	cJSON *m = model_info(&s, "tiny");
	int vocab = (int)it_num(m, "vocab");
	cJSON_Delete(m);

	/* count 4: a 2x2 grid with 2-pixel gaps, JSON {"seed","samples"} */
	cJSON *job = run_job(&s, "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"seed\":3,"
	                         "\"count\":4}");
	cr_assert_eq((int)it_num(job, "seed"), 3);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	result(&s, id, "png", &rs, true);
	expect_png(&rs, 130, 130);
	http_response_free(&rs);
	result(&s, id, "json", &rs, false);
	cJSON *many = it_json(&rs);
	http_response_free(&rs);
	cr_assert_eq((int)it_num(many, "seed"), 3);
	const cJSON *samples = cJSON_GetObjectItemCaseSensitive(many, "samples"), *g;
	cr_assert_eq(cJSON_GetArraySize(samples), 4);
	cJSON_ArrayForEach(g, samples) expect_vocab_grid(g, vocab);

	/* count 1 of the same seed: one 64x64 image, and sample 0 again */
	job = run_job(&s, "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"seed\":3,"
	                  "\"format\":\"json\"}");
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	result(&s, id, "png", &rs, true);
	expect_png(&rs, 64, 64);
	http_response_free(&rs);
	result(&s, id, "json", &rs, false);
	cJSON *one = it_json(&rs);
	http_response_free(&rs);
	expect_vocab_grid(one, vocab);
	char *a = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(one, "grid"));
	char *b = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(samples, 0), "grid"));
	cr_assert_str_eq(a, b, "sample 0 of a seed is the same alone and in a batch");
	free(a), free(b);
	cJSON_Delete(one);
	cJSON_Delete(many);

	/* the same request twice: the same bytes (deterministic for a seed) */
	it_opts o = {.direct = true,
	             .body = "{\"model\":\"generator\",\"checkpoint\":\"tiny\","
	                     "\"seed\":11,\"count\":2}"};
	http_response r1, r2;
	it_call(&s, &r1, "POST", "/v1/generate", &o);
	it_call(&s, &r2, "POST", "/v1/generate", &o);
	it_expect_status(&r1, 200);
	it_expect_status(&r2, 200);
	cr_assert_eq(r1.body_len, r2.body_len);
	cr_assert(memcmp(r1.body, r2.body, r1.body_len) == 0);
	http_response_free(&r1);
	http_response_free(&r2);

	/* errors: unknown model, unknown field, count out of range */
	it_post(&s, &rs, "/v1/jobs", "{\"model\":\"generator\",\"checkpoint\":\"nope\"}");
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	cr_assert_str_eq(it_str(p, "pointer"), "/checkpoint");
	cJSON_Delete(p);
	http_response_free(&rs);
	refused_at(&s, "/v1/jobs", "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"count\":65}",
	           "/count");
	refused_at(&s, "/v1/jobs", "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"pins\":[]}",
	           "/pins");
	/* "neural" is the server's own field, never a client's */
	it_opts bad = {.direct = true,
	               .body = "{\"library\":\"" ENTRY "\",\"neural\":{\"job\":\"generator\"}}"};
	it_call(&s, &rs, "POST", "/v1/jobs", &bad);
	cJSON_Delete(it_problem(&rs, 422, "invalid-spec"));
	http_response_free(&rs);
	it_destroy(&s);
	drop_fixture(&f);
}

/* The guided job's JSON grid as "tile k" names, checked by the validator
 * against the tileset XML of the library. Returns the grid (caller frees). */
static cJSON *guided_valid(const it_server *s, const char *body, vld_tileset *ts)
{
	cJSON *job = run_job(s, body);
	cr_assert_str_eq(it_str(job, "model"), "tiled");
	int w = (int)it_num(job, "width"), h = (int)it_num(job, "height");
	cr_assert_eq(w, 64);
	cr_assert_eq(h, 64);
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	http_response rs;
	result(s, id, "json", &rs, false);
	cJSON *grid = it_json(&rs);
	http_response_free(&rs);
	const cJSON *legend = cJSON_GetObjectItemCaseSensitive(grid, "legend");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(grid, "grid");
	const char **cells = calloc((size_t)w * h, sizeof *cells);
	cr_assert(cells);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int k = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, y), x)->valueint;
			cr_assert(k >= 0 && k < cJSON_GetArraySize(legend), "cell (%d, %d)", x, y);
			cells[y * w + x] = cJSON_GetArrayItem(legend, k)->valuestring;
		}
	char why[512] = "";
	bool ok = vld_check_tiled(ts, cells, w, h, true, why, sizeof why);
	free(cells);
	cr_assert(ok, "guided output breaks the rules: %s", why);
	return grid;
}

static void load_tileset(vld_tileset *ts)
{
	char path[600], why[512] = "";
	snprintf(path, sizeof path, "%s/tilesets/Terrain.xml", it_library_dir());
	cr_assert_eq(vld_tileset_load_xml(ts, path, "Islands", why, sizeof why), 0, "%s", why);
}

/* Two legend entries a, b that may not sit side by side (b right of a),
 * by the validator's own pair table; legend index k is engine pattern k
 * (api/output.h). */
static void forbidden_pair(const vld_tileset *ts, const cJSON *legend, int *a, int *b)
{
	char why[256];
	vld_pairs *pairs = vld_pairs_build(ts, why, sizeof why);
	cr_assert(pairs, "%s", why);
	int nv = cJSON_GetArraySize(legend);
	*a = *b = -1;
	for (int i = 0; i < nv && *a < 0; i++)
		for (int j = 0; j < nv && *a < 0; j++)
			if (vld_pairs_allowed(pairs, cJSON_GetArrayItem(legend, i)->valuestring,
			                      cJSON_GetArrayItem(legend, j)->valuestring,
			                      false) == 0)
				*a = i, *b = j;
	vld_pairs_free(pairs);
	cr_assert(*a >= 0, "the tileset has a forbidden pair");
}

/* A guided job (guide: "" or a ",\"guide\":..." fragment) with pattern a
 * pinned at (x, y): valid, and the pin holds. */
static void pin_holds(const it_server *s, vld_tileset *ts, const char *guide, int seed, int x,
                      int y, int a)
{
	char body[512];
	snprintf(body, sizeof body,
	         "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":%d%s,\"pins\":"
	         "[{\"x\":%d,\"y\":%d,\"pattern\":%d}]}",
	         seed, guide, x, y, a);
	cJSON *pinned = guided_valid(s, body, ts);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(pinned, "grid");
	cr_assert_eq(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, y), x)->valueint, a);
	cJSON_Delete(pinned);
}

/* a left of b at (3, 3), a forbidden pair: the 422 problem at /pins
 * (caller frees). */
static cJSON *pins_conflict(const it_server *s, const char *guide, int seed, int a, int b)
{
	char body[512];
	snprintf(body, sizeof body,
	         "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":%d%s,\"pins\":"
	         "[{\"x\":3,\"y\":3,\"pattern\":%d},{\"x\":4,\"y\":3,\"pattern\":%d}]}",
	         seed, guide, a, b);
	http_response rs;
	it_post(s, &rs, "/v1/generate", body);
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	http_response_free(&rs);
	cr_assert_str_eq(it_str(p, "pointer"), "/pins");
	return p;
}

Test(models, guided_valid_and_pins)
{
	fixture f;
	make_fixture(&f, "tiny");
	it_server s = {0};
	start(&s, &f);
	vld_tileset ts;
	load_tileset(&ts);

	cJSON *grid =
	    guided_valid(&s, "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":5}", &ts);
	const cJSON *legend = cJSON_GetObjectItemCaseSensitive(grid, "legend");
	int nv = cJSON_GetArraySize(legend);
	cr_assert_gt(nv, 1);

	int a, b;
	forbidden_pair(&ts, legend, &a, &b);

	/* A pin that can hold holds, and the output stays valid. */
	pin_holds(&s, &ts, "", 6, 10, 20, a);

	/* a left of b is forbidden: 422 at /pins naming the cell */
	cJSON *p = pins_conflict(&s, "", 6, a, b);
	cr_assert(strstr(it_str(p, "detail"), "pins cannot all hold"), "%s", it_str(p, "detail"));
	cJSON_Delete(p);
	http_response rs;

	/* out of range: refused before the job runs */
	it_post(&s, &rs, "/v1/jobs",
	        "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"pins\":[{\"x\":64,\"y\":0,"
	        "\"tile\":0}]}");
	p = it_problem(&rs, 422, "invalid-spec");
	cr_assert_str_eq(it_str(p, "pointer"), "/pins/0/x");
	cJSON_Delete(p);
	http_response_free(&rs);
	cJSON_Delete(grid);
	vld_tileset_free(&ts);
	it_destroy(&s);
	drop_fixture(&f);
}

/* "guide": "anchors" (server/guide_nn.c): still valid, repeatable, pins
 * still hold or fail as without anchors, and the field is checked. */
Test(models, guided_anchors)
{
	fixture f;
	make_fixture(&f, "tiny");
	it_server s = {0};
	start(&s, &f);
	vld_tileset ts;
	load_tileset(&ts);
	const char *req = "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"seed\":7,"
	                  "\"guide\":\"anchors\"}";
	cJSON *one = guided_valid(&s, req, &ts), *two = guided_valid(&s, req, &ts);
	cr_assert(cJSON_Compare(one, two, true), "the same seed gives the same grid");
	int a, b;
	forbidden_pair(&ts, cJSON_GetObjectItemCaseSensitive(one, "legend"), &a, &b);
	const char *anchors = ",\"guide\":\"anchors\"";
	pin_holds(&s, &ts, anchors, 8, 30, 12, a);
	/* anchors give way to the user's pins, never the reverse */
	cJSON_Delete(pins_conflict(&s, anchors, 8, a, b));
	/* outside the contract, so direct: the server's own answers */
	refused_at(&s, "/v1/jobs", "{\"model\":\"guided\",\"checkpoint\":\"tiny\",\"guide\":\"maybe\"}",
	           "/guide");
	refused_at(&s, "/v1/jobs",
	           "{\"model\":\"generator\",\"checkpoint\":\"tiny\",\"guide\":\"anchors\"}", "/guide");
	cJSON_Delete(one);
	cJSON_Delete(two);
	vld_tileset_free(&ts);
	it_destroy(&s);
	drop_fixture(&f);
}

/* POSTs a training body, expects 202, waits for the job to succeed and
 * returns it (the caller deletes it); id (64 bytes) gets its id. */
static cJSON *train_ok(const it_server *s, const char *body, char *id)
{
	http_response rs;
	it_post(s, &rs, "/v1/models", body);
	it_expect_status(&rs, 202);
	cJSON *job = it_json(&rs);
	http_response_free(&rs);
	snprintf(id, 64, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	job = it_wait_done(s, id, 120);
	cr_assert_str_eq(it_str(job, "status"), "succeeded", "%s", cJSON_PrintUnformatted(job));
	return job;
}

Test(models, training_over_http)
{
	fixture f;
	make_fixture(&f, "tiny");
	it_server s = {0};
	start(&s, &f);
	http_response rs;
	/* a tiny training: 4 examples, 1 epoch, width 4 */
	char id[64];
	cJSON *job = train_ok(&s,
	                      "{\"library\":\"" ENTRY "\",\"name\":\"trained\",\"count\":4,"
	                      "\"epochs\":1,\"width\":4,\"seed\":2}",
	                      id);
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(job, "training"), "finished: no progress");
	cJSON_Delete(job);
	cJSON *m = model_info(&s, "trained");
	cr_assert_str_eq(it_str(m, "status"), "ready");
	cr_assert_str_eq(it_str(m, "source"), ENTRY);
	cr_assert_eq((int)it_num(m, "width"), 4);
	cr_assert_str_eq(it_str(m, "loss"), "bce", "the default objective");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "guided")));
	cJSON_Delete(m);
	result(&s, id, "png", &rs, true); /* 4 samples of the new model */
	expect_png(&rs, 130, 130);
	http_response_free(&rs);
	/* the new model serves jobs */
	cJSON_Delete(run_job(&s, "{\"model\":\"guided\",\"checkpoint\":\"trained\",\"seed\":1}"));

	/* "calibrate": guide scales fitted after the training (wfc calibrate) */
	cJSON_Delete(train_ok(&s,
	                      "{\"library\":\"" ENTRY "\",\"name\":\"calibrated\",\"count\":4,"
	                      "\"epochs\":1,\"width\":4,\"seed\":2,\"calibrate\":{\"floor\":0.3,"
	                      "\"rounds\":2,\"count\":3}}",
	                      id));
	m = model_info(&s, "calibrated");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "calibrated")));
	cJSON_Delete(m);
	m = model_info(&s, "trained");
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(m, "calibrated")));
	cJSON_Delete(m);
	cJSON_Delete(run_job(&s, "{\"model\":\"guided\",\"checkpoint\":\"calibrated\",\"seed\":1}"));
	static const struct {
		const char *body, *pointer;
	} bad_calibrate[] = {
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"calibrate\":5}", "/calibrate"},
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"format\":\"rgb\",\"calibrate\":{}}",
	     "/calibrate"},
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"calibrate\":{\"floor\":0}}",
	     "/calibrate/floor"},
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"calibrate\":{\"rounds\":0}}",
	     "/calibrate/rounds"},
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"calibrate\":{\"count\":1001}}",
	     "/calibrate/count"},
	    {"{\"library\":\"" ENTRY "\",\"name\":\"z\",\"calibrate\":{\"gain\":3}}",
	     "/calibrate/gain"}};
	for (size_t i = 0; i < sizeof bad_calibrate / sizeof bad_calibrate[0]; i++)
		refused_at(&s, "/v1/models", bad_calibrate[i].body, bad_calibrate[i].pointer);

	/* the Wasserstein objectives: 8 examples, 1 epoch = 4 batches of 2 */
	static const char *const objectives[] = {"wasserstein", "wasserstein-sn", "wasserstein-gp"};
	for (size_t i = 0; i < 3; i++) {
		char body[256], name[32];
		snprintf(name, sizeof name, "critic%zu", i);
		snprintf(body, sizeof body,
		         "{\"library\":\"" ENTRY "\",\"name\":\"%s\",\"loss\":\"%s\","
		         "\"count\":8,\"epochs\":1,\"width\":4}",
		         name, objectives[i]);
		cJSON_Delete(train_ok(&s, body, id));
		m = model_info(&s, name);
		cr_assert_str_eq(it_str(m, "loss"), objectives[i]);
		cJSON_Delete(m);
		snprintf(body, sizeof body,
		         "{\"model\":\"guided\",\"checkpoint\":\"%s\",\"seed\":1}", name);
		cJSON_Delete(run_job(&s, body));
	}
	static const char *const bad_loss[] = {
	    "{\"library\":\"" ENTRY "\",\"name\":\"z\",\"loss\":\"hinge\"}",
	    "{\"library\":\"" ENTRY "\",\"name\":\"z\",\"loss\":1}",
	    "{\"library\":\"" ENTRY "\",\"name\":\"z\",\"arch\":\"wgan-dense\",\"loss\":\"bce\"}",
	    "{\"library\":\"" ENTRY "\",\"name\":\"z\",\"arch\":\"wgan-dense\","
	    "\"loss\":\"wasserstein-sn\"}",
	    "{\"library\":\"" ENTRY "\",\"name\":\"z\",\"arch\":\"wgan-dense\","
	    "\"loss\":\"wasserstein-gp\"}"};
	for (size_t i = 0; i < sizeof bad_loss / sizeof bad_loss[0]; i++)
		refused_at(&s, "/v1/models", bad_loss[i], "/loss");

	/* the name is taken now; limits; unknown fields */
	it_post(&s, &rs, "/v1/models", "{\"library\":\"" ENTRY "\",\"name\":\"trained\"}");
	cJSON_Delete(it_problem(&rs, 409, "conflict"));
	http_response_free(&rs);
	it_post(&s, &rs, "/v1/models", "{\"library\":\"" ENTRY "\",\"name\":\"x\",\"count\":5000}");
	cJSON *p = it_problem(&rs, 422, "invalid-spec");
	cr_assert_str_eq(it_str(p, "pointer"), "/count");
	cJSON_Delete(p);
	http_response_free(&rs);

	/* a long training, canceled while it runs */
	it_post(&s, &rs, "/v1/models",
	        "{\"library\":\"" ENTRY "\",\"name\":\"long\",\"count\":64,\"epochs\":20,"
	        "\"width\":16}");
	it_expect_status(&rs, 202);
	job = it_json(&rs);
	http_response_free(&rs);
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	const cJSON *tr = NULL;
	for (int i = 0; i < 300 && !tr; i++) { /* until it trains (at most 60 s) */
		char target[96];
		snprintf(target, sizeof target, "/v1/jobs/%s", id);
		it_get(&s, &rs, target);
		job = it_json(&rs);
		http_response_free(&rs);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(job, "training");
		if (t && !strcmp(it_str(t, "phase"), "training")) {
			cr_assert_gt(it_num(t, "total"), 0);
			tr = t;
		}
		cJSON_Delete(job);
		if (!tr) it_sleep_ms(200);
	}
	cr_assert(tr, "the job reports its training progress");
	char target[96];
	snprintf(target, sizeof target, "/v1/jobs/%s", id);
	it_delete(&s, &rs, target);
	it_expect_status(&rs, 200);
	job = it_json(&rs);
	http_response_free(&rs);
	cr_assert_str_eq(it_str(job, "status"), "canceled");
	cJSON_Delete(job);
	it_sleep_ms(500);
	it_call(&s, &rs, "POST", "/v1/models/reload", NULL);
	it_expect_status(&rs, 200);
	cJSON *list = it_json(&rs);
	http_response_free(&rs);
	cr_assert_null(model_named(list, "long"), "a canceled training saves nothing");
	cJSON_Delete(list);
	it_destroy(&s);

	/* --no-training */
	it_server off = {0};
	static char models[128];
	snprintf(models, sizeof models, "%s", f.models);
	const char *args[] = {"--models", models, "--no-training", NULL};
	it_start(&off, args);
	it_post(&off, &rs, "/v1/models", "{\"library\":\"" ENTRY "\",\"name\":\"y\"}");
	cJSON_Delete(it_problem(&rs, 403, "forbidden"));
	http_response_free(&rs);
	it_destroy(&off);
	drop_fixture(&f);
}

/* The checkpoint the repository ships (models/, docs/NEURAL.md) is what
 * `make run` serves with no training: it loads, is within the issue's
 * 10 MB, guides WFC to valid levels with priors and with anchors, and
 * answers generator jobs. (How good it is: `make model-eval`.) Run from
 * the repository root. */
Test(models, the_shipped_checkpoint_serves_out_of_the_box)
{
	it_require_server();
	IT_REQUIRE_LIBRARY();
	static char models[4096];
	struct stat st;
	cr_assert(getcwd(models, sizeof models - 16));
	strcat(models, "/models");
	if (stat("models/terrain-islands.safetensors", &st) != 0)
		cr_skip_test("no models/terrain-islands.safetensors here (run from the repository root)");
	const char *args[] = {"--models", models, "--workers", "2", NULL};
	it_server s = {0};
	it_start(&s, args);
	http_response rs;
	cJSON *m = model_info(&s, "terrain-islands");
	cr_assert_str_eq(it_str(m, "status"), "ready");
	cr_assert_str_eq(it_str(m, "source"), ENTRY);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "guided")));
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "calibrated")),
	          "the shipped checkpoint carries its guide scales (wfc calibrate)");
	cr_assert_leq(it_num(m, "fileSize"), 10e6, "the issue's limit: 10 MB");
	cJSON_Delete(m);

	vld_tileset ts;
	load_tileset(&ts);
	cJSON *grid = guided_valid(
	    &s, "{\"model\":\"guided\",\"checkpoint\":\"terrain-islands\",\"seed\":5}", &ts);
	cJSON_Delete(grid);
	grid = guided_valid(&s,
	                    "{\"model\":\"guided\",\"checkpoint\":\"terrain-islands\",\"seed\":5,"
	                    "\"guide\":\"anchors\"}",
	                    &ts);
	cJSON_Delete(grid);

	cJSON *job = run_job(&s, "{\"model\":\"generator\",\"checkpoint\":\"terrain-islands\","
	                         "\"seed\":1,\"format\":\"json\"}");
	char id[64];
	snprintf(id, sizeof id, "%s", it_str(job, "id"));
	cJSON_Delete(job);
	result(&s, id, "json", &rs, false);
	grid = it_json(&rs);
	http_response_free(&rs);
	expect_vocab_grid(grid, 16);
	cJSON_Delete(grid);
	vld_tileset_free(&ts);
	it_destroy(&s);
}
