/*
 * log.h - structured logs, one JSON object per line.
 *
 * Two streams: events ({"time","event",...}: listening, draining, stopped,
 * job errors) always on stdout, where scripts read the port from the
 * "listening" line; access lines (one per request) on stdout or the file
 * given with --log. Each line is written whole under a lock and flushed.
 *
 * Ownership: srv_log_open / srv_log_close (closes the file it opened).
 */
#ifndef SRV_LOG_H
#define SRV_LOG_H

#include <stddef.h>
#include <stdio.h>

typedef struct srv_log srv_log;

/* access_path NULL: access lines on stdout. NULL return: errno is set. */
srv_log *srv_log_open(const char *access_path);
void srv_log_close(srv_log *l);
/* An event line: {"time":"…","event":"<event>"<fields>}; fields is raw
 * JSON, either empty or starting with ',' (callers escape strings with
 * srv_buf_json_str). */
void srv_log_event(srv_log *l, const char *event, const char *fields_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error event: {"time","event","what","message"}, both strings escaped.
 * l may be NULL (nothing is written). */
void srv_log_error(srv_log *l, const char *event, const char *what, const char *message);
/* A complete JSON line without its newline. */
void srv_log_access(srv_log *l, const char *json, size_t len);

#endif
