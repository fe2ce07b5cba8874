/* test_nn_cli.c - `wfc train` and `wfc sample` end to end on a tiny data
 * set (WFC_CLI): the files they write, resume == uninterrupted through the
 * command line, sample output, and usage errors. */
#include "../api/dataset.h"
#include "../api/image.h"
#include "cli_util.h"

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

Test(nn_cli, train_resume_sample, .timeout = 120)
{
	char dir[64], data[128], a[128], b[128], p[256], q[256];
	make_temp_dir(dir);
	snprintf(data, sizeof data, "%s/data.safetensors", dir);
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	write_dataset(data);
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
}
