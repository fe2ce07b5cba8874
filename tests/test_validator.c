/*
 * test_validator.c - the independent WFC output checker must be able to
 * say no. Tiny hand-made samples and tilesets whose allowed and forbidden
 * pieces were worked out on paper, then the reference's golden text grids
 * (entries 86-88), which must pass, and one-cell mutations of them.
 */
#include "testutil.h"
#include "validator/validator.h"

#define A 0xff000000u /* opaque black */
#define B 0xffffffffu /* opaque white */

/* Builds an image from rows of 'A'/'B' characters (static storage). */
static const uint32_t *img(int w, int h, const char *rows)
{
	static uint32_t px[4][64];
	static int next;
	uint32_t *p = px[next++ & 3];
	cr_assert_leq(w * h, 64);
	cr_assert_eq((int)strlen(rows), w * h);
	for (int i = 0; i < w * h; i++)
		p[i] = rows[i] == 'A' ? A : B;
	return p;
}

/* ---------------------------------------------------------------- overlapping */

/* Vertical stripes: the only 2x2 blocks are "AB/AB" and "BA/BA". */
#define STRIPES                                                                                    \
	"ABAB"                                                                                     \
	"ABAB"                                                                                     \
	"ABAB"                                                                                     \
	"ABAB"

Test(validator, overlapping_accepts_the_sample_itself)
{
	char why[256] = "";
	const uint32_t *s = img(4, 4, STRIPES);
	cr_assert(vld_check_overlapping(s, 4, 4, 2, true, 1, s, 4, 4, true, why, sizeof why), "%s",
	          why);
	cr_assert(vld_check_overlapping(s, 4, 4, 3, true, 8, s, 4, 4, false, why, sizeof why), "%s",
	          why);
}

Test(validator, overlapping_names_the_first_bad_window)
{
	char why[256] = "";
	const uint32_t *s = img(4, 4, STRIPES);
	/* pixel (2, 1) flipped: windows (1,0) (2,0) (1,1) (2,1) contain it;
	 * the raster scan meets (1, 0) first. */
	const uint32_t *o = img(4, 4,
	                        "ABAB"
	                        "ABBB"
	                        "ABAB"
	                        "ABAB");
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 8, o, 4, 4, false, why, sizeof why));
	cr_assert(strstr(why, "(1, 0)"), "why: %s", why);
	/* Flip (3, 3) instead: only the window at (2, 2) sees it when the
	 * output does not wrap. */
	o = img(4, 4,
	        "ABAB"
	        "ABAB"
	        "ABAB"
	        "ABAA");
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 8, o, 4, 4, false, why, sizeof why));
	cr_assert(strstr(why, "(2, 2)"), "why: %s", why);
}

Test(validator, overlapping_periodic_output_checks_wrapping_windows)
{
	char why[256] = "";
	const uint32_t *s = img(4, 4, STRIPES);
	/* Width 3: "ABA" is fine inside, but wrapping joins A to A. */
	const uint32_t *o = img(3, 2,
	                        "ABA"
	                        "ABA");
	cr_assert(vld_check_overlapping(s, 4, 4, 2, true, 1, o, 3, 2, false, why, sizeof why), "%s",
	          why);
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 1, o, 3, 2, true, why, sizeof why));
	cr_assert(strstr(why, "(2, 0)"), "why: %s", why);
	/* Width 4 wraps cleanly. */
	cr_assert(vld_check_overlapping(s, 4, 4, 2, true, 1, s, 4, 4, true, why, sizeof why), "%s",
	          why);
}

Test(validator, overlapping_periodic_input_adds_wrapped_blocks)
{
	char why[256] = "";
	/* "ABA" rows: inside, only AB and BA; wrapped, also A|A. */
	const uint32_t *s = img(3, 2,
	                        "ABA"
	                        "ABA");
	const uint32_t *o = img(3, 2,
	                        "AAB"
	                        "AAB");
	cr_assert_not(vld_check_overlapping(s, 3, 2, 2, false, 1, o, 3, 2, false, why, sizeof why));
	cr_assert(strstr(why, "(0, 0)"), "why: %s", why);
	cr_assert(vld_check_overlapping(s, 3, 2, 2, true, 1, o, 3, 2, false, why, sizeof why), "%s",
	          why);
}

