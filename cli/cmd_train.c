/* cmd_train.c - `wfc train`: train a GAN on a data set (`wfc dataset`). */
#include "cli.h"
#include "nn_common.h"

#include "../nn/checkpoint.h"
#include "../nn/train.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: wfc train --data FILE --arch dcgan|wgan-dense -o DIR [options]\n"
    "\n"
    "Trains a GAN on a data set made by `wfc dataset` and writes to DIR:\n"
    "  generator.safetensors  the generator, for `wfc sample` and the server\n"
    "  state.safetensors      everything needed to --resume\n"
    "  log.csv                step,epoch,loss_d,loss_g,seconds\n"
    "  samples/step-K.png     a grid of 16 samples every --sample-every steps\n"
    "  generators/step-K.safetensors  with --keep, the generator at each of those steps\n"
    "\n"
    "Options:\n"
    "  --epochs E         passes over the data (default 5; with --resume, the new total)\n"
    "  --steps N          stop after N generator steps in all (instead of --epochs)\n"
    "  --batch B          batch size (default 64)\n"
    "  --lr L             learning rate (dcgan: Adam 1e-4; wgan-dense and --loss\n"
    "                     wasserstein: RMSprop 5e-5; wasserstein-sn: Adam 2e-4;\n"
    "                     wasserstein-gp: Adam 2e-4)\n"
    "  --loss bce|wasserstein|wasserstein-sn|wasserstein-gp  dcgan's objective\n"
    "                     (default bce); wasserstein trains its layers as a WGAN\n"
    "                     (RMSprop, clipping, 5 critic steps), which learns onehot\n"
    "                     data's rules far sooner; -sn keeps the critic\n"
    "                     1-Lipschitz by spectral norm instead, -gp by a\n"
    "                     gradient penalty (NEURAL.md)\n"
    "  --n-critic K       critic updates per generator update with a Wasserstein\n"
    "                     objective (default 5)\n"
    "  --width W          dcgan: ngf = ndf (64); wgan-dense: hidden width\n"
    "                     (512 for rgb; onehot: 64 at vocab 95, less for more)\n"
    "  --seed S           seed of weights, data order and latents (default 1)\n"
    "  --sample-every K   sample grid and checkpoints every K steps (default 500)\n"
    "  --device auto|cpu|cuda   (default auto: CUDA when a GPU answers)\n"
    "  --threads T        CPU threads (default: all cores)\n"
    "  --resume           continue DIR/state.safetensors (its settings win, but\n"
    "                     --lr: the rate from here on)\n"
    "  --keep             also keep the generator of every --sample-every step in\n"
    "                     generators/step-K.safetensors (to score and pick one)\n"
    "  -q, --quiet        no progress bar\n"
    "Ctrl-C stops after the current step and saves both checkpoints.\n";

typedef struct {
	const char *data, *out, *device;
	nn_arch arch;
	bool has_arch, resume, quiet, keep;
	nn_loss loss;
	long epochs, steps, batch, width, seed, sample_every, threads, n_critic;
	double lr;
} train_args;

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int parse_args(int argc, char **argv, train_args *a)
{
	memset(a, 0, sizeof *a);
	a->device = "auto";
	a->epochs = 5;
	a->seed = 1;
	a->sample_every = 500;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return -1;
		}
		if (!strcmp(o, "--resume")) {
			a->resume = true;
			continue;
		}
		if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
			a->quiet = true;
			continue;
		}
		if (!strcmp(o, "--keep")) {
			a->keep = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "wfc train: %s needs a value (see wfc train --help)\n", o);
			return CLI_BAD_INPUT;
		}
		bool ok = true;
		char *end;
		if (!strcmp(o, "--data"))
			a->data = v;
		else if (!strcmp(o, "-o") || !strcmp(o, "--output"))
			a->out = v;
		else if (!strcmp(o, "--device"))
			a->device = v;
		else if (!strcmp(o, "--arch"))
			ok = nn_arch_parse(v, &a->arch) == 0, a->has_arch = true;
		else if (!strcmp(o, "--epochs"))
			ok = cli_parse_int(v, 1, 1000000, &a->epochs);
		else if (!strcmp(o, "--steps"))
			ok = cli_parse_int(v, 1, 1L << 40, &a->steps);
		else if (!strcmp(o, "--batch"))
			ok = cli_parse_int(v, 1, 4096, &a->batch);
		else if (!strcmp(o, "--n-critic"))
			ok = cli_parse_int(v, 1, 100, &a->n_critic);
		else if (!strcmp(o, "--width"))
			ok = cli_parse_int(v, 1, 8192, &a->width);
		else if (!strcmp(o, "--seed"))
			ok = cli_parse_int(v, 0, INT64_MAX, &a->seed);
		else if (!strcmp(o, "--sample-every"))
			ok = cli_parse_int(v, 0, 1L << 40, &a->sample_every);
		else if (!strcmp(o, "--threads"))
			ok = cli_parse_int(v, 0, 1024, &a->threads);
		else if (!strcmp(o, "--loss"))
			ok = nn_loss_parse(v, &a->loss) == 0;
		else if (!strcmp(o, "--lr"))
			a->lr = strtod(v, &end), ok = *end == '\0' && a->lr > 0 && a->lr < 1;
		else {
			fprintf(stderr, "wfc train: unknown option '%s' (see wfc train --help)\n",
			        o);
			return CLI_BAD_INPUT;
		}
		if (!ok) {
			fprintf(stderr, "wfc train: invalid value '%s' for %s\n", v, o);
			return CLI_BAD_INPUT;
		}
		i++;
	}
	if (!a->data || !a->out || (!a->has_arch && !a->resume)) {
		fprintf(stderr, "wfc train: give --data FILE, --arch dcgan|wgan-dense and -o DIR "
		                "(see wfc train --help)\n");
		return CLI_BAD_INPUT;
	}
	return 0;
}

