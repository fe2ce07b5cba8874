/* app.c - wfcd's parts and their lifecycle (see app.h). */
#include "app.h"

#include "buf.h"
#include "clock.h"
#include "persist.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOUSEKEEP_TICK_MS 200
#define STUCK_GRACE_MS 5000.0
#define ANSWER_WAITERS_MS 3000.0

/* Looks for rel next to the binary's repository (build/wfcd -> ./rel),
 * then in the current directory; out is "" when neither exists. */
static void find_beside_binary(const char *rel, char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;
	out[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			int w = snprintf(out, size, "%s/../%s", exe, rel);
			if (w > 0 && (size_t)w < size && stat(out, &st) == 0) return;
			w = snprintf(out, size, "%s/%s", exe, rel);
			if (w > 0 && (size_t)w < size && stat(out, &st) == 0) return;
		}
	}
	snprintf(out, size, "%s", rel);
	if (stat(out, &st) != 0) out[0] = '\0';
}

static void on_job_finished(void *ctx, const char *id)
{
	srv_app *app = ctx;
	srv_http_job_finished(app->http, id);
}

static void *housekeep(void *arg)
{
	srv_app *app = arg;
	double last = 0;
	pthread_mutex_lock(&app->hk_lock);
	while (!app->hk_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HOUSEKEEP_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&app->hk_cond, &app->hk_lock, &ts);
		if (app->hk_stop) break;
		pthread_mutex_unlock(&app->hk_lock);
		double now = srv_mono_ms();
		srv_http_expire_waiters(app->http, now);
		if (now - last >= 1000) {
			srv_jobs_housekeep(app->jobs, srv_now_ms());
			last = now;
		}
		pthread_mutex_lock(&app->hk_lock);
	}
	pthread_mutex_unlock(&app->hk_lock);
	return NULL;
}

static int fail(char *err, size_t size, const char *fmt, const char *a, const char *b)
{
	snprintf(err, size, fmt, a, b);
	return -1;
}

