/* models.c - the registry of neural generators (see models.h). */
#include "models.h"

#include "buf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A file of the directory: loaded (model) or not (error). */
typedef struct {
	char name[SRV_MODEL_NAME_MAX];
	srv_model *model; /* NULL when it failed */
	char error[320];
	long file_size;
} entry;

struct srv_models {
	char *dir;
	pthread_mutex_t lock;
	entry *entries; /* sorted by name */
	int count;
};

bool srv_model_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= SRV_MODEL_NAME_MAX || name[0] == '.') return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok) return false;
	}
	return true;
}

static void model_free(srv_model *m)
{
	if (!m) return;
	nn_generator_free(&m->gen);
	nn_backend_destroy(m->be);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The backend a model runs on: CUDA when available, else one CPU thread
 * (workers run in parallel already; BLAS threads would fight them). */
static nn_backend *make_backend(char *err, size_t errlen)
{
	nn_backend *be = NULL;
	if (nn_device_auto() == NN_DEVICE_CUDA)
		be = nn_backend_create(NN_DEVICE_CUDA, 0, err, errlen);
	if (!be) be = nn_backend_create(NN_DEVICE_CPU, 1, err, errlen);
	return be;
}

static srv_model *model_load(const char *path, const char *name, char *err, size_t errlen)
{
	srv_model *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(m->name, sizeof m->name, "%s", name);
	pthread_mutex_init(&m->lock, NULL);
	if (!(m->be = make_backend(err, errlen))) {
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	char msg[512];
	if (nn_generator_load(path, m->be, SRV_MODEL_BATCH, &m->gen, msg, sizeof msg)) {
		/* messages start with the path; the name is enough for clients */
		const char *tail = msg;
		for (const char *c; (c = strstr(tail, ".safetensors: "));)
			tail = c + 14;
		snprintf(err, errlen, "%.300s", tail);
		nn_backend_destroy(m->be);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	return m;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

/* Loads every NAME.safetensors of dir into a fresh list. */
static int scan(const char *dir, entry **out, int *count)
{
	*out = NULL;
	*count = 0;
	if (!dir) return 0;
	DIR *d = opendir(dir);
	if (!d) return 0; /* no directory: no models */
	entry *list = calloc(SRV_MODELS_MAX, sizeof *list);
	if (!list) {
		closedir(d);
		return -1;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < SRV_MODELS_MAX) {
		size_t len = strlen(de->d_name);
		const char *ext = ".safetensors";
		size_t elen = strlen(ext);
		if (len <= elen || strcmp(de->d_name + len - elen, ext) != 0) continue;
		entry *e = &list[n];
		snprintf(e->name, sizeof e->name, "%.*s", (int)(len - elen), de->d_name);
		if (!srv_model_name_valid(e->name) || strlen(de->d_name) - elen != strlen(e->name))
			continue; /* names clients could not spell in a URL */
		char path[4352];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
		e->file_size = (long)st.st_size;
		e->model = model_load(path, e->name, e->error, sizeof e->error);
		if (e->model) e->model->file_size = e->file_size;
		n++;
	}
	closedir(d);
	qsort(list, (size_t)n, sizeof *list, by_name);
	*out = list;
	*count = n;
	return 0;
}

/* Drops the registry's reference of each model (frees the unused ones). */
static void drop_list(srv_models *m, entry *list, int n)
{
	for (int i = 0; i < n; i++) {
		srv_model *mod = list[i].model;
		if (!mod) continue;
		pthread_mutex_lock(&m->lock);
		bool last = --mod->refs == 0;
		pthread_mutex_unlock(&m->lock);
		if (last) model_free(mod);
	}
	free(list);
}

int srv_models_reload(srv_models *m, int *failed)
{
	entry *list;
	int n;
	if (scan(m->dir, &list, &n)) return -1;
	int ok = 0;
	for (int i = 0; i < n; i++) {
		if (list[i].model) {
			list[i].model->refs = 1; /* the registry's */
			ok++;
		}
	}
	pthread_mutex_lock(&m->lock);
	entry *old = m->entries;
	int old_n = m->count;
	m->entries = list;
	m->count = n;
	pthread_mutex_unlock(&m->lock);
	drop_list(m, old, old_n);
	if (failed) *failed = n - ok;
	return ok;
}

int srv_models_create(const char *dir, srv_models **out)
{
	srv_models *m = calloc(1, sizeof *m);
	if (!m) return -1;
	if (dir && !(m->dir = strdup(dir))) {
		free(m);
		return -1;
	}
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void srv_models_destroy(srv_models *m)
{
	if (!m) return;
	drop_list(m, m->entries, m->count);
	pthread_mutex_destroy(&m->lock);
	free(m->dir);
	free(m);
}

const char *srv_models_dir(const srv_models *m)
{
	return m && m->dir ? m->dir : "";
}

static entry *find(srv_models *m, const char *name)
{
	for (int i = 0; i < m->count; i++)
		if (!strcmp(m->entries[i].name, name)) return &m->entries[i];
	return NULL;
}

srv_model *srv_models_acquire(srv_models *m, const char *name)
{
	if (!m) return NULL;
	pthread_mutex_lock(&m->lock);
	entry *e = find(m, name);
	srv_model *mod = e ? e->model : NULL;
	if (mod) mod->refs++;
	pthread_mutex_unlock(&m->lock);
	return mod;
}

void srv_models_release(srv_models *m, srv_model *model)
{
	if (!model) return;
	pthread_mutex_lock(&m->lock);
	bool last = --model->refs == 0;
	pthread_mutex_unlock(&m->lock);
	if (last) model_free(model);
}

bool srv_models_has(srv_models *m, const char *name)
{
	if (!m) return false;
	pthread_mutex_lock(&m->lock);
	entry *e = find(m, name);
	bool ok = e && e->model;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* Learnable parameters: the state_dict's tensors that are parameters
 * (nparams counts the arena with its alignment padding). */
static size_t param_count(const nn_seq *g)
{
	nn_seq_tensor ts[NN_SEQ_MAX_TENSORS];
	int k = nn_seq_tensors(g, "main.", ts, NN_SEQ_MAX_TENSORS);
	size_t n = 0;
	for (int i = 0; i < k; i++)
		if (ts[i].param_off != NN_SEQ_NONE) n += ts[i].count;
	return n;
}

/* One entry as JSON (caller holds the lock). */
static void entry_json(srv_buf *b, const entry *e)
{
	srv_buf_puts(b, "{\"name\":");
	srv_buf_json_str(b, e->name);
	srv_buf_printf(b, ",\"fileSize\":%ld", e->file_size);
	if (!e->model) {
		srv_buf_puts(b, ",\"status\":\"error\",\"error\":");
		srv_buf_json_str(b, e->error);
		srv_buf_puts(b, "}");
		return;
	}
	const nn_generator *g = &e->model->gen;
	const nn_gan_config *c = &g->cfg;
	bool guided = c->onehot && g->spec_json && g->vocab_ids;
	srv_buf_printf(b,
	               ",\"status\":\"ready\",\"arch\":\"%s\",\"loss\":\"%s\",\"format\":\"%s\","
	               "\"vocab\":%d,\"channels\":%d,\"size\":%d,\"latent\":%d,\"width\":%d,"
	               "\"parameters\":%zu,\"steps\":%ld,\"guided\":%s,\"calibrated\":%s,"
	               "\"source\":",
	               nn_arch_name(c->arch),
	               nn_loss_name(nn_gan_loss(c)),
	               c->onehot ? "onehot" : "rgb", g->vocab, c->channels,
	               c->size, c->latent, c->width, param_count(&g->g), g->steps,
	               guided ? "true" : "false", guided && g->guide_scale ? "true" : "false");
	srv_buf_json_str(b, g->source);
	srv_buf_puts(b, ",\"device\":");
	srv_buf_json_str(b, nn_backend_describe(e->model->be));
	srv_buf_puts(b, "}");
}

char *srv_models_list_json(srv_models *m)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, "{\"models\":[");
	if (m) pthread_mutex_lock(&m->lock);
	for (int i = 0; m && i < m->count; i++) {
		if (i) srv_buf_puts(&b, ",");
		entry_json(&b, &m->entries[i]);
	}
	if (m) pthread_mutex_unlock(&m->lock);
	srv_buf_puts(&b, "]}");
	return srv_buf_take(&b);
}

char *srv_models_entry_json(srv_models *m, const char *name)
{
	if (!m) return NULL;
	srv_buf b;
	srv_buf_init(&b);
	pthread_mutex_lock(&m->lock);
	entry *e = find(m, name);
	if (e) entry_json(&b, e);
	pthread_mutex_unlock(&m->lock);
	if (!e) {
		srv_buf_free(&b);
		return NULL;
	}
	return srv_buf_take(&b);
}
