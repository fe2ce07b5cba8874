/* app.c - wfcd's parts and their lifecycle (see app.h). */
#include "app.h"

#include "buf.h"
#include "clock.h"
#include "jobs_nn.h"
#include "persist.h"
#include "redis_store.h"

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

/* Called by worker threads, HTTP threads (DELETE) and the Redis
 * subscriber; http_lock keeps app->http alive meanwhile. */
static void on_job_finished(void *ctx, const char *id)
{
	srv_app *app = ctx;
	pthread_mutex_lock(&app->http_lock);
	srv_http_job_finished(app->http, id);
	pthread_mutex_unlock(&app->http_lock);
}

static void stop_http(srv_app *app)
{
	pthread_mutex_lock(&app->http_lock);
	srv_http *h = app->http;
	app->http = NULL;
	pthread_mutex_unlock(&app->http_lock);
	srv_http_stop(h);
}

/* The job store: Redis with --queue, else the in-process one over the data
 * directory's jobs (restored: *loaded, *requeued). */
static int open_store(srv_app *app, const srv_config *cfg, int *loaded, int *requeued, char *msg,
                      size_t msg_size)
{
	*loaded = *requeued = 0;
	if (cfg->queue_url) {
		srv_redis_store_options ro = {cfg->queue_url,
		                              cfg->queue_size,
		                              cfg->result_ttl_ms,
		                              cfg->visibility_ms,
		                              cfg->role != SRV_ROLE_WORKER,
		                              on_job_finished,
		                              app,
		                              app->log};
		return srv_redis_store_create(&ro, &app->store, msg, msg_size);
	}
	snprintf(msg, msg_size, "out of memory");
	if (!(app->queue = srv_queue_create(cfg->queue_size))) return -1;
	srv_jobs_options jo = {cfg->data_dir,   app->queue, cfg->result_ttl_ms, cfg->result_memory,
	                       on_job_finished, app,        app->log,           cfg->max_jobs};
	if (srv_jobs_create(&jo, &app->jobs, msg, msg_size)) return -1;
	*requeued = srv_jobs_restore(app->jobs, loaded);
	return (app->store = srv_jobstore_local(app->jobs, app->queue)) ? 0 : -1;
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
		if (app->http) srv_http_expire_waiters(app->http, now);
		if (now - last >= 1000) {
			srv_store_housekeep(app->store, srv_now_ms());
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
	pthread_mutex_init(&app->http_lock, NULL);
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

	/* generator checkpoints: --models, else the repository's models/ */
	char models_dir[4096];
	if (cfg->models)
		snprintf(models_dir, sizeof models_dir, "%s", cfg->models);
	else
		find_beside_binary("models", models_dir, sizeof models_dir);
	if (srv_models_create(models_dir[0] ? models_dir : NULL, &app->models))
		return fail(err, err_size, "%s%s", "out of memory", "");
	int models_failed = 0, models = srv_models_reload(app->models, &models_failed);

	char msg[512];
	if (cfg->api_keys && srv_auth_load(cfg->api_keys, &app->auth, msg, sizeof msg))
		return fail(err, err_size, "--api-keys %s: %s", cfg->api_keys, msg);
	if (srv_persist_init(cfg->data_dir, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	int loaded = 0, requeued = 0;
	if (open_store(app, cfg, &loaded, &requeued, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	if (srv_assets_create(cfg->data_dir, app->log, &app->assets))
		return fail(err, err_size, "%s%s", "out of memory", "");
	int assets = srv_assets_restore(app->assets);
	app->env = (srv_request_env){app->library,           app->assets, cfg->max_cells,
	                             cfg->job_time_limit_ms, app->models, srv_nn_build_spec};

	srv_http *http = NULL;
	if (cfg->role != SRV_ROLE_WORKER && srv_http_start(app, &http, &app->port, msg, sizeof msg))
		return fail(err, err_size, "%s%s", msg, "");
	pthread_mutex_lock(&app->http_lock);
	app->http = http;
	pthread_mutex_unlock(&app->http_lock);
	if (cfg->role == SRV_ROLE_API) app->cfg.workers = 0;
	srv_workers_options wo = {app->store, app->metrics, app->log, app->cfg.workers,
	                          app->models};
	if (app->cfg.workers > 0 && srv_workers_start(&wo, &app->workers, msg, sizeof msg))
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
	static const char *const roles[] = {"all", "api", "worker"};
	srv_buf_printf(&b, ",\"store\":\"%s\",\"role\":\"%s\"", app->store->kind,
	               roles[cfg->role >= 0 && cfg->role <= 2 ? cfg->role : 0]);
	srv_buf_puts(&b, ",\"models\":");
	srv_buf_json_str(&b, models_dir[0] ? models_dir : NULL);
	srv_buf_printf(&b, ",\"modelsLoaded\":%d,\"modelsFailed\":%d", models, models_failed);
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
	size_t queued = 0, capacity = 0;
	srv_store_depth(app->store, &queued, &capacity);
	srv_log_event(app->log, "draining", ",\"running\":%d,\"queued\":%zu",
	              srv_workers_busy(app->workers), queued);
	/* The listener stays open while draining: load balancers see /readyz
	 * turn 503 and new jobs get 503 not-ready with Retry-After. */
	srv_store_close(app->store); /* queued jobs stay queued (on disk or in Redis) */
	double deadline = srv_mono_ms() + (double)app->cfg.shutdown_ms;
	while (srv_workers_busy(app->workers) > 0 && srv_mono_ms() < deadline)
		sleep_ms(20);
	int stopped = srv_workers_busy(app->workers);
	if (stopped) srv_store_cancel_running(app->store, SRV_CANCEL_SHUTDOWN);
	srv_workers_join(app->workers);
	app->workers = NULL;
	/* requests waiting for jobs get the jobs' current state */
	if (app->http) srv_http_wake_all(app->http);
	double until = srv_mono_ms() + ANSWER_WAITERS_MS;
	while (app->http && srv_http_active(app->http) > 0 && srv_mono_ms() < until)
		sleep_ms(20);
	if (app->hk_started) {
		pthread_mutex_lock(&app->hk_lock);
		app->hk_stop = true;
		pthread_cond_signal(&app->hk_cond);
		pthread_mutex_unlock(&app->hk_lock);
		pthread_join(app->housekeeper, NULL);
		app->hk_started = false;
	}
	stop_http(app);
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
	srv_store_close(app->store);
	srv_workers_join(app->workers);
	stop_http(app);
	srv_store_destroy(app->store); /* after HTTP: handlers use it */
	srv_jobs_destroy(app->jobs);
	srv_assets_destroy(app->assets);
	srv_models_destroy(app->models); /* after workers and HTTP: both use it */
	srv_queue_destroy(app->queue);
	srv_auth_destroy(app->auth);
	api_library_close(app->library);
	srv_metrics_destroy(app->metrics);
	srv_log_close(app->log);
	pthread_mutex_destroy(&app->hk_lock);
	pthread_cond_destroy(&app->hk_cond);
	pthread_mutex_destroy(&app->http_lock);
	memset(app, 0, sizeof *app);
}
