#include "dotnet_random.h"

#define MBIG INT32_MAX
#define MSEED 161803398

/* The original does unchecked 32-bit signed arithmetic: for seeds far from
 * zero, mj goes negative and the subtractions wrap around. */
static int32_t wrap_sub(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a - (uint32_t)b);
}

void wfc_dotnet_random_init(wfc_dotnet_random *r, int32_t seed)
{
	int32_t subtraction = seed == INT32_MIN ? INT32_MAX : (seed < 0 ? -seed : seed);
	int32_t mj = wrap_sub(MSEED, subtraction);
	int32_t mk = 1;
	r->slots[0] = 0;
	r->slots[55] = mj;
	for (int i = 1; i < 55; i++) {
		int ii = (21 * i) % 55;
		r->slots[ii] = mk;
		mk = wrap_sub(mj, mk);
		if (mk < 0) mk = wrap_sub(mk, -MBIG);
		mj = r->slots[ii];
	}
	for (int k = 1; k < 5; k++) {
		for (int i = 1; i < 56; i++) {
			r->slots[i] = wrap_sub(r->slots[i], r->slots[1 + (i + 30) % 55]);
			if (r->slots[i] < 0) r->slots[i] += MBIG;
		}
	}
	r->inext = 0;
	r->inextp = 21;
}

double wfc_dotnet_random_double(wfc_dotnet_random *r)
{
	int a = r->inext + 1 >= 56 ? 1 : r->inext + 1;
	int b = r->inextp + 1 >= 56 ? 1 : r->inextp + 1;
	int32_t v = wrap_sub(r->slots[a], r->slots[b]);
	if (v == MBIG) v--;
	if (v < 0) v += MBIG;
	r->slots[a] = v;
	r->inext = a;
	r->inextp = b;
	return v * (1.0 / MBIG);
}
