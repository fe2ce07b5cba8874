/*
 * persist.h - the data directory: files written atomically, listed and
 * removed.
 *
 * Layout (one JSON record per resource, result files beside job records):
 *   DIR/jobs/<id>.json          job record (status, seed, timings, error)
 *   DIR/jobs/<id>.spec.json     the spec it runs (canonical JSON)
 *   DIR/jobs/<id>.png|.grid.json|.txt   results of a succeeded job
 *   DIR/tilesets/<id>.json, DIR/samples/<id>.json
 * A write goes to ".<name>.tmp" in the same directory, is fsync'ed and
 * renamed over the target, so a crash leaves the old file or the new one,
 * never half of one; leftover temp files are removed at start.
 *
 * Names are ids and fixed suffixes (never request text), so no path
 * checks are needed here beyond refusing '/'.
 */
#ifndef SRV_PERSIST_H
#define SRV_PERSIST_H

#include "problem.h"

#include <stdbool.h>
#include <stddef.h>

#define SRV_DIR_JOBS "jobs"
#define SRV_DIR_TILESETS "tilesets"
#define SRV_DIR_SAMPLES "samples"

/* Creates DIR and its subdirectories, removes stale temp files. 0 or -1
 * with a message. */
int srv_persist_init(const char *dir, char *err, size_t err_size);
/* Writes the file atomically (temp file + rename). durable: fsync before
 * the rename, for what the service has promised to keep (an accepted job,
 * a registered asset); everything else is left to the page cache, since a
 * job whose later files are lost in a power cut simply runs again, with
 * the same seed and the same result. */
int srv_persist_write(const char *dir, const char *sub, const char *name, const void *data,
                      size_t size, bool durable, char *err, size_t err_size);
/* The answer to a failed write, from the errno srv_persist_write left:
 * 507 insufficient-storage (disk full or over quota), 503
 * storage-unavailable with Retry-After (read-only, no permission, I/O
 * error), else 500. Returns the status. */
int srv_persist_problem(srv_problem *p, int err_no, const char *what);
/* Missing files are not an error. */
void srv_persist_remove(const char *dir, const char *sub, const char *name);
/* *data malloc'd, NUL-terminated; -1 with a message (missing, too large). */
int srv_persist_read(const char *dir, const char *sub, const char *name, size_t max,
                     unsigned char **data, size_t *size, char *err, size_t err_size);
/* Calls fn for every file of DIR/sub whose name ends with suffix (temp
 * files excluded), in no particular order. fn returns false to stop. */
void srv_persist_list(const char *dir, const char *sub, const char *suffix,
                      bool (*fn)(void *ctx, const char *name), void *ctx);

#endif
