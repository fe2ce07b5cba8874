/*
 * test_srv_config.c - wfcd's configuration (server/config.c): defaults,
 * flags in both spellings, WFCD_* variables and their precedence, sizes
 * and durations at their edges, bad values.
 */
#include "../server/config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static const char *some_env(const char *name)
{
	if (!strcmp(name, "WFCD_PORT")) return "9000";
	if (!strcmp(name, "WFCD_DATA_DIR")) return "/tmp/x";
	if (!strcmp(name, "WFCD_RESULT_MEMORY")) return "2M";
	return NULL;
}

static const char *bad_env(const char *name)
{
	return !strcmp(name, "WFCD_WORKERS") ? "many" : NULL;
}

static int parse(srv_config *c, const char *(*env)(const char *), char *err, int n, ...)
{
	char *argv[32] = {"wfcd"};
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	srv_config_defaults(c);
	return srv_config_parse(c, n + 1, argv, env, err, 256);
}

Test(srv_config, defaults)
{
	srv_config c;
	char err[256];
	cr_assert_eq(parse(&c, no_env, err, 0), 0);
	cr_assert_str_eq(c.bind, "127.0.0.1");
	cr_assert_eq(c.port, 8080);
	cr_assert_str_eq(c.data_dir, "./data");
	cr_assert_eq(c.workers, 0, "0 = one per core, resolved at start");
	cr_assert_null(c.library);
	cr_assert_null(c.api_keys);
	cr_assert_eq(c.job_time_limit_ms, 60000);
	cr_assert_eq(c.queue_size, SRV_DEFAULT_QUEUE);
}

Test(srv_config, flags_both_spellings)
{
	srv_config c;
	char err[256];
	cr_assert_eq(parse(&c, no_env, err, 9, "--port", "0", "--bind=::1", "--workers", "3",
	                   "--job-time-limit=1500ms", "--max-body", "1M", "--result-ttl=2h"),
	             0, "%s", err);
	cr_assert_eq(c.port, 0);
	cr_assert_str_eq(c.bind, "::1");
	cr_assert_eq(c.workers, 3);
	cr_assert_eq(c.job_time_limit_ms, 1500);
	cr_assert_eq(c.max_body, 1u << 20);
	cr_assert_eq(c.result_ttl_ms, 2 * 3600 * 1000LL);
}

Test(srv_config, environment_then_flags)
{
	srv_config c;
	char err[256];
	cr_assert_eq(parse(&c, some_env, err, 0), 0);
	cr_assert_eq(c.port, 9000);
	cr_assert_str_eq(c.data_dir, "/tmp/x");
	cr_assert_eq(c.result_memory, 2u << 20);
	cr_assert_eq(parse(&c, some_env, err, 2, "--port", "1234"), 0);
	cr_assert_eq(c.port, 1234, "a flag wins over its variable");
}

Test(srv_config, errors_name_the_option)
{
	srv_config c;
	char err[256];
	cr_assert_eq(parse(&c, no_env, err, 2, "--port", "65536"), -1);
	cr_assert(strstr(err, "--port"), "%s", err);
	cr_assert_eq(parse(&c, no_env, err, 1, "--port"), -1);
	cr_assert(strstr(err, "needs a value"), "%s", err);
	cr_assert_eq(parse(&c, no_env, err, 1, "--frobnicate"), -1);
	cr_assert(strstr(err, "unknown option"), "%s", err);
	cr_assert_eq(parse(&c, no_env, err, 2, "--job-time-limit", "0"), -1);
	cr_assert_eq(parse(&c, no_env, err, 2, "--queue-size", "0"), -1);
	cr_assert_eq(parse(&c, no_env, err, 2, "--max-cells", "4194305"), -1);
	cr_assert_eq(parse(&c, no_env, err, 2, "--data-dir", ""), -1);
	cr_assert_eq(parse(&c, bad_env, err, 0), -1);
	cr_assert(strstr(err, "WFCD_WORKERS"), "%s", err);
	cr_assert_eq(parse(&c, no_env, err, 1, "--help"), 1);
	cr_assert(strstr(srv_config_usage(), "--api-keys"));
}

Test(srv_config, sizes_and_durations)
{
	size_t s;
	int64_t ms;
	cr_assert(srv_parse_size("0", &s) && s == 0);
	cr_assert(srv_parse_size("512", &s) && s == 512);
	cr_assert(srv_parse_size("4K", &s) && s == 4096);
	cr_assert(srv_parse_size("1.5M", &s) && s == 1572864);
	cr_assert(srv_parse_size("2G", &s) && s == 2147483648u);
	cr_assert_not(srv_parse_size("-1", &s));
	cr_assert_not(srv_parse_size("1T", &s));
	cr_assert_not(srv_parse_size("", &s));
	cr_assert_not(srv_parse_size("0.5", &s), "no fractional bytes");
	cr_assert(srv_parse_duration_ms("30", &ms) && ms == 30000);
	cr_assert(srv_parse_duration_ms("250ms", &ms) && ms == 250);
	cr_assert(srv_parse_duration_ms("1.5s", &ms) && ms == 1500);
	cr_assert(srv_parse_duration_ms("2m", &ms) && ms == 120000);
	cr_assert(srv_parse_duration_ms("1h", &ms) && ms == 3600000);
	cr_assert_not(srv_parse_duration_ms("1d", &ms));
	cr_assert_not(srv_parse_duration_ms("ms", &ms));
	cr_assert_not(srv_parse_duration_ms("nan", &ms));
}

static const char *metrics_env(const char *name)
{
	return !strcmp(name, "WFCD_METRICS") ? "off" : NULL;
}

Test(srv_config, metrics_exposure)
{
	srv_config c;
	char err[256];
	cr_assert_eq(parse(&c, no_env, err, 0), 0);
	cr_assert_eq(c.metrics, SRV_METRICS_PUBLIC, "public unless asked");
	cr_assert_eq(parse(&c, no_env, err, 2, "--metrics", "key"), 0, "%s", err);
	cr_assert_eq(c.metrics, SRV_METRICS_KEY);
	cr_assert_eq(parse(&c, no_env, err, 1, "--metrics=off"), 0, "%s", err);
	cr_assert_eq(c.metrics, SRV_METRICS_OFF);
	cr_assert_eq(parse(&c, metrics_env, err, 0), 0);
	cr_assert_eq(c.metrics, SRV_METRICS_OFF);
	cr_assert_eq(parse(&c, no_env, err, 2, "--metrics", "private"), -1);
	cr_assert(strstr(err, "--metrics"), "%s", err);
	cr_assert(strstr(srv_config_usage(), "--metrics"));
}
