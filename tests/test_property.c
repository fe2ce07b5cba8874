/*
 * test_property.c - property tests: thousands of small random tilesets and
 * sample images, run in both modes, every successful output checked by the
 * independent validator (tests/validator), a subset run twice for
 * determinism.
 *
 * Properties, for every generated case and both modes:
 *   - a generated spec is valid, so model creation returns WFC_OK;
 *   - a run ends in WFC_OK or WFC_CONTRADICTION, nothing else;
 *   - WFC_OK (no limit) means complete, and the output passes the validator;
 *   - the legend grid agrees with the observed array and the render;
 *   - same spec + seed on fresh states (and on a reused state) gives the
 *     same status, observed array and pixels;
 *   - runs stopped at an observation limit, and contradicted states, render
 *     without crashing (the sanitizer run checks the memory accesses).
 *
 * Counts: 10,000 cases (half tiled, half overlapping), 1,000 under
 * WFC_QUICK=1; WFC_PROPERTY_CASES=n overrides both. Each kind is split over
 * several tests so `-j2` runs them side by side. Case k of a kind always
 * gets the same spec whatever the count or the split.
 *
 * Reproducing a failure: the message names the case seed and prints the
 * spec; WFC_PROPERTY_SEED=0x... runs just that case (in part 0 of each
 * kind, with every extra check), and WFC_PROPERTY_TRACE=1 prints every
 * case seed to stderr before it runs, for crashes that leave no message.
 *
 * property/small_outputs guards two rendering bugs this file found in
 * engine/render.c (outputs with a side below 2N - 2), since fixed.
 */
#include "../engine/wfc.h"
#include "testutil.h"
#include "validator/validator.h"

#include <stdarg.h>

/* ---- deterministic randomness: splitmix64, independent of the engine ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in lo..hi inclusive (the modulo bias is irrelevant here) */
static int rnd_int(uint64_t *r, int lo, int hi)
{
	return lo + (int)(splitmix64(r) % (uint64_t)(hi - lo + 1));
}

static double rnd_unit(uint64_t *r)
{
	return (double)(splitmix64(r) >> 11) * 0x1.0p-53;
}

/* true with probability 1/n */
static bool one_in(uint64_t *r, int n)
{
	return splitmix64(r) % (uint64_t)n == 0;
}

/* Seeds reach the extremes sometimes: the .NET generator special-cases
 * INT32_MIN and negative seeds. */
static int32_t rnd_seed(uint64_t *r)
{
	switch (rnd_int(r, 0, 9)) {
	case 0:
		return INT32_MIN;
	case 1:
		return INT32_MAX;
	case 2:
		return rnd_int(r, -3, 3);
	default:
		return (int32_t)(uint32_t)splitmix64(r);
	}
}

/* The seed of case k of a kind: the whole spec derives from it alone. */
static uint64_t case_seed(uint64_t kind_tag, int k)
{
	uint64_t s = kind_tag << 32 ^ (uint64_t)k;
	return splitmix64(&s);
}

/* ---- counts and statistics ---- */

enum { PARTS = 4 };             /* tests per kind, so -j2 spreads the work */
enum { DETERMINISM_EVERY = 4 }; /* every k-th case is also run twice */
enum { PARTIAL_EVERY = 16 };    /* every k-th case also stops at a limit */
enum { MAX_REPORTED = 3 };      /* failure messages per test; then a count */

static int total_cases(void)
{
	const char *e = getenv("WFC_PROPERTY_CASES");
	if (e && *e) {
		long n = strtol(e, NULL, 10);
		return n < 0 ? 0 : n > 10000000 ? 10000000 : (int)n;
	}
	return test_quick() ? 1000 : 10000;
}

/* Cases [*lo, *hi) of one part of a kind; kind 0 gets the odd case. */
static void part_range(int kind, int part, int *lo, int *hi)
{
	int total = total_cases();
	int n = kind == 0 ? (total + 1) / 2 : total / 2;
	*lo = (int)((long long)n * part / PARTS);
	*hi = (int)((long long)n * (part + 1) / PARTS);
}

/* WFC_PROPERTY_SEED, when set: the only case to run. */
static bool replay_seed(uint64_t *seed)
{
	const char *e = getenv("WFC_PROPERTY_SEED");
	if (!e || !*e) return false;
	*seed = strtoull(e, NULL, 0);
	return true;
}

static bool trace_cases(void)
{
	const char *e = getenv("WFC_PROPERTY_TRACE");
	return e && *e && strcmp(e, "0") != 0;
}

typedef struct {
	long ok, contradiction, repaired_runs, repairs;
} mode_stats;

typedef struct {
	const char *name;
	long cases, determinism, partial, failures;
	mode_stats mode[2]; /* by wfc_mode */
} prop_stats;

static void report_stats(const prop_stats *st)
{
	cr_log_info("%s: %ld cases, fast %ld ok / %ld contradiction / %ld repaired (%ld repairs), "
	            "reference %ld ok / %ld contradiction; %ld determinism checks, %ld partial "
	            "runs; %ld failures",
	            st->name, st->cases, st->mode[WFC_MODE_FAST].ok,
	            st->mode[WFC_MODE_FAST].contradiction, st->mode[WFC_MODE_FAST].repaired_runs,
	            st->mode[WFC_MODE_FAST].repairs, st->mode[WFC_MODE_REFERENCE].ok,
	            st->mode[WFC_MODE_REFERENCE].contradiction, st->determinism, st->partial,
	            st->failures);
	cr_expect_eq(st->failures, 0, "%s: %ld cases broke a property (first %d shown above)",
	             st->name, st->failures, MAX_REPORTED);
}

