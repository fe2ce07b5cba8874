/*
 * nn_bench.c - times the GAN training step and sampling of nn/ on one
 * device (`make $(BUILD)/nn-bench`; scripts/gpu-check.sh runs it next to
 * scripts/nn_torch_bench.py, the same model in PyTorch).
 *
 * A training step is nn_gan_step (DCGAN: one D and one G update with Adam;
 * WGAN, or the DCGAN with --loss wasserstein: n_critic critic updates with
 * RMSprop and clipping, and one G update) on a fixed random real
 * batch; sampling is nn_sample_batch (G in eval mode, latents drawn on the
 * host, outputs downloaded). Each timed call ends synchronised (the losses
 * and the download come back to the host), after --warmup untimed calls.
 * sample_one (one sample, what serving a request costs: a few ms) is timed
 * max(--steps, 50) times, so its median holds on a busy machine;
 * --sample-only skips the training steps (and their keys).
 * Prints one "key value" line per figure, times in milliseconds.
 *
 * usage: nn-bench [--device cpu|cuda|auto] [--arch dcgan|wgan-dense]
 *                 [--loss bce|wasserstein|wasserstein-sn|wasserstein-gp]
 *                 [--batch N] [--width N] [--steps N] [--warmup N]
 *                 [--threads N] [--channels N] [--onehot] [--size N]
 *                 [--sample-only]
 */
#include "../../nn/gan.h"
#include "../../nn/sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
	nn_backend *be;
	const float *host;
	size_t n;
} bench_batch;

static int next_batch(void *ctx, float *real)
{
	bench_batch *b = ctx;
	nn_upload(b->be, real, b->host, b->n);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *key, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	double sum = 0.0;
	for (int i = 0; i < n; i++)
		sum += t[i];
	printf("%s_ms_median %.3f\n%s_ms_mean %.3f\n%s_ms_min %.3f\n", key, t[n / 2], key, sum / n,
	       key, t[0]);
}

static int usage(void)
{
	fprintf(stderr, "usage: nn-bench [--device cpu|cuda|auto] [--arch dcgan|wgan-dense] "
	                "[--loss bce|wasserstein|wasserstein-sn|wasserstein-gp] [--batch N] "
	                "[--width N] [--steps N] [--warmup N] [--threads N] "
	                "[--channels N] [--onehot] [--size N] [--sample-only]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *device = "auto";
	nn_arch arch = NN_ARCH_DCGAN;
	nn_loss loss = NN_LOSS_BCE;
	int batch = 64, width = 0, steps = 20, warmup = 3, threads = 0, channels = 3, onehot = 0;
	int size = 64, sample_only = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--onehot")) {
			onehot = 1;
			continue;
		}
		if (!strcmp(a, "--sample-only")) {
			sample_only = 1;
			continue;
		}
		if (!v) return usage();
		i++;
		if (!strcmp(a, "--device"))
			device = v;
		else if (!strcmp(a, "--arch")) {
			if (nn_arch_parse(v, &arch)) return usage();
		} else if (!strcmp(a, "--loss")) {
			if (nn_loss_parse(v, &loss)) return usage();
		} else if (!strcmp(a, "--batch"))
			batch = atoi(v);
		else if (!strcmp(a, "--width"))
			width = atoi(v);
		else if (!strcmp(a, "--steps"))
			steps = atoi(v);
		else if (!strcmp(a, "--warmup"))
			warmup = atoi(v);
		else if (!strcmp(a, "--threads"))
			threads = atoi(v);
		else if (!strcmp(a, "--channels"))
			channels = atoi(v);
		else if (!strcmp(a, "--size"))
			size = atoi(v);
		else
			return usage();
	}
	if (batch < 1 || steps < 1 || warmup < 0 || channels < 1) return usage();

	nn_device dev = !strcmp(device, "cuda")  ? NN_DEVICE_CUDA
	                : !strcmp(device, "cpu") ? NN_DEVICE_CPU
	                                         : nn_device_auto();
	char err[256];
	nn_backend *be = nn_backend_create(dev, threads, err, sizeof err);
	if (!be) {
		fprintf(stderr, "nn-bench: %s\n", err);
		return 1;
	}
	nn_gan_config cfg;
	nn_gan_config_default(&cfg, arch, channels, onehot, size);
	nn_gan_config_set_loss(&cfg, loss);
	cfg.batch = batch;
	if (width > 0) cfg.width = width;
	nn_rng r;
	nn_rng_seed(&r, 1);
	nn_gan gan;
	if (nn_gan_create(&gan, &cfg, be, &r, err, sizeof err)) {
		fprintf(stderr, "nn-bench: %s\n", err);
		nn_backend_destroy(be);
		return 1;
	}
	printf("device %s\narch %s\nloss %s\nbatch %d\nwidth %d\nparams_g %zu\nparams_d %zu\n",
	       nn_backend_describe(be), nn_arch_name(arch),
	       nn_loss_name(nn_gan_loss(&cfg)), batch,
	       cfg.width, gan.g.nparams, gan.d.nparams);

	size_t rn = (size_t)batch * channels * size * size;
	float *host = malloc(rn * sizeof *host);
	const int one_steps = steps > 50 ? steps : 50;
	int reps = one_steps > warmup ? one_steps : warmup;
	double *t = malloc((size_t)(reps > 0 ? reps : 1) * sizeof *t);
	size_t out_n = (size_t)batch * nn_seq_out_count(&gan.g);
	float *samples = malloc(out_n * sizeof *samples);
	if (!host || !t || !samples) {
		fprintf(stderr, "nn-bench: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < rn; i++)
		host[i] = 2.0f * nn_rng_uniform(&r) - 1.0f;
	bench_batch src = {be, host, rn};
	float ld = 0, lg = 0;

	for (int i = 0; !sample_only && i < warmup + steps; i++) {
		double t0 = now_ms();
		if (nn_gan_step(&gan, &r, next_batch, &src, &ld, &lg)) {
			fprintf(stderr, "nn-bench: step failed\n");
			return 1;
		}
		nn_sync(be);
		if (i >= warmup) t[i - warmup] = now_ms() - t0;
	}
	if (!sample_only) {
		printf("loss_d %.6f\nloss_g %.6f\n", ld, lg);
		report("train_step", t, steps);
	}

	/* sampling: a whole batch, then single samples (serving one request) */
	const int counts[2] = {batch, 1}, timed[2] = {steps, one_steps};
	const char *keys[2] = {"sample_batch", "sample_one"};
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < warmup + timed[k]; i++) {
			double t0 = now_ms();
			if (nn_sample_batch(&gan.g, gan.z, cfg.latent, 7, (long)i * counts[k],
			                    counts[k], samples)) {
				fprintf(stderr, "nn-bench: sampling failed\n");
				return 1;
			}
			if (i >= warmup) t[i - warmup] = now_ms() - t0;
		}
		report(keys[k], t, timed[k]);
	}
	free(samples);
	free(t);
	free(host);
	nn_gan_destroy(&gan);
	nn_backend_destroy(be);
	return 0;
}
