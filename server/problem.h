/*
 * problem.h - RFC 9457 problem details, the body of every error response:
 * {"type": "https://wfcd.dev/problems/<slug>", "title", "status",
 *  "detail", "pointer"?} (docs/http-api.md lists the slugs).
 *
 * A srv_problem is a plain value (no heap), filled where an error is found
 * and turned into JSON where the response is sent, or stored with a failed
 * job. `pointer` is the RFC 6901 pointer into the request body of the field
 * at fault, present only when has_pointer.
 */
#ifndef SRV_PROBLEM_H
#define SRV_PROBLEM_H

#include "../api/error.h"

#include <stdbool.h>

#define SRV_PROBLEM_BASE "https://wfcd.dev/problems/"

typedef struct {
	int status;    /* HTTP status */
	char slug[32]; /* "invalid-spec", ... */
	char detail[512];
	char pointer[256];
	bool has_pointer;
	int retry_after; /* seconds, for 429/503; 0 = none */
} srv_problem;

struct cJSON;

/* Fills p; pointer NULL means none. Returns status, so handlers can write
 * `return srv_problem_set(...)`. */
int srv_problem_set(srv_problem *p, int status, const char *slug, const char *pointer,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* From an api_ error: its message and pointer. */
int srv_problem_from_api(srv_problem *p, int status, const char *slug, const api_error *err);
/* The human title of a slug ("Invalid spec"); "Error" when unknown. */
const char *srv_problem_title(const char *slug);
/* malloc'd JSON text; NULL when out of memory. */
char *srv_problem_json(const srv_problem *p);
/* As a cJSON object (for embedding into a job), NULL when out of memory. */
struct cJSON *srv_problem_to_cjson(const srv_problem *p);
/* Reads what srv_problem_to_cjson wrote; false when it does not look like one. */
bool srv_problem_from_cjson(const struct cJSON *obj, srv_problem *p);

#endif
