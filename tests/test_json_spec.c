/*
 * test_json_spec.c - the JSON spec format (api/json_spec.c, json_tiles.c,
 * json_emit.c): round trips of hand-built specs and of every samples.xml
 * entry, the examples of docs/spec-format.md, and one test per validation
 * error checking the JSON pointer it reports.
 */
#include "../api/base64.h"
#include "../api/image.h"
#include "../api/json_spec.h"
#include "../api/xml.h"
#include "testutil.h"

#include <stdarg.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static void make_image(api_image *img, int w, int h, uint32_t salt)
{
	img->width = w;
	img->height = h;
	img->pixels = malloc((size_t)w * h * sizeof *img->pixels);
	cr_assert_not_null(img->pixels);
	for (int i = 0; i < w * h; i++) /* varied colours and alphas */
		img->pixels[i] = (uint32_t)(i * 2654435761u) ^ salt;
}

static void assert_image_eq(const api_image *a, const api_image *b, const char *what)
{
	cr_assert_eq(a->width, b->width, "%s: width", what);
	cr_assert_eq(a->height, b->height, "%s: height", what);
	cr_assert(!memcmp(a->pixels, b->pixels, (size_t)a->width * a->height * 4),
	          "%s: pixels differ", what);
}

static void assert_str_eq(const char *a, const char *b, const char *what)
{
	cr_assert((a == NULL) == (b == NULL), "%s: one is NULL", what);
	if (a) cr_assert_str_eq(a, b, "%s", what);
}

static void assert_spec_eq(const api_spec *a, const api_spec *b)
{
	cr_assert_eq(a->kind, b->kind);
	assert_str_eq(a->name, b->name, "name");
	cr_assert_eq(a->width, b->width);
	cr_assert_eq(a->height, b->height);
	cr_assert_eq(a->periodic, b->periodic);
	cr_assert_eq(a->heuristic, b->heuristic);
	cr_assert_eq(a->has_seed, b->has_seed);
	if (a->has_seed) cr_assert_eq(a->seed, b->seed);
	cr_assert_eq(a->screenshots, b->screenshots);
	cr_assert_eq(a->limit, b->limit);
	cr_assert_eq(a->attempts, b->attempts);
	if (a->kind == WFC_MODEL_OVERLAPPING) {
		assert_image_eq(&a->sample, &b->sample, "sample");
		cr_assert_eq(a->N, b->N);
		cr_assert_eq(a->periodic_input, b->periodic_input);
		cr_assert_eq(a->symmetry, b->symmetry);
		cr_assert_eq(a->ground, b->ground);
		return;
	}
	cr_assert_eq(a->tile_count, b->tile_count);
	cr_assert_eq(a->tile_size, b->tile_size);
	cr_assert_eq(a->unique, b->unique);
	for (int i = 0; i < a->tile_count; i++) {
		const api_tile *x = &a->tiles[i], *y = &b->tiles[i];
		assert_str_eq(x->name, y->name, "tile name");
		cr_assert_eq(x->symmetry, y->symmetry, "tile %s", x->name);
		cr_assert_eq(x->weight, y->weight, "tile %s weight", x->name);
		cr_assert_eq(x->image_count, y->image_count, "tile %s", x->name);
		for (int k = 0; k < x->image_count; k++)
			assert_image_eq(&x->images[k], &y->images[k], x->name);
	}
	cr_assert_eq(a->neighbor_count, b->neighbor_count);
	for (int i = 0; i < a->neighbor_count; i++) {
		const api_neighbor *x = &a->neighbors[i], *y = &b->neighbors[i];
		assert_str_eq(x->left, y->left, "rule left");
		assert_str_eq(x->right, y->right, "rule right");
		cr_assert_eq(x->left_orientation, y->left_orientation, "rule %d", i);
		cr_assert_eq(x->right_orientation, y->right_orientation, "rule %d", i);
	}
	assert_str_eq(a->subset_name, b->subset_name, "subset name");
	cr_assert_eq(a->subset_count, b->subset_count);
	for (int i = 0; i < a->subset_count; i++)
		assert_str_eq(a->subset[i], b->subset[i], "subset tile");
	cr_assert_eq(a->black_background, b->black_background);
	cr_assert_eq(a->text_output, b->text_output);
}

/* to_json, from_json, compare; then to_json again must give the same text. */
static void round_trip(const api_spec *s)
{
	api_error err = {0};
	char *json = api_spec_to_json(s, &err);
	cr_assert_not_null(json, "to_json: %s", err.message);
	api_spec back;
	int rc = api_spec_from_json(json, strlen(json), NULL, &back, &err);
	cr_assert_eq(rc, API_OK, "from_json: %s: %s", err.pointer, err.message);
	assert_spec_eq(s, &back);
	char *again = api_spec_to_json(&back, &err);
	cr_assert_not_null(again);
	cr_assert_str_eq(json, again, "emission is not canonical");
	free(again);
	free(json);
	api_spec_free(&back);
}

