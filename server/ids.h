/*
 * ids.h - resource identifiers: a prefix ("j_", "ts_", "sm_") and 20
 * lowercase base32 characters (RFC 4648 alphabet, 100 random bits from
 * getrandom), e.g. "j_k3v9q2m7x4b8n6p1c5ra". Unguessable, URL- and
 * file-name-safe, so an id doubles as a file name in the data directory.
 */
#ifndef SRV_IDS_H
#define SRV_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_ID_CHARS 20
#define SRV_ID_MAX 32 /* longest prefix + 20 + NUL, with room */

#define SRV_PREFIX_JOB "j_"
#define SRV_PREFIX_TILESET "ts_"
#define SRV_PREFIX_SAMPLE "sm_"

/* false only when the system has no randomness to give. */
bool srv_id_new(const char *prefix, char out[SRV_ID_MAX]);
/* true when text is prefix + exactly 20 base32 characters. */
bool srv_id_valid(const char *prefix, const char *text);
/* n random bytes from the kernel. */
bool srv_random_bytes(void *out, size_t n);

#endif
