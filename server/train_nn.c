/* train_nn.c - training jobs (POST /v1/models; see jobs_nn.h): the
 * request, the run (data set, then GAN training, then the checkpoint into
 * the models directory) and the progress table GET /v1/jobs/{id} shows. */
#include "jobs_nn.h"

#include "../api/dataset_gen.h"
#include "../api/json_spec.h"
#include "../api/library.h"
#include "../nn/checkpoint.h"
#include "../nn/train.h"
#include "buf.h"
#include "clock.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRAIN_SIZE 64 /* the DCGAN's output side; the WGAN uses it too */
#define TRAIN_SLOTS 64

/* ---- progress of running trainings, by job id ----------------------- */

typedef struct {
	char id[SRV_ID_MAX]; /* "" = free */
	const char *phase;   /* "dataset", "training", "calibrating", "saving" */
	long step, total;
	int epoch;
	float loss_d, loss_g;
	double seconds;
} slot;

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static slot slots[TRAIN_SLOTS];

static slot *slot_find(const char *id)
{
	for (int i = 0; i < TRAIN_SLOTS; i++)
		if (!strcmp(slots[i].id, id)) return &slots[i];
	return NULL;
}

static void slot_set(const char *id, const char *phase, long step, long total, int epoch,
                     float loss_d, float loss_g, double seconds)
{
	pthread_mutex_lock(&slots_lock);
	slot *s = slot_find(id);
	if (!s) s = slot_find("");
	if (s) {
		*s = (slot){.phase = phase,
		            .step = step,
		            .total = total,
		            .epoch = epoch,
		            .loss_d = loss_d,
		            .loss_g = loss_g,
		            .seconds = seconds};
		snprintf(s->id, sizeof s->id, "%s", id);
	}
	pthread_mutex_unlock(&slots_lock);
}

static void slot_clear(const char *id)
{
	pthread_mutex_lock(&slots_lock);
	slot *s = slot_find(id);
	if (s) s->id[0] = '\0';
	pthread_mutex_unlock(&slots_lock);
}

char *srv_nn_job_decorate(char *job_json, const char *id)
{
	if (!job_json || !id || !*id) return job_json;
	pthread_mutex_lock(&slots_lock);
	slot *s = slot_find(id);
	slot copy = s ? *s : (slot){0};
	pthread_mutex_unlock(&slots_lock);
	size_t n = strlen(job_json);
	if (!s || n < 2 || job_json[n - 1] != '}') return job_json;
	char extra[320];
	int k = snprintf(extra, sizeof extra,
	                 ",\"training\":{\"phase\":\"%s\",\"step\":%ld,\"total\":%ld,\"epoch\":%d,"
	                 "\"lossD\":%.6g,\"lossG\":%.6g,\"seconds\":%.3f}}",
	                 copy.phase, copy.step, copy.total, copy.epoch,
	                 isfinite(copy.loss_d) ? copy.loss_d : 0.0,
	                 isfinite(copy.loss_g) ? copy.loss_g : 0.0, copy.seconds);
	char *out = realloc(job_json, n + (size_t)k + 1);
	if (!out) return job_json;
	memcpy(out + n - 1, extra, (size_t)k + 1);
	return out;
}

/* ---- the request ------------------------------------------------------ */

static int bad(srv_problem *p, const char *ptr, const char *detail)
{
	return srv_problem_set(p, 422, "invalid-spec", ptr, "%s", detail);
}

static int get_int(const cJSON *root, const char *key, long lo, long hi, long *out, srv_problem *p)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!v) return 0;
	double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	char ptr[32];
	snprintf(ptr, sizeof ptr, "/%s", key);
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return srv_problem_set(p, 422, "invalid-spec", ptr,
		                       "'%s' must be an integer from %ld to %ld", key, lo, hi);
	*out = (long)d;
	return 0;
}

/* "calibrate": {"floor", "rounds", "count"}, each optional: guide scales
 * fitted after the training (guide_fit.c). Fills the three; 0 or 422. */
