/*
 * clock.h - the server's notion of time: wall-clock milliseconds for what
 * is shown and stored (RFC 3339 UTC with milliseconds, as the API says),
 * monotonic milliseconds for durations and deadlines.
 */
#ifndef SRV_CLOCK_H
#define SRV_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define SRV_TIME_TEXT 32 /* "2026-11-27T07:15:31.123Z" + NUL, with room */

int64_t srv_now_ms(void); /* CLOCK_REALTIME, ms since the epoch */
double srv_mono_ms(void); /* CLOCK_MONOTONIC, ms */
void srv_time_format(int64_t epoch_ms, char out[SRV_TIME_TEXT]);
/* Parses what srv_time_format writes; false on anything else. */
bool srv_time_parse(const char *text, int64_t *epoch_ms);

#endif
