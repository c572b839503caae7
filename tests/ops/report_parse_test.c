/* report_parse_test.c - relaylock-report's line parser: time stamp forms,
 * foreign and forged lines, the targeted domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "parse.h"

#define T_2026_11_23_10 1795428000 /* 2026-11-23T10:00:00Z */

static struct rr_clock clk;

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	rr_clock_init(&clk, 2026, T_2026_11_23_10 + 86400);
	return 0;
}

static enum rr_kind parse(const char *line, struct rr_line *l)
{
	memset(l, 0, sizeof *l);
	return rr_parse_line(line, strlen(line), &clk, l);
}

#define TAIL "NOQUEUE: action=reject reason=percent_hack client=203.0.113.9 " \
	"auth=- from=<a@b.example> rcpt=<u%ext.example@example.com> " \
	"resolved=<u@ext.example> mailer=smtp mode=enforce"

static void test_time_forms(void **state)
{
	static const struct {
		const char *line;
		time_t when;
	} cases[] = {
		{"2026-11-23T10:00:00Z relaylock[7]: " TAIL, T_2026_11_23_10},
		{"Nov 23 10:00:00 mx relaylock[7]: " TAIL, T_2026_11_23_10},
		{"2026-11-23T10:00:00+0000 mx relaylock[7]: " TAIL, T_2026_11_23_10},
		{"2026-11-23T11:00:00+01:00 mx relaylock[7]: " TAIL, T_2026_11_23_10},
		{"2026-11-23T10:00:00.123456+00:00 mx relaylock[7]: " TAIL, T_2026_11_23_10},
		{"Nov 23 10:00:00.5 mx relaylock: " TAIL, T_2026_11_23_10},
		{"Nov  3 10:00:00 mx relaylock[7]: " TAIL, T_2026_11_23_10 - 20 * 86400},
		/* journal around relaylock -f: the inner stamp counts */
		{"Nov 23 10:00:09 mx relaylock[7]: 2026-11-23T10:00:00Z relaylock[7]: " TAIL,
		 T_2026_11_23_10},
	};
	struct rr_line l;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse(cases[i].line, &l), RR_DECISION);
		assert_int_equal(l.when, cases[i].when);
		assert_int_equal(l.action, RR_REJECT);
		assert_int_equal(l.client.len, strlen("203.0.113.9"));
		assert_memory_equal(l.client.s, "203.0.113.9", l.client.len);
		assert_memory_equal(l.rcpt.s, "<u%ext.example@example.com>", l.rcpt.len);
		assert_memory_equal(l.queueid.s, "NOQUEUE", l.queueid.len);
	}
}

static void test_not_decisions(void **state)
{
	static const struct {
		const char *line;
		enum rr_kind kind;
	} cases[] = {
		{"", RR_FOREIGN},
		{"garbage", RR_FOREIGN},
		{"Nov 23 10:00:00 mx postfix/smtpd[1]: " TAIL, RR_FOREIGN},
		{"Nov 23 10:00:00 mx other[1]: relaylock[2]: x", RR_FOREIGN},
		{"Foo 23 10:00:00 mx relaylock[7]: " TAIL, RR_FOREIGN},
		{"2026-13-23T10:00:00Z relaylock[7]: " TAIL, RR_FOREIGN},
		{"Nov 23 10:00:00 mx relaylock[7]: relaylock 0.1.0 starting", RR_OTHER},
		/* a space in a value: never written by the daemon */
		{"Nov 23 10:00:00 mx relaylock[7]: Q: action=reject reason=relay_denied "
		 "client=1.2.3.4 auth=- from=<> rcpt=<a@b client=6.6.6.6> resolved=- "
		 "mailer=- mode=enforce", RR_OTHER},
		/* '=' inside a value */
		{"Nov 23 10:00:00 mx relaylock[7]: Q: action=reject reason=relay_denied "
		 "client=1.2.3.4 auth=- from=<a=b> rcpt=<a@b> resolved=- mailer=- "
		 "mode=enforce", RR_OTHER},
		/* a field appended after mode */
		{"Nov 23 10:00:00 mx relaylock[7]: " TAIL " client=6.6.6.6", RR_OTHER},
		{"Nov 23 10:00:00 mx relaylock[7]: Q: action=maybe reason=relay_denied "
		 "client=1.2.3.4 auth=- from=<> rcpt=<a@b> resolved=- mailer=- "
		 "mode=enforce", RR_OTHER},
		{"Nov 23 10:00:00 mx relaylock[7]: Q: action=reject reason=nonsense "
		 "client=1.2.3.4 auth=- from=<> rcpt=<a@b> resolved=- mailer=- "
		 "mode=enforce", RR_OTHER},
		{"Nov 23 10:00:00 mx relaylock[7]: Q: action=reject reason=relay_denied "
		 "client=1.2.3.4 auth=- from=<> rcpt=<a@b> resolved=- mailer=- "
		 "mode=sometimes", RR_OTHER},
	};
	struct rr_line l;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(parse(cases[i].line, &l), cases[i].kind);
}