static int get_calibrate(const cJSON *cal, double *floor_out, long *rounds, long *count,
                         srv_problem *p)
{
	*floor_out = 0.3, *rounds = 25, *count = 200;
	if (!cJSON_IsObject(cal))
		return bad(p, "/calibrate",
		           "'calibrate' must be an object: {\"floor\", \"rounds\", \"count\"}, each "
		           "optional");
	for (const cJSON *c = cal->child; c; c = c->next)
		if (strcmp(c->string, "floor") && strcmp(c->string, "rounds") &&
		    strcmp(c->string, "count")) {
			char ptr[160];
			snprintf(ptr, sizeof ptr, "/calibrate/%.140s", c->string);
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "unknown field '%.100s' (fields: floor, rounds, count)",
			                       c->string);
		}
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(cal, "floor");
	if (f) {
		double d = cJSON_IsNumber(f) ? f->valuedouble : NAN;
		if (!(d > 0 && d <= 1e6))
			return bad(p, "/calibrate/floor", "'floor' must be a number > 0 and <= 1e6");
		*floor_out = d;
	}
	static const struct {
		const char *key;
		long hi;
	} ints[] = {{"rounds", 100}, {"count", 1000}};
	for (int i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cal, ints[i].key);
		if (!v) continue;
		double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		char ptr[32];
		snprintf(ptr, sizeof ptr, "/calibrate/%s", ints[i].key);
		if (!isfinite(d) || d != floor(d) || d < 1 || d > (double)ints[i].hi)
			return srv_problem_set(p, 422, "invalid-spec", ptr,
			                       "'%s' must be an integer from 1 to %ld", ints[i].key,
			                       ints[i].hi);
		*(i ? count : rounds) = (long)d;
	}
	return 0;
}

static const char *get_str(const cJSON *root, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	return v ? (cJSON_IsString(v) ? v->valuestring : NULL) : def;
}

