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

static int max_repairs(const wfc_state *s)
{
	return 64 + s->cells / 32;
}

size_t wfc_fast_state_bytes(const wfc_model *m)
{
	size_t cells = (size_t)m->MX * m->MY;
	/* key, heap, heap_pos, queue, dirty, queued; scratch */
	return cells * (sizeof(float) + 4 * sizeof(int32_t) + 1) +
	       5 * (((size_t)m->T + 63) / 64) * sizeof(uint64_t);
}

wfc_status wfc_fast_state_alloc(wfc_state *s)
{
	size_t cells = (size_t)s->cells;
	s->key = malloc(cells * sizeof *s->key);
	s->heap = malloc(cells * sizeof *s->heap);
	s->heap_pos = malloc(cells * sizeof *s->heap_pos);
	s->queue = malloc(cells * sizeof *s->queue);
	s->queued = malloc(cells);
	s->dirty = malloc(cells * sizeof *s->dirty);
	s->scratch = malloc(5 * (size_t)s->words * sizeof *s->scratch);
	if (!s->key || !s->heap || !s->heap_pos || !s->queue || !s->queued || !s->dirty ||
	    !s->scratch)
		return WFC_ERR_NOMEM;
	return WFC_OK;
}

/* ---- heap of undecided nodes ------------------------------------------- */

static inline void heap_swap(wfc_state *s, int a, int b)
{
	int32_t ca = s->heap[a], cb = s->heap[b];
	s->heap[a] = cb;
	s->heap[b] = ca;
	s->heap_pos[cb] = a;
	s->heap_pos[ca] = b;
}

static void sift_up(wfc_state *s, int i)
{
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (s->key[s->heap[parent]] <= s->key[s->heap[i]]) break;
		heap_swap(s, i, parent);
		i = parent;
	}
}

static void sift_down(wfc_state *s, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, min = i;
		if (l < s->heap_size && s->key[s->heap[l]] < s->key[s->heap[min]]) min = l;
		if (r < s->heap_size && s->key[s->heap[r]] < s->key[s->heap[min]]) min = r;
		if (min == i) break;
		heap_swap(s, i, min);
		i = min;
	}
}

