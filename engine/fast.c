/*
 * fast.c - the default run mode: same model, same propagation fixpoint, but
 * built to scale (WFC-SPEC.md §12 notes where the reference does not).
 *
 *   - The next cell comes from a min-heap keyed by entropy (or remaining
 *     count) plus a per-cell tie-break, not from a scan of every cell, so
 *     an observation costs O(log cells) instead of O(cells).
 *   - Propagation is arc consistency on bitsets: when a cell's set shrinks,
 *     each neighbour is intersected with the union of what the cell's
 *     patterns allow there. No per-(cell, pattern, direction) counters:
 *     about 60 bytes per cell for T <= 128, against 16 * T for AC-4.
 *   - A contradiction is repaired, not fatal: the square of cells around
 *     the emptied cell is reset to its initial set and re-propagated from
 *     its surroundings (which stay arc consistent, since enlarging a set
 *     only adds support). Repeated failures in one place double the square;
 *     a budget of repairs bounds the work, after which the attempt fails.
 *
 * Outputs are valid by construction: a complete state is arc consistent and
 * every set is a singleton, so every adjacent pair is allowed.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REPAIR_RADIUS 3
#define REPAIR_MAX_RADIUS 8
#define NOISE_ENTROPY 1e-4f /* tie-break: far below any real entropy gap */

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline double random01(uint64_t *x)
{
	return (double)(splitmix64(x) >> 11) * 0x1.0p-53;
}

/* A heap entry holds its key next to its cell so that comparisons read
 * one array. */
struct wfc_heap_entry {
	float key; /* heuristic value + tie-break noise */
	int32_t cell;
};

static int max_repairs(const wfc_state *s)
{
	return 64 + s->cells / 32;
}

size_t wfc_fast_state_bytes(const wfc_model *m)
{
	size_t cells = (size_t)m->MX * m->MY;
	/* heap (key, cell), heap_pos, queue, dirty, queued; scratch */
	return cells * (sizeof(struct wfc_heap_entry) + 3 * sizeof(int32_t) + 1) +
	       6 * (((size_t)m->T + 63) / 64) * sizeof(uint64_t);
}

wfc_status wfc_fast_state_alloc(wfc_state *s)
{
	size_t cells = (size_t)s->cells;
	s->heap = malloc(cells * sizeof *s->heap);
	s->heap_pos = malloc(cells * sizeof *s->heap_pos);
	s->queue = malloc(cells * sizeof *s->queue);
	s->queued = malloc(cells);
	s->dirty = malloc(cells * sizeof *s->dirty);
	s->scratch = malloc(6 * (size_t)s->words * sizeof *s->scratch);
	if (!s->heap || !s->heap_pos || !s->queue || !s->queued || !s->dirty || !s->scratch)
		return WFC_ERR_NOMEM;
	return WFC_OK;
}

/* ---- heap of undecided nodes ------------------------------------------- */

/* Entries move into a hole instead of being swapped. */
static inline void heap_put(wfc_state *s, int i, struct wfc_heap_entry e)
{
	s->heap[i] = e;
	s->heap_pos[e.cell] = i;
}

/* Places e at or above slot i. */
static void sift_up(wfc_state *s, int i, struct wfc_heap_entry e)
{
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (s->heap[parent].key <= e.key) break;
		heap_put(s, i, s->heap[parent]);
		i = parent;
	}
	heap_put(s, i, e);
}

/* Places e at or below slot i. */
static void sift_down(wfc_state *s, int i, struct wfc_heap_entry e)
{
	const struct wfc_heap_entry *h = s->heap;
	int size = s->heap_size;
	for (;;) {
		int min = 2 * i + 1;
		if (min >= size) break;
		if (min + 1 < size && h[min + 1].key < h[min].key) min++;
		if (!(h[min].key < e.key)) break;
		heap_put(s, i, h[min]);
		i = min;
	}
	heap_put(s, i, e);
}

/* Moves e into slot i, which held key old, up or down as it compares. */
static inline void heap_fix(wfc_state *s, int i, float old, struct wfc_heap_entry e)
{
	if (e.key < old)
		sift_up(s, i, e);
	else
		sift_down(s, i, e);
}

static void heap_remove(wfc_state *s, int cell)
{
	int i = s->heap_pos[cell];
	if (i < 0) return;
	s->heap_pos[cell] = -1;
	int last = --s->heap_size;
	if (i == last) return;
	heap_fix(s, i, s->heap[i].key, s->heap[last]);
}

