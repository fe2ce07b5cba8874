/*
 * test_png.c - api/image.c (PNG in/out, copies, golden hash) and
 * api/sha256.c.
 *
 * Decoder inputs of every colour type are written here with libpng's own
 * writer (not api_png_encode), and corpus images are checked against
 * hashes computed by an independent Python decoder (zlib + unfiltering,
 * see the comment at corpus_hashes), so the checks share no code with
 * what they check.
 */
#include "../api/image.h"
#include "../api/sha256.h"
#include "png_header.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

typedef struct {
	unsigned char *data;
	size_t len, cap;
} membuf;

static void membuf_write(png_structp png, png_bytep p, size_t n)
{
	membuf *b = png_get_io_ptr(png);
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = realloc(b->data, b->cap);
		cr_assert_not_null(b->data);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void membuf_flush(png_structp png)
{
	(void)png;
}

/* A PNG of any colour type written with libpng directly. rows holds
 * already-packed scanlines (rowbytes each, big-endian 16-bit samples). */
typedef struct {
	int width, height, color, depth;
	bool interlace;
	const png_color *palette;
	int palette_size;
	const png_byte *trns;
	int trns_count;
	png_color_16 trns_color;
	bool has_trns_color;
	const unsigned char *rows;
} raw_png;

static membuf write_raw_png(const raw_png *r)
{
	membuf b = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	cr_assert(png && info);
	if (setjmp(png_jmpbuf(png))) cr_assert_fail("libpng failed writing the test image");
	png_set_write_fn(png, &b, membuf_write, membuf_flush);
	png_set_IHDR(png, info, r->width, r->height, r->depth, r->color,
	             r->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (r->palette) png_set_PLTE(png, info, r->palette, r->palette_size);
	if (r->trns || r->has_trns_color)
		png_set_tRNS(png, info, r->trns, r->trns_count,
		             r->has_trns_color ? &r->trns_color : NULL);
	png_write_info(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	png_bytep *rows = malloc(sizeof *rows * (size_t)r->height);
	for (int y = 0; y < r->height; y++)
		rows[y] = (png_bytep)r->rows + (size_t)y * rowbytes;
	png_write_image(png, rows);
	png_write_end(png, NULL);
	free(rows);
	png_destroy_write_struct(&png, &info);
	return b;
}

static void decode_ok(const membuf *b, api_image *img)
{
	api_error err = {0};
	int rc = api_png_decode(b->data, b->len, img, &err);
	cr_assert_eq(rc, API_OK, "decode failed: %s", err.message);
}

static void expect_pixels(const api_image *img, int w, int h, const uint32_t *want)
{
	cr_assert_eq(img->width, w);
	cr_assert_eq(img->height, h);
	for (int i = 0; i < w * h; i++)
		cr_assert_eq(img->pixels[i], want[i], "pixel %d: got %08x, want %08x", i,
		             img->pixels[i], want[i]);
}

/* ---------------------------------------------------------------- SHA-256 */

Test(sha256, fips_180_vectors)
{
	char hex[65];
	api_sha256_hex_of("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	api_sha256_hex_of("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	api_sha256_hex_of(two, strlen(two), hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, million_a_in_odd_chunks)
{
	/* Chunks of 1..97 bytes cross block boundaries in every way. */
	static char a[100];
	memset(a, 'a', sizeof a);
	api_sha256_ctx c;
	api_sha256_init(&c);
	size_t left = 1000000, step = 1;
	while (left) {
		size_t n = step < left ? step : left;
		api_sha256_update(&c, a, n);
		left -= n;
		step = step % 97 + 1;
	}
	unsigned char d[API_SHA256_BYTES];
	char hex[65];
	api_sha256_final(&c, d);
	api_sha256_hex(d, hex);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(png, image_hash_of_known_image)
{
	/* python3: hashlib.sha256(struct.pack("<ii4I", 2, 2, 0xFF000000,
	 *   0xFFFFFFFF, 0x80112233, 0x00ABCDEF)).hexdigest() */
	const uint32_t px[4] = {0xFF000000u, 0xFFFFFFFFu, 0x80112233u, 0x00ABCDEFu};
	char hex[65];
	api_image_hash(px, 2, 2, hex);
	cr_assert_str_eq(hex, "5be198ebb28dfa2b627f8b9880642ec025529dbabbc7310418dee9f09cd1f814");
	/* width and height are hashed too: the same pixels as 4x1 differ */
	char other[65];
	api_image_hash(px, 4, 1, other);
	cr_assert_str_neq(hex, other);
	api_image_hash(NULL, 0, 0, hex); /* struct.pack("<ii", 0, 0) */
	cr_assert_str_eq(hex, "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc");
}

/* ---------------------------------------------------------------- roundtrip */

Test(png, encode_decode_roundtrip_keeps_alpha)
{
	enum { W = 37, H = 23 };
	uint32_t px[W * H];
	uint32_t v = 12345;
	for (int i = 0; i < W * H; i++) {
		v = v * 1103515245u + 12345u;
		px[i] = v ^ (v >> 13);
	}
	px[0] = 0x00000000u;
	px[1] = 0xFFFFFFFFu;
	unsigned char *buf;
	size_t size;
	api_error err = {0};
	cr_assert_eq(api_png_encode(px, W, H, &buf, &size, &err), API_OK, "%s", err.message);
	cr_assert_gt(size, 8);
	cr_assert_eq(png_sig_cmp(buf, 0, 8), 0);
	api_image img;
	membuf b = {buf, size, size};
	decode_ok(&b, &img);
	expect_pixels(&img, W, H, px);
	api_image_free(&img);
	cr_assert_null(img.pixels);
	free(buf);
}

Test(png, write_file_read_file_roundtrip)
{
	char dir[] = "/tmp/wfc-png-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/x.png", dir);
	const uint32_t px[6] = {0xFF102030u, 0x80405060u, 0x00000000u,
	                        0xFFFFFFFFu, 0x01020304u, 0xFEDCBA98u};
	api_error err = {0};
	cr_assert_eq(api_png_write_file(path, px, 3, 2, &err), API_OK, "%s", err.message);
	api_image img;
	cr_assert_eq(api_png_read_file(path, &img, &err), API_OK, "%s", err.message);
	expect_pixels(&img, 3, 2, px);
	api_image_free(&img);
	unlink(path);
	rmdir(dir);
}

Test(png, image_copy_is_deep)
{
	uint32_t px[4] = {1, 2, 3, 4};
	api_image src = {px, 2, 2}, dst;
	api_error err = {0};
	cr_assert_eq(api_image_copy(&dst, &src, &err), API_OK);
	cr_assert_neq(dst.pixels, src.pixels);
	px[0] = 99;
	cr_assert_eq(dst.pixels[0], 1);
	cr_assert_eq(dst.width, 2);
	cr_assert_eq(dst.height, 2);
	api_image_free(&dst);
	api_image empty = {0};
	cr_assert_eq(api_image_copy(&dst, &empty, &err), API_OK);
	cr_assert_null(dst.pixels);
	api_image_free(NULL); /* harmless */
}

/* ---------------------------------------------------------------- colour types */

Test(png, grey_low_bit_depths)
{
	/* 1-bit: 8 pixels in one byte 10110001 */
	const unsigned char row1[] = {0xB1};
	raw_png r = {
	    .width = 8, .height = 1, .color = PNG_COLOR_TYPE_GRAY, .depth = 1, .rows = row1};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	const uint32_t w1[8] = {0xFFFFFFFF, 0xFF000000, 0xFFFFFFFF, 0xFFFFFFFF,
	                        0xFF000000, 0xFF000000, 0xFF000000, 0xFFFFFFFF};
	expect_pixels(&img, 8, 1, w1);
	api_image_free(&img);
	free(b.data);

	/* 2-bit: values 0,1,2,3 scale to 0,85,170,255 */
	const unsigned char row2[] = {0x1B};
	r = (raw_png){
	    .width = 4, .height = 1, .color = PNG_COLOR_TYPE_GRAY, .depth = 2, .rows = row2};
	b = write_raw_png(&r);
	decode_ok(&b, &img);
	const uint32_t w2[4] = {0xFF000000, 0xFF555555, 0xFFAAAAAA, 0xFFFFFFFF};
	expect_pixels(&img, 4, 1, w2);
	api_image_free(&img);
	free(b.data);

	/* 4-bit: v * 17 */
	const unsigned char row4[] = {0x0F, 0x7A};
	r = (raw_png){
	    .width = 3, .height = 1, .color = PNG_COLOR_TYPE_GRAY, .depth = 4, .rows = row4};
	b = write_raw_png(&r);
	decode_ok(&b, &img);
	const uint32_t w4[3] = {0xFF000000, 0xFFFFFFFF, 0xFF777777};
	expect_pixels(&img, 3, 1, w4);
	api_image_free(&img);
	free(b.data);
}

Test(png, grey_8_with_trns_and_grey_16)
{
	const unsigned char row8[] = {7, 8, 200};
	raw_png r = {.width = 3,
	             .height = 1,
	             .color = PNG_COLOR_TYPE_GRAY,
	             .depth = 8,
	             .rows = row8,
	             .has_trns_color = true,
	             .trns_color = {.gray = 7}};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	const uint32_t w8[3] = {0x00070707, 0xFF080808, 0xFFC8C8C8};
	expect_pixels(&img, 3, 1, w8);
	api_image_free(&img);
	free(b.data);

	const unsigned char row16[] = {0xAB, 0xCD, 0x12, 0x34};
	r = (raw_png){
	    .width = 2, .height = 1, .color = PNG_COLOR_TYPE_GRAY, .depth = 16, .rows = row16};
	b = write_raw_png(&r);
	decode_ok(&b, &img);
	const uint32_t w16[2] = {0xFFABABAB, 0xFF121212};
	expect_pixels(&img, 2, 1, w16);
	api_image_free(&img);
	free(b.data);
}

Test(png, grey_alpha_8_and_16)
{
	const unsigned char row8[] = {10, 20, 250, 0};
	raw_png r = {
	    .width = 2, .height = 1, .color = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 8, .rows = row8};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	const uint32_t w8[2] = {0x140A0A0A, 0x00FAFAFA};
	expect_pixels(&img, 2, 1, w8);
	api_image_free(&img);
	free(b.data);

	const unsigned char row16[] = {0x11, 0x00, 0x80, 0xFF};
	r = (raw_png){.width = 1,
	              .height = 1,
	              .color = PNG_COLOR_TYPE_GRAY_ALPHA,
	              .depth = 16,
	              .rows = row16};
	b = write_raw_png(&r);
	decode_ok(&b, &img);
	const uint32_t w16[1] = {0x80111111};
	expect_pixels(&img, 1, 1, w16);
	api_image_free(&img);
	free(b.data);
}

Test(png, rgb_8_with_trns_and_rgb_16)
{
	const unsigned char row8[] = {1, 2, 3, 4, 5, 6};
	raw_png r = {.width = 2,
	             .height = 1,
	             .color = PNG_COLOR_TYPE_RGB,
	             .depth = 8,
	             .rows = row8,
	             .has_trns_color = true,
	             .trns_color = {.red = 4, .green = 5, .blue = 6}};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	const uint32_t w8[2] = {0xFF010203, 0x00040506};
	expect_pixels(&img, 2, 1, w8);
	api_image_free(&img);
	free(b.data);

	const unsigned char row16[] = {0xA1, 0x00, 0xB2, 0xFF, 0xC3, 0x80};
	r = (raw_png){
	    .width = 1, .height = 1, .color = PNG_COLOR_TYPE_RGB, .depth = 16, .rows = row16};
	b = write_raw_png(&r);
	decode_ok(&b, &img);
	const uint32_t w16[1] = {0xFFA1B2C3};
	expect_pixels(&img, 1, 1, w16);
	api_image_free(&img);
	free(b.data);
}

Test(png, rgba_16)
{
	const unsigned char row[] = {0x12, 0x99, 0x34, 0x99, 0x56, 0x99, 0x78, 0x99};
	raw_png r = {
	    .width = 1, .height = 1, .color = PNG_COLOR_TYPE_RGB_ALPHA, .depth = 16, .rows = row};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	const uint32_t want[1] = {0x78123456};
	expect_pixels(&img, 1, 1, want);
	api_image_free(&img);
	free(b.data);
}

Test(png, palettes_of_every_depth_with_trns)
{
	const png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 8, 7}};
	const png_byte trns[2] = {0, 128}; /* entries past the list stay opaque */
	const uint32_t colour[4] = {0x00FF0000, 0x8000FF00, 0xFF0000FF, 0xFF090807};
	/* indices 3,2,1,0 packed at each depth */
	const unsigned char row1[] = {0x50}; /* 1-bit can only hold 0/1: 0,1,0,1 */
	const unsigned char row2[] = {0xE4};
	const unsigned char row4[] = {0x32, 0x10};
	const unsigned char row8[] = {3, 2, 1, 0};
	struct {
		int depth;
		const unsigned char *row;
	} cases[] = {{1, row1}, {2, row2}, {4, row4}, {8, row8}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		raw_png r = {.width = 4,
		             .height = 1,
		             .color = PNG_COLOR_TYPE_PALETTE,
		             .depth = cases[c].depth,
		             .rows = cases[c].row,
		             .palette = pal,
		             .palette_size = cases[c].depth == 1 ? 2 : 4,
		             .trns = trns,
		             .trns_count = 2};
		membuf b = write_raw_png(&r);
		api_image img;
		decode_ok(&b, &img);
		uint32_t want[4];
		for (int i = 0; i < 4; i++)
			want[i] = cases[c].depth == 1 ? colour[i % 2] : colour[3 - i];
		expect_pixels(&img, 4, 1, want);
		api_image_free(&img);
		free(b.data);
	}
}

Test(png, interlaced_rgba)
{
	enum { W = 11, H = 9 };
	unsigned char rows[W * H * 4];
	uint32_t want[W * H];
	for (int i = 0; i < W * H; i++) {
		unsigned char p[4] = {(unsigned char)i, (unsigned char)(i * 3),
		                      (unsigned char)(255 - i), (unsigned char)(i * 7)};
		memcpy(rows + 4 * i, p, 4);
		want[i] = (uint32_t)p[3] << 24 | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	}
	raw_png r = {.width = W,
	             .height = H,
	             .color = PNG_COLOR_TYPE_RGB_ALPHA,
	             .depth = 8,
	             .rows = rows,
	             .interlace = true};
	membuf b = write_raw_png(&r);
	api_image img;
	decode_ok(&b, &img);
	expect_pixels(&img, W, H, want);
	api_image_free(&img);
	free(b.data);
}

/* ---------------------------------------------------------------- corpus */

/* Hashes from an independent decoder: a short Python script that parses
 * the chunks, inflates IDAT with zlib, undoes the five PNG filters and
 * expands the palette, then hashes as api_image_hash documents. */
static const struct {
	const char *file;
	int width, height;
	uint32_t first;
	const char *hash;
} corpus_hashes[] = {
    {"3Bricks.png", 32, 32, 0xff2b1100,
     "9757a240093fd1e3f6dfd01cc1d07cd6df64129382da9ce75070eb647cf22e88"},
    {"Chess.png", 8, 8, 0xffffffff,
     "e0fef4d4f8411eba37af765d823963dd1fde518e5f35ca3a735759bd1e98eeeb"},
    {"Skyline2.png", 32, 31, 0xffba620e,
     "48a6401a510901fbf263b3ac5cceb21e6dd831e2757ea3c86666f7ca7bfe9502"},
    {"Flowers.png", 15, 24, 0xffbfe8f2,
     "4ee04267ecc5f865064d9b418d27800b935ea55a0fcebcb641dbf701541d97b4"},
};

Test(png, corpus_images_match_independent_decoder)
{
	REQUIRE_SHARED();
	for (size_t i = 0; i < sizeof corpus_hashes / sizeof corpus_hashes[0]; i++) {
		char rel[256];
		snprintf(rel, sizeof rel, "corpus/samples/%s", corpus_hashes[i].file);
		api_image img;
		api_error err = {0};
		cr_assert_eq(api_png_read_file(test_shared_path(rel), &img, &err), API_OK, "%s",
		             err.message);
		cr_assert_eq(img.width, corpus_hashes[i].width, "%s", rel);
		cr_assert_eq(img.height, corpus_hashes[i].height, "%s", rel);
		cr_assert_eq(img.pixels[0], corpus_hashes[i].first, "%s", rel);
		char hex[65];
		api_image_hash(img.pixels, img.width, img.height, hex);
		cr_assert_str_eq(hex, corpus_hashes[i].hash, "%s", rel);
		api_image_free(&img);
	}
}

/* Width and height straight from the IHDR bytes, for comparison. */
static bool ihdr_size(const char *path, int *w, int *h)
{
	unsigned char hdr[24];
	FILE *f = fopen(path, "rb");
	if (!f) return false;
	bool ok = fread(hdr, 1, sizeof hdr, f) == sizeof hdr && memcmp(hdr + 12, "IHDR", 4) == 0;
	fclose(f);
	*w = hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
	*h = hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
	return ok;
}

/* Decodes every PNG in dir; returns how many. */
static int decode_dir(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 4, ".png") != 0) continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		int w, h;
		cr_assert(ihdr_size(path, &w, &h), "%s has no IHDR", path);
		api_image img;
		api_error err = {0};
		cr_assert_eq(api_png_read_file(path, &img, &err), API_OK, "%s: %s", path,
		             err.message);
		cr_assert_eq(img.width, w, "%s", path);
		cr_assert_eq(img.height, h, "%s", path);
		api_image_free(&img);
		n++;
	}
	closedir(d);
	return n;
}

