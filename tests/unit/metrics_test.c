/* metrics_test.c - the registry and the Prometheus text it becomes:
 * label escaping, histogram buckets, each family in one block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define TEXT_MAX 65536

static char *format_now(const char *version)
{
	struct rl_metrics_snapshot snap;
	char *text = malloc(TEXT_MAX);
	size_t n;

	assert_non_null(text);
	rl_metrics_snapshot(&snap);
	n = rl_metrics_format(text, TEXT_MAX, &snap, version);
	assert_true(n < TEXT_MAX);
	assert_int_equal(strlen(text), n);
	return text;
}

/* The value of the sample line that starts with SERIES followed by ' '. */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, series, n) == 0 && line[n] == ' ')
			return strtod(line + n + 1, NULL);
		if (!strchr(line, '\n'))
			break;
	}
	fail_msg("no sample %s", series);
	return -1;
}

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"0.1.0", "0.1.0"},
		{"a\\b", "a\\\\b"},
		{"say \"hi\"", "say \\\"hi\\\""},
		{"two\nlines", "two\\nlines"},
		{"", ""},
		{"\\\"\n", "\\\\\\\"\\n"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(rl_metrics_escape(buf, sizeof buf, cases[i].in),
		                 strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	/* A short buffer never ends in half an escape. */
	assert_int_equal(rl_metrics_escape(buf, 3, "a\"b"), 4);
	assert_string_equal(buf, "a");
}

static void test_build_info_escaped(void **state)
{
	char *text;

	(void)state;
	rl_metrics_reset();
	text = format_now("1.0\"\n} evil 1\\");
	assert_non_null(strstr(text, "relaylock_build_info{version=\"1.0\\\"\\n} evil 1\\\\\"} 1\n"));
	assert_null(strstr(text, "\n} evil"));
	free(text);
}

static void test_decisions_counted(void **state)
{
	char *text;

	(void)state;
	rl_metrics_reset();
	rl_metrics_decision(RL_MA_REJECT, RL_R_PERCENT_HACK, 1000);
	rl_metrics_decision(RL_MA_REJECT, RL_R_PERCENT_HACK, 1000);
	rl_metrics_decision(RL_MA_WOULD_REJECT, RL_R_RELAY_DENIED, 1000);
	rl_metrics_decision(RL_MA_TEMPFAIL, RL_R_INTERNAL_ERROR, 1000);
	rl_metrics_decision(RL_MA_COUNT, RL_R_HOSTED, 1000);   /* ignored */
	rl_metrics_decision(RL_MA_ACCEPT, RL_R_COUNT, 1000);   /* ignored */
	text = format_now("x");
	assert_true(value_of(text, "relaylock_decisions_total{action=\"reject\","
	                           "reason=\"percent_hack\"}") == 2);
	assert_true(value_of(text, "relaylock_decisions_total{action=\"would-reject\","
	                           "reason=\"relay_denied\"}") == 1);
	assert_true(value_of(text, "relaylock_decisions_total{action=\"tempfail\","
	                           "reason=\"internal_error\"}") == 1);
	assert_true(value_of(text, "relaylock_decisions_total{action=\"accept\","
	                           "reason=\"hosted\"}") == 0);
	assert_true(value_of(text, "relaylock_decision_duration_seconds_count") == 4);
	/* Same names as the log line's action. */
	assert_int_equal(rl_metric_action_of(RL_REJECT, RL_ACCEPT), RL_MA_WOULD_REJECT);
	assert_int_equal(rl_metric_action_of(RL_REJECT, RL_REJECT), RL_MA_REJECT);
	assert_int_equal(rl_metric_action_of(RL_ACCEPT, RL_ACCEPT), RL_MA_ACCEPT);
	assert_int_equal(rl_metric_action_of(RL_TEMPFAIL, RL_TEMPFAIL), RL_MA_TEMPFAIL);
	free(text);
}

static void test_sessions_and_policy(void **state)
{
	char *text;

	(void)state;
	rl_metrics_reset();
	rl_metrics_session_open();
	rl_metrics_session_open();
	rl_metrics_session_close();
	rl_metrics_session_abort();
	rl_metrics_policy_loaded(3, 2, 1700000000);
	rl_metrics_policy_loaded(5, 4, 1700000100);
	rl_metrics_reload_failed();
	text = format_now("x");
	assert_true(value_of(text, "relaylock_sessions_open") == 1);
	assert_true(value_of(text, "relaylock_sessions_total") == 2);
	assert_true(value_of(text, "relaylock_session_aborts_total") == 1);
	assert_true(value_of(text, "relaylock_policy_loads_total") == 2);
	assert_true(value_of(text, "relaylock_policy_reload_failures_total") == 1);
	assert_true(value_of(text, "relaylock_policy_last_load_timestamp_seconds") == 1700000100);
	assert_true(value_of(text, "relaylock_hosted_domains") == 5);
	assert_true(value_of(text, "relaylock_trusted_networks") == 4);
	free(text);
}

/* A source keeps its history while its name stays; names are escaped. */
static void test_sources(void **state)
{
	const char *names1[] = {"postfix", "postfix:/etc/postfix-\"out\""};
	const char *names2[] = {"postfix:/etc/postfix-\"out\"", "sendmail"};
	const bool up1[] = {true, false}, up2[] = {false, true};
	const char *out = "relaylock_source_up{source=\"postfix:/etc/postfix-\\\"out\\\"\"}";
	char *text;

	(void)state;
	rl_metrics_reset();
	rl_metrics_sources(names1, up1, 2, 1000);
	rl_metrics_sources(names2, up2, 2, 2000);
	text = format_now("x");
	assert_null(strstr(text, "source=\"postfix\""));   /* gone from the config */
	assert_true(value_of(text, out) == 0);
	assert_true(value_of(text, "relaylock_source_read_failures_total{source=\"postfix:/etc/postfix-\\\"out\\\"\"}") == 2);
	assert_true(value_of(text, "relaylock_source_last_good_read_timestamp_seconds{source=\"postfix:/etc/postfix-\\\"out\\\"\"}") == 0);
	assert_true(value_of(text, "relaylock_source_up{source=\"sendmail\"}") == 1);
	assert_true(value_of(text, "relaylock_source_last_good_read_timestamp_seconds{source=\"sendmail\"}") == 2000);
	assert_true(value_of(text, "relaylock_source_read_failures_total{source=\"sendmail\"}") == 0);
	assert_true(value_of(text, "relaylock_source_entries{source=\"sendmail\"}") == 0);
	free(text);
	rl_metrics_source_entries((const uint64_t[]){1000000, 7}, 2);
	text = format_now("x");
	assert_true(value_of(text, "relaylock_source_entries{source=\"postfix:/etc/postfix-\\\"out\\\"\"}") == 1000000);
	assert_true(value_of(text, "relaylock_source_entries{source=\"sendmail\"}") == 7);
	free(text);
}

/* Buckets in increasing order, cumulative, +Inf == _count, then _sum. */
static void test_histogram(void **state)
{
	static const uint64_t ns[] = {1, 5000, 5001, 99999, 100000, 3000000, 2000000000u};
	double prev_le = 0, prev_count = 0;
	uint64_t sum = 0;
	char *text, *line;
	int buckets = 0;

	(void)state;
	rl_metrics_reset();
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		rl_metrics_decision(RL_MA_ACCEPT, RL_R_HOSTED, ns[i]);
		sum += ns[i];
	}
	text = format_now("x");
	line = strstr(text, "relaylock_decision_duration_seconds_bucket");
	assert_non_null(line);
	for (; strncmp(line, "relaylock_decision_duration_seconds_bucket{le=\"", 47) == 0;
	     line = strchr(line, '\n') + 1) {
		const char *le = line + 47;
		double count = strtod(strchr(le, ' ') + 1, NULL);
		double bound = strncmp(le, "+Inf\"", 5) == 0 ? 1e300 : strtod(le, NULL);

		assert_true(bound > prev_le);
		assert_true(count >= prev_count);
		prev_le = bound;
		prev_count = count;
		buckets++;
	}
	assert_int_equal(buckets, RL_METRICS_BUCKETS + 1);
	assert_true(prev_le == 1e300);                 /* the last one is +Inf */
	assert_true(prev_count == 7);
	/* le="0.000005" holds 1 ns and exactly 5000 ns; 5001 ns falls in the next. */
	assert_true(value_of(text, "relaylock_decision_duration_seconds_bucket{le=\"0.000005000\"}") == 2);
	assert_true(value_of(text, "relaylock_decision_duration_seconds_bucket{le=\"0.000010000\"}") == 3);
	assert_true(value_of(text, "relaylock_decision_duration_seconds_bucket{le=\"1.000000000\"}") == 6);
	/* _sum then _count follow the buckets directly. */
	assert_int_equal(strncmp(line, "relaylock_decision_duration_seconds_sum ", 40), 0);
	assert_true(value_of(text, "relaylock_decision_duration_seconds_sum") == (double)sum / 1e9);
	line = strchr(line, '\n') + 1;
	assert_int_equal(strncmp(line, "relaylock_decision_duration_seconds_count 7\n", 44), 0);
	free(text);
}

