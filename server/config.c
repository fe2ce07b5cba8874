/* config.c - flags and WFCD_* variables (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wfcd [options]\n"
    "\n"
    "The Wave Function Collapse HTTP service (API: docs/http-api.md).\n"
    "Every option can also be set by the environment variable in brackets;\n"
    "a flag wins over its variable.\n"
    "\n"
    "  --port N             TCP port, 0 = any free one (logged) [WFCD_PORT] (8080)\n"
    "  --bind ADDR          address to listen on [WFCD_BIND] (127.0.0.1)\n"
    "  --data-dir DIR       jobs, tilesets, samples, results [WFCD_DATA_DIR] (./data)\n"
    "  --workers N          engine threads [WFCD_WORKERS] (one per core)\n"
    "  --http-threads N     HTTP threads [WFCD_HTTP_THREADS] (one per core, at least 2)\n"
    "  --queue-size N       jobs waiting for a worker before 503 [WFCD_QUEUE_SIZE] (256)\n"
    "  --library DIR        built-in library, laid out like the reference corpus\n"
    "                       [WFCD_LIBRARY] (the repository's library/)\n"
    "  --api-keys FILE      one key per line; then /v1 needs Authorization: Bearer\n"
    "                       [WFCD_API_KEYS] (none)\n"
    "  --job-time-limit T   default and maximum time per job [WFCD_JOB_TIME_LIMIT] (60s)\n"
    "  --max-body SIZE      largest request body [WFCD_MAX_BODY] (16M)\n"
    "  --max-cells N        largest output, width x height [WFCD_MAX_CELLS] (1048576)\n"
    "  --result-ttl T       how long finished jobs are kept [WFCD_RESULT_TTL] (24h)\n"
    "  --result-memory SIZE results cached in memory [WFCD_RESULT_MEMORY] (256M)\n"
    "  --shutdown-timeout T how long SIGTERM waits for running jobs\n"
    "                       [WFCD_SHUTDOWN_TIMEOUT] (10s)\n"
    "  --max-conns-per-ip N open connections per client address [WFCD_MAX_CONNS_PER_IP] (64)\n"
    "  --conn-timeout T     idle connections are closed after T [WFCD_CONN_TIMEOUT] (60s)\n"
    "  --max-jobs N         finished jobs kept (with --result-ttl); beyond N the oldest\n"
    "                       are deleted [WFCD_MAX_JOBS] (10000)\n"
    "  --queue URL          share jobs through Redis: redis://HOST:PORT, unix:/path or\n"
    "                       /path to its socket [WFCD_QUEUE] (in-process)\n"
    "  --role ROLE          all, api (HTTP only) or worker (runs jobs, no HTTP);\n"
    "                       api and worker need --queue [WFCD_ROLE] (all)\n"
    "  --visibility-timeout T  Redis: jobs of a worker silent for T run elsewhere\n"
    "                       [WFCD_VISIBILITY_TIMEOUT] (30s)\n"
    "  --models DIR         generator checkpoints (*.safetensors) for neural jobs,\n"
    "                       reloaded by POST /v1/models/reload [WFCD_MODELS]\n"
    "                       (the repository's models/)\n"
    "  --max-train-count N  largest data set of a training job (POST /v1/models)\n"
    "                       [WFCD_MAX_TRAIN_COUNT] (1024)\n"
    "  --max-train-epochs N most epochs of a training job [WFCD_MAX_TRAIN_EPOCHS] (20)\n"
    "  --no-training        refuse training jobs (403) [WFCD_NO_TRAINING=1]\n"
    "  --metrics WHO        who may read /metrics: public, key (an API key, as /v1)\n"
    "                       or off (404) [WFCD_METRICS] (public)\n"
    "  --log FILE           access log, one JSON line per request [WFCD_LOG] (stdout)\n"
    "  --openapi FILE       served at /openapi.yaml [WFCD_OPENAPI] (the repository's)\n"
    "  -h, --help           this text\n"
    "\n"
    "SIZE takes K, M, G suffixes; T takes ms, s, m, h (bare numbers are seconds).\n";

const char *srv_config_usage(void)
{
	return usage;
}

void srv_config_defaults(srv_config *c)
{
	memset(c, 0, sizeof *c);
	c->bind = SRV_DEFAULT_BIND;
	c->port = SRV_DEFAULT_PORT;
	c->data_dir = SRV_DEFAULT_DATA_DIR;
	c->queue_size = SRV_DEFAULT_QUEUE;
	c->job_time_limit_ms = SRV_DEFAULT_TIME_LIMIT_MS;
	c->max_body = SRV_DEFAULT_MAX_BODY;
	c->max_cells = SRV_DEFAULT_MAX_CELLS;
	c->result_ttl_ms = SRV_DEFAULT_RESULT_TTL_MS;
	c->result_memory = SRV_DEFAULT_RESULT_MEMORY;
	c->shutdown_ms = SRV_DEFAULT_SHUTDOWN_MS;
	c->visibility_ms = SRV_DEFAULT_VISIBILITY_MS;
	c->max_conns_per_ip = SRV_DEFAULT_CONNS_PER_IP;
	c->conn_timeout_ms = SRV_DEFAULT_CONN_TIMEOUT_MS;
	c->max_jobs = SRV_DEFAULT_MAX_JOBS;
	c->max_train_count = SRV_DEFAULT_MAX_TRAIN_COUNT;
	c->max_train_epochs = SRV_DEFAULT_MAX_TRAIN_EPOCHS;
}

bool srv_parse_long(const char *text, long lo, long hi, long *out)
{
	if (!text || !*text) return false;
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || end == text || v < lo || v > hi) return false;
	*out = v;
	return true;
}

/* A non-negative decimal number and its suffix. */
static bool split_number(const char *text, double *num, const char **suffix)
{
	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ') return false;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || !(v >= 0) || v > 1e15) return false;
	*num = v;
	*suffix = end;
	return true;
}

