/*
 * test_xml.c - api/xml.c + api/tileset.c: samples.xml entries of the
 * reference corpus (expected values from WFC-SPEC.md §10.2 and counted
 * from the tileset files with a separate script), then a small fixture
 * tree under /tmp for defaults, parsing rules and every error path.
 */
#include "../api/xml.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

/* ---------------------------------------------------------------- corpus */

static const char *corpus_xml(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s", test_shared_path("corpus/samples.xml"));
	return path;
}

static void load_corpus(int entry, api_spec *s)
{
	api_error err = {0};
	int rc = api_xml_load_entry(corpus_xml(), entry, s, &err);
	cr_assert_eq(rc, API_OK, "entry %d: %s", entry, err.message);
}

static const api_tile *find_tile(const api_spec *s, const char *name)
{
	for (int i = 0; i < s->tile_count; i++)
		if (strcmp(s->tiles[i].name, name) == 0) return &s->tiles[i];
	return NULL;
}

Test(xml, corpus_has_88_entries)
{
	REQUIRE_SHARED();
	int n = -1;
	api_error err = {0};
	cr_assert_eq(api_xml_count_entries(corpus_xml(), &n, &err), API_OK, "%s", err.message);
	cr_assert_eq(n, 88);
}

Test(xml, entry_1_chess)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(1, &s);
	cr_assert_eq(s.kind, WFC_MODEL_OVERLAPPING);
	cr_assert_str_eq(s.name, "Chess");
	cr_assert_eq(s.N, 2);
	cr_assert(s.periodic);
	/* defaults of §10.1 */
	cr_assert_eq(s.width, 48);
	cr_assert_eq(s.height, 48);
	cr_assert(s.periodic_input);
	cr_assert_eq(s.symmetry, 8);
	cr_assert_not(s.ground);
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_ENTROPY);
	cr_assert_not(s.has_seed);
	cr_assert_eq(s.screenshots, 2);
	cr_assert_eq(s.limit, -1);
	cr_assert_eq(s.attempts, API_DEFAULT_ATTEMPTS);
	cr_assert_eq(s.sample.width, 8);
	cr_assert_eq(s.sample.height, 8);
	cr_assert_eq(s.sample.pixels[0], 0xFFFFFFFFu);
	cr_assert_null(s.tiles);
	api_spec_free(&s);
	cr_assert_null(s.name);
	cr_assert_null(s.sample.pixels);
}

Test(xml, entry_2_size_and_screenshots)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(2, &s);
	cr_assert_str_eq(s.name, "Chess");
	cr_assert_eq(s.width, 47);
	cr_assert_eq(s.height, 47);
	cr_assert_eq(s.screenshots, 1);
	api_spec_free(&s);
}

Test(xml, overlapping_options)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(3, &s); /* Skyline symmetry=2 ground=True */
	cr_assert_str_eq(s.name, "Skyline");
	cr_assert_eq(s.symmetry, 2);
	cr_assert(s.ground);
	api_spec_free(&s);
	load_corpus(16, &s); /* Rule126 periodicInput=False periodic=False */
	cr_assert_not(s.periodic_input);
	cr_assert_not(s.periodic);
	api_spec_free(&s);
	load_corpus(75, &s); /* Wrinkles MRV size=120 */
	cr_assert_str_eq(s.name, "Wrinkles");
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_MRV);
	cr_assert_eq(s.width, 120);
	api_spec_free(&s);
	load_corpus(84, &s); /* Village limit=120 size=36 */
	cr_assert_eq(s.limit, 120);
	cr_assert_eq(s.width, 36);
	api_spec_free(&s);
	load_corpus(76, &s); /* 3Bricks: the 4-bit palette sample */
	cr_assert_str_eq(s.name, "3Bricks");
	cr_assert_eq(s.sample.width, 32);
	cr_assert_eq(s.symmetry, 1);
	api_spec_free(&s);
}

