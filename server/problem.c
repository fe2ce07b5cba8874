/* problem.c - RFC 9457 problem details (see problem.h). */
#include "problem.h"

#include "buf.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *slug, *title;
} titles[] = {
    {"malformed", "Malformed request"},
    {"unauthorized", "Unauthorized"},
    {"not-found", "Not found"},
    {"method-not-allowed", "Method not allowed"},
    {"not-acceptable", "Not acceptable"},
    {"conflict", "Conflict"},
    {"too-large", "Payload too large"},
    {"unsupported-media-type", "Unsupported media type"},
    {"invalid-spec", "Invalid spec"},
    {"unsatisfiable", "Unsatisfiable"},
    {"time-limit", "Time limit exceeded"},
    {"queue-full", "Queue full"},
    {"rate-limited", "Too many requests"},
    {"not-ready", "Not ready"},
    {"internal", "Internal error"},
    {"insufficient-storage", "Insufficient storage"},
    {"storage-unavailable", "Storage unavailable"},
    {"forbidden", "Forbidden"},
};

const char *srv_problem_title(const char *slug)
{
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		if (!strcmp(titles[i].slug, slug)) return titles[i].title;
	return "Error";
}

int srv_problem_set(srv_problem *p, int status, const char *slug, const char *pointer,
                    const char *fmt, ...)
{
	memset(p, 0, sizeof *p);
	p->status = status;
	snprintf(p->slug, sizeof p->slug, "%s", slug);
	if (pointer) {
		p->has_pointer = true;
		snprintf(p->pointer, sizeof p->pointer, "%s", pointer);
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
	return status;
}

int srv_problem_from_api(srv_problem *p, int status, const char *slug, const api_error *err)
{
	srv_problem_set(p, status, slug, err->pointer[0] ? err->pointer : NULL, "%s", err->message);
	return status;
}

char *srv_problem_json(const srv_problem *p)
{
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, "{\"type\":");
	srv_buf_printf(&b, "\"%s%s\",\"title\":", SRV_PROBLEM_BASE, p->slug);
	srv_buf_json_str(&b, srv_problem_title(p->slug));
	srv_buf_printf(&b, ",\"status\":%d,\"detail\":", p->status);
	srv_buf_json_str(&b, p->detail);
	if (p->has_pointer) {
		srv_buf_puts(&b, ",\"pointer\":");
		srv_buf_json_str(&b, p->pointer);
	}
	srv_buf_puts(&b, "}");
	return srv_buf_take(&b);
}

cJSON *srv_problem_to_cjson(const srv_problem *p)
{
	char type[128];
	snprintf(type, sizeof type, "%s%s", SRV_PROBLEM_BASE, p->slug);
	cJSON *obj = cJSON_CreateObject();
	if (!obj || !cJSON_AddStringToObject(obj, "type", type) ||
	    !cJSON_AddStringToObject(obj, "title", srv_problem_title(p->slug)) ||
	    !cJSON_AddNumberToObject(obj, "status", p->status) ||
	    !cJSON_AddStringToObject(obj, "detail", p->detail) ||
	    (p->has_pointer && !cJSON_AddStringToObject(obj, "pointer", p->pointer))) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

bool srv_problem_from_cjson(const cJSON *obj, srv_problem *p)
{
	memset(p, 0, sizeof *p);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(obj, "detail");
	const cJSON *pointer = cJSON_GetObjectItemCaseSensitive(obj, "pointer");
	size_t base = strlen(SRV_PROBLEM_BASE);
	if (!cJSON_IsString(type) || strncmp(type->valuestring, SRV_PROBLEM_BASE, base) != 0 ||
	    !cJSON_IsNumber(status))
		return false;
	p->status = status->valueint;
	snprintf(p->slug, sizeof p->slug, "%s", type->valuestring + base);
	if (cJSON_IsString(detail))
		snprintf(p->detail, sizeof p->detail, "%s", detail->valuestring);
	if (cJSON_IsString(pointer)) {
		p->has_pointer = true;
		snprintf(p->pointer, sizeof p->pointer, "%s", pointer->valuestring);
	}
	return true;
}
