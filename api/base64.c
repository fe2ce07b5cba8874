/* base64.c - RFC 4648 base64, strict on everything but whitespace. */
#include "base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *api_base64_encode(const unsigned char *data, size_t size)
{
	if (size > (SIZE_MAX - 1) / 4 * 3 - 3) return NULL;
	size_t out_len = (size + 2) / 3 * 4;
	char *out = malloc(out_len + 1);
	if (!out) return NULL;
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= size; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < size) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < size) v |= (uint32_t)data[i + 1] << 8;
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < size ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* 0..63 for alphabet characters, -1 for anything else. */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Skips "data:<mime>;base64," (and any parameters before ";base64,"). */
static size_t data_uri_prefix(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && is_space((unsigned char)text[i]))
		i++;
	if (len - i < 5 || strncmp(text + i, "data:", 5) != 0) return 0;
	static const char marker[] = ";base64,";
	size_t m = sizeof marker - 1;
	for (size_t j = i + 5; j < len; j++) {
		if (text[j] != ',') continue;
		/* The marker ends at this comma; check it fits after "data:"
		 * before reading it, or "data:," would be read from before text. */
		if (j - (i + 5) < m - 1 || memcmp(text + j - (m - 1), marker, m) != 0)
			return SIZE_MAX;
		return j + 1;
	}
	return SIZE_MAX; /* a data: URI that is not base64 is not accepted */
}

unsigned char *api_base64_decode(const char *text, size_t len, size_t *out_size)
{
	*out_size = 0;
	size_t start = data_uri_prefix(text, len);
	if (start == SIZE_MAX) return NULL;
	unsigned char *out = malloc(len / 4 * 3 + 3);
	if (!out) return NULL;
	size_t n = 0;
	uint32_t acc = 0;
	int quad = 0; /* sextets in the current group of four */
	int pad = 0;  /* '=' seen; only whitespace and more '=' may follow */
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (is_space(c)) continue;
		if (c == '=') {
			/* Padding completes a group of 2 or 3 sextets, never 0 or 1. */
			if (pad == 0 && quad < 2) goto bad;
			pad++;
			if (quad + pad > 4) goto bad;
			continue;
		}
		int v = sextet(c);
		if (v < 0 || pad) goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++quad == 4) {
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			acc = 0;
			quad = 0;
		}
	}
	/* A final partial group must be padded to four characters. */
	if (quad != 0 && quad + pad != 4) goto bad;
	/* Unused low bits of the last sextet must be zero (canonical form),
	 * so every accepted text decodes to exactly one byte string. */
	if (quad == 2) {
		if (acc & 0xf) goto bad;
		out[n++] = (unsigned char)(acc >> 4);
	} else if (quad == 3) {
		if (acc & 0x3) goto bad;
		out[n++] = (unsigned char)(acc >> 10);
		out[n++] = (unsigned char)(acc >> 2);
	}
	*out_size = n;
	return out;
bad:
	free(out);
	return NULL;
}
