/*
 * test_srv_redis.c - the Redis backend's pure parts: addresses
 * (server/redis.c) and the flags that select it (--queue, --role,
 * --visibility-timeout in server/config.c). The backend against a live
 * redis-server is tested by scripts/test-redis.sh (`make test-redis`).
 */
#include "../server/config.h"
#include "../server/redis.h"

#include <criterion/criterion.h>
#include <string.h>

static srv_redis_addr parse_ok(const char *url)
{
	srv_redis_addr a;
	char err[256] = "";
	cr_assert(srv_redis_addr_parse(url, &a, err, sizeof err), "'%s' refused: %s", url, err);
	return a;
}

static void parse_bad(const char *url, const char *why)
{
	srv_redis_addr a;
	char err[256] = "";
	cr_assert_not(srv_redis_addr_parse(url, &a, err, sizeof err), "'%s' accepted",
	              url ? url : "(null)");
	cr_assert(strstr(err, why), "'%s': message '%s' does not say '%s'", url ? url : "(null)",
	          err, why);
}

Test(redis_addr, tcp_with_and_without_port)
{
	srv_redis_addr a = parse_ok("redis://cache.internal:7000");
	cr_assert_not(a.unix_socket);
	cr_assert_str_eq(a.host, "cache.internal");
	cr_assert_eq(a.port, 7000);
	a = parse_ok("redis://10.0.0.5");
	cr_assert_str_eq(a.host, "10.0.0.5");
	cr_assert_eq(a.port, SRV_REDIS_DEFAULT_PORT);
	a = parse_ok("redis://[::1]:6380/0");
	cr_assert_str_eq(a.host, "::1");
	cr_assert_eq(a.port, 6380);
}

Test(redis_addr, unix_sockets)
{
	srv_redis_addr a = parse_ok("unix:/run/redis/redis.sock");
	cr_assert(a.unix_socket);
	cr_assert_str_eq(a.host, "/run/redis/redis.sock");
	a = parse_ok("/tmp/r.sock");
	cr_assert(a.unix_socket);
	cr_assert_str_eq(a.host, "/tmp/r.sock");
	a = parse_ok("./r.sock");
	cr_assert(a.unix_socket);
}

Test(redis_addr, bad_addresses_say_why)
{
	parse_bad(NULL, "empty");
	parse_bad("", "empty");
	parse_bad("http://x:80", "not a Redis address");
	parse_bad("localhost:6379", "not a Redis address");
	parse_bad("redis://:6379", "host");
	parse_bad("redis://h:0", "port");
	parse_bad("redis://h:65536", "port");
	parse_bad("redis://h:12ab", "port");
	parse_bad("redis://h:", "port");
	parse_bad("redis://[::1", "unterminated");
	parse_bad("redis://h:6379/3", "database 0");
	parse_bad("unix:", "socket path");
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static const char *worker_env(const char *name)
{
	if (!strcmp(name, "WFCD_ROLE")) return "worker";
	if (!strcmp(name, "WFCD_QUEUE")) return "unix:/tmp/r.sock";
	return NULL;
}

Test(redis_config, defaults_are_in_process)
{
	srv_config c;
	srv_config_defaults(&c);
	cr_assert_null(c.queue_url);
	cr_assert_eq(c.role, SRV_ROLE_ALL);
	cr_assert_eq(c.visibility_ms, SRV_DEFAULT_VISIBILITY_MS);
}

Test(redis_config, flags_and_variables)
{
	srv_config c;
	char err[256] = "";
	char *argv[] = {"wfcd", "--queue", "redis://r:6379", "--role=api", "--visibility-timeout",
	                "2s"};
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 6, argv, no_env, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(c.queue_url, "redis://r:6379");
	cr_assert_eq(c.role, SRV_ROLE_API);
	cr_assert_eq(c.visibility_ms, 2000);

	char *none[] = {"wfcd"};
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 1, none, worker_env, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c.role, SRV_ROLE_WORKER);
	cr_assert_str_eq(c.queue_url, "unix:/tmp/r.sock");
}

Test(redis_config, roles_need_a_shared_queue)
{
	srv_config c;
	char err[256] = "";
	char *api[] = {"wfcd", "--role", "api"};
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 3, api, no_env, err, sizeof err), -1);
	cr_assert(strstr(err, "--queue"), "%s", err);

	char *bad[] = {"wfcd", "--queue", "unix:/x", "--role", "scheduler"};
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 5, bad, no_env, err, sizeof err), -1);
	cr_assert(strstr(err, "--role"), "%s", err);

	char *zero[] = {"wfcd", "--queue", "unix:/x", "--visibility-timeout", "0"};
	srv_config_defaults(&c);
	cr_assert_eq(srv_config_parse(&c, 5, zero, no_env, err, sizeof err), -1,
	             "a zero visibility timeout would reclaim every running job");
}
