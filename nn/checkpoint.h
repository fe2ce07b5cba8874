/* checkpoint.h - GAN checkpoints as safetensors files (api/safetensors.h).
 *
 * Two files, both host-order F32, so a checkpoint written on one backend
 * loads on any other (weights are downloaded to save and uploaded to load):
 *
 * Generator file (DIR/generator.safetensors, what `wfc sample` and the
 * server read): G's state_dict exactly as tools/nn_models.py's Generator
 * has it ("main.0.weight", "main.1.running_mean", ...;
 * num_batches_tracked as an F32 scalar). Metadata, all strings:
 *   arch (dcgan|wgan-dense), format (rgb|onehot), channels, vocab, size,
 *   latent, width, steps, seed, colors (JSON [[r,g,b],...], the data
 *   set's vocabulary colours), source (the data set's), and config (JSON
 *   of the training settings: batch, lr, betas, clip, n_critic, epoch,
 *   loss);
 *   when known, spec (the data set's JSON spec) and vocab_ids (JSON
 *   array: the engine pattern / variant index of each vocabulary entry),
 *   which guided WFC (server/runner_nn.c) needs; guide_scale (JSON array
 *   of vocab numbers > 0) and guide_floor (a number > 0), written together
 *   by `wfc calibrate`: guided WFC's prior for entry v is guide_floor +
 *   guide_scale[v] * p_v (guide_nn.c).
 * State file (DIR/state.safetensors, for --resume): the same metadata and
 *   "netG.<name>", "netD.<name>" for both state_dicts; the optimiser
 *   moments per parameter: "optG.exp_avg.<name>", "optG.exp_avg_sq.<name>"
 *   (Adam) or "optG.square_avg.<name>" (RMSprop), the same for optD;
 *   "train.perm" (count) the data order; metadata rng (4 hex words),
 *   cursor, epoch, seconds; with loss wasserstein-sn, the critic's power
 *   iteration vectors "netD.main.<i>.weight_u" (Cout each).
 *
 * Ownership: writers and readers allocate and free their own memory;
 * nn_generator_load fills a caller-owned nn_generator that
 * nn_generator_free releases.
 */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include "../api/safetensors.h"
#include "gan.h"
#include "train.h"

/* What the files record besides the weights. colors: vocab*3 bytes or NULL. */
typedef struct {
	const uint8_t *colors;
	int vocab;
	const char *source;
	uint64_t seed;
	/* Optional (NULL when unknown), for guided WFC: the data set's JSON
	 * spec (metadata "spec") and the engine pattern / variant index of each
	 * vocabulary entry (metadata "vocab_ids", a JSON array of vocab ints). */
	const char *spec_json;
	const int32_t *vocab_ids;
} nn_ckpt_info;

int nn_ckpt_save_generator(const char *path, const nn_gan *gan, const nn_ckpt_info *info, int epoch,
                           char *err, size_t errlen);
int nn_ckpt_save_state(const char *path, const nn_trainer *t, const nn_ckpt_info *info, char *err,
                       size_t errlen);

/* The model configuration and seed recorded in a file of either kind. */
int nn_ckpt_config(const api_safetensors *st, nn_gan_config *cfg, uint64_t *seed, char *err,
                   size_t errlen);
/* Creates t from a state file and the data set it was trained on: the
 * recorded configuration, then every weight, moment and position. */
int nn_trainer_resume(nn_trainer *t, const char *path, const api_dataset *ds, nn_backend *be,
                      char *err, size_t errlen);

/* A generator ready to sample: eval mode, no gradients. */
typedef struct {
	nn_gan_config cfg;
	nn_seq g;
	float *z;        /* backend, batch * latent */
	uint8_t *colors; /* vocab*3, malloc'd; NULL when the file has none */
	int vocab;
	long steps;
	uint64_t seed;
	char *spec_json;    /* malloc'd copy of metadata "spec"; NULL when absent */
	int32_t *vocab_ids; /* vocab entries, malloc'd; NULL when absent or malformed */
	char source[256];   /* metadata "source" ("" when absent) */
	float *guide_scale; /* vocab factors, malloc'd; NULL when the file has none */
	float guide_floor;  /* > 0 when the file has one, else 0 */
} nn_generator;

/* From a file or a buffer; batch: the most samples per forward. */
int nn_generator_load(const char *path, nn_backend *be, int batch, nn_generator *out, char *err,
                      size_t errlen);
int nn_generator_load_st(const api_safetensors *st, nn_backend *be, int batch, nn_generator *out,
                         char *err, size_t errlen);
void nn_generator_free(nn_generator *g);

/* The guide metadata of a file (what nn_generator_load_st reads):
 * *scale a malloc'd array of vocab factors or NULL when absent, *floor_out
 * the floor or 0 when absent. -1 with err (and *scale NULL) when either is
 * malformed. */
int nn_ckpt_guide(const api_safetensors *st, int vocab, float **scale, float *floor_out,
                  char *err, size_t errlen);

/* Copies generator file in to out with metadata "guide_scale" set to
 * scale (vocab finite factors > 0, vocab = the file's) and "guide_floor"
 * to floor (finite, > 0). out may be in: the file is replaced atomically. */
int nn_ckpt_write_guide(const char *in, const char *out, const float *scale, int vocab,
                        float floor, char *err, size_t errlen);

#endif