static char *dup_str(const char *s)
{
	char *d = strdup(s);
	cr_assert_not_null(d);
	return d;
}

/* Runs from_json on text and expects failure at pointer with a message
 * containing needle. */
static void expect_error_at(const char *json, const char *base_dir, const char *pointer,
                            const char *needle)
{
	api_spec s;
	api_error err = {0};
	int rc = api_spec_from_json(json, strlen(json), base_dir, &s, &err);
	cr_assert_neq(rc, API_OK, "accepted: %s", json);
	cr_assert_str_eq(err.pointer, pointer, "pointer for %s (message: %s)", json, err.message);
	cr_assert(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
	api_spec empty;
	memset(&empty, 0, sizeof empty);
	cr_assert(!memcmp(&s, &empty, sizeof s), "spec not zeroed after failure");
}

static void expect_error(const char *json, const char *pointer, const char *needle)
{
	expect_error_at(json, NULL, pointer, needle);
}

static void parse_ok(const char *json, const char *base_dir, api_spec *s)
{
	api_error err = {0};
	int rc = api_spec_from_json(json, strlen(json), base_dir, s, &err);
	cr_assert_eq(rc, API_OK, "%s: %s\nin %s", err.pointer, err.message, json);
}

/* A data URI of a w x h PNG (malloc'd). */
static char *png_uri(int w, int h, uint32_t salt)
{
	api_image img;
	make_image(&img, w, h, salt);
	unsigned char *png;
	size_t n;
	api_error err;
	cr_assert_eq(api_png_encode(img.pixels, w, h, &png, &n, &err), API_OK);
	char *b64 = api_base64_encode(png, n);
	char *uri = malloc(strlen(b64) + 32);
	sprintf(uri, "data:image/png;base64,%s", b64);
	free(b64);
	free(png);
	api_image_free(&img);
	return uri;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	cr_assert_geq(n, 0);
	char *s = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* A valid tiled document with colour tiles a (X), b (L), c (T); `extra` is
 * spliced in at the top level, `tiles_extra` into tile b, `rules` replaces
 * the rule list. */
static char *tiled_doc(const char *extra, const char *tiles_extra, const char *rules)
{
	return fmt(
	    "{\"model\": \"tiled\", %s \"tiles\": ["
	    "{\"name\": \"a\", \"color\": \"#102030\"},"
	    "{\"name\": \"b\", \"symmetry\": \"L\", \"color\": \"#ff0000\" %s},"
	    "{\"name\": \"c\", \"symmetry\": \"T\", \"weight\": 0.5, \"color\": \"#00ff0080\"}],"
	    "\"neighbors\": %s}",
	    extra, tiles_extra,
	    rules ? rules
	          : "[{\"left\": \"a\", \"right\": \"b 1\"}, {\"left\": \"c 3\", "
	            "\"right\": \"a\"}]");
}

static void expect_tiled_error(const char *extra, const char *tiles_extra, const char *rules,
                               const char *pointer, const char *needle)
{
	char *doc = tiled_doc(extra, tiles_extra, rules);
	expect_error(doc, pointer, needle);
	free(doc);
}

/* ------------------------------------------------------------ round trips */

Test(json_spec, round_trip_overlapping)
{
	api_spec s;
	api_spec_init(&s, WFC_MODEL_OVERLAPPING);
	s.name = dup_str("Hand made");
	make_image(&s.sample, 5, 4, 0x5a5a0000);
	s.N = 2;
	s.width = 17;
	s.height = 9;
	s.periodic = true;
	s.periodic_input = false;
	s.symmetry = 3;
	s.ground = true;
	s.heuristic = WFC_HEURISTIC_MRV;
	s.has_seed = true;
	s.seed = INT32_MIN;
	s.screenshots = 4;
	s.limit = 50;
	s.attempts = 7;
	round_trip(&s);
	s.has_seed = false;
	s.limit = -1;
	s.heuristic = WFC_HEURISTIC_ENTROPY;
	round_trip(&s);
	api_spec_free(&s);
}

static void add_tile(api_spec *s, const char *name, char sym, double w, int images, int size)
{
	api_tile *t = &s->tiles[s->tile_count++];
	t->name = dup_str(name);
	t->symmetry = sym;
	t->weight = w;
	t->image_count = images;
	t->images = calloc((size_t)images, sizeof *t->images);
	for (int k = 0; k < images; k++)
		make_image(&t->images[k], size, size, (uint32_t)(s->tile_count * 77 + k));
}

static void add_rule(api_spec *s, const char *l, int lo, const char *r, int ro)
{
	api_neighbor *n = &s->neighbors[s->neighbor_count++];
	n->left = dup_str(l);
	n->left_orientation = lo;
	n->right = dup_str(r);
	n->right_orientation = ro;
}

Test(json_spec, round_trip_tiled_with_subset)
{
	api_spec s;
	api_spec_init(&s, WFC_MODEL_TILED);
	s.name = dup_str("Knotty");
	s.tiles = calloc(4, sizeof *s.tiles);
	s.tile_size = 3;
	add_tile(&s, "a", 'X', 1.0, 1, 3);
	add_tile(&s, "b", 'L', 0.1, 1, 3);
	add_tile(&s, "c", 'T', 1e-3, 1, 3);
	add_tile(&s, "d", '\\', 12345.678901234567, 1, 3);
	s.neighbors = calloc(4, sizeof *s.neighbors);
	add_rule(&s, "a", 0, "b", 1);
	add_rule(&s, "b", 3, "c", 7);
	add_rule(&s, "d", 1, "d", 0);
	s.subset_name = dup_str("Two / with ~ odd chars");
	s.subset = calloc(2, sizeof *s.subset);
	s.subset[0] = dup_str("b");
	s.subset[1] = dup_str("a");
	s.subset_count = 2;
	s.width = 33;
	s.height = 2;
	s.heuristic = WFC_HEURISTIC_SCANLINE;
	s.black_background = true;
	s.text_output = true;
	s.has_seed = true;
	s.seed = 42;
	round_trip(&s);
	api_spec_free(&s);
}

Test(json_spec, round_trip_tiled_unique)
{
	api_spec s;
	api_spec_init(&s, WFC_MODEL_TILED);
	s.name = dup_str("Unique");
	s.unique = true;
	s.tile_size = 2;
	s.tiles = calloc(3, sizeof *s.tiles);
	add_tile(&s, "i", 'I', 2.0, 2, 2);
	add_tile(&s, "f", 'F', 0.5, 8, 2);
	add_tile(&s, "x", 'X', 1.0, 1, 2);
	s.neighbors = calloc(1, sizeof *s.neighbors);
	add_rule(&s, "f", 6, "i", 1);
	round_trip(&s);
	api_spec_free(&s);
}

Test(json_spec, round_trip_every_samples_xml_entry, .timeout = 300)
{
	REQUIRE_SHARED();
	char xml[4096];
	snprintf(xml, sizeof xml, "%s", test_shared_path("corpus/samples.xml"));
	int count = 0;
	api_error err = {0};
	cr_assert_eq(api_xml_count_entries(xml, &count, &err), API_OK, "%s", err.message);
	cr_assert_geq(count, 88);
	for (int i = 1; i <= count; i++) {
		api_spec s;
		cr_assert_eq(api_xml_load_entry(xml, i, &s, &err), API_OK, "entry %d: %s", i,
		             err.message);
		round_trip(&s);
		api_spec_free(&s);
	}
}

/* ------------------------------------------------------------ accepted forms */

Test(json_spec, defaults_match_the_reference)
{
	char *uri = png_uri(4, 4, 1);
	char *doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}", uri);
	api_spec s;
	parse_ok(doc, NULL, &s);
	cr_assert_str_eq(s.name, "untitled");
	cr_assert_eq(s.width, 48);
	cr_assert_eq(s.height, 48);
	cr_assert_eq(s.N, 3);
	cr_assert_eq(s.symmetry, 8);
	cr_assert(s.periodic_input);
	cr_assert(!s.periodic && !s.ground && !s.has_seed);
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_ENTROPY);
	cr_assert_eq(s.screenshots, 2);
	cr_assert_eq(s.limit, -1);
	cr_assert_eq(s.attempts, 10);
	api_spec_free(&s);
	free(doc);

	doc = tiled_doc("", "", NULL);
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.width, 24);
	cr_assert_eq(s.height, 24);
	cr_assert(!s.unique && !s.black_background && !s.text_output && !s.subset_name);
	cr_assert_eq(s.tiles[0].symmetry, 'X');
	cr_assert_eq(s.tiles[0].weight, 1.0);
	api_spec_free(&s);
	free(doc);
	free(uri);
}

