#include "intern.h"

#include <stdlib.h>
#include <string.h>

int wfc_intern_init(wfc_intern *t, size_t key_len, int max_count)
{
	memset(t, 0, sizeof *t);
	t->key_len = key_len;
	t->max_count = max_count;
	t->capacity = 16;
	while (t->capacity < 2 * (size_t)max_count + 2)
		t->capacity *= 2;
	t->slots = malloc(t->capacity * sizeof *t->slots);
	t->keys = malloc((size_t)max_count * (key_len ? key_len : 1));
	if (!t->slots || !t->keys) {
		wfc_intern_free(t);
		return -1;
	}
	memset(t->slots, 0xff, t->capacity * sizeof *t->slots);
	return 0;
}

void wfc_intern_free(wfc_intern *t)
{
	free(t->slots);
	free(t->keys);
	memset(t, 0, sizeof *t);
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

int32_t wfc_intern_add(wfc_intern *t, const unsigned char *key)
{
	size_t mask = t->capacity - 1;
	size_t at = (size_t)hash_bytes(key, t->key_len) & mask;
	for (;;) {
		int32_t id = t->slots[at];
		if (id < 0) break;
		if (memcmp(t->keys + (size_t)id * t->key_len, key, t->key_len) == 0) return id;
		at = (at + 1) & mask;
	}
	if (t->count >= t->max_count) return -1;
	int32_t id = t->count++;
	memcpy(t->keys + (size_t)id * t->key_len, key, t->key_len);
	t->slots[at] = id;
	return id;
}

const unsigned char *wfc_intern_key(const wfc_intern *t, int32_t id)
{
	return t->keys + (size_t)id * t->key_len;
}
