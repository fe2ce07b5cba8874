/*
 * image.c - PNG decode/encode with libpng, image copies and the golden hash.
 *
 * libpng reports errors by longjmp. Each decode/encode keeps everything it
 * allocates in a context struct owned by the calling function, and the
 * setjmp lives in a separate helper, so after a longjmp the caller still
 * sees every pointer (no volatile locals) and frees them all.
 */
#include "image.h"

#include "readfile.h"
#include "sha256.h"

#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char message[256]; /* libpng's error */
	char warning[128]; /* its last warning: IHDR checks explain themselves there */
	bool nomem;
} png_fault;

static void on_png_error(png_structp png, png_const_charp msg)
{
	png_fault *f = png_get_error_ptr(png);
	snprintf(f->message, sizeof f->message, "%s", msg ? msg : "unknown error");
	png_longjmp(png, 1);
}

/* Warnings (bad ancillary CRCs, odd sRGB profiles...) never stop a decode
 * and a library must not print; the last one is kept because libpng says
 * why an IHDR is invalid (e.g. over the user limit) only as a warning. */
static void on_png_warning(png_structp png, png_const_charp msg)
{
	png_fault *f = png_get_error_ptr(png);
	snprintf(f->warning, sizeof f->warning, "%s", msg ? msg : "");
}

/* ------------------------------------------------------------------ decode */

typedef struct {
	const unsigned char *data;
	size_t size, pos;
	png_fault fault;
	png_structp png;
	png_infop info;
	uint32_t *pixels;
	png_bytep *rows;
	int width, height;
	int max_side; /* png_set_user_limits: checked on IHDR, before allocation */
} decoder;

static void read_from_memory(png_structp png, png_bytep out, size_t n)
{
	decoder *d = png_get_io_ptr(png);
	if (n > d->size - d->pos) png_error(png, "unexpected end of data");
	memcpy(out, d->data + d->pos, n);
	d->pos += n;
}

/* Runs libpng; every allocation lands in *d so the caller can free it. */
static int decode_into(decoder *d)
{
	if (setjmp(png_jmpbuf(d->png))) return -1;
	png_set_user_limits(d->png, (png_uint_32)d->max_side, (png_uint_32)d->max_side);
	png_set_read_fn(d->png, d, read_from_memory);
	png_read_info(d->png, d->info);

	png_uint_32 w, h;
	int depth, color, interlace;
	png_get_IHDR(d->png, d->info, &w, &h, &depth, &color, &interlace, NULL, NULL);
	/* Normalise everything to 8-bit RGBA: palettes and low-bit grey
	 * expand, tRNS becomes alpha, 16-bit keeps its high byte. Gamma and
	 * ICC are deliberately not applied (the reference uses raw values). */
	png_set_expand(d->png);
	if (depth == 16) png_set_strip_16(d->png);
	if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(d->png);
	if (!(color & PNG_COLOR_MASK_ALPHA)) png_set_add_alpha(d->png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(d->png);
	png_read_update_info(d->png, d->info);
	if (png_get_rowbytes(d->png, d->info) != (size_t)w * 4)
		png_error(d->png, "unsupported pixel layout");

	d->width = (int)w;
	d->height = (int)h;
	d->pixels = malloc((size_t)w * h * sizeof *d->pixels);
	d->rows = malloc((size_t)h * sizeof *d->rows);
	if (!d->pixels || !d->rows) {
		d->fault.nomem = true;
		png_error(d->png, "out of memory");
	}
	for (png_uint_32 y = 0; y < h; y++)
		d->rows[y] = (png_bytep)(d->pixels + (size_t)y * w);
	png_read_image(d->png, d->rows);
	/* Reading through IEND catches files cut after the image data and
	 * bad CRCs in trailing chunks, so truncation is never silent. */
	png_read_end(d->png, NULL);
	return 0;
}

int api_png_decode(const unsigned char *data, size_t size, api_image *out, api_error *err)
{
	return api_png_decode_max(data, size, API_PNG_MAX_SIDE, out, err);
}

int api_png_decode_max(const unsigned char *data, size_t size, int max_side, api_image *out,
                       api_error *err)
{
	memset(out, 0, sizeof *out);
	if (max_side < 1 || max_side > API_PNG_MAX_SIDE) max_side = API_PNG_MAX_SIDE;
	if (size < 8 || png_sig_cmp(data, 0, 8) != 0)
		return api_fail(err, API_ERR_INPUT, "PNG: not a PNG file (bad signature)");
	if (size > API_PNG_MAX_BYTES)
		return api_fail(err, API_ERR_INPUT, "PNG: %zu bytes is over the limit of %u", size,
		                API_PNG_MAX_BYTES);

	decoder d = {.data = data, .size = size, .max_side = max_side};
	d.png =
	    png_create_read_struct(PNG_LIBPNG_VER_STRING, &d.fault, on_png_error, on_png_warning);
	if (d.png) d.info = png_create_info_struct(d.png);
	if (!d.png || !d.info) {
		png_destroy_read_struct(d.png ? &d.png : NULL, NULL, NULL);
		return api_fail(err, API_ERR_NOMEM, "PNG: out of memory");
	}
	int rc = decode_into(&d);
	png_destroy_read_struct(&d.png, &d.info, NULL);
	free(d.rows);
	if (rc != 0) {
		free(d.pixels);
		if (d.fault.nomem)
			return api_fail(err, API_ERR_NOMEM, "PNG: out of memory (%dx%d image)",
			                d.width, d.height);
		const char *why = d.fault.message, *detail = d.fault.warning;
		if (strstr(why, "exceeds user limit") || strstr(detail, "exceeds user limit"))
			return api_fail(err, API_ERR_INPUT,
			                "PNG: image is larger than %d pixels per side (%s)",
			                max_side, *detail ? detail : why);
		if (strcmp(why, "Invalid IHDR data") == 0 && *detail)
			return api_fail(err, API_ERR_INPUT, "PNG: invalid header (%s)", detail);
		return api_fail(err, API_ERR_INPUT, "PNG: truncated or corrupt data (%s)", why);
	}
	/* Rows hold bytes R,G,B,A; repack each pixel in place as 0xAARRGGBB. */
	size_t n = (size_t)d.width * d.height;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)&d.pixels[i];
		d.pixels[i] = (uint32_t)p[3] << 24 | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 |
		              (uint32_t)p[2];
	}
	out->pixels = d.pixels;
	out->width = d.width;
	out->height = d.height;
	return API_OK;
}

