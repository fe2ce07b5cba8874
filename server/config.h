/*
 * config.h - wfcd's configuration: defaults, then WFCD_* environment
 * variables, then command-line flags (`wfcd --help` lists them).
 *
 * Sizes accept K, M, G suffixes (powers of 1024); durations accept ms, s,
 * m, h suffixes (a bare number is seconds). Strings point into argv or the
 * environment, which outlive the process's use of the config, so a
 * srv_config owns no memory.
 */
#ifndef SRV_CONFIG_H
#define SRV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_DEFAULT_PORT 8080
#define SRV_DEFAULT_BIND "127.0.0.1"
#define SRV_DEFAULT_DATA_DIR "./data"
#define SRV_DEFAULT_QUEUE 256
#define SRV_DEFAULT_TIME_LIMIT_MS 60000
#define SRV_DEFAULT_MAX_BODY (16u << 20)
#define SRV_DEFAULT_MAX_CELLS (1 << 20) /* 1024 x 1024 */
#define SRV_DEFAULT_RESULT_TTL_MS (24 * 3600 * 1000LL)
#define SRV_DEFAULT_RESULT_MEMORY (256u << 20)
#define SRV_DEFAULT_SHUTDOWN_MS 10000
#define SRV_DEFAULT_CONNS_PER_IP 64       /* open connections one client address may hold */
#define SRV_DEFAULT_CONN_TIMEOUT_MS 60000 /* idle connections closed after; > SRV_MAX_WAIT_S */
#define SRV_DEFAULT_MAX_JOBS 10000        /* finished jobs kept; the oldest go first */
#define SRV_DEFAULT_VISIBILITY_MS 30000 /* --queue redis: a silent worker's jobs run again after */
#define SRV_MAX_WORKERS 1024
#define SRV_MAX_QUEUE 1000000
#define SRV_MAX_WAIT_S 30 /* Prefer: wait=N and ?wait=N */
#define SRV_DEFAULT_MAX_TRAIN_COUNT 1024
#define SRV_DEFAULT_MAX_TRAIN_EPOCHS 20

/* Who may read /metrics (--metrics): anyone, only holders of an API key
 * (like /v1; anyone when no keys are configured), or no one (404). */
typedef enum { SRV_METRICS_PUBLIC, SRV_METRICS_KEY, SRV_METRICS_OFF } srv_metrics_exposure;

/* What one process does (--role); api and worker need --queue redis://... */
typedef enum { SRV_ROLE_ALL, SRV_ROLE_API, SRV_ROLE_WORKER } srv_role;

typedef struct {
	const char *bind;
	int port; /* 0 = ephemeral, logged at start */
	const char *data_dir;
	int workers;      /* 0 = one per core */
	int http_threads; /* 0 = one per core, at least 2 */
	size_t queue_size;
	const char *library;  /* NULL = the repository's library/ */
	const char *api_keys; /* NULL = no authentication */
	int64_t job_time_limit_ms;
	size_t max_body;
	long max_cells;
	int64_t result_ttl_ms;
	size_t result_memory;
	int64_t shutdown_ms;     /* how long SIGTERM waits for running jobs */
	const char *log_path;    /* NULL = stdout */
	const char *openapi;     /* NULL = openapi.yaml next to the binary's repo */
	int max_conns_per_ip;    /* libmicrohttpd's per-address cap (slowloris) */
	int64_t conn_timeout_ms; /* idle connections are closed after this */
	size_t max_jobs;         /* finished jobs held; beyond it the oldest are deleted */
	const char *queue_url; /* NULL = the in-process queue; else Redis (redis_store.h) */
	int role;              /* srv_role */
	int64_t visibility_ms; /* Redis: lease of a running job, renewed while it runs */
	const char *models;    /* generator checkpoints; NULL = the repository's models/ */
	size_t max_train_count;  /* POST /v1/models: data set size limit */
	size_t max_train_epochs; /* and epochs */
	bool no_training;        /* POST /v1/models refused (403) */
	int metrics;             /* srv_metrics_exposure */
} srv_config;

void srv_config_defaults(srv_config *c);
/* getenv_fn: getenv, or a stub in tests. Returns 0 when the server should
 * start, 1 when --help or --version was asked (the caller prints
 * srv_config_usage), -1 with a message in err on a bad flag or value. */
int srv_config_parse(srv_config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
                     char *err, size_t err_size);
const char *srv_config_usage(void);

/* Parsers shared with the tests: false on a malformed or out-of-range value. */
bool srv_parse_size(const char *text, size_t *out);
bool srv_parse_duration_ms(const char *text, int64_t *out);
bool srv_parse_long(const char *text, long lo, long hi, long *out);

#endif