Test(json_spec, colour_tiles_sizes_and_rule_forms)
{
	char *doc =
	    tiled_doc("\"tileSize\": 4, \"size\": 10, \"height\": 6, \"heuristic\": \"MRV\","
	              " \"seed\": null,",
	              "",
	              "[{\"left\": \"a\", \"leftOrientation\": 0, \"right\": \"b\", "
	              "\"rightOrientation\": 1}, {\"left\": \"c 3\", \"right\": \"a\"}]");
	api_spec s;
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.width, 10);
	cr_assert_eq(s.height, 6);
	cr_assert_eq(s.heuristic, WFC_HEURISTIC_MRV);
	cr_assert(!s.has_seed);
	cr_assert_eq(s.tile_size, 4);
	cr_assert_eq(s.tiles[0].images[0].width, 4);
	cr_assert_eq(s.tiles[0].images[0].pixels[15], 0xff102030u);
	cr_assert_eq(s.tiles[2].images[0].pixels[0], 0x8000ff00u); /* #rrggbbaa */
	cr_assert_eq(s.neighbors[0].right_orientation, 1);
	cr_assert_str_eq(s.neighbors[1].left, "c");
	cr_assert_eq(s.neighbors[1].left_orientation, 3);
	api_spec_free(&s);
	free(doc);

	/* Colour-only tilesets default to 1-pixel tiles; images set the size. */
	doc = tiled_doc("", "", NULL);
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.tile_size, 1);
	api_spec_free(&s);
	free(doc);
	char *uri = png_uri(5, 5, 9);
	char *extra =
	    fmt("\"tiles\": [{\"name\": \"p\", \"image\": \"%s\"}, {\"name\": \"q\", "
	        "\"color\": \"#ABCDEF\"}], \"neighbors\": [{\"left\": \"p\", \"right\": \"q\"}]",
	        uri);
	doc = fmt("{\"model\": \"tiled\", %s}", extra);
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.tile_size, 5);
	cr_assert_eq(s.tiles[1].images[0].width, 5);
	cr_assert_eq(s.tiles[1].images[0].pixels[24], 0xffabcdefu);
	api_spec_free(&s);
	free(doc);
	free(extra);
	free(uri);
}