Test(png, every_corpus_png_decodes_with_its_size)
{
	REQUIRE_SHARED();
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", test_shared_path("corpus/samples"));
	cr_assert_geq(decode_dir(dir), 50);
	const char *sets[] = {"Castle", "Circles", "Circuit", "FloorPlan",
	                      "Knots",  "Rooms",   "Summer"};
	int tiles = 0;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char rel[256];
		snprintf(rel, sizeof rel, "corpus/tilesets/%s", sets[i]);
		snprintf(dir, sizeof dir, "%s", test_shared_path(rel));
		tiles += decode_dir(dir);
	}
	cr_assert_geq(tiles, 100);
}

/* ---------------------------------------------------------------- bad input */

static membuf small_png(void)
{
	uint32_t px[16 * 16];
	for (int i = 0; i < 16 * 16; i++)
		px[i] = 0xFF000000u | (uint32_t)(i * 2654435761u >> 8);
	membuf b = {0};
	api_error err = {0};
	cr_assert_eq(api_png_encode(px, 16, 16, &b.data, &b.len, &err), API_OK);
	return b;
}

Test(png, every_truncation_is_an_input_error)
{
	membuf b = small_png();
	for (size_t n = 0; n < b.len; n++) {
		api_image img = {(uint32_t *)1, 5, 5};
		api_error err = {0};
		int rc = api_png_decode(b.data, n, &img, &err);
		cr_assert_eq(rc, API_ERR_INPUT, "prefix of %zu/%zu bytes decoded", n, b.len);
		cr_assert_null(img.pixels);
		if (n < 8)
			cr_assert(strstr(err.message, "not a PNG"), "%s", err.message);
		else
			cr_assert(strstr(err.message, "PNG: truncated or corrupt data ("), "%s",
			          err.message);
	}
	free(b.data);
}

