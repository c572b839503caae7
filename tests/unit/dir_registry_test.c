/* dir_registry_test.c - one slot per .cf spec, shared and reused across
 * reloads; a new slot (and so an empty cache) when the .cf's content or
 * the settings change; peeks that never query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_registry.h"

static char dir[] = "/tmp/dir_registry_test-XXXXXX";
static char path[64], spec[96], proxied[96];

static void write_cf(const char *query)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "hosts = 127.0.0.1:1\nuser = u\npassword = p\ndbname = d\n"
	        "query = %s\n", query);
	fclose(f);
	chmod(path, 0600);
}

static struct rl_dir_slot *get(const char *s)
{
	struct rl_diag diag;
	struct rl_dir_slot *slot;

	rl_diag_init(&diag);
	slot = rl_dir_slot_get(s, &diag);
	if (!slot)
		fail_msg("%s: %s", s, diag.n ? diag.msg[0] : "?");
	return slot;
}

static void test_shared_and_reused(void **state)
{
	struct rl_dir_slot *a, *b, *c;

	(void)state;
	rl_dir_registry_settings(2, 60);
	write_cf("SELECT 1 WHERE '%s' = 'x'");
	a = get(spec);
	b = get(proxied); /* proxy:pgsql: is the same directory */
	assert_ptr_equal(a, b);
	assert_string_equal(rl_dir_slot_spec(a), spec);
	assert_string_equal(rl_dir_slot_path(a), path);
	rl_dir_slot_put(b);
	c = get(spec); /* a reload while the old config holds it */
	assert_ptr_equal(a, c);
	rl_dir_slot_put(a);
	rl_dir_slot_put(c);
}

static void test_new_slot_on_change(void **state)
{
	struct rl_dir_slot *a, *b, *c;

	(void)state;
	rl_dir_registry_settings(2, 60);
	write_cf("SELECT 1 WHERE '%s' = 'x'");
	a = get(spec);
	write_cf("SELECT 1 WHERE '%s' = 'y'"); /* the .cf changed */
	b = get(spec);
	assert_ptr_not_equal(a, b);
	rl_dir_registry_settings(3, 60); /* lookup_timeout changed */
	c = get(spec);
	assert_ptr_not_equal(b, c);
	rl_dir_slot_put(a);
	rl_dir_slot_put(b);
	rl_dir_slot_put(c);
}

static void test_peek_and_errors(void **state)
{
	struct rl_diag diag;
	struct rl_dir_slot *a;
	struct rl_dir_slot_stats st[4];

	(void)state;
	rl_dir_registry_settings(1, 60);
	write_cf("SELECT 1 WHERE '%s' = 'x'");
	a = get(spec);
	/* Nothing cached: ERROR (451), never a guess, and no query. */
	assert_int_equal(rl_dir_slot_peek(a, "example.com"), RL_DIR_ERROR);
	assert_int_equal(rl_dir_registry_stats(st, 4), 1);
	assert_int_equal(st[0].queries, 0);
	/* Nobody listens on port 1: the lookup fails, nothing is cached. */
	assert_int_equal(rl_dir_slot_warm(a, "example.com"), RL_DIR_ERROR);
	assert_int_equal(rl_dir_slot_peek(a, "example.com"), RL_DIR_ERROR);
	assert_int_equal(rl_dir_registry_stats(st, 4), 1);
	assert_int_equal(st[0].up, 0);
	assert_int_equal(st[0].errors, 1);
	rl_dir_slot_put(a);
	rl_diag_init(&diag);
	assert_null(rl_dir_slot_get("pgsql:/nonexistent/x.cf", &diag));
	assert_true(diag.n > 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/t.cf", dir);
	snprintf(spec, sizeof spec, "pgsql:%s", path);
	snprintf(proxied, sizeof proxied, "proxy:pgsql:%s", path);
	return 0;
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
		cmocka_unit_test(test_shared_and_reused),
		cmocka_unit_test(test_new_slot_on_change),
		cmocka_unit_test(test_peek_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
