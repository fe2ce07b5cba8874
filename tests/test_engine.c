/*
 * test_engine.c - the engine's own behaviour, with models built in code:
 * the seeded generator, determinism, threads, symmetry classes, limits,
 * progress and cancellation, and the errors of bad specs.
 */
#include "../engine/dotnet_random.h"
#include "../engine/wfc.h"
#include "rooms.h"
#include "testutil.h"

#include <pthread.h>

/* ---- seeded generator ---------------------------------------------------- */

Test(rng, matches_dotnet_seeded_random)
{
	/* new System.Random(0).NextDouble() in .NET */
	wfc_dotnet_random r;
	wfc_dotnet_random_init(&r, 0);
	double first = wfc_dotnet_random_double(&r);
	cr_expect_float_eq(first, 0.7262432699679598, 1e-16);
	/* the same seed gives the same stream; a negative seed is |seed| */
	wfc_dotnet_random a, b;
	wfc_dotnet_random_init(&a, -12345);
	wfc_dotnet_random_init(&b, 12345);
	for (int i = 0; i < 1000; i++) {
		double x = wfc_dotnet_random_double(&a);
		cr_assert_eq(x, wfc_dotnet_random_double(&b));
		cr_assert(x >= 0 && x < 1);
	}
	wfc_dotnet_random_init(&a, INT32_MIN); /* must not overflow */
	cr_assert(wfc_dotnet_random_double(&a) < 1);
}

/* ---- models built in code ------------------------------------------------ */


static int32_t *run_once(const wfc_model *m, int32_t seed, wfc_status *st)
{
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	*st = wfc_generate(s, seed, 10, true, -1, NULL, NULL);
	size_t cells = (size_t)wfc_model_width(m) * wfc_model_height(m);
	int32_t *out = malloc(cells * sizeof *out);
	memcpy(out, wfc_state_observed(s), cells * sizeof *out);
	wfc_state_destroy(s);
	return out;
}

Test(overlapping, checkerboard_patterns_and_weights)
{
	uint32_t px[4] = {0xff000000u, 0xffffffffu, 0xffffffffu, 0xff000000u};
	wfc_overlapping_spec spec = {.sample = px,
	                             .sample_width = 2,
	                             .sample_height = 2,
	                             .N = 2,
	                             .width = 8,
	                             .height = 8,
	                             .periodic_input = true,
	                             .periodic = true,
	                             .symmetry = 8};
	wfc_model *m;
	wfc_error err;
	cr_assert_eq(wfc_model_create_overlapping(&spec, &m, &err), WFC_OK, "%s", err.message);
	cr_assert_eq(wfc_model_pattern_count(m), 2);
	cr_assert_eq(wfc_model_legend_count(m), 2);
	cr_expect_eq(wfc_model_color(m, 0), 0xff000000u); /* first raster appearance */
	/* 4 positions x 8 variants, split evenly between the two checkers */
	cr_expect_float_eq(wfc_model_weight(m, 0), 16.0, 1e-12);
	cr_expect_float_eq(wfc_model_weight(m, 1), 16.0, 1e-12);
	/* each checker only fits next to the other one */
	for (int d = 0; d < 4; d++) {
		int len;
		const int32_t *p = wfc_model_propagator(m, d, 0, &len);
		cr_assert_eq(len, 1);
		cr_expect_eq(p[0], 1);
	}
	wfc_state *s;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 5, -1, NULL), WFC_OK);
	int32_t grid[64];
	cr_assert(wfc_state_grid(s, grid));
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			cr_assert_neq(grid[x + y * 8], grid[(x + 1) % 8 + y * 8]);
	wfc_state_destroy(s);
	wfc_model_destroy(m);

	/* an odd period cannot hold a checkerboard: always a contradiction */
	spec.width = spec.height = 7;
	cr_assert_eq(wfc_model_create_overlapping(&spec, &m, &err), WFC_OK);
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	int used;
	cr_expect_eq(wfc_generate(s, 1, 5, true, -1, NULL, &used), WFC_CONTRADICTION);
	cr_expect_eq(used, 5);
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

Test(overlapping, propagator_is_symmetric)
{
	wfc_model *m = rooms_model(16, true);
	static const int opposite[4] = {2, 3, 0, 1};
	int T = wfc_model_pattern_count(m);
	for (int d = 0; d < 4; d++)
		for (int t1 = 0; t1 < T; t1++) {
			int len;
			const int32_t *p = wfc_model_propagator(m, d, t1, &len);
			for (int k = 0; k < len; k++) {
				if (k) cr_assert_lt(p[k - 1], p[k], "lists are ascending");
				int olen;
				const int32_t *q =
				    wfc_model_propagator(m, opposite[d], p[k], &olen);
				bool found = false;
				for (int j = 0; j < olen; j++)
					found |= q[j] == t1;
				cr_assert(found, "d %d: %d -> %d has no reverse", d, t1, p[k]);
			}
		}
	wfc_model_destroy(m);
}