Test(xml, entry_26_summer_unique)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(26, &s);
	cr_assert_eq(s.kind, WFC_MODEL_TILED);
	cr_assert_str_eq(s.name, "Summer");
	cr_assert_eq(s.width, 20);
	cr_assert_eq(s.height, 20);
	cr_assert_not(s.periodic);
	cr_assert(s.unique);
	cr_assert_eq(s.tile_size, 48);
	cr_assert_eq(s.tile_count, 13);
	cr_assert_null(s.subset_name);
	cr_assert_eq(s.subset_count, 0);
	cr_assert_eq(s.neighbor_count, 49);
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_ENTROPY);
	cr_assert_not(s.black_background);
	cr_assert_not(s.text_output);
	int variants = 0;
	for (int i = 0; i < s.tile_count; i++) {
		const api_tile *t = &s.tiles[i];
		cr_assert_eq(t->image_count, api_symmetry_cardinality(t->symmetry), "%s", t->name);
		for (int k = 0; k < t->image_count; k++) {
			cr_assert_eq(t->images[k].width, 48);
			cr_assert_eq(t->images[k].height, 48);
		}
		variants += t->image_count;
	}
	cr_assert_eq(variants, 40);                 /* T of §10.2 */
	cr_assert_str_eq(s.tiles[0].name, "cliff"); /* XML order kept */
	cr_assert_eq(s.tiles[0].symmetry, 'T');
	cr_assert_float_eq(find_tile(&s, "grass")->weight, 1.0, 1e-12);
	cr_assert_float_eq(find_tile(&s, "grasscorner")->weight, 0.01, 1e-12);
	/* the variants really are different bitmaps */
	const api_tile *cliff = find_tile(&s, "cliff");
	cr_assert_neq(memcmp(cliff->images[0].pixels, cliff->images[1].pixels, 48 * 48 * 4), 0);
	/* first rule: cliff 0 | cliff 0 */
	cr_assert_str_eq(s.neighbors[0].left, "cliff");
	cr_assert_eq(s.neighbors[0].left_orientation, 0);
	cr_assert_str_eq(s.neighbors[1].right, "cliffcorner");
	cr_assert_eq(s.neighbors[1].left_orientation, 2);
	cr_assert_eq(s.neighbors[1].right_orientation, 1);
	api_spec_free(&s);
}

Test(xml, entry_27_castle_scanline)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(27, &s);
	cr_assert_str_eq(s.name, "Castle");
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_SCANLINE);
	cr_assert_eq(s.width, 50);
	cr_assert_eq(s.tile_size, 7);
	cr_assert_not(s.unique);
	cr_assert_eq(s.tile_count, 11);
	for (int i = 0; i < s.tile_count; i++)
		cr_assert_eq(s.tiles[i].image_count, 1);
	api_spec_free(&s);
}

Test(xml, entry_28_circuit_subset_turnless)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(28, &s);
	cr_assert_str_eq(s.name, "Circuit");
	cr_assert_eq(s.width, 34);
	cr_assert_eq(s.height, 34);
	cr_assert(s.periodic);
	cr_assert_eq(s.screenshots, 3);
	cr_assert_str_eq(s.subset_name, "Turnless");
	cr_assert_eq(s.subset_count, 13);
	cr_assert_str_eq(s.subset[0], "bridge");
	cr_assert_str_eq(s.subset[12], "dskew");
	cr_assert_eq(s.tile_count, 13); /* 'turn' is not loaded */
	cr_assert_null(find_tile(&s, "turn"));
	cr_assert_eq(s.tile_size, 14);
	cr_assert_eq(find_tile(&s, "dskew")->symmetry, '\\');
	cr_assert_float_eq(find_tile(&s, "component")->weight, 20.0, 1e-12);
	cr_assert_float_eq(find_tile(&s, "t")->weight, 0.1, 1e-12);
	/* 145 rules, 116 among subset tiles */
	cr_assert_eq(s.neighbor_count, 116);
	for (int i = 0; i < s.neighbor_count; i++) {
		cr_assert_str_neq(s.neighbors[i].left, "turn");
		cr_assert_str_neq(s.neighbors[i].right, "turn");
		cr_assert_not_null(find_tile(&s, s.neighbors[i].left));
		cr_assert_not_null(find_tile(&s, s.neighbors[i].right));
	}
	api_spec_free(&s);
}

Test(xml, tiled_options_and_subsets)
{
	REQUIRE_SHARED();
	api_spec s;
	load_corpus(29, &s); /* Knots Standard */
	cr_assert_eq(s.tile_count, 4);
	cr_assert_eq(s.neighbor_count, 18);
	cr_assert_eq(s.tile_size, 10);
	api_spec_free(&s);
	load_corpus(43, &s); /* Circles "No Solid": subset tiles carry extra attributes */
	cr_assert_str_eq(s.subset_name, "No Solid");
	cr_assert_eq(s.tile_count, 6);
	cr_assert_eq(s.neighbor_count, 68);
	api_spec_free(&s);
	load_corpus(85, &s); /* Summer limit=25 blackBackground=True */
	cr_assert_eq(s.limit, 25);
	cr_assert(s.black_background);
	cr_assert_eq(s.width, 10);
	api_spec_free(&s);
	load_corpus(86, &s); /* Knots textOutput=True size=5 */
	cr_assert(s.text_output);
	cr_assert_eq(s.width, 5);
	api_spec_free(&s);
}