/* A tie-break in [0, 1) per cell and seed: one multiply-xorshift is
 * random enough to order equal keys. */
static inline float noise_of(const wfc_state *s, int cell)
{
	uint64_t x = (s->noise_seed ^ (uint64_t)cell) * 0xD1B54A32D192ED03ull;
	return (float)((x ^ (x >> 29)) >> 40) * 0x1.0p-24f;
}

/* ln(x) for x > 0 to about 1e-5: plenty to order cells by entropy (the
 * tie-break noise is 1e-4), at a fraction of libm's cost. */
static inline float fast_log(float x)
{
	union {
		float f;
		uint32_t u;
	} v = {.f = x};
	int e = (int)((v.u >> 23) & 0xff) - 127;
	v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
	float f = v.f;
	/* ln(f) on [1, 2) via the series of ln((1 + z) / (1 - z)), z = (f-1)/(f+1) */
	float z = (f - 1.0f) / (f + 1.0f), z2 = z * z;
	float ln_f = 2.0f * z * (1.0f + z2 * (1.0f / 3 + z2 * (1.0f / 5 + z2 * (1.0f / 7))));
	return (float)e * 0.69314718f + ln_f;
}

/* The heuristic's value for a set with these sums, before the tie-break. */
static inline float key_base(const wfc_model *m, int ones, double sw, double swl)
{
	if (m->heuristic == WFC_HEURISTIC_MRV) return (float)ones;
	return fast_log((float)sw) - (float)(swl / sw);
}

/* The tie-break's weight: half a pattern for MRV, far below any real
 * entropy gap otherwise. */
static inline float noise_scale(const wfc_model *m)
{
	return m->heuristic == WFC_HEURISTIC_MRV ? 0.5f : NOISE_ENTROPY;
}

static inline float key_of(const wfc_state *s, int cell)
{
	const wfc_model *m = s->m;
	return key_base(m, s->sums_of_ones[cell], s->sums_w[cell], s->sums_wlogw[cell]) +
	       noise_scale(m) * noise_of(s, cell);
}

/* Whether cell is a node (a pattern's top-left corner): every cell unless
 * non-periodic with N > 1. */
static inline bool is_node_cell(const wfc_model *m, int cell)
{
	return m->periodic || m->N == 1 || wfc_is_node(m, cell % m->MX, cell / m->MX);
}

/* Puts an undecided node in the heap at its current key, or takes a
 * decided cell out. Scanline needs no heap. */
static inline void heap_update(wfc_state *s, int cell)
{
	const wfc_model *m = s->m;
	if (m->heuristic == WFC_HEURISTIC_SCANLINE) return;
	if (s->sums_of_ones[cell] <= 1 || !is_node_cell(m, cell)) {
		heap_remove(s, cell);
		return;
	}
	struct wfc_heap_entry e = {key_of(s, cell), cell};
	int i = s->heap_pos[cell];
	if (i < 0)
		sift_up(s, s->heap_size++, e);
	else
		heap_fix(s, i, s->heap[i].key, e);
}

/* ---- sets ------------------------------------------------------------ */

/* queued[] flags: in the propagation queue, in the dirty list, and
 * SKIP(d): the cell shrank only through its neighbour towards d since it
 * was queued, so that neighbour needs no check (see propagate_n). */
#define QUEUED 1
#define DIRTY 2
#define SKIP(d) (4 << (d))
#define SKIP_ALL (15 << 2)

/* Queues a cell for a full propagation (all four directions). */
static inline void enqueue(wfc_state *s, int cell)
{
	uint8_t f = s->queued[cell];
	s->queued[cell] = (uint8_t)((f & ~SKIP_ALL) | QUEUED);
	if (f & QUEUED) return;
	size_t at = s->queue_head + s->queue_count;
	if (at >= (size_t)s->cells) at -= (size_t)s->cells;
	s->queue[at] = cell;
	s->queue_count++;
}

/* Whether a cell's sums of weights and of w ln w are recounted from its
 * set once per observation (refresh_sums: a fixed, branch-free table
 * lookup per byte) rather than kept pattern by pattern as it loses them
 * (a loop of data-dependent length per change, but no cost per byte).
 * Recounting wins while the set has few bytes: T <= 128 measured. */
static inline bool recount_sums(const wfc_model *m)
{
	return m->byte_sums != NULL; /* built for T <= WFC_BYTE_SUMS_MAX_T */
}

