/*
 * rooms.h - a small overlapping model built in code, shared by the engine
 * tests: a 12x12 sample of rooms, walls and some doors (3 colours); and
 * model_allows, the propagator lookup those tests share.
 */
#ifndef TESTS_ROOMS_H
#define TESTS_ROOMS_H

#include "../engine/wfc.h"

#include <criterion/criterion.h>

#define ROOMS_SIDE 12

static inline void rooms_sample(uint32_t *px)
{
	uint32_t lcg = 12345;
	for (int y = 0; y < ROOMS_SIDE; y++)
		for (int x = 0; x < ROOMS_SIDE; x++) {
			lcg = lcg * 1103515245u + 12345u;
			bool wall = x % 4 == 0 || y % 4 == 0;
			bool door = wall && (x % 4 != 0 || y % 4 != 0) && (lcg >> 16) % 3 == 0;
			px[x + y * ROOMS_SIDE] = door ? 0xff884400u : wall ? 0xff000000u : 0xffffffffu;
		}
}

/* N = 3, all 8 symmetries, periodic input; ground: the last pattern in the
 * bottom row only (these rooms cannot satisfy it: for the start-set rule
 * alone). The model keeps its own copy of the sample. */
static inline wfc_model *rooms_model_with(int size, bool periodic, bool ground)
{
	uint32_t px[ROOMS_SIDE * ROOMS_SIDE];
	rooms_sample(px);
	wfc_overlapping_spec spec = {.sample = px,
	                             .sample_width = ROOMS_SIDE,
	                             .sample_height = ROOMS_SIDE,
	                             .N = 3,
	                             .width = size,
	                             .height = size,
	                             .periodic_input = true,
	                             .periodic = periodic,
	                             .symmetry = 8,
	                             .ground = ground};
	wfc_model *m = NULL;
	wfc_error err;
	cr_assert_eq(wfc_model_create_overlapping(&spec, &m, &err), WFC_OK, "%s", err.message);
	return m;
}

static inline wfc_model *rooms_model(int size, bool periodic)
{
	return rooms_model_with(size, periodic, false);
}

/* Whether pattern b may sit in direction d of pattern a, read from the
 * model's propagator (for any model, not only the rooms). */
static inline bool model_allows(const wfc_model *m, int d, int a, int b)
{
	int len;
	const int32_t *p = wfc_model_propagator(m, d, a, &len);
	for (int k = 0; k < len; k++)
		if (p[k] == b) return true;
	return false;
}

#endif
