/*
 * internal.h - the engine's data layout, shared by its .c files only.
 *
 * A model is everything fixed before a run: patterns (or tile variants),
 * weights, and the propagator in CSR form. A state is one run's memory:
 * the wave as one bitset per cell, AC-4 support counters, and the per-cell
 * entropy sums the reference maintains incrementally. All of it is
 * allocated once in wfc_state_create; runs allocate nothing.
 */
#ifndef WFC_INTERNAL_H
#define WFC_INTERNAL_H

#include "wfc.h"

#include <stdio.h>

/* Largest T that gets byte-union tables (4 MiB at 512). */
#define WFC_BYTE_UNION_MAX_T 512
/* ...and of their sums, which the fast mode recounts per observation only
 * up to this T (beyond it keeping them pattern by pattern measured faster). */
#define WFC_BYTE_SUMS_MAX_T 128

/* Directions 0 left, 1 down, 2 right, 3 up (y grows downward). */
static const int wfc_dx[4] = {-1, 0, 1, 0};
static const int wfc_dy[4] = {0, 1, 0, -1};
static const int wfc_opposite[4] = {2, 3, 0, 1};

struct wfc_model {
	wfc_model_kind kind;
	int T;      /* patterns or tile variants */
	int MX, MY; /* output size in cells */
	int N;      /* pattern side; 1 for tiled */
	bool periodic;
	bool ground;
	wfc_heuristic heuristic;

	double *weights; /* T */
	double *wlogw;   /* T: w ln w */
	double sum_w, sum_wlogw, starting_entropy;

	/* propagator[d][t] = prop_list[d][prop_start[d][t] .. prop_start[d][t+1]),
	 * ascending: patterns allowed at offset (dx[d], dy[d]) from t. */
	int32_t *prop_start[4]; /* T + 1 each */
	int32_t *prop_list[4];
	/* The same as bitsets for the fast mode: prop_mask[d] + t * words. */
	int words; /* 64-bit words per pattern set */
	uint64_t *prop_mask[4];
	uint64_t *full_mask[4]; /* union over all t: what a full cell allows */
	uint64_t *ground_mask;  /* ground models: every pattern but T-1 */
	/* t2 in propagator[d][t] iff t in propagator[opposite d][t2], as both
	 * constructors make it (checked); the fast mode skips work with it */
	bool symmetric;
	/* Unions of the masks of any subset of 8 consecutive patterns, for
	 * T <= WFC_BYTE_UNION_MAX_T: the four directions of one (chunk, byte)
	 * are adjacent, byte_union + ((chunk * 256 + byte) * 4 + d) * words. */
	uint64_t *byte_union;
	/* For T <= WFC_BYTE_SUMS_MAX_T, the same bytes' sums of weights and of
	 * w ln w: byte_sums + (chunk * 256 + byte) * 2 holds {sum w, sum w ln w}. */
	double *byte_sums;

	/* overlapping */
	int color_count;
	uint32_t *colors;  /* color_count ARGB */
	uint8_t *patterns; /* T * N * N colour indices, (x, y) at x + y * N */

	/* tiled */
	int tile_size;
	uint32_t *tile_pixels; /* T * tile_size^2 */
	char **variant_names;  /* T, "<tile> <t>" */
	bool black_background;
};

struct wfc_state {
	const wfc_model *m;
	wfc_mode mode;
	size_t memory; /* bytes allocated for this state */
	int cells;
	int words;      /* 64-bit words per cell in the wave */
	uint64_t *wave; /* cells * words */
	int32_t *sums_of_ones;
	double *sums_w, *sums_wlogw;
	int32_t *observed;
	int scan_pointer;
	int decided;        /* cells with exactly one pattern left */
	bool contradiction; /* a node lost its last pattern */
	bool complete;

	/* reference mode (run.c) */
	int32_t *compatible; /* cells * T * 4: [cell][t][d] */
	double *entropies;
	int32_t *stack; /* pairs (cell, t); capacity cells * T */
	size_t stack_size;
	double *distribution; /* T */

	/* fast mode (fast.c) */
	struct wfc_heap_entry *heap; /* min-heap of undecided nodes: (key, cell) */
	int32_t *heap_pos;           /* index in heap, -1 when absent */
	int heap_size;
	int32_t *queue; /* ring of cells whose set shrank */
	size_t queue_head, queue_count;
	uint8_t *queued; /* flags: QUEUED, DIRTY, SKIP (fast.c) */
	int32_t *dirty;  /* cells whose heap key is stale */
	int dirty_count;
	uint64_t noise_seed;
	int contradiction_cell;
	int repairs; /* repairs made in this attempt */
	int last_repair_cell, last_repair_radius;
	int observations_since_repair;
	uint64_t *scratch; /* 6 pattern sets */

