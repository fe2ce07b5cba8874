/* http.c - libmicrohttpd glue, limits, routing, long polls (see http.h). */
#include "http.h"

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "routes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A chunked body past --max-body is read and dropped up to this much more,
 * so the client gets its 413; beyond it the connection is closed. */
#define DISCARD_MAX (4u << 20)
#define CONNECTION_LIMIT 1000u
/* Request line and headers must fit in this (per connection); beyond it
 * libmicrohttpd answers 414 (long request line) or 431 (long headers)
 * itself, before the access handler runs. */
#define CONNECTION_MEMORY 32768u

struct srv_http {
	struct MHD_Daemon *daemon;
	srv_app *app;
	pthread_mutex_t wlock; /* the waiter list; taken before the job store's lock */
	srv_request *waiters;
	atomic_int active;
	bool quiesced;
};

/* ------------------------------------------------------------ replies */

enum MHD_Result srv_reply(srv_request *rq, int status, const char *content_type, void *body,
                          size_t len, const srv_header *headers, int nheaders)
{
	struct MHD_Response *r =
	    body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
	         : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (content_type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (int i = 0; i < nheaders; i++)
		if (headers[i].name && headers[i].value)
			MHD_add_response_header(r, headers[i].name, headers[i].value);
	enum MHD_Result ok = MHD_queue_response(rq->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	rq->responded = true;
	rq->status = status;
	rq->bytes_out = body ? len : 0;
	return ok;
}

enum MHD_Result srv_reply_json(srv_request *rq, int status, char *json, const srv_header *headers,
                               int nheaders)
{
	if (!json) {
		srv_problem p;
		srv_problem_set(&p, 500, "internal", NULL, "out of memory building the response");
		return srv_reply_problem(rq, &p);
	}
	return srv_reply(rq, status, "application/json", json, strlen(json), headers, nheaders);
}

enum MHD_Result srv_reply_problem(srv_request *rq, const srv_problem *p)
{
	srv_header h[3];
	int n = 0;
	char allow[80], retry[16];
	if (p->status == 405) {
		srv_route_allow(rq->match.allowed, allow, sizeof allow);
		h[n++] = (srv_header){"Allow", allow};
	}
	if (p->status == 401) h[n++] = (srv_header){"WWW-Authenticate", "Bearer realm=\"wfcd\""};
	if (p->retry_after > 0) {
		snprintf(retry, sizeof retry, "%d", p->retry_after);
		h[n++] = (srv_header){"Retry-After", retry};
	}
	char *json = srv_problem_json(p);
	if (!json) return MHD_NO;
	return srv_reply(rq, p->status, "application/problem+json", json, strlen(json), h, n);
}

const char *srv_request_header(srv_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *srv_request_query(srv_request *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* ------------------------------------------------------------ waiting */

bool srv_request_wait(srv_request *rq, const char *id, double seconds)
{
	srv_http *h = rq->http;
	pthread_mutex_lock(&h->wlock);
	/* Checked under wlock: a job finishing now calls the listener, which
	 * needs wlock, so it sees this request in the list. */
	if (seconds <= 0 || h->quiesced || srv_store_finished(rq->app->store, id)) {
		pthread_mutex_unlock(&h->wlock);
		return false;
	}
	snprintf(rq->job_id, sizeof rq->job_id, "%s", id);
	rq->waiting = true;
	rq->resumed = false;
	rq->wait_deadline = srv_mono_ms() + seconds * 1000;
	rq->wnext = h->waiters;
	h->waiters = rq;
	MHD_suspend_connection(rq->conn);
	pthread_mutex_unlock(&h->wlock);
	return true;
}

/* Unlinks the waiters `pick` selects and resumes them. */
static void resume_where(srv_http *h, bool (*pick)(srv_request *rq, const void *arg),
                         const void *arg)
{
	srv_request *woken = NULL;
	pthread_mutex_lock(&h->wlock);
	for (srv_request **p = &h->waiters; *p;) {
		srv_request *rq = *p;
		if (!pick(rq, arg)) {
			p = &rq->wnext;
			continue;
		}
		*p = rq->wnext;
		rq->waiting = false;
		rq->resumed = true;
		rq->wnext = woken;
		woken = rq;
	}
	pthread_mutex_unlock(&h->wlock);
	/* A resumed request may complete and be freed as soon as it is
	 * resumed, so the next pointer is read first. */
	while (woken) {
		srv_request *next = woken->wnext;
		woken->wnext = NULL;
		MHD_resume_connection(woken->conn);
		woken = next;
	}
}

static bool pick_job(srv_request *rq, const void *arg)
{
	return !strcmp(rq->job_id, arg);
}

static bool pick_expired(srv_request *rq, const void *arg)
{
	return rq->wait_deadline <= *(const double *)arg;
}

static bool pick_all(srv_request *rq, const void *arg)
{
	(void)rq;
	(void)arg;
	return true;
}

void srv_http_job_finished(void *http, const char *id)
{
	if (http) resume_where(http, pick_job, id);
}

void srv_http_expire_waiters(srv_http *h, double now_mono_ms)
{
	resume_where(h, pick_expired, &now_mono_ms);
}

void srv_http_wake_all(srv_http *h)
{
	pthread_mutex_lock(&h->wlock);
	h->quiesced = true; /* no new waits from now on */
	pthread_mutex_unlock(&h->wlock);
	resume_where(h, pick_all, NULL);
}

int srv_http_active(srv_http *h)
{
	return atomic_load(&h->active);
}

/* ------------------------------------------------------------ dispatch */

static enum MHD_Result dispatch(srv_app *app, srv_request *rq)
{
	bool get = !strcmp(rq->method, "GET") || rq->head;
	switch (rq->match.route) {
	case SRV_R_JOBS:
		return get ? srv_jobs_get_list(app, rq) : srv_jobs_post(app, rq);
	case SRV_R_JOB:
		return get ? srv_job_get(app, rq) : srv_job_delete(app, rq);
	case SRV_R_JOB_RESULT:
		return srv_job_result(app, rq);
	case SRV_R_GENERATE:
		return srv_generate(app, rq);
	case SRV_R_TILESETS:
		return get ? srv_assets_get_list(app, rq, SRV_ASSET_TILESET)
		           : srv_assets_post(app, rq, SRV_ASSET_TILESET);
	case SRV_R_TILESET:
		return get ? srv_asset_get(app, rq, SRV_ASSET_TILESET)
		           : srv_asset_delete(app, rq, SRV_ASSET_TILESET);
	case SRV_R_SAMPLES:
		return get ? srv_assets_get_list(app, rq, SRV_ASSET_SAMPLE)
		           : srv_assets_post(app, rq, SRV_ASSET_SAMPLE);
	case SRV_R_SAMPLE:
		return get ? srv_asset_get(app, rq, SRV_ASSET_SAMPLE)
		           : srv_asset_delete(app, rq, SRV_ASSET_SAMPLE);
	case SRV_R_LIBRARY:
		return srv_library_list(app, rq);
	case SRV_R_LIBRARY_ENTRY:
		return srv_library_entry(app, rq);
	case SRV_R_MODELS:
		return get ? srv_models_get_list(app, rq) : srv_models_post_train(app, rq);
	case SRV_R_MODELS_RELOAD:
		return srv_models_post_reload(app, rq);
	case SRV_R_MODEL:
		return srv_model_get(app, rq);
	case SRV_R_HEALTHZ:
		return srv_ops_healthz(app, rq);
	case SRV_R_READYZ:
		return srv_ops_readyz(app, rq);
	case SRV_R_METRICS:
		return srv_ops_metrics(app, rq);
	case SRV_R_OPENAPI:
		return srv_ops_openapi(app, rq);
	default:
		break;
	}
	srv_problem p;
	srv_problem_set(&p, 404, "not-found", NULL, "no route for %s", rq->path);
	return srv_reply_problem(rq, &p);
}

typedef struct {
	srv_header_scan scan;
	bool bad_field; /* a field name that is not a token, a value with NUL/CR/LF */
} header_walk;

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 9112 5.1, RFC 9110 5.5: "Name : value" (which libmicrohttpd trims
 * and passes on) and CR/LF in a value are a 400. A NUL cannot be caught
 * here: libmicrohttpd 0.9.75 cuts the value at it (value_size stops there). */
static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	header_walk *w = cls;
	if (key_size == 0) w->bad_field = true;
	for (size_t i = 0; i < key_size; i++)
		if (!is_tchar((unsigned char)key[i])) w->bad_field = true;
	for (size_t i = 0; value && i < value_size; i++)
		if (value[i] == '\0' || value[i] == '\r' || value[i] == '\n') w->bad_field = true;
	srv_header_scan_add(&w->scan, key, value);
	return MHD_YES;
}

/* Media types a route's body may have; NULL for routes without a body. */
static bool media_ok(srv_route_id r, const char *ct)
{
	if (r == SRV_R_SAMPLES && srv_media_type_is(ct, "image/png")) return true;
	if (r == SRV_R_MODELS_RELOAD) return true; /* no body */
	return srv_media_type_is(ct, "application/json");
}

/* First call: everything that can be decided from the headers. Returns
 * true when a response was queued. */
static bool check_headers(srv_app *app, srv_request *rq, enum MHD_Result *ret)
{
	srv_problem p;
	header_walk walk = {.bad_field = false};
	srv_header_scan_init(&walk.scan);
	MHD_get_connection_values_n(rq->conn, MHD_HEADER_KIND, scan_header, &walk);
	const srv_header_scan scan = walk.scan;
	int status = srv_header_framing(&scan, &p);
	if (!status && walk.bad_field)
		status = srv_problem_set(&p, 400, "malformed", NULL,
		                         "a header field name is not a token, or a value holds a "
		                         "NUL, CR or LF");
	if (!status) {
		int code = srv_route(rq->head ? "GET" : rq->method, rq->path, &rq->match);
		if (code == 404)
			status = srv_problem_set(&p, 404, "not-found", NULL, "no route for %s",
			                         rq->path);
		else if (code == 405)
			status = srv_problem_set(&p, 405, "method-not-allowed", NULL,
			                         "%s does not accept %s",
			                         srv_route_name(rq->match.route), rq->method);
	}
	/* --metrics off: as if there were no such route */
	if (!status && rq->match.route == SRV_R_METRICS && app->cfg.metrics == SRV_METRICS_OFF)
		status = srv_problem_set(&p, 404, "not-found", NULL,
		                         "/metrics is turned off on this server (--metrics off)");
	bool needs_key = srv_route_is_v1(rq->match.route) ||
	                 (rq->match.route == SRV_R_METRICS && app->cfg.metrics == SRV_METRICS_KEY);
	if (!status && app->auth && needs_key &&
	    !srv_auth_check(app->auth, srv_request_header(rq, MHD_HTTP_HEADER_AUTHORIZATION)))
		status = srv_problem_set(&p, 401, "unauthorized", NULL,
		                         "this server needs an API key: send Authorization: Bearer "
		                         "<key>");
	bool has_body =
	    scan.transfer_encoding || (scan.content_length && strcmp(scan.first_cl, "0"));
	bool wants_body = !strcmp(rq->method, "POST");
	if (!status && has_body && scan.content_length) {
		unsigned long long n = strtoull(scan.first_cl, NULL, 10);
		if (n > app->cfg.max_body)
			status =
			    srv_problem_set(&p, 413, "too-large", NULL,
			                    "the body is %llu bytes; this server takes at most %zu",
			                    n, app->cfg.max_body);
	}
	if (!status && wants_body &&
	    !media_ok(rq->match.route, srv_request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		const char *ct = srv_request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
		status = srv_problem_set(&p, 415, "unsupported-media-type", NULL,
		                         "%s takes %s, not %s", srv_route_name(rq->match.route),
		                         rq->match.route == SRV_R_SAMPLES
		                             ? "application/json or image/png"
		                             : "application/json",
		                         ct ? ct : "a body without Content-Type");
	}
	if (!status) return false;
	*ret = srv_reply_problem(rq, &p);
	return true;
}

static bool append_body(srv_app *app, srv_request *rq, const char *data, size_t size)
{
	if (rq->too_large) {
		rq->discarded += size;
		return rq->discarded <= DISCARD_MAX;
	}
	if (size > app->cfg.max_body - rq->body_len) {
		rq->too_large = true;
		free(rq->body);
		rq->body = NULL;
		rq->body_len = rq->body_cap = 0;
		rq->discarded = size;
		return true;
	}
	if (rq->body_len + size + 1 > rq->body_cap) {
		size_t cap = rq->body_cap ? rq->body_cap : 4096;
		while (cap < rq->body_len + size + 1)
			cap *= 2;
		char *b = realloc(rq->body, cap);
		if (!b) return false;
		rq->body = b;
		rq->body_cap = cap;
	}
	memcpy(rq->body + rq->body_len, data, size);
	rq->body_len += size;
	rq->body[rq->body_len] = '\0';
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	srv_http *h = cls;
	srv_app *app = h->app;
	srv_request *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq) return MHD_NO;
		*con_cls = rq;
		atomic_fetch_add(&h->active, 1);
		rq->conn = conn;
		rq->app = app;
		rq->http = h;
		rq->t0 = srv_mono_ms();
		rq->match.route = SRV_R_UNMATCHED;
		snprintf(rq->method, sizeof rq->method, "%s", method);
		rq->head = !strcmp(method, "HEAD");
		rq->path = strdup(url ? url : "/");
		if (!rq->path) return MHD_NO;
		enum MHD_Result ret = MHD_YES;
		if (check_headers(app, rq, &ret)) return ret;
		return MHD_YES;
	}
	if (rq->responded) { /* answered from the headers: drop the body */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		bool ok = append_body(app, rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	if (rq->too_large) {
		srv_problem p;
		srv_problem_set(&p, 413, "too-large", NULL,
		                "the body is over this server's limit of %zu bytes",
		                app->cfg.max_body);
		return srv_reply_problem(rq, &p);
	}
	if (rq->waiting) return MHD_YES; /* spurious call while suspended */
	return dispatch(app, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	srv_http *h = cls;
	srv_request *rq = *con_cls;
	if (!rq) return;
	*con_cls = NULL;
	double ms = srv_mono_ms() - rq->t0;
	srv_metrics_request(h->app->metrics, rq->match.route, rq->status, ms / 1e3);

	char remote[INET6_ADDRSTRLEN] = "";
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			          &((const struct sockaddr_in *)(const void *)sa)->sin_addr, remote,
			          sizeof remote);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			          remote, sizeof remote);
	}
	char when[SRV_TIME_TEXT];
	srv_time_format(srv_now_ms(), when);
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b,
	               "{\"time\":\"%s\",\"event\":\"request\",\"remote\":\"%s\",\"method\":", when,
	               remote);
	srv_buf_json_str(&b, rq->method);
	srv_buf_puts(&b, ",\"path\":");
	srv_buf_json_str(&b, rq->path);
	srv_buf_printf(&b, ",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,\"durationMs\":%.2f",
	               srv_route_name(rq->match.route), rq->status, rq->bytes_out, ms);
	if (rq->job_id[0]) srv_buf_printf(&b, ",\"job\":\"%s\"", rq->job_id);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		srv_buf_printf(&b, ",\"terminated\":%d", (int)toe);
	srv_buf_puts(&b, "}");
	size_t len = b.len;
	char *line = srv_buf_take(&b);
	if (line) srv_log_access(h->app->log, line, len);
	free(line);

	free(rq->body);
	free(rq->path);
	free(rq);
	atomic_fetch_sub(&h->active, 1);
}

/* ------------------------------------------------------------ lifecycle */

int srv_http_start(srv_app *app, srv_http **out, int *port, char *err, size_t err_size)
{
	*out = NULL;
	srv_http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	h->app = app;
	pthread_mutex_init(&h->wlock, NULL);
	atomic_init(&h->active, 0);

	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, app->cfg.bind, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)app->cfg.port);
	} else if (inet_pton(AF_INET6, app->cfg.bind, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)app->cfg.port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, err_size, "--bind: '%s' is not an IPv4 or IPv6 address",
		         app->cfg.bind);
		pthread_mutex_destroy(&h->wlock);
		free(h);
		return -1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = app->cfg.http_threads > 0 ? (unsigned)app->cfg.http_threads
	                   : cores > 2               ? (unsigned)cores
	                                             : 2u;
	/* slow clients: an address holding its share of connections is refused
	 * more (a slowloris from one address cannot starve the others), and an
	 * idle connection is closed after --conn-timeout */
	unsigned per_ip = app->cfg.max_conns_per_ip > 0 ? (unsigned)app->cfg.max_conns_per_ip
	                                                : (unsigned)SRV_DEFAULT_CONNS_PER_IP;
	int64_t tms =
	    app->cfg.conn_timeout_ms > 0 ? app->cfg.conn_timeout_ms : SRV_DEFAULT_CONN_TIMEOUT_MS;
	unsigned timeout_s = (unsigned)((tms + 999) / 1000);
	h->daemon = MHD_start_daemon(
	    flags, (uint16_t)app->cfg.port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONNECTION_MEMORY, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, err_size, "cannot listen on %s port %d (in use, or not allowed)",
		         app->cfg.bind, app->cfg.port);
		pthread_mutex_destroy(&h->wlock);
		free(h);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = di ? di->port : app->cfg.port;
	*out = h;
	return 0;
}

void srv_http_stop(srv_http *h)
{
	if (!h) return;
	srv_http_wake_all(h);
	if (h->daemon) MHD_stop_daemon(h->daemon);
	pthread_mutex_destroy(&h->wlock);
	free(h);
}