static void test_target_domain(void **state)
{
	static const struct {
		const char *rcpt, *resolved, *domain;
	} cases[] = {
		{"<u@Ext.Example>", "-", "ext.example"},
		{"<u%ext.example@example.com>", "-", "ext.example"},
		{"<u%ext.example@example.com>", "u@other.example", "other.example"},
		{"<ext.example!u@example.com>", "-", "ext.example"},
		{"<ext.example!u>", "-", "ext.example"},
		{"<@a.example,@b.example:u@ext.example>", "-", "ext.example"},
		{"<\"u@ext.example\"@example.com>", "-", "ext.example"},
		{"<u@ext.example@example.com>", "-", "ext.example"},
		{"<u@ext.example.>", "-", "ext.example"},
		{"<u@[192.0.2.1]>", "-", "[192.0.2.1]"},
		{"<postmaster>", "-", ""},
		{"<>", "-", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rr_line l = {0};
		char buf[128];

		l.rcpt.s = cases[i].rcpt;
		l.rcpt.len = strlen(cases[i].rcpt);
		l.resolved.s = cases[i].resolved;
		l.resolved.len = strlen(cases[i].resolved);
		assert_int_equal(rr_target_domain(&l, buf, sizeof buf),
		                 strlen(cases[i].domain));
		assert_string_equal(buf, cases[i].domain);
	}
}

static void test_time_args(void **state)
{
	time_t t;

	(void)state;
	assert_true(rr_parse_time_arg("2026-11-23", &clk, &t));
	assert_int_equal(t, T_2026_11_23_10 - 10 * 3600);
	assert_true(rr_parse_time_arg("2026-11-23T10:00:00Z", &clk, &t));
	assert_int_equal(t, T_2026_11_23_10);
	assert_true(rr_parse_time_arg("2026-11-23 10:00:00", &clk, &t));
	assert_int_equal(t, T_2026_11_23_10);
	assert_true(rr_parse_time_arg("2h", &clk, &t));
	assert_int_equal(t, clk.now - 7200);
	assert_true(rr_parse_time_arg("7d", &clk, &t));
	assert_int_equal(t, clk.now - 7 * 86400);
	assert_false(rr_parse_time_arg("yesterday", &clk, &t));
	assert_false(rr_parse_time_arg("2026-11-23T10:00:00Zjunk", &clk, &t));
	assert_false(rr_parse_time_arg("", &clk, &t));
	assert_false(rr_parse_time_arg("-2h", &clk, &t));
}

static void test_syslog_year_guess(void **state)
{
	struct rr_clock guess;
	struct rr_line l;

	(void)state;
	/* on 2027-01-01, a December stamp is from 2026 */
	rr_clock_init(&guess, 0, 1798761600 + 3600);
	memset(&l, 0, sizeof l);
	assert_int_equal(rr_parse_line("Dec 31 23:00:00 mx relaylock[7]: " TAIL,
	                               strlen("Dec 31 23:00:00 mx relaylock[7]: " TAIL),
	                               &guess, &l), RR_DECISION);
	assert_int_equal(l.when, 1798761600 - 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_not_decisions),
		cmocka_unit_test(test_target_domain),
		cmocka_unit_test(test_time_args),
		cmocka_unit_test(test_syslog_year_guess),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
