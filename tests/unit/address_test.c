/* address_test.c - the RFC 5321 parser against every trick and every
 * legitimate form we know of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "address.h"

struct addr_case {
	const char *raw;
	enum rl_addr_kind kind;
	const char *domain; /* canonical domain when kind is MAILBOX */
};

static const struct addr_case cases[] = {
	/* Plain mailboxes, with and without brackets. */
	{"<user@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"user@hosted.example", RL_ADDR_MAILBOX, "hosted.example"},
	{" <user@hosted.example> ", RL_ADDR_MAILBOX, "hosted.example"},
	{"<User.Name@Hosted.EXAMPLE>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<user@hosted.example.>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<user+tag@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<o'brien@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<a.b-c_d=e@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<\"john doe\"@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<\"john\\\"doe\"@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<\"\"@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<j\xc3\xb6rg@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.example>",
	 RL_ADDR_MAILBOX, "\xe4\xbe\x8b\xe5\xad\x90.example"},
	{"<user@sub.hosted.example>", RL_ADDR_MAILBOX, "sub.hosted.example"},
	{"<user@[192.0.2.5]>", RL_ADDR_MAILBOX, "[192.0.2.5]"},
	{"<user@[IPv6:2001:DB8:0::5]>", RL_ADDR_MAILBOX, "[ipv6:2001:db8::5]"},
	{"<user@[1.1.1.1]>", RL_ADDR_MAILBOX, "[1.1.1.1]"},
	{"<nobody@third-party.bar>", RL_ADDR_MAILBOX, "third-party.bar"},
	/* Bare local names. */
	{"<postmaster>", RL_ADDR_LOCAL_ONLY, ""},
	{"Postmaster", RL_ADDR_LOCAL_ONLY, ""},
	{"<user>", RL_ADDR_LOCAL_ONLY, ""},
	/* Percent hack, alone, with literals, doubled. */
	{"<nobody%third-party.bar@hosted.example>", RL_ADDR_PERCENT_HACK, NULL},
	{"<nobody%third-party.bar@[1.1.1.1]>", RL_ADDR_PERCENT_HACK, NULL},
	{"account%hotmail.com@myserver.example", RL_ADDR_PERCENT_HACK, NULL},
	{"<user%ext.example%hosted.example@hosted.example>", RL_ADDR_PERCENT_HACK, NULL},
	{"<user%%ext.example@hosted.example>", RL_ADDR_PERCENT_HACK, NULL},
	{"<user%ext.example>", RL_ADDR_PERCENT_HACK, NULL},
	/* Bang paths. */
	{"<third-party.bar!nobody>", RL_ADDR_BANG_PATH, NULL},
	{"<third-party.bar!nobody@[1.1.1.1]>", RL_ADDR_BANG_PATH, NULL},
	{"<ext.example!user@hosted.example>", RL_ADDR_BANG_PATH, NULL},
	{"a!b!c!user", RL_ADDR_BANG_PATH, NULL},
	/* Source routes, single, multi-hop, with literals, malformed. */
	{"<@hosted.example:nobody@third-party.bar>", RL_ADDR_SOURCE_ROUTE, NULL},
	{"<@[1.1.1.1]:nobody@third-party.bar>", RL_ADDR_SOURCE_ROUTE, NULL},
	{"<@a.example,@b.example:user@c.example>", RL_ADDR_SOURCE_ROUTE, NULL},
	{"@hosted.example:user@ext.example", RL_ADDR_SOURCE_ROUTE, NULL},
	{"<@hosted.example,@ext.example:user@hosted.example>", RL_ADDR_SOURCE_ROUTE, NULL},
	/* Quoted local parts that route. */
	{"<\"nobody@third-party.bar\">", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"nobody%third-party.bar\">", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"nobody@third-party.bar\"@hosted.example>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"nobody@third-party.bar\"@[1.1.1.1]>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"user%ext\"@hosted.example>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"ext!user\"@hosted.example>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"user\\@ext\"@hosted.example>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<\"x@y\"[1.1.1.1]>", RL_ADDR_QUOTED_ROUTE, NULL},
	/* More than one unquoted @. */
	{"<nobody@third-party.bar@hosted.example>", RL_ADDR_MULTI_AT, NULL},
	{"<test@some.other.site@some.site>", RL_ADDR_MULTI_AT, NULL},
	{"<nobody@third-party.bar@[1.1.1.1]>", RL_ADDR_MULTI_AT, NULL},
	{"<a@@hosted.example>", RL_ADDR_MULTI_AT, NULL},
	/* Backslash escapes outside quotes. */
	{"<user\\@ext.example@hosted.example>", RL_ADDR_BACKSLASH, NULL},
	{"user\\%ext@hosted.example", RL_ADDR_BACKSLASH, NULL},
	/* Over-long parts. */
	{"<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@hosted.example>",
	 RL_ADDR_TOO_LONG, NULL},
	/* Syntax errors. */
	{"", RL_ADDR_SYNTAX, NULL},
	{"<>", RL_ADDR_SYNTAX, NULL},
	{"<user@hosted.example", RL_ADDR_SYNTAX, NULL},
	{"user@hosted.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@>", RL_ADDR_SYNTAX, NULL},
	{"<@hosted.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@hosted..example>", RL_ADDR_SYNTAX, NULL},
	{"<user@-hosted.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@hosted-.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@hosted_example.com>", RL_ADDR_SYNTAX, NULL},
	{"<us er@hosted.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@hosted.example extra>", RL_ADDR_SYNTAX, NULL},
	{"<\"unterminated>", RL_ADDR_SYNTAX, NULL},
	/* Broken and routing at once: the trick is named. */
	{"<\"unterminated@hosted.example>", RL_ADDR_QUOTED_ROUTE, NULL},
	{"<user%ext@hosted..example>", RL_ADDR_PERCENT_HACK, NULL},
	{"<\"a\"b@hosted.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@[300.1.1.1]>", RL_ADDR_SYNTAX, NULL},
	{"<user@[1.1.1.1>", RL_ADDR_SYNTAX, NULL},
	{"<user@[IPv6:zz::1]>", RL_ADDR_SYNTAX, NULL},
	{"<user@[]>", RL_ADDR_SYNTAX, NULL},
	{"<\xc3@hosted.example>", RL_ADDR_SYNTAX, NULL},          /* truncated UTF-8 */
	{"<\xc0\xaf@hosted.example>", RL_ADDR_SYNTAX, NULL},      /* overlong */
	{"<\xed\xa0\x80@hosted.example>", RL_ADDR_SYNTAX, NULL},  /* surrogate */
	{"<user@hosted.example\r\n>", RL_ADDR_SYNTAX, NULL},
	{"<<user@hosted.example>>", RL_ADDR_SYNTAX, NULL},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct addr_case *c = &cases[i];
		struct rl_address a;
		enum rl_addr_kind kind = rl_address_parse(c->raw, strlen(c->raw), &a);

		if (kind != c->kind)
			print_error("case %zu \"%s\": kind %d, want %d\n", i, c->raw,
			            (int)kind, (int)c->kind);
		assert_int_equal(kind, c->kind);
		assert_int_equal(a.kind, kind);
		if (c->domain) {
			assert_string_equal(a.domain, c->domain);
			assert_int_equal(a.domain_len, strlen(c->domain));
		}
	}
}

