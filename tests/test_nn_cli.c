/* test_nn_cli.c - `wfc train` and `wfc sample` end to end on a tiny data
 * set (WFC_CLI): the files they write, resume == uninterrupted through the
 * command line, sample output, and usage errors. */
#include "../api/dataset.h"
#include "../api/image.h"
#include "../api/safetensors.h"
#include "cli_util.h"

#include <dirent.h>
#include <signal.h>
#include <time.h>

/* A 6-sample rgb data set of 64x64 random images, vocabulary 3. */
static void write_dataset(const char *path)
{
	api_dataset ds;
	memset(&ds, 0, sizeof ds);
	ds.format = API_DATASET_RGB;
	ds.count = 6;
	ds.size = 64;
	ds.vocab = 3;
	size_t ss = 64 * 64;
	ds.states = calloc(6 * ss, sizeof *ds.states);
	ds.images = malloc(6 * 3 * ss * sizeof *ds.images);
	ds.colors = malloc(9);
	ds.allowed = malloc(4 * 9);
	uint32_t x = 12345;
	for (size_t i = 0; i < 6 * ss; i++)
		ds.states[i] = (int32_t)(i / 7 % 3);
	for (size_t i = 0; i < 6 * 3 * ss; i++) {
		x = x * 1664525u + 1013904223u;
		ds.images[i] = (float)(x >> 8) / (float)(1u << 24) * 2 - 1;
	}
	for (int i = 0; i < 9; i++)
		ds.colors[i] = (uint8_t)(i * 30);
	memset(ds.allowed, 1, 4 * 9);
	snprintf(ds.source, sizeof ds.source, "test");
	api_error err;
	cr_assert_eq(api_dataset_save(path, &ds, 1, &err), API_OK, "%s", err.message);
	api_dataset_free(&ds);
}

