/*
 * mkseeds.c - draws the generated part of the fuzz seed corpora
 * (tests/fuzz/corpus/): PNGs in every colour type and bit depth written
 * with libpng directly, broken PNGs derived from them (bad CRC, cut short,
 * impossible headers), their base64 forms, and JSON specs and job requests
 * that carry them inline. Everything is drawn here, so the bytes are the
 * project's own. Run once with `make fuzz-seeds`; the output is committed.
 * The hand-written seeds live next to these files and are left alone.
 *
 * Usage: mkseeds CORPUS_DIR
 */
#include "../../api/base64.h"
#include "../../api/image.h"
#include "../png_header.h"

#include <png.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *root;

static void die(const char *what)
{
	fprintf(stderr, "mkseeds: %s\n", what);
	exit(1);
}

static void put(const char *rel, const void *data, size_t size)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) die(path);
}

typedef struct {
	unsigned char *data;
	size_t size, cap;
} mem;

static void mem_write(png_structp png, png_bytep data, size_t n)
{
	mem *m = png_get_io_ptr(png);
	if (m->size + n > m->cap) {
		m->cap = (m->size + n) * 2;
		if (!(m->data = realloc(m->data, m->cap))) die("out of memory");
	}
	memcpy(m->data + m->size, data, n);
	m->size += n;
}

static void mem_flush(png_structp png)
{
	(void)png;
}

/* A w x h PNG of the given type and depth; samples are a pattern that
 * uses the whole range of the depth, so every unpacking path matters. */
static mem draw(int w, int h, int color, int depth, int interlace, bool palette_trns, bool rgb_trns)
{
	mem m = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info || setjmp(png_jmpbuf(png))) die("libpng");
	png_set_write_fn(png, &m, mem_write, mem_flush);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, interlace,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (color == PNG_COLOR_TYPE_PALETTE) {
		png_color plte[4] = {{0, 0, 0}, {255, 0, 0}, {0, 160, 80}, {250, 250, 250}};
		png_set_PLTE(png, info, plte, 1 << (depth < 2 ? depth : 2));
		if (palette_trns) {
			png_byte alpha[2] = {0, 128};
			png_set_tRNS(png, info, alpha, 2, NULL);
		}
	}
	if (rgb_trns) {
		png_color_16 key = {0, 255, 0, 0, 0};
		png_set_tRNS(png, info, NULL, 0, &key);
	}
	png_write_info(png, info);
	int channels = color == PNG_COLOR_TYPE_RGB          ? 3
	               : color == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
	               : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
	                                                    : 1;
	size_t rowbytes = ((size_t)w * channels * depth + 7) / 8;
	unsigned char *row = calloc(rowbytes, 1);
	png_bytep *rows = calloc((size_t)h, sizeof *rows);
	unsigned char *all = calloc(rowbytes * (size_t)h, 1);
	if (!row || !rows || !all) die("out of memory");
	unsigned max = (1u << (depth < 16 ? depth : 16)) - 1;
	if (color == PNG_COLOR_TYPE_PALETTE) max = (1u << (depth < 2 ? depth : 2)) - 1;
	for (int y = 0; y < h; y++) {
		unsigned char *r = all + (size_t)y * rowbytes;
		for (int i = 0; i < w * channels; i++) {
			unsigned v = (unsigned)(i * 5 + y * 3) % (max + 1);
			if (depth == 16) {
				v = v * 0x1111u & 0xffffu;
				r[2 * i] = (unsigned char)(v >> 8);
				r[2 * i + 1] = (unsigned char)v;
			} else if (depth == 8) {
				r[i] = (unsigned char)v;
			} else {
				int per = 8 / depth;
				r[i / per] |= (unsigned char)(v << (8 - depth * (i % per + 1)));
			}
		}
		rows[y] = r;
	}
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(all);
	free(rows);
	free(row);
	return m;
}

/* A PNG that is only a signature, an IHDR with the given fields (correct
 * CRC, so libpng judges the values), a tiny IDAT and IEND. */
