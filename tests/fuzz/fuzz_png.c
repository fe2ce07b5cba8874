/*
 * fuzz_png.c - libFuzzer target for api_png_decode (libpng behind
 * setjmp/longjmp), which reads every sample and tile image a client sends.
 *
 * A decoded image must survive the project's encoder: api_png_encode of
 * its pixels decodes to the same size and the same pixels (the encoder
 * writes 8-bit RGBA, the decoder normalises everything to it). Images
 * over ROUNDTRIP_MAX_PIXELS are decoded but not re-encoded: zlib at
 * ASan speed on a 64-megapixel image is a timeout, not a finding.
 *
 * Almost every mutation breaks a chunk CRC, and libpng stops there; so an
 * input the decoder refuses is decoded once more with every complete
 * chunk's CRC recomputed, which lets mutants reach the header checks and
 * the pixel transforms behind them. The CRC error path keeps its coverage
 * from the first, unmodified decode.
 */
#include "../../api/image.h"
#include "fuzz_util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDTRIP_MAX_PIXELS (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CRC-32 of PNG chunks (ISO 3309, as zlib's crc32). */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* Rewrites the CRC of every complete chunk after the signature; false
 * when there was nothing to fix. */
static bool fix_crcs(uint8_t *png, size_t size)
{
	bool changed = false;
	size_t pos = 8;
	while (size - pos >= 12) {
		uint32_t len = (uint32_t)png[pos] << 24 | (uint32_t)png[pos + 1] << 16 |
		               (uint32_t)png[pos + 2] << 8 | png[pos + 3];
		if (len > size - pos - 12) break;
		uint8_t *crc = png + pos + 8 + len;
		uint32_t want = crc32_of(png + pos + 4, (size_t)len + 4);
		uint8_t be[4] = {(uint8_t)(want >> 24), (uint8_t)(want >> 16), (uint8_t)(want >> 8),
		                 (uint8_t)want};
		if (memcmp(crc, be, 4) != 0) {
			memcpy(crc, be, 4);
			changed = true;
		}
		pos += 12 + (size_t)len;
	}
	return changed;
}

/* Decodes data and checks that what it accepts survives the encoder;
 * false when the decoder refuses it (with a message, and no pixels). */
static bool decode(const uint8_t *data, size_t size)
{
	api_image img;
	api_error err = {0};
	if (api_png_decode(data, size, &img, &err) != API_OK) {
		FUZZ_CHECK(err.message[0] != '\0');
		FUZZ_CHECK(img.pixels == NULL);
		return false;
	}
	FUZZ_CHECK(img.pixels && img.width > 0 && img.height > 0);
	FUZZ_CHECK(img.width <= API_PNG_MAX_SIDE && img.height <= API_PNG_MAX_SIDE);
	if ((long)img.width * img.height <= ROUNDTRIP_MAX_PIXELS) {
		unsigned char *png = NULL;
		size_t png_size = 0;
		FUZZ_CHECK(api_png_encode(img.pixels, img.width, img.height, &png, &png_size,
		                          &err) == API_OK);
		api_image back;
		FUZZ_CHECK(api_png_decode(png, png_size, &back, &err) == API_OK);
		FUZZ_CHECK(back.width == img.width && back.height == img.height);
		FUZZ_CHECK(memcmp(back.pixels, img.pixels,
		                  (size_t)img.width * img.height * sizeof *img.pixels) == 0);
		api_image_free(&back);
		free(png);
	}
	api_image_free(&img);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (decode(data, size) || size < 8) return 0;
	uint8_t *copy = malloc(size); /* exact size, as libFuzzer's own buffer */
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (fix_crcs(copy, size)) decode(copy, size);
	free(copy);
	return 0;
}