/* Removes from cell's set the patterns `gone` (a subset of it), updating
 * its count, sums and the decided count, and lists it for a heap refresh.
 * Returns false when the set becomes empty. Does not queue the cell. */
static inline __attribute__((always_inline)) bool
remove_patterns(wfc_state *s, int cell, const uint64_t *gone, const int words)
{
	const wfc_model *m = s->m;
	uint64_t *w = s->wave + (size_t)cell * words;
	int before = s->sums_of_ones[cell], ones = before;
	for (int k = 0; k < words; k++) {
		w[k] &= ~gone[k];
		ones -= __builtin_popcountll(gone[k]);
	}
	s->sums_of_ones[cell] = ones;
	/* With byte tables the sums are recomputed once per observation
	 * (refresh_sums); without, kept here pattern by pattern. */
	if (!recount_sums(m)) {
		double sw = s->sums_w[cell], swl = s->sums_wlogw[cell];
		for (int k = 0; k < words; k++)
			for (uint64_t bits = gone[k]; bits; bits &= bits - 1) {
				int t = k * 64 + __builtin_ctzll(bits);
				sw -= m->weights[t];
				swl -= m->wlogw[t];
			}
		s->sums_w[cell] = sw;
		s->sums_wlogw[cell] = swl;
	}
	if (ones <= 1) {
		if (ones == 1) {
			s->decided++;
		} else {
			if (before == 1) s->decided--;
			s->contradiction = true;
			s->contradiction_cell = cell;
			heap_remove(s, cell);
			return false;
		}
	}
	/* The heap is fixed once per observation, not per change: a cell often
	 * shrinks several times in one propagation. */
	if (!(s->queued[cell] & DIRTY)) {
		s->queued[cell] |= DIRTY;
		s->dirty[s->dirty_count++] = cell;
	}
	return true;
}

/* Intersects cell's set with mask and queues it if it shrank. Returns
 * false when it becomes empty. */
static bool restrict_cell(wfc_state *s, int cell, const uint64_t *mask)
{
	int words = s->words;
	const uint64_t *w = s->wave + (size_t)cell * words;
	uint64_t *gone = s->scratch + 3 * (size_t)words;
	uint64_t any = 0;
	for (int k = 0; k < words; k++)
		any |= gone[k] = w[k] & ~mask[k];
	if (!any) return true;
	if (!remove_patterns(s, cell, gone, words)) return false;
	enqueue(s, cell);
	return true;
}

/* Recounts a cell's sums of weights and of w ln w from its set, one table
 * lookup per byte (see recount_sums). */
static void refresh_sums(wfc_state *s, int cell)
{
	const wfc_model *m = s->m;
	if (!recount_sums(m)) return; /* kept by remove_patterns */
	const uint64_t *w = s->wave + (size_t)cell * s->words;
	const double *table = m->byte_sums;
	int chunks = (m->T + 7) / 8;
	/* {sum w, sum w ln w} as one pair of lanes: entries hold both */
	typedef double pair __attribute__((vector_size(16)));
	pair sums = {0, 0};
	for (int k = 0; chunks > 0; k++, chunks -= 8) {
		uint64_t v = w[k];
#pragma GCC unroll 8
		for (int i = 0; i < chunks && i < 8; i++, v >>= 8, table += 256 * 2) {
			pair e;
			memcpy(&e, table + (v & 0xff) * 2, sizeof e);
			sums += e;
		}
	}
	s->sums_w[cell] = sums[0];
	s->sums_wlogw[cell] = sums[1];
}

/* Brings the sums of the cells changed since the last flush up to date
 * (for observers that look at the state between observations). */
static void refresh_dirty_sums(wfc_state *s)
{
	for (int i = 0; i < s->dirty_count; i++)
		refresh_sums(s, s->dirty[i]);
}

static void flush_dirty(wfc_state *s)
{
	for (int i = 0; i < s->dirty_count; i++) {
		int cell = s->dirty[i];
		s->queued[cell] &= (uint8_t)~DIRTY;
		refresh_sums(s, cell);
		heap_update(s, cell);
	}
	s->dirty_count = 0;
}

/* The set a cell starts every run with: the model's start set
 * (wfc_start_word), less everything but its pin. */