Test(json_spec, subsets_resolve_and_other_subsets_are_checked)
{
	char *doc = tiled_doc("\"subset\": \"ab\", \"subsets\": {\"ab\": [\"b\", \"a\"], \"c\": "
	                      "[\"c\"]},",
	                      "", NULL);
	api_spec s;
	parse_ok(doc, NULL, &s);
	cr_assert_str_eq(s.subset_name, "ab");
	cr_assert_eq(s.subset_count, 2);
	cr_assert_str_eq(s.subset[0], "b");
	cr_assert_str_eq(s.subset[1], "a");
	cr_assert_eq(s.tile_count, 3, "tiles outside the subset are kept");
	api_spec_free(&s);
	free(doc);
	expect_tiled_error("\"subsets\": {\"ab\": [\"b\"], \"x/y\": [\"a\", \"zz\"]},", "", NULL,
	                   "/subsets/x~1y/1", "tile 'zz' is not in the tileset");
}

Test(json_spec, paths_resolve_against_base_dir)
{
	char dir[] = "/tmp/wfc-json-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[512];
	snprintf(path, sizeof path, "%s/s.png", dir);
	api_image img;
	make_image(&img, 6, 3, 0x11);
	api_error err;
	cr_assert_eq(api_png_write_file(path, img.pixels, 6, 3, &err), API_OK);
	api_spec s;
	const char *forms[] = {"{\"model\": \"overlapping\", \"sample\": \"s.png\"}",
	                       "{\"model\": \"overlapping\", \"sample\": {\"path\": \"s.png\"}}"};
	for (int i = 0; i < 2; i++) {
		parse_ok(forms[i], dir, &s);
		assert_image_eq(&img, &s.sample, "sample from a file");
		api_spec_free(&s);
		expect_error(forms[i], i ? "/sample/path" : "/sample",
		             "file paths are not accepted here; inline the image as base64 PNG");
	}
	expect_error_at("{\"model\": \"overlapping\", \"sample\": \"missing.png\"}", dir, "/sample",
	                "missing.png");
	/* An absolute path ignores base_dir. */
	char *doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}", path);
	parse_ok(doc, "/nonexistent", &s);
	api_spec_free(&s);
	free(doc);
	unlink(path);
	rmdir(dir);
	api_image_free(&img);
}

Test(json_spec, bare_base64_is_inline)
{
	char *uri = png_uri(3, 3, 5);
	char *doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}",
	                uri + strlen("data:image/png;base64,"));
	api_spec s;
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.sample.width, 3);
	api_spec_free(&s);
	free(doc);
	/* The data URI prefix is matched without regard to case. */
	memcpy(uri, "DATA:IMAGE/PNG;BASE64,", strlen("data:image/png;base64,"));
	doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}", uri);
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.sample.height, 3);
	api_spec_free(&s);
	free(doc);
	free(uri);
}

