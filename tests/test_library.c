/*
 * test_library.c - api/library.c and the built-in library/ itself.
 *
 * The built-in library (WFC_LIBRARY, default "library" relative to the
 * repository root, the directory `make test` runs in) must open, name its
 * entries uniquely and URL-safely, hold at least 5 overlapping samples and
 * 3 tilesets, and every entry must generate: at least 3 of 5 seeds
 * succeed in one attempt, and the independent validator accepts each
 * output. Ground entries must be drawn so the last pattern is the
 * bottom-left block (WFC-SPEC.md §8.4).
 *
 * library/ is drawn by tools/mklibrary.c. With WFC_MKLIBRARY naming that
 * binary, it is run twice: both runs must agree byte for byte
 * (determinism), and must match the committed files: text byte for byte,
 * PNGs pixel for pixel (the compressed bytes depend on the zlib build).
 *
 * The reference corpus (REQUIRE_SHARED) checks the naming rule on 88
 * entries; small fixtures under /tmp cover the error paths.
 */
#include "../api/library.h"
#include "cli_util.h"
#include "validator/validator.h"

#include <ctype.h>
#include <dirent.h>

/* Entries tested one per Criterion test, in parallel; the library must
 * not outgrow this (see builtin_fits_the_tests). */
#define LIB_MAX_ENTRIES 16
#define SEEDS 5
#define SEEDS_NEEDED 3

static const char *library_dir(void)
{
	const char *d = getenv("WFC_LIBRARY");
	return d && *d ? d : "library";
}

static api_library *open_builtin(void)
{
	api_library *lib = NULL;
	api_error err = {0};
	int rc = api_library_open(library_dir(), &lib, &err);
	cr_assert_eq(rc, API_OK, "opening the built-in library '%s': %s", library_dir(),
	             err.message);
	return lib;
}

/* ------------------------------------------------------------ built-in */

Test(library, builtin_has_enough_samples_and_tilesets)
{
	api_library *lib = open_builtin();
	int n = api_library_count(lib), samples = 0, tilesets = 0;
	for (int i = 0; i < n; i++) {
		const api_library_entry *e = api_library_get(lib, i);
		/* distinct sources: count an entry when no earlier one shares it */
		bool seen = false;
		for (int j = 0; j < i; j++) {
			const api_library_entry *o = api_library_get(lib, j);
			seen |= o->kind == e->kind && strcmp(o->source, e->source) == 0;
		}
		if (!seen) *(e->kind == WFC_MODEL_OVERLAPPING ? &samples : &tilesets) += 1;
	}
	cr_assert_geq(samples, 5, "%d overlapping samples", samples);
	cr_assert_geq(tilesets, 3, "%d tilesets", tilesets);
	api_library_close(lib);
}

Test(library, builtin_fits_the_tests)
{
	api_library *lib = open_builtin();
	cr_assert_leq(api_library_count(lib), LIB_MAX_ENTRIES,
	              "raise LIB_MAX_ENTRIES and add TEST_ENTRY lines below");
	api_library_close(lib);
}

static bool url_safe(const char *s)
{
	if (!*s) return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-._~", *s)) return false;
	return true;
}

Test(library, builtin_names_are_unique_and_url_safe)
{
	api_library *lib = open_builtin();
	int n = api_library_count(lib);
	for (int i = 0; i < n; i++) {
		const api_library_entry *e = api_library_get(lib, i);
		cr_assert(url_safe(e->name), "entry %d: name '%s'", i + 1, e->name);
		cr_assert_eq(e->entry, i + 1);
		cr_assert_eq(api_library_find(lib, e->name), e, "find('%s')", e->name);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(api_library_get(lib, j)->name, e->name);
	}
	cr_assert_null(api_library_get(lib, n));
	cr_assert_null(api_library_get(lib, -1));
	api_library_close(lib);
}