Test(png, corrupt_bytes_are_input_errors)
{
	membuf b = small_png();
	/* A flipped byte anywhere after the signature breaks a CRC or the
	 * zlib stream; check a spread of positions. */
	for (size_t pos = 8; pos < b.len; pos += 7) {
		unsigned char *copy = malloc(b.len);
		memcpy(copy, b.data, b.len);
		copy[pos] ^= 0x5a;
		api_image img;
		api_error err = {0};
		int rc = api_png_decode(copy, b.len, &img, &err);
		cr_assert_eq(rc, API_ERR_INPUT, "byte %zu flipped, still decoded", pos);
		cr_assert_gt(strlen(err.message), 10);
		free(copy);
	}
	api_image img;
	api_error err = {0};
	cr_assert_eq(api_png_decode((const unsigned char *)"GIF89a-not-png", 14, &img, &err),
	             API_ERR_INPUT);
	cr_assert(strstr(err.message, "not a PNG"), "%s", err.message);
	free(b.data);
}

/* Signature + IHDR only (no IDAT): enough for the size check to fire. */
static void craft_header(unsigned char out[33], uint32_t w, uint32_t h)
{
	png_craft_ihdr(out, w, h, 8, 6); /* 8-bit RGBA */
}

Test(png, oversized_dimensions_are_refused_before_allocation)
{
	unsigned char hdr[33];
	const uint32_t sizes[][2] = {{API_PNG_MAX_SIDE + 1, 1},
	                             {1, API_PNG_MAX_SIDE + 1},
	                             {1000000, 1000000},
	                             {0x7fffffff, 0x7fffffff}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		craft_header(hdr, sizes[i][0], sizes[i][1]);
		api_image img;
		api_error err = {0};
		int rc = api_png_decode(hdr, sizeof hdr, &img, &err);
		cr_assert_eq(rc, API_ERR_INPUT);
		cr_assert_null(img.pixels);
		cr_assert(strstr(err.message, "8192"), "case %zu: %s", i, err.message);
	}
}

