/*
 * base64.h - RFC 4648 base64 (standard alphabet, '=' padding).
 *
 * Ownership: both functions return malloc'd buffers the caller frees.
 * The decoder accepts an optional "data:<mime>;base64," prefix and ignores
 * ASCII whitespace; anything else that is not base64 is an error.
 */
#ifndef API_BASE64_H
#define API_BASE64_H

#include <stddef.h>

char *api_base64_encode(const unsigned char *data, size_t size); /* NUL-terminated */
/* Returns NULL on malformed input or out of memory. */
unsigned char *api_base64_decode(const char *text, size_t len, size_t *out_size);

#endif