/* The family a sample belongs to: its name less a histogram suffix. */
static void family_of(const char *line, char *out, size_t size)
{
	size_t n = strcspn(line, "{ ");
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};

	snprintf(out, size, "%.*s", (int)n, line);
	if (strncmp(out, "relaylock_decision_duration_seconds", 35) != 0)
		return;
	for (size_t i = 0; i < 3; i++) {
		size_t s = strlen(suffixes[i]), len = strlen(out);

		if (len > s && strcmp(out + len - s, suffixes[i]) == 0)
			out[len - s] = '\0';
	}
}

/* Every family: one HELP, one TYPE, before its samples, all its samples in
 * one block; every series once; the text ends in a newline. */
static void test_one_family_one_block(void **state)
{
	char *text, *copy, *save = NULL, seen[64][96], series[512][160];
	size_t n_seen = 0, n_series = 0;
	char current[96] = "";

	(void)state;
	rl_metrics_reset();
	rl_metrics_decision(RL_MA_ACCEPT, RL_R_HOSTED, 10);
	{
		const char *names[] = {"postfix", "postfix:/etc/postfix-out"};
		const bool up[] = {true, false};

		rl_metrics_sources(names, up, 2, 1000);
	}
	text = format_now("0.1.0");
	assert_true(text[strlen(text) - 1] == '\n');
	copy = strdup(text);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char fam[96];

		if (strncmp(line, "# HELP ", 7) == 0) {
			family_of(line + 7, fam, sizeof fam);
			for (size_t i = 0; i < n_seen; i++)
				assert_string_not_equal(seen[i], fam); /* a family's second block */
			assert_true(n_seen < 64);
			snprintf(seen[n_seen++], sizeof seen[0], "%s", fam);
			snprintf(current, sizeof current, "%s", fam);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			family_of(line + 7, fam, sizeof fam);
			assert_string_equal(fam, current);  /* TYPE right after its HELP */
			continue;
		}
		family_of(line, fam, sizeof fam);
		assert_string_equal(fam, current);      /* a sample outside its block */
		*strrchr(line, ' ') = '\0';
		for (size_t i = 0; i < n_series; i++)
			assert_string_not_equal(series[i], line);
		assert_true(n_series < 512);
		snprintf(series[n_series++], sizeof series[0], "%s", line);
	}
	assert_int_equal(n_seen, 15);
	free(copy);
	free(text);
}

/* A short buffer: the length needed, a NUL-ended prefix, no overflow. */
static void test_short_buffer(void **state)
{
	struct rl_metrics_snapshot snap;
	char small[100], *full = format_now("0.1.0");
	size_t need;

	(void)state;
	memset(small, 'X', sizeof small);
	rl_metrics_snapshot(&snap);
	need = rl_metrics_format(small, 50, &snap, "0.1.0");
	assert_int_equal(need, strlen(full));
	assert_int_equal(strlen(small), 49);
	assert_int_equal(strncmp(small, full, 49), 0);
	assert_true(small[50] == 'X');
	assert_int_equal(rl_metrics_format(NULL, 0, &snap, "0.1.0"), need);
	free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_build_info_escaped),
		cmocka_unit_test(test_decisions_counted),
		cmocka_unit_test(test_sessions_and_policy),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_one_family_one_block),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
