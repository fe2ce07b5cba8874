/*
 * wfc.h - the Wave Function Collapse engine: public API.
 *
 * Two models of the reference implementation (mxgmn/WaveFunctionCollapse):
 * the overlapping model (N x N patterns learned from one sample image) and
 * the simple tiled model (tiles, symmetry classes, neighbour rules).
 *
 * The engine does no I/O: images come in and go out as arrays of 32-bit
 * ARGB pixels (0xAARRGGBB), row-major. It keeps no global mutable state, so
 * any number of threads may run it at once.
 *
 * Ownership:
 *   - wfc_model_create_*() copies everything it needs from the spec; the
 *     caller keeps ownership of the spec and may free it right after.
 *     wfc_model_destroy() frees the model. A model is immutable once built
 *     and may be shared by any number of threads.
 *   - wfc_state_create() allocates all per-run memory; wfc_state_destroy()
 *     frees it. A state is used by one thread at a time and refers to its
 *     model, which must outlive it. Runs allocate nothing.
 *   - Every function that can fail returns a wfc_status and, when given a
 *     non-NULL wfc_error, writes a sentence a user can act on into it.
 *
 * Typical use:
 *   wfc_model *m; wfc_state *s; wfc_error err;
 *   if (wfc_model_create_overlapping(&spec, &m, &err)) { show(err.message); }
 *   wfc_state_create(m, &s, &err);
 *   wfc_status st = wfc_run(s, seed, -1, NULL);   // one attempt
 *   if (st == WFC_OK) wfc_render(s, pixels);      // wfc_render_size() pixels
 *   wfc_state_destroy(s); wfc_model_destroy(m);
 */
#ifndef WFC_H
#define WFC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what a model may ask for; inputs beyond them are refused with a
 * clear message rather than exhausting memory. */
#define WFC_MAX_SIDE 4096                /* output width or height, cells */
#define WFC_MAX_CELLS (1 << 22)          /* output cells (4M: 2048 x 2048) */
#define WFC_MAX_N 8                      /* overlapping pattern side */
#define WFC_MAX_SAMPLE_SIDE 1024         /* sample image width or height */
#define WFC_MAX_COLORS 256               /* distinct colours in one sample */
#define WFC_MAX_PATTERNS 16384           /* patterns or tile variants (T) */
#define WFC_MAX_TILES 1024               /* tiles in a tileset */
#define WFC_MAX_TILE_SIZE 256            /* tile bitmap side, pixels */
#define WFC_MAX_RULES 65536              /* neighbour rules in a tileset */
#define WFC_MAX_NAME 64                  /* tile name length, bytes */
#define WFC_MAX_STATE_BYTES (4ull << 30) /* per-run memory of one state */
#define WFC_MAX_RENDER_PIXELS (1 << 26)  /* rendered image (tiled: cells * tile area) */

typedef enum {
	WFC_OK = 0,            /* done (or stopped at the observation limit) */
	WFC_CONTRADICTION = 1, /* some cell has no pattern left */
	WFC_ERR_INPUT = 2,     /* the spec is invalid; see wfc_error */
	WFC_ERR_NOMEM = 3,     /* out of memory or over WFC_MAX_STATE_BYTES */
	WFC_CANCELED = 4,      /* the observer's cancel flag was set */
} wfc_status;

typedef struct {
	char message[512];
} wfc_error;

typedef enum {
	WFC_HEURISTIC_ENTROPY = 0, /* min entropy, random tie-break (default) */
	WFC_HEURISTIC_MRV = 1,     /* fewest remaining values */
	WFC_HEURISTIC_SCANLINE = 2 /* first undecided cell in raster order */
} wfc_heuristic;

/* Overlapping model: learn N x N patterns from one sample image. */
typedef struct {
	const uint32_t *sample; /* sample_width * sample_height ARGB pixels */
	int sample_width, sample_height;
	int N;               /* pattern side, 1..WFC_MAX_N */
	int width, height;   /* output size in pixels (= cells) */
	bool periodic_input; /* patterns wrap around the sample's edges */
	bool periodic;       /* output wraps in x and y */
	int symmetry;        /* 1..8: dihedral variants of each pattern used */
	bool ground;         /* last pattern is ground: bottom row only */
	wfc_heuristic heuristic;
} wfc_overlapping_spec;

/* One tile of a tiled model. */
typedef struct {
	const char *name; /* unique within the tileset, no spaces */
	char symmetry;    /* 'X', 'T', 'I', 'L', '\\' or 'F' */
	double weight;    /* > 0; every variant of the tile gets this weight */
	/* Bitmaps, tile_size^2 ARGB pixels each: one image (variant 0; the
	 * others are rotated/mirrored from it) or, when the spec is unique,
	 * one image per variant (cardinality of the symmetry class). */
	const uint32_t *const *images;
	int image_count;
} wfc_tile;

