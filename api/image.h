/*
 * image.h - PNG in and out (libpng), images as ARGB pixel arrays.
 *
 * Decoding accepts every PNG colour type and bit depth (palette, grey,
 * grey+alpha, RGB, RGBA, 1..16 bits, tRNS), ignores gamma/ICC (raw values,
 * as the reference does) and refuses images over API_PNG_MAX_SIDE per side
 * (png_set_user_limits) before allocating them.
 *
 * Ownership: api_image.pixels is malloc'd by the decoder and freed by
 * api_image_free(). api_png_encode() returns a malloc'd buffer the caller
 * frees with free().
 */
#ifndef API_IMAGE_H
#define API_IMAGE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define API_PNG_MAX_SIDE 8192
#define API_PNG_MAX_BYTES (64u << 20) /* compressed input accepted */

typedef struct {
	uint32_t *pixels; /* width * height, 0xAARRGGBB, row-major */
	int width, height;
} api_image;

void api_image_free(api_image *img);
/* Deep copy; dst is overwritten. */
int api_image_copy(api_image *dst, const api_image *src, api_error *err);

int api_png_decode(const unsigned char *data, size_t size, api_image *out, api_error *err);
/* As api_png_decode, refusing images over max_side (<= API_PNG_MAX_SIDE)
 * per side from the header, before any pixel memory is allocated: a small,
 * highly compressed PNG cannot make the caller allocate more than its own
 * limit allows (a sample or tile image, not 8192x8192). */
int api_png_decode_max(const unsigned char *data, size_t size, int max_side, api_image *out,
                       api_error *err);
int api_png_read_file(const char *path, api_image *out, api_error *err);
/* RGBA 8-bit PNG; alpha kept. */
int api_png_encode(const uint32_t *pixels, int width, int height, unsigned char **out,
                   size_t *out_size, api_error *err);
int api_png_write_file(const char *path, const uint32_t *pixels, int width, int height,
                       api_error *err);

/* SHA-256 over int32 width, int32 height, then width*height uint32 ARGB,
 * all little-endian: the golden manifest's image hash. hex must hold 65. */
void api_image_hash(const uint32_t *pixels, int width, int height, char hex[65]);

#endif
