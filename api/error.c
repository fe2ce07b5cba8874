#include "error.h"

#include <stdio.h>
#include <string.h>

int api_fail(api_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
		err->pointer[0] = '\0';
	}
	return code;
}

int api_fail_at(api_error *err, int code, const char *pointer, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
		snprintf(err->pointer, sizeof err->pointer, "%s", pointer ? pointer : "");
	}
	return code;
}