static void initial_set(const wfc_state *s, int x, int y, uint64_t *out)
{
	int words = s->words;
	unsigned sides = wfc_start_sides(s->m, x, y);
	for (int k = 0; k < words; k++)
		out[k] = wfc_start_word(s->m, y, sides, k, words);
	int pin = s->pins ? s->pins[x + y * s->m->MX] : -1;
	if (pin >= 0)
		for (int k = 0; k < words; k++)
			out[k] &= k == pin / 64 ? 1ull << (pin % 64) : 0;
}

/* A set's pattern count and sums of weights and of w ln w, in pattern
 * order. */
static void count_set(const wfc_model *m, const uint64_t *set, int words, int *ones, double *sw,
                      double *swl)
{
	int n = 0;
	double a = 0, b = 0;
	for (int k = 0; k < words; k++)
		for (uint64_t bits = set[k]; bits; bits &= bits - 1) {
			int t = k * 64 + __builtin_ctzll(bits);
			n++;
			a += m->weights[t];
			b += m->wlogw[t];
		}
	*ones = n;
	*sw = a;
	*swl = b;
}

static void set_cell(wfc_state *s, int cell, const uint64_t *set)
{
	int words = s->words;
	if (s->sums_of_ones[cell] == 1) s->decided--;
	memcpy(s->wave + (size_t)cell * words, set, (size_t)words * sizeof *set);
	count_set(s->m, set, words, &s->sums_of_ones[cell], &s->sums_w[cell], &s->sums_wlogw[cell]);
	if (s->sums_of_ones[cell] == 1) s->decided++;
}

/* ---- propagation --------------------------------------------------------- */

/* What cell c (set w, `ones` patterns) allows in its neighbour n towards
 * d, written to out, without the union tables (models without them, and
 * sets of one or two patterns): the union of c's patterns' lists, or,
 * when n has fewer patterns than c, for each pattern of n whether c still
 * has a pattern that supports it. */
static inline __attribute__((always_inline)) const uint64_t *
allowed_towards(const wfc_model *m, const uint64_t *w, int ones, int d, const uint64_t *wn,
                int ones_n, uint64_t *out, const int words)
{
	if (ones == m->T) return m->full_mask[d];
	if (ones_n < ones) {
		/* t2 at n survives iff some alive t at c lists t2, i.e. t2's list
		 * towards the opposite direction meets c's set */
		const uint64_t *back = m->prop_mask[wfc_opposite[d]];
		for (int k = 0; k < words; k++) {
			uint64_t keep = 0;
			for (uint64_t bits = wn[k]; bits; bits &= bits - 1) {
				int b = __builtin_ctzll(bits);
				const uint64_t *p = back + (size_t)(k * 64 + b) * words;
				uint64_t meet = 0;
				for (int j = 0; j < words; j++)
					meet |= p[j] & w[j];
				if (meet) keep |= 1ull << b;
			}
			out[k] = keep;
		}
		return out;
	}
	const uint64_t *masks = m->prop_mask[d];
	for (int j = 0; j < words; j++)
		out[j] = 0;
	for (int k = 0; k < words; k++)
		for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
			const uint64_t *p =
			    masks + (size_t)(k * 64 + __builtin_ctzll(bits)) * words;
			for (int j = 0; j < words; j++)
				out[j] |= p[j];
		}
	return out;
}

/* The union tables' block for byte `byte` of set word k holding b. */
static inline const uint64_t *union_block(const wfc_model *m, int k, int byte, unsigned b,
                                          int words)
{
	return m->byte_union + ((size_t)(k * 8 + byte) * 256 + b) * (size_t)(4 * words);
}

/* 256-bit lanes: two SSE2 registers on the baseline build, one AVX2
 * register in the clone that runs where the CPU has AVX2. */
typedef uint64_t wfc_v4 __attribute__((vector_size(32)));

/* The four unions at once (out: 4 sets, direction-major) from the byte
 * tables: one lookup per byte of the set, zero bytes included (their
 * entry is empty), so that the loop's length is fixed per model and its
 * branches predictable. With words a constant up to 4 (T <= 256) the lane
 * loops unroll into registers. */
