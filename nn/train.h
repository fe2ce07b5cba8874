/* train.h - the training loop of a GAN over a data set (`wfc train`).
 *
 * A trainer owns a nn_gan, one nn_rng (seeded with the run's seed: it draws
 * G's then D's initial weights, then every shuffle and latent, in order)
 * and the data order: a permutation of the samples, reshuffled at the start
 * of every epoch; batches take the next `batch` entries and an epoch's
 * last partial batch is dropped. Onehot data sets are expanded per batch
 * from their `states` to (batch, vocab, size, size) one-hot floats.
 * Everything that decides the future (weights, optimiser moments, BN
 * statistics, step, rng, permutation, cursor) is in the trainer, and
 * nn/checkpoint.h saves and restores all of it, so a run resumed from a
 * state file continues exactly as the uninterrupted run (on the CPU).
 *
 * nn/ never prints: progress goes to the caller's hooks.
 * Ownership: nn_trainer is caller storage; nn_trainer_create allocates
 * the models and buffers, nn_trainer_destroy frees them. The data set is
 * borrowed and must outlive the trainer.
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "../api/dataset.h"
#include "gan.h"

typedef struct {
	long step, total_steps; /* generator steps done, to do in all */
	int epoch;              /* epochs started - 1 (0-based) */
	float loss_d, loss_g;
	double seconds; /* training time so far, resumed runs included */
} nn_train_progress;

typedef struct nn_trainer nn_trainer;

typedef struct {
	/* After every step; a nonzero return stops the run after it. */
	int (*on_step)(void *ctx, const nn_train_progress *p);
	/* Every sample_every steps (0: never); nonzero stops the run. */
	int (*on_sample)(void *ctx, nn_trainer *t);
	int sample_every;
	void *ctx;
} nn_train_hooks;

struct nn_trainer {
	nn_gan gan;
	const api_dataset *ds;
	nn_rng rng;
	uint64_t seed;
	int epoch;
	long cursor;       /* next position in perm */
	int32_t *perm;     /* ds->count sample indices */
	float *host_batch;   /* rgb: (batch, C, size, size) staging */
	int32_t *host_cells; /* onehot: (batch, size, size) cell indices */
	double seconds;
	float loss_d, loss_g; /* of the last step */
};

/* A configuration for `arch` that fits the data set: channels, format and
 * size from it, the architecture's defaults, batch capped at the count. */
void nn_train_config(const api_dataset *ds, nn_arch arch, nn_gan_config *cfg);

/* Checks cfg against the data set, creates the models on be and draws
 * their weights and the first permutation from seed. */
int nn_trainer_create(nn_trainer *t, const api_dataset *ds, const nn_gan_config *cfg,
                      nn_backend *be, uint64_t seed, char *err, size_t errlen);
void nn_trainer_destroy(nn_trainer *t);

/* Real batches drawn per generator step (1, or n_critic for the WGAN). */
int nn_trainer_batches_per_step(const nn_trainer *t);
/* Generator steps that make `epochs` passes over the data (at least 1). */
long nn_trainer_steps_for_epochs(const nn_trainer *t, int epochs);

/* Steps until gan.step reaches total_steps or a hook says stop.
 * 0 done (or stopped by a hook), -1 with a message on failure. */
int nn_trainer_run(nn_trainer *t, long total_steps, const nn_train_hooks *h, char *err,
                   size_t errlen);

/* The batch callback (nn_batch_fn) the trainer steps with; exposed for tests. */
int nn_trainer_next_batch(void *trainer, float *real);

#endif