static int train_request(const srv_request_env *env, const srv_nn_train_limits *lim, cJSON *root,
                         srv_job_request *out, srv_problem *p)
{
	static const char *const keys[] = {"library", "spec",  "format",    "arch",
	                                   "loss",    "epochs", "count",    "name",
	                                   "width",   "seed",  "calibrate", "timeLimitMs"};
	for (const cJSON *c = root->child; c; c = c->next) {
		bool known = false;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !known; i++)
			known = !strcmp(c->string, keys[i]);
		int n = 0;
		for (const cJSON *d = root->child; d; d = d->next)
			n += !strcmp(d->string, c->string);
		if (!known || n > 1) {
			char ptr[160];
			snprintf(ptr, sizeof ptr, "/%.150s", c->string);
			return srv_problem_set(
			    p, 422, "invalid-spec", ptr,
			    n > 1 ? "field '%.100s' is given twice"
			          : "unknown field '%.100s' (fields: library or spec, "
			            "name, format, arch, loss, epochs, count, width, seed, "
			            "calibrate, timeLimitMs)",
			    c->string);
		}
	}
	const char *name = get_str(root, "name", NULL);
	if (!name || !srv_model_name_valid(name) || !strcmp(name, "reload"))
		return bad(p, "/name",
		           "'name' must name the new model: 1 to 127 of A-Z a-z 0-9 . _ - (not "
		           "starting with '.', not 'reload')");
	char *existing = srv_models_entry_json(env->models, name);
	free(existing);
	if (existing)
		return srv_problem_set(p, 409, "conflict", "/name",
		                       "a model named '%s' exists already", name);
	const char *format = get_str(root, "format", "onehot"),
	           *arch = get_str(root, "arch", "dcgan");
	nn_arch a;
	if (!format || (strcmp(format, "onehot") && strcmp(format, "rgb")))
		return bad(p, "/format", "'format' must be \"onehot\" or \"rgb\"");
	if (!arch || nn_arch_parse(arch, &a))
		return bad(p, "/arch", "'arch' must be \"dcgan\" or \"wgan-dense\"");
	const char *loss = get_str(root, "loss", a == NN_ARCH_DCGAN ? "bce" : "wasserstein");
	nn_loss l;
	if (!loss || nn_loss_parse(loss, &l))
		return bad(p, "/loss",
		           "'loss' must be \"bce\", \"wasserstein\", \"wasserstein-sn\" or "
		           "\"wasserstein-gp\"");
	if (a == NN_ARCH_WGAN_DENSE && l != NN_LOSS_WASSERSTEIN)
		return bad(p, "/loss",
		           "wgan-dense is always trained with the clipped Wasserstein objective "
		           "(\"wasserstein\")");
	long epochs = 5 < lim->max_epochs ? 5 : lim->max_epochs;
	long count = 256 < lim->max_count ? 256 : lim->max_count, width = 0, seed = 1;
	long tl = env->max_time_limit_ms;
	int rc = get_int(root, "epochs", 1, lim->max_epochs, &epochs, p);
	if (!rc) rc = get_int(root, "count", 1, lim->max_count, &count, p);
	if (!rc) rc = get_int(root, "width", 1, 512, &width, p);
	if (!rc) rc = get_int(root, "seed", 0, INT32_MAX, &seed, p);
	if (!rc) rc = get_int(root, "timeLimitMs", 1, env->max_time_limit_ms, &tl, p);
	if (rc) return rc;
	const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "calibrate");
	double cal_floor = 0;
	long cal_rounds = 0, cal_count = 0;
	if (cal && (rc = get_calibrate(cal, &cal_floor, &cal_rounds, &cal_count, p))) return rc;
	if (cal && strcmp(format, "onehot"))
		return bad(p, "/calibrate",
		           "calibration needs format \"onehot\": guide scales are per vocabulary "
		           "entry");

	const cJSON *lib = cJSON_GetObjectItemCaseSensitive(root, "library");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
	if (!lib == !spec)
		return bad(p, lib ? "/spec" : "",
		           "give exactly one source: \"library\" or \"spec\"");
	api_error e = {0};
	if (!(out->spec = calloc(1, sizeof *out->spec)))
		return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	if (lib) {
		if (!cJSON_IsString(lib) || !env->library ||
		    !api_library_find(env->library, lib->valuestring))
			return bad(p, "/library",
			           "no library entry of that name (see GET /v1/library)");
		if (api_library_load(env->library, lib->valuestring, out->spec, &e) != API_OK)
			return srv_problem_set(p, 500, "internal", NULL, "library entry: %s",
			                       e.message);
	} else {
		if (cJSON_GetObjectItemCaseSensitive(spec, "neural"))
			return bad(p, "/spec/neural", "unknown field 'neural'");
		int r = api_spec_from_cjson(spec, NULL, out->spec, &e);
		if (r != API_OK) {
			char ptr[sizeof e.pointer + 8];
			snprintf(ptr, sizeof ptr, "/spec%s", e.pointer);
			return srv_problem_set(p, r == API_ERR_NOMEM ? 500 : 422,
			                       r == API_ERR_NOMEM ? "internal" : "invalid-spec",
			                       r == API_ERR_NOMEM ? NULL : ptr, "%s", e.message);
		}
	}
	cJSON *nj = cJSON_CreateObject();
	cJSON_AddStringToObject(nj, "job", "train");
	cJSON_AddStringToObject(nj, "name", name);
	cJSON_AddStringToObject(nj, "format", format);
	cJSON_AddStringToObject(nj, "arch", nn_arch_name(a));
	cJSON_AddStringToObject(nj, "loss", nn_loss_name(l));
	cJSON_AddNumberToObject(nj, "epochs", (double)epochs);
	cJSON_AddNumberToObject(nj, "count", (double)count);
	cJSON_AddNumberToObject(nj, "width", (double)width);
	if (cal) {
		cJSON *cj = cJSON_AddObjectToObject(nj, "calibrate");
		cJSON_AddNumberToObject(cj, "floor", cal_floor);
		cJSON_AddNumberToObject(cj, "rounds", (double)cal_rounds);
		cJSON_AddNumberToObject(cj, "count", (double)cal_count);
	}
	cJSON_AddStringToObject(nj, "source",
	                        lib               ? lib->valuestring
	                        : out->spec->name ? out->spec->name
	                                          : "spec");
	free(out->spec->neural);
	out->spec->neural = cJSON_PrintUnformatted(nj);
	cJSON_Delete(nj);
	if (!out->spec->neural) return srv_problem_set(p, 500, "internal", NULL, "out of memory");
	/* the job resource shows the data set's outputs: 64x64 cells */
	out->spec->width = out->spec->height = TRAIN_SIZE;
	out->spec->has_seed = true;
	out->spec->seed = (int32_t)seed;
	out->seed = (int32_t)seed;
	out->format = SRV_FMT_JSON;
	out->time_limit_ms = tl;
	if (!(out->spec_json = api_spec_to_json(out->spec, &e)))
		return srv_problem_from_api(p, 500, "internal", &e);
	return 0;
}

