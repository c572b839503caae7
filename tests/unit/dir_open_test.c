/* dir_open_test.c - rl_dir_open's specs, and lookups that need no server:
 * tables Postfix never queries for a bare domain, keys that are no domain,
 * a server that is not there (ERROR at once, never NOT_FOUND). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "directory.h"

static char dir[] = "/tmp/dir_open_test-XXXXXX";
static char path[64];
static struct rl_diag diag;

static const char *spec(const char *type, const char *text)
{
	static char s[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/t.cf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	snprintf(s, sizeof s, "%s:%s", type, path);
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_specs(void **state)
{
	static const char *const bad[] = {"sqlite:/etc/x.cf", "pgsql:relative.cf",
	                                  "pgsql", "proxy:", "hash:/etc/postfix/x",
	                                  "ldapx:/x.cf"};
	struct rl_dir *d;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rl_diag_init(&diag);
		assert_null(rl_dir_open(bad[i], 0, &diag));
		assert_int_equal(diag.n, 1);
	}
	rl_diag_init(&diag);
	d = rl_dir_open(spec("proxy:pgsql", "dbname = d\nquery = SELECT 1 WHERE '%s'=''\n"),
	                0, &diag);
	assert_non_null(d);
	assert_string_equal(rl_dir_spec(d), strchr(spec("proxy:pgsql", ""), ':') + 1);
	assert_null(rl_dir_never_why(d));
	rl_dir_free(d);
	/* A .cf error names the file and line. */
	rl_diag_init(&diag);
	assert_null(rl_dir_open(spec("ldap", "search_base = x\nbogus = 1\n"), 0, &diag));
	assert_non_null(strstr(diag.msg[0], ":2: unknown ldap_table(5) key"));
}

/* No query at all: hosts = 127.0.0.1:1 would answer ERROR if asked. */
static void test_never_and_not_domains(void **state)
{
	struct rl_dir *d;
	char why[RL_DIR_WHY_MAX];

	(void)state;
	rl_diag_init(&diag);
	d = rl_dir_open(spec("pgsql", "hosts = 127.0.0.1:1\ndbname = d\n"
	                     "query = SELECT 1 WHERE '%s'=''\ndomain = example.com\n"),
	                1, &diag);
	assert_non_null(d);
	assert_non_null(rl_dir_never_why(d));
	assert_int_equal(rl_dir_lookup(d, "example.com", why, sizeof why),
	                 RL_DIR_NOT_FOUND);
	assert_non_null(strstr(why, "domain"));
	rl_dir_free(d);
	d = rl_dir_open(spec("mysql", "hosts = 127.0.0.1:1\ndbname = d\n"
	                     "query = SELECT 1 WHERE '%s'=''\n"), 1, &diag);
	assert_non_null(d);
	static const char *const not_domains[] = {"", "a b.example", "u@example.com",
	                                          "tab\t.example", "x\x7f.example"};
	for (size_t i = 0; i < sizeof not_domains / sizeof not_domains[0]; i++)
		assert_int_equal(rl_dir_lookup(d, not_domains[i], why, sizeof why),
		                 RL_DIR_NOT_FOUND);
	rl_dir_free(d);
}

/* Nothing listens on port 1: ERROR, quickly, and the next lookups do not
 * retry the connection for RL_DIR_RETRY_SECONDS. */
static void test_server_absent(void **state)
{
	static const char *const types[] = {"pgsql", "mysql", "ldap"};
	static const char *const texts[] = {
		"hosts = 127.0.0.1:1\ndbname = d\nquery = SELECT 1 WHERE '%s'=''\n",
		"hosts = 127.0.0.1:1\ndbname = d\nquery = SELECT 1 WHERE '%s'=''\n",
		"server_host = ldap://127.0.0.1:1\nsearch_base = dc=x\nbind = no\n",
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char why[RL_DIR_WHY_MAX];
		struct rl_dir *d;
		double t0;

		rl_diag_init(&diag);
		d = rl_dir_open(spec(types[i], texts[i]), 2, &diag);
		assert_non_null(d);
		t0 = now_s();
		assert_int_equal(rl_dir_lookup(d, "example.com", why, sizeof why),
		                 RL_DIR_ERROR);
		assert_true(now_s() - t0 < 2.5);
		assert_true(strlen(why) > 0);
		t0 = now_s();
		assert_int_equal(rl_dir_probe(d, why, sizeof why), RL_DIR_ERROR);
		assert_non_null(strstr(why, "no new connection"));
		assert_true(now_s() - t0 < 0.5);
		rl_dir_free(d);
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_never_and_not_domains),
		cmocka_unit_test(test_server_absent),
	};

	return cmocka_run_group_tests_name("dir_open", tests, setup, teardown);
}
