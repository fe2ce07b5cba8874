/*
 * readfile.h - read a whole file into memory, with a size limit.
 *
 * Shared by the PNG and XML loaders (and anything else that takes files):
 * one place that refuses oversized input before reading it and turns
 * errno into a message naming the path.
 *
 * Ownership: *data is malloc'd (NUL-terminated for convenience, the NUL
 * not counted in *size); the caller frees it. On failure *data is NULL.
 */
#ifndef API_READFILE_H
#define API_READFILE_H

#include "error.h"

#include <stddef.h>

/* API_ERR_IO when the file cannot be opened or read (message: path and
 * strerror), API_ERR_INPUT when it is larger than max_bytes, API_ERR_NOMEM. */
int api_read_file(const char *path, size_t max_bytes, unsigned char **data, size_t *size,
                  api_error *err);

#endif