int srv_nn_train_request(const srv_request_env *env, const srv_nn_train_limits *lim,
                         const char *body, size_t len, srv_job_request *out, srv_problem *p)
{
	memset(out, 0, sizeof *out);
	if (lim->disabled)
		return srv_problem_set(p, 403, "forbidden", NULL,
		                       "this server does not train models (--no-training)");
	if (srv_json_check_depth(body, len, SRV_JSON_MAX_DEPTH, p)) return 400;
	api_error e = {0};
	cJSON *root = NULL;
	if (api_json_parse(body, len, &root, &e) != API_OK)
		return srv_problem_set(p, 400, "malformed", "", "%s", e.message);
	int rc = cJSON_IsObject(root)
	             ? train_request(env, lim, root, out, p)
	             : srv_problem_set(p, 400, "malformed", "", "the body must be a JSON object");
	cJSON_Delete(root);
	if (rc) srv_job_request_free(out);
	return rc;
}

/* ---- the run ---------------------------------------------------------- */

typedef struct {
	const char *id;
	srv_run_control *ctl;
	int stop;    /* SRV_CANCEL_* seen */
	long rounds; /* calibration rounds after the training, 0: none */
} train_ctx;

static int should_stop(train_ctx *c)
{
	if (c->ctl->deadline_ms > 0 && srv_mono_ms() > c->ctl->deadline_ms) {
		int expected = 0;
		atomic_compare_exchange_strong(c->ctl->cancel, &expected, SRV_CANCEL_TIMEOUT);
	}
	c->stop = atomic_load(c->ctl->cancel);
	return c->stop;
}

static void on_dataset(void *ctx, int done, int count)
{
	train_ctx *c = ctx;
	slot_set(c->id, "dataset", done, count, 0, 0, 0, 0);
	if (c->ctl->progress_ppm)
		atomic_store(c->ctl->progress_ppm, (unsigned)(0.1e6 * done / (count ? count : 1)));
	should_stop(c);
}

static int on_step(void *ctx, const nn_train_progress *pr)
{
	train_ctx *c = ctx;
	slot_set(c->id, "training", pr->step, pr->total_steps, pr->epoch, pr->loss_d, pr->loss_g,
	         pr->seconds);
	/* progress: the data set 10%, the training the rest, or 80% of it when
	 * calibration follows */
	double share = c->rounds ? 8e5 : 9e5;
	if (c->ctl->progress_ppm)
		atomic_store(c->ctl->progress_ppm,
		             (unsigned)(1e5 + share * (double)pr->step / (double)pr->total_steps));
	return should_stop(c) != 0;
}

static int on_round(void *ctx, int round, double kl, const float *scale)
{
	(void)kl, (void)scale;
	train_ctx *c = ctx;
	slot_set(c->id, "calibrating", round, c->rounds, 0, 0, 0, 0);
	if (c->ctl->progress_ppm)
		atomic_store(c->ctl->progress_ppm, (unsigned)(9e5 + 1e5 * round / c->rounds));
	return should_stop(c) != 0;
}

/* Fits guide scales for the generator file at path (written just now) on
 * ds, its data set, and writes them into it. 0, 1 when stopped, -1 with
 * err. */
