/*
 * sha256.h - SHA-256 (FIPS 180-4), self-contained so the golden image
 * hashes need no crypto dependency.
 *
 * Streaming use: api_sha256_init, any number of api_sha256_update calls,
 * then api_sha256_final. The context is caller-owned and holds no heap
 * memory. Not constant-time; it hashes images, not secrets.
 */
#ifndef API_SHA256_H
#define API_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define API_SHA256_BYTES 32

typedef struct {
	uint32_t h[8];
	uint64_t total;          /* bytes hashed so far */
	unsigned char block[64]; /* pending partial block */
	size_t fill;             /* bytes in block */
} api_sha256_ctx;

void api_sha256_init(api_sha256_ctx *c);
void api_sha256_update(api_sha256_ctx *c, const void *data, size_t size);
void api_sha256_final(api_sha256_ctx *c, unsigned char digest[API_SHA256_BYTES]);
/* Lowercase hex of a digest; hex must hold 65 bytes. */
void api_sha256_hex(const unsigned char digest[API_SHA256_BYTES], char hex[65]);
/* One-shot digest of a buffer, as lowercase hex. */
void api_sha256_hex_of(const void *data, size_t size, char hex[65]);

#endif