Test(png, side_limit_edge)
{
	/* API_PNG_MAX_SIDE itself decodes; one more does not. */
	int n = API_PNG_MAX_SIDE + 1;
	uint32_t *px = calloc((size_t)n, sizeof *px);
	for (int i = 0; i < n; i++)
		px[i] = 0xFF000000u | (uint32_t)i;
	api_error err = {0};
	membuf b = {0};
	cr_assert_eq(api_png_encode(px, API_PNG_MAX_SIDE, 1, &b.data, &b.len, &err), API_OK);
	api_image img;
	decode_ok(&b, &img);
	cr_assert_eq(img.width, API_PNG_MAX_SIDE);
	cr_assert_eq(img.pixels[API_PNG_MAX_SIDE - 1], px[API_PNG_MAX_SIDE - 1]);
	api_image_free(&img);
	free(b.data);
	cr_assert_eq(api_png_encode(px, 1, n, &b.data, &b.len, &err), API_OK);
	cr_assert_eq(api_png_decode(b.data, b.len, &img, &err), API_ERR_INPUT);
	free(b.data);
	free(px);
}

Test(png, read_file_errors_name_the_path)
{
	api_image img;
	api_error err = {0};
	int rc = api_png_read_file("/nonexistent-dir/missing.png", &img, &err);
	cr_assert_eq(rc, API_ERR_IO);
	cr_assert(strstr(err.message, "/nonexistent-dir/missing.png"), "%s", err.message);
	cr_assert(strstr(err.message, strerror(ENOENT)), "%s", err.message);

	char dir[] = "/tmp/wfc-png-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/huge.png", dir);
	/* A sparse file just over the limit: refused without being read. */
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), (off_t)API_PNG_MAX_BYTES + 1), 0);
	fclose(f);
	rc = api_png_read_file(path, &img, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	cr_assert(strstr(err.message, path), "%s", err.message);

	/* Corrupt content names the file too. */
	f = fopen(path, "wb");
	fputs("\x89PNG\r\n\x1a\nxx", f);
	fclose(f);
	rc = api_png_read_file(path, &img, &err);
	cr_assert_eq(rc, API_ERR_INPUT);
	cr_assert(strstr(err.message, path) && strstr(err.message, "truncated or corrupt"), "%s",
	          err.message);
	unlink(path);

	rc = api_png_read_file(dir, &img, &err); /* a directory */
	cr_assert_eq(rc, API_ERR_IO, "%s", err.message);
	rmdir(dir);
}

