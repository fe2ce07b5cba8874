/*
 * test_cli.c - the `wfc` command as a user runs it: outputs, exit codes
 * (0 done, 1 contradiction, 2 bad input) and the messages of bad input.
 */
#include "../api/image.h"
#include "cli_util.h"

#include <cjson/cJSON.h>

static const char *samples_xml(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s", test_shared_path("corpus/samples.xml"));
	return path;
}

static void expect_hash(const char *png, const char *want)
{
	api_image img;
	api_error err;
	cr_assert_eq(api_png_read_file(png, &img, &err), API_OK, "%s", err.message);
	char hash[65];
	api_image_hash(img.pixels, img.width, img.height, hash);
	cr_expect_str_eq(hash, want, "%s", png);
	api_image_free(&img);
}

Test(cli, help_everywhere)
{
	const char *cmds[] = {"run", "corpus", "convert", "demo"};
	cli_result r;
	run_cli(&r, (const char *[]){"--help", NULL});
	cr_expect_eq(r.code, 0);
	cr_expect(strstr(r.out, "Exit codes"));
	for (int i = 0; i < 4; i++) {
		run_cli(&r, (const char *[]){cmds[i], "--help", NULL});
		cr_expect_eq(r.code, 0, "%s --help", cmds[i]);
		cr_expect(strstr(r.out, "usage: wfc"), "%s --help prints usage", cmds[i]);
	}
	run_cli(&r, (const char *[]){"frobnicate", NULL});
	cr_expect_eq(r.code, 2);
	cr_expect(strstr(r.err, "unknown command 'frobnicate'"));
	run_cli(&r, (const char *[]){"run", "--size", "0", "x.json", "-o", "x.png", NULL});
	cr_expect_eq(r.code, 2);
	cr_expect(strstr(r.err, "invalid value '0' for --size"), "%s", r.err);
	run_cli(&r, (const char *[]){"run", "spec.json", NULL});
	cr_expect_eq(r.code, 2);
	cr_expect(strstr(r.err, "nothing to write"), "%s", r.err);
}

Test(cli, run_xml_entry_reproduces_reference)
{
	REQUIRE_SHARED();
	char dir[64], png[128], txt[128];
	make_temp_dir(dir);
	snprintf(png, sizeof png, "%s/chess.png", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", samples_xml(), "--entry", "1", "--seed", "100",
	                             "-o", png, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "DONE seed 100"), "%s", r.out);
	expect_hash(png, "4a2d1aea4610bbd8e6e7f55c09a8ff3df34087dcdeae8b2c34f9fa7df7668855");

	snprintf(txt, sizeof txt, "%s/knots.txt", dir);
	snprintf(png, sizeof png, "%s/knots.png", dir);
	run_cli(&r, (const char *[]){"run", "--xml", samples_xml(), "--entry", "86", "--seed",
	                             "8600", "-o", png, "--txt", txt, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	char got[4096], want[4096];
	slurp(txt, got, sizeof got);
	slurp(test_shared_path("golden/86-Knots-8600.txt"), want, sizeof want);
	cr_expect_str_eq(got, want);
}

Test(cli, contradiction_exits_1)
{
	REQUIRE_SHARED();
	char dir[64], png[128];
	make_temp_dir(dir);
	snprintf(png, sizeof png, "%s/chess47.png", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", samples_xml(), "--entry", "2", "--seed", "200",
	                             "-o", png, NULL});
	cr_expect_eq(r.code, 1);
	cr_expect(strstr(r.err, "CONTRADICTION seed 200, 10 attempts"), "%s", r.err);
	cr_expect_neq(access(png, F_OK), 0, "no image is written");
}