typedef struct {
	const train_args *a;
	nn_trainer *t;
	nn_ckpt_info info;
	FILE *log;
	char dir[4096];
	double last_print;
	long first_step;
	double first_secs;
	int failed;
} train_ctx;

static void path_in(const train_ctx *c, char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", c->dir, name);
}

static int save_all(train_ctx *c)
{
	char p[4200], err[512];
	path_in(c, p, sizeof p, "generator.safetensors");
	if (nn_ckpt_save_generator(p, &c->t->gan, &c->info, c->t->epoch, err, sizeof err) == 0) {
		path_in(c, p, sizeof p, "state.safetensors");
		if (nn_ckpt_save_state(p, c->t, &c->info, err, sizeof err) == 0) return 0;
	}
	fprintf(stderr, "wfc train: %s\n", err);
	c->failed = 1;
	return -1;
}

static void fmt_time(char *buf, size_t n, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

static int on_step(void *ctx, const nn_train_progress *p)
{
	train_ctx *c = ctx;
	fprintf(c->log, "%ld,%d,%.6f,%.6f,%.3f\n", p->step, p->epoch, p->loss_d, p->loss_g,
	        p->seconds);
	double now = cli_now_ms();
	bool last = p->step >= p->total_steps;
	/* a live bar on a terminal; a line every 10 s into a log file */
	bool tty = isatty(2);
	if (!c->a->quiet && (now - c->last_print > (tty ? 250 : 10000) || last || interrupted)) {
		c->last_print = now;
		/* ETA from this run's pace (a resumed run's earlier seconds excluded) */
		double per = (p->seconds - c->first_secs) / (double)(p->step - c->first_step);
		char eta[32], el[32];
		fmt_time(eta, sizeof eta, per * (double)(p->total_steps - p->step));
		fmt_time(el, sizeof el, p->seconds);
		int width = 24, fill = (int)(width * p->step / p->total_steps);
		char bar[32];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[width] = '\0';
		fprintf(stderr,
		        "%s[%s] step %ld/%ld epoch %d  loss_d %.4f loss_g %.4f  %s, ETA %s  ",
		        tty ? "\r" : "", bar, p->step, p->total_steps, p->epoch, p->loss_d,
		        p->loss_g, el, eta);
		if (!tty || last || interrupted) fputc('\n', stderr);
	}
	return interrupted ? 1 : 0;
}

static int on_sample(void *ctx, nn_trainer *t)
{
	train_ctx *c = ctx;
	char name[64], p[4200];
	api_error err = {0};
	snprintf(name, sizeof name, "samples/step-%ld.png", t->gan.step);
	path_in(c, p, sizeof p, name);
	int rc = cli_nn_write_samples(&t->gan.g, t->gan.z, t->gan.cfg.latent, t->gan.cfg.onehot,
	                              c->info.colors, c->info.vocab, t->seed, 16, p, NULL, &err);
	if (rc != API_OK) {
		cli_report("sample grid", rc, &err);
		c->failed = 1;
		return 1;
	}
	fflush(c->log);
	if (save_all(c)) return 1;
	if (!c->a->keep) return 0;
	/* a run's best generator is rarely its last (NEURAL.md scores every
	 * kept one), so --keep leaves each sampled one beside the samples */
	char e[512];
	snprintf(name, sizeof name, "generators/step-%ld.safetensors", t->gan.step);
	path_in(c, p, sizeof p, name);
	if (nn_ckpt_save_generator(p, &t->gan, &c->info, t->epoch, e, sizeof e) == 0) return 0;
	fprintf(stderr, "wfc train: %s\n", e);
	c->failed = 1;
	return 1;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
	fprintf(stderr, "wfc train: cannot create %s: %s\n", path, strerror(errno));
	return -1;
}

int cli_train(int argc, char **argv)
{
	train_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc) return rc < 0 ? CLI_DONE : rc;
	nn_backend *be = cli_nn_backend(a.device, (int)a.threads, "train");
	if (!be) return CLI_BAD_INPUT;
	api_dataset ds;
	api_error aerr = {0};
	rc = api_dataset_load(a.data, &ds, &aerr);
	if (rc != API_OK) {
		nn_backend_destroy(be);
		return cli_report(a.data, rc, &aerr);
	}
	train_ctx c = {.a = &a};
	snprintf(c.dir, sizeof c.dir, "%s", a.out);
	char p[4200];
	snprintf(p, sizeof p, "%s/samples", c.dir);
	char kept[4200];
	snprintf(kept, sizeof kept, "%s/generators", c.dir);
	if (make_dir(c.dir) || make_dir(p) || (a.keep && make_dir(kept))) {
		nn_backend_destroy(be);
		api_dataset_free(&ds);
		return CLI_FAILURE;
	}
	nn_trainer t;
	char err[512];
	if (a.resume) {
		path_in(&c, p, sizeof p, "state.safetensors");
		rc = nn_trainer_resume(&t, p, &ds, be, err, sizeof err);
		/* the one setting a resumed run may change: a lower rate to settle
		 * a run that stopped improving (the state then records it) */
		if (!rc && a.lr > 0) t.gan.cfg.lr = (float)a.lr;
	} else {
		nn_gan_config cfg;
		nn_train_config(&ds, a.arch, &cfg);
		if (a.batch) cfg.batch = (int)a.batch;
		if (a.width) cfg.width = (int)a.width;
		nn_gan_config_set_loss(&cfg, a.loss);
		if (a.lr > 0) cfg.lr = (float)a.lr;
		if (a.n_critic) cfg.n_critic = (int)a.n_critic;
		rc = nn_trainer_create(&t, &ds, &cfg, be, (uint64_t)a.seed, err, sizeof err);
	}
	if (rc) {
		fprintf(stderr, "wfc train: %s\n", err);
		nn_backend_destroy(be);
		api_dataset_free(&ds);
		return CLI_BAD_INPUT;
	}
	c.t = &t;
	c.first_step = t.gan.step;
	c.first_secs = t.seconds;
	c.info = (nn_ckpt_info){ds.colors, ds.vocab, ds.source, t.seed, ds.spec_json, ds.vocab_ids};
	long total = a.steps ? a.steps : nn_trainer_steps_for_epochs(&t, (int)a.epochs);
	const nn_gan_config *g = &t.gan.cfg;
	fprintf(
	    stderr,
	    "wfc train: %s%s%s on %s (%d samples, %s, %dx%d), batch %d, width %d, lr %g, seed %llu; "
	    "G %zu, D %zu parameters; steps %ld to %ld\n",
	    nn_arch_name(g->arch),
	    g->arch == NN_ARCH_DCGAN ? " with " : "", g->arch == NN_ARCH_DCGAN ? nn_loss_name(g->loss) : "", a.data, ds.count, g->onehot ? "onehot" : "rgb", g->size, g->size,
	    g->batch, g->width, g->lr, (unsigned long long)t.seed, nn_seq_param_count(&t.gan.g),
	    nn_seq_param_count(&t.gan.d), t.gan.step, total);
	path_in(&c, p, sizeof p, "log.csv");
	bool fresh = !a.resume || access(p, F_OK) != 0;
	c.log = fopen(p, fresh ? "w" : "a");
	if (!c.log) {
		fprintf(stderr, "wfc train: cannot write %s: %s\n", p, strerror(errno));
		rc = CLI_FAILURE;
		goto done;
	}
	if (fresh) fputs("step,epoch,loss_d,loss_g,seconds\n", c.log);
	/* sigaction, not signal(): with only _POSIX_C_SOURCE defined, glibc's
	 * signal() has System V semantics and resets the handler when it
	 * runs, so a second SIGINT (`timeout -s INT` sends the child two: one
	 * to it, one to its process group) killed the run before it saved. */
	struct sigaction sa = {0};
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	nn_train_hooks h = {on_step, on_sample, (int)a.sample_every, &c};
	if (nn_trainer_run(&t, total, &h, err, sizeof err)) {
		fprintf(stderr, "wfc train: %s\n", err);
		rc = CLI_FAILURE;
	}
	if (!c.failed && (a.sample_every == 0 || t.gan.step % a.sample_every != 0)) save_all(&c);
	if (c.failed) rc = CLI_FAILURE;
	if (fclose(c.log) != 0) rc = CLI_FAILURE;
	/* only now: a second SIGINT during the save must not kill it */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	if (rc == 0)
		printf("%s: %ld steps, epoch %d, loss_d %.4f loss_g %.4f, %.1f s%s\n", c.dir,
		       t.gan.step, t.epoch, t.loss_d, t.loss_g, t.seconds,
		       interrupted ? " (interrupted)" : "");
done:
	nn_trainer_destroy(&t);
	nn_backend_destroy(be);
	api_dataset_free(&ds);
	return rc;
}