static void validate(const api_spec *spec, const wfc_model *m, const wfc_state *st, int32_t seed)
{
	char why[512] = "";
	bool ok;
	if (spec->kind == WFC_MODEL_OVERLAPPING) {
		int w, h;
		wfc_render_size(m, &w, &h);
		uint32_t *px = malloc((size_t)w * h * sizeof *px);
		cr_assert(px);
		wfc_render(st, px);
		ok = vld_check_overlapping(spec->sample.pixels, spec->sample.width,
		                           spec->sample.height, spec->N, spec->periodic_input,
		                           spec->symmetry, px, w, h, spec->periodic, why,
		                           sizeof why);
		free(px);
	} else {
		int w = spec->width, h = spec->height;
		const int32_t *obs = wfc_state_observed(st);
		const char **cells = malloc((size_t)w * h * sizeof *cells);
		cr_assert(cells);
		for (int i = 0; i < w * h; i++)
			cells[i] = wfc_model_variant_name(m, obs[i]);
		/* rules read by the validator's own XML reader, not the api's */
		char path[4096];
		snprintf(path, sizeof path, "%s/tilesets/%s.xml", library_dir(), spec->name);
		vld_tileset ts;
		cr_assert_eq(vld_tileset_load_xml(&ts, path, spec->subset_name, why, sizeof why), 0,
		             "%s", why);
		ok = vld_check_tiled(&ts, cells, w, h, spec->periodic, why, sizeof why);
		vld_tileset_free(&ts);
		free(cells);
	}
	cr_assert(ok, "%s seed %d: %s", spec->name, seed, why);
}

/* Ground entries: the last pattern found must be the block at (0, bottom),
 * wrapped, so that ground="True" pins the sample's bottom row. */
static void check_ground(const api_spec *spec, const wfc_model *m)
{
	int N, T = wfc_model_pattern_count(m);
	const uint8_t *p = wfc_model_pattern(m, T - 1, &N);
	cr_assert(p);
	const api_image *s = &spec->sample;
	for (int y = 0; y < N; y++)
		for (int x = 0; x < N; x++)
			cr_assert_eq(
			    wfc_model_color(m, p[x + y * N]),
			    s->pixels[x % s->width + (s->height - 1 + y) % s->height * s->width],
			    "%s: pattern T-1 is not the bottom-left block at (%d, %d)", spec->name,
			    x, y);
}

static void check_entry(int index)
{
	api_library *lib = open_builtin();
	const api_library_entry *e = api_library_get(lib, index);
	if (!e) {
		api_library_close(lib);
		cr_skip_test("the library has no entry %d", index + 1);
	}
	api_spec spec;
	api_error err = {0};
	cr_assert_eq(api_library_load(lib, e->name, &spec, &err), API_OK, "%s: %s", e->name,
	             err.message);
	cr_assert_eq(spec.kind, e->kind);
	cr_assert_str_eq(spec.name, e->source);
	cr_assert_eq(spec.width, e->width);
	cr_assert_eq(spec.height, e->height);
	if (e->subset)
		cr_assert_str_eq(spec.subset_name, e->subset);
	else
		cr_assert_null(spec.subset_name);

	wfc_model *m = NULL;
	cr_assert_eq(api_spec_build_model(&spec, &m, &err), API_OK, "%s: %s", e->name, err.message);
	if (spec.kind == WFC_MODEL_OVERLAPPING && spec.ground) check_ground(&spec, m);
	wfc_state *st = NULL;
	wfc_error werr = {0};
	cr_assert_eq(wfc_state_create(m, &st, &werr), WFC_OK, "%s", werr.message);
	/* The sanitizer run only needs one good output per entry. */
	int needed = test_quick() ? 1 : SEEDS_NEEDED, done = 0;
	for (int32_t seed = 1; seed <= SEEDS && done < needed; seed++) {
		wfc_status rc = wfc_run(st, seed, -1, NULL);
		cr_assert(rc == WFC_OK || rc == WFC_CONTRADICTION, "%s seed %d: %s", e->name, seed,
		          wfc_status_name(rc));
		if (rc != WFC_OK) continue;
		cr_assert(wfc_state_complete(st));
		validate(&spec, m, st, seed);
		done++;
	}
	cr_assert_geq(done, needed, "%s: %d of seeds 1..%d succeeded in one attempt", e->name, done,
	              SEEDS);
	wfc_state_destroy(st);
	wfc_model_destroy(m);
	api_spec_free(&spec);
	api_library_close(lib);
}

