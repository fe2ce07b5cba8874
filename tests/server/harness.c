/* harness.c - see harness.h. */
#include "harness.h"

#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* wfcd starts in milliseconds; prism (node) takes a few seconds, more on a
 * loaded 2-core machine running tests in parallel. */
#define IT_WFCD_START_MS 15000
#define IT_PRISM_START_MS 60000
#define IT_DEFAULT_TIMEOUT_MS 40000

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static const char *wfcd_bin(void)
{
	return env_or("WFCD_BIN", "build/wfcd");
}

static const char *prism_bin(void)
{
	return env_or("WFCD_PRISM", "tools/contract/node_modules/.bin/prism");
}

bool it_have_prism(void)
{
	return access(prism_bin(), X_OK) == 0;
}

const char *it_library_dir(void)
{
	static char dir[512];
	const char *env = getenv("WFCD_LIBRARY");
	if (env && *env) return env;
	struct stat st;
	if (stat("library/samples.xml", &st) == 0) return "library";
	const char *shared = env_or("WFC_SHARED", "../shared");
	snprintf(dir, sizeof dir, "%s/corpus", shared);
	char probe[600];
	snprintf(probe, sizeof probe, "%s/samples.xml", dir);
	return stat(probe, &st) == 0 ? dir : NULL;
}

void it_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last `n` bytes of a log, for failure messages. */
static const char *log_tail(const char *path, size_t n)
{
	static char buf[4096];
	if (n >= sizeof buf) n = sizeof buf - 1;
	buf[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f) return "(no log)";
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)n ? size - (long)n : 0, SEEK_SET);
	size_t got = fread(buf, 1, n, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

char *it_read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)size + 1);
	size_t got = buf ? fread(buf, 1, (size_t)size, f) : 0;
	if (buf) buf[got] = '\0';
	fclose(f);
	return buf;
}

/* fork + exec with stdout and stderr to log. The child dies with the
 * process that started it (PR_SET_PDEATHSIG), so a test that fails
 * half-way leaves no server behind. */
static pid_t spawn(const char *const *argv, const char *log, char *err, size_t err_size)
{
	/* Keep the previous run's log (a restart) and start a fresh one before
	 * the fork, so wait_port can never read the old run's port. */
	char prev[256];
	snprintf(prev, sizeof prev, "%s.prev", log);
	rename(log, prev);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", log, strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_size, "fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) _exit(126);
		int null = open("/dev/null", O_RDONLY);
		if (fd < 0 || null < 0) _exit(126);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(null);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid;
}

/* Waits for `marker` in the log and reads the port that follows `port_key`
 * on the same line. */
static int wait_port(pid_t pid, const char *log, const char *marker, const char *port_key,
                     int timeout_ms, char *err, size_t err_size)
{
	long long deadline = now_ms() + timeout_ms;
	while (now_ms() < deadline) {
		char *text = it_read_text(log);
		char *m = text ? strstr(text, marker) : NULL;
		if (m) {
			char *eol = strchr(m, '\n');
			char *p = strstr(m, port_key);
			if (p && (!eol || p < eol)) {
				int port = atoi(p + strlen(port_key));
				free(text);
				if (port > 0) return port;
				snprintf(err, err_size, "bad port after '%s' in %s", port_key, log);
				return -1;
			}
		}
		free(text);
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			snprintf(err, err_size, "exited (status %d) before listening; log:\n%s",
			         status, log_tail(log, 1500));
			return -1;
		}
		it_sleep_ms(25);
	}
	snprintf(err, err_size, "not listening after %d ms; log:\n%s", timeout_ms,
	         log_tail(log, 1500));
	return -1;
}

static void kill_wait(pid_t pid, int sig, int timeout_ms, int *status)
{
	kill(pid, sig);
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD)) return;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			*status = -1;
			return;
		}
		it_sleep_ms(10);
	}
}

/* Starts wfcd (and prism when available); -1 with a message in err, or -2
 * when the binary is missing (a skip, not a failure). */