static int calibrate(train_ctx *c, const char *path, const api_dataset *ds, nn_backend *be,
                     double floor_v, long count, int32_t seed, char *err, size_t errlen)
{
	nn_generator g;
	if (nn_generator_load(path, be, 1, &g, err, errlen)) return -1;
	double *want = malloc((size_t)g.vocab * sizeof *want);
	float *scale = malloc((size_t)g.vocab * sizeof *scale);
	int rc = -1;
	if (!want || !scale || ds->vocab != g.vocab) {
		snprintf(err, errlen, "calibration: %s",
		         !want || !scale ? "out of memory" : "the data set does not fit the checkpoint");
	} else {
		srv_nn_data_shares(ds, want);
		/* seeds past the data set's, so no guided level repeats a training grid */
		rc = srv_nn_fit_scale(&g, want, (float)floor_v, (int)c->rounds, (int)count,
		                      (long)(uint32_t)seed + ds->count + 100000, scale, on_round, c,
		                      err, errlen);
		if (rc == 0)
			rc = nn_ckpt_write_guide(path, path, scale, g.vocab, (float)floor_v, err, errlen);
	}
	free(want), free(scale);
	nn_generator_free(&g);
	return rc;
}

static void stopped(srv_job_outcome *out, int reason, int64_t limit_ms)
{
	if (reason == SRV_CANCEL_SHUTDOWN) {
		/* a training is not resumed: it fails, and may be asked for again */
		out->status = SRV_JOB_FAILED;
		srv_problem_set(&out->error, 503, "not-ready", NULL,
		                "the server shut down during the training; submit it again");
	} else if (reason == SRV_CANCEL_TIMEOUT) {
		out->status = SRV_JOB_FAILED;
		srv_problem_set(&out->error, 422, "time-limit", NULL,
		                "the training ran past its time limit of %lld ms; ask for fewer "
		                "epochs, a smaller count or a longer timeLimitMs",
		                (long long)limit_ms);
	} else {
		out->status = SRV_JOB_CANCELED;
	}
}