/* The complete examples of docs/spec-format.md parse and build a model. */
Test(json_spec, documentation_examples)
{
	FILE *f = fopen("docs/spec-format.md", "rb");
	if (!f) cr_skip_test("run from the repository root to check docs/spec-format.md");
	static char text[1 << 18];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	int examples = 0;
	for (char *p = strstr(text, "```json\n"); p; p = strstr(p, "```json\n")) {
		p += strlen("```json\n");
		char *end = strstr(p, "```");
		cr_assert_not_null(end);
		if (strstr(p, "\"model\"") && strstr(p, "\"model\"") < end) {
			api_spec s;
			api_error err = {0};
			int rc = api_spec_from_json(p, (size_t)(end - p), NULL, &s, &err);
			cr_assert_eq(rc, API_OK, "example %d: %s: %s", examples + 1, err.pointer,
			             err.message);
			wfc_model *m = NULL;
			cr_assert_eq(api_spec_build_model(&s, &m, &err), API_OK, "example %d: %s",
			             examples + 1, err.message);
			wfc_model_destroy(m);
			api_spec_free(&s);
			examples++;
		}
		p = end + 3;
	}
	cr_assert_geq(examples, 3);
}

/* ------------------------------------------------------------ errors */

Test(json_spec, malformed_json_says_where)
{
	expect_error("{\"model\": \"tiled\",\n  \"width\": 4,,\n}", "", "line 2");
	expect_error("{\"model\": \"tiled\",\n  \"width\": 4,,\n}", "", "byte offset");
	expect_error("{\"model\": \"tiled\", \"width\": ", "", "malformed JSON");
	expect_error("{\"model\": \"tiled\"} trailing", "", "after the JSON document");
	expect_error("   \n", "", "empty");
	expect_error("[1, 2]", "", "must be a JSON object");
	expect_error("{\"model\": \"tiled\", \"name\": \"unterminated}", "", "malformed JSON");
}