static inline __attribute__((always_inline)) void
unions_by_bytes(const wfc_model *m, const uint64_t *w, uint64_t *out, const int words)
{
	int chunks = (m->T + 7) / 8;
	if (words > 4) {
		memset(out, 0, 4 * (size_t)words * sizeof *out);
		for (int c = 0; c < chunks; c++) {
			unsigned b = (unsigned)(w[c / 8] >> (c % 8 * 8) & 0xff);
			const uint64_t *e = union_block(m, c / 8, c % 8, b, words);
			for (int j = 0; j < 4 * words; j++)
				out[j] |= e[j];
		}
		return;
	}
	wfc_v4 acc[4] = {0}; /* words lanes of four words: the 4 * words block */
	for (int k = 0; k < words; k++) {
		const uint64_t *chunk = union_block(m, k, 0, 0, words);
		int bytes = chunks - 8 * k < 8 ? chunks - 8 * k : 8;
		uint64_t v = w[k];
		for (int i = 0; i < bytes; i++, v >>= 8, chunk += 256 * 4 * words) {
			const uint64_t *e = chunk + (size_t)(v & 0xff) * (4 * words);
#pragma GCC unroll 4
			for (int j = 0; j < words; j++) {
				wfc_v4 x;
				memcpy(&x, e + 4 * j, sizeof x);
				acc[j] |= x;
			}
		}
	}
	memcpy(out, acc, (size_t)words * sizeof *acc);
}

/* One propagation pass's working values, kept in registers by the
 * compiler once the helpers below are inlined (the state's fields may
 * alias the wave's words, so they are copied here). */
struct pass {
	const wfc_model *m;
	uint64_t *wave;
	int32_t *ones_of, *queue;
	uint8_t *flags;
	size_t head, count, cells;     /* the queue's ring */
	uint64_t *out, *unions, *gone; /* scratch sets */
	/* the dequeued cell: its set, count, and whether its four unions
	 * come from the tables (in unions) */
	const uint64_t *w;
	int ones;
	bool tabled;
};

/* Restricts neighbour n (towards d of the dequeued cell) to what the cell
 * allows there, and queues it if it shrank. False on a contradiction. */
static inline __attribute__((always_inline)) bool visit(wfc_state *s, struct pass *p, int n,
                                                        const int d, const int words)
{
	const uint64_t *wn = p->wave + (size_t)n * words;
	const uint64_t *mask =
	    p->tabled ? p->unions + (size_t)d * words
	              : allowed_towards(p->m, p->w, p->ones, d, wn, p->ones_of[n], p->out, words);
	/* most neighbours lose nothing: test before the full update */
	uint64_t any = 0;
	for (int k = 0; k < words; k++)
		any |= p->gone[k] = wn[k] & ~mask[k];
	if (!any) return true;
	if (!remove_patterns(s, n, p->gone, words)) return false;
	/* queue n; it may skip this cell (towards the opposite of d) unless
	 * something else shrank it too */
	uint8_t f = p->flags[n];
	const int from = SKIP(wfc_opposite[d]);
	if (f & QUEUED) {
		p->flags[n] = (uint8_t)(f & (~SKIP_ALL | from));
	} else {
		p->flags[n] = (uint8_t)(f | QUEUED | from);
		size_t at = p->head + p->count;
		if (at >= p->cells) at -= p->cells;
		p->queue[at] = n;
		p->count++;
	}
	return true;
}

/* Arc consistency from the queued cells: each dequeued cell c restricts
 * its four neighbours to what c's set allows there. A cell c that shrank
 * only through its neighbour n since it was queued skips n: c lost only
 * patterns that no pattern of n allowed, so, the propagator being
 * symmetric, no pattern of n loses its support in c. `words` is a
 * constant in the instantiations below so that the set loops unroll. */