/* ---- a case, whichever the model ---- */

typedef struct prop_case prop_case;
struct prop_case {
	uint64_t seed; /* case seed: regenerates the spec */
	int32_t run_seed;
	const char *kind;
	/* Builds the model; returns the status and fills err. */
	wfc_status (*create)(const prop_case *c, wfc_model **m, wfc_error *err);
	/* Checks a complete output with the validator. */
	bool (*validate)(const prop_case *c, const wfc_model *m, const wfc_state *s,
	                 const uint32_t *px, char *why, size_t why_len);
	/* Writes the spec as text, for failure messages. */
	void (*describe)(const prop_case *c, char *buf, size_t len);
};

static void case_fail(prop_stats *st, const prop_case *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counts a broken property; the first few get a message with the spec. */
static void case_fail(prop_stats *st, const prop_case *c, const char *fmt, ...)
{
	if (++st->failures > MAX_REPORTED) return;
	char what[512], spec[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	c->describe(c, spec, sizeof spec);
	cr_expect_fail("%s case 0x%016llx (run seed %d): %s\n%s", c->kind,
	               (unsigned long long)c->seed, (int)c->run_seed, what, spec);
}

/* Small append-only text buffer for describe(). */
typedef struct {
	char *p;
	size_t len, used;
} textbuf;

static void tb_printf(textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tb_printf(textbuf *tb, const char *fmt, ...)
{
	if (tb->used >= tb->len) return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tb->p + tb->used, tb->len - tb->used, fmt, ap);
	va_end(ap);
	if (n > 0) tb->used += (size_t)n;
}

static const char *heuristic_name(wfc_heuristic h)
{
	return h == WFC_HEURISTIC_MRV        ? "mrv"
	       : h == WFC_HEURISTIC_SCANLINE ? "scanline"
	                                     : "entropy";
}

static const char *mode_name(wfc_mode mode)
{
	return mode == WFC_MODE_FAST ? "fast" : "reference";
}

static uint32_t *render_alloc(const wfc_model *m, size_t *n)
{
	int w, h;
	wfc_render_size(m, &w, &h);
	*n = (size_t)w * h;
	uint32_t *px = malloc(*n * sizeof *px);
	cr_assert_not_null(px);
	return px;
}

/* Status, observed array and pixels of one run on a fresh state. */
typedef struct {
	wfc_status status;
	int32_t *observed;
	uint32_t *px;
} run_result;

static wfc_state *new_state(const wfc_model *m, wfc_mode mode)
{
	wfc_state *s = NULL;
	wfc_error err = {{0}};
	wfc_status st = wfc_state_create_mode(m, mode, &s, &err);
	cr_assert_eq(st, WFC_OK, "state for a tiny model refused: %s", err.message);
	return s;
}

/* Copies what a run left in s; pixels are rendered whatever the status,
 * since a contradicted state must render too. */
static run_result capture(const wfc_model *m, wfc_state *s, wfc_status status)
{
	size_t cells = (size_t)wfc_model_width(m) * wfc_model_height(m), n;
	run_result r = {status, malloc(cells * sizeof *r.observed), render_alloc(m, &n)};
	cr_assert_not_null(r.observed);
	memcpy(r.observed, wfc_state_observed(s), cells * sizeof *r.observed);
	wfc_render(s, r.px);
	return r;
}

static void result_free(run_result *r)
{
	free(r->observed);
	free(r->px);
}

static bool results_equal(const wfc_model *m, const run_result *a, const run_result *b)
{
	size_t cells = (size_t)wfc_model_width(m) * wfc_model_height(m), n;
	int w, h;
	wfc_render_size(m, &w, &h);
	n = (size_t)w * h;
	return a->status == b->status &&
	       memcmp(a->observed, b->observed, cells * sizeof *a->observed) == 0 &&
	       memcmp(a->px, b->px, n * sizeof *a->px) == 0;
}

/* The legend grid must be the observed array (tiled) or the rendered
 * colours (overlapping): three views of one output. */
static bool grid_consistent(const wfc_model *m, const wfc_state *s, const uint32_t *px, char *why,
                            size_t why_len)
{
	int W = wfc_model_width(m), H = wfc_model_height(m);
	int32_t *grid = malloc((size_t)W * H * sizeof *grid);
	cr_assert_not_null(grid);
	bool ok = wfc_state_grid(s, grid);
	if (!ok) snprintf(why, why_len, "wfc_state_grid refused a complete state");
	const int32_t *obs = wfc_state_observed(s);
	for (int i = 0; ok && i < W * H; i++) {
		if (wfc_model_kind_of(m) == WFC_MODEL_TILED) {
			ok = grid[i] == obs[i];
		} else {
			ok = grid[i] >= 0 && grid[i] < wfc_model_legend_count(m) &&
			     wfc_model_color(m, grid[i]) == px[i];
		}
		if (!ok) snprintf(why, why_len, "legend grid disagrees at cell %d", i);
	}
	free(grid);
	return ok;
}

/* k is the case index (it picks the extra checks); -1 runs them all. */
static void run_mode(const prop_case *c, const wfc_model *m, wfc_mode mode, int k, prop_stats *st)
{
	wfc_state *s = new_state(m, mode);
	wfc_status r = wfc_run(s, c->run_seed, -1, NULL);
	mode_stats *ms = &st->mode[mode];
	if (r == WFC_OK)
		ms->ok++;
	else if (r == WFC_CONTRADICTION)
		ms->contradiction++;
	else
		case_fail(st, c, "%s mode: wfc_run returned %s", mode_name(mode),
		          wfc_status_name(r));
	int repairs = wfc_state_repairs(s);
	if (repairs > 0) {
		ms->repaired_runs++;
		ms->repairs += repairs;
	}
	if (mode == WFC_MODE_REFERENCE && repairs != 0)
		case_fail(st, c, "reference mode reports %d repairs", repairs);

	run_result first = capture(m, s, r);
	if (r == WFC_OK) {
		char why[512] = "";
		if (!wfc_state_complete(s))
			case_fail(st, c, "%s mode: WFC_OK without a limit, but incomplete",
			          mode_name(mode));
		else if (!c->validate(c, m, s, first.px, why, sizeof why))
			case_fail(st, c, "%s mode: the validator rejects the output: %s",
			          mode_name(mode), why);
		else if (!grid_consistent(m, s, first.px, why, sizeof why))
			case_fail(st, c, "%s mode: %s", mode_name(mode), why);
	}

	if (k < 0 || k % DETERMINISM_EVERY == 0) {
		st->determinism++;
		wfc_state *again = new_state(m, mode);
		run_result fresh = capture(m, again, wfc_run(again, c->run_seed, -1, NULL));
		if (!results_equal(m, &first, &fresh))
			case_fail(st, c,
			          "%s mode: a fresh state with the same seed gave %s, a "
			          "different output from the first run's %s",
			          mode_name(mode), wfc_status_name(fresh.status),
			          wfc_status_name(first.status));
		/* A state is reused across runs by the server: nothing of the
		 * previous run may leak into the next. */
		run_result reused = capture(m, s, wfc_run(s, c->run_seed, -1, NULL));
		if (!results_equal(m, &first, &reused))
			case_fail(st, c,
			          "%s mode: rerunning on the same state gave a different "
			          "output (%s, first %s)",
			          mode_name(mode), wfc_status_name(reused.status),
			          wfc_status_name(first.status));
		result_free(&fresh);
		result_free(&reused);
		wfc_state_destroy(again);
	}

	if (k < 0 || k % PARTIAL_EVERY == PARTIAL_EVERY / 2) {
		/* Partial renders average superpositions: only crashes and the
		 * status set are checked here. */
		st->partial++;
		int cells = wfc_model_width(m) * wfc_model_height(m);
		int limit = (int)(c->seed % (uint64_t)(cells + 1));
		wfc_status pr = wfc_run(s, c->run_seed, limit, NULL);
		if (pr != WFC_OK && pr != WFC_CONTRADICTION)
			case_fail(st, c, "%s mode: run with limit %d returned %s", mode_name(mode),
			          limit, wfc_status_name(pr));
		run_result partial = capture(m, s, pr);
		result_free(&partial);
	}
	result_free(&first);
	wfc_state_destroy(s);
}

static void run_case(const prop_case *c, int k, prop_stats *st)
{
	if (trace_cases())
		fprintf(stderr, "%s case %d 0x%016llx\n", c->kind, k, (unsigned long long)c->seed);
	st->cases++;
	wfc_model *m = NULL;
	wfc_error err = {{0}};
	wfc_status cs = c->create(c, &m, &err);
	if (cs != WFC_OK) {
		case_fail(st, c, "a valid spec was refused (%s): %s", wfc_status_name(cs),
		          err.message);
		return;
	}
	run_mode(c, m, WFC_MODE_FAST, k, st);
	run_mode(c, m, WFC_MODE_REFERENCE, k, st);
	wfc_model_destroy(m);
}

/* ---- random tilesets ---- */

enum { TL_MAX_TILES = 8, TL_MAX_RULES = 64, TL_MAX_PX = 9 };

typedef struct {
	prop_case base; /* first: the runner sees a prop_case */
	int tile_count, tile_size, rule_count, subset_count;
	bool unique;
	const char *names[TL_MAX_TILES];
	char symmetry[TL_MAX_TILES];
	double weight[TL_MAX_TILES];
	uint32_t px[TL_MAX_TILES][8][TL_MAX_PX]; /* [tile][image][pixel] */
	const uint32_t *images[TL_MAX_TILES][8];
	wfc_tile tiles[TL_MAX_TILES];
	wfc_neighbor rules[TL_MAX_RULES];
	const char *subset[TL_MAX_TILES];
	wfc_tiled_spec spec;
	/* the same tileset in the validator's terms */
	vld_tile vtiles[TL_MAX_TILES];
	char vrule_text[TL_MAX_RULES][2][80];
	vld_rule vrules[TL_MAX_RULES];
	vld_tileset vts;
} tiled_case;

static int class_size(char sym)
{
	return sym == 'X' ? 1 : sym == 'I' || sym == '\\' ? 2 : sym == 'F' ? 8 : 4;
}

/* Some names are prefixes of others, so lookups must match whole names. */
static const char *const tile_name_pool[] = {"a", "ab",    "abc",   "b",   "road",   "road2",
                                             "x", "grass", "Grass", "w_1", "corner", "t"};

static wfc_status tiled_create(const prop_case *c, wfc_model **m, wfc_error *err)
{
	return wfc_model_create_tiled(&((const tiled_case *)c)->spec, m, err);
}

static bool tiled_validate(const prop_case *c, const wfc_model *m, const wfc_state *s,
                           const uint32_t *px, char *why, size_t why_len)
{
	const tiled_case *tc = (const tiled_case *)c;
	int W = wfc_model_width(m), H = wfc_model_height(m), T = wfc_model_pattern_count(m);
	const int32_t *obs = wfc_state_observed(s);
	const char **cells = malloc((size_t)W * H * sizeof *cells);
	cr_assert_not_null(cells);
	bool ok = true;
	for (int i = 0; i < W * H && ok; i++) {
		if (obs[i] < 0 || obs[i] >= T) {
			snprintf(why, why_len, "cell %d holds variant %d of %d", i, obs[i], T);
			ok = false;
		} else {
			cells[i] = wfc_model_variant_name(m, obs[i]);
		}
	}
	if (ok) ok = vld_check_tiled(&tc->vts, cells, W, H, tc->spec.periodic, why, why_len);
	free(cells);
	return ok;
}

static void tiled_describe(const prop_case *c, char *buf, size_t len)
{
	const tiled_case *tc = (const tiled_case *)c;
	const wfc_tiled_spec *s = &tc->spec;
	textbuf tb = {buf, len, 0};
	buf[0] = 0;
	tb_printf(&tb, "  tiled %dx%d periodic=%d heuristic=%s tile_size=%d unique=%d", s->width,
	          s->height, s->periodic, heuristic_name(s->heuristic), s->tile_size, s->unique);
	tb_printf(&tb, " black_background=%d\n", s->black_background);
	for (int i = 0; i < tc->tile_count; i++)
		tb_printf(&tb, "  tile %s sym=%c weight=%.17g images=%d\n", tc->names[i],
		          tc->symmetry[i], tc->weight[i], tc->tiles[i].image_count);
	for (int i = 0; i < tc->rule_count; i++)
		tb_printf(&tb, "  rule %s %d | %s %d\n", tc->rules[i].left,
		          tc->rules[i].left_orientation, tc->rules[i].right,
		          tc->rules[i].right_orientation);
	if (tc->subset_count) {
		tb_printf(&tb, "  subset");
		for (int i = 0; i < tc->subset_count; i++)
			tb_printf(&tb, " %s", tc->subset[i]);
		tb_printf(&tb, "\n");
	}
}

/* How many rules: none or almost none (contradictions, variants with no
 * neighbour), a few, or many (mostly solvable). */
static int tiled_rule_count(uint64_t *r, int tiles)
{
	switch (rnd_int(r, 0, 2)) {
	case 0:
		return rnd_int(r, 0, 2);
	case 1:
		return rnd_int(r, 1, 2 * tiles);
	default:
		return rnd_int(r, tiles, TL_MAX_RULES);
	}
}

static void tiled_generate(tiled_case *tc, uint64_t seed)
{
	memset(tc, 0, sizeof *tc);
	uint64_t r = seed;
	tc->base = (prop_case){seed, 0, "tiled", tiled_create, tiled_validate, tiled_describe};
	tc->tile_count = rnd_int(&r, 1, TL_MAX_TILES);
	tc->tile_size = rnd_int(&r, 2, 3);
	tc->unique = one_in(&r, 4);

	/* distinct names: a partial Fisher-Yates shuffle of the pool */
	enum { POOL = sizeof tile_name_pool / sizeof *tile_name_pool };
	int order[POOL];
	for (int i = 0; i < POOL; i++)
		order[i] = i;
	for (int i = 0; i < tc->tile_count; i++) {
		int j = rnd_int(&r, i, POOL - 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
		tc->names[i] = tile_name_pool[order[i]];
	}

	static const char classes[] = {'X', 'T', 'I', 'L', '\\', 'F'};
	int area = tc->tile_size * tc->tile_size;
	for (int i = 0; i < tc->tile_count; i++) {
		tc->symmetry[i] = classes[rnd_int(&r, 0, 5)];
		tc->weight[i] = 0.1 + 4.9 * rnd_unit(&r);
		int images = tc->unique ? class_size(tc->symmetry[i]) : 1;
		for (int k = 0; k < images; k++) {
			for (int p = 0; p < area; p++)
				tc->px[i][k][p] = 0xff000000u | (uint32_t)splitmix64(&r);
			tc->images[i][k] = tc->px[i][k];
		}
		tc->tiles[i] =
		    (wfc_tile){tc->names[i], tc->symmetry[i], tc->weight[i], tc->images[i], images};
		tc->vtiles[i] = (vld_tile){tc->names[i], tc->symmetry[i]};
	}

	tc->rule_count = tiled_rule_count(&r, tc->tile_count);
	for (int i = 0; i < tc->rule_count; i++) {
		wfc_neighbor *n = &tc->rules[i];
		*n = (wfc_neighbor){
		    tc->names[rnd_int(&r, 0, tc->tile_count - 1)], rnd_int(&r, 0, 7),
		    tc->names[rnd_int(&r, 0, tc->tile_count - 1)], rnd_int(&r, 0, 7)};
		snprintf(tc->vrule_text[i][0], sizeof tc->vrule_text[i][0], "%s %d", n->left,
		         n->left_orientation);
		snprintf(tc->vrule_text[i][1], sizeof tc->vrule_text[i][1], "%s %d", n->right,
		         n->right_orientation);
		tc->vrules[i] = (vld_rule){tc->vrule_text[i][0], tc->vrule_text[i][1]};
	}

	/* Sometimes a subset: rules that name tiles outside it must be
	 * ignored by both the engine and the validator. */
	if (tc->tile_count > 1 && one_in(&r, 6)) {
		for (int i = 0; i < tc->tile_count; i++)
			if (one_in(&r, 2)) tc->subset[tc->subset_count++] = tc->names[i];
		if (tc->subset_count == 0)
			tc->subset[tc->subset_count++] =
			    tc->names[rnd_int(&r, 0, tc->tile_count - 1)];
	}

	tc->spec = (wfc_tiled_spec){.tiles = tc->tiles,
	                            .tile_count = tc->tile_count,
	                            .tile_size = tc->tile_size,
	                            .unique = tc->unique,
	                            .neighbors = tc->rules,
	                            .neighbor_count = tc->rule_count,
	                            .subset = tc->subset_count ? tc->subset : NULL,
	                            .subset_count = tc->subset_count,
	                            .width = rnd_int(&r, 1, 24),
	                            .height = rnd_int(&r, 1, 24),
	                            .periodic = one_in(&r, 2),
	                            .heuristic = (wfc_heuristic)rnd_int(&r, 0, 2),
	                            .black_background = one_in(&r, 2)};
	tc->vts = (vld_tileset){.tiles = tc->vtiles,
	                        .tile_count = tc->tile_count,
	                        .rules = tc->vrules,
	                        .rule_count = tc->rule_count,
	                        .subset = tc->subset_count ? tc->subset : NULL,
	                        .subset_count = tc->subset_count};
	tc->base.run_seed = rnd_seed(&r);
}

#define TILED_KIND_TAG 0x7469ull /* "ti" */

static void tiled_part(int part)
{
	prop_stats st = {.name = "tiled"};
	tiled_case *tc = malloc(sizeof *tc);
	cr_assert_not_null(tc);
	uint64_t only;
	if (replay_seed(&only)) {
		if (part == 0) {
			tiled_generate(tc, only);
			run_case(&tc->base, -1, &st);
		}
	} else {
		int lo, hi;
		part_range(0, part, &lo, &hi);
		for (int k = lo; k < hi; k++) {
			tiled_generate(tc, case_seed(TILED_KIND_TAG, k));
			run_case(&tc->base, k, &st);
		}
	}
	free(tc);
	report_stats(&st);
}

/* ---- random samples for the overlapping model ---- */

enum { OV_MAX_SIDE = 8 };

typedef struct {
	prop_case base;
	uint32_t sample[OV_MAX_SIDE * OV_MAX_SIDE];
	const char *structure;
	wfc_overlapping_spec spec;
} overlapping_case;

static wfc_status overlapping_create(const prop_case *c, wfc_model **m, wfc_error *err)
{
	return wfc_model_create_overlapping(&((const overlapping_case *)c)->spec, m, err);
}

static bool overlapping_validate(const prop_case *c, const wfc_model *m, const wfc_state *s,
                                 const uint32_t *px, char *why, size_t why_len)
{
	const wfc_overlapping_spec *o = &((const overlapping_case *)c)->spec;
	return vld_check_overlapping(o->sample, o->sample_width, o->sample_height, o->N,
	                             o->periodic_input, o->symmetry, px, o->width, o->height,
	                             o->periodic, why, why_len);
}

static void overlapping_describe(const prop_case *c, char *buf, size_t len)
{
	const overlapping_case *oc = (const overlapping_case *)c;
	const wfc_overlapping_spec *s = &oc->spec;
	textbuf tb = {buf, len, 0};
	buf[0] = 0;
	tb_printf(&tb,
	          "  overlapping sample %dx%d (%s) N=%d periodic_input=%d symmetry=%d ground=%d "
	          "output %dx%d periodic=%d heuristic=%s\n",
	          s->sample_width, s->sample_height, oc->structure, s->N, s->periodic_input,
	          s->symmetry, s->ground, s->width, s->height, s->periodic,
	          heuristic_name(s->heuristic));
	for (int y = 0; y < s->sample_height; y++) {
		tb_printf(&tb, "   ");
		for (int x = 0; x < s->sample_width; x++)
			tb_printf(&tb, " %08x", s->sample[x + y * s->sample_width]);
		tb_printf(&tb, "\n");
	}
}

/* Structured samples give few, well-connected patterns; noise gives many
 * patterns with sparse propagators and more contradictions. */
static void overlapping_sample(overlapping_case *oc, uint64_t *r, int w, int h)
{
	uint32_t palette[4];
	int colors = rnd_int(r, 2, 4);
	for (int i = 0; i < colors; i++) {
		bool fresh;
		do {
			palette[i] = 0xff000000u | (uint32_t)splitmix64(r);
			fresh = true;
			for (int j = 0; j < i; j++)
				fresh = fresh && palette[j] != palette[i];
		} while (!fresh);
	}
	int kind = rnd_int(r, 0, 3);
	int period = rnd_int(r, 1, 3), dir = rnd_int(r, 0, 2);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int c;
			switch (kind) {
			case 0: /* stripes: horizontal, vertical or diagonal */
				c = ((dir == 0 ? y : dir == 1 ? x : x + y) / period) % colors;
				break;
			case 1: /* checkers of period-sized squares */
				c = (x / period + y / period) % colors;
				break;
			default: /* noise; blobs grow from it below */
				c = rnd_int(r, 0, colors - 1);
			}
			oc->sample[x + y * w] = palette[c];
		}
	if (kind == 2) {
		/* blobs: each pixel takes a neighbour's colour a few times over */
		for (int pass = 0; pass < 3 * w * h; pass++) {
			int x = rnd_int(r, 0, w - 1), y = rnd_int(r, 0, h - 1);
			int nx = (x + rnd_int(r, -1, 1) + w) % w,
			    ny = (y + rnd_int(r, -1, 1) + h) % h;
			oc->sample[x + y * w] = oc->sample[nx + ny * w];
		}
	}
	static const char *const names[] = {"stripes", "checkers", "blobs", "noise"};
	oc->structure = names[kind];
}

static void overlapping_generate(overlapping_case *oc, uint64_t seed)
{
	memset(oc, 0, sizeof *oc);
	uint64_t r = seed;
	oc->base = (prop_case){.seed = seed,
	                       .kind = "overlapping",
	                       .create = overlapping_create,
	                       .validate = overlapping_validate,
	                       .describe = overlapping_describe};
	int sw = rnd_int(&r, 2, OV_MAX_SIDE), sh = rnd_int(&r, 2, OV_MAX_SIDE);
	overlapping_sample(oc, &r, sw, sh);
	bool periodic_input = one_in(&r, 2);
	int max_n = periodic_input ? 3 : sw < sh ? sw : sh;
	int N = rnd_int(&r, 1, max_n < 3 ? max_n : 3);
	bool periodic = one_in(&r, 2);
	/* A non-periodic output must hold one N x N window; a periodic one
	 * may even be smaller than a window (it wraps onto itself). */
	int min_side = periodic ? 1 : N;
	oc->spec = (wfc_overlapping_spec){.sample = oc->sample,
	                                  .sample_width = sw,
	                                  .sample_height = sh,
	                                  .N = N,
	                                  .width = rnd_int(&r, min_side, 24),
	                                  .height = rnd_int(&r, min_side, 24),
	                                  .periodic_input = periodic_input,
	                                  .periodic = periodic,
	                                  .symmetry = rnd_int(&r, 1, 8),
	                                  .ground = periodic_input && one_in(&r, 4),
	                                  .heuristic = (wfc_heuristic)rnd_int(&r, 0, 2)};
	oc->base.run_seed = rnd_seed(&r);
}

#define OVERLAPPING_KIND_TAG 0x6f76ull /* "ov" */

static void overlapping_part(int part)
{
	prop_stats st = {.name = "overlapping"};
	overlapping_case *oc = malloc(sizeof *oc);
	cr_assert_not_null(oc);
	uint64_t only;
	if (replay_seed(&only)) {
		if (part == 0) {
			overlapping_generate(oc, only);
			run_case(&oc->base, -1, &st);
		}
	} else {
		int lo, hi;
		part_range(1, part, &lo, &hi);
		for (int k = lo; k < hi; k++) {
			overlapping_generate(oc, case_seed(OVERLAPPING_KIND_TAG, k));
			run_case(&oc->base, k, &st);
		}
	}
	free(oc);
	report_stats(&st);
}

/* A hang is a failure too: generous limits, far above the expected time. */
#define PROP_TIMEOUT 300

Test(property, tiled_0, .timeout = PROP_TIMEOUT)
{
	tiled_part(0);
}
Test(property, tiled_1, .timeout = PROP_TIMEOUT)
{
	tiled_part(1);
}
Test(property, tiled_2, .timeout = PROP_TIMEOUT)
{
	tiled_part(2);
}
Test(property, tiled_3, .timeout = PROP_TIMEOUT)
{
	tiled_part(3);
}
Test(property, overlapping_0, .timeout = PROP_TIMEOUT)
{
	overlapping_part(0);
}
Test(property, overlapping_1, .timeout = PROP_TIMEOUT)
{
	overlapping_part(1);
}
Test(property, overlapping_2, .timeout = PROP_TIMEOUT)
{
	overlapping_part(2);
}
Test(property, overlapping_3, .timeout = PROP_TIMEOUT)
{
	overlapping_part(3);
}

/* ---- variants with no possible neighbour ---- */

/* Tile "a" of class sym and an X tile "b", at most one rule, w x h. */
static void stranded_case(tiled_case *tc, char sym, const wfc_neighbor *rule, int w, int h,
                          bool periodic, int k)
{
	static const uint32_t px[4] = {0xff112233u, 0xff445566u, 0xff778899u, 0xffaabbccu};
	static const uint32_t *const image[1] = {px};
	memset(tc, 0, sizeof *tc);
	tc->base = (prop_case){.seed = (uint64_t)k,
	                       .run_seed = k,
	                       .kind = "no-neighbour",
	                       .create = tiled_create,
	                       .validate = tiled_validate,
	                       .describe = tiled_describe};
	tc->tile_count = 2;
	tc->tile_size = 2;
	tc->names[0] = "a";
	tc->names[1] = "b";
	tc->symmetry[0] = sym;
	tc->symmetry[1] = 'X';
	tc->weight[0] = 1.0;
	tc->weight[1] = 0.5;
	tc->tiles[0] = (wfc_tile){"a", sym, 1.0, image, 1};
	tc->tiles[1] = (wfc_tile){"b", 'X', 0.5, image, 1};
	tc->vtiles[0] = (vld_tile){"a", sym};
	tc->vtiles[1] = (vld_tile){"b", 'X'};
	if (rule) {
		tc->rule_count = 1;
		tc->rules[0] = *rule;
		snprintf(tc->vrule_text[0][0], sizeof tc->vrule_text[0][0], "%s %d", rule->left,
		         rule->left_orientation);
		snprintf(tc->vrule_text[0][1], sizeof tc->vrule_text[0][1], "%s %d", rule->right,
		         rule->right_orientation);
		tc->vrules[0] = (vld_rule){tc->vrule_text[0][0], tc->vrule_text[0][1]};
	}
	tc->spec = (wfc_tiled_spec){.tiles = tc->tiles,
	                            .tile_count = 2,
	                            .tile_size = 2,
	                            .neighbors = tc->rules,
	                            .neighbor_count = tc->rule_count,
	                            .width = w,
	                            .height = h,
	                            .periodic = periodic};
	tc->vts = (vld_tileset){.tiles = tc->vtiles,
	                        .tile_count = 2,
	                        .rules = tc->vrules,
	                        .rule_count = tc->rule_count};
}

/* Rules that leave some (or all) variants without a neighbour in some
 * direction, for every class. The engine bans such a variant wherever
 * that neighbour exists (the reference would leave it in and could place
 * it next to anything), so outputs must still pass the validator, and with
 * no rule at all only a lone non-periodic cell can be filled. */
Test(property, variants_without_neighbours)
{
	static const char classes[] = {'X', 'T', 'I', 'L', '\\', 'F'};
	static const int sizes[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 5}, {7, 4}};
	/* a only left of b (b has no right neighbour); a 1 beside a 0 (the
	 * other variants of a have none); b beside b (a has none at all) */
	static const wfc_neighbor rules[] = {{"a", 0, "b", 0}, {"a", 1, "a", 0}, {"b", 0, "b", 0}};
	prop_stats st = {.name = "no-neighbour"};
	tiled_case *tc = malloc(sizeof *tc);
	cr_assert_not_null(tc);
	int k = 0;
	for (int c = 0; c < 6; c++)
		for (int r = -1; r < 3; r++)
			for (int z = 0; z < 6; z++)
				for (int periodic = 0; periodic < 2; periodic++, k++) {
					int w = sizes[z][0], h = sizes[z][1];
					stranded_case(tc, classes[c], r < 0 ? NULL : &rules[r], w,
					              h, periodic, k);
					run_case(&tc->base, k, &st);
					if (r >= 0) continue;
					bool lone = !periodic && w * h == 1;
					wfc_model *m;
					wfc_error err;
					cr_assert_eq(wfc_model_create_tiled(&tc->spec, &m, &err),
					             WFC_OK);
					for (int mode = 0; mode < 2; mode++) {
						wfc_state *s = new_state(m, (wfc_mode)mode);
						cr_expect_eq(
						    wfc_run(s, k, -1, NULL),
						    lone ? WFC_OK : WFC_CONTRADICTION,
						    "class %c, no rules, %dx%d periodic=%d, "
						    "%s mode",
						    classes[c], w, h, periodic,
						    mode_name((wfc_mode)mode));
						wfc_state_destroy(s);
					}
					wfc_model_destroy(m);
				}
	free(tc);
	report_stats(&st);
}

/* ---- overlapping outputs with a side below 2N - 2 ---- */

/* Pixel (x, y) of a complete overlapping output assembled from the observed
 * patterns: a periodic output has a node at every cell; a non-periodic one
 * takes its last N - 1 rows and columns from its last node. */
static void assemble_output(const wfc_model *m, const wfc_state *s, bool periodic, uint32_t *out)
{
	int W = wfc_model_width(m), H = wfc_model_height(m), N;
	wfc_model_pattern(m, 0, &N);
	const int32_t *obs = wfc_state_observed(s);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int nx = periodic || x < W - N ? x : W - N;
			int ny = periodic || y < H - N ? y : H - N;
			const uint8_t *p = wfc_model_pattern(m, obs[nx + ny * W], &N);
			out[x + y * W] = wfc_model_color(m, p[(x - nx) + (y - ny) * N]);
		}
}