static void heap_remove(wfc_state *s, int cell)
{
	int i = s->heap_pos[cell];
	if (i < 0) return;
	s->heap_pos[cell] = -1;
	int last = --s->heap_size;
	if (i == last) return;
	int32_t moved = s->heap[last];
	s->heap[i] = moved;
	s->heap_pos[moved] = i;
	sift_up(s, i);
	sift_down(s, s->heap_pos[moved]);
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

static float key_of(const wfc_state *s, int cell)
{
	if (s->m->heuristic == WFC_HEURISTIC_MRV)
		return (float)s->sums_of_ones[cell] + 0.5f * noise_of(s, cell);
	double sw = s->sums_w[cell];
	return fast_log((float)sw) - (float)(s->sums_wlogw[cell] / sw) +
	       NOISE_ENTROPY * noise_of(s, cell);
}

/* Puts an undecided node in the heap at its current key, or takes a
 * decided cell out. Scanline needs no heap. */
static void heap_update(wfc_state *s, int cell)
{
	const wfc_model *m = s->m;
	if (m->heuristic == WFC_HEURISTIC_SCANLINE) return;
	if (s->sums_of_ones[cell] <= 1 || !wfc_is_node(m, cell % m->MX, cell / m->MX)) {
		heap_remove(s, cell);
		return;
	}
	s->key[cell] = key_of(s, cell);
	int i = s->heap_pos[cell];
	if (i < 0) {
		i = s->heap_size++;
		s->heap[i] = cell;
		s->heap_pos[cell] = i;
	}
	sift_up(s, i);
	sift_down(s, s->heap_pos[cell]);
}

/* ---- sets ------------------------------------------------------------ */

/* queued[] flags: in the propagation queue, in the dirty list */
#define QUEUED 1
#define DIRTY 2

static inline void enqueue(wfc_state *s, int cell)
{
	if (s->queued[cell] & QUEUED) return;
	s->queued[cell] |= QUEUED;
	size_t at = s->queue_head + s->queue_count;
	if (at >= (size_t)s->cells) at -= (size_t)s->cells;
	s->queue[at] = cell;
	s->queue_count++;
}

static inline int dequeue(wfc_state *s)
{
	int cell = s->queue[s->queue_head];
	if (++s->queue_head == (size_t)s->cells) s->queue_head = 0;
	s->queue_count--;
	s->queued[cell] &= (uint8_t)~QUEUED;
	return cell;
}

/* Intersects cell's set with mask. Returns false when it becomes empty. */
static bool restrict_cell(wfc_state *s, int cell, const uint64_t *mask)
{
	const wfc_model *m = s->m;
	int words = s->words;
	uint64_t *w = s->wave + (size_t)cell * words;
	int before = s->sums_of_ones[cell];
	int ones = before;
	double sw = s->sums_w[cell], swl = s->sums_wlogw[cell];
	for (int k = 0; k < words; k++) {
		uint64_t gone = w[k] & ~mask[k];
		if (!gone) continue;
		w[k] &= mask[k];
		while (gone) {
			int t = k * 64 + __builtin_ctzll(gone);
			gone &= gone - 1;
			ones--;
			sw -= m->weights[t];
			swl -= m->wlogw[t];
		}
	}
	if (ones == before) return true;
	s->sums_of_ones[cell] = ones;
	s->sums_w[cell] = sw;
	s->sums_wlogw[cell] = swl;
	if (ones == 0) {
		if (before == 1) s->decided--;
		s->contradiction = true;
		s->contradiction_cell = cell;
		heap_remove(s, cell);
		return false;
	}
	if (ones == 1) s->decided++;
	/* The heap is fixed once per observation, not per change: a cell often
	 * shrinks several times in one propagation. */
	if (!(s->queued[cell] & DIRTY)) {
		s->queued[cell] |= DIRTY;
		s->dirty[s->dirty_count++] = cell;
	}
	enqueue(s, cell);
	return true;
}

static void flush_dirty(wfc_state *s)
{
	for (int i = 0; i < s->dirty_count; i++) {
		int cell = s->dirty[i];
		s->queued[cell] &= (uint8_t)~DIRTY;
		heap_update(s, cell);
	}
	s->dirty_count = 0;
}

/* The set a cell starts every run with: all patterns, less those with no
 * possible neighbour towards an existing node, less the ground rule. */
static void initial_set(const wfc_state *s, int x, int y, uint64_t *out)
{
	const wfc_model *m = s->m;
	int T = m->T, words = s->words, MX = m->MX, MY = m->MY, N = m->N;
	for (int k = 0; k < words; k++)
		out[k] = ~0ull;
	if (T % 64) out[words - 1] = (1ull << (T % 64)) - 1;
	if (wfc_is_node(m, x, y)) {
		bool has[4] = {m->periodic || x > 0, m->periodic || y < MY - N,
		               m->periodic || x < MX - N, m->periodic || y > 0};
		/* a pattern usable here needs a non-empty list towards d, i.e. it
		 * appears in some list of the opposite direction */
		for (int d = 0; d < 4; d++)
			if (has[d])
				for (int k = 0; k < words; k++)
					out[k] &= m->full_mask[wfc_opposite[d]][k];
	}
	if (m->ground) {
		if (y == MY - 1) {
			for (int k = 0; k < words; k++)
				out[k] = 0;
			out[(T - 1) / 64] = 1ull << ((T - 1) % 64);
		} else {
			for (int k = 0; k < words; k++)
				out[k] &= m->ground_mask[k];
		}
	}
	int pin = s->pins ? s->pins[x + y * MX] : -1;
	if (pin >= 0)
		for (int k = 0; k < words; k++)
			out[k] &= k == pin / 64 ? 1ull << (pin % 64) : 0;
}

static void set_cell(wfc_state *s, int cell, const uint64_t *set)
{
	const wfc_model *m = s->m;
	int words = s->words;
	uint64_t *w = s->wave + (size_t)cell * words;
	if (s->sums_of_ones[cell] == 1) s->decided--;
	memcpy(w, set, (size_t)words * sizeof *w);
	int ones = 0;
	double sw = 0, swl = 0;
	for (int k = 0; k < words; k++)
		for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
			int t = k * 64 + __builtin_ctzll(bits);
			ones++;
			sw += m->weights[t];
			swl += m->wlogw[t];
		}
	s->sums_of_ones[cell] = ones;
	s->sums_w[cell] = sw;
	s->sums_wlogw[cell] = swl;
	if (ones == 1) s->decided++;
}

/* ---- propagation --------------------------------------------------------- */

/* What cell c (set w, `ones` patterns) allows in its neighbour n towards
 * d, written to out. Two ways, whichever touches fewer patterns: the union
 * of c's patterns' lists, or, for each pattern of n, whether c still has a
 * pattern that supports it. Decided and nearly decided neighbours, the
 * common case behind an observation, take the second way. */
