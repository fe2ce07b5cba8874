/*
 * dataset_gen.c - api_dataset_generate (api/dataset_gen.h).
 *
 * Rounds: with `need` examples still missing, seeds [next, next + need)
 * are run by all threads at once into slots of their own; the successes
 * are then kept in seed order. Since a round never runs more seeds than
 * are missing, the result is the first `count` successful seeds whatever
 * the threads did, and it is byte-identical for any thread count.
 */
#include "dataset_gen.h"

#include "json_spec.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256

typedef struct {
	const wfc_model *m;
	int size, MX; /* example side; model output width (crop from it) */
	int64_t base_seed;
	int round_n;
	int32_t *grid; /* round_n slots of size*size engine indices */
	uint8_t *ok;   /* round_n: 1 when the seed gave a complete output */
	atomic_int next, found;
	int done_before, count;
	const api_dataset_options *opt;
	pthread_mutex_t lock;
	atomic_int failed; /* a state could not be created */
	char message[sizeof(wfc_error)];
} gen_job;

static void *worker(void *arg)
{
	gen_job *j = arg;
	wfc_state *s = NULL;
	wfc_error werr;
	if (wfc_state_create(j->m, &s, &werr) != WFC_OK) {
		pthread_mutex_lock(&j->lock);
		if (!atomic_exchange(&j->failed, 1))
			snprintf(j->message, sizeof j->message, "%s", werr.message);
		pthread_mutex_unlock(&j->lock);
		return NULL;
	}
	wfc_observer obs = {.cancel = j->opt->cancel};
	size_t cells = (size_t)j->size * j->size;
	for (;;) {
		int i = atomic_fetch_add(&j->next, 1);
		if (i >= j->round_n || atomic_load(&j->failed)) break;
		wfc_status st = wfc_run(s, (int32_t)(j->base_seed + i), -1, &obs);
		if (st == WFC_CANCELED) break;
		if (st == WFC_OK && wfc_state_complete(s)) {
			const int32_t *obsd = wfc_state_observed(s);
			int32_t *dst = j->grid + (size_t)i * cells;
			for (int y = 0; y < j->size; y++)
				memcpy(dst + (size_t)y * j->size, obsd + (size_t)y * j->MX,
				       (size_t)j->size * sizeof *dst);
			j->ok[i] = 1;
			atomic_fetch_add(&j->found, 1);
		}
		if (j->opt->progress) {
			pthread_mutex_lock(&j->lock);
			j->opt->progress(j->opt->ctx, j->done_before + atomic_load(&j->found),
			                 j->count);
			pthread_mutex_unlock(&j->lock);
		}
	}
	wfc_state_destroy(s);
	return NULL;
}

static int online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* Runs seeds until `count` examples fill grids (count*size*size engine
 * indices, in seed order). *seed_end gets one past the last seed run. */