static inline __attribute__((always_inline)) bool propagate_n(wfc_state *s, const int words)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY, N = m->N;
	struct pass p = {
	    .m = m,
	    .wave = s->wave,
	    .ones_of = s->sums_of_ones,
	    .queue = s->queue,
	    .flags = s->queued,
	    .head = s->queue_head,
	    .count = s->queue_count,
	    .cells = (size_t)s->cells,
	    .out = s->scratch,
	    .unions = s->scratch + (size_t)words,
	    .gone = s->scratch + 5 * (size_t)words,
	};
	bool tables = m->byte_union != NULL;
	/* skip only where the propagator's symmetry makes it safe */
	int skip_mask = m->symmetric ? SKIP_ALL : 0;
	/* last column/row a neighbour node may be in */
	int xlast = m->periodic ? MX - 1 : MX - N, ylast = m->periodic ? MY - 1 : MY - N;
	/* c / MX as a multiply-high, not a division per dequeued cell: with
	 * M = floor((2^64 - 1) / MX), (c + 1) * M / 2^64 is within 2^-32 below
	 * (c + 1) / MX, so it floors to c / MX for 31-bit c and MX */
	uint64_t div_mx = UINT64_MAX / (uint64_t)MX;
	bool ok = true;
	while (p.count > 0) {
		int c = p.queue[p.head];
		if (++p.head == p.cells) p.head = 0;
		p.count--;
		int skip = p.flags[c] & skip_mask;
		p.flags[c] &= DIRTY;
		int y = (int)(((unsigned __int128)div_mx * (uint64_t)(c + 1)) >> 64);
		int x = c - y * MX;
		p.w = p.wave + (size_t)c * words;
		p.ones = p.ones_of[c];
		/* With tables, all four unions cost one pass over the set's
		 * bytes; sets of one or two patterns are cheaper to take
		 * pattern by pattern, and a full set allows everything. */
		p.tabled = tables && p.ones > 2 && p.ones < m->T;
		if (p.tabled) unions_by_bytes(m, p.w, p.unions, words);
		/* neighbours in directions 0..3, -1 where none (non-periodic edge,
		 * or a cell that is not a node) */
		int around[4];
		if (m->periodic) {
			around[0] = x > 0 ? c - 1 : c + MX - 1;
			around[1] = y < MY - 1 ? c + MX : x;
			around[2] = x < MX - 1 ? c + 1 : c - MX + 1;
			around[3] = y > 0 ? c - MX : c + (MY - 1) * MX;
		} else {
			bool row = y <= ylast, col = x <= xlast;
			around[0] = x > 0 && x - 1 <= xlast && row ? c - 1 : -1;
			around[1] = y < ylast && col ? c + MX : -1;
			around[2] = x < xlast && row ? c + 1 : -1;
			around[3] = y > 0 && y - 1 <= ylast && col ? c - MX : -1;
		}
		/* unrolled so that each direction's offsets are constants */
#define VISIT(d)                                                                                   \
	if (around[d] >= 0 && !(skip & SKIP(d)) && !visit(s, &p, around[d], d, words)) {           \
		ok = false;                                                                        \
		break;                                                                             \
	}
		VISIT(0)
		VISIT(1)
		VISIT(2)
		VISIT(3)
#undef VISIT
	}
	s->queue_head = p.head;
	s->queue_count = p.count;
	return ok;
}

/* One instantiation per word count up to 4 (T <= 256), and a generic one;
 * cloned for AVX2 so that the union lanes are one register each. */
__attribute__((target_clones("avx2", "default"))) static bool propagate(wfc_state *s)
{
	switch (s->words) {
	case 1:
		return propagate_n(s, 1);
	case 2:
		return propagate_n(s, 2);
	case 3:
		return propagate_n(s, 3);
	case 4:
		return propagate_n(s, 4);
	default:
		return propagate_n(s, s->words);
	}
}

/* Resets the square around the contradiction and queues it and its rim so
 * that propagation rebuilds a consistent state. False when the budget of
 * repairs is spent. */
static bool repair(wfc_state *s)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY;
	if (++s->repairs > max_repairs(s)) return false;
	int e = s->contradiction_cell, ex = e % MX, ey = e / MX;
	int r = REPAIR_RADIUS;
	if (s->last_repair_cell >= 0) {
		int lx = s->last_repair_cell % MX, ly = s->last_repair_cell / MX;
		int ddx = abs(lx - ex), ddy = abs(ly - ey);
		if (m->periodic) {
			ddx = ddx < MX - ddx ? ddx : MX - ddx;
			ddy = ddy < MY - ddy ? ddy : MY - ddy;
		}
		/* Failing again inside the last square: widen it. Capped while
		 * observations happen in between (small squares keep most of the
		 * work); uncapped when the repair itself failed, since then the
		 * square's surroundings are what rule it out. */
		if (ddx <= s->last_repair_radius && ddy <= s->last_repair_radius) {
			r = 2 * s->last_repair_radius;
			if (s->observations_since_repair > 0 && r > REPAIR_MAX_RADIUS)
				r = REPAIR_MAX_RADIUS;
			int side = MX > MY ? MX : MY;
			if (r > side) r = side;
		}
	}
	s->last_repair_cell = e;
	s->last_repair_radius = r;
	s->observations_since_repair = 0;
	uint64_t *set = s->scratch + 4 * (size_t)s->words;
	/* rim included: its cells keep their sets but must propagate again */
	int R = r + 1;
	int xs = MX <= 2 * R + 1 ? 0 : ex - R, xe = MX <= 2 * R + 1 ? MX - 1 : ex + R;
	int ys = MY <= 2 * R + 1 ? 0 : ey - R, ye = MY <= 2 * R + 1 ? MY - 1 : ey + R;
	for (int yy = ys; yy <= ye; yy++) {
		if (!m->periodic && (yy < 0 || yy >= MY)) continue;
		int y = (yy + MY) % MY;
		for (int xx = xs; xx <= xe; xx++) {
			if (!m->periodic && (xx < 0 || xx >= MX)) continue;
			int x = (xx + MX) % MX, cell = x + y * MX;
			bool rim = (abs(xx - ex) == R || abs(yy - ey) == R) && MX > 2 * R + 1 &&
			           MY > 2 * R + 1;
			if (!rim) {
				initial_set(s, x, y, set);
				set_cell(s, cell, set);
				heap_update(s, cell);
			}
			enqueue(s, cell);
		}
	}
	s->contradiction = false;
	s->scan_pointer = 0;
	return true;
}