static const uint64_t *allowed_towards(const wfc_state *s, const uint64_t *w, int ones, int d,
                                       const uint64_t *wn, int ones_n, uint64_t *out)
{
	const wfc_model *m = s->m;
	int words = s->words;
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
	if (words == 1) {
		uint64_t acc = 0;
		for (uint64_t bits = w[0]; bits; bits &= bits - 1)
			acc |= masks[__builtin_ctzll(bits)];
		out[0] = acc;
		return out;
	}
	if (words == 2) {
		uint64_t a0 = 0, a1 = 0;
		for (int k = 0; k < 2; k++)
			for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
				const uint64_t *p =
				    masks + (size_t)(k * 64 + __builtin_ctzll(bits)) * 2;
				a0 |= p[0];
				a1 |= p[1];
			}
		out[0] = a0;
		out[1] = a1;
		return out;
	}
	memset(out, 0, (size_t)words * sizeof *out);
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

static inline __attribute__((always_inline)) void
unions_by_bytes_n(const wfc_model *m, const uint64_t *w, uint64_t *out, const int words)
{
	wfc_v4 acc[4] = {0}; /* words lanes of four words: the 4 * words block */
	for (int k = 0; k < words; k++)
		for (uint64_t v = w[k], byte = 0; v; byte++, v >>= 8) {
			unsigned b = (unsigned)(v & 0xff);
			if (!b) continue;
			const uint64_t *e = union_block(m, k, (int)byte, b, words);
#pragma GCC unroll 4
			for (int j = 0; j < words; j++) {
				wfc_v4 x;
				memcpy(&x, e + 4 * j, sizeof x);
				acc[j] |= x;
			}
		}
	memcpy(out, acc, (size_t)words * sizeof *acc);
}

/* The four unions at once (out: 4 sets, direction-major) from the byte
 * tables: one lookup per non-zero byte of the set. Instantiated per word
 * count up to 4 (T <= 256) so that the lane loops unroll into registers. */
__attribute__((target_clones("avx2", "default"))) static void
unions_by_bytes(const wfc_state *s, const uint64_t *w, uint64_t *out)
{
	const wfc_model *m = s->m;
	int words = s->words;
	switch (words) {
	case 1:
		unions_by_bytes_n(m, w, out, 1);
		return;
	case 2:
		unions_by_bytes_n(m, w, out, 2);
		return;
	case 3:
		unions_by_bytes_n(m, w, out, 3);
		return;
	case 4:
		unions_by_bytes_n(m, w, out, 4);
		return;
	}
	memset(out, 0, 4 * (size_t)words * sizeof *out);
	for (int k = 0; k < words; k++)
		for (uint64_t v = w[k], byte = 0; v; byte++, v >>= 8) {
			unsigned b = (unsigned)(v & 0xff);
			if (!b) continue;
			const uint64_t *e = union_block(m, k, (int)byte, b, words);
			for (int j = 0; j < 4 * words; j++)
				out[j] |= e[j];
		}
}