Test(xml, every_corpus_entry_loads)
{
	REQUIRE_SHARED();
	for (int e = 1; e <= 88; e++) {
		api_spec s;
		load_corpus(e, &s);
		cr_assert_not_null(s.name);
		if (s.kind == WFC_MODEL_OVERLAPPING)
			cr_assert_not_null(s.sample.pixels, "entry %d", e);
		else
			cr_assert(s.tile_count > 0 && s.tile_size > 0, "entry %d", e);
		api_spec_free(&s);
	}
}

/* ---------------------------------------------------------------- fixture */

/* A throwaway tree: <dir>/samples.xml, samples/S.png, tilesets/Knots.xml
 * and tilesets/Knots/{a,b,c,q}.png (3x3). */
typedef struct {
	char dir[64];
	char samples[128];
} fixture;

static void write_text(const fixture *f, const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	FILE *fp = fopen(path, "wb");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
}

static void write_png(const fixture *f, const char *rel, int w, int h, uint32_t seed)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	uint32_t px[64 * 64];
	for (int i = 0; i < w * h; i++)
		px[i] = 0xFF000000u | (seed * 2654435761u + (uint32_t)i * 40503u);
	api_error err = {0};
	cr_assert_eq(api_png_write_file(path, px, w, h, &err), API_OK, "%s", err.message);
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
			char sub[512];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static const char *default_tileset =
    "<set>\n"
    "  <tiles>\n"
    "    <tile name=\"a\"/>\n"
    "    <tile name=\"b\" symmetry=\"L\" weight=\"2.5\"/>\n"
    "    <tile name=\"c\" symmetry=\"I\" weight=\" 0.5 \"/>\n"
    "    <tile name=\"q\" symmetry=\"Q\"/>\n"
    "  </tiles>\n"
    "  <neighbors>\n"
    "    <neighbor left=\"a\" right=\"a\"/>\n"
    "    <neighbor left=\"a 1\" right=\"b 3\"/>\n"
    "    <neighbor left=\"  b   2 \" right=\"c\"/>\n"
    "    <neighbor left=\"c\" right=\"q 07\"/>\n"
    "    <neighbor left=\"b\" right=\"a\"/>\n"
    "  </neighbors>\n"
    "  <subsets>\n"
    "    <subset name=\"AB\"><tile name=\"a\"/><tile name=\"b\"/><tile name=\"a\"/></subset>\n"
    "    <subset name=\"Only C\"><tile name=\"c\" symmetry=\"I\"/></subset>\n"
    "    <subset name=\"AB\"><tile name=\"q\"/></subset>\n"
    "  </subsets>\n"
    "</set>\n";

static const char *default_samples =
    "<samples>\n"
    "  <overlapping name=\"S\" N=\"2\"/>\n"
    "  <simpletiled name=\"Knots\"/>\n"
    "  <group><overlapping name=\"Nested\"/></group>\n"
    "  <simpletiled name=\"Knots\" subset=\"AB\" size=\"7\" width=\"9\" seed=\"-5\"\n"
    "     periodic=\"TRUE\" heuristic=\"mrv\" blackBackground=\" true\" textOutput=\"False\"\n"
    "     limit=\"12\" screenshots=\"4\" N=\"ignored-for-tiled\"/>\n"
    "  <overlapping name=\"S\" size=\"5\" height=\"6\" N=\" +4 \" symmetry=\"2\" "
    "periodicInput=\"false\" ground=\"True\" seed=\"2147483647\" heuristic=\"Scanline\" "
    "subset=\"ignored\"/>\n"
    "  <simpletiled name=\"Knots\" subset=\"Only C\"/>\n"
    "</samples>\n";

static void fixture_make(fixture *f, const char *samples_xml, const char *tileset_xml)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/wfc-xml-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->samples, sizeof f->samples, "%s/samples.xml", f->dir);
	char path[256];
	const char *dirs[] = {"samples", "tilesets", "tilesets/Knots"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, dirs[i]);
		cr_assert_eq(mkdir(path, 0700), 0);
	}
	write_text(f, "samples.xml", samples_xml ? samples_xml : default_samples);
	write_text(f, "tilesets/Knots.xml", tileset_xml ? tileset_xml : default_tileset);
	write_png(f, "samples/S.png", 4, 4, 1);
	const char *tiles[] = {"a", "b", "c", "q"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "tilesets/Knots/%s.png", tiles[i]);
		write_png(f, path, 3, 3, (uint32_t)i + 2);
	}
}