static int run_rounds(gen_job *j, int32_t *grids, int64_t *seed_end, api_error *err)
{
	const api_dataset_options *o = j->opt;
	int threads =
	    o->threads > 0 ? (o->threads > MAX_THREADS ? MAX_THREADS : o->threads) : online_cores();
	size_t cells = (size_t)j->size * j->size;
	int64_t next = o->seed, max_tries = 10 * (int64_t)o->count + 100, tried = 0;
	int done = 0;
	pthread_t tid[MAX_THREADS];
	while (done < o->count) {
		if (o->cancel && atomic_load(o->cancel))
			return api_fail(err, API_ERR_INPUT, "canceled");
		if (tried >= max_tries)
			return api_fail(err, API_ERR_INPUT,
			                "%lld of %lld seeds contradicted (%d examples found): can "
			                "this model fill a %dx%d grid?",
			                (long long)(tried - done), (long long)tried, done, j->size,
			                j->size);
		int need = o->count - done;
		if (next + need - 1 > INT32_MAX)
			return api_fail(err, API_ERR_INPUT, "seeds ran past %d", INT32_MAX);
		/* the round's slots are the tail of grids: done + i never passes
		 * count, and compaction below only moves slots down */
		j->grid = grids + (size_t)done * cells;
		memset(j->ok, 0, (size_t)need);
		j->base_seed = next;
		j->round_n = need;
		j->done_before = done;
		atomic_store(&j->next, 0);
		atomic_store(&j->found, 0);
		int n = threads < need ? threads : need, started = 0;
		for (; started < n; started++)
			if (pthread_create(&tid[started], NULL, worker, j)) break;
		if (started == 0) worker(j); /* no thread could start: run here */
		for (int t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		if (atomic_load(&j->failed))
			return api_fail(err, API_ERR_NOMEM, "cannot create a WFC state: %s",
			                j->message);
		if (o->cancel && atomic_load(o->cancel))
			return api_fail(err, API_ERR_INPUT, "canceled");
		for (int i = 0; i < need; i++) {
			if (!j->ok[i]) continue;
			if (i != done - j->done_before)
				memmove(grids + (size_t)done * cells, j->grid + (size_t)i * cells,
				        cells * sizeof *grids);
			done++;
		}
		next += need;
		tried += need;
	}
	*seed_end = next;
	return API_OK;
}

static void vocab_color(const wfc_model *m, int t, uint8_t rgb[3])
{
	if (wfc_model_kind_of(m) == WFC_MODEL_OVERLAPPING) {
		int N;
		const uint8_t *p = wfc_model_pattern(m, t, &N);
		uint32_t c = wfc_model_color(m, p[0]);
		rgb[0] = (uint8_t)(c >> 16);
		rgb[1] = (uint8_t)(c >> 8);
		rgb[2] = (uint8_t)c;
		return;
	}
	int ts;
	const uint32_t *px = wfc_model_variant_pixels(m, t, &ts);
	uint64_t sum[3] = {0, 0, 0}, n = (uint64_t)ts * ts;
	for (uint64_t i = 0; i < n; i++)
		for (int c = 0; c < 3; c++)
			sum[c] += (px[i] >> (16 - 8 * c)) & 0xff;
	for (int c = 0; c < 3; c++)
		rgb[c] = (uint8_t)((sum[c] + n / 2) / n);
}

/* allowed (4, n, n, zeroed) of the entries ids; map: engine index -> entry
 * (-1 for the others), T long. */
static void fill_allowed(const wfc_model *m, const int32_t *ids, int n, const int32_t *map,
                         uint8_t *allowed)
{
	size_t V = (size_t)n;
	for (int a = 0; a < n; a++)
		for (int d = 0; d < 4; d++) {
			int len = 0;
			const int32_t *list = wfc_model_propagator(m, d, ids[a], &len);
			for (int k = 0; k < len; k++)
				if (map[list[k]] >= 0)
					allowed[((size_t)d * V + a) * V + map[list[k]]] = 1;
		}
}

/* The model generation runs for `size` (see dataset_gen.h). */
static int build_model(const api_spec *spec, int size, wfc_model **m, api_spec *gen, api_error *err)
{
	*gen = *spec; /* shallow: only the output size changes */
	gen->width = gen->height = size;
	if (spec->kind == WFC_MODEL_OVERLAPPING && !spec->periodic)
		gen->width = gen->height = size + spec->N - 1;
	return api_spec_build_model(gen, m, err);
}

int api_dataset_allowed_for(const api_spec *spec, int size, const int32_t *ids, int n,
                            uint8_t *allowed, api_error *err)
{
	wfc_model *m = NULL;
	api_spec gen;
	int rc = build_model(spec, size, &m, &gen, err);
	if (rc) return rc;
	int T = wfc_model_pattern_count(m);
	int32_t *map = malloc((size_t)T * sizeof *map);
	if (!map) {
		wfc_model_destroy(m);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	for (int t = 0; t < T; t++)
		map[t] = -1;
	for (int i = 0; i < n; i++) {
		if (ids[i] < 0 || ids[i] >= T) {
			free(map);
			wfc_model_destroy(m);
			return api_fail(err, API_ERR_INPUT,
			                "entry %d names pattern %d; the model has %d", i, ids[i],
			                T);
		}
		map[ids[i]] = i;
	}
	memset(allowed, 0, 4 * (size_t)n * n);
	fill_allowed(m, ids, n, map, allowed);
	free(map);
	wfc_model_destroy(m);
	return API_OK;
}

/* Engine indices -> vocabulary (first seen), colours, allowed, images. */
static int build_vocab(const wfc_model *m, api_dataset *ds, api_error *err)
{
	int T = wfc_model_pattern_count(m);
	size_t cells = (size_t)ds->count * ds->size * ds->size;
	int32_t *map = malloc((size_t)T * sizeof *map);
	int32_t *ids = malloc((size_t)T * sizeof *ids);
	if (!map || !ids) {
		free(map);
		free(ids);
		return api_fail(err, API_ERR_NOMEM, "out of memory");
	}
	for (int t = 0; t < T; t++)
		map[t] = -1;
	int V = 0;
	for (size_t i = 0; i < cells; i++) {
		int32_t t = ds->states[i];
		if (map[t] < 0) {
			ids[V] = t;
			map[t] = V++;
		}
		ds->states[i] = map[t];
	}
	ds->vocab = V;
	/* kept at its full size: a shrinking realloc saves little, and gcc 13
	 * flags the fallback to the old pointer as a use after free */
	ds->vocab_ids = ids;
	ds->colors = malloc((size_t)V * 3);
	ds->allowed = calloc(4 * (size_t)V * V, 1);
	if (!ds->colors || !ds->allowed) {
		free(map);
		return api_fail(err, API_ERR_NOMEM, "out of memory (vocabulary of %d)", V);
	}
	for (int a = 0; a < V; a++)
		vocab_color(m, ds->vocab_ids[a], ds->colors + 3 * a);
	fill_allowed(m, ds->vocab_ids, V, map, ds->allowed);
	free(map);
	if (ds->format != API_DATASET_RGB) return API_OK;
	size_t area = (size_t)ds->size * ds->size;
	ds->images = malloc(cells * 3 * sizeof *ds->images);
	if (!ds->images) return api_fail(err, API_ERR_NOMEM, "out of memory (images)");
	for (int k = 0; k < ds->count; k++)
		for (size_t i = 0; i < area; i++) {
			const uint8_t *c = ds->colors + 3 * ds->states[(size_t)k * area + i];
			for (int ch = 0; ch < 3; ch++)
				ds->images[((size_t)k * 3 + ch) * area + i] =
				    c[ch] / 255.0f * 2.0f - 1.0f;
		}
	return API_OK;
}

int api_dataset_generate(const api_spec *spec, const api_dataset_options *opt, api_dataset *out,
                         api_error *err)
{
	memset(out, 0, sizeof *out);
	if (opt->size < 1 || opt->size > API_DATASET_MAX_SIZE)
		return api_fail(err, API_ERR_INPUT, "size %d is out of range (1..%d)", opt->size,
		                API_DATASET_MAX_SIZE);
	if (opt->count < 1 || opt->count > API_DATASET_MAX_COUNT)
		return api_fail(err, API_ERR_INPUT, "count %d is out of range (1..%d)", opt->count,
		                API_DATASET_MAX_COUNT);
	if (opt->format != API_DATASET_RGB && opt->format != API_DATASET_ONEHOT)
		return api_fail(err, API_ERR_INPUT, "unknown data set format");
	api_spec gen;
	wfc_model *m = NULL;
	int rc = build_model(spec, opt->size, &m, &gen, err);
	if (rc) return rc;
	size_t cells = (size_t)opt->count * opt->size * opt->size;
	gen_job j = {
	    .m = m, .size = opt->size, .MX = wfc_model_width(m), .count = opt->count, .opt = opt};
	pthread_mutex_init(&j.lock, NULL);
	out->states = malloc(cells * sizeof *out->states);
	j.ok = malloc((size_t)opt->count);
	if (!out->states || !j.ok) {
		rc = api_fail(err, API_ERR_NOMEM, "out of memory (%zu cells)", cells);
		goto done;
	}
	out->format = opt->format;
	out->count = opt->count;
	out->size = opt->size;
	out->model_kind = spec->kind;
	out->seed = opt->seed;
	snprintf(out->source, sizeof out->source, "%s",
	         opt->source  ? opt->source
	         : spec->name ? spec->name
	                      : "");
	if ((rc = run_rounds(&j, out->states, &out->seed_end, err)) ||
	    (rc = build_vocab(m, out, err)))
		goto done;
	out->spec_json = api_spec_to_json(&gen, err);
	if (!out->spec_json) rc = API_ERR_NOMEM;
done:
	free(j.ok);
	pthread_mutex_destroy(&j.lock);
	wfc_model_destroy(m);
	if (rc) api_dataset_free(out);
	return rc;
}
