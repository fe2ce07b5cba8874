/*
 * mklibrary.c - draws the built-in library (library/): the overlapping
 * samples and the tilesets the service offers with no configuration.
 *
 * Everything in library/ is drawn here, in code, so the library is the
 * project's own work under the project's licence; nothing comes from the
 * reference corpus. `make library` rebuilds it.
 *
 *   usage: mklibrary [-o DIR]        (DIR defaults to "library")
 *
 * Output, laid out like the reference corpus (WFC-SPEC.md §8-§10) so that
 * api/xml.c loads it unchanged:
 *   DIR/samples.xml                  every entry, in a fixed order
 *   DIR/samples/<name>.png           overlapping samples (at most 32 x 32)
 *   DIR/tilesets/<name>.xml          tiles, neighbour rules, subsets
 *   DIR/tilesets/<name>/<tile>.png   12 x 12 tile bitmaps
 *
 * Determinism: the same bytes on every run. Pixels are decided by integer
 * arithmetic or by comparisons of exactly representable doubles (squares
 * of half-integers), never by libm, and the pseudo-random numbers come
 * from a fixed-seed xorshift, so other platforms draw the same pixels.
 *
 * Tilesets are described by what touches each tile's border (a 3 x 3
 * label grid: corners and edge midpoints) and the neighbour rules are
 * derived from those labels, so they cannot disagree with the pictures.
 * Each tile bitmap is made exactly as symmetric as its symmetry class
 * says (WFC-SPEC.md §9.2), because the engine builds the other
 * orientations by rotating and mirroring it.
 */
#include "../api/image.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SAMPLE 32   /* sample side, pixels */
#define TS 12           /* tile side, pixels */
#define MAX_TILES 16    /* tiles per tileset */
#define MAX_VARIANTS 64 /* tile orientations per tileset */
#define MAX_SUBSETS 4

static const char *out_dir = "library";

/* ------------------------------------------------------------- helpers */

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mklibrary: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* xorshift32: small, portable, and fixed by its seed. */
static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static int rng_below(uint32_t *s, int n)
{
	return (int)(rng_next(s) % (uint32_t)n);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) die("cannot create directory '%s'", path);
}

static void write_png(const char *path, const uint32_t *px, int w, int h)
{
	api_error err;
	if (api_png_write_file(path, px, w, h, &err) != API_OK) die("%s", err.message);
}

static FILE *open_text(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) die("cannot write '%s'", path);
	return f;
}

static void close_text(FILE *f, const char *path)
{
	if (ferror(f) | (fclose(f) != 0)) die("error writing '%s'", path);
}

/* ------------------------------------------------------ sample drawings */

typedef struct {
	int w, h;
	uint32_t px[MAX_SAMPLE * MAX_SAMPLE];
} canvas;

typedef struct {
	char key;
	uint32_t argb;
} ink;

/* Hand-drawn maps: one character per pixel, looked up in inks. */
static void draw_map(canvas *c, const char *const *rows, int h, const ink *inks)
{
	c->h = h;
	c->w = (int)strlen(rows[0]);
	if (h > MAX_SAMPLE || c->w > MAX_SAMPLE) die("map starting '%s' is too large", rows[0]);
	for (int y = 0; y < h; y++) {
		if ((int)strlen(rows[y]) != c->w) die("map row '%s' has the wrong length", rows[y]);
		for (int x = 0; x < c->w; x++) {
			const ink *k = inks;
			while (k->key && k->key != rows[y][x])
				k++;
			if (!k->key) die("map row '%s' uses a character with no colour", rows[y]);
			c->px[x + y * c->w] = k->argb;
		}
	}
}

/* Dungeon: rooms and one-wide corridors carved out of rock, on a torus
 * (corridors run off one edge and into the opposite one). Walls are the
 * rock next to the floor; a corridor's last cell before a room is a door.
 * Rooms are at most 5 wide, so that 3 x 3 patterns still see a room's
 * size and keep its shape. */
static void draw_dungeon(canvas *c)
{
	enum { S = 24 };
	static const int rooms[][4] = {/* x, y, width, height of the floor */
	                               {2, 2, 5, 4},  {12, 1, 4, 3},  {19, 4, 4, 5}, {3, 10, 3, 5},
	                               {10, 9, 5, 4}, {18, 14, 5, 4}, {8, 17, 4, 4}, {1, 19, 3, 3}};
	/* corridors: a count, then that many waypoints (x, y) joined by
	 * straight runs; coordinates past the edges wrap */
	static const int corridors[][7] = {
	    {2, 7, 3, 11, 3},           {3, 16, 2, 20, 2, 20, 3},    {2, 4, 6, 4, 9},
	    {2, 6, 12, 9, 12},          {3, 15, 10, 17, 10, 17, 15}, {2, 20, 9, 20, 13},
	    {2, 11, 13, 11, 16},        {2, 7, 19, 4, 19},           {2, 2, 22, 2, 25},
	    {3, 13, 0, 13, -5, 12, -5}, {3, 23, 16, 26, 16, 26, 18}};
	char cell[S * S]; /* ' ' rock, '.' room floor, '=' corridor */
	memset(cell, ' ', sizeof cell);
	for (size_t r = 0; r < sizeof rooms / sizeof *rooms; r++)
		for (int y = 0; y < rooms[r][3]; y++)
			for (int x = 0; x < rooms[r][2]; x++)
				cell[(rooms[r][0] + x) % S + (rooms[r][1] + y) % S * S] = '.';
	for (size_t k = 0; k < sizeof corridors / sizeof *corridors; k++) {
		const int *p = corridors[k] + 1;
		for (int leg = 0; leg + 1 < corridors[k][0]; leg++, p += 2) {
			int x = p[0], y = p[1], dx = (p[2] > x) - (p[2] < x),
			    dy = (p[3] > y) - (p[3] < y);
			for (;; x += dx, y += dy) {
				cell[(x + S) % S + (y + S) % S * S] = '=';
				if (x == p[2] && y == p[3]) break;
			}
		}
	}
	c->w = c->h = S;
	for (int y = 0; y < S; y++) {
		for (int x = 0; x < S; x++) {
			char k = cell[x + y * S];
			bool near_room = false, near_floor = false;
			for (int dy = -1; dy <= 1; dy++) {
				for (int dx = -1; dx <= 1; dx++) {
					char n = cell[(x + dx + S) % S + (y + dy + S) % S * S];
					near_floor |= n != ' ';
					near_room |= n == '.' && (dx == 0 || dy == 0);
				}
			}
			uint32_t col = 0xff1d1a24; /* rock */
			if (k == '=')
				col = near_room ? 0xff94602f : 0xffb3a68c; /* door, corridor */
			else if (k == '.')
				col = 0xffcbbc9d;
			else if (near_floor)
				col = 0xff5b5368; /* wall */
			c->px[x + y * S] = col;
		}
	}
}

