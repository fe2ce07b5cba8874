/*
 * eval.c - metrics of generated grids against a training set (nn/eval.h).
 *
 * Window statistics use one open-addressing hash table per window size
 * whose keys are the windows' cells themselves (compared exactly, so no
 * two patterns are ever merged by a hash collision), with a count per set.
 */
#include "eval.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_PAIRS 5000
#define DEFAULT_MAX_NEAREST 100
#define DEFAULT_MAX_TRAIN 1000

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen) snprintf(err, errlen, "%s", msg);
	return -1;
}

static bool known(int32_t v, int vocab)
{
	return v >= 0 && v < vocab;
}

long long nn_eval_violations(const int32_t *g, int size, int vocab, const uint8_t *allowed)
{
	size_t V = (size_t)vocab;
	const uint8_t *right = allowed + 2 * V * V, *below = allowed + 1 * V * V;
	long long bad = 0;
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			int32_t a = g[y * size + x];
			if (x + 1 < size) {
				int32_t b = g[y * size + x + 1];
				bad += !known(a, vocab) || !known(b, vocab) || !right[a * V + b];
			}
			if (y + 1 < size) {
				int32_t b = g[(y + 1) * size + x];
				bad += !known(a, vocab) || !known(b, vocab) || !below[a * V + b];
			}
		}
	return bad;
}

/* ---- window pattern counts ---- */

typedef struct {
	uint64_t hash;
	size_t key;  /* offset of the k*k cells in keys; SIZE_MAX when empty */
	double c[2]; /* occurrences in training (0) and generated (1) */
} win_slot;

typedef struct {
	int k;
	win_slot *slots;
	size_t cap, used;
	int32_t *keys;
	size_t keys_len, keys_cap;
	bool nomem;
} win_table;

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static bool win_grow(win_table *t)
{
	size_t cap = t->cap ? 2 * t->cap : 1024;
	win_slot *s = malloc(cap * sizeof *s);
	if (!s) return false;
	for (size_t i = 0; i < cap; i++)
		s[i].key = SIZE_MAX;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].key == SIZE_MAX) continue;
		size_t j = t->slots[i].hash & (cap - 1);
		while (s[j].key != SIZE_MAX)
			j = (j + 1) & (cap - 1);
		s[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->cap = cap;
	return true;
}

static void win_add(win_table *t, const int32_t *w, int set)
{
	if (t->nomem) return;
	int n = t->k * t->k;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < n; i++)
		h = mix(h ^ (uint32_t)w[i]);
	if (2 * (t->used + 1) > t->cap && !win_grow(t)) {
		t->nomem = true;
		return;
	}
	size_t j = h & (t->cap - 1);
	for (; t->slots[j].key != SIZE_MAX; j = (j + 1) & (t->cap - 1))
		if (t->slots[j].hash == h &&
		    !memcmp(t->keys + t->slots[j].key, w, (size_t)n * sizeof *w)) {
			t->slots[j].c[set] += 1;
			return;
		}
	if (t->keys_len + (size_t)n > t->keys_cap) {
		size_t cap = t->keys_cap ? 2 * t->keys_cap : 4096;
		int32_t *k = realloc(t->keys, cap * sizeof *k);
		if (!k) {
			t->nomem = true;
			return;
		}
		t->keys = k;
		t->keys_cap = cap;
	}
	memcpy(t->keys + t->keys_len, w, (size_t)n * sizeof *w);
	t->slots[j] = (win_slot){.hash = h, .key = t->keys_len, .c = {0, 0}};
	t->slots[j].c[set] = 1;
	t->keys_len += (size_t)n;
	t->used++;
}

/* Every k x k window of every grid (where it fits) into set `set`. */
static void win_count(win_table *t, const int32_t *grids, int count, int size, int vocab, int set)
{
	int k = t->k;
	int32_t w[9];
	for (int g = 0; g < count; g++) {
		const int32_t *G = grids + (size_t)g * size * size;
		for (int y = 0; y + k <= size; y++)
			for (int x = 0; x + k <= size; x++) {
				for (int dy = 0; dy < k; dy++)
					for (int dx = 0; dx < k; dx++) {
						int32_t v = G[(y + dy) * size + x + dx];
						w[dy * k + dx] = known(v, vocab) ? v : -1;
					}
				win_add(t, w, set);
			}
	}
}

/* KL(a || b) over the table, smoothed as eval.h says. */
static double win_kl(const win_table *t, int a, int b)
{
	double na = 0, nb = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key != SIZE_MAX) {
			na += t->slots[i].c[a];
			nb += t->slots[i].c[b];
		}
	if (na == 0 || nb == 0) return 0;
	double eps = NN_EVAL_EPSILON, norm = 1 + eps * (double)t->used, kl = 0;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].key == SIZE_MAX) continue;
		double p = (t->slots[i].c[a] / na + eps) / norm;
		double q = (t->slots[i].c[b] / nb + eps) / norm;
		kl += p * log(p / q);
	}
	return kl > 0 ? kl : 0; /* rounding can leave -1e-17 for equal sets */
}

