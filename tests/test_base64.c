/* test_base64.c - api/base64.c against RFC 4648 §10 vectors and bad input. */
#include "../api/base64.h"
#include "testutil.h"

static const struct {
	const char *plain, *coded;
} rfc_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

Test(base64, rfc4648_encode)
{
	for (size_t i = 0; i < sizeof rfc_vectors / sizeof rfc_vectors[0]; i++) {
		const char *p = rfc_vectors[i].plain;
		char *c = api_base64_encode((const unsigned char *)p, strlen(p));
		cr_assert_not_null(c);
		cr_assert_str_eq(c, rfc_vectors[i].coded);
		free(c);
	}
}

Test(base64, rfc4648_decode)
{
	for (size_t i = 0; i < sizeof rfc_vectors / sizeof rfc_vectors[0]; i++) {
		const char *c = rfc_vectors[i].coded;
		size_t n = 99;
		unsigned char *p = api_base64_decode(c, strlen(c), &n);
		cr_assert_not_null(p, "'%s' rejected", c);
		cr_assert_eq(n, strlen(rfc_vectors[i].plain));
		cr_assert_eq(memcmp(p, rfc_vectors[i].plain, n), 0);
		free(p);
	}
}

Test(base64, every_byte_value_roundtrips_at_every_length)
{
	unsigned char data[300];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= sizeof data; len++) {
		char *c = api_base64_encode(data, len);
		cr_assert_not_null(c);
		cr_assert_eq(strlen(c), (len + 2) / 3 * 4);
		size_t n;
		unsigned char *back = api_base64_decode(c, strlen(c), &n);
		cr_assert_not_null(back, "length %zu", len);
		cr_assert_eq(n, len);
		cr_assert_eq(memcmp(back, data, len), 0);
		free(back);
		free(c);
	}
}

Test(base64, all_64_characters)
{
	/* 48 bytes whose sextets run 0..63 in order. */
	const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n;
	unsigned char *p = api_base64_decode(alpha, 64, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 48);
	char *again = api_base64_encode(p, n);
	cr_assert_str_eq(again, alpha);
	free(again);
	free(p);
}

Test(base64, data_uri_prefix_and_whitespace)
{
	const char *texts[] = {
	    "data:image/png;base64,Zm9vYmFy",
	    "data:;base64,Zm9vYmFy",
	    "  data:application/octet-stream;base64,Zm9v\nYmFy\n",
	    "Zm9v YmFy",
	    "\tZ m 9 v\r\nY m F y\n",
	    "Zm9vYmFy\n\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t n;
		unsigned char *p = api_base64_decode(texts[i], strlen(texts[i]), &n);
		cr_assert_not_null(p, "'%s' rejected", texts[i]);
		cr_assert_eq(n, 6, "'%s'", texts[i]);
		cr_assert_eq(memcmp(p, "foobar", 6), 0);
		free(p);
	}
}

Test(base64, data_uri_with_a_short_payload)
{
	/* The payload may be shorter than the ";base64," marker, even empty. */
	size_t n = 42;
	unsigned char *p = api_base64_decode("data:;base64,Zg==", 17, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 1);
	cr_assert_eq(p[0], 'f');
	free(p);
	p = api_base64_decode("data:image/png;base64,", 22, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 0);
	free(p);
}

Test(base64, len_bounds_the_input)
{
	/* Only the first len bytes count, so a non-terminated buffer works. */
	const char buf[] = "Zm9vYmFy!!!!";
	size_t n;
	unsigned char *p = api_base64_decode(buf, 8, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 6);
	free(p);
}

Test(base64, malformed_input_is_rejected)
{
	const char *bad[] = {
	    "Zm9vYmF",  /* 7 characters: a missing pad */
	    "Zg",       /* unpadded */
	    "Zg=",      /* one pad short */
	    "Zg===",    /* one pad too many */
	    "Z===",     /* one sextet cannot make a byte */
	    "====",     /* padding alone */
	    "Zm9v=",    /* pad after a full group */
	    "Zg==Zg==", /* data after padding */
	    "Zm9vYm-y", /* URL-safe alphabet is not accepted */
	    "Zm9vYm_y",
	    "Zm9v\x01YmFy",              /* control character */
	    "Zm9v\xc3\xa9",              /* non-ASCII */
	    "Zh==",                      /* non-canonical: low bits set */
	    "Zm9=",                      /* non-canonical: low bits set */
	    "data:image/png,Zm9v",       /* data URI that is not base64 */
	    "data:image/png;base64Zm9v", /* no comma */
	    "data:",
	    "data:,Zm9v", /* comma right after "data:" (read before the buffer, fuzz) */
	    "data:b,Zm9v",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = 42;
		unsigned char *p = api_base64_decode(bad[i], strlen(bad[i]), &n);
		cr_assert_null(p, "'%s' accepted", bad[i]);
		free(p);
	}
}

Test(base64, empty_input_is_empty_output)
{
	size_t n = 42;
	unsigned char *p = api_base64_decode("", 0, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 0);
	free(p);
	p = api_base64_decode(" \n", 2, &n);
	cr_assert_not_null(p);
	cr_assert_eq(n, 0);
	free(p);
	char *c = api_base64_encode(NULL, 0);
	cr_assert_str_eq(c, "");
	free(c);
}
