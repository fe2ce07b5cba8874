/*
 * main.c - wfcd: the Wave Function Collapse HTTP service.
 *
 * Parses the configuration (config.h), starts the service (app.h), waits
 * for SIGTERM or SIGINT, drains and exits 0. The signal handler only sets
 * the flag below, the process's one global; everything else happens here,
 * outside the handler.
 */
#include "app.h"
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static const char *env(const char *name)
{
	return getenv(name);
}

int main(int argc, char **argv)
{
	srv_config cfg;
	char err[1024];
	srv_config_defaults(&cfg);
	int rc = srv_config_parse(&cfg, argc, argv, env, err, sizeof err);
	if (rc > 0) {
		fputs(srv_config_usage(), stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "wfcd: %s\n", err);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	srv_app app;
	if (srv_app_start(&app, &cfg, err, sizeof err)) {
		fprintf(stderr, "wfcd: %s\n", err);
		srv_app_destroy(&app);
		return 2;
	}
	while (!stop_requested) {
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	srv_app_drain(&app);
	srv_app_destroy(&app);
	return 0;
}