static int launch(it_server *s, char *err, size_t err_size)
{
	if (access(wfcd_bin(), X_OK) != 0) {
		snprintf(err, err_size,
		         "WFCD_BIN (%s) is not the wfcd binary: run through `make test-server`",
		         wfcd_bin());
		return -2;
	}
	if (!s->dir[0]) {
		strcpy(s->dir, "/tmp/wfcd-it-XXXXXX");
		if (!mkdtemp(s->dir)) {
			snprintf(err, err_size, "mkdtemp: %s", strerror(errno));
			return -1;
		}
	}
	snprintf(s->data_dir, sizeof s->data_dir, "%s/data", s->dir);
	snprintf(s->log, sizeof s->log, "%s/wfcd.log", s->dir);
	snprintf(s->prism_log, sizeof s->prism_log, "%s/prism.log", s->dir);
	char access_log[128];
	snprintf(access_log, sizeof access_log, "%s/access.log", s->dir);

	const char *argv[2 * IT_MAX_ARGS + 16];
	int n = 0;
	argv[n++] = wfcd_bin();
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--data-dir";
	argv[n++] = s->data_dir;
	argv[n++] = "--log";
	argv[n++] = access_log;
	const char *lib = s->library ? s->library : it_library_dir();
	if (lib) {
		argv[n++] = "--library";
		argv[n++] = lib;
	}
	argv[n++] = "--openapi";
	argv[n++] = env_or("WFCD_OPENAPI", "openapi.yaml");
	for (int i = 0; s->args[i] && i < IT_MAX_ARGS - 1; i++)
		argv[n++] = s->args[i];
	argv[n] = NULL;

	s->pid = spawn(argv, s->log, err, err_size);
	if (s->pid < 0) return -1;
	s->port = wait_port(s->pid, s->log, "\"event\":\"listening\"",
	                    "\"port\":", IT_WFCD_START_MS, err, err_size);
	if (s->port < 0) {
		int st;
		kill_wait(s->pid, SIGKILL, 1000, &st);
		s->pid = 0;
		return -1;
	}
	s->prism_pid = 0;
	s->prism_port = 0;
	if (!it_have_prism()) return 0;

	char upstream[64];
	snprintf(upstream, sizeof upstream, "http://127.0.0.1:%d", s->port);
	const char *pargv[] = {prism_bin(),    "proxy", "--errors",
	                       "--cors=false", "-h",    "127.0.0.1",
	                       "-p",           "0",     env_or("WFCD_OPENAPI", "openapi.yaml"),
	                       upstream,       NULL};
	s->prism_pid = spawn(pargv, s->prism_log, err, err_size);
	if (s->prism_pid < 0) return -1;
	s->prism_port = wait_port(s->prism_pid, s->prism_log, "listening on http://",
	                          "http://127.0.0.1:", IT_PRISM_START_MS, err, err_size);
	if (s->prism_port < 0) {
		int st;
		kill_wait(s->prism_pid, SIGKILL, 1000, &st);
		kill_wait(s->pid, SIGKILL, 1000, &st);
		s->prism_pid = s->pid = 0;
		return -1;
	}
	return 0;
}

void it_require_server(void)
{
	if (access(wfcd_bin(), X_OK) != 0)
		cr_skip_test("WFCD_BIN (%s) is not the wfcd binary: run through `make test-server`",
		             wfcd_bin());
}

void it_start(it_server *s, const char *const *extra)
{
	if (extra && extra != s->args) {
		int i = 0;
		for (; extra[i] && i < IT_MAX_ARGS - 1; i++)
			s->args[i] = extra[i];
		s->args[i] = NULL;
	}
	char err[2048];
	int rc = launch(s, err, sizeof err);
	if (rc == -2) cr_skip_test("%s", err);
	cr_assert_eq(rc, 0, "starting wfcd: %s", err);
}

int it_stop(it_server *s, int sig, int timeout_ms)
{
	int status = 0, code = 0;
	if (s->pid > 0) {
		kill_wait(s->pid, sig, timeout_ms, &status);
		code = status == -1          ? -1
		       : WIFEXITED(status)   ? WEXITSTATUS(status)
		       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
		                             : -1;
		s->pid = 0;
	}
	if (s->prism_pid > 0) {
		int st;
		kill_wait(s->prism_pid, SIGTERM, 5000, &st);
		s->prism_pid = 0;
	}
	return code;
}