Test(json_spec, document_size_limit)
{
	api_spec s;
	api_error err;
	/* The length is checked before anything is read. */
	int rc = api_spec_from_json("{}", (size_t)API_JSON_MAX_BYTES + 1, NULL, &s, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	cr_assert(strstr(err.message, "over the limit"));
}

Test(json_spec, top_level_fields)
{
	expect_error("{}", "/model", "missing required field 'model'");
	expect_error("{\"model\": \"hexagonal\"}", "/model", "unknown model 'hexagonal'");
	expect_error("{\"model\": 1}", "/model", "must be a string");
	expect_tiled_error("\"widht\": 5,", "", NULL, "/widht", "did you mean 'width'");
	expect_tiled_error("\"colour\": 5,", "", NULL, "/colour", "unknown field 'colour'");
	expect_tiled_error("\"width\": 5, \"width\": 6,", "", NULL, "/width", "given twice");
	expect_tiled_error("\"N\": 3,", "", NULL, "/N", "applies to the overlapping model only");
	expect_error("{\"model\": \"overlapping\", \"tiles\": []}", "/tiles",
	             "applies to the tiled model only");
	expect_error("{\"model\": \"overlapping\"}", "/sample", "missing required field 'sample'");
	expect_tiled_error("\"name\": \"../etc\",", "", NULL, "/name", "may not start with '.'");
	expect_tiled_error("\"name\": \"a/b\",", "", NULL, "/name", "may not contain '/'");
	expect_tiled_error("\"name\": \"\",", "", NULL, "/name", "1 to");
}

Test(json_spec, wrong_types_and_ranges)
{
	static const struct {
		const char *extra, *pointer, *needle;
	} cases[] = {
	    {"\"width\": \"48\",", "/width", "must be an integer"},
	    {"\"width\": 0,", "/width", "from 1 to 4096, got 0"},
	    {"\"height\": 4097,", "/height", "from 1 to 4096"},
	    {"\"size\": 2.5,", "/size", "must be an integer, got 2.5"},
	    {"\"width\": 4096, \"height\": 4096,", "/width", "over the limit"},
	    {"\"periodic\": \"true\",", "/periodic", "must be true or false"},
	    {"\"periodic\": 1,", "/periodic", "must be true or false"},
	    {"\"heuristic\": \"minentropy\",", "/heuristic", "unknown heuristic"},
	    {"\"seed\": 2147483648,", "/seed", "from -2147483648 to 2147483647"},
	    {"\"seed\": -2147483649,", "/seed", "from -2147483648"},
	    {"\"seed\": 1.5,", "/seed", "must be an integer"},
	    {"\"seed\": \"7\",", "/seed", "must be an integer"},
	    {"\"screenshots\": -1,", "/screenshots", "from 0 to 1000"},
	    {"\"screenshots\": 1001,", "/screenshots", "from 0 to 1000"},
	    {"\"attempts\": 0,", "/attempts", "from 1 to 1000"},
	    {"\"attempts\": 1e9,", "/attempts", "from 1 to 1000, got 1000000000"},
	    {"\"attempts\": 1e300,", "/attempts", "got 1e+300"},
	    {"\"limit\": -2,", "/limit", "from -1"},
	    {"\"unique\": null,", "/unique", "must be true or false"},
	    {"\"tileSize\": 257,", "/tileSize", "from 1 to 256"},
	    {"\"textOutput\": \"True\",", "/textOutput", "must be true or false"},
	    {"\"blackBackground\": 0,", "/blackBackground", "must be true or false"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_tiled_error(cases[i].extra, "", NULL, cases[i].pointer, cases[i].needle);

	char *uri = png_uri(4, 4, 3);
	static const struct {
		const char *extra, *pointer, *needle;
	} ovl[] = {
	    {"\"N\": 0", "/N", "from 1 to 8"},
	    {"\"N\": 9", "/N", "from 1 to 8"},
	    {"\"symmetry\": 0", "/symmetry", "from 1 to 8"},
	    {"\"symmetry\": 9", "/symmetry", "from 1 to 8"},
	    {"\"symmetry\": \"X\"", "/symmetry", "must be an integer"},
	    {"\"ground\": \"no\"", "/ground", "must be true or false"},
	    {"\"periodicInput\": false, \"N\": 5", "/N", "does not fit the 4x4 sample"},
	};
	for (size_t i = 0; i < sizeof ovl / sizeof ovl[0]; i++) {
		char *doc =
		    fmt("{\"model\": \"overlapping\", %s, \"sample\": \"%s\"}", ovl[i].extra, uri);
		expect_error(doc, ovl[i].pointer, ovl[i].needle);
		free(doc);
	}
	free(uri);
}

Test(json_spec, tile_errors)
{
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"color\": \"#000000\"},"
	             "{\"name\": \"b\", \"color\": \"#000000\"}, {\"name\": \"c\", \"symmetry\": "
	             "\"\\\\\", \"color\": \"#000000\"}, {\"name\": \"d\", \"symmetry\": \"Q\", "
	             "\"color\": \"#000000\"}], \"neighbors\": []}",
	             "/tiles/3/symmetry",
	             "unknown symmetry class 'Q' (expected X, T, I, L, \\, F)");
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"symmetry\": \"LL\", "
	             "\"color\": \"#000000\"}], \"neighbors\": []}",
	             "/tiles/0/symmetry", "unknown symmetry class 'LL'");
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"symmetry\": \"x\", "
	             "\"color\": \"#000000\"}], \"neighbors\": []}",
	             "/tiles/0/symmetry", "unknown symmetry class 'x'");
	expect_tiled_error("", ", \"weight\": 0", NULL, "/tiles/1/weight", "finite number > 0");
	expect_tiled_error("", ", \"weight\": -1", NULL, "/tiles/1/weight", "finite number > 0");
	expect_tiled_error("", ", \"weight\": 1e999", NULL, "/tiles/1/weight", "finite");
	expect_tiled_error("", ", \"weight\": \"1\"", NULL, "/tiles/1/weight", "must be a number");
	expect_tiled_error("", ", \"wieght\": 2", NULL, "/tiles/1/wieght", "did you mean 'weight'");
	expect_tiled_error("", ", \"image\": \"x.png\"", NULL, "/tiles/1/color",
	                   "only one of 'image', 'images' and 'color'");
	expect_tiled_error("", ", \"images\": []", NULL, "/tiles/1/color", "only one of");
	expect_tiled_error("", ", \"color\": \"#12345\"", NULL, "/tiles/1/color", "given twice");
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"color\": \"red\"}], "
	             "\"neighbors\": []}",
	             "/tiles/0/color", "\"#rrggbb\"");
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\"}], \"neighbors\": []}",
	             "/tiles/0", "tile 'a' needs 'image' or 'color'");
	expect_error(
	    "{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a b\", \"color\": \"#000000\"}],"
	    " \"neighbors\": []}",
	    "/tiles/0/name", "may not contain spaces");
	expect_error(
	    "{\"model\": \"tiled\", \"tiles\": [{\"color\": \"#000000\"}], \"neighbors\": []}",
	    "/tiles/0/name", "missing required field 'name'");
	expect_error("{\"model\": \"tiled\", \"tiles\": [], \"neighbors\": []}", "/tiles",
	             "1 to 1024 tiles");
	expect_error("{\"model\": \"tiled\", \"tiles\": {}, \"neighbors\": []}", "/tiles",
	             "must be an array");
	expect_error("{\"model\": \"tiled\", \"tiles\": [\"a\"], \"neighbors\": []}", "/tiles/0",
	             "must be an object");
	expect_error("{\"model\": \"tiled\", \"neighbors\": []}", "/tiles",
	             "missing required field 'tiles'");
	expect_error("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"color\": \"#000000\"},"
	             "{\"name\": \"b\", \"color\": \"#000000\"}, {\"name\": \"a\", \"color\": "
	             "\"#000000\"}], \"neighbors\": []}",
	             "/tiles/2/name", "duplicate tile name 'a' (first defined at /tiles/0)");
}