/* "left may sit directly left of right", orientations 0..7 as in the
 * reference tileset format. */
typedef struct {
	const char *left;
	int left_orientation;
	const char *right;
	int right_orientation;
} wfc_neighbor;

typedef struct {
	const wfc_tile *tiles;
	int tile_count;
	int tile_size; /* pixels per side of every tile bitmap */
	bool unique;   /* each variant has its own bitmap */
	const wfc_neighbor *neighbors;
	int neighbor_count;
	/* Subset: only these tiles (and rules among them) are used. NULL and 0
	 * means the whole tileset. */
	const char *const *subset;
	int subset_count;
	int width, height; /* output size in cells */
	bool periodic;
	wfc_heuristic heuristic;
	bool black_background; /* partial renders: untouched cells black */
} wfc_tiled_spec;

typedef struct wfc_model wfc_model;
typedef struct wfc_state wfc_state;

typedef enum { WFC_MODEL_OVERLAPPING = 0, WFC_MODEL_TILED = 1 } wfc_model_kind;

wfc_status wfc_model_create_overlapping(const wfc_overlapping_spec *spec, wfc_model **out,
                                        wfc_error *err);
wfc_status wfc_model_create_tiled(const wfc_tiled_spec *spec, wfc_model **out, wfc_error *err);
void wfc_model_destroy(wfc_model *m);

wfc_model_kind wfc_model_kind_of(const wfc_model *m);
int wfc_model_pattern_count(const wfc_model *m); /* T */
int wfc_model_width(const wfc_model *m);         /* output cells */
int wfc_model_height(const wfc_model *m);
bool wfc_model_periodic(const wfc_model *m); /* the output wraps around */
/* Whether cell (x, y) is a node, i.e. holds a pattern of its own: always,
 * except the last N-1 rows and columns of a non-periodic overlapping
 * output, which follow from their neighbours' patterns. */
bool wfc_model_is_node(const wfc_model *m, int x, int y);
/* Whether pattern t may stand at cell (x, y) before anything is observed:
 * the ground rule (the last pattern in the bottom row, alone, and nowhere
 * else) and the edges of a non-periodic output. A pin or guess that fails
 * this contradicts at once. */
bool wfc_model_start_allows(const wfc_model *m, int x, int y, int t);
/* Rendered image size: cells for overlapping, cells * tile_size for tiled. */
void wfc_render_size(const wfc_model *m, int *width, int *height);
/* Legend of the grid returned by wfc_state_grid():
 *   overlapping: colour k of the sample (ARGB), k < wfc_model_legend_count;
 *   tiled: variant t named "<tile> <orientation>" as in the reference. */
int wfc_model_legend_count(const wfc_model *m);
uint32_t wfc_model_color(const wfc_model *m, int k);
const char *wfc_model_variant_name(const wfc_model *m, int t); /* tiled only, else NULL */
double wfc_model_weight(const wfc_model *m, int t);
/* Size of the propagator list of pattern t towards direction d
 * (0 left, 1 down, 2 right, 3 up). */
int wfc_model_propagator_size(const wfc_model *m, int d, int t);
/* The list itself, ascending; *len gets its size. NULL when out of range. */
const int32_t *wfc_model_propagator(const wfc_model *m, int d, int t, int *len);
/* Tiled: variant t's bitmap, tile_size^2 ARGB pixels (owned by the model);
 * *tile_size gets the side. NULL for overlapping models. */
const uint32_t *wfc_model_variant_pixels(const wfc_model *m, int t, int *tile_size);
/* Overlapping: pattern t as N*N colour indices, (x, y) at x + y*N; *N gets
 * the side. NULL for tiled models. */
const uint8_t *wfc_model_pattern(const wfc_model *m, int t, int *N);

/* Progress and cancellation, checked between observations. */
typedef struct {
	/* Called after each observation with the fraction of cells decided,
	 * 0..1. May be NULL. Runs on the engine's thread: keep it cheap. */
	void (*progress)(void *ctx, double fraction_decided);
	void *ctx;
	/* When non-NULL and nonzero, the run stops with WFC_CANCELED. */
	const atomic_int *cancel;
	/* Call progress every this many observations (0 = every one). */
	int progress_every;
} wfc_observer;

/*
 * Modes of a run:
 *   WFC_MODE_FAST (the default): the next cell comes from a heap instead of
 *   a scan of the whole grid, propagation works on bitsets, memory stays
 *   around 60 bytes per cell for T <= 128, and a contradiction is repaired
 *   locally (the cells around it are reset and re-propagated, with a
 *   bounded budget) instead of failing the attempt. Seeds reproduce, but
 *   outputs differ from the reference program's.
 *   WFC_MODE_REFERENCE: the reference program step for step (its scan, its
 *   random draws, its retry-only behaviour): bit-identical outputs.
 */
