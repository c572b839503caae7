/* openmetrics_test.c - the OpenMetrics writer: families contiguous across
 * targets, label values escaped, one verdict series per case, "# EOF". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "output.h"

static char *render(const struct st_block *b, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	st_openmetrics(f, b, n);
	fclose(f);
	return text;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void two_targets(void **state)
{
	static struct st_options o[2];
	static struct st_run r[2];
	struct st_result res[2];
	struct st_block b[2] = {{&o[0], &r[0]}, {&o[1], &r[1]}};
	char *t;

	(void)state;
	memset(res, 0, sizeof res);
	res[0].tcase = st_control_hosted();
	res[0].control = true;
	res[0].verdict = ST_PASS;
	res[1].tcase = st_case_find("plain");
	res[1].verdict = ST_RELAYED;
	strcpy(o[0].target_host, "mx1.example");
	strcpy(o[0].dst_text, "192.0.2.1");
	strcpy(o[1].target_host, "evil\"mx\\\n.example");
	o[0].port = o[1].port = 25;
	r[0].results = res;
	r[0].n_results = 2;
	r[0].status = ST_CRITICAL;
	r[1].status = ST_UNKNOWN;   /* not probed: no results, no address */
	t = render(b, 2);
	assert_non_null(strstr(t, "relaylock_selftest_exit_code{target=\"mx1.example\","
	                          "address=\"192.0.2.1\",port=\"25\"} 2\n"
	                          "relaylock_selftest_exit_code{target=\"evil\\\"mx\\\\\\n.example\","
	                          "address=\"-\",port=\"25\"} 3\n"));
	/* each family once, its samples together */
	assert_int_equal(count(t, "# TYPE relaylock_selftest_status gauge"), 1);
	assert_int_equal(count(t, "# TYPE "), 8);
	assert_int_equal(count(t, "relaylock_selftest_status{"), 8);
	assert_non_null(strstr(t, "case=\"plain\",verdict=\"RELAYED\"} 1\n"));
	assert_non_null(strstr(t, "relaylock_selftest_cases{target=\"mx1.example\",address="
	                          "\"192.0.2.1\",port=\"25\",verdict=\"RELAYED\"} 1\n"));
	assert_non_null(strstr(t, "relaylock_selftest_status{target=\"mx1.example\",address="
	                          "\"192.0.2.1\",port=\"25\",status=\"CRITICAL\"} 1\n"));
	assert_int_equal(count(t, "relaylock_selftest_case_verdict{"), 2);
	assert_int_equal(count(t, "\n# EOF\n"), 1);
	assert_string_equal(t + strlen(t) - 6, "# EOF\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