static void test_nul_inside_is_syntax(void **state)
{
	static const char raw[] = "<user@hosted.example\0@ext.example>";
	struct rl_address a;

	(void)state;
	assert_int_equal(rl_address_parse(raw, sizeof raw - 1, &a), RL_ADDR_SYNTAX);
}

static void test_length_limits(void **state)
{
	char buf[600];
	struct rl_address a;

	(void)state;
	/* 64-octet local part is the limit; 65 is too long. */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@hosted.example");
	assert_int_equal(rl_address_parse(buf, strlen(buf), &a), RL_ADDR_MAILBOX);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@hosted.example");
	assert_int_equal(rl_address_parse(buf, strlen(buf), &a), RL_ADDR_TOO_LONG);

	/* A path over 256 octets with short labels. */
	strcpy(buf, "<u@");
	for (int i = 0; i < 64; i++)
		strcat(buf, "abc.");
	strcat(buf, "example>");
	assert_int_equal(rl_address_parse(buf, strlen(buf), &a), RL_ADDR_TOO_LONG);

	/* A 64-octet label is too long for DNS: syntax. */
	strcpy(buf, "u@");
	memset(buf + 2, 'b', 64);
	strcpy(buf + 66, ".example");
	assert_int_equal(rl_address_parse(buf, strlen(buf), &a), RL_ADDR_SYNTAX);
}

static void test_huge_input(void **state)
{
	static char big[65536 + 64];
	struct rl_address a;

	(void)state;
	memset(big, 'a', sizeof big - 1);
	big[30000] = '@';
	assert_int_equal(rl_address_parse(big, strlen(big), &a), RL_ADDR_TOO_LONG);
	big[100] = '%';
	assert_int_equal(rl_address_parse(big, strlen(big), &a), RL_ADDR_PERCENT_HACK);
}

static void test_domain_canonical(void **state)
{
	char out[RL_DOMAIN_MAX + 1];

	(void)state;
	assert_int_equal(rl_domain_canonical("Example.COM.", 12, out), 11);
	assert_string_equal(out, "example.com");
	assert_true(rl_domain_canonical("[IPV6:2001:db8:0:0::5]", 22, out) > 0);
	assert_string_equal(out, "[ipv6:2001:db8::5]");
	assert_int_equal(rl_domain_canonical(".", 1, out), -1);
	assert_int_equal(rl_domain_canonical("a..b", 4, out), -1);
	assert_int_equal(rl_domain_canonical("[1.2.3]", 7, out), -1);
	assert_int_equal(rl_domain_canonical("", 0, out), -1);
}

static void test_postmaster(void **state)
{
	(void)state;
	assert_true(rl_is_postmaster("PostMaster", 10));
	assert_false(rl_is_postmaster("postmasters", 11));
	assert_false(rl_is_postmaster("postmaste", 9));
	assert_true(rl_addr_kind_is_routing(RL_ADDR_PERCENT_HACK));
	assert_false(rl_addr_kind_is_routing(RL_ADDR_MAILBOX));
	assert_false(rl_addr_kind_is_routing(RL_ADDR_SYNTAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_nul_inside_is_syntax),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_domain_canonical),
		cmocka_unit_test(test_postmaster),
	};

	return cmocka_run_group_tests_name("address", tests, NULL, NULL);
}