typedef enum { WFC_MODE_FAST = 0, WFC_MODE_REFERENCE = 1 } wfc_mode;

/* A state in the default mode (WFC_MODE_FAST). */
wfc_status wfc_state_create(const wfc_model *m, wfc_state **out, wfc_error *err);
wfc_status wfc_state_create_mode(const wfc_model *m, wfc_mode mode, wfc_state **out,
                                 wfc_error *err);
wfc_mode wfc_state_mode(const wfc_state *s);
/* Fast mode: repairs made by the last run (0 in the reference mode). */
int wfc_state_repairs(const wfc_state *s);
/* Bytes the state allocated (not counting its model). */
size_t wfc_state_memory(const wfc_state *s);
void wfc_state_destroy(wfc_state *s);

/* One attempt: limit < 0 means no limit; reaching the limit returns WFC_OK
 * with the state partially observed. obs may be NULL. In the reference
 * mode this is exactly the reference's Run(seed, limit). */
wfc_status wfc_run(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs);

/* Attempts in a row until one does not contradict. Attempt k (from 0) uses
 * seed + k when vary_seed, else seed every time (the reference program's
 * behaviour when a seed is given). *attempts_used may be NULL. */
wfc_status wfc_generate(wfc_state *s, int32_t seed, int attempts, bool vary_seed, int limit,
                        const wfc_observer *obs, int *attempts_used);

/* After WFC_OK: true when every cell holds exactly one pattern. */
bool wfc_state_complete(const wfc_state *s);
/* Number of patterns still possible at cell (x, y); wave bit of t. */
int wfc_state_count(const wfc_state *s, int x, int y);
bool wfc_state_possible(const wfc_state *s, int x, int y, int t);
/* Chosen pattern/variant per cell, width * height, -1 where undecided. */
const int32_t *wfc_state_observed(const wfc_state *s);
/* Grid of legend indices (see wfc_model_legend_count), width * height of
 * the model: colour index per pixel (overlapping) or variant per cell
 * (tiled). Returns false when the state is not complete. */
bool wfc_state_grid(const wfc_state *s, int32_t *out);
/* Render into render_size ARGB pixels: complete states as the chosen
 * patterns, partial ones as the reference's superposition averages. */
void wfc_render(const wfc_state *s, uint32_t *out);

const char *wfc_status_name(wfc_status st);

/*
 * Guidance (fast mode only), e.g. from a neural generator:
 *   priors: cells * T non-negative multipliers, [cell * T + t], cell =
 *   x + y * width; an observation at a cell draws t with probability
 *   proportional to weight(t) * prior(cell, t) among the patterns still
 *   possible there (the global weights alone when all of those priors are
 *   0). The min-entropy order keeps using the global weights.
 *   pins: cells entries, the pattern a cell must hold or -1. Pinned cells
 *   start every run (and every repair) decided, so outputs keep them.
 * Both are copied; NULL clears. Pins must name patterns < T on node cells
 * (in a non-periodic overlapping output the last N-1 rows and columns are
 * not nodes). When the pins alone contradict at the start of a run, the
 * run returns WFC_CONTRADICTION and wfc_state_pin_conflict gives the cell
 * where it showed (else -1): the pins are impossible, not the seed.
 */
wfc_status wfc_state_set_priors(wfc_state *s, const float *priors, wfc_error *err);
/* The same priors in the shape of a generator's softmax, without a cells
 * * T array: V vocabulary entries, entry v standing for pattern
 * pattern_of[v] (distinct, < T); p holds V planes of cells values,
 * [v * cells + cell]; prior(cell, pattern_of[v]) = floor + p[v * cells +
 * cell] and floor for patterns outside the vocabulary. p >= 0, floor >= 0,
 * all finite. Replaces wfc_state_set_priors' priors and vice versa; p NULL
 * clears. */
wfc_status wfc_state_set_vocab_priors(wfc_state *s, const float *p, int V,
                                      const int32_t *pattern_of, float floor, wfc_error *err);
wfc_status wfc_state_set_pins(wfc_state *s, const int32_t *pins, wfc_error *err);
int wfc_state_pin_conflict(const wfc_state *s);
/* Hints: like pins (same array, same rules), but soft. A hinted cell
 * starts a run decided, when its start set allows the hint (else it starts
 * free), and a contradiction among hints is repaired like any other: the
 * cells around it, hinted or not, start over. So good hints save WFC most
 * of its work, and bad ones cost repairs, never the run; an attempt fails
 * only when the repair budget runs out. Copied; NULL clears. */
wfc_status wfc_state_set_hints(wfc_state *s, const int32_t *hints, wfc_error *err);

#endif