/* propagate, repairing until consistent; false when out of repairs */
static bool settle(wfc_state *s)
{
	while (!propagate(s))
		if (!repair(s)) return false;
	return true;
}

/* ---- one attempt --------------------------------------------------------- */

/* Cells of one class start with the same set (pins aside): the set
 * depends on which neighbours exist, whether the cell is a node, and the
 * ground row. */
static inline int initial_class(const wfc_model *m, int x, int y)
{
	int MX = m->MX, MY = m->MY, N = m->N;
	int c = m->ground && y == MY - 1;
	if (m->periodic) return c;
	if (!wfc_is_node(m, x, y)) return c | 2;
	return c | 4 | (x > 0) << 3 | (y < MY - N) << 4 | (x < MX - N) << 5 | (y > 0) << 6;
}

static bool clear(wfc_state *s, int32_t seed)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY, words = s->words;
	s->queue_head = s->queue_count = 0;
	s->dirty_count = 0;
	s->heap_size = 0;
	s->decided = 0;
	s->contradiction = false;
	s->complete = false;
	s->scan_pointer = 0;
	s->repairs = 0;
	s->last_repair_cell = -1;
	s->last_repair_radius = 0;
	uint64_t x0 = (uint64_t)(uint32_t)seed;
	s->noise_seed = splitmix64(&x0);
	memset(s->queued, 0, (size_t)s->cells);
	bool heap = m->heuristic != WFC_HEURISTIC_SCANLINE;
	float scale = noise_scale(m);
	/* The last class's set, sums and key: classes come in runs along a
	 * row, so a cell mostly copies them. */
	uint64_t *set = s->scratch;
	int last_class = -1, ones = 0;
	double sw = 0, swl = 0;
	float base = 0;
	for (int y = 0; y < MY; y++)
		for (int x = 0; x < MX; x++) {
			int i = x + y * MX, cls = initial_class(m, x, y);
			bool pinned = s->pins && s->pins[i] >= 0;
			int hint = s->hints && !pinned ? s->hints[i] : -1;
			if (cls != last_class || pinned || hint >= 0) {
				initial_set(s, x, y, set);
				/* a hint the start set rules out is ignored; initial_set
				 * (and so a repair) leaves hints out */
				if (hint >= 0 && set[hint / 64] >> (hint % 64) & 1) {
					memset(set, 0, (size_t)words * sizeof *set);
					set[hint / 64] = 1ull << (hint % 64);
				}
				count_set(m, set, words, &ones, &sw, &swl);
				base = key_base(m, ones, sw, swl);
				last_class = pinned || hint >= 0 ? -1 : cls;
			}
			memcpy(s->wave + (size_t)i * words, set, (size_t)words * sizeof *set);
			s->sums_of_ones[i] = ones;
			s->sums_w[i] = sw;
			s->sums_wlogw[i] = swl;
			s->observed[i] = -1;
			s->heap_pos[i] = -1;
			if (ones == 1) s->decided++;
			if (ones == 0) {
				s->contradiction = true;
				s->contradiction_cell = i;
			}
			/* cells already restricted must tell their neighbours */
			if (ones < m->T) enqueue(s, i);
			if (heap && ones > 1 && wfc_is_node(m, x, y)) {
				struct wfc_heap_entry e = {base + scale * noise_of(s, i), i};
				heap_put(s, s->heap_size++, e);
			}
		}
	s->pin_conflict = -1;
	if (s->contradiction) {
		if (s->pins) s->pin_conflict = s->contradiction_cell;
		return false;
	}
	for (int i = s->heap_size / 2 - 1; i >= 0; i--)
		sift_down(s, i, s->heap[i]);
	/* Pins are fixed through repairs, so a contradiction they cause at
	 * the start cannot be repaired: report it rather than spend the
	 * budget. With hints, a contradiction is theirs to repair first. */
	if (s->pins && !s->hints) {
		if (propagate(s)) return true;
		s->pin_conflict = s->contradiction_cell;
		return false;
	}
	return settle(s);
}

