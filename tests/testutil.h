/*
 * testutil.h - helpers shared by the Criterion tests.
 *
 * The reference corpus lives outside the repository (../shared, or the
 * directory named by WFC_SHARED). Tests that need it call
 * REQUIRE_SHARED(), which skips the test with a message when it is absent,
 * so a user's clone without ../shared still passes.
 * WFC_QUICK=1 (set by the sanitizer run) asks slow tests to do less.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Directory of the shared corpus, or NULL when it is not there. */
static inline const char *test_shared_dir(void)
{
	const char *d = getenv("WFC_SHARED");
	if (!d || !*d) d = "../shared";
	static char probe[4096];
	snprintf(probe, sizeof probe, "%s/corpus/samples.xml", d);
	struct stat st;
	return stat(probe, &st) == 0 ? d : NULL;
}

/* Writes "<shared>/<rel>" into buf (static storage, valid until next call). */
static inline const char *test_shared_path(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", test_shared_dir(), rel);
	return buf;
}

static inline bool test_quick(void)
{
	const char *q = getenv("WFC_QUICK");
	return q && *q && strcmp(q, "0") != 0;
}

#define REQUIRE_SHARED()                                                                           \
	do {                                                                                       \
		if (!test_shared_dir())                                                            \
			cr_skip_test("needs the reference corpus (../shared or WFC_SHARED)");      \
	} while (0)

#endif