/* Loads entry from a fixture with the given texts (NULL: defaults) and
 * expects failure; returns the code and leaves the message in err. */
static int load_fail(const char *samples_xml, const char *tileset_xml, int entry, api_error *err)
{
	fixture f;
	fixture_make(&f, samples_xml, tileset_xml);
	api_spec s;
	memset(&s, 0x5a, sizeof s);
	int rc = api_xml_load_entry(f.samples, entry, &s, err);
	cr_assert_neq(rc, API_OK, "entry %d loaded but should not have", entry);
	/* on failure the spec is left zeroed */
	cr_assert_null(s.name);
	cr_assert_null(s.tiles);
	cr_assert_null(s.sample.pixels);
	cr_assert_eq(s.tile_count, 0);
	rm_tree(f.dir);
	return rc;
}

#define ASSERT_MSG(err, text) cr_assert(strstr((err).message, (text)), "message: %s", (err).message)

/* One-entry samples.xml naming the fixture's tileset. */
static const char *one_tiled = "<samples><simpletiled name=\"Knots\"/></samples>";

Test(xml_fixture, counts_only_top_level_model_entries)
{
	fixture f;
	fixture_make(&f, NULL, NULL);
	int n;
	api_error err = {0};
	cr_assert_eq(api_xml_count_entries(f.samples, &n, &err), API_OK, "%s", err.message);
	cr_assert_eq(n, 5);
	rm_tree(f.dir);
}

Test(xml_fixture, tiled_defaults_and_tileset_parsing)
{
	fixture f;
	fixture_make(&f, NULL, NULL);
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(f.samples, 2, &s, &err), API_OK, "%s", err.message);
	cr_assert_eq(s.kind, WFC_MODEL_TILED);
	cr_assert_eq(s.width, 24);
	cr_assert_eq(s.height, 24);
	cr_assert_not(s.periodic);
	cr_assert_eq(s.screenshots, 2);
	cr_assert_eq(s.limit, -1);
	cr_assert_not(s.unique);
	cr_assert_eq(s.tile_size, 3);
	cr_assert_eq(s.tile_count, 4);
	cr_assert_str_eq(s.tiles[1].name, "b");
	cr_assert_eq(s.tiles[0].symmetry, 'X');
	cr_assert_float_eq(s.tiles[0].weight, 1.0, 1e-12);
	cr_assert_eq(s.tiles[1].symmetry, 'L');
	cr_assert_float_eq(s.tiles[1].weight, 2.5, 1e-12);
	cr_assert_float_eq(s.tiles[2].weight, 0.5, 1e-12);
	cr_assert_eq(s.tiles[3].symmetry, 'X', "unknown letter Q behaves like X");
	cr_assert_eq(s.tiles[1].image_count, 1);
	cr_assert_null(s.subset_name);
	cr_assert_eq(s.neighbor_count, 5);
	cr_assert_str_eq(s.neighbors[1].left, "a");
	cr_assert_eq(s.neighbors[1].left_orientation, 1);
	cr_assert_str_eq(s.neighbors[1].right, "b");
	cr_assert_eq(s.neighbors[1].right_orientation, 3);
	cr_assert_str_eq(s.neighbors[2].left, "b");
	cr_assert_eq(s.neighbors[2].left_orientation, 2);
	cr_assert_eq(s.neighbors[2].right_orientation, 0);
	cr_assert_eq(s.neighbors[3].right_orientation, 7);
	api_spec_free(&s);
	rm_tree(f.dir);
}

Test(xml_fixture, tiled_attributes_and_subset)
{
	fixture f;
	fixture_make(&f, NULL, NULL);
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(f.samples, 3, &s, &err), API_OK, "%s", err.message);
	cr_assert_eq(s.width, 9);  /* width beats size */
	cr_assert_eq(s.height, 7); /* size is the default */
	cr_assert(s.has_seed);
	cr_assert_eq(s.seed, -5);
	cr_assert(s.periodic, "booleans are case-insensitive");
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_ENTROPY, "heuristic names are exact");
	cr_assert(s.black_background);
	cr_assert_not(s.text_output);
	cr_assert_eq(s.limit, 12);
	cr_assert_eq(s.screenshots, 4);
	/* first subset named AB wins; the duplicate 'a' is listed once */
	cr_assert_str_eq(s.subset_name, "AB");
	cr_assert_eq(s.subset_count, 2);
	cr_assert_str_eq(s.subset[0], "a");
	cr_assert_str_eq(s.subset[1], "b");
	cr_assert_eq(s.tile_count, 2);
	cr_assert_str_eq(s.tiles[0].name, "a");
	cr_assert_str_eq(s.tiles[1].name, "b");
	/* rules 1, 2 and 5 are among a and b; 3 and 4 touch c or q */
	cr_assert_eq(s.neighbor_count, 3);
	cr_assert_str_eq(s.neighbors[2].left, "b");
	cr_assert_str_eq(s.neighbors[2].right, "a");
	api_spec_free(&s);

	cr_assert_eq(api_xml_load_entry(f.samples, 5, &s, &err), API_OK, "%s", err.message);
	cr_assert_str_eq(s.subset_name, "Only C");
	cr_assert_eq(s.tile_count, 1);
	cr_assert_eq(s.neighbor_count, 0);
	api_spec_free(&s);
	rm_tree(f.dir);
}