bool srv_parse_size(const char *text, size_t *out)
{
	double v;
	const char *s;
	if (!split_number(text, &v, &s)) return false;
	double mult = 1;
	if (!strcmp(s, "") || !strcmp(s, "B"))
		mult = 1;
	else if (!strcmp(s, "K") || !strcmp(s, "k") || !strcmp(s, "KiB"))
		mult = 1024.0;
	else if (!strcmp(s, "M") || !strcmp(s, "m") || !strcmp(s, "MiB"))
		mult = 1024.0 * 1024;
	else if (!strcmp(s, "G") || !strcmp(s, "g") || !strcmp(s, "GiB"))
		mult = 1024.0 * 1024 * 1024;
	else
		return false;
	double bytes = v * mult;
	if (bytes > 1e15 || bytes != (double)(size_t)bytes) return false;
	*out = (size_t)bytes;
	return true;
}

bool srv_parse_duration_ms(const char *text, int64_t *out)
{
	double v;
	const char *s;
	if (!split_number(text, &v, &s)) return false;
	double mult;
	if (!strcmp(s, "") || !strcmp(s, "s"))
		mult = 1000;
	else if (!strcmp(s, "ms"))
		mult = 1;
	else if (!strcmp(s, "m"))
		mult = 60000;
	else if (!strcmp(s, "h"))
		mult = 3600000;
	else
		return false;
	double ms = v * mult;
	if (ms > 1e13) return false;
	*out = (int64_t)(ms + 0.5);
	return true;
}

enum kind {
	K_STR,
	K_PORT,
	K_COUNT,
	K_QUEUE,
	K_SIZE,
	K_CELLS,
	K_DURATION,
	K_ROLE,
	K_FLAG,
	K_METRICS
};

typedef struct {
	const char *flag, *env;
	enum kind kind;
	size_t offset;
	bool positive; /* durations and sizes that may not be 0 */
} option;