/* Platformer: sky, clouds, floating brick platforms with bonus blocks, a
 * grass hill on dirt. For ground="True" (WFC-SPEC.md §8.4) the last row is
 * one colour and the top N-1 = 3 rows are plain sky, so the last pattern
 * found is the block at (0, bottom): bedrock with sky wrapped below it.
 * Platforms are two rows high and N is 4 so that they keep some length. */
static void draw_platformer(canvas *c)
{
	static const char *const map[] = {
	    "................................", /*  0 */
	    "................................", /*  1 */
	    "................................", /*  2 */
	    "......ww........................", /*  3 */
	    "....wwwwww..............www.....", /*  4 */
	    "...wwwwwwww...........wwwwwww...", /*  5 */
	    "....kkkkkk...........wwwwwwwww..", /*  6 */
	    "......................kkkkkkk...", /*  7 */
	    "................................", /*  8 */
	    "............bb?bbb?bb.....bbb?b.", /*  9 */
	    "............BBBBBBBBB.....BBBBB.", /* 10 */
	    "................................", /* 11 */
	    "................................", /* 12 */
	    "..bbb?bbb..................bbbbb", /* 13 */
	    "..BBBBBBB..................BBBBB", /* 14 */
	    "................................", /* 15 */
	    "..................gggggg........", /* 16 */
	    "........o.o......gddddddg.......", /* 17 */
	    "ggggggggggggggggggddddddgggggggg", /* 18 */
	    "dddddddddddddddddddddddddddddddd", /* 19 */
	    "dddddddddddddddddddddddddddddddd", /* 20 */
	    "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", /* 21 */
	};
	static const ink inks[] = {{'.', 0xff8fd0f0},
	                           {'w', 0xfff5fafc},
	                           {'k', 0xffcfe3ee},
	                           {'b', 0xffc8703a},
	                           {'B', 0xff8a4424},
	                           {'?', 0xfff0c040},
	                           {'o', 0xfff0c040},
	                           {'g', 0xff52b045},
	                           {'d', 0xff8e5b35},
	                           {'r', 0xff4a2f20},
	                           {0, 0}};
	draw_map(c, map, (int)(sizeof map / sizeof *map), inks);
}

/* Circuit board: one-pixel copper traces with pads, and chips whose pins
 * lead off into traces. */
static void draw_circuit(canvas *c)
{
	static const char *const map[] = {
	    "..=.=.=.......=.....", /*  0 */
	    "..=.=.=...o====.....", /*  1 */
	    "..=.=.=.............", /*  2 */
	    ".#######.....o===...", /*  3 */
	    ".#######.........=..", /*  4 */
	    "..=.=.=..........=..", /*  5 */
	    "..=.=.====o......=..", /*  6 */
	    "..=.=............=..", /*  7 */
	    "==o.=......=.=.=.===", /*  8 */
	    "....=.....#######...", /*  9 */
	    "....=.....#######...", /* 10 */
	    ".o===......=.=.=....", /* 11 */
	    "...........=.=.=....", /* 12 */
	    ".......o====.=.o....", /* 13 */
	    ".............=......", /* 14 */
	    "..o..........====o..", /* 15 */
	    "..=.................", /* 16 */
	    "..=.=.=.......o=====", /* 17 */
	    "..=.=.=.......=.....", /* 18 */
	    "..=.=.=.......=.....", /* 19 */
	};
	static const ink inks[] = {
	    {'.', 0xff1e4d2f}, {'=', 0xffd6a94a}, {'o', 0xffe9e4d4}, {'#', 0xff1b1b20}, {0, 0}};
	draw_map(c, map, (int)(sizeof map / sizeof *map), inks);
}

/* Brick wall: courses of two-pixel bricks (lit top row, shaded bottom
 * row) on mortar, each course shifted by half a brick, a few bricks
 * darker. Wraps in both directions. */