Test(json_spec, unique_tileset_images)
{
	char *u = png_uri(2, 2, 1);
	char *doc = fmt("{\"model\": \"tiled\", \"unique\": true, \"tiles\": [{\"name\": \"a\", "
	                "\"symmetry\": \"I\", \"images\": [\"%s\", \"%s\"]}], \"neighbors\": []}",
	                u, u);
	api_spec s;
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.tiles[0].image_count, 2);
	api_spec_free(&s);
	free(doc);
	doc = fmt("{\"model\": \"tiled\", \"unique\": true, \"tiles\": [{\"name\": \"a\", "
	          "\"symmetry\": \"L\", \"images\": [\"%s\", \"%s\"]}], \"neighbors\": []}",
	          u, u);
	expect_error(doc, "/tiles/0/images", "array of 4 images");
	free(doc);
	doc = fmt("{\"model\": \"tiled\", \"unique\": true, \"tiles\": [{\"name\": \"a\", "
	          "\"image\": \"%s\"}], \"neighbors\": []}",
	          u);
	expect_error(doc, "/tiles/0/image", "the tileset is unique: give 'images'");
	free(doc);
	doc = fmt("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"images\": [\"%s\"]}], "
	          "\"neighbors\": []}",
	          u);
	expect_error(doc, "/tiles/0/images", "needs \"unique\": true");
	free(doc);
	/* A colour tile of a unique tileset gets one block per orientation. */
	doc = fmt("{\"model\": \"tiled\", \"unique\": true, \"tiles\": [{\"name\": \"a\", "
	          "\"symmetry\": \"F\", \"color\": \"#010203\"}], \"neighbors\": []}");
	parse_ok(doc, NULL, &s);
	cr_assert_eq(s.tiles[0].image_count, 8);
	api_spec_free(&s);
	free(doc);
	free(u);
}

Test(json_spec, tile_image_sizes)
{
	char *a = png_uri(4, 4, 1), *b = png_uri(5, 5, 2), *c = png_uri(4, 3, 3);
	char *doc = fmt("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"image\": \"%s\"}, "
	                "{\"name\": \"b\", \"image\": \"%s\"}], \"neighbors\": []}",
	                a, b);
	expect_error(doc, "/tiles/1/image",
	             "is 5x5, but the tiles are 4x4 (set by /tiles/0/image)");
	free(doc);
	doc = fmt("{\"model\": \"tiled\", \"tileSize\": 5, \"tiles\": [{\"name\": \"a\", "
	          "\"image\": \"%s\"}], \"neighbors\": []}",
	          a);
	expect_error(doc, "/tiles/0/image", "(set by /tileSize)");
	free(doc);
	doc = fmt("{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"image\": \"%s\"}], "
	          "\"neighbors\": []}",
	          c);
	expect_error(doc, "/tiles/0/image", "must be square");
	free(doc);
	free(a);
	free(b);
	free(c);
}

