/* train.c - the training loop over a data set (see train.h). */
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void nn_train_config(const api_dataset *ds, nn_arch arch, nn_gan_config *cfg)
{
	int onehot = ds->format == API_DATASET_ONEHOT;
	nn_gan_config_default(cfg, arch, onehot ? ds->vocab : 3, onehot, ds->size);
	if (cfg->batch > ds->count) cfg->batch = ds->count > 0 ? ds->count : 1;
}

static void shuffle(nn_trainer *t)
{
	for (int i = t->ds->count - 1; i > 0; i--) {
		int j = (int)(nn_rng_next(&t->rng) % (uint64_t)(i + 1));
		int32_t x = t->perm[i];
		t->perm[i] = t->perm[j];
		t->perm[j] = x;
	}
}

int nn_trainer_create(nn_trainer *t, const api_dataset *ds, const nn_gan_config *cfg,
                      nn_backend *be, uint64_t seed, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	int onehot = ds->format == API_DATASET_ONEHOT;
	int channels = onehot ? ds->vocab : 3;
	if (cfg->onehot != onehot || cfg->channels != channels || cfg->size != ds->size) {
		snprintf(err, errlen,
		         "the model (%s, %d channels, %dx%d) does not fit the data set (%s, %d "
		         "channels, %dx%d)",
		         cfg->onehot ? "onehot" : "rgb", cfg->channels, cfg->size, cfg->size,
		         onehot ? "onehot" : "rgb", channels, ds->size, ds->size);
		return -1;
	}
	if (ds->count < 1 || cfg->batch > ds->count) {
		snprintf(err, errlen, "the data set has %d samples, fewer than a batch (%d)",
		         ds->count, cfg->batch);
		return -1;
	}
	if ((onehot && !ds->states) || (!onehot && !ds->images)) {
		snprintf(err, errlen, "the data set has no %s", onehot ? "states" : "images");
		return -1;
	}
	t->ds = ds;
	t->seed = seed;
	nn_rng_seed(&t->rng, seed);
	if (nn_gan_create(&t->gan, cfg, be, &t->rng, err, errlen)) return -1;
	size_t per = (size_t)channels * ds->size * ds->size;
	t->perm = malloc((size_t)ds->count * sizeof *t->perm);
	if (onehot)
		t->host_cells = malloc((size_t)cfg->batch * ds->size * ds->size * sizeof *t->host_cells);
	else
		t->host_batch = malloc((size_t)cfg->batch * per * sizeof *t->host_batch);
	if (!t->perm || (!t->host_batch && !t->host_cells)) {
		snprintf(err, errlen, "out of memory for the data batches");
		nn_trainer_destroy(t);
		return -1;
	}
	for (int i = 0; i < ds->count; i++)
		t->perm[i] = i;
	shuffle(t);
	return 0;
}

void nn_trainer_destroy(nn_trainer *t)
{
	nn_gan_destroy(&t->gan);
	free(t->perm);
	free(t->host_batch);
	free(t->host_cells);
	t->perm = NULL;
	t->host_batch = NULL;
	t->host_cells = NULL;
}

int nn_trainer_batches_per_step(const nn_trainer *t)
{
	/* the Wasserstein step takes a real batch per critic update */
	return nn_gan_wasserstein(&t->gan.cfg) ? t->gan.cfg.n_critic : 1;
}

long nn_trainer_steps_for_epochs(const nn_trainer *t, int epochs)
{
	long per_epoch = t->ds->count / t->gan.cfg.batch;
	long steps = (long)epochs * per_epoch / nn_trainer_batches_per_step(t);
	return steps > 0 ? steps : 1;
}

int nn_trainer_next_batch(void *trainer, float *real)
{
	nn_trainer *t = trainer;
	const api_dataset *ds = t->ds;
	int b = t->gan.cfg.batch;
	if (t->cursor + b > ds->count) { /* drop the partial batch, new epoch */
		t->epoch++;
		t->cursor = 0;
		shuffle(t);
	}
	size_t ss = (size_t)ds->size * ds->size;
	size_t per = (size_t)t->gan.cfg.channels * ss;
	for (int k = 0; k < b; k++) {
		size_t idx = (size_t)t->perm[t->cursor + k];
		if (ds->format == API_DATASET_RGB)
			memcpy(t->host_batch + k * per, ds->images + idx * per, per * sizeof(float));
		else
			memcpy(t->host_cells + k * ss, ds->states + idx * ss, ss * sizeof(int32_t));
	}
	t->cursor += b;
	if (ds->format == API_DATASET_RGB)
		nn_upload(t->gan.be, real, t->host_batch, (size_t)b * per);
	else /* the one-hot planes are built where the batch lives (the GPU) */
		nn_upload_onehot(t->gan.be, real, t->host_cells, b, t->gan.cfg.channels, ss);
	return 0;
}

int nn_trainer_run(nn_trainer *t, long total_steps, const nn_train_hooks *h, char *err,
                   size_t errlen)
{
	while (t->gan.step < total_steps) {
		double t0 = now_s();
		if (nn_gan_step(&t->gan, &t->rng, nn_trainer_next_batch, t, &t->loss_d,
		                &t->loss_g)) {
			snprintf(err, errlen, "a training step failed");
			return -1;
		}
		t->seconds += now_s() - t0;
		nn_train_progress p = {t->gan.step, total_steps, t->epoch,
		                       t->loss_d,   t->loss_g,   t->seconds};
		int stop = h && h->on_step ? h->on_step(h->ctx, &p) : 0;
		if (h && h->on_sample && h->sample_every > 0 && t->gan.step % h->sample_every == 0)
			stop |= h->on_sample(h->ctx, t);
		if (stop) break;
	}
	return 0;
}