#define TEST_ENTRY(k)                                                                              \
	Test(library, builtin_entry_##k)                                                           \
	{                                                                                          \
		check_entry(k - 1);                                                                \
	}
TEST_ENTRY(1)
TEST_ENTRY(2)
TEST_ENTRY(3)
TEST_ENTRY(4)
TEST_ENTRY(5)
TEST_ENTRY(6)
TEST_ENTRY(7)
TEST_ENTRY(8)
TEST_ENTRY(9)
TEST_ENTRY(10)
TEST_ENTRY(11)
TEST_ENTRY(12)
TEST_ENTRY(13)
TEST_ENTRY(14)
TEST_ENTRY(15)
TEST_ENTRY(16)

/* ---------------------------------------------------- the generator */

#define MAX_FILES 256

typedef struct {
	char path[MAX_FILES][512]; /* relative to the root, sorted */
	int count;
} file_list;

static void list_files(const char *root, const char *rel, file_list *out)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", root, rel);
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	struct dirent *ent;
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.') continue;
		char sub[512], full[4700];
		cr_assert_lt(strlen(rel) + strlen(ent->d_name), sizeof sub - 2);
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", ent->d_name);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		struct stat st;
		cr_assert_eq(stat(full, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			list_files(root, sub, out);
		} else {
			cr_assert_lt(out->count, MAX_FILES);
			snprintf(out->path[out->count++], sizeof out->path[0], "%s", sub);
		}
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void list_sorted(const char *root, file_list *out)
{
	out->count = 0;
	list_files(root, "", out);
	qsort(out->path, (size_t)out->count, sizeof out->path[0], cmp_path);
}

static unsigned char *read_all(const char *root, const char *rel, size_t *len)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static bool same_bytes(const char *a_root, const char *b_root, const char *rel)
{
	size_t na, nb;
	unsigned char *a = read_all(a_root, rel, &na), *b = read_all(b_root, rel, &nb);
	bool same = na == nb && memcmp(a, b, na) == 0;
	free(a);
	free(b);
	return same;
}

static bool same_pixels(const char *a_root, const char *b_root, const char *rel)
{
	api_image a = {0}, b = {0};
	api_error err = {0};
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", a_root, rel);
	cr_assert_eq(api_png_read_file(path, &a, &err), API_OK, "%s", err.message);
	snprintf(path, sizeof path, "%s/%s", b_root, rel);
	cr_assert_eq(api_png_read_file(path, &b, &err), API_OK, "%s", err.message);
	bool same = a.width == b.width && a.height == b.height &&
	            memcmp(a.pixels, b.pixels, (size_t)a.width * a.height * 4) == 0;
	api_image_free(&a);
	api_image_free(&b);
	return same;
}

static void run_generator(const char *bin, const char *dir)
{
	const char *argv[] = {bin, "-o", dir, NULL};
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, bin, NULL, NULL, (char *const *)argv, environ), 0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s -o %s failed", bin, dir);
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) return;
	struct dirent *ent;
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

Test(library, builtin_is_what_mklibrary_draws)
{
	const char *bin = getenv("WFC_MKLIBRARY");
	if (!bin || access(bin, X_OK) != 0)
		cr_skip_test("WFC_MKLIBRARY does not name the mklibrary binary (run through make "
		             "test)");
	char one[64], two[64];
	make_temp_dir(one);
	make_temp_dir(two);
	run_generator(bin, one);
	run_generator(bin, two);

	static file_list a, b, lib;
	list_sorted(one, &a);
	list_sorted(two, &b);
	cr_assert_eq(a.count, b.count);
	for (int i = 0; i < a.count; i++) {
		cr_assert_str_eq(a.path[i], b.path[i]);
		cr_assert(same_bytes(one, two, a.path[i]), "%s differs between two runs",
		          a.path[i]);
	}

	/* library/ holds exactly the drawn files, plus its README */
	list_sorted(library_dir(), &lib);
	int j = 0;
	for (int i = 0; i < lib.count; i++) {
		if (strcmp(lib.path[i], "README.md") == 0) continue;
		cr_assert(j < a.count && strcmp(lib.path[i], a.path[j]) == 0,
		          "%s/%s is not drawn by mklibrary (or %s is missing)", library_dir(),
		          lib.path[i], j < a.count ? a.path[j] : "nothing");
		const char *ext = strrchr(a.path[j], '.');
		bool png = ext && strcmp(ext, ".png") == 0;
		cr_assert(png ? same_pixels(one, library_dir(), a.path[j])
		              : same_bytes(one, library_dir(), a.path[j]),
		          "%s/%s is out of date: run `make library`", library_dir(), a.path[j]);
		j++;
	}
	cr_assert_eq(j, a.count, "mklibrary draws %s, which %s lacks: run `make library`",
	             j < a.count ? a.path[j] : "", library_dir());
	remove_tree(one);
	remove_tree(two);
}

/* ------------------------------------------------------ the reference */

Test(library, corpus_names)
{
	REQUIRE_SHARED();
	api_library *lib = NULL;
	api_error err = {0};
	cr_assert_eq(api_library_open(test_shared_path("corpus"), &lib, &err), API_OK, "%s",
	             err.message);
	cr_assert_eq(api_library_count(lib), 88);
	static const struct {
		int entry;
		const char *name;
	} expect[] = {{1, "Chess"},
	              {2, "Chess-2"},
	              {26, "Summer"},
	              {28, "Circuit-Turnless"},
	              {29, "Knots-Standard"},
	              {38, "Knots-Dense-Fabric"},
	              {42, "Circles-Large-Circles-and-Solid"},
	              {45, "Cat"},
	              {80, "Disk-2"},
	              {81, "Disk-3"},
	              {84, "Village-2"},
	              {85, "Summer-2"},
	              {86, "Knots-Standard-2"},
	              {87, "Summer-3"},
	              {88, "Circuit-Turnless-2"}};
	for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
		const api_library_entry *e = api_library_get(lib, expect[i].entry - 1);
		cr_assert_str_eq(e->name, expect[i].name, "entry %d", expect[i].entry);
		cr_assert_eq(api_library_find(lib, expect[i].name), e);
	}
	for (int i = 0; i < 88; i++) {
		const api_library_entry *e = api_library_get(lib, i);
		cr_assert(url_safe(e->name), "entry %d: '%s'", i + 1, e->name);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(api_library_get(lib, j)->name, e->name);
	}

	const api_library_entry *k = api_library_find(lib, "Knots-Standard");
	cr_assert_eq(k->kind, WFC_MODEL_TILED);
	cr_assert_str_eq(k->source, "Knots");
	cr_assert_str_eq(k->subset, "Standard");
	cr_assert_eq(k->width, 24);
	const api_library_entry *cat = api_library_find(lib, "Cat");
	cr_assert_eq(cat->kind, WFC_MODEL_OVERLAPPING);
	cr_assert_null(cat->subset);
	cr_assert_eq(cat->width, 80);
	cr_assert_eq(cat->height, 80);
	cr_assert_eq(api_library_find(lib, "Summer")->width, 20);
	cr_assert_eq(api_library_find(lib, "Summer-2")->width, 10);
	/* names are case-sensitive */
	cr_assert_null(api_library_find(lib, "chess"));

	api_spec s;
	cr_assert_eq(api_library_load(lib, "Chess-2", &s, &err), API_OK, "%s", err.message);
	cr_assert_str_eq(s.name, "Chess");
	cr_assert_eq(s.N, 2);
	cr_assert_eq(s.width, 47);
	api_spec_free(&s);
	cr_assert_eq(api_library_load(lib, "Knots-Standard-2", &s, &err), API_OK, "%s",
	             err.message);
	cr_assert_str_eq(s.subset_name, "Standard");
	cr_assert_eq(s.width, 5);
	cr_assert(s.text_output);
	api_spec_free(&s);
	api_library_close(lib);
}

