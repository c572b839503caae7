/* net_set_test.c - CIDR parsing, exclusions, longest prefix, mapped IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "net_set.h"

static struct rl_net_set *build(const char *const *nets, size_t n)
{
	struct rl_net_set *set = rl_net_set_new();
	const char *err;
	uint32_t a, b;

	assert_non_null(set);
	for (size_t i = 0; i < n; i++) {
		if (rl_net_set_add(set, nets[i], (uint32_t)i, &err) != 0)
			print_error("\"%s\": %s\n", nets[i], err);
		assert_int_equal(rl_net_set_add(set, nets[i], (uint32_t)i, &err), 0);
	}
	assert_int_equal(rl_net_set_build(set, &a, &b), 0);
	return set;
}

static bool trusted(const struct rl_net_set *set, const char *text)
{
	struct rl_ip ip;

	assert_true(rl_ip_parse(text, &ip));
	return rl_net_set_match(set, &ip);
}

struct ip_case {
	const char *ip;
	bool trusted;
};

static void check(const struct rl_net_set *set, const struct ip_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (trusted(set, c[i].ip) != c[i].trusted)
			print_error("%s: want %d\n", c[i].ip, c[i].trusted);
		assert_int_equal(trusted(set, c[i].ip), c[i].trusted);
	}
}

static void test_longest_prefix(void **state)
{
	static const char *const nets[] = {
		"10.0.0.0/8", "!10.9.0.0/16", "10.9.8.0/24", "!10.9.8.7",
		"192.0.2.1", "2001:db8:1::/48", "!2001:db8:1:ff::/64", "::1",
		"::ffff:198.51.100.0/120", "255.255.255.0/24",
	};
	static const struct ip_case cases[] = {
		{"10.0.0.0", true}, {"10.255.255.255", true}, {"10.8.255.255", true},
		{"10.9.0.0", false}, {"10.9.255.255", false}, {"10.10.0.0", true},
		{"10.9.8.0", true}, {"10.9.8.6", true}, {"10.9.8.7", false},
		{"10.9.8.8", true}, {"10.9.8.255", true}, {"10.9.9.0", false},
		{"9.255.255.255", false}, {"11.0.0.0", false},
		{"192.0.2.1", true}, {"192.0.2.0", false}, {"192.0.2.2", false},
		{"::ffff:10.1.2.3", true}, {"::ffff:10.9.1.1", false},
		{"198.51.100.77", true}, {"198.51.101.1", false},
		{"255.255.255.255", true}, {"255.255.254.255", false},
		{"2001:db8:1::1", true}, {"2001:db8:1:fe:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:ff::1", false}, {"2001:db8:1:100::", true},
		{"2001:db8:2::1", false}, {"::1", true}, {"::2", false}, {"::", false},
		{"IPv6:2001:db8:1::9", true},
	};
	struct rl_net_set *set = build(nets, sizeof nets / sizeof nets[0]);

	(void)state;
	check(set, cases, sizeof cases / sizeof cases[0]);
	assert_int_equal(rl_net_set_count(set), 10);
	rl_net_set_free(set);
}

static void test_whole_space(void **state)
{
	static const char *const nets[] = {"0.0.0.0/0", "!203.0.113.0/24", "::/0"};
	static const struct ip_case cases[] = {
		{"0.0.0.0", true}, {"255.255.255.255", true}, {"203.0.113.9", false},
		{"203.0.114.0", true}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
	};
	struct rl_net_set *set = build(nets, sizeof nets / sizeof nets[0]);

	(void)state;
	check(set, cases, sizeof cases / sizeof cases[0]);
	rl_net_set_free(set);
}

static void test_empty_and_unbuilt(void **state)
{
	struct rl_net_set *set = rl_net_set_new();
	const char *err;
	uint32_t a, b;
	struct rl_ip ip;

	(void)state;
	assert_true(rl_ip_parse("10.0.0.1", &ip));
	assert_int_equal(rl_net_set_add(set, "10.0.0.0/8", 0, &err), 0);
	assert_false(rl_net_set_match(set, &ip)); /* not built: never trusted */
	assert_int_equal(rl_net_set_build(set, &a, &b), 0);
	assert_true(rl_net_set_match(set, &ip));
	assert_false(rl_net_set_match(set, NULL));
	assert_false(rl_net_set_match(NULL, &ip));
	rl_net_set_free(set);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
		"10.0.0", "10.0.0.256", "2001:db8::1/64", "2001:db8::/129", "",
		"!", "!!10.0.0.0/8", "host.example", "10.0.0.0/0008", " 10.0.0.0/8",
	};
	struct rl_net_set *set = rl_net_set_new();
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = rl_net_set_add(set, bad[i], 0, &err);

		if (r != -1)
			print_error("\"%s\" accepted\n", bad[i]);
		assert_int_equal(r, -1);
		assert_non_null(err);
	}
	rl_net_set_free(set);
}

