/* auth.c - hashed API keys, constant-time check (see auth.h). */
#include "auth.h"

#include "../api/readfile.h"
#include "../api/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct srv_auth {
	unsigned char (*digests)[API_SHA256_BYTES];
	int count;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int srv_auth_from_text(const char *text, size_t len, srv_auth **out, char *err, size_t err_size)
{
	*out = NULL;
	srv_auth *a = calloc(1, sizeof *a);
	if (!a) goto nomem;
	int line_no = 0;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		line_no++;
		size_t s = i, e = end;
		i = end + 1;
		while (s < e && is_space(text[s]))
			s++;
		while (e > s && is_space(text[e - 1]))
			e--;
		if (s == e || text[s] == '#') continue;
		if (e - s < SRV_AUTH_MIN_KEY) {
			snprintf(err, err_size,
			         "API key on line %d is %zu characters; keys need at least %d",
			         line_no, e - s, SRV_AUTH_MIN_KEY);
			srv_auth_destroy(a);
			return -1;
		}
		if (a->count == SRV_AUTH_MAX_KEYS) {
			snprintf(err, err_size, "more than %d API keys", SRV_AUTH_MAX_KEYS);
			srv_auth_destroy(a);
			return -1;
		}
		void *d = realloc(a->digests, (size_t)(a->count + 1) * sizeof *a->digests);
		if (!d) goto nomem;
		a->digests = d;
		api_sha256_ctx c;
		api_sha256_init(&c);
		api_sha256_update(&c, text + s, e - s);
		api_sha256_final(&c, a->digests[a->count++]);
	}
	if (a->count == 0) {
		snprintf(err, err_size, "the API key file holds no keys");
		srv_auth_destroy(a);
		return -1;
	}
	*out = a;
	return 0;
nomem:
	srv_auth_destroy(a);
	snprintf(err, err_size, "out of memory reading the API keys");
	return -1;
}

int srv_auth_load(const char *path, srv_auth **out, char *err, size_t err_size)
{
	unsigned char *data = NULL;
	size_t size = 0;
	api_error e = {0};
	if (api_read_file(path, 16u << 20, &data, &size, &e) != API_OK) {
		snprintf(err, err_size, "%s", e.message);
		return -1;
	}
	int rc = srv_auth_from_text((const char *)data, size, out, err, err_size);
	memset(data, 0, size); /* the keys themselves do not linger */
	free(data);
	return rc;
}

void srv_auth_destroy(srv_auth *a)
{
	if (!a) return;
	free(a->digests);
	free(a);
}

int srv_auth_count(const srv_auth *a)
{
	return a ? a->count : 0;
}

bool srv_auth_check(const srv_auth *a, const char *authorization)
{
	if (!a || !authorization) return false;
	if (strncasecmp(authorization, "Bearer ", 7) != 0) return false;
	const char *key = authorization + 7;
	while (*key == ' ')
		key++;
	size_t len = strlen(key);
	while (len && is_space(key[len - 1]))
		len--;
	if (!len) return false;
	unsigned char d[API_SHA256_BYTES];
	api_sha256_ctx c;
	api_sha256_init(&c);
	api_sha256_update(&c, key, len);
	api_sha256_final(&c, d);
	/* Every digest is compared in full, whichever matches. */
	unsigned match = 0;
	for (int k = 0; k < a->count; k++) {
		unsigned diff = 0;
		for (int i = 0; i < API_SHA256_BYTES; i++)
			diff |= (unsigned)(d[i] ^ a->digests[k][i]);
		match |= (unsigned)(diff == 0);
	}
	return match != 0;
}
