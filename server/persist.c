/* persist.c - atomic files in the data directory (see persist.h). */
#include "persist.h"

#include "../api/readfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0') continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0) return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static void clean_temps(const char *dir, const char *sub)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (!d) return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' && n > 4 && !strcmp(e->d_name + n - 4, ".tmp")) {
			char full[4096 + 256];
			snprintf(full, sizeof full, "%s/%s", path, e->d_name);
			unlink(full);
		}
	}
	closedir(d);
}

int srv_persist_init(const char *dir, char *err, size_t err_size)
{
	const char *subs[] = {SRV_DIR_JOBS, SRV_DIR_TILESETS, SRV_DIR_SAMPLES};
	if (mkdir_p(dir) != 0) {
		snprintf(err, err_size, "cannot create the data directory '%s': %s", dir,
		         strerror(errno));
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s", dir, subs[i]) >= (int)sizeof path ||
		    mkdir_p(path) != 0) {
			snprintf(err, err_size, "cannot create '%s/%s': %s", dir, subs[i],
			         strerror(errno));
			return -1;
		}
		if (access(path, W_OK) != 0) {
			snprintf(err, err_size, "cannot write to '%s': %s", path, strerror(errno));
			return -1;
		}
		clean_temps(dir, subs[i]);
	}
	return 0;
}

static bool path_of(char *out, size_t size, const char *dir, const char *sub, const char *prefix,
                    const char *name, const char *suffix)
{
	if (strchr(name, '/')) return false;
	int n = snprintf(out, size, "%s/%s/%s%s%s", dir, sub, prefix, name, suffix);
	return n > 0 && (size_t)n < size;
}

int srv_persist_write(const char *dir, const char *sub, const char *name, const void *data,
                      size_t size, bool durable, char *err, size_t err_size)
{
	char path[4096], tmp[4096];
	if (!path_of(path, sizeof path, dir, sub, "", name, "") ||
	    !path_of(tmp, sizeof tmp, dir, sub, ".", name, ".tmp")) {
		snprintf(err, err_size, "bad file name '%s'", name);
		return -1;
	}
	int saved; /* errno across the clean-up */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) goto fail;
	const char *p = data;
	size_t left = size;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR) continue;
			close(fd);
			goto fail_unlink;
		}
		p += w;
		left -= (size_t)w;
	}
	if ((durable && fsync(fd) != 0) || close(fd) != 0) goto fail_unlink;
	if (rename(tmp, path) != 0) goto fail_unlink;
	return 0;
fail_unlink:
	saved = errno;
	unlink(tmp);
	errno = saved;
fail:
	saved = errno; /* the caller's srv_persist_problem reads it */
	snprintf(err, err_size, "cannot write '%s': %s", path, strerror(saved));
	errno = saved;
	return -1;
}

int srv_persist_problem(srv_problem *p, int err_no, const char *what)
{
	if (err_no == ENOSPC || err_no == EDQUOT)
		return srv_problem_set(p, 507, "insufficient-storage", NULL,
		                       "cannot store the %s: the data directory is full", what);
	if (err_no == EROFS || err_no == EACCES || err_no == EPERM || err_no == EIO) {
		srv_problem_set(p, 503, "storage-unavailable", NULL,
		                "cannot store the %s: the data directory is not writable (%s)",
		                what, strerror(err_no));
		p->retry_after = 30;
		return 503;
	}
	return srv_problem_set(p, 500, "internal", NULL, "cannot store the %s: %s", what,
	                       strerror(err_no));
}

void srv_persist_remove(const char *dir, const char *sub, const char *name)
{
	char path[4096];
	if (path_of(path, sizeof path, dir, sub, "", name, "")) unlink(path);
}

int srv_persist_read(const char *dir, const char *sub, const char *name, size_t max,
                     unsigned char **data, size_t *size, char *err, size_t err_size)
{
	char path[4096];
	*data = NULL;
	if (!path_of(path, sizeof path, dir, sub, "", name, "")) {
		snprintf(err, err_size, "bad file name '%s'", name);
		return -1;
	}
	api_error e = {0};
	if (api_read_file(path, max, data, size, &e) != API_OK) {
		snprintf(err, err_size, "%s", e.message);
		return -1;
	}
	return 0;
}

void srv_persist_list(const char *dir, const char *sub, const char *suffix,
                      bool (*fn)(void *ctx, const char *name), void *ctx)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (!d) return;
	size_t slen = strlen(suffix);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= slen || strcmp(e->d_name + n - slen, suffix) != 0)
			continue;
		if (!fn(ctx, e->d_name)) break;
	}
	closedir(d);
}
