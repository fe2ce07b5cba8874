/* log.c - JSON lines on stdout or a file (see log.h). */
#include "log.h"

#include "buf.h"
#include "clock.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

struct srv_log {
	pthread_mutex_t lock;
	FILE *access; /* stdout or an opened file */
	int owns;
};

srv_log *srv_log_open(const char *access_path)
{
	srv_log *l = calloc(1, sizeof *l);
	if (!l) return NULL;
	l->access = stdout;
	if (access_path) {
		l->access = fopen(access_path, "a");
		if (!l->access) {
			free(l);
			return NULL;
		}
		l->owns = 1;
	}
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

void srv_log_close(srv_log *l)
{
	if (!l) return;
	if (l->owns) fclose(l->access);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void write_line(srv_log *l, FILE *f, const char *text, size_t len)
{
	pthread_mutex_lock(&l->lock);
	fwrite(text, 1, len, f);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&l->lock);
}

void srv_log_event(srv_log *l, const char *event, const char *fields_fmt, ...)
{
	char when[SRV_TIME_TEXT];
	srv_time_format(srv_now_ms(), when);
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_printf(&b, "{\"time\":\"%s\",\"event\":", when);
	srv_buf_json_str(&b, event);
	va_list ap;
	va_start(ap, fields_fmt);
	srv_buf_vprintf(&b, fields_fmt, ap);
	va_end(ap);
	srv_buf_puts(&b, "}");
	size_t len = b.len;
	char *line = srv_buf_take(&b);
	if (line && l) write_line(l, stdout, line, len);
	free(line);
}

void srv_log_error(srv_log *l, const char *event, const char *what, const char *message)
{
	if (!l) return;
	srv_buf b;
	srv_buf_init(&b);
	srv_buf_puts(&b, ",\"what\":");
	srv_buf_json_str(&b, what);
	srv_buf_puts(&b, ",\"message\":");
	srv_buf_json_str(&b, message);
	char *f = srv_buf_take(&b);
	if (f) srv_log_event(l, event, "%s", f);
	free(f);
}

void srv_log_access(srv_log *l, const char *json, size_t len)
{
	write_line(l, l->access, json, len);
}