typedef struct {
	long runs, refused, wave_bad, render_bad;
	char first[1024];
} small_stats;

static void small_output_case(const wfc_overlapping_spec *spec, wfc_mode mode, small_stats *st)
{
	wfc_model *m;
	wfc_error err;
	wfc_status cs = wfc_model_create_overlapping(spec, &m, &err);
	if (cs == WFC_ERR_INPUT) {
		st->refused++;
		return;
	}
	cr_assert_eq(cs, WFC_OK, "%s", err.message);
	wfc_state *s = new_state(m, mode);
	wfc_status r = wfc_run(s, 1, -1, NULL);
	cr_assert(r == WFC_OK || r == WFC_CONTRADICTION, "%s", wfc_status_name(r));
	if (r == WFC_OK && wfc_state_complete(s)) {
		st->runs++;
		size_t n;
		uint32_t *mine = render_alloc(m, &n), *px = render_alloc(m, &n);
		char why[512] = "", where[256];
		snprintf(where, sizeof where,
		         "%dx%d sample, N=%d, output %dx%d, periodic=%d, %s mode, seed 1",
		         spec->sample_width, spec->sample_height, spec->N, spec->width,
		         spec->height, spec->periodic, mode_name(mode));
		assemble_output(m, s, spec->periodic, mine);
		if (!vld_check_overlapping(spec->sample, spec->sample_width, spec->sample_height,
		                           spec->N, spec->periodic_input, spec->symmetry, mine,
		                           spec->width, spec->height, spec->periodic, why,
		                           sizeof why)) {
			if (!st->wave_bad++)
				snprintf(st->first, sizeof st->first,
				         "observed patterns invalid: %s: %s", where, why);
		} else {
			wfc_render(s, px);
			bool ok = memcmp(px, mine, n * sizeof *px) == 0 &&
			          grid_consistent(m, s, px, why, sizeof why);
			if (!ok && !st->render_bad++ && !st->wave_bad)
				snprintf(st->first, sizeof st->first,
				         "wfc_render disagrees with the observed patterns for a "
				         "side below 2N - 2: %s",
				         where);
		}
		free(mine);
		free(px);
	}
	/* Second bug: stopped before any observation, the superposition
	 * render wraps a periodic side below N - 1 only once. Only a crash
	 * (under ASan) can fail here. */
	if (wfc_run(s, 1, 0, NULL) == WFC_OK) {
		size_t n;
		uint32_t *px = render_alloc(m, &n);
		wfc_render(s, px);
		free(px);
	}
	wfc_state_destroy(s);
	wfc_model_destroy(m);
}