Test(validator, overlapping_symmetry_changes_the_verdict)
{
	char why[256] = "";
	const uint32_t *s = img(4, 4, STRIPES);
	const uint32_t *o = img(4, 4,
	                        "AAAA"
	                        "BBBB"
	                        "AAAA"
	                        "BBBB");
	/* Mirroring vertical stripes keeps them vertical; the quarter turn
	 * (variant 2) is what makes horizontal ones. */
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 1, o, 4, 4, true, why, sizeof why));
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 2, o, 4, 4, true, why, sizeof why));
	cr_assert(vld_check_overlapping(s, 4, 4, 2, true, 3, o, 4, 4, true, why, sizeof why), "%s",
	          why);
	cr_assert(vld_check_overlapping(s, 4, 4, 2, true, 8, o, 4, 4, true, why, sizeof why), "%s",
	          why);
}

Test(validator, overlapping_variant_order_and_turn_direction)
{
	char why[256] = "";
	/* One block, B in the bottom-right corner. Spec 8.2: v1 mirrors it
	 * (B bottom-left), v2 turns it counter-clockwise as displayed (B
	 * top-right), v3 mirrors v2 (B top-left). A clockwise turn would put
	 * v2's B bottom-left and fail the second assertion. */
	const uint32_t *s = img(2, 2,
	                        "AA"
	                        "AB");
	const uint32_t *bl = img(2, 2,
	                         "AA"
	                         "BA");
	const uint32_t *tr = img(2, 2,
	                         "AB"
	                         "AA");
	const uint32_t *tl = img(2, 2,
	                         "BA"
	                         "AA");
	cr_assert(vld_check_overlapping(s, 2, 2, 2, false, 1, s, 2, 2, false, why, sizeof why));
	cr_assert_not(
	    vld_check_overlapping(s, 2, 2, 2, false, 1, bl, 2, 2, false, why, sizeof why));
	cr_assert(vld_check_overlapping(s, 2, 2, 2, false, 2, bl, 2, 2, false, why, sizeof why));
	cr_assert_not(
	    vld_check_overlapping(s, 2, 2, 2, false, 2, tr, 2, 2, false, why, sizeof why));
	cr_assert(vld_check_overlapping(s, 2, 2, 2, false, 3, tr, 2, 2, false, why, sizeof why));
	cr_assert_not(
	    vld_check_overlapping(s, 2, 2, 2, false, 3, tl, 2, 2, false, why, sizeof why));
	cr_assert(vld_check_overlapping(s, 2, 2, 2, false, 4, tl, 2, 2, false, why, sizeof why));
}

Test(validator, overlapping_compares_alpha_and_rejects_bad_arguments)
{
	char why[256] = "";
	const uint32_t *s = img(4, 4, STRIPES);
	uint32_t o[16];
	memcpy(o, s, sizeof o);
	o[5] = 0x7fffffffu; /* white, half transparent */
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 8, o, 4, 4, true, why, sizeof why));
	cr_assert_not(vld_check_overlapping(s, 4, 4, 0, true, 8, s, 4, 4, true, why, sizeof why));
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 9, s, 4, 4, true, why, sizeof why));
	cr_assert(strstr(why, "symmetry"), "why: %s", why);
	cr_assert_not(vld_check_overlapping(s, 4, 4, 5, false, 1, s, 4, 4, true, why, sizeof why));
	cr_assert_not(vld_check_overlapping(s, 4, 4, 2, true, 1, s, 1, 1, false, why, sizeof why));
}

/* ---------------------------------------------------------------- tiled */

/* Spec 9.2, typed in by hand: rotation a and reflection b per class. */
static const struct {
	char sym;
	int card;
	int a[8], b[8];
} classes[] = {
    {'X', 1, {0}, {0}},
    {'I', 2, {1, 0}, {0, 1}},
    {'\\', 2, {1, 0}, {1, 0}},
    {'T', 4, {1, 2, 3, 0}, {0, 3, 2, 1}},
    {'L', 4, {1, 2, 3, 0}, {1, 0, 3, 2}},
    {'F', 8, {1, 2, 3, 0, 7, 4, 5, 6}, {4, 5, 6, 7, 0, 1, 2, 3}},
};

