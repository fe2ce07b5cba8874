/* test_cli_dataset.c - `wfc dataset` and `wfc eval` end to end (WFC_CLI),
 * on a built-in library entry. */
#include "../api/dataset.h"
#include "cli_util.h"

static void temp_path(char *buf, const char *suffix)
{
	strcpy(buf, "/tmp/wfc-cli-ds-XXXXXX");
	int fd = mkstemp(buf);
	cr_assert(fd >= 0);
	close(fd);
	unlink(buf);
	strcat(buf, suffix);
}

Test(cli_dataset, dataset_then_eval, .timeout = 120)
{
	char st[64], png[64], js[64];
	temp_path(st, ".safetensors");
	temp_path(png, ".png");
	temp_path(js, ".json");
	cli_result *r = malloc(sizeof *r);
	run_cli(r, (const char *[]){"dataset", "--library", "Pipes", "--size", "8", "--count", "6",
	                            "--format", "onehot", "--seed", "3", "--threads", "2", "-o", st,
	                            "--preview", png, NULL});
	cr_assert_eq(r->code, 0, "%s", r->err);
	cr_assert(strstr(r->out, "6 examples of 8x8"), "%s", r->out);
	api_dataset ds;
	api_error err = {0};
	cr_assert_eq(api_dataset_load(st, &ds, &err), API_OK, "%s", err.message);
	cr_assert_eq(ds.count, 6);
	cr_assert_eq(ds.seed, 3);
	cr_assert_str_eq(ds.source, "Pipes");
	api_dataset_free(&ds);
	cr_assert_eq(access(png, F_OK), 0, "no preview written");

	/* the WFC baseline is valid by construction */
	run_cli(
	    r, (const char *[]){"eval", "--data", st, "--wfc", "--count", "5", "--json", js, NULL});
	cr_assert_eq(r->code, 0, "%s", r->err);
	cr_assert(strstr(r->out, "(5 of 5)"), "%s", r->out);
	cr_assert(strstr(r->out, "seeds 9.."), "baseline must start at seed_end: %s", r->out);
	char json[4096];
	slurp(js, json, sizeof json);
	cr_assert(strstr(json, "\"valid_rate\": 1,"), "%s", json);

	/* the training grids themselves are copies, not duplicates */
	run_cli(r, (const char *[]){"eval", "--data", st, "--grids", st, NULL});
	cr_assert_eq(r->code, 0, "%s", r->err);
	cr_assert(strstr(r->out, "copies of training grids     6"), "%s", r->out);

	run_cli(r, (const char *[]){"eval", "--data", st, "model.ckpt", NULL});
	cr_assert_eq(r->code, 2);
	cr_assert(strstr(r->err, "cannot read"), "%s", r->err);
	unlink(st);
	unlink(png);
	unlink(js);
	free(r);
}

Test(cli_dataset, usage_errors)
{
	cli_result *r = malloc(sizeof *r);
	run_cli(r, (const char *[]){"dataset", "--library", "Pipes", "--size", "8", NULL});
	cr_assert_eq(r->code, 2);
	cr_assert(strstr(r->err, "required"), "%s", r->err);
	run_cli(r, (const char *[]){"dataset", "--library", "Pipes", "--spec", "x.json", "--size",
	                            "8", "--count", "2", "--format", "rgb", "-o", "/tmp/x", NULL});
	cr_assert_eq(r->code, 2);
	run_cli(r, (const char *[]){"dataset", "--library", "NoSuchEntry", "--size", "8", "--count",
	                            "2", "--format", "rgb", "-o", "/tmp/x", NULL});
	cr_assert_eq(r->code, 2, "%s", r->err);
	run_cli(r, (const char *[]){"eval", "--data", "/nonexistent.st", "--wfc", NULL});
	cr_assert_neq(r->code, 0);
	free(r);
}