Test(json_spec, neighbor_errors)
{
	expect_tiled_error("", "",
	                   "[{\"left\": \"a\", \"right\": \"b\"}, {\"left\": \"rod\", "
	                   "\"right\": \"a\"}]",
	                   "/neighbors/1/left", "tile 'rod' is not in the tileset");
	expect_tiled_error("", "", "[{\"left\": \"a\", \"right\": \"rod 2\"}]",
	                   "/neighbors/0/right", "tile 'rod' is not in the tileset");
	expect_tiled_error("", "", "[{\"left\": \"a 8\", \"right\": \"b\"}]", "/neighbors/0/left",
	                   "orientation 8 is out of range 0..7");
	expect_tiled_error("", "", "[{\"left\": \"a x\", \"right\": \"b\"}]", "/neighbors/0/left",
	                   "is not \"<tile>\" or \"<tile> <orientation 0..7>\"");
	expect_tiled_error("", "", "[{\"left\": \"a 12\", \"right\": \"b\"}]", "/neighbors/0/left",
	                   "is not");
	expect_tiled_error("", "", "[{\"left\": \"a\", \"leftOrientation\": 9, \"right\": \"b\"}]",
	                   "/neighbors/0/leftOrientation", "from 0 to 7");
	expect_tiled_error("", "",
	                   "[{\"left\": \"a 1\", \"leftOrientation\": 1, \"right\": \"b\"}]",
	                   "/neighbors/0/leftOrientation", "give it in one place");
	expect_tiled_error("", "", "[{\"left\": \"a\"}]", "/neighbors/0/right",
	                   "missing required field 'right'");
	expect_tiled_error("", "", "[{\"left\": \"a\", \"rigth\": \"b\"}]", "/neighbors/0/rigth",
	                   "did you mean 'right'");
	expect_tiled_error("", "", "[[\"a\", \"b\"]]", "/neighbors/0", "must be an object");
	expect_tiled_error("", "", "{}", "/neighbors", "must be an array");
	expect_error(
	    "{\"model\": \"tiled\", \"tiles\": [{\"name\": \"a\", \"color\": \"#000000\"}]}",
	    "/neighbors", "missing required field 'neighbors'");
}

Test(json_spec, subset_errors)
{
	expect_tiled_error("\"subset\": \"S\",", "", NULL, "/subset",
	                   "unknown subset 'S': the spec has no 'subsets'");
	expect_tiled_error("\"subset\": \"S\", \"subsets\": {\"T\": [\"a\"]},", "", NULL, "/subset",
	                   "unknown subset 'S'");
	expect_tiled_error("\"subsets\": {\"T\": []},", "", NULL, "/subsets/T", "non-empty array");
	expect_tiled_error("\"subsets\": {\"T\": [\"a\", \"a\"]},", "", NULL, "/subsets/T/1",
	                   "listed twice");
	expect_tiled_error("\"subsets\": {\"T\": [1]},", "", NULL, "/subsets/T/0", "tile names");
	expect_tiled_error("\"subsets\": {\"T\": [\"a\"], \"T\": [\"b\"]},", "", NULL, "/subsets/T",
	                   "given twice");
	expect_tiled_error("\"subsets\": [],", "", NULL, "/subsets", "must be an object");
	expect_tiled_error("\"subset\": 3,", "", NULL, "/subset", "must be a string");
}

Test(json_spec, image_errors)
{
	expect_error(
	    "{\"model\": \"overlapping\", \"sample\": \"data:image/png;base64,iVBORw0K!!\"}",
	    "/sample", "not valid base64");
	expect_error("{\"model\": \"overlapping\", \"sample\": \"data:image/jpeg;base64,AAAA\"}",
	             "/sample", "only data:image/png;base64");
	expect_error("{\"model\": \"overlapping\", \"sample\": 5}", "/sample",
	             "must be a base64 PNG string");
	expect_error("{\"model\": \"overlapping\", \"sample\": {\"file\": \"a.png\"}}",
	             "/sample/file", "unknown field 'file'");
	/* Truncated PNG: valid base64 of the first half of a real PNG. */
	char *uri = png_uri(8, 8, 7);
	size_t prefix = strlen("data:image/png;base64,");
	size_t keep = prefix + (strlen(uri) - prefix) / 2 / 4 * 4;
	uri[keep] = '\0';
	char *doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}", uri);
	api_spec s;
	api_error err = {0};
	cr_assert_neq(api_spec_from_json(doc, strlen(doc), NULL, &s, &err), API_OK);
	cr_assert_str_eq(err.pointer, "/sample");
	cr_assert(err.message[0]);
	free(doc);
	/* Not a PNG at all. */
	expect_error("{\"model\": \"overlapping\", \"sample\": \"data:image/png;base64,AAAAAAAA\"}",
	             "/sample", "");
	/* Truncated base64 (a character short of a quantum). */
	free(uri);
	uri = png_uri(8, 8, 7);
	uri[strlen(uri) - 1] = '\0';
	uri[strlen(uri) - 1] = '\0';
	uri[strlen(uri) - 1] = '\0';
	doc = fmt("{\"model\": \"overlapping\", \"sample\": \"%s\"}", uri);
	cr_assert_neq(api_spec_from_json(doc, strlen(doc), NULL, &s, &err), API_OK);
	cr_assert_str_eq(err.pointer, "/sample");
	free(doc);
	free(uri);
}
