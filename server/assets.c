/* assets.c - registered tilesets and samples (see assets.h). */
#include "assets.h"

#include "../api/json_spec.h"
#include "buf.h"
#include "clock.h"
#include "persist.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ASSET_FILE (API_JSON_MAX_BYTES + (1u << 16))

typedef struct asset {
	srv_asset_kind kind;
	srv_asset_meta meta;
	char *spec_json;
	struct asset *next; /* newest first */
} asset;

struct srv_assets {
	pthread_mutex_t lock;
	const char *dir;
	srv_log *log;
	asset *head;
};

static const char *subdir(srv_asset_kind k)
{
	return k == SRV_ASSET_TILESET ? SRV_DIR_TILESETS : SRV_DIR_SAMPLES;
}

static const char *prefix(srv_asset_kind k)
{
	return k == SRV_ASSET_TILESET ? SRV_PREFIX_TILESET : SRV_PREFIX_SAMPLE;
}

int srv_assets_create(const char *data_dir, srv_log *log, srv_assets **out)
{
	srv_assets *a = calloc(1, sizeof *a);
	if (!a) return -1;
	a->dir = data_dir;
	a->log = log;
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return 0;
}

static void free_asset(asset *x)
{
	if (!x) return;
	free(x->spec_json);
	free(x);
}

void srv_assets_destroy(srv_assets *a)
{
	if (!a) return;
	for (asset *x = a->head; x;) {
		asset *next = x->next;
		free_asset(x);
		x = next;
	}
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Inserts keeping the list newest first (restore reads files unordered). */
static void insert(srv_assets *a, asset *x)
{
	asset **p = &a->head;
	while (*p && (*p)->meta.created_ms > x->meta.created_ms)
		p = &(*p)->next;
	x->next = *p;
	*p = x;
}

static char *record_json(const asset *x)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b, "{\"id\":\"%s\",\"name\":", x->meta.id);
	srv_buf_json_str(&b, x->meta.name);
	srv_buf_printf(
	    &b, ",\"createdMs\":%lld,\"meta\":[%d,%d,%d],\"spec\":", (long long)x->meta.created_ms,
	    x->meta.meta[0], x->meta.meta[1], x->meta.meta[2]);
	srv_buf_puts(&b, x->spec_json);
	srv_buf_puts(&b, "}\n");
	return srv_buf_take(&b);
}

typedef struct {
	srv_assets *a;
	srv_asset_kind kind;
	int n;
} restore_ctx;

static bool restore_one(void *ctx, const char *name)
{
	restore_ctx *r = ctx;
	char id[SRV_ID_MAX];
	size_t n = strlen(name);
	if (n <= 5 || n - 5 >= sizeof id) return true;
	memcpy(id, name, n - 5);
	id[n - 5] = '\0';
	if (!srv_id_valid(prefix(r->kind), id)) return true;
	unsigned char *data = NULL;
	size_t size = 0;
	char err[512];
	cJSON *root = NULL;
	api_error e = {0};
	asset *x = NULL;
	if (srv_persist_read(r->a->dir, subdir(r->kind), name, MAX_ASSET_FILE, &data, &size, err,
	                     sizeof err) ||
	    api_json_parse((const char *)data, size, &root, &e) != API_OK)
		goto bad;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
	const cJSON *cr = cJSON_GetObjectItemCaseSensitive(root, "createdMs");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
	if (!cJSON_IsString(nm) || !cJSON_IsNumber(cr) || !cJSON_IsArray(meta) ||
	    cJSON_GetArraySize(meta) != 3 || !cJSON_IsObject(spec) || !(x = calloc(1, sizeof *x)))
		goto bad;
	x->kind = r->kind;
	snprintf(x->meta.id, sizeof x->meta.id, "%s", id);
	snprintf(x->meta.name, sizeof x->meta.name, "%s", nm->valuestring);
	x->meta.created_ms = (int64_t)cr->valuedouble;
	for (int i = 0; i < 3; i++)
		x->meta.meta[i] = cJSON_GetArrayItem(meta, i)->valueint;
	x->spec_json = cJSON_PrintUnformatted(spec);
	if (!x->spec_json) goto bad;
	pthread_mutex_lock(&r->a->lock);
	insert(r->a, x);
	pthread_mutex_unlock(&r->a->lock);
	r->n++;
	cJSON_Delete(root);
	free(data);
	return true;
bad:
	if (r->a->log)
		srv_log_event(r->a->log, "io-error",
		              ",\"what\":\"%s/%s\",\"message\":\"not an asset record\"",
		              subdir(r->kind), id);
	free_asset(x);
	cJSON_Delete(root);
	free(data);
	return true;
}

int srv_assets_restore(srv_assets *a)
{
	if (!a->dir) return 0;
	restore_ctx r = {a, SRV_ASSET_TILESET, 0};
	srv_persist_list(a->dir, SRV_DIR_TILESETS, ".json", restore_one, &r);
	r.kind = SRV_ASSET_SAMPLE;
	srv_persist_list(a->dir, SRV_DIR_SAMPLES, ".json", restore_one, &r);
	return r.n;
}

static int count_colors(const api_image *img)
{
	/* open addressing over at most 257 distinct values */
	uint32_t table[1024];
	bool used[1024] = {false};
	int n = 0;
	size_t total = (size_t)img->width * (size_t)img->height;
	for (size_t i = 0; i < total && n <= 256; i++) {
		uint32_t c = img->pixels[i];
		size_t k = (c * 2654435761u) % 1024;
		while (used[k] && table[k] != c)
			k = (k + 1) % 1024;
		if (!used[k]) {
			used[k] = true;
			table[k] = c;
			n++;
		}
	}
	return n;
}

