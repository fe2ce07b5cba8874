/*
 * app.h - the running service: every part of wfcd and their lifecycle.
 *
 * srv_app_start() builds them in order (log, metrics, library, keys, data
 * directory, job store with restored jobs or Redis, assets, HTTP unless
 * --role worker, workers unless --role api, housekeeper) and srv_app_drain() takes the service down for SIGTERM: readyz
 * turns 503, the listening socket closes, the queue closes (queued jobs
 * stay persisted as queued), running jobs get until --shutdown-timeout to
 * finish and are then stopped and persisted as queued, waiting requests
 * are answered, and the HTTP daemon stops. srv_app_destroy() frees all.
 *
 * Handlers (routes_*.c) read the parts through this struct; it holds no
 * mutable state of its own beyond `draining`.
 */
#ifndef SRV_APP_H
#define SRV_APP_H

#include "../api/library.h"
#include "assets.h"
#include "auth.h"
#include "config.h"
#include "http.h"
#include "jobs.h"
#include "jobstore.h"
#include "log.h"
#include "metrics.h"
#include "models.h"
#include "queue.h"
#include "request.h"
#include "workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct srv_app {
	srv_config cfg;
	srv_log *log;
	srv_metrics *metrics;
	api_library *library; /* NULL when none could be found */
	char library_dir[4096];
	char openapi_path[4096]; /* "" when none could be found */
	srv_models *models;      /* generator checkpoints (models.h), never NULL once started */
	srv_auth *auth;          /* NULL: no keys */
	srv_queue *queue;     /* in-process backend only; NULL with --queue redis */
	srv_jobs *jobs;       /* idem */
	srv_jobstore *store;  /* what routes and workers use: either backend */
	srv_assets *assets;
	srv_workers *workers;
	srv_http *http;            /* NULL with --role worker */
	pthread_mutex_t http_lock; /* finish listeners vs srv_http_stop */
	srv_request_env env;
	int port;
	atomic_int draining;

	pthread_t housekeeper;
	pthread_mutex_t hk_lock;
	pthread_cond_t hk_cond;
	bool hk_stop, hk_started;
};

/* 0, or -1 with a message (the caller exits with status 2). */
int srv_app_start(srv_app *app, const srv_config *cfg, char *err, size_t err_size);
void srv_app_drain(srv_app *app);
void srv_app_destroy(srv_app *app);
/* Stuck workers: running longer than their job's limit plus a grace. */
int srv_app_stuck_workers(srv_app *app);

#endif