static bool propagate(wfc_state *s)
{
	const wfc_model *m = s->m;
	int MX = m->MX, MY = m->MY, N = m->N, words = s->words;
	uint64_t *out = s->scratch, *unions = s->scratch + (size_t)words;
	/* last column/row a neighbour node may be in */
	int xlast = m->periodic ? MX - 1 : MX - N, ylast = m->periodic ? MY - 1 : MY - N;
	while (s->queue_count > 0) {
		int c = dequeue(s);
		int x = c % MX, y = c / MX;
		const uint64_t *w = s->wave + (size_t)c * words;
		int ones = s->sums_of_ones[c];
		bool tabled = m->byte_union && ones > 2 && ones < m->T, unions_ready = false;
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
		for (int d = 0; d < 4; d++) {
			int n = around[d];
			if (n < 0) continue;
			int ones_n = s->sums_of_ones[n];
			const uint64_t *mask;
			/* With tables, all four unions cost about one pass over the
			 * set's bytes; a nearly decided neighbour is cheaper to check
			 * pattern by pattern. */
			if (tabled && ones_n > 2) {
				if (!unions_ready) {
					unions_by_bytes(s, w, unions);
					unions_ready = true;
				}
				mask = unions + (size_t)d * words;
			} else {
				mask = allowed_towards(s, w, ones, d, s->wave + (size_t)n * words,
				                       ones_n, out);
			}
			/* most neighbours lose nothing: test before the full update */
			const uint64_t *wn = s->wave + (size_t)n * words;
			uint64_t gone = 0;
			for (int k = 0; k < words; k++)
				gone |= wn[k] & ~mask[k];
			if (gone && !restrict_cell(s, n, mask)) return false;
		}
	}
	return true;
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

static bool clear(wfc_state *s, int32_t seed)
{
	const wfc_model *m = s->m;
	int MX = m->MX;
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
	uint64_t x = (uint64_t)(uint32_t)seed;
	s->noise_seed = splitmix64(&x);
	memset(s->queued, 0, (size_t)s->cells);
	uint64_t *full = s->scratch + 4 * (size_t)s->words, *set = s->scratch;
	uint64_t *last = s->scratch + 3 * (size_t)s->words;
	bool have_last = false;
	int last_ones = 0;
	double last_w = 0, last_wl = 0;
	for (int k = 0; k < s->words; k++)
		full[k] = ~0ull;
	if (m->T % 64) full[s->words - 1] = (1ull << (m->T % 64)) - 1;
	for (int i = 0; i < s->cells; i++) {
		s->sums_of_ones[i] = 0; /* set_cell counts from here */
		s->observed[i] = -1;
		s->heap_pos[i] = -1;
		initial_set(s, i % MX, i / MX, set);
		if (memcmp(set, full, (size_t)s->words * sizeof *set) == 0) {
			memcpy(s->wave + (size_t)i * s->words, full,
			       (size_t)s->words * sizeof *set);
			s->sums_of_ones[i] = m->T;
			s->sums_w[i] = m->sum_w;
			s->sums_wlogw[i] = m->sum_wlogw;
			if (m->T == 1) s->decided++;
			continue;
		}
		/* few distinct initial sets (ground rows, borders): reuse sums */
		if (have_last && memcmp(set, last, (size_t)s->words * sizeof *set) == 0) {
			memcpy(s->wave + (size_t)i * s->words, set, (size_t)s->words * sizeof *set);
			s->sums_of_ones[i] = last_ones;
			s->sums_w[i] = last_w;
			s->sums_wlogw[i] = last_wl;
			if (last_ones == 1) s->decided++;
		} else {
			set_cell(s, i, set);
			memcpy(last, set, (size_t)s->words * sizeof *set);
			have_last = true;
			last_ones = s->sums_of_ones[i];
			last_w = s->sums_w[i];
			last_wl = s->sums_wlogw[i];
		}
		if (s->sums_of_ones[i] == 0) {
			s->contradiction = true;
			s->contradiction_cell = i;
		}
		/* cells already restricted must tell their neighbours */
		enqueue(s, i);
	}
	s->pin_conflict = -1;
	if (s->contradiction) {
		if (s->pins) s->pin_conflict = s->contradiction_cell;
		return false;
	}
	if (m->heuristic != WFC_HEURISTIC_SCANLINE) {
		for (int i = 0; i < s->cells; i++)
			if (s->sums_of_ones[i] > 1 && wfc_is_node(m, i % MX, i / MX)) {
				s->key[i] = key_of(s, i);
				s->heap_pos[i] = s->heap_size;
				s->heap[s->heap_size++] = i;
			}
		for (int i = s->heap_size / 2 - 1; i >= 0; i--)
			sift_down(s, i);
	}
	/* Pins are fixed through repairs, so a contradiction they cause at
	 * the start cannot be repaired: report it rather than spend the
	 * budget. */
	if (s->pins) {
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
	if (m->heuristic != WFC_HEURISTIC_SCANLINE) return s->heap_size > 0 ? s->heap[0] : -1;
	for (int i = s->scan_pointer; i < s->cells; i++) {
		if (s->sums_of_ones[i] > 1 && wfc_is_node(m, i % m->MX, i / m->MX)) {
			s->scan_pointer = i + 1;
			return i;
		}
	}
	return -1;
}

static void observe(wfc_state *s, int node, uint64_t *rng)
{
	const wfc_model *m = s->m;
	int words = s->words;
	const uint64_t *w = s->wave + (size_t)node * words;
	const float *prior = s->priors ? s->priors + (size_t)node * m->T : NULL;
	double total = s->sums_w[node];
	if (prior) {
		double sum = 0;
		for (int k = 0; k < words; k++)
			for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
				int t = k * 64 + __builtin_ctzll(bits);
				sum += m->weights[t] * prior[t];
			}
		if (sum > 0) total = sum;
		else prior = NULL; /* the generator ruled out all that is left */
	}
	double threshold = random01(rng) * total, partial = 0;
	int chosen = -1, last = -1;
	for (int k = 0; k < words && chosen < 0; k++)
		for (uint64_t bits = w[k]; bits; bits &= bits - 1) {
			int t = k * 64 + __builtin_ctzll(bits);
			last = t;
			partial += prior ? m->weights[t] * prior[t] : m->weights[t];
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

wfc_status wfc_fast_run(wfc_state *s, int32_t seed, int limit, const wfc_observer *obs)
{
	const wfc_model *m = s->m;
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
		if (obs && obs->progress && l % every == 0)
			obs->progress(obs->ctx, (double)s->decided / s->cells);
	}
	(void)m;
	return WFC_OK;
}