static void test_conflict(void **state)
{
	struct rl_net_set *set = rl_net_set_new();
	const char *err;
	uint32_t a = 99, b = 99;

	(void)state;
	assert_int_equal(rl_net_set_add(set, "10.0.0.0/8", 7, &err), 0);
	assert_int_equal(rl_net_set_add(set, "10.0.0.0/8", 8, &err), 0); /* dup */
	assert_int_equal(rl_net_set_add(set, "!10.0.0.0/8", 9, &err), 0);
	assert_int_equal(rl_net_set_build(set, &a, &b), -1);
	assert_int_equal(a, 7);
	assert_int_equal(b, 9);
	rl_net_set_free(set);
}

static void test_ip_parse(void **state)
{
	struct rl_ip ip;
	char buf[64];

	(void)state;
	assert_true(rl_ip_parse("::ffff:10.1.2.3", &ip));
	assert_int_equal(ip.family, 2 /* AF_INET */);
	rl_ip_format(&ip, buf, sizeof buf);
	assert_string_equal(buf, "10.1.2.3");
	assert_true(rl_ip_parse("2001:DB8::1", &ip));
	rl_ip_format(&ip, buf, sizeof buf);
	assert_string_equal(buf, "2001:db8::1");
	assert_false(rl_ip_parse("unknown", &ip));
	assert_false(rl_ip_parse("0", &ip));
	assert_false(rl_ip_parse("", &ip));
	assert_false(rl_ip_parse(NULL, &ip));
	rl_ip_format(NULL, buf, sizeof buf);
	assert_string_equal(buf, "unknown");
}

static void test_many(void **state)
{
	struct rl_net_set *set = rl_net_set_new();
	const char *err;
	char text[64];
	uint32_t a, b;

	(void)state;
	/* 65536 /24s inside 10/8 with every fourth excluded, plus nested /32s. */
	for (unsigned i = 0; i < 65536; i++) {
		snprintf(text, sizeof text, "%s10.%u.%u.0/24", i % 4 ? "" : "!",
		         i >> 8, i & 255);
		assert_int_equal(rl_net_set_add(set, text, i, &err), 0);
	}
	assert_int_equal(rl_net_set_add(set, "!10.0.0.0/8", 1, &err), 0);
	assert_int_equal(rl_net_set_add(set, "10.0.0.9", 2, &err), 0);
	assert_int_equal(rl_net_set_build(set, &a, &b), 0);
	assert_true(trusted(set, "10.0.0.9"));     /* /32 inside an excluded /24 */
	assert_false(trusted(set, "10.0.0.8"));
	assert_true(trusted(set, "10.0.1.200"));
	assert_false(trusted(set, "10.0.4.1"));
	assert_true(trusted(set, "10.255.255.255"));
	assert_false(trusted(set, "11.0.0.0"));
	rl_net_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_whole_space),
		cmocka_unit_test(test_empty_and_unbuilt),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("net_set", tests, NULL, NULL);
}