void srv_run_train(srv_models *models, const api_spec *spec, const char *neural, int32_t seed,
                   const char *id, srv_run_control *ctl, srv_job_outcome *out)
{
	char name[SRV_MODEL_NAME_MAX] = "", format[16] = "onehot", arch[16] = "dcgan",
	     loss[16] = "bce", source[256] = "";
	long epochs = 1, count = 1, width = 0, cal_rounds = 0, cal_count = 0;
	double cal_floor = 0;
	cJSON *nj = cJSON_Parse(neural);
	const cJSON *v, *cal = cJSON_GetObjectItemCaseSensitive(nj, "calibrate");
	bool calibrated = cal != NULL; /* nj is gone below */
	if (cal) {
		if ((v = cJSON_GetObjectItemCaseSensitive(cal, "floor"))) cal_floor = v->valuedouble;
		if ((v = cJSON_GetObjectItemCaseSensitive(cal, "rounds")))
			cal_rounds = (long)v->valuedouble;
		if ((v = cJSON_GetObjectItemCaseSensitive(cal, "count"))) cal_count = (long)v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "name")) && cJSON_IsString(v))
		snprintf(name, sizeof name, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "format")) && cJSON_IsString(v))
		snprintf(format, sizeof format, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "source")) && cJSON_IsString(v))
		snprintf(source, sizeof source, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "arch")) && cJSON_IsString(v))
		snprintf(arch, sizeof arch, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "loss")) && cJSON_IsString(v))
		snprintf(loss, sizeof loss, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "epochs"))) epochs = (long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "count"))) count = (long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(nj, "width"))) width = (long)v->valuedouble;
	cJSON_Delete(nj);
	nn_arch a = NN_ARCH_DCGAN;
	nn_loss l = NN_LOSS_BCE;
	const char *dir = srv_models_dir(models);
	if (!srv_model_name_valid(name) || nn_arch_parse(arch, &a) || nn_loss_parse(loss, &l) ||
	    epochs < 1 || count < 1 ||
	    (calibrated && !(cal_floor > 0 && cal_rounds >= 1 && cal_count >= 1))) {
		srv_problem_set(&out->error, 500, "internal", NULL, "the training job is damaged");
		return;
	}
	if (!*dir) {
		srv_problem_set(&out->error, 500, "internal", NULL,
		                "the server has no models directory (--models DIR) to save into");
		return;
	}
	train_ctx c = {id ? id : "", ctl, 0, calibrated ? cal_rounds : 0};
	slot_set(c.id, "dataset", 0, count, 0, 0, 0, 0);
	api_dataset ds;
	api_error e = {0};
	api_dataset_options opt = {.size = TRAIN_SIZE,
	                           .count = (int)count,
	                           .format =
	                               strcmp(format, "rgb") ? API_DATASET_ONEHOT : API_DATASET_RGB,
	                           .seed = seed,
	                           .threads = 1,
	                           .progress = on_dataset,
	                           .ctx = &c,
	                           .cancel = ctl->cancel,
	                           .source = *source ? source : spec->name};
	nn_backend *be = NULL;
	nn_trainer t;
	bool have_t = false;
	int rc = api_dataset_generate(spec, &opt, &ds, &e);
	if (rc != API_OK) {
		if (should_stop(&c))
			stopped(out, c.stop, ctl->time_limit_ms);
		else
			srv_problem_from_api(&out->error, rc == API_ERR_NOMEM ? 500 : 422,
			                     rc == API_ERR_NOMEM ? "internal" : "invalid-spec", &e);
		out->error.has_pointer = false;
		slot_clear(c.id);
		return;
	}
	char err[512];
	be = nn_backend_create(nn_device_auto(), 1, err, sizeof err);
	if (!be) be = nn_backend_create(NN_DEVICE_CPU, 1, err, sizeof err);
	nn_gan_config cfg;
	nn_train_config(&ds, a, &cfg);
	nn_gan_config_set_loss(&cfg, l);
	if (width > 0) cfg.width = (int)width;
	if (!be ||
	    nn_trainer_create(&t, &ds, &cfg, be, (uint64_t)(uint32_t)seed, err, sizeof err)) {
		srv_problem_set(&out->error, 422, "invalid-spec", NULL, "training: %s", err);
		goto done;
	}
	have_t = true;
	long total = nn_trainer_steps_for_epochs(&t, (int)epochs);
	nn_train_hooks h = {on_step, NULL, 0, &c};
	if (nn_trainer_run(&t, total, &h, err, sizeof err)) {
		srv_problem_set(&out->error, 500, "internal", NULL, "training: %s", err);
		goto done;
	}
	if (c.stop) {
		stopped(out, c.stop, ctl->time_limit_ms);
		goto done;
	}
	slot_set(c.id, "saving", t.gan.step, total, t.epoch, t.loss_d, t.loss_g, t.seconds);
	mkdir(dir, 0755);
	char path[4352], tmp[4400];
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
	snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, id ? id : "job");
	nn_ckpt_info info = {ds.colors, ds.vocab, ds.source, t.seed, ds.spec_json, ds.vocab_ids};
	if (nn_ckpt_save_generator(tmp, &t.gan, &info, t.epoch, err, sizeof err)) {
		srv_problem_set(&out->error, 500, "internal", NULL, "saving the model failed");
		unlink(tmp);
		goto done;
	}
	if (c.rounds) {
		int cr = calibrate(&c, tmp, &ds, be, cal_floor, cal_count, seed, err, sizeof err);
		if (cr) {
			if (cr > 0)
				stopped(out, c.stop, ctl->time_limit_ms);
			else
				srv_problem_set(&out->error, 500, "internal", NULL, "%s", err);
			unlink(tmp);
			goto done;
		}
		slot_set(c.id, "saving", t.gan.step, total, t.epoch, t.loss_d, t.loss_g, t.seconds);
	}
	/* link() refuses to replace a model saved meanwhile under the same name */
	if (link(tmp, path) != 0) {
		srv_problem_set(&out->error, 409, "conflict", NULL,
		                errno == EEXIST
		                    ? "a model named '%s' appeared during the training"
		                    : "cannot save model '%s' into the models directory",
		                name);
		unlink(tmp);
		goto done;
	}
	unlink(tmp);
	srv_models_reload(models, NULL);
	/* the result: 4 samples of the new model (PNG, JSON grids) */
	char body[256];
	snprintf(body, sizeof body, "{\"job\":\"generator\",\"checkpoint\":\"%s\",\"count\":4}",
	         name);
	api_spec gen = {0};
	gen.neural = body;
	srv_run_neural(models, &gen, seed, NULL, ctl, out);
done:
	if (have_t) nn_trainer_destroy(&t);
	nn_backend_destroy(be);
	api_dataset_free(&ds);
	slot_clear(c.id);
}