static bool in_subset(const api_spec *s, const char *name)
{
	if (!s->subset) return true;
	for (int i = 0; i < s->subset_count; i++)
		if (!strcmp(s->subset[i], name)) return true;
	return false;
}

int srv_assets_add(srv_assets *a, srv_asset_kind kind, const api_spec *spec, srv_asset_meta *meta,
                   srv_problem *p)
{
	asset *x = calloc(1, sizeof *x);
	if (!x || !srv_id_new(prefix(kind), x->meta.id)) {
		free(x);
		return srv_problem_set(p, 500, "internal", NULL, "cannot create an id");
	}
	x->kind = kind;
	snprintf(x->meta.name, sizeof x->meta.name, "%s", spec->name ? spec->name : "untitled");
	x->meta.created_ms = srv_now_ms();
	if (kind == SRV_ASSET_TILESET) {
		int tiles = 0, variants = 0;
		for (int i = 0; i < spec->tile_count; i++) {
			if (!in_subset(spec, spec->tiles[i].name)) continue;
			tiles++;
			variants += api_symmetry_cardinality(spec->tiles[i].symmetry);
		}
		x->meta.meta[0] = tiles;
		x->meta.meta[1] = variants;
	} else {
		x->meta.meta[0] = spec->sample.width;
		x->meta.meta[1] = spec->sample.height;
		x->meta.meta[2] = count_colors(&spec->sample);
		if (x->meta.meta[2] > WFC_MAX_COLORS) {
			free(x);
			return srv_problem_set(p, 422, "invalid-spec", NULL,
			                       "the sample has more than %d colours",
			                       WFC_MAX_COLORS);
		}
	}
	api_error e = {0};
	x->spec_json = api_spec_to_json(spec, &e);
	if (!x->spec_json) {
		free(x);
		return srv_problem_from_api(p, 500, "internal", &e);
	}
	if (a->dir) {
		char *rec = record_json(x);
		char name[SRV_ID_MAX + 8], err[512];
		snprintf(name, sizeof name, "%s.json", x->meta.id);
		errno = ENOMEM;
		int rc = rec ? srv_persist_write(a->dir, subdir(kind), name, rec, strlen(rec), true,
		                                 err, sizeof err)
		             : -1;
		int write_errno = errno;
		free(rec);
		if (rc) {
			free_asset(x);
			/* 507 when the disk is full, 503 when it is read-only */
			return srv_persist_problem(
			    p, write_errno, kind == SRV_ASSET_TILESET ? "tileset" : "sample");
		}
	}
	*meta = x->meta;
	pthread_mutex_lock(&a->lock);
	insert(a, x);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static asset *find(srv_assets *a, srv_asset_kind kind, const char *id)
{
	for (asset *x = a->head; x; x = x->next)
		if (x->kind == kind && !strcmp(x->meta.id, id)) return x;
	return NULL;
}

bool srv_assets_get(srv_assets *a, srv_asset_kind kind, const char *id, srv_asset_meta *meta,
                    char **spec_json)
{
	if (spec_json) *spec_json = NULL;
	pthread_mutex_lock(&a->lock);
	asset *x = find(a, kind, id);
	bool ok = x != NULL;
	if (x) {
		*meta = x->meta;
		if (spec_json) {
			*spec_json = strdup(x->spec_json);
			ok = *spec_json != NULL;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return ok;
}

bool srv_assets_delete(srv_assets *a, srv_asset_kind kind, const char *id)
{
	pthread_mutex_lock(&a->lock);
	asset **p = &a->head;
	while (*p && !((*p)->kind == kind && !strcmp((*p)->meta.id, id)))
		p = &(*p)->next;
	asset *x = *p;
	if (x) {
		*p = x->next;
		if (a->dir) {
			char name[SRV_ID_MAX + 8];
			snprintf(name, sizeof name, "%s.json", x->meta.id);
			srv_persist_remove(a->dir, subdir(kind), name);
		}
	}
	pthread_mutex_unlock(&a->lock);
	free_asset(x);
	return x != NULL;
}

char *srv_asset_json(srv_asset_kind kind, const srv_asset_meta *m, const char *spec_json)
{
	char when[SRV_TIME_TEXT];
	srv_time_format(m->created_ms, when);
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b, "{\"id\":\"%s\",\"name\":", m->id);
	srv_buf_json_str(&b, m->name);
	if (kind == SRV_ASSET_TILESET)
		srv_buf_printf(&b, ",\"tiles\":%d,\"variants\":%d", m->meta[0], m->meta[1]);
	else
		srv_buf_printf(&b, ",\"width\":%d,\"height\":%d,\"colors\":%d", m->meta[0],
		               m->meta[1], m->meta[2]);
	srv_buf_printf(&b, ",\"createdAt\":\"%s\"", when);
	if (spec_json) {
		srv_buf_puts(&b, ",\"spec\":");
		srv_buf_puts(&b, spec_json);
	}
	srv_buf_puts(&b, "}");
	return srv_buf_take(&b);
}

char *srv_assets_list_json(srv_assets *a, srv_asset_kind kind)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b, "{\"%s\":[", kind == SRV_ASSET_TILESET ? "tilesets" : "samples");
	int n = 0;
	pthread_mutex_lock(&a->lock);
	for (asset *x = a->head; x; x = x->next) {
		if (x->kind != kind) continue;
		char *one = srv_asset_json(kind, &x->meta, NULL);
		if (!one) b.failed = true;
		if (n++) srv_buf_puts(&b, ",");
		if (one) srv_buf_puts(&b, one);
		free(one);
	}
	pthread_mutex_unlock(&a->lock);
	srv_buf_puts(&b, "]}");
	return srv_buf_take(&b);
}