Test(run, same_seed_same_output_across_models)
{
	wfc_model *a = rooms_model(24, true), *b = rooms_model(24, true);
	wfc_status sa, sb;
	int32_t *x = run_once(a, 77, &sa), *y = run_once(b, 77, &sb);
	cr_assert_eq(sa, WFC_OK);
	cr_assert_eq(sb, WFC_OK);
	cr_expect_arr_eq(x, y, 24 * 24 * sizeof *x);
	int32_t *z = run_once(a, 78, &sa);
	cr_expect(memcmp(x, z, 24 * 24 * sizeof *x) != 0, "another seed, another level");
	free(x);
	free(y);
	free(z);
	wfc_model_destroy(a);
	wfc_model_destroy(b);
}

typedef struct {
	const wfc_model *m;
	int32_t seed;
	int32_t *out;
	wfc_status st;
} thread_job;

static void *thread_main(void *arg)
{
	thread_job *j = arg;
	wfc_state *s;
	wfc_error err;
	if (wfc_state_create(j->m, &s, &err) != WFC_OK) return NULL;
	size_t cells = (size_t)wfc_model_width(j->m) * wfc_model_height(j->m);
	for (int rep = 0; rep < 5; rep++) {
		j->st = wfc_generate(s, j->seed, 10, true, -1, NULL, NULL);
		memcpy(j->out, wfc_state_observed(s), cells * sizeof *j->out);
	}
	wfc_state_destroy(s);
	return NULL;
}

Test(run, threads_share_one_model)
{
	wfc_model *m = rooms_model(20, true);
	enum { THREADS = 4 };
	thread_job jobs[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (thread_job){m, 100 + i % 2, calloc(400, sizeof(int32_t)), WFC_ERR_INPUT};
		pthread_create(&th[i], NULL, thread_main, &jobs[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		wfc_status st;
		int32_t *serial = run_once(m, jobs[i].seed, &st);
		cr_expect_eq(jobs[i].st, st);
		cr_expect_arr_eq(jobs[i].out, serial, 400 * sizeof(int32_t), "thread %d", i);
		free(serial);
		free(jobs[i].out);
	}
	wfc_model_destroy(m);
}

typedef struct {
	double last;
	int calls;
	bool monotone;
	atomic_int *cancel_at_call;
	int cancel_after;
} progress_log;

static void on_progress(void *ctx, double f)
{
	progress_log *p = ctx;
	if (f < p->last) p->monotone = false;
	p->last = f;
	p->calls++;
	if (p->cancel_at_call && p->calls == p->cancel_after) atomic_store(p->cancel_at_call, 1);
}

Test(run, progress_and_cancel)
{
	wfc_model *m = rooms_model(32, true);
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	progress_log log = {.monotone = true};
	wfc_observer obs = {.progress = on_progress, .ctx = &log};
	cr_assert_eq(wfc_generate(s, 3, 10, true, -1, &obs, NULL), WFC_OK);
	cr_expect_gt(log.calls, 2);
	cr_expect_float_eq(log.last, 1.0, 1e-12);

	atomic_int cancel = 0;
	progress_log stop = {.monotone = true, .cancel_at_call = &cancel, .cancel_after = 3};
	wfc_observer obs2 = {.progress = on_progress, .ctx = &stop, .cancel = &cancel};
	cr_expect_eq(wfc_run(s, 3, -1, &obs2), WFC_CANCELED);
	cr_expect_eq(stop.calls, 3, "stops at the next observation");
	cr_expect_not(wfc_state_complete(s));
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

Test(run, limit_leaves_a_partial_state)
{
	wfc_model *m = rooms_model(16, false);
	wfc_state *s;
	wfc_error err;
	cr_assert_eq(wfc_state_create(m, &s, &err), WFC_OK);
	cr_assert_eq(wfc_run(s, 9, 5, NULL), WFC_OK);
	cr_expect_not(wfc_state_complete(s));
	int32_t grid[256];
	cr_expect_not(wfc_state_grid(s, grid), "no grid for a partial run");
	int undecided = 0;
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++)
			undecided += wfc_state_count(s, x, y) > 1;
	cr_expect_gt(undecided, 0);
	uint32_t px[256];
	wfc_render(s, px);
	for (int i = 0; i < 256; i++)
		cr_assert_eq(px[i] >> 24, 0xffu, "superposition renders are opaque");
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/* ---- tiled model and symmetry classes ------------------------------------ */

/* 5x5 bitmaps whose own symmetry is exactly that of the class, so every
 * variant has a distinct bitmap. */
static void class_bitmap(char sym, uint32_t *px)
{
	static const char *art[6][5] = {
	    {"..#..", "..#..", "#####", "..#..", "..#.."}, /* X: plus */
	    {"..#..", "..#..", "..#..", "..#..", "..#.."}, /* I: bar */
	    {"#....", ".#...", "..#..", "...#.", "....#"}, /* \: diagonal */
	    {".....", ".....", "#####", "..#..", "..#.."}, /* T */
	    {"..#..", "..#..", "..###", ".....", "....."}, /* L: corner */
	    {"..##.", "..#..", "..##.", "..#..", "....."}, /* F */
	};
	const char *classes = "XI\\TLF";
	const char **a = art[strchr(classes, sym) - classes];
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 5; x++)
			px[x + y * 5] = a[y][x] == '#' ? 0xff000000u : 0xffffffffu;
}

static void rotate5(const uint32_t *in, uint32_t *out) /* 90° CCW as displayed */
{
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 5; x++)
			out[x + y * 5] = in[4 - y + x * 5];
}

static void mirror5(const uint32_t *in, uint32_t *out)
{
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 5; x++)
			out[x + y * 5] = in[4 - x + y * 5];
}

