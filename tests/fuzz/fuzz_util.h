/*
 * fuzz_util.h - what the libFuzzer targets in tests/fuzz/ share: scratch
 * directories that outlive every input and disappear at exit, and the tiny
 * files (PNG tiles, samples, tilesets) some parsers resolve names against.
 *
 * A harness failure (cannot create a file) aborts: it is not a finding,
 * but a target that silently stops reaching the parser is worse.
 * FUZZ_CHECK aborts too; targets use it for the properties they assert
 * (round trips), so libFuzzer reports the input that broke one.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* abort() instead of printing: a target must stay silent, libFuzzer shows
 * the stack and saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) abort();                                                              \
	} while (0)

/* A new empty directory under $TMPDIR (or /tmp), removed with everything
 * in it when the process exits normally. Never NULL. */
const char *fuzz_temp_dir(const char *tag);
/* dir/rel (rel may contain '/': parent directories are created). */
void fuzz_write_file(const char *dir, const char *rel, const void *data, size_t size);
/* A w x h RGBA PNG at dir/rel whose pixels are derived from salt, drawn
 * with the project's own encoder. */
void fuzz_write_png(const char *dir, const char *rel, int w, int h, uint32_t salt);
/* malloc'd "dir/rel"; never NULL. */
char *fuzz_path(const char *dir, const char *rel);

#endif