int api_png_read_file(const char *path, api_image *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	unsigned char *data;
	size_t size;
	int rc = api_read_file(path, API_PNG_MAX_BYTES, &data, &size, err);
	if (rc != API_OK) return rc;
	api_error inner;
	rc = api_png_decode(data, size, out, &inner);
	free(data);
	if (rc != API_OK) return api_fail(err, rc, "'%s': %s", path, inner.message);
	return API_OK;
}

/* ------------------------------------------------------------------ encode */

typedef struct {
	png_fault fault;
	png_structp png;
	png_infop info;
	unsigned char *buf;
	size_t len, cap;
	unsigned char *row;
} encoder;

static void write_to_memory(png_structp png, png_bytep data, size_t n)
{
	encoder *e = png_get_io_ptr(png);
	if (n > e->cap - e->len) {
		size_t cap = e->cap ? e->cap : 4096;
		while (cap - e->len < n) {
			if (cap > SIZE_MAX / 2) {
				e->fault.nomem = true;
				png_error(png, "output too large");
			}
			cap *= 2;
		}
		unsigned char *nb = realloc(e->buf, cap);
		if (!nb) {
			e->fault.nomem = true;
			png_error(png, "out of memory");
		}
		e->buf = nb;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, data, n);
	e->len += n;
}

static void flush_nothing(png_structp png)
{
	(void)png;
}

static int encode_into(encoder *e, const uint32_t *pixels, int width, int height)
{
	if (setjmp(png_jmpbuf(e->png))) return -1;
	png_set_write_fn(e->png, e, write_to_memory, flush_nothing);
	png_set_IHDR(e->png, e->info, (png_uint_32)width, (png_uint_32)height, 8,
	             PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	             PNG_FILTER_TYPE_DEFAULT);
	png_write_info(e->png, e->info);
	e->row = malloc((size_t)width * 4);
	if (!e->row) {
		e->fault.nomem = true;
		png_error(e->png, "out of memory");
	}
	for (int y = 0; y < height; y++) {
		const uint32_t *src = pixels + (size_t)y * width;
		for (int x = 0; x < width; x++) {
			uint32_t p = src[x];
			e->row[4 * x] = (unsigned char)(p >> 16);
			e->row[4 * x + 1] = (unsigned char)(p >> 8);
			e->row[4 * x + 2] = (unsigned char)p;
			e->row[4 * x + 3] = (unsigned char)(p >> 24);
		}
		png_write_row(e->png, e->row);
	}
	png_write_end(e->png, NULL);
	return 0;
}