Test(validator, class_pictures_match_the_spec_table)
{
	for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
		char s = classes[c].sym;
		cr_assert_eq(vld_class_size(s), classes[c].card, "class %c", s);
		for (int t = 0; t < classes[c].card; t++) {
			cr_assert_eq(vld_class_transform(s, t, 1), classes[c].a[t], "%c a(%d)", s,
			             t);
			cr_assert_eq(vld_class_transform(s, t, 4), classes[c].b[t], "%c b(%d)", s,
			             t);
		}
		cr_assert_eq(vld_class_transform(s, classes[c].card, 0), -1);
	}
	/* Unknown letters behave like X (spec 9.1). */
	cr_assert_eq(vld_class_size('Q'), 1);
}

/* A corner (L, elbow joining top and right in variant 0) and an empty
 * tile. Variants turn counter-clockwise: corner 1 joins left+top,
 * corner 2 bottom+left, corner 3 right+bottom. */
static const vld_tile ce_tiles[] = {{"corner", 'L'}, {"empty", 'X'}};
static const vld_rule ce_rules[] = {
    {"corner 1", "empty"},  /* no line crosses */
    {"corner", "corner 1"}, /* a line crosses the shared edge */
    {"empty", "empty 0"},
};
static const vld_tileset ce_set = {ce_tiles, 2, ce_rules, 3, NULL, 0, NULL};

static const char *const ce_names[] = {"corner 0", "corner 1", "corner 2", "corner 3", "empty 0"};

Test(validator, tiled_pairs_enumerated_by_hand)
{
	/* Worked out on paper from the connections: a pair is allowed when a
	 * line crosses the shared edge from both sides or from neither, and
	 * only the rules' pictures turned/mirrored as a whole. */
	static const char *const horiz[] = {
	    "corner 1|empty 0",  "corner 2|empty 0",  "empty 0|corner 3", "empty 0|corner 0",
	    "corner 0|corner 1", "corner 3|corner 2", "empty 0|empty 0",
	};
	/* below|above */
	static const char *const vert[] = {
	    "corner 2|empty 0",  "corner 3|empty 0",  "empty 0|corner 0", "empty 0|corner 1",
	    "corner 1|corner 2", "corner 0|corner 3", "empty 0|empty 0",
	};
	char why[256] = "";
	vld_pairs *p = vld_pairs_build(&ce_set, why, sizeof why);
	cr_assert(p, "%s", why);
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < 5; j++) {
				char key[64];
				snprintf(key, sizeof key, "%s|%s", ce_names[i], ce_names[j]);
				const char *const *list = v ? vert : horiz;
				int expect = 0;
				for (int k = 0; k < 7; k++)
					expect |= strcmp(list[k], key) == 0;
				cr_assert_eq(vld_pairs_allowed(p, ce_names[i], ce_names[j], v),
				             expect, "%s %s", v ? "vertical" : "horizontal", key);
			}
	cr_assert_eq(vld_pairs_allowed(p, "corner 4", "empty 0", false), -1);
	cr_assert_eq(vld_pairs_allowed(p, "nothing 0", "empty 0", false), -1);
	vld_pairs_free(p);
}

Test(validator, tiled_grids_accepted_and_rejected)
{
	char why[256] = "";
	/* A closed loop: right+bottom, bottom+left / top+right, left+top. */
	const char *loop[] = {"corner 3", "corner 2", "corner 0", "corner 1"};
	cr_assert(vld_check_tiled(&ce_set, loop, 2, 2, false, why, sizeof why), "%s", why);
	/* Wrapping puts the loop's outer sides together: corner 2 | corner 3
	 * has no line on either side but no rule allows two corners back to
	 * back, so the checker must refuse it. */
	cr_assert_not(vld_check_tiled(&ce_set, loop, 2, 2, true, why, sizeof why));
	cr_assert(strstr(why, "(1, 0) 'corner 2'") && strstr(why, "(0, 0) 'corner 3'"), "why: %s",
	          why);

	const char *ring[] = {
	    "empty 0", "empty 0",  "empty 0",  "empty 0", /* */
	    "empty 0", "corner 3", "corner 2", "empty 0", /* */
	    "empty 0", "corner 0", "corner 1", "empty 0", /* */
	    "empty 0", "empty 0",  "empty 0",  "empty 0",
	};
	cr_assert(vld_check_tiled(&ce_set, ring, 4, 4, true, why, sizeof why), "%s", why);
	cr_assert(vld_check_tiled(&ce_set, ring, 4, 4, false, why, sizeof why), "%s", why);

	/* A loop broken at (1, 1): corner 1 there sends lines up and left
	 * into empty tiles; the scan meets the upper one first. */
	ring[5] = "corner 1";
	cr_assert_not(vld_check_tiled(&ce_set, ring, 4, 4, true, why, sizeof why));
	cr_assert(strstr(why, "(1, 0) 'empty 0'") && strstr(why, "(1, 1) 'corner 1'"), "why: %s",
	          why);
	ring[5] = "corner 3";

	/* Vertical only: the bottom row's loop half moved up a row. */
	const char *vbad[] = {"corner 0", "corner 1", "corner 3", "corner 2"};
	cr_assert_not(vld_check_tiled(&ce_set, vbad, 2, 2, false, why, sizeof why));
	cr_assert(strstr(why, "above"), "why: %s", why);
}

