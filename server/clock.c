/* clock.c - wall and monotonic clocks, RFC 3339 timestamps (see clock.h). */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t srv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double srv_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void srv_time_format(int64_t epoch_ms, char out[SRV_TIME_TEXT])
{
	time_t secs = (time_t)(epoch_ms / 1000);
	int ms = (int)(epoch_ms % 1000);
	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	/* tm fields are in range, so the text is always 24 bytes */
	snprintf(out, SRV_TIME_TEXT, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	         (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	         tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, ms % 1000);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool srv_time_parse(const char *text, int64_t *epoch_ms)
{
	int y, mo, d, h, mi, s, ms, n = 0;
	if (!text || strlen(text) != 24) return false;
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &ms, &n) !=
	        7 ||
	    n != 24)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms < 0 ||
	    y < 1970)
		return false;
	int64_t days = days_from_civil(y, mo, d);
	*epoch_ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
	return true;
}