int api_png_encode(const uint32_t *pixels, int width, int height, unsigned char **out,
                   size_t *out_size, api_error *err)
{
	*out = NULL;
	*out_size = 0;
	if (!pixels || width <= 0 || height <= 0)
		return api_fail(err, API_ERR_INPUT, "PNG: cannot encode a %dx%d image", width,
		                height);
	if ((size_t)width > SIZE_MAX / 4)
		return api_fail(err, API_ERR_NOMEM, "PNG: image too wide to encode");

	encoder e = {0};
	e.png =
	    png_create_write_struct(PNG_LIBPNG_VER_STRING, &e.fault, on_png_error, on_png_warning);
	if (e.png) e.info = png_create_info_struct(e.png);
	if (!e.png || !e.info) {
		png_destroy_write_struct(e.png ? &e.png : NULL, NULL);
		return api_fail(err, API_ERR_NOMEM, "PNG: out of memory");
	}
	int rc = encode_into(&e, pixels, width, height);
	png_destroy_write_struct(&e.png, &e.info);
	free(e.row);
	if (rc != 0) {
		free(e.buf);
		return api_fail(err, e.fault.nomem ? API_ERR_NOMEM : API_ERR_INPUT,
		                "PNG: cannot encode (%s)", e.fault.message);
	}
	*out = e.buf;
	*out_size = e.len;
	return API_OK;
}

int api_png_write_file(const char *path, const uint32_t *pixels, int width, int height,
                       api_error *err)
{
	unsigned char *png;
	size_t size;
	int rc = api_png_encode(pixels, width, height, &png, &size, err);
	if (rc != API_OK) return rc;
	FILE *f = fopen(path, "wb");
	if (!f) {
		free(png);
		return api_fail(err, API_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	bool ok = fwrite(png, 1, size, f) == size;
	int saved = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	free(png);
	if (!ok) return api_fail(err, API_ERR_IO, "cannot write '%s': %s", path, strerror(saved));
	return API_OK;
}

/* ------------------------------------------------------------------ images */

void api_image_free(api_image *img)
{
	if (!img) return;
	free(img->pixels);
	memset(img, 0, sizeof *img);
}

int api_image_copy(api_image *dst, const api_image *src, api_error *err)
{
	memset(dst, 0, sizeof *dst);
	if (!src->pixels || src->width <= 0 || src->height <= 0)
		return API_OK; /* copying an empty image gives an empty image */
	size_t n = (size_t)src->width * (size_t)src->height;
	if (n > SIZE_MAX / sizeof *src->pixels)
		return api_fail(err, API_ERR_NOMEM, "image %dx%d is too large to copy", src->width,
		                src->height);
	dst->pixels = malloc(n * sizeof *dst->pixels);
	if (!dst->pixels)
		return api_fail(err, API_ERR_NOMEM, "out of memory copying a %dx%d image",
		                src->width, src->height);
	memcpy(dst->pixels, src->pixels, n * sizeof *dst->pixels);
	dst->width = src->width;
	dst->height = src->height;
	return API_OK;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

void api_image_hash(const uint32_t *pixels, int width, int height, char hex[65])
{
	api_sha256_ctx c;
	unsigned char buf[1024]; /* little-endian staging, independent of host order */
	api_sha256_init(&c);
	put_le32(buf, (uint32_t)width);
	put_le32(buf + 4, (uint32_t)height);
	api_sha256_update(&c, buf, 8);
	size_t n = width > 0 && height > 0 ? (size_t)width * (size_t)height : 0;
	size_t fill = 0;
	for (size_t i = 0; i < n; i++) {
		put_le32(buf + fill, pixels[i]);
		fill += 4;
		if (fill == sizeof buf) {
			api_sha256_update(&c, buf, fill);
			fill = 0;
		}
	}
	api_sha256_update(&c, buf, fill);
	unsigned char digest[API_SHA256_BYTES];
	api_sha256_final(&c, digest);
	api_sha256_hex(digest, hex);
}
