/* readfile.c - whole-file reads with a size limit. */
#include "readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int too_big(const char *path, size_t max_bytes, api_error *err)
{
	return api_fail(err, API_ERR_INPUT, "'%s' is larger than the limit of %zu bytes", path,
	                max_bytes);
}

int api_read_file(const char *path, size_t max_bytes, unsigned char **data, size_t *size,
                  api_error *err)
{
	*data = NULL;
	*size = 0;
	FILE *f = fopen(path, "rb");
	if (!f) return api_fail(err, API_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		fclose(f);
		return api_fail(err, API_ERR_IO, "cannot read '%s': %s", path, strerror(e));
	}
	/* Refuse before allocating when the size is known; the loop below
	 * still enforces the limit for pipes and files that grow. */
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes) {
		fclose(f);
		return too_big(path, max_bytes, err);
	}
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	if (cap > max_bytes + 1) cap = max_bytes + 1;
	unsigned char *buf = malloc(cap + 1);
	size_t len = 0;
	while (buf) {
		if (len == cap) {
			if (cap > max_bytes) break;
			size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
			unsigned char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nbuf;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) break;
	}
	if (!buf) {
		fclose(f);
		return api_fail(err, API_ERR_NOMEM, "out of memory reading '%s'", path);
	}
	int read_error = ferror(f);
	int saved = errno;
	fclose(f);
	if (read_error) {
		free(buf);
		return api_fail(err, API_ERR_IO, "cannot read '%s': %s", path, strerror(saved));
	}
	if (len > max_bytes) {
		free(buf);
		return too_big(path, max_bytes, err);
	}
	buf[len] = '\0';
	*data = buf;
	*size = len;
	return API_OK;
}
