/*
 * validator.h - an independent checker of WFC outputs (tests only).
 *
 * Written from WFC-SPEC.md alone and sharing no code with engine/: it never
 * builds a propagator, a wave or the reference's action table, it only asks
 * "is every local piece of this output allowed by the input?".
 *
 * Overlapping model: every N x N window of the output must be one of the
 * sample's N x N blocks or one of their first `symmetry` dihedral variants
 * (spec 8.2 order: block, mirror, turn, turn+mirror, ...). Patterns are
 * compared as colour values, never as indices.
 *
 * Simple tiled model, how the allowed pairs are derived: each symmetry
 * class is given a small 3 x 3 marker picture whose symmetry group is the
 * class's (X a plus, I a bar, \ a diagonal, T a "T", L an elbow, F an
 * asymmetric hook). Variant t of a tile is that picture turned t times
 * (t < 4) or turned t-4 times then mirrored, exactly as spec 9.3 builds the
 * variant bitmaps; the class size is 8 / |stabiliser| of the picture. A rule
 * "A k" | "B m" is a two-cell picture: A's picture under transform k on the
 * left, B's under m on the right. All eight symmetries of the square are
 * applied to that whole picture (tiles move with the cells and turn with
 * them); the offset between the two cells then says whether the result is
 * a horizontal (left, right) or a vertical (below, above) pair, and each
 * transformed tile picture is matched back to the variant of its tile that
 * draws the same picture. So the pair set comes from geometry, not from the
 * spec's per-class action rows; a unit test checks the two agree.
 *
 * Ownership: a vld_tileset either points at caller data (owned == NULL) or
 * was filled by a loader below, which allocates and vld_tileset_free()
 * releases. The check functions allocate scratch memory and free it.
 * On failure they write a sentence into why (may be NULL) naming the
 * position at fault.
 */
#ifndef VLD_VALIDATOR_H
#define VLD_VALIDATOR_H

#include "../../api/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Overlapping output check. sample is sw x sh ARGB, out is ow x oh ARGB,
 * both row-major. Windows of out are taken at every pixel (wrapping) when
 * periodic, else only where they fit; sample blocks likewise with
 * periodic_input. symmetry is 1..8. */
bool vld_check_overlapping(const uint32_t *sample, int sw, int sh, int N, bool periodic_input,
                           int symmetry, const uint32_t *out, int ow, int oh, bool periodic,
                           char *why, size_t why_len);

typedef struct {
	const char *name; /* no spaces */
	char symmetry;    /* 'X', 'I', '\\', 'T', 'L', 'F'; any other acts as 'X' */
} vld_tile;

/* "left may sit directly left of right"; each side is "tile" or
 * "tile k", k an orientation 0..7 (spec 9.1, default 0). */
typedef struct {
	const char *left;
	const char *right;
} vld_rule;

typedef struct {
	const vld_tile *tiles;
	int tile_count;
	const vld_rule *rules;
	int rule_count;
	const char *const *subset; /* tile names in use; NULL: every tile */
	int subset_count;
	void *owned; /* storage of a loader; NULL when pointing at caller data */
} vld_tileset;

/* Tiled output check. cells holds w * h variant names "tile k" in row-major
 * order (y = 0 is the top row). Every cell must name a variant of a tile in
 * the subset; every horizontally and vertically adjacent pair (wrapping
 * when periodic) must be allowed by the rules. */
bool vld_check_tiled(const vld_tileset *ts, const char *const *cells, int w, int h, bool periodic,
                     char *why, size_t why_len);

/* The derived pair tables of a tileset (whole tileset; the subset is
 * ignored), for tests that inspect them. The tileset must outlive them.
 * vld_pairs_build returns NULL with why when the tileset is invalid. */
typedef struct vld_pairs vld_pairs;
vld_pairs *vld_pairs_build(const vld_tileset *ts, char *why, size_t why_len);
/* 1 when variant `first` ("tile k") may sit directly left of `second`
 * (vertical false) or directly below it (vertical true), 0 when not, -1
 * when either name is not a variant of the tileset. */
int vld_pairs_allowed(const vld_pairs *p, const char *first, const char *second, bool vertical);
void vld_pairs_free(vld_pairs *p);

/* Number of variants of a symmetry class, from its marker picture. */
int vld_class_size(char symmetry);
/* Variant of the class that variant t becomes under transform k (0..7:
 * k < 4 turns k times 90 degrees counter-clockwise, k >= 4 turns k - 4
 * times then mirrors left-right), or -1 if t or k is out of range. */
int vld_class_transform(char symmetry, int t, int k);

/* Copies tiles, rules and the resolved subset out of an api_spec (plain
 * data only; no api_ function is called). 0 on success, -1 out of memory. */
int vld_tileset_from_spec(vld_tileset *out, const api_spec *s);
/* Reads a reference tileset XML file (spec 9.1) with its own expat parser,
 * so the check does not trust the api loader either. subset may be NULL.
 * 0 on success, -1 with why on failure (file, syntax, unknown subset). */
int vld_tileset_load_xml(vld_tileset *out, const char *path, const char *subset, char *why,
                         size_t why_len);
void vld_tileset_free(vld_tileset *ts);

#endif
