/*
 * jobs_nn.h - neural jobs: "model": "generator" and "model": "guided"
 * (docs/http-api.md, "Neural jobs").
 *
 * A neural job travels through the job store like any other: as an
 * api_spec whose `neural` member (compact JSON, written only here) says
 * what to run, so it is persisted, restored and shared through Redis with
 * no change to the store:
 *   {"job":"generator","checkpoint":NAME,"count":N}
 *   {"job":"guided","checkpoint":NAME,"pins":[[x,y,pattern],...],"anchors":true}
 *   ("anchors" only with the request's "guide": "anchors")
 * The spec itself is the checkpoint's data-set spec (api/dataset.h
 * "spec"), at the generator's output size: the WFC model a guided job runs
 * and what the job resource reports as model, width and height.
 *
 * request_nn.c parses the request body (HTTP threads, no engine work);
 * runner_nn.c runs the job on a worker thread:
 *   generator: nn_sample_batch of samples 0..count-1 of the seed ->
 *     PNG (one image, or a grid with 2-pixel gaps) and JSON (onehot: the
 *     argmax vocabulary entry of each cell; rgb: the nearest vocabulary
 *     colour): one grid {"width","height","legend","grid"} for count 1,
 *     {"seed","samples":[grid,...]} otherwise.
 *   guided: sample 0 of the seed gives p(v | cell), softmax over the
 *     vocabulary; prior(cell, vocab_ids[v]) = floor + c_v p_v and every
 *     other pattern gets the floor, so nothing is ruled out and the
 *     output is valid by construction (c and the floor: the checkpoint's
 *     guide_scale and guide_floor, fitted by srv_nn_fit_scale; else 1 and
 *     SRV_NN_PRIOR_EPS); then the pins and, with
 *     "anchors", the generator's locally right cells (guide_nn.c), then
 *     WFC (fast mode, attempt k with seed + k). Pins that cannot all hold fail
 *     the job with 422 at /pins naming the cell.
 *
 * Ownership: the parse fills out->spec (heap) as srv_job_request_parse
 * does; outcome buffers are the caller's.
 */
#ifndef SRV_JOBS_NN_H
#define SRV_JOBS_NN_H

#include "../api/dataset.h"
#include "models.h"
#include "request.h"
#include "runner.h"

#include <stdbool.h>

#define SRV_NN_PRIOR_EPS 1e-3f

struct cJSON;

/* Builds out->spec (a srv_job_request's, with spec->neural and the seed)
 * from a neural job request whose job options were already taken out.
 * 0, or 422/500 with p. srv_request_env.neural_parse. */
int srv_nn_build_spec(const srv_request_env *env, struct cJSON *root, void *out, srv_problem *p);

/* The vocabulary entry of each of a model's T patterns (-1: none), from
 * g->vocab_ids; malloc'd, the caller frees; NULL when out of memory. */
int32_t *srv_nn_entry_of(const nn_generator *g, int T);

/* The floor of g's priors: its guide_floor (`wfc calibrate`), else
 * SRV_NN_PRIOR_EPS. */
float srv_nn_floor(const nn_generator *g);

/* Sets st's priors from one generator output probs (vocab, size, size):
 * prior(cell, vocab_ids[v]) = floor + c_v p_v with c = g->guide_scale (1
 * when NULL), floor for every other pattern
 * (wfc_state_set_vocab_priors). WFC_ERR_INPUT with err when the
 * checkpoint's vocab_ids do not fit wm. */
wfc_status srv_nn_set_priors(wfc_state *st, const wfc_model *wm, const nn_generator *g,
                             const float *probs, float floor, wfc_error *err);

/* Guide scales (guide_fit.c, `wfc calibrate`): fits the factors c of
 * srv_nn_set_priors at the given floor so that guided WFC (priors, no
 * anchors, the checkpoint's own spec, built once) uses each vocabulary entry as often as
 * want[v] (V shares summing to 1: the training set's). Each round draws
 * count guided grids, seeds seed .. seed + count - 1, and moves every
 * factor by (want / got)^3, starting from g's own scales (1 when it has
 * none). scale (V, out): the factors of the round whose histogram came
 * closest, KL(want || got); report (may be NULL) sees each round's factors
 * and KL. g is used to sample and is as it was on return. 0, or -1 with
 * err. */