/* variant whose bitmap equals px, or -1 */
static int variant_of(const wfc_model *m, const uint32_t *px)
{
	for (int t = 0; t < wfc_model_pattern_count(m); t++) {
		int ts;
		if (!memcmp(wfc_model_variant_pixels(m, t, &ts), px, 25 * sizeof *px)) return t;
	}
	return -1;
}

static wfc_model *one_tile_model(char sym, int lo, int ro, uint32_t *px)
{
	class_bitmap(sym, px);
	const uint32_t *images[1] = {px};
	wfc_tile tile = {
	    .name = "t", .symmetry = sym, .weight = 1, .images = images, .image_count = 1};
	wfc_neighbor rule = {"t", lo, "t", ro};
	wfc_tiled_spec spec = {.tiles = &tile,
	                       .tile_count = 1,
	                       .tile_size = 5,
	                       .neighbors = &rule,
	                       .neighbor_count = 1,
	                       .width = 4,
	                       .height = 4};
	wfc_model *m;
	wfc_error err;
	cr_assert_eq(wfc_model_create_tiled(&spec, &m, &err), WFC_OK, "%s", err.message);
	return m;
}

Test(tiled, symmetry_classes)
{
	const char *classes = "XI\\TLF";
	const int card[] = {1, 2, 2, 4, 4, 8};
	for (int c = 0; c < 6; c++) {
		uint32_t base[25], want[25], tmp[25];
		wfc_model *m = one_tile_model(classes[c], 0, c == 0 ? 0 : 1, base);
		int T = wfc_model_pattern_count(m);
		cr_assert_eq(T, card[c], "class %c", classes[c]);
		/* variant t (t < 4) is the bitmap turned t times, t >= 4 its mirror */
		memcpy(want, base, sizeof want);
		for (int t = 0; t < T && t < 4; t++) {
			int ts;
			cr_expect_arr_eq(wfc_model_variant_pixels(m, t, &ts), want, sizeof want,
			                 "class %c variant %d", classes[c], t);
			char name[16];
			snprintf(name, sizeof name, "t %d", t);
			cr_expect_str_eq(wfc_model_variant_name(m, t), name);
			if (T == 8) {
				mirror5(want, tmp);
				cr_expect_arr_eq(wfc_model_variant_pixels(m, t + 4, &ts), tmp,
				                 sizeof tmp, "F variant %d", t + 4);
			}
			rotate5(want, tmp);
			memcpy(want, tmp, sizeof want);
		}
		/* Allowed pairs are closed under the dihedral group acting on the
		 * picture: mirroring "a left of b" gives "mirror(b) left of
		 * mirror(a)"; turning it 90° CCW gives "rot(a) below rot(b)". */
		int pairs = 0;
		for (int a = 0; a < T; a++)
			for (int b = 0; b < T; b++) {
				if (!model_allows(m, 2, a, b)) /* b right of a */
					continue;
				pairs++;
				int ts;
				uint32_t ma[25], mb[25], ra[25], rb[25];
				mirror5(wfc_model_variant_pixels(m, a, &ts), ma);
				mirror5(wfc_model_variant_pixels(m, b, &ts), mb);
				rotate5(wfc_model_variant_pixels(m, a, &ts), ra);
				rotate5(wfc_model_variant_pixels(m, b, &ts), rb);
				int vma = variant_of(m, ma), vmb = variant_of(m, mb);
				int vra = variant_of(m, ra), vrb = variant_of(m, rb);
				cr_assert(vma >= 0 && vmb >= 0 && vra >= 0 && vrb >= 0);
				cr_expect(model_allows(m, 2, vmb, vma), "class %c mirror of %d|%d",
				          classes[c], a, b);
				/* a's right edge becomes its top: rot(b) sits above rot(a) */
				cr_expect(model_allows(m, 3, vra, vrb), "class %c turn of %d|%d",
				          classes[c], a, b);
				cr_expect(model_allows(m, 0, b, a), "left is the reverse of right");
			}
		cr_expect_gt(pairs, 0);
		wfc_model_destroy(m);
	}
}

