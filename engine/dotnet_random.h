/*
 * dotnet_random.h - .NET's seeded System.Random (the legacy subtractive
 * generator behind `new Random(seed)`), so that runs reproduce the
 * reference program bit for bit (WFC-SPEC.md §14). State lives in the
 * caller's struct: no globals.
 */
#ifndef WFC_DOTNET_RANDOM_H
#define WFC_DOTNET_RANDOM_H

#include <stdint.h>

typedef struct {
	int32_t slots[56]; /* slot 0 unused, as in the original */
	int inext, inextp;
} wfc_dotnet_random;

void wfc_dotnet_random_init(wfc_dotnet_random *r, int32_t seed);
/* Uniform in [0, 1): Sample() of the original. */
double wfc_dotnet_random_double(wfc_dotnet_random *r);

#endif