static void draw_bricks(canvas *c)
{
	enum { W = 24, H = 12, COURSE = 3, BRICK = 6 };
	const uint32_t mortar = 0xffc2b8a3, lit = 0xffc4673f, base = 0xff9e4a2c, dark = 0xff6e3422;
	c->w = W;
	c->h = H;
	uint32_t seed = 0x2545f491u;
	for (int course = 0; course < H / COURSE; course++) {
		int shift = course % 2 ? BRICK / 2 : 0;
		bool darker[W / BRICK];
		for (int b = 0; b < W / BRICK; b++)
			darker[b] = rng_below(&seed, 4) == 0;
		for (int row = 0; row < COURSE; row++) {
			int y = course * COURSE + row;
			for (int x = 0; x < W; x++) {
				int bx = (x + W - shift) % W;
				uint32_t col;
				if (row == COURSE - 1 || bx % BRICK == BRICK - 1)
					col = mortar;
				else if (darker[bx / BRICK])
					col = row == 0 ? base : dark;
				else
					col = row == 0 ? lit : base;
				c->px[x + y * W] = col;
			}
		}
	}
}

/* Periodic value noise on a size x size torus, lattice every `cell`
 * pixels, smoothstep-bilinear; integers only. Adds into acc. */
static void value_noise(int size, int cell, int amp, uint32_t seed, int *acc)
{
	int n = size / cell;
	int lattice[MAX_SAMPLE * MAX_SAMPLE];
	for (int i = 0; i < n * n; i++)
		lattice[i] = rng_below(&seed, amp + 1);
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++) {
			int i = x / cell, j = y / cell, fx = x % cell, fy = y % cell;
			int c3 = cell * cell * cell;
			/* smoothstep t^2 (3 - 2t), as 0..64 */
			int sx = fx * fx * (3 * cell - 2 * fx) * 64 / c3;
			int sy = fy * fy * (3 * cell - 2 * fy) * 64 / c3;
			int v00 = lattice[i + j * n], v10 = lattice[(i + 1) % n + j * n];
			int v01 = lattice[i + (j + 1) % n * n];
			int v11 = lattice[(i + 1) % n + (j + 1) % n * n];
			int top = v00 * (64 - sx) + v10 * sx, bottom = v01 * (64 - sx) + v11 * sx;
			acc[x + y * size] += (top * (64 - sy) + bottom * sy) / (64 * 64);
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Whether any pixel within Chebyshev distance r of (x, y) on a size x
 * size torus has mask value `value`. */
static bool near(const bool *mask, int size, int x, int y, int r, bool value)
{
	for (int dy = -r; dy <= r; dy++)
		for (int dx = -r; dx <= r; dx++)
			if (mask[(x + dx + size) % size + (y + dy + size) % size * size] == value)
				return true;
	return false;
}

/* Lake country: lakes cut from a height field, each ringed by shallows
 * and a beach one pixel wide, in a meadow with patches of woods that keep
 * their distance from the water. Rings of constant width are what lets
 * 3 x 3 patterns learn "water always has a beach". */
static void draw_lake(canvas *c)
{
	enum { S = 32 };
	int h[S * S] = {0}, woods[S * S] = {0}, sorted[S * S];
	value_noise(S, 16, 1000, 0x9e3779b9u, h);
	value_noise(S, 8, 500, 0x7f4a7c15u, h);
	value_noise(S, 8, 1000, 0x94d049bbu, woods);
	memcpy(sorted, h, sizeof h);
	qsort(sorted, S * S, sizeof *sorted, cmp_int);
	int water_below = sorted[S * S * 28 / 100];
	memcpy(sorted, woods, sizeof woods);
	qsort(sorted, S * S, sizeof *sorted, cmp_int);
	int woods_above = sorted[S * S * 70 / 100];
	bool water[S * S];
	for (int i = 0; i < S * S; i++)
		water[i] = h[i] < water_below;
	c->w = c->h = S;
	for (int y = 0; y < S; y++) {
		for (int x = 0; x < S; x++) {
			int i = x + y * S;
			uint32_t col;
			if (water[i])
				col = near(water, S, x, y, 1, false) ? 0xff4f8fcf : 0xff2e5f9e;
			else if (near(water, S, x, y, 1, true))
				col = 0xffe6d39a; /* beach */
			else if (woods[i] >= woods_above && !near(water, S, x, y, 3, true))
				col = 0xff3b7a34;
			else
				col = 0xff6fae4a;
			c->px[i] = col;
		}
	}
}

/* Cave: cellular automaton (4-5 rule) on a torus; rock touching the
 * floor is drawn lighter, like a lit wall face. */
static void draw_cave(canvas *c)
{
	enum { S = 28 };
	bool rock[S * S], next[S * S];
	uint32_t seed = 0x1b873593u;
	for (int i = 0; i < S * S; i++)
		rock[i] = rng_below(&seed, 100) < 50;
	for (int step = 0; step < 5; step++) {
		for (int y = 0; y < S; y++) {
			for (int x = 0; x < S; x++) {
				int n = 0;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++)
						n += (dx || dy) &&
						     rock[(x + dx + S) % S + (y + dy + S) % S * S];
				next[x + y * S] = n >= 5 || (rock[x + y * S] && n >= 4);
			}
		}
		memcpy(rock, next, sizeof rock);
	}
	c->w = c->h = S;
	for (int y = 0; y < S; y++) {
		for (int x = 0; x < S; x++) {
			bool face = false;
			static const int d4[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
			for (int k = 0; k < 4; k++)
				face |= !rock[(x + d4[k][0] + S) % S + (y + d4[k][1] + S) % S * S];
			c->px[x + y * S] = !rock[x + y * S] ? 0xffa39073
			                   : face           ? 0xff5e5468
			                                    : 0xff2b2733;
		}
	}
}

/* Garden: flowers of two colours on stems with leaves, standing in a
 * grass strip on soil; ground="True" as the platformer (uniform last row,
 * plain sky in the top two rows). */
static void draw_garden(canvas *c)
{
	enum { W = 24, H = 16 };
	const uint32_t sky = 0xffcbe9f5, stem = 0xff3e8a3a, grass = 0xff5aa845, soil = 0xff6b4a2e;
	const uint32_t petals[2] = {0xffe2445c, 0xff9c5fd6}, heart = 0xfff6cf4a;
	c->w = W;
	c->h = H;
	for (int i = 0; i < W * H; i++)
		c->px[i] = i / W == H - 1 ? soil : i / W == H - 2 ? grass : sky;
	uint32_t seed = 0x68e31da4u;
	for (int x = 1, k = 0; x < W - 1; x += 4 + rng_below(&seed, 2), k++) {
		int top = 5 + rng_below(&seed, 6); /* row of the flower's heart */
		for (int y = top + 1; y < H - 2; y++)
			c->px[x + y * W] = stem;
		int leaf = top + 2 + rng_below(&seed, H - 3 - (top + 2));
		c->px[x + (k % 2 ? 1 : -1) + leaf * W] = stem;
		uint32_t p = petals[rng_below(&seed, 2)];
		c->px[x + top * W] = heart;
		c->px[x - 1 + top * W] = c->px[x + 1 + top * W] = p;
		c->px[x + (top - 1) * W] = c->px[x + (top + 1) * W] = p;
	}
}

typedef struct {
	const char *name;
	void (*draw)(canvas *c);
	const char *attrs; /* samples.xml attributes besides name */
} sample_def;

static const sample_def samples[] = {
    {"Dungeon", draw_dungeon, "N=\"3\" periodic=\"True\""},
    {"Lake", draw_lake, "N=\"3\" periodic=\"True\""},
    {"Bricks", draw_bricks, "N=\"3\" symmetry=\"2\" periodic=\"True\" width=\"48\" height=\"30\""},
    {"Circuit", draw_circuit, "N=\"3\" periodic=\"True\""},
    {"Cave", draw_cave, "N=\"3\" periodic=\"True\""},
    {"Platformer", draw_platformer,
     "N=\"4\" symmetry=\"2\" ground=\"True\" periodic=\"True\" width=\"64\" height=\"32\""},
    {"Garden", draw_garden,
     "N=\"3\" symmetry=\"2\" ground=\"True\" periodic=\"True\" width=\"48\" height=\"32\""},
};

/* ---------------------------------------------------- symmetry classes */

/* WFC-SPEC.md §9.2: a = turn 90° counter-clockwise, b = mirror, acting on
 * the orientation index t of a tile of class c. */
static int cardinality(char c)
{
	return c == 'X' ? 1 : c == 'I' || c == '\\' ? 2 : c == 'T' || c == 'L' ? 4 : 8;
}

static int sym_a(char c, int t)
{
	switch (c) {
	case 'I':
	case '\\':
		return 1 - t;
	case 'T':
	case 'L':
		return (t + 1) % 4;
	case 'F':
		return t < 4 ? (t + 1) % 4 : 4 + (t + 3) % 4;
	default:
		return 0;
	}
}

static int sym_b(char c, int t)
{
	switch (c) {
	case '\\':
		return 1 - t;
	case 'T':
		return t % 2 ? 4 - t : t;
	case 'L':
		return t ^ 1;
	case 'F':
		return t < 4 ? t + 4 : t - 4;
	default:
		return t;
	}
}

/* Orientation reached from t by transform k in the order of the
 * reference's action rows: k < 4 turns k times, k >= 4 turns k - 4 times
 * and then mirrors. */
static int sym_apply(char c, int t, int k)
{
	for (int i = 0; i < k % 4; i++)
		t = sym_a(c, t);
	return k >= 4 ? sym_b(c, t) : t;
}

/* Where transform k (as above) takes the pixel it puts at (x, y) from, in
 * an n x n image: ROT(p)(x, y) = p(n-1-y, x), MIR(p)(x, y) = p(n-1-x, y)
 * (WFC-SPEC.md §8.2), so that orientation t's image is transform t of
 * orientation 0's. */
static int transform_source(int k, int n, int x, int y)
{
	if (k >= 4) x = n - 1 - x;
	for (int i = 0; i < k % 4; i++) {
		int nx = n - 1 - y, ny = x;
		x = nx;
		y = ny;
	}
	return x + y * n;
}

/* ------------------------------------------------------------ tilesets */

/* Border labels, 3 x 3 at x + 3y: corners and edge midpoints, centre
 * unused. '.' = nothing; other characters name what crosses the border
 * there (a pipe, a rail) or the terrain at a corner. Neighbours must agree
 * along their shared edge. */
typedef struct {
	char name[24];
	char sym;
	double weight;
	char label[9];
	uint32_t px[TS * TS];
} tile_def;

typedef struct {
	const char *name;
	const char *members; /* tile names separated by spaces */
} subset_def;

typedef struct {
	const char *name;
	tile_def tiles[MAX_TILES];
	int count;
	subset_def subsets[MAX_SUBSETS];
	int subset_count;
} tileset_def;

static tile_def *add_tile(tileset_def *set, const char *name, char sym, double weight,
                          const char *label)
{
	if (set->count == MAX_TILES) die("tileset '%s' has too many tiles", set->name);
	tile_def *t = &set->tiles[set->count++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->sym = sym;
	t->weight = weight;
	if (strlen(label) != 9) die("tile '%s' needs 9 border labels", name);
	memcpy(t->label, label, 9);
	return t;
}

/* Makes the bitmap exactly as symmetric as its class: every pixel takes
 * the value of the first pixel of its orbit under the transforms that map
 * orientation 0 onto itself. The drawings are symmetric already; this
 * only settles pixels on the edge of a shape. Labels must be symmetric as
 * drawn. */
static void symmetrize(tile_def *t)
{
	uint32_t src[TS * TS];
	memcpy(src, t->px, sizeof src);
	for (int i = 0; i < TS * TS; i++) {
		int first = i;
		for (int k = 1; k < 8; k++) {
			if (sym_apply(t->sym, 0, k) != 0) continue;
			int j = transform_source(k, TS, i % TS, i / TS);
			if (j < first) first = j;
		}
		t->px[i] = src[first];
	}
	for (int k = 1; k < 8; k++) {
		if (sym_apply(t->sym, 0, k) != 0) continue;
		for (int i = 0; i < 9; i++)
			if (t->label[transform_source(k, 3, i % 3, i / 3)] != t->label[i])
				die("the border labels of tile '%s' do not fit its symmetry",
				    t->name);
	}
}

/* Variant g = first[tile] + t, its action row and its border labels. */
typedef struct {
	int count;
	int tile[MAX_VARIANTS];
	int orientation[MAX_VARIANTS];
	int action[MAX_VARIANTS][8];
	char label[MAX_VARIANTS][9];
} variants;

static void make_variants(const tileset_def *set, variants *v)
{
	memset(v, 0, sizeof *v);
	for (int i = 0; i < set->count; i++) {
		const tile_def *t = &set->tiles[i];
		int first = v->count, card = cardinality(t->sym);
		if (first + card > MAX_VARIANTS)
			die("tileset '%s' has too many variants", set->name);
		for (int o = 0; o < card; o++) {
			int g = first + o;
			v->tile[g] = i;
			v->orientation[g] = o;
			for (int k = 0; k < 8; k++)
				v->action[g][k] = first + sym_apply(t->sym, o, k);
			for (int p = 0; p < 9; p++)
				v->label[g][p] = t->label[transform_source(o, 3, p % 3, p / 3)];
		}
		v->count += card;
	}
}

/* Left may sit directly left of right: their shared edge agrees. */
static bool fits_left_of(const char *left, const char *right)
{
	return left[2] == right[0] && left[5] == right[3] && left[8] == right[6];
}

static void write_variant(FILE *f, const tileset_def *set, const variants *v, int g)
{
	if (v->orientation[g])
		fprintf(f, "%s %d", set->tiles[v->tile[g]].name, v->orientation[g]);
	else
		fprintf(f, "%s", set->tiles[v->tile[g]].name);
}

/* Writes the fewest rules in XML order whose expansion (WFC-SPEC.md §9.4:
 * the pair, its vertical flip, its mirror image, its half turn, and the
 * same turned a quarter) allows exactly the pairs whose edges agree. */
static void write_rules(FILE *f, const tileset_def *set)
{
	variants v;
	make_variants(set, &v);
	static bool allowed[MAX_VARIANTS][MAX_VARIANTS]; /* [left][right] */
	memset(allowed, 0, sizeof allowed);
	for (int l = 0; l < v.count; l++) {
		for (int r = 0; r < v.count; r++) {
			if (!fits_left_of(v.label[l], v.label[r]) || allowed[l][r]) continue;
			int pairs[4][2] = {{l, r},
			                   {v.action[l][6], v.action[r][6]},
			                   {v.action[r][4], v.action[l][4]},
			                   {v.action[r][2], v.action[l][2]}};
			for (int p = 0; p < 4; p++) {
				if (!fits_left_of(v.label[pairs[p][0]], v.label[pairs[p][1]]))
					die("tileset '%s': labels and symmetry classes disagree",
					    set->name);
				allowed[pairs[p][0]][pairs[p][1]] = true;
			}
			fprintf(f, "\t\t<neighbor left=\"");
			write_variant(f, set, &v, l);
			fprintf(f, "\" right=\"");
			write_variant(f, set, &v, r);
			fprintf(f, "\"/>\n");
		}
	}
}

static void write_tileset(const tileset_def *set)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tilesets/%s", out_dir, set->name);
	make_dir(path);
	for (int i = 0; i < set->count; i++) {
		snprintf(path, sizeof path, "%s/tilesets/%s/%s.png", out_dir, set->name,
		         set->tiles[i].name);
		write_png(path, set->tiles[i].px, TS, TS);
	}
	snprintf(path, sizeof path, "%s/tilesets/%s.xml", out_dir, set->name);
	FILE *f = open_text(path);
	fprintf(f, "<!-- Drawn by tools/mklibrary.c; regenerate with `make library`. -->\n");
	fprintf(f, "<set>\n\t<tiles>\n");
	for (int i = 0; i < set->count; i++) {
		const tile_def *t = &set->tiles[i];
		fprintf(f, "\t\t<tile name=\"%s\" symmetry=\"%c\" weight=\"%g\"/>\n", t->name,
		        t->sym, t->weight);
	}
	fprintf(f, "\t</tiles>\n\t<neighbors>\n");
	write_rules(f, set);
	fprintf(f, "\t</neighbors>\n");
	if (set->subset_count) {
		fprintf(f, "\t<subsets>\n");
		for (int s = 0; s < set->subset_count; s++) {
			fprintf(f, "\t\t<subset name=\"%s\">\n", set->subsets[s].name);
			char names[256];
			snprintf(names, sizeof names, "%s", set->subsets[s].members);
			for (char *save, *n = strtok_r(names, " ", &save); n;
			     n = strtok_r(NULL, " ", &save))
				fprintf(f, "\t\t\t<tile name=\"%s\"/>\n", n);
			fprintf(f, "\t\t</subset>\n");
		}
		fprintf(f, "\t</subsets>\n");
	}
	fprintf(f, "</set>\n");
	close_text(f, path);
}

/* Pixel centres in tile coordinates: (x + 0.5, y + 0.5). All distances
 * below are squares of half-integers, exact in double. */
static double sq(double v)
{
	return v * v;
}

static double dist2(int x, int y, double cx, double cy)
{
	return sq(x + 0.5 - cx) + sq(y + 0.5 - cy);
}

static bool in_ring(int x, int y, double cx, double cy, double r0, double r1)
{
	double d = dist2(x, y, cx, cy);
	return d >= r0 * r0 && d < r1 * r1;
}

/* --------------------------------------------------------------- Pipes */

enum { PIPE_EDGE = 0xff7a3b1e, PIPE_CORE = 0xffd2834a, PIPE_FLANGE = 0xffa8b0ba };

static void pipe_background(uint32_t *px)
{
	for (int i = 0; i < TS * TS; i++)
		px[i] = 0xff3a4150;
	/* rivets in the corners */
	px[1 + 1 * TS] = px[TS - 2 + 1 * TS] = px[1 + (TS - 2) * TS] = px[TS - 2 + (TS - 2) * TS] =
	    0xff5d6779;
}

/* Rotates a drawing a quarter turn counter-clockwise in place. */
static void turn(uint32_t *px)
{
	uint32_t src[TS * TS];
	memcpy(src, px, sizeof src);
	for (int i = 0; i < TS * TS; i++)
		px[i] = src[transform_source(1, TS, i % TS, i / TS)];
}

/* Runs draw(px) as if `side` (0 top, 1 left, 2 bottom, 3 right: quarter
 * turns counter-clockwise from the top) were the top edge. */
static void from_side(uint32_t *px, int side, void (*draw)(uint32_t *px))
{
	for (int k = 0; k < (4 - side) % 4; k++)
		turn(px);
	draw(px);
	for (int k = 0; k < side; k++)
		turn(px);
}

/* Half a pipe, from the top edge (with its flange) to the middle. */
static void pipe_stub(uint32_t *px)
{
	for (int y = 0; y < TS / 2; y++)
		for (int x = 3; x < 9; x++)
			if (y == 0)
				px[x + y * TS] = PIPE_FLANGE;
			else if (x >= 4 && x < 8)
				px[x + y * TS] = x == 4 || x == 7 ? PIPE_EDGE : PIPE_CORE;
}

/* Quarter ring around corner (cx, cy), joining the two edges there. */
static void pipe_bend(uint32_t *px, double cx, double cy)
{
	for (int y = 0; y < TS; y++) {
		for (int x = 0; x < TS; x++) {
			if (in_ring(x, y, cx, cy, 5, 7))
				px[x + y * TS] = PIPE_CORE;
			else if (in_ring(x, y, cx, cy, 4, 8))
				px[x + y * TS] = PIPE_EDGE;
			bool at_edge = (y == 0 && cy == 0) || (y == TS - 1 && cy == TS) ||
			               (x == 0 && cx == 0) || (x == TS - 1 && cx == TS);
			if (at_edge && in_ring(x, y, cx, cy, 3, 9)) px[x + y * TS] = PIPE_FLANGE;
		}
	}
}

static void make_pipes(tileset_def *set)
{
	memset(set, 0, sizeof *set);
	set->name = "Pipes";
	tile_def *t;

	t = add_tile(set, "Empty", 'X', 3, "........."); /* labels: x + 3y */
	pipe_background(t->px);

	t = add_tile(set, "Straight", 'I', 2, ".p.....p.");
	pipe_background(t->px);
	from_side(t->px, 0, pipe_stub);
	from_side(t->px, 2, pipe_stub);

	t = add_tile(set, "Bend", 'L', 2, ".p...p...");
	pipe_background(t->px);
	pipe_bend(t->px, TS, 0);

	t = add_tile(set, "Tee", 'T', 1, "...p.p.p.");
	pipe_background(t->px);
	from_side(t->px, 2, pipe_stub);
	from_side(t->px, 1, pipe_stub); /* the left-right run passes over the stub */
	from_side(t->px, 3, pipe_stub);

	t = add_tile(set, "Cross", 'X', 1, ".p.p.p.p.");
	pipe_background(t->px);
	for (int side = 0; side < 4; side++)
		from_side(t->px, side, pipe_stub);
	for (int y = 3; y < 9; y++) /* junction box */
		for (int x = 3; x < 9; x++)
			t->px[x + y * TS] =
			    x == 3 || x == 8 || y == 3 || y == 8 ? PIPE_FLANGE : 0xff6f7884;

	t = add_tile(set, "Valve", 'T', 0.5, ".......p.");
	pipe_background(t->px);
	from_side(t->px, 2, pipe_stub);
	for (int y = 0; y < TS; y++) /* hand wheel */
		for (int x = 0; x < TS; x++)
			if (in_ring(x, y, 6, 6, 2, 3.6))
				t->px[x + y * TS] = 0xffc8323c;
			else if (in_ring(x, y, 6, 6, 0, 1.5))
				t->px[x + y * TS] = 0xff8a1f28;

	t = add_tile(set, "Double", '\\', 1, ".p.p.p.p.");
	pipe_background(t->px);
	pipe_bend(t->px, 0, 0);
	pipe_bend(t->px, TS, TS);

	for (int i = 0; i < set->count; i++)
		symmetrize(&set->tiles[i]);
	set->subsets[set->subset_count++] =
	    (subset_def){"Loops", "Empty Straight Bend Cross Double"};
	set->subsets[set->subset_count++] = (subset_def){"Plain", "Empty Straight Bend Valve"};
}

/* --------------------------------------------------------------- Rails */

enum {
	RAIL_GRASS = 0xff7db24c,
	RAIL_TUFT = 0xff679a3c,
	RAIL_BED = 0xff9a8f80,
	RAIL_TIE = 0xff6d4a30,
	RAIL_STEEL = 0xffd9dee4
};

static void rail_background(uint32_t *px)
{
	for (int i = 0; i < TS * TS; i++) {
		int x = i % TS, y = i / TS;
		/* tufts on a fixed scatter that reads the same turned or mirrored */
		int a = x < TS / 2 ? x : TS - 1 - x, b = y < TS / 2 ? y : TS - 1 - y;
		int lo = a < b ? a : b, hi = a < b ? b : a;
		px[i] = (lo == 1 && hi == 4) || (lo == 3 && hi == 3) ? RAIL_TUFT : RAIL_GRASS;
	}
}

/* Layers of a track piece: 0 bed, 1 ties, 2 rails. Straight track runs
 * top to bottom through the middle. */
static void rail_straight(uint32_t *px, int layer)
{
	for (int y = 0; y < TS; y++) {
		for (int x = 2; x < TS - 2; x++) {
			bool tie = y % 4 == 1 || y % 4 == 2;
			bool rail = x == 3 || x == TS - 4;
			if (layer == 0) px[x + y * TS] = RAIL_BED;
			if (layer == 1 && tie) px[x + y * TS] = RAIL_TIE;
			if (layer == 2 && rail) px[x + y * TS] = RAIL_STEEL;
		}
	}
}

/* Curve around corner (cx, cy) joining its two edges, radius TS/2. */
static void rail_curve(uint32_t *px, double cx, double cy, int layer)
{
	for (int y = 0; y < TS; y++) {
		for (int x = 0; x < TS; x++) {
			double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			if (dx < 0) dx = -dx;
			if (dy < 0) dy = -dy;
			double d2 = dx * dx + dy * dy;
			if (d2 < 4 || d2 >= 100) continue;
			/* ties along the directions (5,2) and (2,5) from the corner */
			bool tie = sq(dx * 2 - dy * 5) < 29 || sq(dx * 5 - dy * 2) < 29;
			bool rail = in_ring(x, y, cx, cy, 3, 4) || in_ring(x, y, cx, cy, 8, 9);
			if (layer == 0) px[x + y * TS] = RAIL_BED;
			if (layer == 1 && tie && d2 >= 2.5 * 2.5 && d2 < 9.5 * 9.5)
				px[x + y * TS] = RAIL_TIE;
			if (layer == 2 && rail) px[x + y * TS] = RAIL_STEEL;
		}
	}
}

static void make_rails(tileset_def *set)
{
	memset(set, 0, sizeof *set);
	set->name = "Rails";
	tile_def *t;

	t = add_tile(set, "Grass", 'X', 8, ".........");
	rail_background(t->px);

	t = add_tile(set, "Track", 'I', 2, ".r.....r.");
	rail_background(t->px);
	for (int layer = 0; layer < 3; layer++)
		rail_straight(t->px, layer);

	t = add_tile(set, "Curve", 'L', 1, ".r...r...");
	rail_background(t->px);
	for (int layer = 0; layer < 3; layer++)
		rail_curve(t->px, TS, 0, layer);

	/* A switch: straight through, with a branch curving off to the
	 * right; no symmetry at all, so all eight orientations differ. */
	t = add_tile(set, "Switch", 'F', 0.1, ".r...r.r.");
	rail_background(t->px);
	for (int layer = 0; layer < 3; layer++) {
		rail_curve(t->px, TS, TS, layer);
		if (layer < 2) rail_straight(t->px, layer);
	}
	rail_straight(t->px, 2);

	t = add_tile(set, "Crossing", 'X', 0.3, ".r.r.r.r.");
	rail_background(t->px);
	for (int layer = 0; layer < 3; layer += 2) {
		rail_straight(t->px, layer);
		turn(t->px);
		rail_straight(t->px, layer);
		turn(t->px), turn(t->px), turn(t->px);
	}

	/* Track from the bottom edge up to a buffer stop. */
	t = add_tile(set, "Buffer", 'T', 0.1, ".......r.");
	rail_background(t->px);
	uint32_t track[TS * TS];
	memcpy(track, t->px, sizeof track);
	for (int layer = 0; layer < 3; layer++)
		rail_straight(track, layer);
	memcpy(t->px + TS * TS / 2, track + TS * TS / 2, sizeof track / 2);
	for (int x = 2; x < TS - 2; x++) /* the stop */
		t->px[x + 5 * TS] = t->px[x + 4 * TS] =
		    x == 2 || x == TS - 3 ? 0xff7a1e1e : 0xffd23c3c;

	for (int i = 0; i < set->count; i++)
		symmetrize(&set->tiles[i]);
}

/* ------------------------------------------------------------- Terrain */

/* Corner terrain: w water, s sand, g grass. Inside a tile the terrain
 * height is the bilinear blend of its corners (water 0, sand 1, grass 2)
 * and colour bands are cut from it, so shores line up across tiles. Only
 * water-sand and sand-grass tiles exist: water never touches grass. */
static int corner_height(char c)
{
	return c == 'w' ? 0 : c == 's' ? 1 : 2;
}

static void terrain_fill(tile_def *t)
{
	const int n = 2 * TS; /* blend weights in units of 1/(2 TS) */
	int tl = corner_height(t->label[0]), tr = corner_height(t->label[2]);
	int bl = corner_height(t->label[6]), br = corner_height(t->label[8]);
	for (int y = 0; y < TS; y++) {
		for (int x = 0; x < TS; x++) {
			int u = 2 * x + 1, v = 2 * y + 1;
			/* height * 100, from the integer blend over n * n */
			int h = 100 *
			        (tl * (n - u) * (n - v) + tr * u * (n - v) + bl * (n - u) * v +
			         br * u * v) /
			        (n * n);
			uint32_t c = h < 30    ? 0xff2f6aa8
			             : h < 50  ? 0xff58a2d8
			             : h < 62  ? 0xffd4bc82
			             : h < 150 ? 0xffecd9a2
			             : h < 162 ? 0xff9ccb5e
			                       : 0xff69a84b;
			t->px[x + y * TS] = c;
		}
	}
}

static void make_terrain(tileset_def *set)
{
	memset(set, 0, sizeof *set);
	set->name = "Terrain";
	static const struct {
		const char *name;
		char sym;
		double weight;
		const char *label;
	} defs[] = {
	    {"Water", 'X', 6, "w.w...w.w"},     {"Sand", 'X', 1, "s.s...s.s"},
	    {"Grass", 'X', 10, "g.g...g.g"},    {"Shore", 'T', 2, "s.s...w.w"},
	    {"Cape", 'L', 1, "w.s...w.w"},      {"Bay", 'L', 1, "s.w...s.s"},
	    {"Strait", '\\', 0.2, "w.s...s.w"}, {"Edge", 'T', 2, "g.g...s.s"},
	    {"Hill", 'L', 1, "s.g...s.s"},      {"Dell", 'L', 1, "g.s...g.g"},
	};
	for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
		tile_def *t =
		    add_tile(set, defs[i].name, defs[i].sym, defs[i].weight, defs[i].label);
		terrain_fill(t);
	}
	tile_def *t = add_tile(set, "Woods", 'X', 2, "g.g...g.g");
	terrain_fill(t);
	for (int y = 0; y < TS; y++) /* a round tree crown */
		for (int x = 0; x < TS; x++)
			if (in_ring(x, y, 6, 6, 0, 2.5))
				t->px[x + y * TS] = 0xff4f9a3e;
			else if (in_ring(x, y, 6, 6, 0, 5))
				t->px[x + y * TS] = 0xff2f6e2c;
	for (int i = 0; i < set->count; i++)
		symmetrize(&set->tiles[i]);
	set->subsets[set->subset_count++] =
	    (subset_def){"Islands", "Water Sand Shore Cape Bay Strait"};
}