static void header_only(const char *rel, unsigned long w, unsigned long h, int depth, int color)
{
	unsigned char b[33 + 12 + 12];
	unsigned char *p = b + png_craft_ihdr(b, (uint32_t)w, (uint32_t)h, depth, color);
	png_be32(p, 0); /* an empty IDAT: the data runs out */
	memcpy(p + 4, "IDAT", 4);
	png_be32(p + 8, png_crc32(p + 4, 4));
	p += 12;
	png_be32(p, 0);
	memcpy(p + 4, "IEND", 4);
	png_be32(p + 8, png_crc32(p + 4, 4));
	p += 12;
	put(rel, b, (size_t)(p - b));
}

static char *data_uri(const mem *m)
{
	char *b64 = api_base64_encode(m->data, m->size);
	if (!b64) die("out of memory");
	size_t n = strlen(b64) + 32;
	char *uri = malloc(n);
	if (!uri) die("out of memory");
	snprintf(uri, n, "data:image/png;base64,%s", b64);
	free(b64);
	return uri;
}

static void put_text(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_text(const char *rel, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!text) die("out of memory");
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	put(rel, text, (size_t)n);
	free(text);
}

int main(int argc, char **argv)
{
	if (argc != 2) die("usage: mkseeds CORPUS_DIR");
	root = argv[1];

	/* ---- png: every colour type and depth libpng writes */
	mem rgba = draw(3, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE, false, false);
	put("png/rgba8.png", rgba.data, rgba.size);
	mem rgb16 = draw(2, 2, PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE, false, false);
	put("png/rgb16.png", rgb16.data, rgb16.size);
	mem rgbk = draw(3, 3, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE, false, true);
	put("png/rgb8_trns.png", rgbk.data, rgbk.size);
	mem pal2 = draw(4, 4, PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE, false, false);
	put("png/palette2.png", pal2.data, pal2.size);
	mem pal8 = draw(5, 3, PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, true, false);
	put("png/palette8_trns.png", pal8.data, pal8.size);
	mem g1 = draw(9, 2, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, false, false);
	put("png/grey1.png", g1.data, g1.size);
	mem g4 = draw(3, 3, PNG_COLOR_TYPE_GRAY, 4, PNG_INTERLACE_NONE, false, false);
	put("png/grey4.png", g4.data, g4.size);
	mem g16 = draw(3, 3, PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE, false, false);
	put("png/grey16.png", g16.data, g16.size);
	mem ga = draw(2, 3, PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, false, false);
	put("png/grey_alpha8.png", ga.data, ga.size);
	mem ilace = draw(5, 5, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_ADAM7, false, false);
	put("png/interlaced.png", ilace.data, ilace.size);

	/* ---- png: broken ones */
	mem bad = draw(3, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE, false, false);
	bad.data[8 + 8 + 13] ^= 0x5a; /* the IHDR CRC */
	put("png/bad_ihdr_crc.png", bad.data, bad.size);
	bad.data[8 + 8 + 13] ^= 0x5a;
	bad.data[bad.size - 1] ^= 0xff; /* the IEND CRC: only the end is wrong */
	put("png/bad_iend_crc.png", bad.data, bad.size);
	put("png/truncated.png", rgba.data, rgba.size / 2);
	put("png/signature_only.png", rgba.data, 8);
	header_only("png/too_wide.png", 100000, 1, 8, 6);
	header_only("png/zero_width.png", 0, 4, 8, 6);
	header_only("png/bad_depth.png", 4, 4, 3, 2);
	/* At the side limit but one row or column: an 8192 x 8192 header is
	 * cheap for the decoder, not for ASan's allocator, and would slow
	 * every mutant of it. */
	header_only("png/max_width_no_data.png", 8192, 1, 1, 0);
	header_only("png/max_height_no_data.png", 1, 8192, 16, 4);

	/* ---- base64 */
	char *b64 = api_base64_encode(pal2.data, pal2.size);
	put("base64/png_bare.txt", b64, strlen(b64));
	char *uri = data_uri(&pal2);
	put("base64/png_data_uri.txt", uri, strlen(uri));
	free(uri);
	free(b64);

	/* ---- json_spec: specs with inline images */
	char *sample = data_uri(&g4);
	put_text(
	    "json_spec/overlapping_grey4.json",
	    "{\"model\":\"overlapping\",\"name\":\"grey\",\"N\":2,\"size\":8,\"periodic\":true,"
	    "\"symmetry\":2,\"ground\":false,\"seed\":1,\"sample\":\"%s\"}",
	    sample);
	free(sample);
	char *bare = api_base64_encode(pal8.data, pal8.size);
	put_text("json_spec/overlapping_bare_base64.json",
	         "{\"model\":\"overlapping\",\"N\":3,\"periodicInput\":false,\"heuristic\":\"mrv\","
	         "\"sample\":\"%s\"}",
	         bare);
	free(bare);
	mem t0 = draw(2, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE, false, false);
	mem t1 = draw(2, 2, PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE, false, false);
	char *u0 = data_uri(&t0), *u1 = data_uri(&t1);
	put_text(
	    "json_spec/tiled_unique_images.json",
	    "{\"model\":\"tiled\",\"unique\":true,\"width\":6,\"height\":4,\"tiles\":["
	    "{\"name\":\"floor\",\"images\":[\"%s\"]},"
	    "{\"name\":\"wall\",\"symmetry\":\"I\",\"weight\":0.5,\"images\":[\"%s\",\"%s\"]}],"
	    "\"neighbors\":[{\"left\":\"floor\",\"right\":\"wall 1\"},"
	    "{\"left\":\"wall\",\"leftOrientation\":1,\"right\":\"wall\"}]}",
	    u0, u1, u1);
	put_text(
	    "json_spec/tiled_image_subset.json",
	    "{\"model\":\"tiled\",\"tiles\":[{\"name\":\"a\",\"symmetry\":\"T\",\"image\":\"%s\"},"
	    "{\"name\":\"b\",\"image\":\"%s\"}],\"neighbors\":[{\"left\":\"a 3\",\"right\":\"b\"}],"
	    "\"subsets\":{\"only-b\":[\"b\"],\"both\":[\"a\",\"b\"]},\"subset\":\"both\"}",
	    u0, u0);
	char *ug4 = data_uri(&g4); /* 3x3 against the 2x2 tiles */
	put_text("json_spec/tiled_image_sizes_differ.json",
	         "{\"model\":\"tiled\",\"tiles\":[{\"name\":\"a\",\"image\":\"%s\"},"
	         "{\"name\":\"b\",\"image\":\"%s\"}],\"neighbors\":[]}",
	         u0, ug4);
	free(ug4);
	char *ubad = data_uri(&bad);
	put_text("json_spec/overlapping_bad_png.json",
	         "{\"model\":\"overlapping\",\"sample\":\"%s\"}", ubad);
	free(ubad);

	/* ---- job_request: inline specs with job options */
	put_text("job_request/inline_unique.json",
	         "{\"model\":\"tiled\",\"unique\":true,\"size\":5,\"format\":\"text\","
	         "\"timeLimitMs\":500,\"tiles\":[{\"name\":\"floor\",\"images\":[\"%s\"]}],"
	         "\"neighbors\":[{\"left\":\"floor\",\"right\":\"floor\"}],\"seed\":3}",
	         u0);
	free(u0);
	free(u1);
	sample = data_uri(&rgba);
	put_text("job_request/inline_overlapping.json",
	         "{\"model\":\"overlapping\",\"N\":2,\"width\":10,\"height\":6,\"format\":\"json\","
	         "\"sample\":\"%s\"}",
	         sample);
	free(sample);

	mem *all[] = {&rgba, &rgb16, &rgbk,  &pal2, &pal8, &g1, &g4,
	              &g16,  &ga,    &ilace, &bad,  &t0,   &t1};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		free(all[i]->data);
	return 0;
}