Test(validator, tiled_rejects_bad_names_and_subset)
{
	char why[256] = "";
	const char *one[1];
	one[0] = "corner 4";
	cr_assert_not(vld_check_tiled(&ce_set, one, 1, 1, false, why, sizeof why));
	cr_assert(strstr(why, "(0, 0)"), "why: %s", why);
	one[0] = "empty 1";
	cr_assert_not(vld_check_tiled(&ce_set, one, 1, 1, false, why, sizeof why));
	one[0] = "empty";
	cr_assert_not(vld_check_tiled(&ce_set, one, 1, 1, false, why, sizeof why));
	one[0] = "wall 0";
	cr_assert_not(vld_check_tiled(&ce_set, one, 1, 1, false, why, sizeof why));
	one[0] = "empty 0";
	cr_assert(vld_check_tiled(&ce_set, one, 1, 1, true, why, sizeof why), "%s", why);

	static const char *const only_corner[] = {"corner"};
	vld_tileset sub = ce_set;
	sub.subset = only_corner;
	sub.subset_count = 1;
	cr_assert_not(vld_check_tiled(&sub, one, 1, 1, false, why, sizeof why));
	cr_assert(strstr(why, "subset"), "why: %s", why);
	const char *loop[] = {"corner 3", "corner 2", "corner 0", "corner 1"};
	cr_assert(vld_check_tiled(&sub, loop, 2, 2, false, why, sizeof why), "%s", why);

	static const vld_rule bad_rule[] = {{"corner 9", "empty"}};
	vld_tileset bad = {ce_tiles, 2, bad_rule, 1, NULL, 0, NULL};
	cr_assert_not(vld_check_tiled(&bad, one, 1, 1, false, why, sizeof why));
	cr_assert(strstr(why, "rule 1"), "why: %s", why);
	static const vld_rule unknown_rule[] = {{"corner", "wall"}};
	bad.rules = unknown_rule;
	cr_assert_not(vld_check_tiled(&bad, one, 1, 1, false, why, sizeof why));
}

/* ---------------------------------------------------------------- corpus */

typedef struct {
	char *text;
	const char *cells[64];
	int w, h;
} grid;

/* Reads a reference text grid: rows of "<tile> <k>, " entries. */
static void read_grid(const char *path, grid *g)
{
	memset(g, 0, sizeof *g);
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	g->text = calloc(1, 1 << 16);
	size_t n = fread(g->text, 1, (1 << 16) - 1, f);
	fclose(f);
	int count = 0, row = 0;
	for (char *line = g->text; line < g->text + n && *line;) {
		char *end = strchr(line, '\n');
		if (end) *end = 0;
		int in_row = 0;
		char *p = line;
		while (*p && *p != '\r') {
			char *sep = strstr(p, ", ");
			cr_assert(sep, "entry without ', ' in %s", path);
			*sep = 0;
			cr_assert_lt(count, 64);
			g->cells[count++] = p;
			in_row++;
			p = sep + 2;
		}
		if (in_row) {
			cr_assert(g->w == 0 || g->w == in_row, "ragged grid %s", path);
			g->w = in_row;
			row++;
		}
		if (!end) break;
		line = end + 1;
	}
	g->h = row;
}

static void load_tileset(vld_tileset *ts, const char *name, const char *subset)
{
	char rel[256], why[256] = "";
	snprintf(rel, sizeof rel, "corpus/tilesets/%s.xml", name);
	cr_assert_eq(vld_tileset_load_xml(ts, test_shared_path(rel), subset, why, sizeof why), 0,
	             "%s", why);
}