/* ------------------------------------------------------------ fixtures */

static void fixture(char *dir, const char *samples_xml)
{
	make_temp_dir(dir);
	write_file(dir, "samples.xml", samples_xml, strlen(samples_xml));
}

static void remove_fixture(const char *dir)
{
	char path[256];
	snprintf(path, sizeof path, "%s/samples.xml", dir);
	unlink(path);
	rmdir(dir);
}

static int open_fixture(const char *samples_xml, api_library **lib, api_error *err)
{
	char dir[64];
	fixture(dir, samples_xml);
	int rc = api_library_open(dir, lib, err);
	remove_fixture(dir);
	return rc;
}

Test(library, duplicate_and_odd_names)
{
	api_library *lib = NULL;
	api_error err = {0};
	int rc =
	    open_fixture("<samples>\n"
	                 "<overlapping name='A'/><overlapping name='A'/>\n"
	                 "<overlapping name='A-2'/>\n"
	                 "<simpletiled name='T' subset='x y'/>\n"
	                 "<simpletiled name='T' subset='x y' size='7' width='9'/>\n"
	                 "<overlapping name='Big room&amp;co' subset='ignored'/>\n"
	                 "<simpletiled name='T'/>\n"
	                 "<other name='skipped'/><overlapping name='A'><nested/></overlapping>\n"
	                 "</samples>",
	                 &lib, &err);
	cr_assert_eq(rc, API_OK, "%s", err.message);
	static const char *const names[] = {"A",       "A-2",         "A-2-2", "T-x-y",
	                                    "T-x-y-2", "Big-room-co", "T",     "A-3"};
	cr_assert_eq(api_library_count(lib), 8);
	for (int i = 0; i < 8; i++) {
		const api_library_entry *e = api_library_get(lib, i);
		cr_assert_str_eq(e->name, names[i], "entry %d", i + 1);
		cr_assert_eq(api_library_find(lib, names[i]), e);
	}
	const api_library_entry *t2 = api_library_get(lib, 4);
	cr_assert_eq(t2->width, 9);
	cr_assert_eq(t2->height, 7);
	cr_assert_str_eq(t2->subset, "x y");
	cr_assert_eq(api_library_get(lib, 6)->width, 24);
	cr_assert_null(api_library_get(lib, 5)->subset);
	cr_assert_eq(api_library_get(lib, 5)->width, 48);
	api_library_close(lib);
}