/* ---- errors a user can act on -------------------------------------------- */

static void expect_tiled_error(const wfc_tiled_spec *spec, const char *needle)
{
	wfc_model *m = (wfc_model *)1;
	wfc_error err = {{0}};
	cr_assert_eq(wfc_model_create_tiled(spec, &m, &err), WFC_ERR_INPUT, "expected: %s", needle);
	cr_expect_null(m);
	cr_expect(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
}

Test(errors, tiled_specs)
{
	uint32_t px[25];
	class_bitmap('L', px);
	const uint32_t *images[1] = {px};
	wfc_tile tiles[2] = {{"corner", 'L', 1, images, 1}, {"empty", 'X', 1, images, 1}};
	wfc_neighbor rules[2] = {{"corner", 1, "empty", 0}, {"corner", 0, "rod", 0}};
	wfc_tiled_spec spec = {.tiles = tiles,
	                       .tile_count = 2,
	                       .tile_size = 5,
	                       .neighbors = rules,
	                       .neighbor_count = 2,
	                       .width = 10,
	                       .height = 10};
	expect_tiled_error(&spec, "neighbor rule 2: tile 'rod' is not in the tileset");
	spec.neighbor_count = 1;
	rules[0].left_orientation = 9;
	expect_tiled_error(&spec, "orientation 9");
	rules[0].left_orientation = 1;
	tiles[1].symmetry = 'Q';
	expect_tiled_error(&spec, "unknown symmetry class 'Q'");
	tiles[1].symmetry = 'X';
	tiles[1].weight = -1;
	expect_tiled_error(&spec, "weight must be a positive number");
	tiles[1].weight = 1;
	tiles[1].name = "corner";
	expect_tiled_error(&spec, "tile 'corner' is defined twice");
	tiles[1].name = "empty";
	spec.width = 0;
	expect_tiled_error(&spec, "output size 0x10 is out of range");
	spec.width = 10;
	const char *subset[1] = {"nothing"};
	spec.subset = subset;
	spec.subset_count = 1;
	expect_tiled_error(&spec, "the subset names tile 'nothing'");
	spec.subset = NULL;
	spec.subset_count = 0;
	spec.unique = true;
	expect_tiled_error(&spec, "tile 'corner': expected 4 images, got 1");
}

static void expect_overlapping_error(const wfc_overlapping_spec *spec, const char *needle)
{
	wfc_model *m = NULL;
	wfc_error err = {{0}};
	cr_assert_eq(wfc_model_create_overlapping(spec, &m, &err), WFC_ERR_INPUT, "expected: %s",
	             needle);
	cr_expect(strstr(err.message, needle), "message '%s' lacks '%s'", err.message, needle);
}

Test(errors, overlapping_specs)
{
	static uint32_t px[32 * 32];
	for (int i = 0; i < 32 * 32; i++)
		px[i] = 0xff000000u | (uint32_t)i; /* 1024 colours */
	wfc_overlapping_spec spec = {.sample = px,
	                             .sample_width = 32,
	                             .sample_height = 32,
	                             .N = 3,
	                             .width = 48,
	                             .height = 48,
	                             .periodic_input = true,
	                             .symmetry = 8};
	expect_overlapping_error(&spec, "more than 256 distinct colours");
	rooms_sample(px);
	spec.sample_width = spec.sample_height = 12;
	spec.N = 13;
	expect_overlapping_error(&spec, "N is 13");
	spec.N = 5;
	spec.periodic_input = false;
	spec.sample_width = 4;
	expect_overlapping_error(&spec, "N is 5 but the sample is only 4x12");
	spec.sample_width = 12;
	spec.periodic_input = true;
	spec.N = 3;
	spec.height = 0;
	expect_overlapping_error(&spec, "output size 48x0 is out of range");
	spec.height = 48;
	spec.symmetry = 9;
	expect_overlapping_error(&spec, "symmetry is 9");
	spec.symmetry = 8;
	spec.width = spec.height = 4096;
	expect_overlapping_error(&spec, "more than");
}