/* The golden grid must pass; every one-cell change to another variant
 * that the checker refuses must be blamed on the changed cell; and the
 * hand-picked change `cell` -> `bad` must be refused. */
static void check_golden(const char *file, const char *tileset, const char *subset, int size,
                         bool periodic, int bad_x, int bad_y, const char *bad)
{
	REQUIRE_SHARED();
	char rel[256], why[512] = "";
	snprintf(rel, sizeof rel, "golden/%s", file);
	grid g;
	read_grid(test_shared_path(rel), &g);
	cr_assert_eq(g.w, size);
	cr_assert_eq(g.h, size);
	vld_tileset ts;
	load_tileset(&ts, tileset, subset);
	cr_assert(vld_check_tiled(&ts, g.cells, g.w, g.h, periodic, why, sizeof why), "%s: %s",
	          file, why);

	const char *keep = g.cells[bad_x + bad_y * g.w];
	g.cells[bad_x + bad_y * g.w] = bad;
	cr_assert_not(vld_check_tiled(&ts, g.cells, g.w, g.h, periodic, why, sizeof why),
	              "%s with (%d, %d) = %s", file, bad_x, bad_y, bad);
	g.cells[bad_x + bad_y * g.w] = keep;

	int refused = 0, tried = 0;
	for (int i = 0; i < g.w * g.h; i++) {
		const char *orig = g.cells[i];
		char at[32];
		snprintf(at, sizeof at, "(%d, %d)", i % g.w, i / g.w);
		for (int t = 0; t < ts.tile_count; t++)
			for (int k = 0; k < vld_class_size(ts.tiles[t].symmetry); k++) {
				char name[96];
				snprintf(name, sizeof name, "%s %d", ts.tiles[t].name, k);
				if (strcmp(name, orig) == 0) continue;
				g.cells[i] = name;
				tried++;
				if (!vld_check_tiled(&ts, g.cells, g.w, g.h, periodic, why,
				                     sizeof why)) {
					refused++;
					cr_assert(strstr(why, at), "%s: changed %s, why: %s", file,
					          at, why);
				}
			}
		g.cells[i] = orig;
	}
	/* Most single changes break a neighbour; far from all are refused
	 * would mean the pair tables are too loose. */
	cr_assert_gt(refused, tried / 2, "%s: only %d of %d changes refused", file, refused, tried);
	vld_tileset_free(&ts);
	free(g.text);
}

Test(validator, golden_86_knots_standard)
{
	/* corner 1 (left+top) at (1, 0) needs a line from its left; empty
	 * has none. */
	check_golden("86-Knots-8600.txt", "Knots", "Standard", 5, true, 0, 0, "empty 0");
}

Test(validator, golden_87_summer_unique)
{
	/* water_a only ever borders water tiles; (3, 0) sits between roads. */
	check_golden("87-Summer-8700.txt", "Summer", NULL, 6, false, 3, 0, "water_a 0");
}

Test(validator, golden_88_circuit_turnless)
{
	/* component (1, 0) is a chip body; substrate may not touch it. */
	check_golden("88-Circuit-8800.txt", "Circuit", "Turnless", 7, true, 2, 0, "substrate 0");
}

/* Spec 9.4 taken literally, with the 9.2 action rows: the second
 * derivation the geometric one is compared with. Fills horiz[l * V + r]
 * and vert[below * V + above] over global ids of the whole tileset. */
static int class_index(char s)
{
	for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
		if (classes[c].sym == s) return (int)c;
	return 0; /* X */
}