Test(xml_fixture, overlapping_attributes)
{
	fixture f;
	fixture_make(&f, NULL, NULL);
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(f.samples, 1, &s, &err), API_OK, "%s", err.message);
	cr_assert_str_eq(s.name, "S");
	cr_assert_eq(s.N, 2);
	cr_assert_eq(s.sample.width, 4);
	cr_assert_not(s.periodic);
	api_spec_free(&s);

	cr_assert_eq(api_xml_load_entry(f.samples, 4, &s, &err), API_OK, "%s", err.message);
	cr_assert_eq(s.width, 5);
	cr_assert_eq(s.height, 6);
	cr_assert_eq(s.N, 4);
	cr_assert_eq(s.symmetry, 2);
	cr_assert_not(s.periodic_input);
	cr_assert(s.ground);
	cr_assert(s.has_seed);
	cr_assert_eq(s.seed, 2147483647);
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_SCANLINE);
	cr_assert_null(s.subset_name);
	api_spec_free(&s);
	rm_tree(f.dir);
}

Test(xml_fixture, unique_tileset_loads_one_image_per_variant)
{
	const char *ts = "<set unique=\"True\"><tiles>"
	                 "<tile name=\"a\"/><tile name=\"b\" symmetry=\"L\"/>"
	                 "<tile name=\"d\" symmetry=\"\\\"/>"
	                 "</tiles><neighbors/></set>";
	fixture f;
	fixture_make(&f, one_tiled, ts);
	write_png(&f, "tilesets/Knots/a 0.png", 3, 3, 10);
	for (int t = 0; t < 4; t++) {
		char rel[64];
		snprintf(rel, sizeof rel, "tilesets/Knots/b %d.png", t);
		write_png(&f, rel, 3, 3, 20 + (uint32_t)t);
	}
	write_png(&f, "tilesets/Knots/d 0.png", 3, 3, 30);
	write_png(&f, "tilesets/Knots/d 1.png", 3, 3, 31);
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(f.samples, 1, &s, &err), API_OK, "%s", err.message);
	cr_assert(s.unique);
	cr_assert_eq(s.tiles[0].image_count, 1);
	cr_assert_eq(s.tiles[1].image_count, 4);
	cr_assert_eq(s.tiles[2].symmetry, '\\');
	cr_assert_eq(s.tiles[2].image_count, 2);
	cr_assert_neq(s.tiles[1].images[0].pixels[0], s.tiles[1].images[3].pixels[0]);
	api_spec_free(&s);

	/* a missing variant names its file */
	char path[256];
	snprintf(path, sizeof path, "%s/tilesets/Knots/b 2.png", f.dir);
	unlink(path);
	int rc = api_xml_load_entry(f.samples, 1, &s, &err);
	cr_assert_eq(rc, API_ERR_IO);
	ASSERT_MSG(err, "tilesets/Knots/b 2.png");
	ASSERT_MSG(err, "tile 'b'");
	rm_tree(f.dir);
}