Test(png, encode_and_write_errors)
{
	uint32_t px[1] = {0};
	unsigned char *buf = (unsigned char *)1;
	size_t size = 7;
	api_error err = {0};
	cr_assert_eq(api_png_encode(px, 0, 1, &buf, &size, &err), API_ERR_INPUT);
	cr_assert_null(buf);
	cr_assert_eq(size, 0);
	cr_assert_eq(api_png_encode(NULL, 1, 1, &buf, &size, &err), API_ERR_INPUT);
	cr_assert_eq(api_png_write_file("/nonexistent-dir/out.png", px, 1, 1, &err), API_ERR_IO);
	cr_assert(strstr(err.message, "/nonexistent-dir/out.png"), "%s", err.message);
}

Test(png, caller_limit_is_checked_from_the_header)
{
	/* A 2000 x 2000 header with no image data: with a 1024 limit it is
	 * refused on IHDR (the message names the limit); a decoder that
	 * allocated first would fail later, on the missing data. */
	unsigned char hdr[33];
	craft_header(hdr, 2000, 2000);
	api_image img;
	api_error err = {0};
	cr_assert_eq(api_png_decode_max(hdr, sizeof hdr, 1024, &img, &err), API_ERR_INPUT);
	cr_assert_null(img.pixels);
	cr_assert(strstr(err.message, "larger than 1024"), "%s", err.message);
	/* under the default limit the same header gets as far as its data */
	cr_assert_eq(api_png_decode(hdr, sizeof hdr, &img, &err), API_ERR_INPUT);
	cr_assert(strstr(err.message, "truncated"), "%s", err.message);
	/* a small image within the caller's limit decodes */
	membuf b = small_png();
	cr_assert_eq(api_png_decode_max(b.data, b.len, 16, &img, &err), API_OK, "%s", err.message);
	api_image_free(&img);
	free(b.data);
}
