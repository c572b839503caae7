/* pf_list_test.c - Postfix domain list semantics: order, negation, the
 * two matchers (string lists, host lists with and without parent
 * matching), /file items (nested), tables, and failures. "@" in a value
 * stands for the scratch directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "postfix_list.h"
#include "table_util.h"

#define S PF_LIST_STRING
#define H PF_LIST_HOST
#define P PF_LIST_HOST_PARENT

#define RUN "r0.test r1.test r2.test r3.test r4.test r5.test r6.test r7.test " \
	"r8.test r9.test r10.test r11.test r12.test r13.test r14.test r15.test "

struct list_case {
	enum pf_list_style style;
	const char *value;
	const char *lookups; /* "domain=y|n|e ..." */
};

static const struct list_case cases[] = {
	/* literal names, case folded, exact in string lists */
	{S, "A.test, b.test", "a.test=y b.test=y x.a.test=n test=n"},
	{S, ".dot.test", "x.dot.test=n dot.test=n"},
	/* first match wins; "!" negates; "!!" cancels */
	{S, "!a.test a.test", "a.test=n"},
	{S, "a.test !a.test", "a.test=y"},
	{S, "!!a.test", "a.test=y"},
	/* host list without parent matching: ".x" covers subdomains only */
	{H, "a.test .dot.test", "a.test=y x.a.test=n x.dot.test=y y.x.dot.test=y dot.test=n"},
	/* with parent matching: "x" covers subdomains; ".x" then matches nothing
	 * sensible (Postfix's match_hostname, checked by the oracle test) */
	{P, "a.test .dot.test", "a.test=y x.a.test=y y.x.a.test=y x.dot.test=n dot.test=n"},
	{P, "!no.a.test a.test", "x.no.a.test=n no.a.test=n x.a.test=y"},
	{P, "a.test", "xa.test=n test=n"},
	/* tables: one lookup in string lists, parents in host lists */
	{S, "hash:@/h", "k.test=y x.k.test=n x.dk.test=n"},
	{H, "hash:@/h", "k.test=y x.k.test=n x.dk.test=y dk.test=n"},
	{P, "hash:@/h", "k.test=y x.k.test=y x.dk.test=n y.p.test=y"},
	{P, "regexp:@/re", "a.re.test=n re.test=y"},
	{S, "!hash:@/h, k.test", "k.test=n"},
	/* /file items, nested, negated as a whole */
	{S, "@/l1", "f1.test=y f2.test=y neg.test=n nested.test=y"},
	{S, "!@/l1 f1.test neg.test", "f1.test=n neg.test=y"},
	/* an unreadable /file or table fails lookups from its place on */
	{S, "a.test @/missing b.test", "a.test=y b.test=e c.test=e"},
	{S, "!a.test hash:@/missing", "a.test=n c.test=e"},
	{S, "a.test pgsql:/etc/postfix/x.cf", "a.test=y c.test=e"},
	/* text that is no domain is ignored, IDNs kept as A-labels */
	{S, "user@x.test, B\xc3\xbc" "cher.test", "x.test=n xn--bcher-kva.test=y"},
	{S, "", "a.test=n"},
	/* 16 names and more in a row are kept as one run: same answers */
	{S, RUN "a.test .dot.test", "a.test=y x.a.test=n x.dot.test=n r7.test=y r77.test=n"},
	{H, RUN "a.test .dot.test", "a.test=y x.a.test=n x.dot.test=y y.x.dot.test=y dot.test=n"},
	{P, RUN "a.test .dot.test", "a.test=y x.a.test=y x.dot.test=n r7.test=y y.r7.test=y"},
	{P, "!no.a.test " RUN "a.test", "x.no.a.test=n no.a.test=n x.a.test=y"},
	{S, "!r3.test " RUN "hash:@/missing", "r3.test=n r4.test=y q.test=e"},
};

static const char *with_dir(const char *text)
{
	static char out[2048];
	size_t n = 0;

	for (; *text && n < sizeof out - 600; text++) {
		if (*text == '@' && text[1] == '/')
			n += (size_t)snprintf(out + n, sizeof out - n, "%s", tu_dir());
		else
			out[n++] = *text;
	}
	out[n] = '\0';
	return out;
}

static enum rl_src_answer answer_of(char c)
{
	return c == 'y' ? RL_SRC_YES : c == 'e' ? RL_SRC_ERROR : RL_SRC_NO;
}

static int setup(void **state)
{
	(void)state;
	tu_postmap("hash", tu_write("h", "k.test x\n.dk.test x\np.test x\n"));
	tu_write("re", "/^re\\.test$/ OK\n");
	tu_write("l1", "# comment\nf1.test,\n  f2.test !neg.test\n");
	tu_write("l1", with_dir("f1.test,\n  f2.test !neg.test\n@/l2\n"));
	tu_write("l2", "nested.test\n");
	tu_write("loop", with_dir("a.test @/loop\n"));
	return 0;
}

static void test_lists(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct list_case *c = &cases[i];
		char value[2048], buf[512], *save = NULL, why[256];
		struct rl_diag errors, warnings;
		struct pf_list *l;

		snprintf(value, sizeof value, "%s", with_dir(c->value));
		rl_diag_init(&errors);
		rl_diag_init(&warnings);
		l = pf_list_parse("test_domains", value, c->style, "main.cf", 3, &errors,
		                  &warnings);
		if (!l)
			fail_msg("\"%s\": %s", value, errors.msg[0]);
		snprintf(buf, sizeof buf, "%s", c->lookups);
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(w, '=');

			*eq = '\0';
			if (pf_list_match(l, w, strlen(w), why, sizeof why) != answer_of(eq[1]))
				fail_msg("case %zu \"%s\": %s: expected %c", i, value, w, eq[1]);
		}
		pf_list_free(l);
	}
}

struct error_case {
	const char *value, *message;
};

static const struct error_case errors[] = {
	{"a.test, !", "main.cf:3: test_domains: no pattern after '!'"},
	{"inline:{a.test=1", "main.cf:3: test_domains: unbalanced braces"},
	{"static:OK", "type \"static\" is not supported"},
	{"a.test @/loop", "files nested deeper than 8"},
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		struct rl_diag e, w;
		char value[1024];

		snprintf(value, sizeof value, "%s", with_dir(errors[i].value));
		rl_diag_init(&e);
		rl_diag_init(&w);
		if (pf_list_parse("test_domains", value, S, "main.cf", 3, &e, &w) ||
		    e.n == 0 || !strstr(e.msg[0], errors[i].message))
			fail_msg("\"%s\": expected \"%s\", got \"%s\"", value,
			         errors[i].message, e.n ? e.msg[0] : "");
	}
}

/* The explanation names the list, the item and, from a file, its place. */
static void test_why(void **state)
{
	struct rl_diag e, w;
	struct pf_list *l;
	char why[512];

	(void)state;
	rl_diag_init(&e);
	rl_diag_init(&w);
	l = pf_list_parse("relay_domains", with_dir("hash:@/h @/l1"), P, "main.cf",
	                  3, &e, &w);
	assert_non_null(l);
	assert_int_equal(pf_list_match(l, "a.p.test", 8, why, sizeof why), RL_SRC_YES);
	assert_string_equal(why, tu_fmt("relay_domains hash:%s/h", tu_dir()));
	assert_int_equal(pf_list_match(l, "nested.test", 11, why, sizeof why),
	                 RL_SRC_YES);
	assert_string_equal(why, tu_fmt("relay_domains nested.test (%s/l2:1)", tu_dir()));
	pf_list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_why),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
