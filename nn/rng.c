/* rng.c - xoshiro256** (Blackman & Vigna) seeded through splitmix64: the
 * same stream on every machine for a seed. Host-only; no backend. */
#include "nn.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void nn_rng_seed(nn_rng *r, uint64_t seed)
{
	/* splitmix64 never yields four zero words, which xoshiro must avoid */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t nn_rng_next(nn_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t out = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* The top 24 bits: every value is an exact float, and 1 is never reached. */
float nn_rng_uniform(nn_rng *r)
{
	return (float)(nn_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

/* Box-Muller, one value per call (the struct has no room for the pair's
 * second half); u1 is taken in (0, 1] so the log is finite. */
float nn_rng_normal(nn_rng *r)
{
	double u1 = 1.0 - (double)(nn_rng_next(r) >> 40) / 16777216.0;
	double u2 = (double)(nn_rng_next(r) >> 40) / 16777216.0;
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
