/* fuzz_util.c - scratch directories and fixture files (see fuzz_util.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz_util.h"

#include "../../api/image.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS 8

static char *dirs[MAX_DIRS];
static int ndirs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_dirs(void)
{
	for (int i = 0; i < ndirs; i++) {
		nftw(dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(dirs[i]);
	}
	ndirs = 0;
}

const char *fuzz_temp_dir(const char *tag)
{
	FUZZ_CHECK(ndirs < MAX_DIRS);
	/* Default to tmpfs: targets rewrite a file per input, and ext4 flushes
	 * a truncated-and-rewritten file to disk on close (auto_da_alloc),
	 * which made file-based targets several times slower. */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp) tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s/wfcd-fuzz-%s-XXXXXX", tmp, tag);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof buf);
	FUZZ_CHECK(mkdtemp(buf) != NULL);
	if (ndirs == 0) atexit(remove_dirs);
	dirs[ndirs] = strdup(buf);
	FUZZ_CHECK(dirs[ndirs] != NULL);
	return dirs[ndirs++];
}

char *fuzz_path(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);
	FUZZ_CHECK(p != NULL);
	snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

/* mkdir -p of the directories above path, which lies under an existing dir. */
static void make_parents(char *path, size_t from)
{
	for (char *s = path + from; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		struct stat st;
		if (stat(path, &st) != 0) FUZZ_CHECK(mkdir(path, 0700) == 0);
		*s = '/';
	}
}

void fuzz_write_file(const char *dir, const char *rel, const void *data, size_t size)
{
	char *path = fuzz_path(dir, rel);
	make_parents(path, strlen(dir) + 1);
	FILE *f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);
	free(path);
}

void fuzz_write_png(const char *dir, const char *rel, int w, int h, uint32_t salt)
{
	uint32_t *px = malloc((size_t)w * (size_t)h * sizeof *px);
	FUZZ_CHECK(px != NULL);
	/* Two or three opaque colours: small samples that still make patterns. */
	for (int i = 0; i < w * h; i++)
		px[i] = 0xff000000u |
		        (((uint32_t)(i * 7 + i / w) % 3 * 0x405060u) ^ (salt & 0xffffffu));
	unsigned char *png = NULL;
	size_t size = 0;
	api_error err;
	FUZZ_CHECK(api_png_encode(px, w, h, &png, &size, &err) == API_OK);
	fuzz_write_file(dir, rel, png, size);
	free(png);
	free(px);
}
