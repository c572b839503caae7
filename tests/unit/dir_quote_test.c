/* dir_quote_test.c - SQL and LDAP quoting of the key, Postfix templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <mysql.h>
#include <stdlib.h>
#include <string.h>

#include "dir_quote.h"

/* Inputs with explicit lengths, so NUL can be in them. */
struct qcase {
	const char *in;
	size_t len;
	const char *out; /* NULL: refused */
};

#define C(lit, out) {lit, sizeof(lit) - 1, out}

typedef int (*quote_fn)(const char *in, size_t len, char *out, size_t cap);

static void run(const struct qcase *cases, size_t n, quote_fn fn)
{
	for (size_t i = 0; i < n; i++) {
		char out[256];
		int r = fn(cases[i].in, cases[i].len, out, sizeof out);

		if (!cases[i].out) {
			assert_int_equal(r, -1);
			continue;
		}
		if (r < 0 || strcmp(out, cases[i].out) != 0)
			print_error("case %zu: got \"%s\" want \"%s\"\n", i,
			            r < 0 ? "(refused)" : out, cases[i].out);
		assert_int_equal(r, (int)strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
	}
}

static int pg_std(const char *in, size_t len, char *out, size_t cap)
{
	return rl_dir_quote_pgsql(in, len, true, out, cap);
}

static int pg_old(const char *in, size_t len, char *out, size_t cap)
{
	return rl_dir_quote_pgsql(in, len, false, out, cap);
}

static void test_pgsql(void **state)
{
	static const struct qcase std[] = {
		C("example.com", "example.com"),
		C("o'brien.example", "o''brien.example"),
		C("''", "''''"),
		C("a\\b", "a\\b"),
		C("x' OR '1'='1", "x'' OR ''1''=''1"),
		C("*()", "*()"),
		C("a\0b", NULL),
		C("\xc3\xbc.example", "\xc3\xbc.example"),
	};
	static const struct qcase old[] = {
		C("a\\b", "a\\\\b"),
		C("\\'", "\\\\''"),
		C("a\0", NULL),
	};

	(void)state;
	run(std, sizeof std / sizeof std[0], pg_std);
	run(old, sizeof old / sizeof old[0], pg_old);
}

static void test_mysql(void **state)
{
	static const struct qcase cases[] = {
		C("example.com", "example.com"),
		C("o'brien", "o\\'brien"),
		C("a\"b", "a\\\"b"),
		C("a\\b", "a\\\\b"),
		C("a\0b", "a\\0b"),
		C("\n\r\032", "\\n\\r\\Z"),
		C("x' OR 1=1 -- ", "x\\' OR 1=1 -- "),
		C("*()", "*()"),
	};

	(void)state;
	run(cases, sizeof cases / sizeof cases[0], rl_dir_quote_mysql);
}

static void test_ldap(void **state)
{
	static const struct qcase cases[] = {
		C("example.com", "example.com"),
		C("*", "\\2a"),
		C("a*)(objectClass=*", "a\\2a\\29\\28objectClass=\\2a"),
		C("(", "\\28"),
		C(")", "\\29"),
		C("\\", "\\5c"),
		C("a\0b", "a\\00b"),
		C("o'brien\"", "o'brien\""),
		C("\xc3\xbc", "\xc3\xbc"),
	};

	(void)state;
	run(cases, sizeof cases / sizeof cases[0], rl_dir_quote_ldap);
}

/* The pure functions agree with the client libraries' own escaping, on
 * every octet in every position. */
static void test_agrees_with_libraries(void **state)
{
	char in[64], mine[256], theirs[256];

	(void)state;
	mysql_library_init(0, NULL, NULL); /* its default character set */
	srand(18);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % 40);
		int n;

		for (size_t i = 0; i < len; i++)
			in[i] = (char)(rand() % 256);
		n = rl_dir_quote_mysql(in, len, mine, sizeof mine);
		assert_true(n >= 0);
		assert_int_equal((unsigned long)n,
		                 mysql_escape_string(theirs, in, (unsigned long)len));
		assert_memory_equal(mine, theirs, (size_t)n);
		/* libpq without a connection: no standard strings, and it stops
		 * at a NUL where ours refuses the key. */
		n = rl_dir_quote_pgsql(in, len, false, mine, sizeof mine);
		if (memchr(in, '\0', len)) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal((size_t)n, PQescapeString(theirs, in, len));
		assert_string_equal(mine, theirs);
	}
}

static void test_overflow(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(rl_dir_quote_ldap("abcdefg", 7, out, sizeof out), 7);
	assert_int_equal(rl_dir_quote_ldap("abcdefgh", 8, out, sizeof out), -1);
	assert_int_equal(rl_dir_quote_ldap("abcde*", 6, out, sizeof out), -1);
	assert_int_equal(rl_dir_quote_mysql("abcdef'", 7, out, sizeof out), -1);
	assert_int_equal(rl_dir_quote_pgsql("abcdef'", 7, true, out, sizeof out), -1);
	assert_int_equal(rl_dir_quote_pgsql("", 0, true, out, 0), -1);
}

static int q_ldap(void *arg, const char *in, size_t len, char *out, size_t cap)
{
	(void)arg;
	return rl_dir_quote_ldap(in, len, out, cap);
}

static void test_expand(void **state)
{
	static const struct {
		const char *tmpl, *key;
		int ret;
		const char *out;
	} cases[] = {
		{"(domainName=%s)", "example.com", 1, "(domainName=example.com)"},
		{"(|(a=%s)(b=%S)(c=%u)(d=%U))", "x.y", 1, "(|(a=x.y)(b=x.y)(c=x.y)(d=x.y))"},
		{"100%% %s", "a*", 1, "100% a\\2a"},
		{"(d=%s)", "a)(x=*", 1, "(d=a\\29\\28x=\\2a)"},
		{"(d=%d)", "example.com", 0, NULL},
		{"(d=%s)(t=%1)", "example.com", 0, NULL},
		{"%D", "example.com", 0, NULL},
		{"(d=%s)", "user@example.com", -1, NULL},
		{"(d=%s)%", "example.com", -1, NULL},
		{"(d=%q)", "example.com", -1, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[128];
		int r = rl_dir_expand(cases[i].tmpl, cases[i].key, q_ldap, NULL, out,
		                      sizeof out);

		assert_int_equal(r, cases[i].ret);
		if (r == 1)
			assert_string_equal(out, cases[i].out);
	}
	/* Too long for the buffer: refused, never cut. */
	{
		char out[16];

		assert_int_equal(rl_dir_expand("(domainName=%s)", "example.com", q_ldap,
		                               NULL, out, sizeof out), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_mysql),
		cmocka_unit_test(test_ldap),
		cmocka_unit_test(test_agrees_with_libraries),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_expand),
	};

	return cmocka_run_group_tests_name("dir_quote", tests, NULL, NULL);
}