static int window_kl(const int32_t *train, int nt, const int32_t *gen, int ng, int size, int vocab,
                     int k, double *kl, double *rev)
{
	*kl = *rev = 0;
	if (size < k) return 0;
	win_table t = {.k = k};
	win_count(&t, train, nt, size, vocab, 0);
	win_count(&t, gen, ng, size, vocab, 1);
	bool nomem = t.nomem;
	if (!nomem) {
		*kl = win_kl(&t, 0, 1);
		*rev = win_kl(&t, 1, 0);
	}
	free(t.slots);
	free(t.keys);
	return nomem ? -1 : 0;
}

/* ---- histograms, diversity, copies ---- */

static double js_bits(const double *p, const double *q, int n)
{
	double sp = 0, sq = 0, js = 0;
	for (int i = 0; i < n; i++) {
		sp += p[i];
		sq += q[i];
	}
	if (sp == 0 || sq == 0) return 0;
	for (int i = 0; i < n; i++) {
		double a = p[i] / sp, b = q[i] / sq, m = (a + b) / 2;
		if (a > 0) js += 0.5 * a * log2(a / m);
		if (b > 0) js += 0.5 * b * log2(b / m);
	}
	return js;
}

static double hamming(const int32_t *a, const int32_t *b, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		d += a[i] != b[i];
	return (double)d / (double)n;
}

/* Differing cells, giving up once past `stop`. */
static size_t hamming_upto(const int32_t *a, const int32_t *b, size_t n, size_t stop)
{
	size_t d = 0;
	for (size_t i = 0; i < n && d <= stop; i++)
		d += a[i] != b[i];
	return d;
}

typedef struct {
	uint64_t h;
	int set, index;
} grid_key;

static uint64_t grid_hash(const int32_t *g, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++)
		h = mix(h ^ (uint32_t)g[i]) + i;
	return h;
}

static int cmp_key(const void *a, const void *b)
{
	const grid_key *x = a, *y = b;
	if (x->h != y->h) return x->h < y->h ? -1 : 1;
	if (x->set != y->set) return x->set - y->set; /* training first */
	return x->index - y->index;
}

/* Duplicates among gen, and gen grids equal to a training grid. Within a
 * group of equal hashes each grid is compared with the group's distinct
 * contents so far (one, unless the hash collides), so a collapsed
 * generator's thousand equal grids cost linear time. */
static int count_copies(const int32_t *train, int nt, const int32_t *gen, int ng, size_t cells,
                        int *dups, int *copies)
{
	*dups = *copies = 0;
	size_t n = (size_t)nt + ng;
	grid_key *k = malloc((n + 1) * sizeof *k);
	size_t *rep = malloc((n + 1) * sizeof *rep); /* distinct contents of a group */
	bool *rep_train = malloc((n + 1) * sizeof *rep_train);
	bool *rep_gen = malloc((n + 1) * sizeof *rep_gen);
	if (!k || !rep || !rep_train || !rep_gen) {
		free(k);
		free(rep);
		free(rep_train);
		free(rep_gen);
		return -1;
	}
	for (int i = 0; i < nt; i++)
		k[i] = (grid_key){grid_hash(train + (size_t)i * cells, cells), 0, i};
	for (int i = 0; i < ng; i++)
		k[nt + i] = (grid_key){grid_hash(gen + (size_t)i * cells, cells), 1, i};
	qsort(k, n, sizeof *k, cmp_key);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		size_t nrep = 0;
		for (hi = lo; hi < n && k[hi].h == k[lo].h; hi++) {
			const int32_t *g = (k[hi].set ? gen : train) + (size_t)k[hi].index * cells;
			size_t r = 0;
			for (; r < nrep; r++) {
				const int32_t *o =
				    (k[rep[r]].set ? gen : train) + (size_t)k[rep[r]].index * cells;
				if (!memcmp(g, o, cells * sizeof *g)) break;
			}
			if (r == nrep) { /* new content: the flags say who has shown it */
				rep[nrep] = hi;
				rep_train[nrep] = false;
				rep_gen[nrep++] = false;
			}
			if (k[hi].set == 0) { /* training sorts before generated */
				rep_train[r] = true;
				continue;
			}
			*copies += rep_train[r];
			*dups += rep_gen[r];
			rep_gen[r] = true;
		}
	}
	free(k);
	free(rep);
	free(rep_train);
	free(rep_gen);
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix(*s);
}

static double diversity(const int32_t *gen, int ng, size_t cells, int max_pairs, uint64_t seed)
{
	if (ng < 2) return 0;
	long long all = (long long)ng * (ng - 1) / 2;
	double sum = 0;
	if (all <= max_pairs) {
		for (int i = 0; i < ng; i++)
			for (int j = i + 1; j < ng; j++)
				sum += hamming(gen + (size_t)i * cells, gen + (size_t)j * cells,
				               cells);
		return sum / (double)all;
	}
	uint64_t s = seed;
	for (int p = 0; p < max_pairs; p++) {
		int i = (int)(next_rand(&s) % (uint64_t)ng);
		int j = (int)(next_rand(&s) % (uint64_t)(ng - 1));
		if (j >= i) j++;
		sum += hamming(gen + (size_t)i * cells, gen + (size_t)j * cells, cells);
	}
	return sum / max_pairs;
}

