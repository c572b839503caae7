/* config_text_test.c - comments stripped as libconfuse's lexer finds them,
 * every line break kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config_text.h"

static const struct {
	const char *in;
	const char *out;
} cases[] = {
	{"", ""},
	{"a = 1\n", "a = 1\n"},
	{"# c\n# d\n\na = 1\n", "\n\n\na = 1\n"},
	{"### c\n//// d\n", "\n\n"},
	{"a = 1 # trailing\n", "a = 1 \n"},
	{"a = 1 // trailing\n", "a = 1 \n"},
	{"a = 1 #", "a = 1 "},
	{"l = { \"x\", # c\n  # d\n  \"y\" }\n", "l = { \"x\", \n  \n  \"y\" }\n"},
	{"/* a\n b\n */a = 1\n", "\n\na = 1\n"},
	{"a /* x */ = 1\n", "a  = 1\n"},
	{"/* unterminated\n\n", "\n\n"},
	{"/**/a", "a"},
	{"/* # // */b", "b"},
	/* Inside quotes nothing is a comment. */
	{"s = \"a # b // c /* d */\"\n", "s = \"a # b // c /* d */\"\n"},
	{"s = 'a # b' # c\n", "s = 'a # b' \n"},
	{"s = \"say \\\"#\\\"\" # c\n", "s = \"say \\\"#\\\"\" \n"},
	{"s = 'it\\'s # x'\n", "s = 'it\\'s # x'\n"},
	{"s = \"two\nlines # x\"\n", "s = \"two\nlines # x\"\n"},
	/* A backslash-newline moves after the closing quote. */
	{"s = \"a \\\nb\" # c\nt = 1\n", "s = \"a b\"\n \nt = 1\n"},
	{"s = \"unterminated # x\n", "s = \"unterminated # x\n"},
	/* Slash pairs within an unquoted token are part of it; a hash never. */
	{"p = /run//x.pid // c\n", "p = /run//x.pid \n"},
	{"p = a/*b\n", "p = a/*b\n"},
	{"p = abc#def\n", "p = abc\n"},
	{"p = /x\n", "p = /x\n"},
	{"p = \"q\"//c\n", "p = \"q\"\n"},
	{"l = {a,//c\nb}\n", "l = {a,\nb}\n"},
};

static void test_cases(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].in);
		size_t n = rl_conf_strip_comments(cases[i].in, len, out);

		if (strcmp(out, cases[i].out) != 0)
			print_error("case %zu: got \"%s\"\n", i, out);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
		assert_true(n <= len);
	}
}

/* Every line break of the input survives: the lexer's count is the file's. */
static void test_lines_kept(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t in_lines = 0, out_lines = 0;
		size_t n = rl_conf_strip_comments(cases[i].in, strlen(cases[i].in), out);

		for (const char *p = cases[i].in; *p; p++)
			in_lines += *p == '\n';
		for (size_t k = 0; k < n; k++)
			out_lines += out[k] == '\n';
		assert_int_equal(out_lines, in_lines);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_lines_kept),
	};

	return cmocka_run_group_tests_name("config_text", tests, NULL, NULL);
}
