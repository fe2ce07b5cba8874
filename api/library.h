/*
 * library.h - a library of ready-made entries: a directory laid out like
 * the reference corpus (samples.xml, samples/, tilesets/), e.g. the
 * project's built-in library/ or ../shared/corpus.
 *
 * Every entry of samples.xml gets a unique, URL-safe name: the entry's
 * name, plus "-<subset>" for tiled subsets (spaces -> '-'), plus "-2",
 * "-3", ... when that is still taken (document order), e.g. "Knots-Standard",
 * "Chess", "Chess-2". Names are case-sensitive.
 *
 * Ownership: api_library_open allocates the index (entries are loaded
 * lazily, from disk, by api_library_load); api_library_close frees it.
 * An open library is read-only and may be shared by threads.
 */
#ifndef API_LIBRARY_H
#define API_LIBRARY_H

#include "error.h"
#include "spec.h"

typedef struct api_library api_library;

typedef struct {
	const char *name; /* unique name, see above */
	int entry;        /* 1-based entry in samples.xml */
	wfc_model_kind kind;
	const char *source; /* sample or tileset name */
	const char *subset; /* NULL when none */
	int width, height;  /* default output size */
} api_library_entry;

int api_library_open(const char *dir, api_library **out, api_error *err);
void api_library_close(api_library *lib);
int api_library_count(const api_library *lib);
const api_library_entry *api_library_get(const api_library *lib, int index);
/* NULL when no entry has that name. */
const api_library_entry *api_library_find(const api_library *lib, const char *name);
/* Loads the entry's complete spec (images included). */
int api_library_load(const api_library *lib, const char *name, api_spec *out, api_error *err);

#endif