static int spec_pairs(const vld_tileset *ts, int *first, unsigned char *horiz, unsigned char *vert)
{
	int V = 0;
	static int action[512][8];
	for (int i = 0; i < ts->tile_count; i++) {
		int c = class_index(ts->tiles[i].symmetry);
		first[i] = V;
		for (int t = 0; t < classes[c].card; t++) {
			int r = t;
			for (int j = 0; j < 4; j++) {
				action[V + t][j] = V + r;
				action[V + t][4 + j] = V + classes[c].b[r];
				r = classes[c].a[r];
			}
		}
		V += classes[c].card;
		cr_assert_lt(V, 512);
	}
	for (int r = 0; r < ts->rule_count; r++) {
		int ids[2];
		const char *sides[2] = {ts->rules[r].left, ts->rules[r].right};
		for (int s = 0; s < 2; s++) {
			char name[96];
			int k = 0;
			cr_assert_lt(sscanf(sides[s], "%95s %d", name, &k), 3);
			int tile = -1;
			for (int i = 0; i < ts->tile_count; i++)
				if (strcmp(ts->tiles[i].name, name) == 0) tile = i;
			cr_assert_geq(tile, 0, "rule side %s", sides[s]);
			ids[s] = action[first[tile]][k];
		}
		int L = ids[0], R = ids[1], D = action[L][1], U = action[R][1];
#define H(a, b) (horiz[(b)*V + (a)] = 1) /* b left of a */
#define VV(a, b) (vert[(b)*V + (a)] = 1) /* b below a */
		H(R, L);
		H(action[R][6], action[L][6]);
		H(action[L][4], action[R][4]);
		H(action[L][2], action[R][2]);
		VV(U, D);
		VV(action[D][6], action[U][6]);
		VV(action[U][4], action[D][4]);
		VV(action[D][2], action[U][2]);
#undef H
#undef VV
	}
	return V;
}

Test(validator, geometric_pairs_equal_the_spec_formula_on_every_tileset)
{
	REQUIRE_SHARED();
	static const char *const sets[] = {"Castle", "Circles", "Circuit", "FloorPlan",
	                                   "Knots",  "Rooms",   "Summer"};
	static unsigned char horiz[512 * 512], vert[512 * 512];
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
		vld_tileset ts;
		load_tileset(&ts, sets[s], NULL);
		int first[256];
		cr_assert_lt(ts.tile_count, 256);
		memset(horiz, 0, sizeof horiz);
		memset(vert, 0, sizeof vert);
		int V = spec_pairs(&ts, first, horiz, vert);
		char why[256] = "";
		vld_pairs *p = vld_pairs_build(&ts, why, sizeof why);
		cr_assert(p, "%s: %s", sets[s], why);
		/* global id -> "tile k" */
		static char names[512][96];
		for (int i = 0; i < ts.tile_count; i++) {
			int card = vld_class_size(ts.tiles[i].symmetry);
			cr_assert_eq(first[i] + card, i + 1 < ts.tile_count ? first[i + 1] : V);
			for (int k = 0; k < card; k++)
				snprintf(names[first[i] + k], sizeof names[0], "%s %d",
				         ts.tiles[i].name, k);
		}
		int allowed = 0;
		for (int a = 0; a < V; a++)
			for (int b = 0; b < V; b++) {
				cr_assert_eq(vld_pairs_allowed(p, names[a], names[b], false),
				             horiz[a * V + b], "%s: %s left of %s", sets[s],
				             names[a], names[b]);
				cr_assert_eq(vld_pairs_allowed(p, names[a], names[b], true),
				             vert[a * V + b], "%s: %s below %s", sets[s], names[a],
				             names[b]);
				allowed += horiz[a * V + b];
			}
		cr_assert_gt(allowed, 0, "%s", sets[s]);
		vld_pairs_free(p);
		vld_tileset_free(&ts);
	}
}

Test(validator, tileset_loader_reads_subsets)
{
	REQUIRE_SHARED();
	vld_tileset ts;
	load_tileset(&ts, "Knots", "Standard");
	cr_assert_eq(ts.tile_count, 5);
	cr_assert_eq(ts.rule_count, 35);
	cr_assert_eq(ts.subset_count, 4);
	cr_assert_str_eq(ts.subset[3], "line");
	vld_tileset_free(&ts);
	load_tileset(&ts, "Circuit", NULL);
	cr_assert_null(ts.subset);
	int found = 0;
	for (int i = 0; i < ts.tile_count; i++)
		found |= strcmp(ts.tiles[i].name, "dskew") == 0 && ts.tiles[i].symmetry == '\\';
	cr_assert(found, "backslash class read literally");
	vld_tileset_free(&ts);
	char why[256] = "";
	cr_assert_eq(vld_tileset_load_xml(&ts, test_shared_path("corpus/tilesets/Knots.xml"),
	                                  "Nope", why, sizeof why),
	             -1);
	cr_assert(strstr(why, "Nope"), "why: %s", why);
}