int it_listening_field(const it_server *s, const char *key)
{
	char *text = it_read_text(s->log);
	if (!text) return -1;
	char *line = NULL;
	for (char *p = strstr(text, "\"event\":\"listening\""); p;
	     p = strstr(p + 1, "\"event\":\"listening\""))
		line = p;
	char pat[96];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	char *f = line ? strstr(line, pat) : NULL;
	char *eol = line ? strchr(line, '\n') : NULL;
	int v = f && (!eol || f < eol) ? atoi(f + strlen(pat)) : -1;
	free(text);
	return v;
}

void it_restart(it_server *s)
{
	int code = it_stop(s, SIGTERM, 20000);
	cr_assert_eq(code, 0, "wfcd exited with %d on SIGTERM; log:\n%s", code,
	             log_tail(s->log, 1500));
	it_start(s, s->args);
}

void it_destroy(it_server *s)
{
	it_stop(s, SIGKILL, 5000);
	if (s->dir[0] && strncmp(s->dir, "/tmp/wfcd-it-", 13) == 0) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
		if (system(cmd) != 0) {
		}
	}
	s->dir[0] = '\0';
}

/* ---- The shared server: started in the runner, found by the tests ---- */

static it_server shared_srv;

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	char err[2048];
	int rc = launch(&shared_srv, err, sizeof err);
	if (rc != 0) {
		char msg[2100];
		snprintf(msg, sizeof msg, "%s%s", rc == -2 ? "skip:" : "", err);
		setenv("WFCD_IT_SHARED_ERR", msg, 1);
		return;
	}
	char desc[256];
	snprintf(desc, sizeof desc, "%d %d %s", shared_srv.port, shared_srv.prism_port,
	         shared_srv.dir);
	setenv("WFCD_IT_SHARED", desc, 1);
	if (!it_have_prism())
		fprintf(stderr,
		        "server-tests: prism not found at %s: requests go straight to wfcd "
		        "and are NOT checked against openapi.yaml "
		        "(scripts/contract-tools.sh installs it)\n",
		        prism_bin());
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	if (shared_srv.pid > 0) {
		int code = it_stop(&shared_srv, SIGTERM, 20000);
		if (code != 0)
			fprintf(stderr,
			        "server-tests: the shared wfcd exited with %d; its log is %s\n",
			        code, shared_srv.log);
		else
			it_destroy(&shared_srv);
	}
}

const it_server *it_shared(void)
{
	static it_server s;
	const char *e = getenv("WFCD_IT_SHARED_ERR");
	if (e && strncmp(e, "skip:", 5) == 0) cr_skip_test("%s", e + 5);
	cr_assert(!e, "the shared wfcd did not start: %s", e);
	const char *d = getenv("WFCD_IT_SHARED");
	cr_assert(d, "WFCD_IT_SHARED is not set (the PRE_ALL hook did not run)");
	if (!s.port) {
		cr_assert_eq(sscanf(d, "%d %d %63s", &s.port, &s.prism_port, s.dir), 3);
		snprintf(s.log, sizeof s.log, "%s/wfcd.log", s.dir);
		snprintf(s.prism_log, sizeof s.prism_log, "%s/prism.log", s.dir);
		snprintf(s.data_dir, sizeof s.data_dir, "%s/data", s.dir);
	}
	return &s;
}

/* ---- Requests ---- */

static bool has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);
	for (const char *const *h = headers; h && *h; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':') return true;
	return false;
}

