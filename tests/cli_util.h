/*
 * cli_util.h - runs the `wfc` binary (WFC_CLI, set by the Makefile) from
 * tests and captures its exit code, stdout and stderr; makes temp dirs.
 */
#ifndef CLI_UTIL_H
#define CLI_UTIL_H

#include "testutil.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct {
	int code; /* exit code, or -1 when it did not exit normally */
	char out[65536];
	char err[8192];
} cli_result;

static inline void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
	buf[n] = '\0';
	if (f) fclose(f);
}

/* args: NULL-terminated, without the program name. */
static inline void run_cli(cli_result *r, const char *const *args)
{
	const char *cli = getenv("WFC_CLI");
	if (!cli || access(cli, X_OK) != 0)
		cr_skip_test("WFC_CLI does not name the wfc binary (run through make test)");
	const char *argv[64] = {cli};
	int n = 1;
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	char out_path[] = "/tmp/wfc-cli-out-XXXXXX", err_path[] = "/tmp/wfc-cli-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	cr_assert(out_fd >= 0 && err_fd >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, cli, &fa, NULL, (char *const *)argv, environ), 0);
	int status;
	waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out_fd);
	close(err_fd);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out_path, r->out, sizeof r->out);
	slurp(err_path, r->err, sizeof r->err);
	unlink(out_path);
	unlink(err_path);
}

/* A fresh directory under /tmp; path is written into dir (>= 64 bytes). */
static inline void make_temp_dir(char *dir)
{
	strcpy(dir, "/tmp/wfc-test-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static inline void write_file(const char *dir, const char *name, const void *data, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert(f, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

#endif