typedef int (*srv_nn_fit_report)(void *ctx, int round, double kl, const float *scale);
int srv_nn_fit_scale(nn_generator *g, const double *want, float prior_floor,
                     int rounds, int count, long seed, float *scale, srv_nn_fit_report report,
                     void *ctx, char *err, size_t errlen);
/* (report returns nonzero to stop: srv_nn_fit_scale then returns 1 with
 * scale left as the closest round so far.) */

/* want[v] (ds->vocab of them): the share of ds's cells that hold entry v,
 * the target of srv_nn_fit_scale. */
void srv_nn_data_shares(const api_dataset *ds, double *want);

/* Anchors (guide_nn.c): sets pins[cell] to the generator's most likely
 * pattern at every node where it agrees with its four neighbours' most
 * likely patterns, leaving cells already pinned (>= 0) as they are.
 * pins: cells of wm. Returns the anchors added, -1 when out of memory. */
long srv_nn_anchors(const float *probs, const nn_generator *g, const wfc_model *wm,
                    int32_t *pins);

/* What a guided run met. pin_conflict: the cell where the user's pins
 * alone contradict (-1: none). */
typedef struct {
	int attempts;         /* seeds tried (attempt k runs seed + k) */
	long failed_attempts; /* attempts that ran out of repairs */
	long repairs;         /* local repairs of the fast mode */
	long dropped;         /* anchors given up after a failed attempt */
	int pin_conflict;
} srv_nn_guide_tally;

/* WFC on st (priors already set) with pins = the user's pins (user, may be
 * NULL) plus anchors, up to `attempts` seeds. The user's pins are pinned,
 * the anchors hinted (wfc_state_set_hints: conflicts among them are
 * repaired); after a failed attempt the anchors go, and pins keeps the
 * user's only. WFC_ERR_INPUT with err when pins are malformed;
 * WFC_CONTRADICTION with t->pin_conflict >= 0 when the user's pins cannot
 * all hold. st is left without hints. */
wfc_status srv_nn_run_anchored(wfc_state *st, const wfc_model *wm, int32_t *pins,
                               const int32_t *user, int32_t seed, int attempts,
                               const wfc_observer *obs, srv_nn_guide_tally *t, wfc_error *err);

/* Runs a job whose spec has `neural` set (see above); id: the job's, for
 * the training progress table (may be NULL). */
void srv_run_neural(srv_models *models, const api_spec *spec, int32_t seed, const char *id,
                    srv_run_control *ctl, srv_job_outcome *out);

/* Training jobs (train_nn.c): POST /v1/models with {"library" | "spec",
 * "name", "format", "arch", "epochs", "count", "width", "seed",
 * "timeLimitMs"} becomes a job whose neural part is
 * {"job":"train","name",...}; its worker generates the data set
 * (api_dataset_generate, 64x64, one thread), trains (nn_trainer_run),
 * saves NAME.safetensors into the models directory (never over an
 * existing file), reloads the registry and ends with 4 samples of the new
 * model as its result. DELETE cancels it between steps; the job time limit
 * bounds it. Its phase, step/total, epoch and losses are kept in a table
 * by job id (this process only) that srv_nn_job_decorate adds to the job
 * resource as "training". */
typedef struct {
	long max_count, max_epochs;
	bool disabled;
} srv_nn_train_limits;
/* 0 with out filled (as srv_job_request_parse), or 400/403/409/422/500. */
int srv_nn_train_request(const srv_request_env *env, const srv_nn_train_limits *lim,
                         const char *body, size_t len, srv_job_request *out, srv_problem *p);
void srv_run_train(srv_models *models, const api_spec *spec, const char *neural, int32_t seed,
                   const char *id, srv_run_control *ctl, srv_job_outcome *out);
/* job_json (malloc'd, a job resource) with "training" added when job id is
 * training; returns the possibly moved string. */
char *srv_nn_job_decorate(char *job_json, const char *id);

#endif