/* ------------------------------------------------------------- entries */

typedef struct {
	const char *name;
	const char *attrs;
} tiled_entry;

static const tiled_entry tiled_entries[] = {
    {"Pipes", "size=\"16\" periodic=\"True\""},
    {"Pipes", "subset=\"Loops\" size=\"16\" periodic=\"True\""},
    {"Pipes", "subset=\"Plain\" size=\"16\""},
    {"Rails", "size=\"16\""},
    {"Terrain", "size=\"20\""},
    {"Terrain", "subset=\"Islands\" size=\"20\" periodic=\"True\""},
};

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out_dir = argv[++i];
		else {
			fputs("usage: mklibrary [-o DIR]\n"
			      "Draws the built-in library into DIR (default: library).\n",
			      stderr);
			return 2;
		}
	}
	char path[4096];
	make_dir(out_dir);
	snprintf(path, sizeof path, "%s/samples", out_dir);
	make_dir(path);
	snprintf(path, sizeof path, "%s/tilesets", out_dir);
	make_dir(path);

	static canvas c;
	for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
		memset(&c, 0, sizeof c);
		samples[i].draw(&c);
		snprintf(path, sizeof path, "%s/samples/%s.png", out_dir, samples[i].name);
		write_png(path, c.px, c.w, c.h);
	}
	static tileset_def set;
	make_pipes(&set);
	write_tileset(&set);
	make_rails(&set);
	write_tileset(&set);
	make_terrain(&set);
	write_tileset(&set);

	snprintf(path, sizeof path, "%s/samples.xml", out_dir);
	FILE *f = open_text(path);
	fprintf(f, "<!-- The built-in library, drawn by tools/mklibrary.c; regenerate with "
	           "`make library`. -->\n<samples>\n");
	for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
		fprintf(f, "\t<overlapping name=\"%s\" %s/>\n", samples[i].name, samples[i].attrs);
	for (size_t i = 0; i < sizeof tiled_entries / sizeof *tiled_entries; i++)
		fprintf(f, "\t<simpletiled name=\"%s\" %s/>\n", tiled_entries[i].name,
		        tiled_entries[i].attrs);
	fprintf(f, "</samples>\n");
	close_text(f, path);
	return 0;
}