	/* guidance (guide.c), fast mode only; NULL when unset */
	float *priors;    /* cells * T multipliers of the global weights */
	/* or the same over a vocabulary (wfc_state_set_vocab_priors):
	 * prior(cell, t) = vprior_floor + vpriors[entry * cells + cell] with
	 * entry = vprior_entry[t] (T ints, -1: floor only) */
	float *vpriors;
	int32_t *vprior_entry;
	float vprior_floor;
	int vprior_count; /* V */
	int32_t *pins;    /* cells: pattern a cell must hold, -1 free */
	int pin_conflict; /* cell where the pins alone contradicted, else -1 */
	int32_t *hints;   /* cells: pattern a cell starts with, -1 free; a repair
	                   * frees them (wfc_state_set_hints) */
};

/* fast.c */
size_t wfc_fast_state_bytes(const wfc_model *m);
wfc_status wfc_fast_state_alloc(wfc_state *s);
wfc_status wfc_fast_run(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs);
/* model.c: bitset propagator for the fast mode */
wfc_status wfc_model_build_masks(wfc_model *m, wfc_error *err);

/* Fills err (may be NULL) and returns st. */
wfc_status wfc_fail(wfc_error *err, wfc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Common tail of both constructors: weights -> entropy constants; checks
 * the output size. The model must have kind, T, N, MX, MY, periodic set. */
wfc_status wfc_model_finish(wfc_model *m, wfc_error *err);
/* Builds prop_start/prop_list for direction d from a T x T bit matrix
 * where bit (t1, t2) at rows[t1 * row_words + t2 / 64] means allowed;
 * transposed reads column t1 instead. */
wfc_status wfc_propagator_from_bits(wfc_model *m, int d, const uint64_t *bits, size_t row_words,
                                    bool transposed, wfc_error *err);
/* rotate (90° CCW as displayed) and mirror a square block of n x n items. */
void wfc_rotate_u8(const uint8_t *in, uint8_t *out, int n);
void wfc_mirror_u8(const uint8_t *in, uint8_t *out, int n);
void wfc_rotate_u32(const uint32_t *in, uint32_t *out, int n);
void wfc_mirror_u32(const uint32_t *in, uint32_t *out, int n);

/* Wave bit of pattern t at cell i. */
static inline bool wfc_alive(const wfc_state *s, int i, int t)
{
	return s->wave[(size_t)i * s->words + (size_t)t / 64] >> (t % 64) & 1;
}

static inline bool wfc_is_node(const wfc_model *m, int x, int y)
{
	return m->periodic || (x + m->N <= m->MX && y + m->N <= m->MY);
}

/* Which neighbours node (x, y) has, bit d for direction d; 0 for a
 * non-node (it holds no pattern of its own, so nothing restricts it). */
static inline unsigned wfc_start_sides(const wfc_model *m, int x, int y)
{
	if (!wfc_is_node(m, x, y)) return 0;
	if (m->periodic) return 15;
	return (unsigned)(x > 0) | (unsigned)(y < m->MY - m->N) << 1 |
	       (unsigned)(x < m->MX - m->N) << 2 | (unsigned)(y > 0) << 3;
}

/* Word k (of words) of the set cell (x, y) starts every run with: all
 * patterns, less those with no possible neighbour towards an existing
 * node (sides: wfc_start_sides), less the ground rule (the last pattern
 * in the bottom row only, and alone there). One word at a time, so that a
 * single pattern can be asked about without a buffer
 * (wfc_model_start_allows). */
static inline uint64_t wfc_start_word(const wfc_model *m, int y, unsigned sides, int k,
                                      int words)
{
	int T = m->T;
	uint64_t w = ~0ull;
	if (k == words - 1 && T % 64) w = (1ull << (T % 64)) - 1;
	/* a pattern usable here needs a non-empty list towards d, i.e. it
	 * appears in some list of the opposite direction */
	for (int d = 0; d < 4; d++)
		if (sides >> d & 1) w &= m->full_mask[wfc_opposite[d]][k];
	if (m->ground) {
		if (y == m->MY - 1)
			w = k == (T - 1) / 64 ? 1ull << ((T - 1) % 64) : 0;
		else
			w &= m->ground_mask[k];
	}
	return w;
}

#endif