Test(cli, json_grid_output)
{
	REQUIRE_SHARED();
	char dir[64], json[128];
	make_temp_dir(dir);
	snprintf(json, sizeof json, "%s/grid.json", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", samples_xml(), "--entry", "29", "--seed", "5",
	                             "--size", "12x10", "--json", json, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	char text[65536];
	slurp(json, text, sizeof text);
	cJSON *root = cJSON_Parse(text);
	cr_assert(root, "valid JSON");
	cr_expect_eq(cJSON_GetObjectItem(root, "width")->valueint, 12);
	cr_expect_eq(cJSON_GetObjectItem(root, "height")->valueint, 10);
	cJSON *legend = cJSON_GetObjectItem(root, "legend");
	cr_expect_eq(cJSON_GetArraySize(legend), 9, "Knots Standard has 9 variants");
	cr_expect_str_eq(cJSON_GetArrayItem(legend, 0)->valuestring, "corner 0");
	cJSON *grid = cJSON_GetObjectItem(root, "grid");
	cr_assert_eq(cJSON_GetArraySize(grid), 10);
	for (int y = 0; y < 10; y++) {
		cJSON *row = cJSON_GetArrayItem(grid, y);
		cr_assert_eq(cJSON_GetArraySize(row), 12);
		for (int x = 0; x < 12; x++) {
			int v = cJSON_GetArrayItem(row, x)->valueint;
			cr_assert(v >= 0 && v < 9);
		}
	}
	cJSON_Delete(root);
}

/* convert an entry to JSON, run the JSON: the reference's image again */
Test(cli, convert_then_run_json)
{
	REQUIRE_SHARED();
	char dir[64], spec[128], png[128];
	make_temp_dir(dir);
	snprintf(spec, sizeof spec, "%s/summer.json", dir);
	snprintf(png, sizeof png, "%s/summer.png", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"convert", "--xml", samples_xml(), "--entry", "26", "-o", spec,
	                             NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	run_cli(&r, (const char *[]){"run", spec, "--seed", "2600", "--retry", "same", "--mode",
	                             "reference", "-o", png, NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	expect_hash(png, "5132bfbf45deb3bf8da2ec7c6ce6e8d6b7c52a2ca7263bb8da0a474f3455bbfb");
}

Test(cli, corpus_one_entry)
{
	REQUIRE_SHARED();
	char dir[64], png[160];
	make_temp_dir(dir);
	cli_result r;
	run_cli(&r, (const char *[]){"corpus", samples_xml(), "-o", dir, "--entry", "4", NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "Flowers      seed 400    DONE"), "%s", r.out);
	snprintf(png, sizeof png, "%s/Flowers-400.png", dir);
	expect_hash(png, "6834d9ed9dcfad9c06233cb9fdb17bacfa58aaa28520bc2023de60bf2a27afb0");
}

/* ---- bad input: exit code 2 and a message naming the problem ------------ */

static void write_png(const char *dir, const char *name, const uint32_t *px, int w, int h)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	api_error err;
	cr_assert_eq(api_png_write_file(path, px, w, h, &err), API_OK, "%s", err.message);
}

/* A corpus directory with samples/ and tilesets/T/ holding a few PNGs. */
static void make_corpus(char *dir, const char *samples)
{
	make_temp_dir(dir);
	char sub[256];
	snprintf(sub, sizeof sub, "%s/samples", dir);
	mkdir(sub, 0777);
	snprintf(sub, sizeof sub, "%s/tilesets", dir);
	mkdir(sub, 0777);
	snprintf(sub, sizeof sub, "%s/tilesets/T", dir);
	mkdir(sub, 0777);
	write_file(dir, "samples.xml", samples, strlen(samples));
	uint32_t two[4] = {0xff000000u, 0xffffffffu, 0xffffffffu, 0xff000000u};
	write_png(dir, "samples/Tiny.png", two, 2, 2);
	static uint32_t many[17 * 17];
	for (int i = 0; i < 17 * 17; i++)
		many[i] = 0xff000000u | (uint32_t)i * 977u;
	write_png(dir, "samples/Many.png", many, 17, 17);
	uint32_t tile[9] = {0xff00ff00u, 0xff00ff00u, 0xff00ff00u, 0xff00ff00u, 0xff000000u,
	                    0xff00ff00u, 0xff00ff00u, 0xff000000u, 0xff00ff00u};
	write_png(dir, "tilesets/T/a.png", tile, 3, 3);
	write_png(dir, "tilesets/T/b.png", tile, 3, 3);
}

static void expect_bad_entry(const char *samples, const char *tileset, const char *needle)
{
	char dir[64], xml[128], png[128];
	make_corpus(dir, samples);
	if (tileset) write_file(dir, "tilesets/T.xml", tileset, strlen(tileset));
	snprintf(xml, sizeof xml, "%s/samples.xml", dir);
	snprintf(png, sizeof png, "%s/out.png", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", xml, "--entry", "1", "-o", png, NULL});
	cr_expect_eq(r.code, 2, "exit code for '%s' (stderr: %s)", needle, r.err);
	cr_expect(strncmp(r.err, "wfc: ", 5) == 0, "errors start with 'wfc: ': %s", r.err);
	cr_expect(strstr(r.err, needle), "stderr '%s' lacks '%s'", r.err, needle);
}

static const char tileset_ok_head[] = "<set><tiles><tile name=\"a\" symmetry=\"L\"/>"
                                      "<tile name=\"b\"/></tiles><neighbors>";

Test(cli_errors, malformed_xml)
{
	expect_bad_entry("<samples><overlapping name=\"Tiny\" N=\"2\"></samples>", NULL, "line 1");
}

Test(cli_errors, unknown_tile_in_rule)
{
	char tileset[512];
	snprintf(tileset, sizeof tileset,
	         "%s<neighbor left=\"a\" right=\"b\"/><neighbor left=\"a 1\" right=\"rod\"/>"
	         "</neighbors></set>",
	         tileset_ok_head);
	expect_bad_entry("<samples><simpletiled name=\"T\" size=\"4\"/></samples>", tileset,
	                 "neighbor rule 2: tile 'rod' is not in the tileset");
}

Test(cli_errors, n_larger_than_sample)
{
	expect_bad_entry("<samples><overlapping name=\"Tiny\" N=\"3\" periodicInput=\"False\"/>"
	                 "</samples>",
	                 NULL, "N is 3 but the sample is only 2x2");
}

Test(cli_errors, zero_size)
{
	expect_bad_entry("<samples><overlapping name=\"Tiny\" N=\"2\" size=\"0\"/></samples>", NULL,
	                 "size");
}

Test(cli_errors, too_many_colours)
{
	expect_bad_entry("<samples><overlapping name=\"Many\" N=\"2\"/></samples>", NULL,
	                 "more than 256 distinct colours");
}

Test(cli_errors, truncated_png)
{
	char dir[64], xml[128], png[128], path[160];
	make_corpus(dir, "<samples><overlapping name=\"Tiny\" N=\"2\"/></samples>");
	snprintf(path, sizeof path, "%s/samples/Tiny.png", dir);
	char data[4096];
	FILE *f = fopen(path, "rb");
	size_t n = fread(data, 1, sizeof data, f);
	fclose(f);
	write_file(dir, "samples/Tiny.png", data, n / 2);
	snprintf(xml, sizeof xml, "%s/samples.xml", dir);
	snprintf(png, sizeof png, "%s/out.png", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", xml, "--entry", "1", "-o", png, NULL});
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "PNG"), "%s", r.err);
	cr_expect(strstr(r.err, "Tiny.png"), "the message names the file: %s", r.err);
}

Test(cli_errors, malformed_json)
{
	char dir[64], spec[128];
	make_temp_dir(dir);
	write_file(dir, "bad.json", "{\"model\": \"overlapping\", ", 26);
	snprintf(spec, sizeof spec, "%s/bad.json", dir);
	cli_result r;
	run_cli(&r, (const char *[]){"run", spec, "-o", "/tmp/never.png", NULL});
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "JSON"), "%s", r.err);
}

Test(cli_errors, entry_out_of_range)
{
	REQUIRE_SHARED();
	cli_result r;
	run_cli(&r, (const char *[]){"run", "--xml", samples_xml(), "--entry", "89", "-o",
	                             "/tmp/never.png", NULL});
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "89"), "%s", r.err);
}