void it_call(const it_server *s, http_response *rs, const char *method, const char *target,
             const it_opts *o)
{
	static const it_opts none;
	if (!o) o = &none;
	bool via_prism = !o->direct && s->prism_port > 0;
	const char *hdrs[48];
	char auth[128], ctype[160];
	int n = 0;
	for (const char *const *h = o->headers; h && *h && n < 40; h++)
		hdrs[n++] = *h;
	cr_assert(!o->no_accept || !via_prism,
	          "no_accept needs .direct: prism sends its own Accept");
	if (!has_header(o->headers, "Accept") && !o->no_accept) hdrs[n++] = "Accept: */*";
	if (s->key[0] && !o->no_auth && !has_header(o->headers, "Authorization")) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->key);
		hdrs[n++] = auth;
	}
	if (o->body && !has_header(o->headers, "Content-Type")) {
		snprintf(ctype, sizeof ctype, "Content-Type: %s",
		         o->content_type ? o->content_type : "application/json");
		hdrs[n++] = ctype;
	}
	hdrs[n] = NULL;
	http_request rq = {
	    .method = method,
	    .target = target,
	    .headers = hdrs,
	    .body = o->body,
	    .body_len = o->body && !o->body_len ? strlen(o->body) : o->body_len,
	    .timeout_ms = o->timeout_ms ? o->timeout_ms : IT_DEFAULT_TIMEOUT_MS,
	};
	char err[256];
	int port = via_prism ? s->prism_port : s->port;
	int rc = http_send(port, &rq, rs, err, sizeof err);
	cr_assert_eq(rc, 0, "%s %s (%s): %s", method, target, via_prism ? "via prism" : "direct",
	             err);
	if (!via_prism) return;
	const char *violations = http_header(rs, "sl-violations");
	cr_assert(!violations, "%s %s -> %d breaks openapi.yaml: %s\nbody: %.600s", method, target,
	          rs->status, violations, rs->body);
	cr_assert(!strstr(rs->body, "\"FetchError\""), "%s %s: prism could not reach wfcd: %s",
	          method, target, rs->body);
	cr_assert(!strstr(rs->body, "https://stoplight.io/prism/errors#"),
	          "%s %s: prism answered %d (the request or the response breaks openapi.yaml): "
	          "%.1500s",
	          method, target, rs->status, rs->body);
}

void it_get(const it_server *s, http_response *rs, const char *target)
{
	it_call(s, rs, "GET", target, NULL);
}

void it_post(const it_server *s, http_response *rs, const char *target, const char *json)
{
	it_opts o = {.body = json};
	it_call(s, rs, "POST", target, &o);
}

void it_delete(const it_server *s, http_response *rs, const char *target)
{
	it_call(s, rs, "DELETE", target, NULL);
}

void it_expect_status(const http_response *rs, int status)
{
	cr_assert_eq(rs->status, status, "expected status %d, got %d; body: %.800s", status,
	             rs->status, rs->body ? rs->body : "");
}

cJSON *it_json(const http_response *rs)
{
	cJSON *j = cJSON_ParseWithLength(rs->body, rs->body_len);
	cr_assert(j, "the body is not JSON (status %d): %.400s", rs->status, rs->body);
	return j;
}

cJSON *it_get_json(const it_server *s, const char *target)
{
	http_response rs;
	it_get(s, &rs, target);
	it_expect_status(&rs, 200);
	cJSON *j = it_json(&rs);
	http_response_free(&rs);
	return j;
}

cJSON *it_problem(const http_response *rs, int status, const char *slug)
{
	it_expect_status(rs, status);
	const char *ct = http_header(rs, "Content-Type");
	cr_assert(ct && strncasecmp(ct, "application/problem+json", 24) == 0,
	          "a %d answer must be application/problem+json, got '%s'", status,
	          ct ? ct : "(none)");
	cJSON *p = it_json(rs);
	char type[128];
	snprintf(type, sizeof type, IT_PROBLEM_BASE "%s", slug);
	cr_assert_str_eq(it_str(p, "type"), type, "problem type; detail: %s", rs->body);
	cr_assert_eq((int)it_num(p, "status"), status, "the problem's status member");
	cr_assert(*it_str(p, "title"), "empty title");
	cr_assert(*it_str(p, "detail"), "empty detail");
	return p;
}

const char *it_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsString(v), "'%s' is not a string member", key);
	return v->valuestring;
}

double it_num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsNumber(v), "'%s' is not a number member", key);
	return v->valuedouble;
}

/* ---- Jobs ---- */

cJSON *it_submit(const it_server *s, const char *json)
{
	http_response rs;
	it_post(s, &rs, "/v1/jobs", json);
	cr_assert(rs.status == 202 || rs.status == 200, "POST /v1/jobs: %d %.800s", rs.status,
	          rs.body);
	cJSON *job = it_json(&rs);
	http_response_free(&rs);
	return job;
}

static bool is_final(const char *status)
{
	return strcmp(status, "queued") != 0 && strcmp(status, "running") != 0;
}

