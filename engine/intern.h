/*
 * intern.h - assigns dense ids to fixed-length byte strings, in order of
 * first appearance (open addressing, FNV-1a). Used for sample colours,
 * patterns and pattern edges. Internal to the engine.
 *
 * Ownership: wfc_intern_init allocates, wfc_intern_free releases. Keys are
 * copied into the table.
 */
#ifndef WFC_INTERN_H
#define WFC_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	size_t key_len;
	int count, max_count;
	size_t capacity;     /* slots, a power of two > 2 * max_count */
	int32_t *slots;      /* id or -1 */
	unsigned char *keys; /* count * key_len */
} wfc_intern;

/* max_count bounds the ids ever handed out. Returns 0 on success. */
int wfc_intern_init(wfc_intern *t, size_t key_len, int max_count);
void wfc_intern_free(wfc_intern *t);
/* Id of key, adding it when new. Returns -1 when the table already holds
 * max_count keys and key is new. */
int32_t wfc_intern_add(wfc_intern *t, const unsigned char *key);
const unsigned char *wfc_intern_key(const wfc_intern *t, int32_t id);

#endif