Test(xml_fixture, load_tileset_from_memory)
{
	fixture f;
	fixture_make(&f, NULL, NULL);
	char tile_dir[256];
	snprintf(tile_dir, sizeof tile_dir, "%s/tilesets/Knots", f.dir);
	api_spec s;
	api_spec_init(&s, WFC_MODEL_TILED);
	api_error err = {0};
	int rc = api_xml_load_tileset(default_tileset, strlen(default_tileset), tile_dir, "Only C",
	                              &s, &err);
	cr_assert_eq(rc, API_OK, "%s", err.message);
	cr_assert_eq(s.tile_count, 1);
	cr_assert_str_eq(s.tiles[0].name, "c");
	cr_assert_eq(s.width, 24, "other fields are left alone");
	api_spec_free(&s);

	/* without a spec name, messages use the folder's name */
	api_spec_init(&s, WFC_MODEL_TILED);
	rc = api_xml_load_tileset(default_tileset, strlen(default_tileset), tile_dir, "Nope", &s,
	                          &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots' has no subset 'Nope'");
	cr_assert_null(s.tiles);
	cr_assert_null(s.subset_name);
	cr_assert_eq(s.tile_size, 0);
	api_spec_free(&s);
	rm_tree(f.dir);
}

/* ---------------------------------------------------------------- errors */

Test(xml_errors, malformed_samples_xml)
{
	api_error err = {0};
	int rc = load_fail("<samples>\n  <overlapping name=\"S\">\n</samples>\n", NULL, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "samples.xml");
	ASSERT_MSG(err, "line 3");
	ASSERT_MSG(err, "mismatched tag");

	rc = load_fail("<samples><overlapping name=\"S\" N=\"2\" N=\"3\"/></samples>", NULL, 1,
	               &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "duplicate attribute");

	rc = load_fail("", NULL, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "line 1");
}

Test(xml_errors, doctype_is_refused)
{
	api_error err = {0};
	int rc = load_fail("<!DOCTYPE samples [<!ENTITY x \"S\">]>\n"
	                   "<samples><overlapping name=\"&x;\"/></samples>",
	                   NULL, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "DOCTYPE");
}

Test(xml_errors, malformed_tileset_xml)
{
	api_error err = {0};
	int rc = load_fail(one_tiled, "<set>\n<tiles>\n<tile name=\"a\">\n</tiles></set>", 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots'");
	ASSERT_MSG(err, "line 4");
	ASSERT_MSG(err, "mismatched tag");
}

Test(xml_errors, rule_naming_unknown_tile)
{
	const char *ts = "<set><tiles><tile name=\"a\"/><tile name=\"b\"/></tiles><neighbors>"
	                 "<neighbor left=\"a\" right=\"a\"/><neighbor left=\"a\" right=\"b\"/>"
	                 "<neighbor left=\"b\" right=\"b\"/><neighbor left=\"b\" right=\"a\"/>"
	                 "<neighbor left=\"a 1\" right=\"a\"/><neighbor left=\"a\" right=\"b 1\"/>"
	                 "<neighbor left=\"a\" right=\"rod 1\"/>"
	                 "</neighbors></set>";
	api_error err = {0};
	int rc = load_fail(one_tiled, ts, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots': neighbor rule 7: tile 'rod' is not in the tileset");
	ASSERT_MSG(err, "entry 1");

	/* also when the rule would be dropped by the subset */
	const char *ts2 = "<set><tiles><tile name=\"a\"/><tile name=\"b\"/></tiles><neighbors>"
	                  "<neighbor left=\"ghost\" right=\"b\"/></neighbors>"
	                  "<subsets><subset name=\"A\"><tile name=\"a\"/></subset></subsets></set>";
	rc = load_fail("<samples><simpletiled name=\"Knots\" subset=\"A\"/></samples>", ts2, 1,
	               &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots': neighbor rule 1: tile 'ghost' is not in the tileset");
}

Test(xml_errors, unknown_subset)
{
	api_error err = {0};
	int rc = load_fail("<samples><simpletiled name=\"Knots\" subset=\"Foo\"/></samples>", NULL,
	                   1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots' has no subset 'Foo'");
	ASSERT_MSG(err, "'Only C'"); /* lists what exists */

	rc = load_fail("<samples><simpletiled name=\"Knots\" subset=\"Foo\"/></samples>",
	               "<set><tiles><tile name=\"a\"/></tiles></set>", 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "tileset 'Knots' has no subset 'Foo'");
}

Test(xml_errors, subset_naming_unknown_tile)
{
	const char *ts =
	    "<set><tiles><tile name=\"a\"/></tiles>"
	    "<subsets><subset name=\"S\"><tile name=\"a\"/><tile name=\"zz\"/></subset>"
	    "<subset name=\"E\"/></subsets></set>";
	api_error err = {0};
	int rc =
	    load_fail("<samples><simpletiled name=\"Knots\" subset=\"S\"/></samples>", ts, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "subset 'S' lists tile 'zz'");
	rc =
	    load_fail("<samples><simpletiled name=\"Knots\" subset=\"E\"/></samples>", ts, 1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "subset 'E' has no tiles");
}

Test(xml_errors, bad_integer_attributes)
{
	const struct {
		const char *xml, *needle;
	} cases[] = {
	    {"<samples><overlapping name=\"S\" N=\"abc\"/></samples>", "N='abc'"},
	    {"<samples><overlapping name=\"S\" N=\"3x\"/></samples>", "N='3x'"},
	    {"<samples><overlapping name=\"S\" N=\"\"/></samples>", "N=''"},
	    {"<samples><overlapping name=\"S\" N=\"3.0\"/></samples>", "N='3.0'"},
	    {"<samples><overlapping name=\"S\" size=\"99999999999\"/></samples>",
	     "size='99999999999'"},
	    {"<samples><overlapping name=\"S\" seed=\"2147483648\"/></samples>",
	     "seed='2147483648'"},
	    {"<samples><overlapping name=\"S\" width=\"0x10\"/></samples>", "width='0x10'"},
	    {"<samples><overlapping name=\"S\" symmetry=\"- 1\"/></samples>", "symmetry='- 1'"},
	    {"<samples><simpletiled name=\"Knots\" limit=\"many\"/></samples>", "limit='many'"},
	    {"<samples><simpletiled name=\"Knots\" screenshots=\"-1\"/></samples>",
	     "screenshots='-1'"},
	    {"<samples><simpletiled name=\"Knots\" height=\"1e3\"/></samples>", "height='1e3'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		api_error err = {0};
		int rc = load_fail(cases[i].xml, NULL, 1, &err);
		cr_assert_eq(rc, API_ERR_INPUT, "%s", cases[i].xml);
		ASSERT_MSG(err, cases[i].needle);
		ASSERT_MSG(err, "entry 1");
		ASSERT_MSG(err, "not an integer");
	}
}

Test(xml_errors, bad_boolean_attributes)
{
	api_error err = {0};
	int rc = load_fail("<samples><overlapping name=\"S\" periodic=\"yes\"/></samples>", NULL, 1,
	                   &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "periodic='yes'");
	rc = load_fail("<samples><simpletiled name=\"Knots\" textOutput=\"1\"/></samples>", NULL, 1,
	               &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "textOutput='1'");
	rc = load_fail(one_tiled, "<set unique=\"maybe\"><tiles><tile name=\"a\"/></tiles></set>",
	               1, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	ASSERT_MSG(err, "unique='maybe'");
}

Test(xml_errors, missing_sample_png_names_the_path)
{
	api_error err = {0};
	int rc = load_fail("<samples><overlapping name=\"Missing\"/></samples>", NULL, 1, &err);
	cr_assert_eq(rc, API_ERR_IO);
	ASSERT_MSG(err, "samples/Missing.png");
	ASSERT_MSG(err, strerror(ENOENT));

	rc = load_fail("<samples><simpletiled name=\"NoSet\"/></samples>", NULL, 1, &err);
	cr_assert_eq(rc, API_ERR_IO);
	ASSERT_MSG(err, "tilesets/NoSet.xml");

	const char *ts = "<set><tiles><tile name=\"a\"/><tile name=\"gone\"/></tiles></set>";
	rc = load_fail(one_tiled, ts, 1, &err);
	cr_assert_eq(rc, API_ERR_IO);
	ASSERT_MSG(err, "tilesets/Knots/gone.png");
}

Test(xml_errors, entry_out_of_range)
{
	const int bad[] = {0, -1, 6, 1000};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		api_error err = {0};
		int rc = load_fail(NULL, NULL, bad[i], &err);
		cr_assert_eq(rc, API_ERR_INPUT);
		ASSERT_MSG(err, "has 5 entries");
	}
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry("/nonexistent/samples.xml", 1, &s, &err), API_ERR_IO);
	ASSERT_MSG(err, "/nonexistent/samples.xml");
	int n = 7;
	cr_assert_eq(api_xml_count_entries("/nonexistent/samples.xml", &n, &err), API_ERR_IO);
	cr_assert_eq(n, 0);
}

Test(xml_errors, names_that_escape_the_directory)
{
	const char *names[] = {"../secret", "a/b", "..", ""};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char xml[256];
		snprintf(xml, sizeof xml, "<samples><overlapping name=\"%s\"/></samples>",
		         names[i]);
		api_error err = {0};
		cr_assert_eq(load_fail(xml, NULL, 1, &err), API_ERR_INPUT, "%s", names[i]);
		ASSERT_MSG(err, "not a usable file name");
	}
	api_error err = {0};
	cr_assert_eq(load_fail("<samples><overlapping/></samples>", NULL, 1, &err), API_ERR_INPUT);
	ASSERT_MSG(err, "name attribute is missing");

	const char *tiles[] = {"../a", "x/y", "two words", ""};
	for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++) {
		char ts[256];
		snprintf(ts, sizeof ts, "<set><tiles><tile name=\"%s\"/></tiles></set>", tiles[i]);
		cr_assert_eq(load_fail(one_tiled, ts, 1, &err), API_ERR_INPUT, "%s", tiles[i]);
		ASSERT_MSG(err, "is not usable");
	}
}

Test(xml_errors, bad_tile_attributes)
{
	const struct {
		const char *tile, *needle;
	} cases[] = {
	    {"<tile name=\"a\" weight=\"0\"/>", "weight '0'"},
	    {"<tile name=\"a\" weight=\"-1\"/>", "weight '-1'"},
	    {"<tile name=\"a\" weight=\"abc\"/>", "weight 'abc'"},
	    {"<tile name=\"a\" weight=\"nan\"/>", "weight 'nan'"},
	    {"<tile name=\"a\" weight=\"inf\"/>", "weight 'inf'"},
	    {"<tile name=\"a\" weight=\"1e999\"/>", "weight '1e999'"},
	    {"<tile name=\"a\" weight=\"\"/>", "weight ''"},
	    {"<tile name=\"a\" symmetry=\"LL\"/>", "symmetry 'LL'"},
	    {"<tile name=\"a\" symmetry=\"\"/>", "symmetry ''"},
	    {"<tile/>", "has no name"},
	    {"<tile name=\"a\"/><tile name=\"a\"/>", "tile 'a' is defined twice"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char ts[256];
		snprintf(ts, sizeof ts, "<set><tiles>%s</tiles></set>", cases[i].tile);
		api_error err = {0};
		cr_assert_eq(load_fail(one_tiled, ts, 1, &err), API_ERR_INPUT, "%s", cases[i].tile);
		ASSERT_MSG(err, cases[i].needle);
		ASSERT_MSG(err, "tileset 'Knots'");
	}
}

Test(xml_errors, bad_neighbor_rules)
{
	const struct {
		const char *rule, *needle;
	} cases[] = {
	    {"<neighbor left=\"a 8\" right=\"a\"/>", "left='a 8'"},
	    {"<neighbor left=\"a\" right=\"a -1\"/>", "right='a -1'"},
	    {"<neighbor left=\"a x\" right=\"a\"/>", "left='a x'"},
	    {"<neighbor left=\"a 1 2\" right=\"a\"/>", "left='a 1 2'"},
	    {"<neighbor left=\"a 10\" right=\"a\"/>", "left='a 10'"},
	    {"<neighbor left=\"a 99999999999\" right=\"a\"/>", "left='a 99999999999'"},
	    {"<neighbor left=\" \" right=\"a\"/>", "left=' '"},
	    {"<neighbor left=\"a\"/>", "has no right attribute"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char ts[256];
		snprintf(ts, sizeof ts,
		         "<set><tiles><tile name=\"a\"/></tiles><neighbors>"
		         "<neighbor left=\"a\" right=\"a\"/>%s</neighbors></set>",
		         cases[i].rule);
		api_error err = {0};
		cr_assert_eq(load_fail(one_tiled, ts, 1, &err), API_ERR_INPUT, "%s", cases[i].rule);
		ASSERT_MSG(err, cases[i].needle);
		ASSERT_MSG(err, "neighbor rule 2");
	}
}

Test(xml_errors, tile_images_must_be_square_and_equal)
{
	fixture f;
	fixture_make(&f, one_tiled, NULL);
	write_png(&f, "tilesets/Knots/c.png", 3, 4, 9);
	api_spec s;
	api_error err = {0};
	cr_assert_eq(api_xml_load_entry(f.samples, 1, &s, &err), API_ERR_INPUT);
	ASSERT_MSG(err, "tile 'c'");
	ASSERT_MSG(err, "square");
	write_png(&f, "tilesets/Knots/c.png", 5, 5, 9);
	cr_assert_eq(api_xml_load_entry(f.samples, 1, &s, &err), API_ERR_INPUT);
	ASSERT_MSG(err, "tile 'c'");
	ASSERT_MSG(err, "5x5");
	ASSERT_MSG(err, "3x3");
	write_text(&f, "tilesets/Knots/c.png", "not a png");
	cr_assert_eq(api_xml_load_entry(f.samples, 1, &s, &err), API_ERR_INPUT);
	ASSERT_MSG(err, "tilesets/Knots/c.png");
	ASSERT_MSG(err, "not a PNG");
	rm_tree(f.dir);
}
