/*
 * png_header.h - PNG headers crafted by hand for tests that feed decoders
 * declared sizes without the pixel data (size limits, compression bombs).
 * Independent of libpng on purpose: the CRC is computed here.
 * Header-only (static inline); nothing is allocated.
 */
#ifndef WFC_TESTS_PNG_HEADER_H
#define WFC_TESTS_PNG_HEADER_H

#include <stdint.h>
#include <string.h>

/* CRC-32 as PNG chunks use it (ISO 3309, reflected, polynomial 0xedb88320). */
static inline uint32_t png_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static inline void png_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The signature and an IHDR chunk declaring w x h at this bit depth and
 * colour type: the first 33 bytes of a PNG. Returns 33. */
static inline size_t png_craft_ihdr(unsigned char out[33], uint32_t w, uint32_t h, int depth,
                                    int color_type)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	memcpy(out, sig, 8);
	png_be32(out + 8, 13);
	memcpy(out + 12, "IHDR", 4);
	png_be32(out + 16, w);
	png_be32(out + 20, h);
	out[24] = (unsigned char)depth;
	out[25] = (unsigned char)color_type;
	out[26] = out[27] = out[28] = 0;
	png_be32(out + 29, png_crc32(out + 12, 17));
	return 33;
}

#endif