static int next_node(wfc_state *s)
{
	const wfc_model *m = s->m;
	flush_dirty(s);
	if (m->heuristic != WFC_HEURISTIC_SCANLINE) return s->heap_size > 0 ? s->heap[0].cell : -1;
	for (int i = s->scan_pointer; i < s->cells; i++) {
		if (s->sums_of_ones[i] > 1 && wfc_is_node(m, i % m->MX, i / m->MX)) {
			s->scan_pointer = i + 1;
			return i;
		}
	}
	return -1;
}

/* The prior of pattern t at node (guide.c): one of the two forms. */
static inline float prior_at(const wfc_state *s, int node, int t)
{
	if (s->priors) return s->priors[(size_t)node * s->m->T + t];
	int e = s->vprior_entry[t];
	return s->vprior_floor + (e >= 0 ? s->vpriors[(size_t)e * s->cells + node] : 0.0f);
}

static void observe(wfc_state *s, int node, uint64_t *rng)
{
	const wfc_model *m = s->m;
	int words = s->words;
	const uint64_t *w = s->wave + (size_t)node * words;
	bool prior = s->priors || s->vpriors;
	double total = s->sums_w[node];
	if (prior) {
		double sum = 0;
		for (int k = 0; k < words; k++)
			for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
				int t = k * 64 + __builtin_ctzll(bits);
				sum += m->weights[t] * prior_at(s, node, t);
			}
		if (sum > 0)
			total = sum;
		else
			prior = false; /* the generator ruled out all that is left */
	}
	double threshold = random01(rng) * total, partial = 0;
	int chosen = -1, last = -1;
	for (int k = 0; k < words && chosen < 0; k++)
		for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
			int t = k * 64 + __builtin_ctzll(bits);
			last = t;
			partial += prior ? m->weights[t] * prior_at(s, node, t) : m->weights[t];
			if (partial >= threshold) {
				chosen = t;
				break;
			}
		}
	if (chosen < 0) /* rounding: the running sum fell just short */
		chosen = last;
	uint64_t *one = s->scratch + 4 * (size_t)words;
	memset(one, 0, (size_t)words * sizeof *one);
	one[chosen / 64] = 1ull << (chosen % 64);
	restrict_cell(s, node, one);
	s->observations_since_repair++;
}

static bool canceled(const wfc_observer *obs)
{
	return obs && obs->cancel && atomic_load_explicit(obs->cancel, memory_order_relaxed);
}

static wfc_status run_attempt(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs)
{
	if (!clear(s, seed)) return WFC_CONTRADICTION;
	uint64_t rng = (uint64_t)(uint32_t)seed * 0x2545F4914F6CDD1Dull + 1;
	int every = obs && obs->progress_every > 0 ? obs->progress_every : 1;
	for (int l = 0; l < limit || limit < 0; l++) {
		if (canceled(obs)) return WFC_CANCELED;
		int node = next_node(s);
		if (node < 0) {
			int words = s->words;
			for (int i = 0; i < s->cells; i++) {
				const uint64_t *w = s->wave + (size_t)i * words;
				for (int k = 0; k < words; k++)
					if (w[k]) {
						s->observed[i] = k * 64 + __builtin_ctzll(w[k]);
						break;
					}
			}
			s->complete = true;
			if (obs && obs->progress) obs->progress(obs->ctx, 1.0);
			return WFC_OK;
		}
		observe(s, node, &rng);
		if (!settle(s)) return WFC_CONTRADICTION;
		if (obs && obs->progress && l % every == 0) {
			refresh_dirty_sums(s);
			obs->progress(obs->ctx, (double)s->decided / s->cells);
		}
	}
	return WFC_OK;
}

wfc_status wfc_fast_run(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs)
{
	wfc_status st = run_attempt(s, seed, limit, obs);
	/* the state stays readable (render.c) however the attempt ended */
	refresh_dirty_sums(s);
	return st;
}
