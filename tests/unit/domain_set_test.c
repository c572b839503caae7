/* domain_set_test.c - exact names, ".parent" subdomains, literals, scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "address.h"
#include "domain_set.h"

static bool match(const struct rl_domain_set *set, const char *raw)
{
	char canon[RL_DOMAIN_MAX + 1];
	int n = rl_domain_canonical(raw, strlen(raw), canon);

	return n > 0 && rl_domain_set_match(set, canon, (size_t)n);
}

static void add_ok(struct rl_domain_set *set, const char *text)
{
	const char *err;

	assert_int_equal(rl_domain_set_add(set, text, strlen(text), &err), 0);
	assert_null(err);
}

static void test_matching(void **state)
{
	static const struct {
		const char *domain;
		bool hosted;
	} cases[] = {
		{"example.com", true},
		{"EXAMPLE.com.", true},
		{"badexample.com", false},
		{"www.example.com", false},       /* exact entry only */
		{"example.com.evil.example", false},
		{"sub.example.org", true},         /* ".example.org" */
		{"a.b.c.example.org", true},
		{"example.org", false},            /* parent only covers subdomains */
		{"notexample.org", false},
		{"x.notexample.org", false},
		{"[192.0.2.5]", true},
		{"[192.0.2.6]", false},
		{"[IPv6:2001:DB8:0::5]", true},
		{"[IPv6:2001:db8::6]", false},
		{"\xe4\xbe\x8b\xe5\xad\x90.example", true},
		{"hosted.example.ext.example", false},
		{"evilhosted.example", false},
		/* IDN: every form of an entry, whichever form was listed. */
		{"xn--fsqu00a.example", true},
		{"XN--FSQU00A.EXAMPLE", true},
		{"b\xc3\xbc" "cher.example", true},
		{"B\xc3\x9c" "CHER.Example.", true},
		{"xn--bcher-kva.example", true},
		{"bucher.example", false},
		{"x.m\xc3\xbcnchen.example", true},      /* ".xn--mnchen-3ya.example" */
		{"x.xn--mnchen-3ya.example", true},
		{"m\xc3\xbcnchen.example", false},
	};
	struct rl_domain_set *set = rl_domain_set_new();

	(void)state;
	assert_non_null(set);
	add_ok(set, "Example.COM");
	add_ok(set, ".example.org");
	add_ok(set, "[192.0.2.5]");
	add_ok(set, "[IPv6:2001:db8::5]");
	add_ok(set, "\xe4\xbe\x8b\xe5\xad\x90.example");
	add_ok(set, "hosted.example");
	add_ok(set, "B\xc3\x9c" "CHER.example");
	add_ok(set, ".xn--mnchen-3ya.example");
	add_ok(set, "example.com."); /* duplicate after canonicalisation */
	add_ok(set, "xn--bcher-kva.example"); /* the same, as an A-label */
	assert_int_equal(rl_domain_set_count(set), 8);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (match(set, cases[i].domain) != cases[i].hosted)
			print_error("\"%s\"\n", cases[i].domain);
		assert_int_equal(match(set, cases[i].domain), cases[i].hosted);
	}
	rl_domain_set_free(set);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", ".", "..example.com", "a..b", "-a.example", "a-.example",
		"exa mple.com", "under_score.example", "[1.2.3.4", "[300.0.0.1]",
		".[192.0.2.1]", "a@b.example", "\xff.example",
		"xn--zzzz.example", "xn--abc.example", ".xn--.example",
		"\xf0\x9f\x92\xa9.example", "a\xef\xbc\xa0" "b.example",
	};
	struct rl_domain_set *set = rl_domain_set_new();
	const char *err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = rl_domain_set_add(set, bad[i], strlen(bad[i]), &err);

		if (r != -1)
			print_error("\"%s\" accepted\n", bad[i]);
		assert_int_equal(r, -1);
		assert_non_null(err);
	}
	assert_int_equal(rl_domain_set_count(set), 0);
	assert_false(match(set, "example.com"));
	rl_domain_set_free(set);
}

static void test_many(void **state)
{
	struct rl_domain_set *set = rl_domain_set_new();
	char name[64];
	const char *err;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(name, sizeof name, "d%d.example", i);

		assert_int_equal(rl_domain_set_add(set, name, (size_t)n, &err), 0);
	}
	assert_int_equal(rl_domain_set_count(set), 100000);
	for (int i = 0; i < 100000; i += 997) {
		snprintf(name, sizeof name, "d%d.example", i);
		assert_true(match(set, name));
		snprintf(name, sizeof name, "x%d.example", i);
		assert_false(match(set, name));
	}
	rl_domain_set_free(set);
	assert_false(rl_domain_set_match(NULL, "a", 1));
}

static bool collect(const char *entry, void *arg)
{
	char *buf = arg;

	strcat(buf, entry);
	strcat(buf, " ");
	return strcmp(entry, "[192.0.2.5]") == 0; /* stop here */
}

static void test_find(void **state)
{
	struct rl_domain_set *set = rl_domain_set_new();
	char seen[256] = "";

	(void)state;
	add_ok(set, "B.example");
	add_ok(set, ".parent.example");
	add_ok(set, "b.example."); /* a duplicate is listed once */
	add_ok(set, "[192.0.2.5]");
	add_ok(set, "after.example");
	assert_true(rl_domain_set_find(set, collect, seen));
	assert_string_equal(seen, "b.example .parent.example [192.0.2.5] ");
	seen[0] = '\0';
	assert_false(rl_domain_set_find(NULL, collect, seen));
	assert_string_equal(seen, "");
	rl_domain_set_free(set);
}

/* rl_domain_set_has: the entry itself, never a parent match. */
static void test_has(void **state)
{
	static const struct {
		const char *key;
		bool has;
	} cases[] = {
		{"b.example", true}, {".parent.example", true}, {"x.b.example", false},
		{"x.parent.example", false}, {"parent.example", false},
		{".b.example", false}, {"", false},
	};
	struct rl_domain_set *set = rl_domain_set_new();

	(void)state;
	add_ok(set, "B.example");
	add_ok(set, ".parent.example");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (rl_domain_set_has(set, cases[i].key, strlen(cases[i].key)) != cases[i].has)
			fail_msg("has(\"%s\") != %d", cases[i].key, cases[i].has);
	assert_false(rl_domain_set_has(NULL, "b.example", 9));
	rl_domain_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_has),
	};

	return cmocka_run_group_tests_name("domain_set", tests, NULL, NULL);
}