#define OFF(f) offsetof(srv_config, f)
static const option options[] = {
    {"--port", "WFCD_PORT", K_PORT, OFF(port), false},
    {"--bind", "WFCD_BIND", K_STR, OFF(bind), false},
    {"--data-dir", "WFCD_DATA_DIR", K_STR, OFF(data_dir), false},
    {"--workers", "WFCD_WORKERS", K_COUNT, OFF(workers), false},
    {"--http-threads", "WFCD_HTTP_THREADS", K_COUNT, OFF(http_threads), false},
    {"--queue-size", "WFCD_QUEUE_SIZE", K_QUEUE, OFF(queue_size), false},
    {"--library", "WFCD_LIBRARY", K_STR, OFF(library), false},
    {"--api-keys", "WFCD_API_KEYS", K_STR, OFF(api_keys), false},
    {"--job-time-limit", "WFCD_JOB_TIME_LIMIT", K_DURATION, OFF(job_time_limit_ms), true},
    {"--max-body", "WFCD_MAX_BODY", K_SIZE, OFF(max_body), true},
    {"--max-cells", "WFCD_MAX_CELLS", K_CELLS, OFF(max_cells), false},
    {"--result-ttl", "WFCD_RESULT_TTL", K_DURATION, OFF(result_ttl_ms), true},
    {"--result-memory", "WFCD_RESULT_MEMORY", K_SIZE, OFF(result_memory), false},
    {"--shutdown-timeout", "WFCD_SHUTDOWN_TIMEOUT", K_DURATION, OFF(shutdown_ms), false},
    {"--log", "WFCD_LOG", K_STR, OFF(log_path), false},
    {"--openapi", "WFCD_OPENAPI", K_STR, OFF(openapi), false},
    {"--queue", "WFCD_QUEUE", K_STR, OFF(queue_url), false},
    {"--role", "WFCD_ROLE", K_ROLE, OFF(role), false},
    {"--visibility-timeout", "WFCD_VISIBILITY_TIMEOUT", K_DURATION, OFF(visibility_ms), true},
    {"--max-conns-per-ip", "WFCD_MAX_CONNS_PER_IP", K_COUNT, OFF(max_conns_per_ip), true},
    {"--conn-timeout", "WFCD_CONN_TIMEOUT", K_DURATION, OFF(conn_timeout_ms), true},
    {"--max-jobs", "WFCD_MAX_JOBS", K_QUEUE, OFF(max_jobs), false},
    {"--models", "WFCD_MODELS", K_STR, OFF(models), false},
    {"--max-train-count", "WFCD_MAX_TRAIN_COUNT", K_QUEUE, OFF(max_train_count), false},
    {"--max-train-epochs", "WFCD_MAX_TRAIN_EPOCHS", K_QUEUE, OFF(max_train_epochs), false},
    {"--no-training", "WFCD_NO_TRAINING", K_FLAG, OFF(no_training), false},
    {"--metrics", "WFCD_METRICS", K_METRICS, OFF(metrics), false},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static bool apply(srv_config *c, const option *o, const char *v)
{
	char *field = (char *)c + o->offset;
	long n;
	size_t size;
	int64_t ms;
	switch (o->kind) {
	case K_STR:
		if (!*v) return false;
		memcpy(field, &v, sizeof v);
		return true;
	case K_PORT:
		if (!srv_parse_long(v, 0, 65535, &n)) return false;
		*(int *)(void *)field = (int)n;
		return true;
	case K_COUNT:
		if (!srv_parse_long(v, 0, SRV_MAX_WORKERS, &n) || (o->positive && n == 0))
			return false;
		*(int *)(void *)field = (int)n;
		return true;
	case K_QUEUE:
		if (!srv_parse_long(v, 1, SRV_MAX_QUEUE, &n)) return false;
		*(size_t *)(void *)field = (size_t)n;
		return true;
	case K_CELLS:
		if (!srv_parse_long(v, 1, 1L << 22, &n)) return false;
		*(long *)(void *)field = n;
		return true;
	case K_SIZE:
		if (!srv_parse_size(v, &size) || (o->positive && size == 0)) return false;
		*(size_t *)(void *)field = size;
		return true;
	case K_DURATION:
		if (!srv_parse_duration_ms(v, &ms) || (o->positive && ms == 0)) return false;
		*(int64_t *)(void *)field = ms;
		return true;
	case K_FLAG: /* a flag takes no value; its variable is 1 or 0 */
		if (strcmp(v, "1") && strcmp(v, "0")) return false;
		*(bool *)(void *)field = !strcmp(v, "1");
		return true;
	case K_METRICS:
		if (!strcmp(v, "public"))
			*(int *)(void *)field = SRV_METRICS_PUBLIC;
		else if (!strcmp(v, "key"))
			*(int *)(void *)field = SRV_METRICS_KEY;
		else if (!strcmp(v, "off"))
			*(int *)(void *)field = SRV_METRICS_OFF;
		else
			return false;
		return true;
	case K_ROLE:
		if (!strcmp(v, "all"))
			*(int *)(void *)field = SRV_ROLE_ALL;
		else if (!strcmp(v, "api"))
			*(int *)(void *)field = SRV_ROLE_API;
		else if (!strcmp(v, "worker"))
			*(int *)(void *)field = SRV_ROLE_WORKER;
		else
			return false;
		return true;
	}
	return false;
}

int srv_config_parse(srv_config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
                     char *err, size_t err_size)
{
	for (size_t i = 0; getenv_fn && i < NOPTIONS; i++) {
		const char *v = getenv_fn(options[i].env);
		if (v && !apply(c, &options[i], v)) {
			snprintf(err, err_size, "invalid value '%s' for %s", v, options[i].env);
			return -1;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const option *o = NULL;
		for (size_t k = 0; k < NOPTIONS && !o; k++)
			if (strlen(options[k].flag) == nlen && !strncmp(options[k].flag, a, nlen))
				o = &options[k];
		if (!o) {
			snprintf(err, err_size, "unknown option '%s' (see wfcd --help)", a);
			return -1;
		}
		const char *v = o->kind == K_FLAG && !eq ? "1"
		                : eq                     ? eq + 1
		                : i + 1 < argc           ? argv[++i]
		                                         : NULL;
		if (!v) {
			snprintf(err, err_size, "%s needs a value", o->flag);
			return -1;
		}
		if (!apply(c, o, v)) {
			snprintf(err, err_size, "invalid value '%s' for %s", v, o->flag);
			return -1;
		}
	}
	if (c->role != SRV_ROLE_ALL && !c->queue_url) {
		snprintf(err, err_size,
		         "--role %s needs --queue redis://HOST:PORT: the in-process queue is not "
		         "shared with other processes",
		         c->role == SRV_ROLE_API ? "api" : "worker");
		return -1;
	}
	return 0;
}