static double nearest_train(const int32_t *train, int nt, const int32_t *gen, int ng, size_t cells,
                            int max_gen, int max_train)
{
	int ug = ng < max_gen ? ng : max_gen, ut = nt < max_train ? nt : max_train;
	if (ug < 1 || ut < 1) return 0;
	double sum = 0;
	for (int a = 0; a < ug; a++) {
		const int32_t *g = gen + (size_t)((long long)a * ng / ug) * cells;
		size_t best = cells;
		for (int b = 0; b < ut && best > 0; b++) {
			const int32_t *t = train + (size_t)((long long)b * nt / ut) * cells;
			size_t d = hamming_upto(g, t, cells, best);
			if (d < best) best = d;
		}
		sum += (double)best / (double)cells;
	}
	return sum / ug;
}

int nn_eval_grids(const int32_t *train, int train_count, const int32_t *gen, int gen_count,
                  int size, int vocab, const uint8_t *allowed, const nn_eval_options *opt,
                  nn_eval_metrics *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!train || !gen || !allowed || train_count < 1 || gen_count < 1 || size < 1 || vocab < 1)
		return fail(err, errlen, "nn_eval_grids: empty training or generated set");
	nn_eval_options o = opt ? *opt : (nn_eval_options){0};
	if (o.max_pairs <= 0) o.max_pairs = DEFAULT_MAX_PAIRS;
	if (o.max_nearest <= 0) o.max_nearest = DEFAULT_MAX_NEAREST;
	if (o.max_train <= 0) o.max_train = DEFAULT_MAX_TRAIN;
	size_t cells = (size_t)size * size;
	out->count = gen_count;
	for (int g = 0; g < gen_count; g++) {
		long long bad = nn_eval_violations(gen + g * cells, size, vocab, allowed);
		out->violations += bad;
		out->valid += bad == 0;
	}
	out->pairs = (long long)gen_count * 2 * size * (size - 1);
	out->violation_rate = out->pairs ? (double)out->violations / (double)out->pairs : 0;
	out->valid_rate = (double)out->valid / gen_count;

	double *hist = calloc(2 * ((size_t)vocab + 1), sizeof *hist);
	if (!hist) return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < (size_t)train_count * cells; i++)
		hist[known(train[i], vocab) ? train[i] : vocab] += 1;
	for (size_t i = 0; i < (size_t)gen_count * cells; i++) {
		bool k = known(gen[i], vocab);
		out->unknown_cells += !k;
		hist[vocab + 1 + (k ? gen[i] : vocab)] += 1;
	}
	out->hist_js = js_bits(hist, hist + vocab + 1, vocab + 1);
	free(hist);

	if (window_kl(train, train_count, gen, gen_count, size, vocab, 2, &out->kl2,
	              &out->kl2_rev) ||
	    window_kl(train, train_count, gen, gen_count, size, vocab, 3, &out->kl3,
	              &out->kl3_rev) ||
	    count_copies(train, train_count, gen, gen_count, cells, &out->duplicates,
	                 &out->train_copies))
		return fail(err, errlen, "out of memory");
	out->diversity = diversity(gen, gen_count, cells, o.max_pairs, o.seed);
	out->nearest_train =
	    nearest_train(train, train_count, gen, gen_count, cells, o.max_nearest, o.max_train);
	return 0;
}

void nn_eval_color_classes(const uint8_t *colors, int vocab, int32_t *class_of)
{
	for (int v = 0; v < vocab; v++) {
		class_of[v] = v;
		for (int u = 0; u < v; u++)
			if (!memcmp(colors + 3 * u, colors + 3 * v, 3)) {
				class_of[v] = u;
				break;
			}
	}
}

void nn_eval_class_allowed(const uint8_t *allowed, const int32_t *class_of, int vocab, uint8_t *out)
{
	size_t V = (size_t)vocab;
	memset(out, 0, 4 * V * V);
	for (size_t d = 0; d < 4; d++)
		for (size_t a = 0; a < V; a++)
			for (size_t b = 0; b < V; b++)
				if (allowed[(d * V + a) * V + b])
					out[(d * V + (size_t)class_of[a]) * V +
					    (size_t)class_of[b]] = 1;
}

void nn_eval_rgb_to_grid(const float *images, int count, int size, const uint8_t *colors, int vocab,
                         int32_t *grids)
{
	size_t area = (size_t)size * size;
	for (int n = 0; n < count; n++)
		for (size_t i = 0; i < area; i++) {
			float rgb[3];
			for (int c = 0; c < 3; c++)
				rgb[c] = (images[((size_t)n * 3 + c) * area + i] + 1.0f) * 127.5f;
			int best = 0;
			float bd = INFINITY;
			for (int v = 0; v < vocab; v++) {
				float d = 0;
				for (int c = 0; c < 3; c++) {
					float e = rgb[c] - colors[3 * v + c];
					d += e * e;
				}
				if (d < bd) { /* strict: the first entry of a colour wins */
					bd = d;
					best = v;
				}
			}
			grids[(size_t)n * area + i] = best;
		}
}