int srv_app_start(srv_app *app, const srv_config *cfg, char *err, size_t err_size)
{
	memset(app, 0, sizeof *app);
	app->cfg = *cfg;
	atomic_init(&app->draining, 0);
	pthread_mutex_init(&app->hk_lock, NULL);
	pthread_cond_init(&app->hk_cond, NULL);
	if (app->cfg.workers <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		app->cfg.workers =
		    cores > 0 ? (int)(cores > SRV_MAX_WORKERS ? SRV_MAX_WORKERS : cores) : 1;
	}
	if (!(app->log = srv_log_open(cfg->log_path)))
		return fail(err, err_size, "cannot open the log '%s': %s", cfg->log_path,
		            strerror(errno));
	if (!(app->metrics = srv_metrics_create()))
		return fail(err, err_size, "%s%s", "out of memory", "");

	/* the built-in library: --library, else the repository's library/ */
	api_error e = {0};
	if (cfg->library)
		snprintf(app->library_dir, sizeof app->library_dir, "%s", cfg->library);
	else
		find_beside_binary("library", app->library_dir, sizeof app->library_dir);
	if (app->library_dir[0] &&
	    api_library_open(app->library_dir, &app->library, &e) != API_OK) {
		if (cfg->library)
			return fail(err, err_size, "--library %s: %s", cfg->library, e.message);
		app->library = NULL;
	}
	if (!app->library)
		srv_log_event(app->log, "warning",
		              ",\"message\":\"no built-in library found next to the binary or in "
		              "./library; GET /v1/library is empty (see --library)\"");
	if (cfg->openapi)
		snprintf(app->openapi_path, sizeof app->openapi_path, "%s", cfg->openapi);
	else
		find_beside_binary("openapi.yaml", app->openapi_path, sizeof app->openapi_path);

	char msg[512];
	if (cfg->api_keys && srv_auth_load(cfg->api_keys, &app->auth, msg, sizeof msg))
		return fail(err, err_size, "--api-keys %s: %s", cfg->api_keys, msg);
	if (srv_persist_init(cfg->data_dir, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	if (!(app->queue = srv_queue_create(cfg->queue_size)))
		return fail(err, err_size, "%s%s", "out of memory", "");
	srv_jobs_options jo = {
	    cfg->data_dir, app->queue, cfg->result_ttl_ms, cfg->result_memory, on_job_finished,
	    app,           app->log};
	if (srv_jobs_create(&jo, &app->jobs, msg, sizeof msg) ||
	    srv_assets_create(cfg->data_dir, app->log, &app->assets))
		return fail(err, err_size, "%s%s", "out of memory", "");
	int loaded = 0;
	int requeued = srv_jobs_restore(app->jobs, &loaded);
	int assets = srv_assets_restore(app->assets);
	app->env =
	    (srv_request_env){app->library, app->assets, cfg->max_cells, cfg->job_time_limit_ms};

	if (srv_http_start(app, &app->http, &app->port, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	srv_workers_options wo = {app->jobs, app->queue, app->metrics, app->log, app->cfg.workers};
	if (srv_workers_start(&wo, &app->workers, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	if (pthread_create(&app->housekeeper, NULL, housekeep, app) != 0)
		return fail(err, err_size, "%s%s", "cannot start the housekeeping thread", "");
	app->hk_started = true;

	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b, ",\"bind\":");
	srv_buf_json_str(&b, cfg->bind);
	srv_buf_printf(&b,
	               ",\"port\":%d,\"url\":\"http://%s%s%s:%d\",\"workers\":%d,\"queue\":%zu,"
	               "\"library\":",
	               app->port, strchr(cfg->bind, ':') ? "[" : "", cfg->bind,
	               strchr(cfg->bind, ':') ? "]" : "", app->port, app->cfg.workers,
	               cfg->queue_size);
	srv_buf_json_str(&b, app->library ? app->library_dir : NULL);
	srv_buf_printf(&b, ",\"libraryEntries\":%d,\"dataDir\":",
	               app->library ? api_library_count(app->library) : 0);
	srv_buf_json_str(&b, cfg->data_dir);
	srv_buf_printf(&b, ",\"jobsLoaded\":%d,\"jobsRequeued\":%d,\"assetsLoaded\":%d,\"auth\":%s",
	               loaded, requeued, assets, app->auth ? "true" : "false");
	char *fields = srv_buf_take(&b);
	srv_log_event(app->log, "listening", "%s", fields ? fields : "");
	free(fields);
	return 0;
}

int srv_app_stuck_workers(srv_app *app)
{
	return srv_workers_stuck(app->workers, srv_mono_ms(), STUCK_GRACE_MS);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

void srv_app_drain(srv_app *app)
{
	if (atomic_exchange(&app->draining, 1)) return;
	srv_log_event(app->log, "draining", ",\"running\":%d,\"queued\":%zu",
	              srv_workers_busy(app->workers), srv_queue_depth(app->queue));
	/* The listener stays open while draining: load balancers see /readyz
	 * turn 503 and new jobs get 503 not-ready with Retry-After. */
	srv_queue_close(app->queue); /* queued jobs stay persisted as queued */
	double deadline = srv_mono_ms() + (double)app->cfg.shutdown_ms;
	while (srv_workers_busy(app->workers) > 0 && srv_mono_ms() < deadline)
		sleep_ms(20);
	int stopped = srv_workers_busy(app->workers);
	if (stopped) srv_jobs_cancel_running(app->jobs, SRV_CANCEL_SHUTDOWN);
	srv_workers_join(app->workers);
	app->workers = NULL;
	/* requests waiting for jobs get the jobs' current state */
	srv_http_wake_all(app->http);
	double until = srv_mono_ms() + ANSWER_WAITERS_MS;
	while (srv_http_active(app->http) > 0 && srv_mono_ms() < until)
		sleep_ms(20);
	if (app->hk_started) {
		pthread_mutex_lock(&app->hk_lock);
		app->hk_stop = true;
		pthread_cond_signal(&app->hk_cond);
		pthread_mutex_unlock(&app->hk_lock);
		pthread_join(app->housekeeper, NULL);
		app->hk_started = false;
	}
	srv_http_stop(app->http);
	app->http = NULL;
	srv_log_event(app->log, "stopped", ",\"requeued\":%d", stopped);
}

void srv_app_destroy(srv_app *app)
{
	if (app->hk_started) {
		pthread_mutex_lock(&app->hk_lock);
		app->hk_stop = true;
		pthread_cond_signal(&app->hk_cond);
		pthread_mutex_unlock(&app->hk_lock);
		pthread_join(app->housekeeper, NULL);
	}
	if (app->queue) srv_queue_close(app->queue);
	srv_workers_join(app->workers);
	srv_http_stop(app->http);
	srv_jobs_destroy(app->jobs);
	srv_assets_destroy(app->assets);
	srv_queue_destroy(app->queue);
	srv_auth_destroy(app->auth);
	api_library_close(app->library);
	srv_metrics_destroy(app->metrics);
	srv_log_close(app->log);
	pthread_mutex_destroy(&app->hk_lock);
	pthread_cond_destroy(&app->hk_cond);
	memset(app, 0, sizeof *app);
}
