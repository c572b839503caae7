/* decision_log_test.c - the log line format and its escaping: no value
 * from the client can forge a field or a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "decision_log.h"

static void test_format(void **state)
{
	char line[RL_LOG_LINE_MAX];
	struct rl_log_entry e = {
		.queue_id = "4AbC12", .action = "reject", .reason = "percent_hack",
		.client = "203.0.113.9", .auth = NULL, .from = "<a@b.example>",
		.rcpt = "<user%ext.example@hosted.example>",
		.resolved = "user@ext.example", .mailer = "esmtp", .mode = "enforce",
	};

	(void)state;
	rl_decision_log_format(line, sizeof line, &e);
	assert_string_equal(line,
	        "4AbC12: action=reject reason=percent_hack client=203.0.113.9 auth=- "
	        "from=<a@b.example> rcpt=<user%ext.example@hosted.example> "
	        "resolved=user@ext.example mailer=esmtp mode=enforce");
	e.queue_id = NULL;
	e.from = "";
	e.client = NULL;
	rl_decision_log_format(line, sizeof line, &e);
	assert_non_null(strstr(line, "NOQUEUE: action=reject"));
	assert_non_null(strstr(line, " client=unknown "));
	assert_non_null(strstr(line, " from=- "));
}

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a b", "a\\x20b"},
		{"x\r\ny", "x\\x0d\\x0ay"},
		{"k=v", "k\\x3dv"},
		{"back\\slash", "back\\x5cslash"},
		{"tab\there", "tab\\x09here"},
		{"j\xc3\xb6rg", "j\\xc3\\xb6rg"},
		{"\x7f", "\\x7f"},
		{"", "-"},
		{"<plain@x.example>", "<plain@x.example>"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rl_log_escape(buf, sizeof buf, cases[i].in);
		assert_string_equal(buf, cases[i].out);
	}
	rl_log_escape(buf, sizeof buf, NULL);
	assert_string_equal(buf, "-");
}

/* A recipient that tries to inject a second client= field or a new line
 * stays inside its own rcpt= value. */
static void test_forgery(void **state)
{
	char line[RL_LOG_LINE_MAX];
	struct rl_log_entry e = {
		.action = "reject", .reason = "relay_denied", .client = "203.0.113.9",
		.from = "<x@y> client=10.0.0.1", .mode = "enforce",
		.rcpt = "<a@b.example> client=6.6.6.6 action=accept\nQ: action=accept client=1.2.3.4",
	};
	const char *p;
	int clients = 0;

	(void)state;
	rl_decision_log_format(line, sizeof line, &e);
	assert_null(strchr(line, '\n'));
	for (p = line; (p = strstr(p, "client=")); p++)
		clients++;
	assert_int_equal(clients, 1);
	assert_non_null(strstr(line, " client=203.0.113.9 "));
	/* Every field is key=value with exactly one '=' and no blanks inside. */
	char *copy = strdup(line), *save = NULL;
	int fields = 0;

	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (fields++ == 0)
			continue; /* the queue id */
		assert_non_null(strchr(tok, '='));
		assert_ptr_equal(strchr(tok, '='), strrchr(tok, '='));
	}
	assert_int_equal(fields, 10);
	free(copy);
}

static void test_huge_values(void **state)
{
	static char big[65536];
	char line[RL_LOG_LINE_MAX];
	struct rl_log_entry e = {
		.action = "reject", .reason = "too_long", .client = "203.0.113.9",
		.auth = big, .from = big, .rcpt = big, .resolved = big, .mailer = big,
		.mode = "enforce",
	};
	size_t n;

	(void)state;
	memset(big, ' ', sizeof big - 1); /* every byte escapes to four */
	n = rl_decision_log_format(line, sizeof line, &e);
	assert_int_equal(n, strlen(line));
	assert_true(n < sizeof line);
	assert_non_null(strstr(line, "...")); /* truncation is marked */
	assert_non_null(strstr(line, " mode=enforce"));
	/* A short buffer never overflows. */
	n = rl_decision_log_format(line, 40, &e);
	assert_true(n < 40);
	assert_int_equal(strlen(line), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_forgery),
		cmocka_unit_test(test_huge_values),
	};

	return cmocka_run_group_tests_name("decision_log", tests, NULL, NULL);
}