static long file_size(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static bool same_file(const char *a, const char *b)
{
	FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
	bool same = f && g;
	while (same) {
		int x = fgetc(f), y = fgetc(g);
		same = x == y;
		if (x == EOF) break;
	}
	if (f) fclose(f);
	if (g) fclose(g);
	return same;
}

/* A temporary directory with the data set (data) and the paths of two
 * training runs in it (a, b): dir 64 bytes, the others 128. */
static void two_run_dirs(char *dir, char *data, char *a, char *b)
{
	make_temp_dir(dir);
	snprintf(data, 128, "%s/data.safetensors", dir);
	snprintf(a, 128, "%s/a", dir);
	snprintf(b, 128, "%s/b", dir);
	write_dataset(data);
}

/* --keep leaves each sampled generator beside the samples: the last one is
 * the run's generator byte for byte, and an earlier one is another model */
Test(nn_cli, train_keep_leaves_every_sampled_generator, .timeout = 120)
{
	char dir[64], data[128], a[128], b[128], p[256], q[256];
	two_run_dirs(dir, data, a, b);
	cli_result r;
	run_cli(&r,
	        (const char *[]){"train", "--data",    data, "--arch",   "dcgan", "--width",
	                         "4",     "--batch",   "2",  "--steps",  "4",     "--sample-every",
	                         "2",     "--threads", "1",  "--device", "cpu",   "-q",
	                         "--keep", "-o",       a,    NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_gt(file_size(a, "generators/step-2.safetensors"), 0);
	snprintf(p, sizeof p, "%s/generators/step-4.safetensors", a);
	snprintf(q, sizeof q, "%s/generator.safetensors", a);
	cr_assert(same_file(p, q), "the last kept generator is not the run's");
	snprintf(p, sizeof p, "%s/generators/step-2.safetensors", a);
	cr_assert(!same_file(p, q), "step 2's generator equals step 4's");
	/* without --keep, no folder */
	run_cli(&r,
	        (const char *[]){"train", "--data",    data, "--arch",   "dcgan", "--width",
	                         "4",     "--batch",   "2",  "--steps",  "2",     "--sample-every",
	                         "2",     "--threads", "1",  "--device", "cpu",   "-q",
	                         "-o",    b,           NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	snprintf(p, sizeof p, "%s/generators", b);
	cr_assert_neq(access(p, F_OK), 0, "%s exists without --keep", p);
}

Test(nn_cli, train_resume_sample, .timeout = 120)
{
	char dir[64], data[128], a[128], b[128], p[256], q[256];
	two_run_dirs(dir, data, a, b);
	cli_result r;
	/* a: 2 steps, then resumed to 4; b: 4 steps straight */
	run_cli(&r,
	        (const char *[]){"train", "--data",    data, "--arch",   "dcgan", "--width",
	                         "4",     "--batch",   "2",  "--steps",  "2",     "--sample-every",
	                         "2",     "--threads", "1",  "--device", "cpu",   "-q",
	                         "-o",    a,           NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.err, "device cpu"), "%s", r.err);
	cr_assert_gt(file_size(a, "samples/step-2.png"), 0);
	cr_assert_gt(file_size(a, "generator.safetensors"), 0);
	run_cli(&r, (const char *[]){"train", "--data", data, "--resume", "--steps", "4",
	                             "--sample-every", "0", "--threads", "1", "--device", "cpu",
	                             "-q", "-o", a, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	run_cli(&r,
	        (const char *[]){"train", "--data",    data, "--arch",   "dcgan", "--width",
	                         "4",     "--batch",   "2",  "--steps",  "4",     "--sample-every",
	                         "0",     "--threads", "1",  "--device", "cpu",   "-q",
	                         "-o",    b,           NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	snprintf(p, sizeof p, "%s/log.csv", a);
	cr_assert_eq(count_lines(p), 5, "header + 4 steps in %s", p);
	snprintf(p, sizeof p, "%s/generator.safetensors", a);
	snprintf(q, sizeof q, "%s/generator.safetensors", b);
	cr_assert(same_file(p, q), "resumed and uninterrupted runs differ");

	char png[256], json[256];
	snprintf(png, sizeof png, "%s/s.png", dir);
	snprintf(json, sizeof json, "%s/s.json", dir);
	run_cli(&r, (const char *[]){"sample", p, "--seed", "5", "--count", "3", "--device", "cpu",
	                             "-o", png, "--json", json, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	char text[65536];
	slurp(json, text, sizeof text);
	cr_assert(strstr(text, "{\"seed\":5,\"samples\":[{\"width\":64,\"height\":64,\"legend\":["),
	          "%.200s", text);
	api_image img;
	api_error err;
	cr_assert_eq(api_png_read_file(png, &img, &err), API_OK, "%s", err.message);
	cr_assert_eq(img.width, 2 * 64 + 2); /* 3 samples: a 2x2 grid, 2-pixel gaps */
	cr_assert_eq(img.height, 2 * 64 + 2);
	api_image_free(&img);
	/* one sample is one image, and the same at any count */
	run_cli(&r,
	        (const char *[]){"sample", p, "--seed", "5", "--device", "cpu", "-o", png, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert_eq(api_png_read_file(png, &img, &err), API_OK, "%s", err.message);
	cr_assert_eq(img.width, 64);
	api_image_free(&img);

	/* eval samples the checkpoint and scores it against the data set */
	run_cli(&r, (const char *[]){"eval", "--data", data, p, "--count", "5", "--json", json,
	                             NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "generator: 5 samples"), "%s", r.out);
	cr_assert(strstr(r.out, "adjacency violation rate"), "%s", r.out);
	slurp(json, text, sizeof text);
	cr_assert(strstr(text, "\"count\": 5"), "%s", text);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static bool exists(const char *dir, const char *name)
{
	return file_size(dir, name) >= 0;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, us % 1000000 * 1000};
	nanosleep(&ts, NULL);
}

/* --lr with --resume is the rate from there on: the run says so, the state
 * and the generator record it, and the weights then differ from a run that
 * kept the old rate (which resume alone matches: train_resume_sample). */
Test(nn_cli, resume_with_a_new_rate, .timeout = 120)
{
	char dir[64], data[128], a[128], b[128], p[256], q[256];
	two_run_dirs(dir, data, a, b);
	cli_result r;
	const char *out[] = {a, b};
	for (int k = 0; k < 2; k++) {
		run_cli(&r, (const char *[]){
		                "train", "--data",    data, "--arch",   "dcgan", "--width",
		                "4",     "--batch",   "2",  "--steps",  "2",     "--sample-every",
		                "0",     "--threads", "1",  "--device", "cpu",   "-q",
		                "-o",    out[k],      NULL});
		cr_assert_eq(r.code, 0, "%s", r.err);
	}
	run_cli(&r,
	        (const char *[]){"train", "--data", data, "--resume", "--lr", "1e-6", "--steps",
	                         "4", "--threads", "1", "--device", "cpu", "-q", "-o", a, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.err, "lr 1e-06"), "%s", r.err);
	run_cli(&r, (const char *[]){"train", "--data", data, "--resume", "--steps", "4",
	                             "--threads", "1", "--device", "cpu", "-q", "-o", b, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.err, "lr 0.0001,"), "the default DCGAN rate kept: %s", r.err);
	static char text[1 << 16];
	for (int k = 0; k < 2; k++) {
		snprintf(p, sizeof p, "%s/%s", a,
		         k ? "generator.safetensors" : "state.safetensors");
		FILE *f = fopen(p, "rb");
		cr_assert_not_null(f, "%s", p);
		size_t n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[n] = 0;
		/* the JSON header follows its 8-byte length */
		cr_assert(n > 8 && strstr(text + 8, "\\\"lr\\\":9.99999997e-07"),
		          "%s records the new rate", p);
	}
	snprintf(p, sizeof p, "%s/generator.safetensors", a);
	snprintf(q, sizeof q, "%s/generator.safetensors", b);
	cr_assert_not(same_file(p, q), "the new rate changed nothing");
}

/* Ctrl-C stops the training after its step and saves both checkpoints,
 * even when a second SIGINT comes while it saves (as `timeout -s INT`
 * sends one to the child and one to its process group). */
Test(nn_cli, a_second_interrupt_during_the_save_loses_nothing, .timeout = 120)
{
	const char *cli = getenv("WFC_CLI");
	if (!cli || access(cli, X_OK) != 0)
		cr_skip_test("WFC_CLI does not name the wfc binary (run through make test)");
	char dir[64], data[128], out[128], errp[192];
	make_temp_dir(dir);
	snprintf(data, sizeof data, "%s/data.safetensors", dir);
	snprintf(out, sizeof out, "%s/run", dir);
	snprintf(errp, sizeof errp, "%s/stderr.txt", dir);
	write_dataset(data);
	/* width 64: a state file of tens of MB, so the save takes a while */
	const char *argv[] = {cli,       "train", "--data",  data,   "--arch", "dcgan",
	                      "--width", "64",    "--batch", "2",    "--steps", "1000000",
	                      "--sample-every",   "0",       "--threads", "1", "--device",
	                      "cpu",     "-o",    out,       NULL};
	int err_fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(err_fd >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, cli, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(err_fd);
	/* training has begun once the first progress line is on stderr (a
	 * non-terminal gets the first step's, then one every 10 s); then a
	 * step or two more */
	char text[8192] = "";
	for (int i = 0; i < 6000 && !strstr(text, "step 1/"); i++) {
		sleep_us(10000);
		slurp(errp, text, sizeof text);
	}
	cr_assert(strstr(text, "step 1/"), "training did not start: %s", text);
	sleep_us(300000);
	cr_assert_eq(kill(pid, SIGINT), 0);
	/* the second one as soon as the save has begun */
	for (int i = 0; i < 60000 && !exists(out, "generator.safetensors"); i++)
		sleep_us(500);
	cr_assert(exists(out, "generator.safetensors"), "no save after the first SIGINT");
	kill(pid, SIGINT);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	slurp(errp, text, sizeof text);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "killed or failed while saving (status %d): %s", status, text);
	cr_assert_gt(file_size(out, "state.safetensors"), 0);
	char p[256];
	snprintf(p, sizeof p, "%s/log.csv", out);
	cr_assert_geq(count_lines(p), 2, "the log keeps its steps");
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(nn_cli, usage_errors)
{
	cli_result r;
	run_cli(&r, (const char *[]){"train", "--data", "x.safetensors", "-o", "/tmp/x", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "--arch"), "%s", r.err);
	run_cli(&r, (const char *[]){"train", "--data", "/nonexistent.safetensors", "--arch", "gan",
	                             "-o", "/tmp/x", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "invalid value 'gan'"), "%s", r.err);
	run_cli(&r, (const char *[]){"sample", "/nonexistent.safetensors", "--seed", "1", "-o",
	                             "/tmp/x.png", "--device", "cpu", NULL});
	cr_assert_eq(r.code, 2);
	run_cli(&r,
	        (const char *[]){"sample", "/nonexistent.safetensors", "-o", "/tmp/x.png", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "--seed"), "%s", r.err);
	run_cli(&r, (const char *[]){"train", "--device", "tpu", "--data", "/nonexistent", "--arch",
	                             "dcgan", "-o", "/tmp/x", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "--device must be auto, cpu or cuda"), "%s", r.err);
	run_cli(&r, (const char *[]){"train", "--data", "/nonexistent", "--arch", "dcgan", "--loss",
	                             "hinge", "-o", "/tmp/x", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "invalid value 'hinge' for --loss"), "%s", r.err);
	run_cli(&r, (const char *[]){"train", "--data", "/nonexistent", "--arch", "dcgan",
	                             "--n-critic", "0", "-o", "/tmp/x", NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "invalid value '0' for --n-critic"), "%s", r.err);
}

/* --loss and --n-critic reach the model and its files. */
Test(nn_cli, train_with_each_unclipped_critic, .timeout = 120)
{
	char dir[64], data[128], out[128];
	make_temp_dir(dir);
	snprintf(data, sizeof data, "%s/data.safetensors", dir);
	write_dataset(data);
	static const char *const loss[] = {"wasserstein-sn", "wasserstein-gp"};
	for (int i = 0; i < 2; i++) {
		snprintf(out, sizeof out, "%s/%s", dir, loss[i]);
		cli_result r;
		run_cli(&r, (const char *[]){"train", "--data", data, "--arch", "dcgan", "--loss",
		                             loss[i], "--n-critic", "2", "--width", "4", "--batch",
		                             "2", "--steps", "2", "--sample-every", "0",
		                             "--threads", "1", "--device", "cpu", "-q", "-o", out,
		                             NULL});
		cr_assert_eq(r.code, 0, "%s", r.err);
		char line[64];
		snprintf(line, sizeof line, "dcgan with %s on", loss[i]);
		cr_assert(strstr(r.err, line), "%s", r.err);
		cr_assert(strstr(r.err, "lr 0.0002"), "the objective's own rate: %s", r.err);
		char p[256];
		snprintf(p, sizeof p, "%s/state.safetensors", out);
		api_safetensors st;
		api_error e = {0};
		cr_assert_eq(api_st_read_file(p, &st, &e), API_OK, "%s", e.message);
		const char *conf = api_st_meta(&st, "config");
		cr_assert(conf && strstr(conf, "\"n_critic\":2"), "%s", conf);
		char want[64];
		snprintf(want, sizeof want, "\"loss\":\"%s\"", loss[i]);
		cr_assert(strstr(conf, want), "%s", conf);
		/* the spectral critic's power-iteration vectors travel with it */
		cr_assert_eq(api_st_find(&st, "netD.main.0.weight_u") != NULL, i == 0);
		api_st_free(&st);
	}
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* scripts/gpu-terrain.sh, which a lent GPU machine runs once per session
 * with no second try, tried out on the CPU (DEVICE=cpu): one tiny run
 * trains, each kept generator is scored into scores.csv, and the run's
 * state comes back to resume. Needs the repository root (library/) and
 * nngrids beside WFC_CLI. */
Test(nn_cli, gpu_terrain_script_trains_scores_and_keeps_the_state, .timeout = 180)
{
	const char *cli = getenv("WFC_CLI");
	if (!cli || access("scripts/gpu-terrain.sh", R_OK) != 0 ||
	    access("library/samples.xml", R_OK) != 0)
		cr_skip_test("needs WFC_CLI and the repository root");
	char bin[512], p[1024];
	snprintf(bin, sizeof bin, "%s", cli);
	char *slash = strrchr(bin, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(bin, sizeof bin, ".");
	snprintf(p, sizeof p, "%s/nngrids", bin);
	if (access(p, X_OK) != 0) cr_skip_test("no nngrids beside %s", cli);
	char dir[64];
	make_temp_dir(dir);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
	         "DEVICE=cpu SECS=4 END=90 COUNT=4 SCORERS=2 CARRIED_BIN='%s' WORK='%s/work' "
	         "RUNS='tiny:4:4:1:2e-4:20' bash scripts/gpu-terrain.sh '%s/out' >'%s/log' 2>&1",
	         bin, dir, dir, dir);
	char log[65536];
	int rc = system(cmd);
	snprintf(p, sizeof p, "%s/log", dir);
	slurp(p, log, sizeof log);
	cr_assert_eq(rc, 0, "%s", log);
	cr_assert(strstr(log, "] done"), "%s", log);
	char text[65536];
	snprintf(p, sizeof p, "%s/out/scores.csv", dir);
	slurp(p, text, sizeof text);
	cr_assert(!strncmp(text, "run,step,kl2,kl3,valid,anchored\n", 32), "%s", text);
	/* every kept generator scored: one row per file in generators/ */
	int rows = 0;
	for (const char *q = strstr(text, "\ntiny,"); q; q = strstr(q + 1, "\ntiny,"))
		rows++;
	snprintf(p, sizeof p, "%s/work/tiny/generators", dir);
	DIR *kept = opendir(p);
	cr_assert(kept, "%s", p);
	int n = 0;
	for (struct dirent *e; (e = readdir(kept));)
		n += e->d_name[0] != '.';
	closedir(kept);
	cr_assert_gt(rows, 0, "%s", text);
	cr_assert_eq(rows, n, "%d rows for %d generators: %s", rows, n, text);
	/* tiny guides WFC: its grids are valid whatever it learnt */
	cr_assert(strstr(text, ",1.0000,"), "%s", text);
	cr_assert_gt(file_size(dir, "out/tiny.state.safetensors"), 0, "%s", log);
	snprintf(p, sizeof p, "%s/out/summary.txt", dir);
	slurp(p, text, sizeof text);
	cr_assert(strstr(text, "nn_cuda tests"), "%s", text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* `wfc calibrate` on the shipped generator and a small data set of its
 * tileset: the copy keeps every weight and gains one scale per entry, the
 * rounds are reported, and mismatched or missing input is refused. Needs
 * the repository root (models/, library/). */
Test(nn_cli, calibrate_writes_scales_beside_the_same_weights, .timeout = 120)
{
	const char *model = "models/terrain-islands.safetensors";
	if (!getenv("WFC_CLI") || access(model, R_OK) != 0 ||
	    access("library/samples.xml", R_OK) != 0)
		cr_skip_test("needs WFC_CLI and the repository root");
	char dir[64], data[128], other[128], out[128];
	make_temp_dir(dir);
	snprintf(data, sizeof data, "%s/terrain.safetensors", dir);
	snprintf(other, sizeof other, "%s/rgb.safetensors", dir);
	snprintf(out, sizeof out, "%s/calibrated.safetensors", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"dataset", "--library", "Terrain-Islands", "--size", "64",
	                             "--count", "16", "--format", "onehot", "--seed", "1", "-o",
	                             data, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	run_cli(&r, (const char *[]){"calibrate", model, "--data", data, "--rounds", "3", "--count",
	                             "20", "-o", out, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.err, "round 1: histogram KL") && strstr(r.err, "round 3: histogram KL"),
	          "%s", r.err);

	api_safetensors a, b;
	api_error e = {0};
	cr_assert_eq(api_st_read_file(model, &a, &e), API_OK, "%s", e.message);
	cr_assert_eq(api_st_read_file(out, &b, &e), API_OK, "%s", e.message);
	cr_assert_eq(a.count, b.count);
	for (int i = 0; i < a.count; i++) {
		const api_st_tensor *y = api_st_find(&b, a.tensors[i].name);
		cr_assert(y && y->count == a.tensors[i].count &&
		              !memcmp(y->data, a.tensors[i].data, y->count * sizeof *y->data),
		          "%s differs", a.tensors[i].name);
	}
	const char *scales = api_st_meta(&b, "guide_scale");
	cr_assert_not_null(scales);
	int n = 0;
	for (const char *s = scales; *s; s++)
		n += *s == ',';
	cr_assert_eq(n + 1, 16, "%s", scales);
	api_st_free(&a), api_st_free(&b);

	/* a data set of another vocabulary, and missing options */
	write_dataset(other);
	run_cli(&r, (const char *[]){"calibrate", model, "--data", other, "-o", out, NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "is not the checkpoint's"), "%s", r.err);
	run_cli(&r, (const char *[]){"calibrate", model, "-o", out, NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "--data"), "%s", r.err);
	run_cli(&r, (const char *[]){"calibrate", model, "--data", data, "--rounds", "0", "-o", out,
	                             NULL});
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "invalid value '0' for --rounds"), "%s", r.err);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
