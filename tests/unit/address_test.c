/* address_test.c - the RFC 5321 parser against every trick and every
 * legitimate form we know of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
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
	 RL_ADDR_MAILBOX, "xn--fsqu00a.example"},
	/* IDNA: U-labels, A-labels and any case give one A-label form. */
	{"<user@b\xc3\xbc" "cher.example>", RL_ADDR_MAILBOX, "xn--bcher-kva.example"},
	{"<user@B\xc3\x9c" "CHER.example>", RL_ADDR_MAILBOX, "xn--bcher-kva.example"},
	{"<user@xn--bcher-kva.example>", RL_ADDR_MAILBOX, "xn--bcher-kva.example"},
	{"<user@XN--BCHER-KVA.Example>", RL_ADDR_MAILBOX, "xn--bcher-kva.example"},
	{"<user@xn--Bcher-kva.example.>", RL_ADDR_MAILBOX, "xn--bcher-kva.example"},
	{"<user@mail.b\xc3\xbc" "cher.example>", RL_ADDR_MAILBOX,
	 "mail.xn--bcher-kva.example"},
	/* U+3002 ideographic full stop separates labels (UTS #46). */
	{"<user@b\xc3\xbc" "cher\xe3\x80\x82" "example>", RL_ADDR_MAILBOX,
	 "xn--bcher-kva.example"},
	/* Full-width letters map to ASCII: the same domain, not a new one. */
	{"<user@\xef\xbd\x88\xef\xbd\x8fsted.example>", RL_ADDR_MAILBOX,
	 "hosted.example"},
	{"<user@fa\xc3\x9f.de>", RL_ADDR_MAILBOX, "xn--fa-hia.de"},
	{"<user@\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9.example>",
	 RL_ADDR_MAILBOX, "xn--mgbcd4a2b0d2b.example"},
	/* Plain ASCII labels with "--" elsewhere stay on the fast path. */
	{"<user@ab--cd.example>", RL_ADDR_MAILBOX, "ab--cd.example"},
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
	/* A 65-octet local part: over RFC 5321's limit, delivered by MTAs. */
	{"<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@hosted.example>",
	 RL_ADDR_MAILBOX, "hosted.example"},
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
	/* Invalid IDNs: refused as syntax, never matched. */
	{"<user@xn--zzzz.example>", RL_ADDR_SYNTAX, NULL},        /* bad Punycode */
	{"<user@xn--.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@xn--abc.example>", RL_ADDR_SYNTAX, NULL},         /* not a U-label */
	{"<user@xn--bcher-kva-.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@\xef\xbd\x98\xef\xbd\x8e--zzzz.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@\xc3\xbc-.example>", RL_ADDR_SYNTAX, NULL},       /* hyphen at end */
	{"<user@a\xe2\x80\x8c" "b.example>", RL_ADDR_SYNTAX, NULL}, /* ZWNJ, CONTEXTJ */
	{"<user@\xf0\x9f\x92\xa9.example>", RL_ADDR_SYNTAX, NULL}, /* disallowed */
	{"<user@b\xc3\xbc_cher.example>", RL_ADDR_SYNTAX, NULL},
	/* Mapped look-alikes of '@', '/' and '.' leave no LDH name. */
	{"<user@hosted\xef\xbc\xa0" "ext.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@a\xef\xbc\x8f" "b.example>", RL_ADDR_SYNTAX, NULL},
	{"<user@\xc3\xbc\xff.example>", RL_ADDR_SYNTAX, NULL},   /* not UTF-8 */
	/* Routing beside an IDN is still named. */
	{"<user%ext.example@b\xc3\xbc" "cher.example>", RL_ADDR_PERCENT_HACK, NULL},
	{"<user%ext.example@xn--zzzz.example>", RL_ADDR_PERCENT_HACK, NULL},
	/* Long, legitimate local parts: SRS, VERP, subaddresses. */
	{"<SRS0=HHH=TT=outside.example=a.very.long.original.local.part.of.a."
	 "forwarded.sender@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
	{"<listname-bounces+subscriber.with.a.long.name=subscriber-domain.example"
	 "@lists.hosted.example>", RL_ADDR_MAILBOX, "lists.hosted.example"},
	{"<SRS1=XyZ1=outside.example==AbCd=EF=elsewhere.example=someone.with."
	 "a.long.name@hosted.example>", RL_ADDR_MAILBOX, "hosted.example"},
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

/* Addresses built from a local part of LOCAL octets (filled with FILL,
 * TRICK placed at its start) and a domain of DOMAIN octets made of short
 * labels, or of a repeated U-label. */
struct len_case {
	size_t local;
	const char *trick;   /* "" or e.g. "x%ext.example" */
	size_t domain;       /* ASCII domain length; 0: use ulabels */
	int ulabels;         /* count of 20-character CJK labels */
	bool brackets;
	enum rl_addr_kind kind;
};

static const struct len_case len_cases[] = {
	/* Local parts: RFC 5321 says 64; Postfix takes 2023 (its 2048-octet
	 * line), so only the 4096-octet path bound refuses. */
	{64, "", 14, 0, true, RL_ADDR_MAILBOX},
	{65, "", 14, 0, true, RL_ADDR_MAILBOX},
	{238, "", 14, 0, true, RL_ADDR_MAILBOX},
	{2023, "", 14, 0, true, RL_ADDR_MAILBOX},
	{4096 - 2 - 15, "", 14, 0, true, RL_ADDR_MAILBOX},  /* path 4096 */
	{4096 - 2 - 14, "", 14, 0, true, RL_ADDR_TOO_LONG}, /* path 4097 */
	{4096 - 15, "", 14, 0, false, RL_ADDR_TOO_LONG},    /* brackets count */
	/* Domains: 255 octets is DNS's limit and Postfix's. */
	{1, "", 255, 0, true, RL_ADDR_MAILBOX},
	{1, "", 256, 0, true, RL_ADDR_TOO_LONG},
	{1, "", 1500, 0, true, RL_ADDR_TOO_LONG},
	/* U-labels: 312 octets as typed, 142 as A-labels: accepted. */
	{1, "", 0, 5, true, RL_ADDR_MAILBOX},
	/* 12 of them exceed 255 octets even as A-labels. */
	{1, "", 0, 12, true, RL_ADDR_TOO_LONG},
	/* Routing is named whatever the length. */
	{200, "x%ext.example", 14, 0, true, RL_ADDR_PERCENT_HACK},
	{2000, "x%ext.example", 255, 0, true, RL_ADDR_PERCENT_HACK},
	{6000, "x%ext.example", 14, 0, true, RL_ADDR_PERCENT_HACK},
	{300, "ext.example!x", 14, 0, true, RL_ADDR_BANG_PATH},
	{300, "\"x@ext.example\"", 14, 0, true, RL_ADDR_QUOTED_ROUTE},
	{5000, "x@ext.example", 14, 0, true, RL_ADDR_MULTI_AT},
	{200, "x%ext.example", 1500, 0, true, RL_ADDR_PERCENT_HACK},
};

/* Write a domain of exactly N octets (7, or 9 and more): labels of at
 * most 9 'b's, then "example". */
static size_t put_domain(char *p, size_t n)
{
	size_t o = 0, rest = n > 8 ? n - 8 : 0; /* 8: ".example" */

	while (rest > 0) {
		size_t take = rest < 9 ? rest : 9;

		if (rest - take == 1) /* a lone '.' would be left: share it */
			take--;
		memset(p + o, 'b', take);
		o += take;
		rest -= take;
		p[o++] = '.';
		if (rest > 0)
			rest--;
	}
	memcpy(p + o, "example", 7);
	return o + 7;
}

static void test_length_limits(void **state)
{
	static char buf[8192];
	static const char cjk[] = "\xe4\xbe\x8b"; /* U+4F8B */

	(void)state;
	for (size_t i = 0; i < sizeof len_cases / sizeof len_cases[0]; i++) {
		const struct len_case *c = &len_cases[i];
		struct rl_address a;
		size_t o = 0, t = strlen(c->trick);

		if (c->brackets)
			buf[o++] = '<';
		memcpy(buf + o, c->trick, t);
		memset(buf + o + t, 'a', c->local > t ? c->local - t : 0);
		o += c->local > t ? c->local : t;
		buf[o++] = '@';
		if (c->domain == 0) {
			for (int l = 0; l < c->ulabels; l++) {
				for (int k = 0; k < 20; k++, o += 3)
					memcpy(buf + o, cjk, 3);
				buf[o++] = '.';
			}
			memcpy(buf + o, "example", 7);
			o += 7;
		} else if (c->domain == 14)
			memcpy(buf + o, "hosted.example", 14), o += 14;
		else
			o += put_domain(buf + o, c->domain);
		if (c->brackets)
			buf[o++] = '>';
		buf[o] = '\0';

		enum rl_addr_kind kind = rl_address_parse(buf, o, &a);

		if (kind != c->kind)
			print_error("length case %zu (%zu octets): kind %d, want %d\n",
			            i, o, (int)kind, (int)c->kind);
		assert_int_equal(kind, c->kind);
	}
}

/* The domain builder itself: exact lengths, valid labels. */
static void test_put_domain(void **state)
{
	char buf[2048], out[RL_DOMAIN_MAX + 1];

	(void)state;
	for (size_t n = 9; n <= 255; n++) {
		assert_int_equal(put_domain(buf, n), n);
		assert_int_equal(rl_domain_canonical(buf, n, out), (int)n);
	}
}

/* A 64-octet label is too long for DNS: syntax, not too_long. */
static void test_long_label(void **state)
{
	char buf[128];
	struct rl_address a;

	(void)state;
	strcpy(buf, "u@");
	memset(buf + 2, 'b', 63);
	strcpy(buf + 65, ".example");
	assert_int_equal(rl_address_parse(buf, strlen(buf), &a), RL_ADDR_MAILBOX);
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
	assert_int_equal(rl_domain_canonical("XN--BCHER-KVA.example", 21, out), 21);
	assert_string_equal(out, "xn--bcher-kva.example");
	assert_int_equal(rl_domain_canonical("xn--zzzz", 8, out), -1);
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
		cmocka_unit_test(test_put_domain),
		cmocka_unit_test(test_long_label),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_domain_canonical),
		cmocka_unit_test(test_postmaster),
	};

	return cmocka_run_group_tests_name("address", tests, NULL, NULL);
}
