/*
 * fuzz_base64.c - libFuzzer target for api_base64_decode, which reads
 * every inline image of a JSON spec (with or without a data: prefix).
 *
 * The decoder is strict (canonical padding and trailing bits), so every
 * accepted text names exactly one byte string: re-encoding what it
 * decoded and decoding that again must give the same bytes, and the
 * canonical text is what the encoder writes.
 */
#include "../../api/base64.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	unsigned char *bytes = api_base64_decode((const char *)data, size, &n);
	if (!bytes) {
		FUZZ_CHECK(n == 0);
		return 0;
	}
	char *text = api_base64_encode(bytes, n);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(strlen(text) == (n + 2) / 3 * 4);
	size_t m = 0;
	unsigned char *again = api_base64_decode(text, strlen(text), &m);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(m == n && memcmp(again, bytes, n) == 0);
	char *text2 = api_base64_encode(again, m);
	FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0);
	free(text2);
	free(again);
	free(text);
	free(bytes);
	return 0;
}