Test(library, empty_library)
{
	api_library *lib = NULL;
	api_error err = {0};
	cr_assert_eq(open_fixture("<samples/>", &lib, &err), API_OK, "%s", err.message);
	cr_assert_eq(api_library_count(lib), 0);
	cr_assert_null(api_library_get(lib, 0));
	cr_assert_null(api_library_find(lib, "A"));
	api_library_close(lib);
}

Test(library, missing_directory)
{
	api_library *lib = (api_library *)1;
	api_error err = {0};
	int rc = api_library_open("/nonexistent/wfc-library", &lib, &err);
	cr_assert_eq(rc, API_ERR_IO);
	cr_assert_null(lib);
	cr_assert(strstr(err.message, "/nonexistent/wfc-library/samples.xml"), "%s", err.message);
	cr_assert_eq(api_library_open("", &lib, &err), API_ERR_INPUT);
	cr_assert_eq(api_library_open(NULL, &lib, &err), API_ERR_INPUT);
	api_library_close(NULL);
}

static void expect_bad(const char *xml, const char *fragment)
{
	api_library *lib = (api_library *)1;
	api_error err = {0};
	int rc = open_fixture(xml, &lib, &err);
	cr_assert_eq(rc, API_ERR_INPUT, "%s: rc %d", xml, rc);
	cr_assert_null(lib);
	cr_assert(strstr(err.message, fragment), "%s: message '%s' lacks '%s'", xml, err.message,
	          fragment);
}

Test(library, malformed_samples_xml)
{
	expect_bad("<samples><overlapping name='A'>", "malformed XML");
	expect_bad("", "malformed XML");
	expect_bad("<samples><overlapping/></samples>", "name attribute is missing");
	expect_bad("<samples><overlapping name='../x'/></samples>", "not a usable file name");
	expect_bad("<samples><overlapping name='A' size='big'/></samples>", "size='big'");
	expect_bad("<samples><simpletiled name='A' width='1e3'/></samples>", "entry 1");
	expect_bad("<samples><overlapping name='A'/><overlapping name='B' height='99999999999'/>"
	           "</samples>",
	           "entry 2");
	expect_bad("<!DOCTYPE samples><samples/>", "DOCTYPE");
}

Test(library, unknown_names_and_broken_entries)
{
	char dir[64];
	fixture(dir, "<samples><overlapping name='Gone'/></samples>");
	api_library *lib = NULL;
	api_error err = {0};
	cr_assert_eq(api_library_open(dir, &lib, &err), API_OK, "%s", err.message);
	api_spec s;
	cr_assert_eq(api_library_load(lib, "Nope", &s, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "'Nope'"), "%s", err.message);
	cr_assert_null(s.name);
	cr_assert_eq(api_library_load(lib, NULL, &s, &err), API_ERR_INPUT);
	cr_assert_null(api_library_find(lib, NULL));
	/* the index opens without images; loading finds samples/Gone.png absent */
	cr_assert_eq(api_library_load(lib, "Gone", &s, &err), API_ERR_IO);
	cr_assert(strstr(err.message, "Gone.png"), "%s", err.message);
	cr_assert_null(s.name);
	api_library_close(lib);
	remove_fixture(dir);
}
