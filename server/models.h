/*
 * models.h - the registry of neural generators the service runs
 * (GET /v1/models, "model": "generator" | "guided" jobs).
 *
 * Every *.safetensors file of the models directory (--models DIR) is
 * loaded at start and again on srv_models_reload (POST /v1/models/reload):
 * a generator checkpoint of `wfc train` (nn/checkpoint.h) becomes a model
 * named after its file (name.safetensors -> "name"); a file that does not
 * load is listed with its error and never used. Each model owns one
 * nn_backend (CUDA when nn_device_auto() says so, else a one-thread CPU
 * backend) and a mutex: a backend is single-threaded, so workers that
 * sample the same model take turns (sampling takes milliseconds).
 *
 * Thread safety: every function may be called from any thread. A reload
 * builds the new list outside the lock and swaps it in; models in use by a
 * job stay alive (reference counted) until srv_model_release.
 *
 * Ownership: srv_models_create / srv_models_destroy own the registry;
 * srv_models_acquire hands out a reference the caller releases; JSON
 * strings returned are malloc'd and the caller frees them.
 */
#ifndef SRV_MODELS_H
#define SRV_MODELS_H

#include "../nn/checkpoint.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define SRV_MODEL_NAME_MAX 128
#define SRV_MODELS_MAX 256     /* files considered per directory scan */
#define SRV_MODEL_BATCH 8      /* samples per generator forward */
#define SRV_MODEL_MAX_COUNT 64 /* samples per generator job */

typedef struct srv_models srv_models;

/* One loaded generator. gen, be and lock are valid while a reference is
 * held; take `lock` around every use of gen / be. */
typedef struct srv_model {
	char name[SRV_MODEL_NAME_MAX];
	nn_generator gen;
	nn_backend *be;
	pthread_mutex_t lock;
	long file_size;
	int refs; /* guarded by the registry's lock */
} srv_model;

/* dir may be NULL or missing (an empty registry; a later reload looks
 * again). Returns 0, or -1 when out of memory. */
int srv_models_create(const char *dir, srv_models **out);
void srv_models_destroy(srv_models *m);
const char *srv_models_dir(const srv_models *m);

/* Rescans the directory: returns the number of models that loaded, and in
 * *failed (may be NULL) the number of files that did not. */
int srv_models_reload(srv_models *m, int *failed);

/* The model named `name` with a reference, or NULL (unknown or failed). */
srv_model *srv_models_acquire(srv_models *m, const char *name);
void srv_models_release(srv_models *m, srv_model *model);
/* true when a model of that name loaded (cheaper than acquire). */
bool srv_models_has(srv_models *m, const char *name);

/* {"models":[...]} sorted by name, or one entry (NULL when name is
 * unknown). Files that failed to load are entries too, with "error"
 * (never the server's paths). */
char *srv_models_list_json(srv_models *m);
char *srv_models_entry_json(srv_models *m, const char *name);

/* true for names of [A-Za-z0-9._-], 1..SRV_MODEL_NAME_MAX-1 chars, not
 * starting with '.'. */
bool srv_model_name_valid(const char *name);

#endif
