/* ids.c - random resource identifiers (see ids.h). */
#include "ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

bool srv_random_bytes(void *out, size_t n)
{
	unsigned char *p = out;
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR) continue;
			return false;
		}
		p += got;
		n -= (size_t)got;
	}
	return true;
}

bool srv_id_new(const char *prefix, char out[SRV_ID_MAX])
{
	size_t plen = strlen(prefix);
	if (plen + SRV_ID_CHARS + 1 > SRV_ID_MAX) return false;
	unsigned char r[SRV_ID_CHARS];
	if (!srv_random_bytes(r, sizeof r)) return false;
	memcpy(out, prefix, plen);
	for (int i = 0; i < SRV_ID_CHARS; i++) /* 5 bits of each byte: uniform */
		out[plen + i] = alphabet[r[i] & 31];
	out[plen + SRV_ID_CHARS] = '\0';
	return true;
}

bool srv_id_valid(const char *prefix, const char *text)
{
	if (!text) return false;
	size_t plen = strlen(prefix);
	if (strncmp(text, prefix, plen) != 0 || strlen(text) != plen + SRV_ID_CHARS) return false;
	for (const char *c = text + plen; *c; c++)
		if (!strchr(alphabet, *c)) return false;
	return true;
}
