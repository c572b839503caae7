/* smtp_reply_test.c - the SMTP reply parser and EHLO keyword helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"

static int parse(const char *s, struct smtp_reply *r)
{
	return smtp_reply_parse(s, strlen(s), r);
}

static void single_line(void **state)
{
	struct smtp_reply r;
	const char *s = "250 2.1.5 Ok\r\n";

	(void)state;
	assert_int_equal(parse(s, &r), (int)strlen(s));
	assert_int_equal(r.code, 250);
	assert_string_equal(r.dsn, "2.1.5");
	assert_string_equal(r.text, "2.1.5 Ok");
	assert_int_equal(r.nlines, 1);
}

static void multi_line_and_rest(void **state)
{
	struct smtp_reply r;
	const char *s = "250-mx.example\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n"
	                "250 STARTTLS\r\n220 next";
	char args[64];

	(void)state;
	assert_int_equal(parse(s, &r), (int)(strstr(s, "220") - s));
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 4);
	assert_string_equal(r.text, "mx.example\nPIPELINING\nAUTH PLAIN LOGIN\nSTARTTLS");
	assert_string_equal(r.dsn, "");
	assert_true(smtp_ehlo_has(&r, "starttls", NULL, 0));
	assert_true(smtp_ehlo_has(&r, "AUTH", args, sizeof args));
	assert_string_equal(args, "PLAIN LOGIN");
	assert_true(smtp_word_in(args, "login"));
	assert_false(smtp_word_in(args, "CRAM-MD5"));
	assert_false(smtp_ehlo_has(&r, "mx.example", NULL, 0)); /* greeting line */
	assert_false(smtp_ehlo_has(&r, "PIPE", NULL, 0));       /* whole word */
	assert_false(smtp_ehlo_has(&r, "XCLIENT", NULL, 0));
}

static void bare_lf_and_code_only(void **state)
{
	struct smtp_reply r;

	(void)state;
	assert_int_equal(parse("354\n", &r), 4);
	assert_int_equal(r.code, 354);
	assert_string_equal(r.text, "");
	assert_int_equal(parse("550-5.7.1 a\n550 5.7.1 b\n", &r), 24);
	assert_string_equal(r.dsn, "5.7.1");
	assert_string_equal(r.text, "5.7.1 a\n5.7.1 b");
}

static void incomplete(void **state)
{
	struct smtp_reply r;

	(void)state;
	assert_int_equal(parse("", &r), SMTP_REPLY_INCOMPLETE);
	assert_int_equal(parse("25", &r), SMTP_REPLY_INCOMPLETE);
	assert_int_equal(parse("250 ok", &r), SMTP_REPLY_INCOMPLETE);
	assert_int_equal(parse("250-a\r\n250-b\r\n", &r), SMTP_REPLY_INCOMPLETE);
	assert_int_equal(smtp_reply_parse(NULL, 0, &r), SMTP_REPLY_INCOMPLETE);
}

static void garbage(void **state)
{
	static const char *const bad[] = {
		"hello\r\n", "25\r\n", "2500 x\r\n", "250x\r\n", "650 no\r\n", "050 no\r\n",
		"\r\n", "250-a\r\n251 b\r\n", "abc 5.7.1\r\n", "-250 x\r\n", " 250 x\r\n",
	};
	struct smtp_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = parse(bad[i], &r);

		if (n != SMTP_REPLY_GARBAGE)
			print_error("\"%s\" gave %d\n", bad[i], n);
		assert_int_equal(n, SMTP_REPLY_GARBAGE);
	}
}

static void bounds(void **state)
{
	struct smtp_reply r;
	size_t big = SMTP_LINE_MAX + 10, off = 0;
	char *buf = malloc(16384);

	(void)state;
	assert_non_null(buf);
	/* a line without end, longer than a line may be */
	memset(buf, 'x', big);
	memcpy(buf, "250 ", 4);
	assert_int_equal(smtp_reply_parse(buf, big, &r), SMTP_REPLY_TOO_LONG);
	/* a complete but over-long line */
	buf[big - 1] = '\n';
	assert_int_equal(smtp_reply_parse(buf, big, &r), SMTP_REPLY_TOO_LONG);
	/* a line one short of the limit is fine */
	memset(buf, 'y', SMTP_LINE_MAX);
	memcpy(buf, "250 ", 4);
	buf[SMTP_LINE_MAX - 1] = '\n';
	assert_int_equal(smtp_reply_parse(buf, SMTP_LINE_MAX, &r), SMTP_LINE_MAX);
	assert_int_equal(r.text_len, SMTP_LINE_MAX - 5);
	/* too many lines */
	for (int i = 0; i < SMTP_REPLY_LINES_MAX + 1; i++)
		off += (size_t)snprintf(buf + off, 100, "250-line %d\r\n", i);
	off += (size_t)snprintf(buf + off, 100, "250 end\r\n");
	assert_int_equal(smtp_reply_parse(buf, off, &r), SMTP_REPLY_TOO_LONG);
	/* too much text in total: 10 lines of 1000 */
	off = 0;
	for (int i = 0; i < 10; i++) {
		memcpy(buf + off, i == 9 ? "250 " : "250-", 4);
		memset(buf + off + 4, 'z', 996);
		memcpy(buf + off + 1000, "\r\n", 2);
		off += 1002;
	}
	assert_int_equal(smtp_reply_parse(buf, off, &r), SMTP_REPLY_TOO_LONG);
	free(buf);
}

static void nul_bytes_and_dsn(void **state)
{
	struct smtp_reply r;
	const char s[] = "550 5.7.1\0x\r\n";

	(void)state;
	assert_int_equal(smtp_reply_parse(s, sizeof s - 1, &r), (int)sizeof s - 1);
	assert_string_equal(r.text, "5.7.1?x");
	assert_string_equal(r.dsn, "");  /* "5.7.1?x" is no status code */
	assert_int_equal(parse("451 4.3.0 later\r\n", &r), 17);
	assert_string_equal(r.dsn, "4.3.0");
	assert_int_equal(parse("550 5.7.1234 x\r\n", &r), 16);
	assert_string_equal(r.dsn, "");
	assert_int_equal(parse("550 9.1.1 x\r\n", &r), 13);
	assert_string_equal(r.dsn, "");
	assert_int_equal(parse("550 5.1\r\n", &r), 9);
	assert_string_equal(r.dsn, "");
	assert_int_equal(parse("250 2.0.0\r\n", &r), 11);
	assert_string_equal(r.dsn, "2.0.0");
}

/* Every prefix of a valid reply is incomplete, never an error. */
static void every_prefix(void **state)
{
	const char *s = "250-a.example\r\n250-SIZE 100\r\n250 HELP\r\n";
	struct smtp_reply r;

	(void)state;
	for (size_t i = 0; i < strlen(s); i++)
		assert_int_equal(smtp_reply_parse(s, i, &r), SMTP_REPLY_INCOMPLETE);
	assert_int_equal(parse(s, &r), (int)strlen(s));
	assert_string_equal(smtp_reply_error_name(SMTP_REPLY_TOO_LONG), "reply too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_line),
		cmocka_unit_test(multi_line_and_rest),
		cmocka_unit_test(bare_lf_and_code_only),
		cmocka_unit_test(incomplete),
		cmocka_unit_test(garbage),
		cmocka_unit_test(bounds),
		cmocka_unit_test(nul_bytes_and_dsn),
		cmocka_unit_test(every_prefix),
	};

	return cmocka_run_group_tests_name("smtp_reply", tests, NULL, NULL);
}