/*
 * Regression test of two bugs (fixed in engine/render.c), overlapping
 * outputs with a small side:
 *
 * 1. pixel_source (complete outputs, wfc_render and wfc_state_grid): when
 *    the width or height S is below 2N - 2 (N = 2: a periodic side of 1;
 *    N = 3: sides 1..3, e.g. a non-periodic 3x3 output), pixel x >= S - N + 1
 *    is taken from node x - (N - 1), which is negative there: observed[] is
 *    read before its start. The reference's Save() has the same formula
 *    and would throw IndexOutOfRange for these sizes; the engine accepts
 *    them. Without sanitizers the pixels come from the wrong cells (the
 *    validator rejects them); under ASan it is a heap-buffer-overflow.
 * 2. render_overlapping (partial or contradicted states): a periodic side
 *    below N - 1 (N = 3, side 1) is wrapped with a single "+= MX", so the
 *    node index stays negative and the wave is read before its start.
 *
 * It checks the observed patterns
 * first (assembled here: node min(x, S - N) when non-periodic, x when
 * periodic; the same pixels as the reference's formula wherever that is in
 * range), then that wfc_render and the legend grid agree with them, then
 * renders a run stopped before its first observation.
 */
Test(property, small_outputs)
{
	static const uint32_t uniform[9] = {0xff204060u, 0xff204060u, 0xff204060u,
	                                    0xff204060u, 0xff204060u, 0xff204060u,
	                                    0xff204060u, 0xff204060u, 0xff204060u};
	static const uint32_t stripes[16] = {0xff000000u, 0xffffffffu, 0xff000000u, 0xffffffffu,
	                                     0xff000000u, 0xffffffffu, 0xff000000u, 0xffffffffu,
	                                     0xff000000u, 0xffffffffu, 0xff000000u, 0xffffffffu,
	                                     0xff000000u, 0xffffffffu, 0xff000000u, 0xffffffffu};
	const struct {
		const uint32_t *px;
		int side;
	} samples[] = {{uniform, 3}, {stripes, 4}};
	small_stats st = {0};
	for (int smp = 0; smp < 2; smp++)
		for (int N = 2; N <= 3; N++)
			for (int periodic = 0; periodic < 2; periodic++)
				for (int w = periodic ? 1 : N; w <= 2 * N - 1; w++)
					for (int h = periodic ? 1 : N; h <= 2 * N - 1; h++) {
						wfc_overlapping_spec spec = {
						    .sample = samples[smp].px,
						    .sample_width = samples[smp].side,
						    .sample_height = samples[smp].side,
						    .N = N,
						    .width = w,
						    .height = h,
						    .periodic_input = true,
						    .periodic = periodic,
						    .symmetry = 8};
						small_output_case(&spec, WFC_MODE_FAST, &st);
						small_output_case(&spec, WFC_MODE_REFERENCE, &st);
					}
	cr_log_info("small outputs: %ld complete runs, %ld specs refused, %ld with invalid "
	            "patterns, %ld mis-rendered",
	            st.runs, st.refused, st.wave_bad, st.render_bad);
	cr_expect_eq(st.wave_bad + st.render_bad, 0, "%ld of %ld small outputs broken; first: %s",
	             st.wave_bad + st.render_bad, st.runs, st.first);
}