cJSON *it_wait_done(const it_server *s, const char *id, int max_s)
{
	long long deadline = now_ms() + (long long)max_s * 1000;
	for (;;) {
		char target[128];
		int left = (int)((deadline - now_ms() + 999) / 1000);
		snprintf(target, sizeof target, "/v1/jobs/%s?wait=%d", id,
		         left < 1    ? 1
		         : left > 10 ? 10
		                     : left);
		http_response rs;
		it_get(s, &rs, target);
		it_expect_status(&rs, 200);
		cJSON *job = it_json(&rs);
		http_response_free(&rs);
		if (is_final(it_str(job, "status")) || now_ms() >= deadline) return job;
		cJSON_Delete(job);
	}
}

cJSON *it_wait_status(const it_server *s, const char *id, const char *status, int max_s)
{
	long long deadline = now_ms() + (long long)max_s * 1000;
	for (;;) {
		char target[128];
		snprintf(target, sizeof target, "/v1/jobs/%s", id);
		cJSON *job = it_get_json(s, target);
		const char *st = it_str(job, "status");
		if (strcmp(st, status) == 0 || is_final(st) || now_ms() >= deadline) return job;
		cJSON_Delete(job);
		it_sleep_ms(20);
	}
}

/* ---- Specs ---- */

static const char loops_b64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAHCAYAAADEUlfTAAAAPUlEQVQImWP88OHDfwZc4MOHD/"
    "8VFBTgGMb/8OHDfyaYogsXLmBohEsaGBhgSLLg0gWXxKaLgYGBgRGfawFInx6W9ZHiggAAAABJRU5ErkJggg==";

static const unsigned char loops_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x07, 0x08, 0x06, 0x00, 0x00, 0x00, 0xc4,
    0x52, 0x57, 0xd3, 0x00, 0x00, 0x00, 0x3d, 0x49, 0x44, 0x41, 0x54, 0x08, 0x99, 0x63, 0xfc,
    0xf0, 0xe1, 0xc3, 0x7f, 0x06, 0x5c, 0xe0, 0xc3, 0x87, 0x0f, 0xff, 0x15, 0x14, 0x14, 0xe0,
    0x18, 0xc6, 0xff, 0xf0, 0xe1, 0xc3, 0x7f, 0x26, 0x98, 0xa2, 0x0b, 0x17, 0x2e, 0x60, 0x68,
    0x84, 0x4b, 0x1a, 0x18, 0x18, 0x60, 0x48, 0xb2, 0xe0, 0xd2, 0x05, 0x97, 0xc4, 0xa6, 0x8b,
    0x81, 0x81, 0x81, 0x81, 0x11, 0x9f, 0x6b, 0x01, 0x48, 0x9f, 0x1e, 0x96, 0xf5, 0x91, 0xe2,
    0x82, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static char *format_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_alloc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = malloc((size_t)n + 1);
	cr_assert(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Compact JSON on purpose: prism re-serializes JSON bodies, and a body it
 * would rewrite differently must not change what the server sees. */
char *it_beach_spec(int w, int h, const char *extra)
{
	return format_alloc(
	    "{\"model\":\"tiled\",\"name\":\"Beach\",\"tileSize\":2,\"width\":%d,\"height\":%d%s,"
	    "\"tiles\":[{\"name\":\"water\",\"weight\":2,\"color\":\"#2060c0\"},"
	    "{\"name\":\"sand\",\"weight\":0.5,\"color\":\"#e0d090\"},"
	    "{\"name\":\"grass\",\"color\":\"#40a040\"}],"
	    "\"neighbors\":[{\"left\":\"water\",\"right\":\"water\"},"
	    "{\"left\":\"water\",\"right\":\"sand\"},{\"left\":\"sand\",\"right\":\"sand\"},"
	    "{\"left\":\"sand\",\"right\":\"grass\"},{\"left\":\"grass\",\"right\":\"grass\"}]}",
	    w, h, extra ? extra : "");
}

char *it_loops_spec(int w, int h, const char *extra)
{
	return format_alloc(
	    "{\"model\":\"overlapping\",\"name\":\"Loops\",\"width\":%d,\"height\":%d,"
	    "\"periodic\":true%s,\"sample\":\"data:image/png;base64,%s\"}",
	    w, h, extra ? extra : "", loops_b64);
}

unsigned char *it_loops_png(size_t *len)
{
	unsigned char *p = malloc(sizeof loops_png);
	cr_assert(p);
	memcpy(p, loops_png, sizeof loops_png);
	*len = sizeof loops_png;
	return p;
}
