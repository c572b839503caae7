/* pf_tables_test.c - every table type, built with the real postmap where
 * Postfix needs one, answers exact keys from memory; broken tables fail
 * lookups; malformed files are file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pf_table.h"
#include "table_util.h"

/* "KEY=A" lines: A is y (YES), n (NO) or e (ERROR). */
struct table_case {
	const char *file;       /* written in the scratch dir */
	const char *text;
	const char *postmap;    /* type to build with postmap, or NULL */
	const char *spec;       /* the file's path is appended */
	size_t keys, skipped;   /* expected counts (fixed-string tables) */
	const char *lookups;    /* "key=y key=n ..." */
};

static const struct table_case cases[] = {
	{"h", "a.test x\n.dot.test x\nuser@u.test x\nB.test x\n", "hash", "hash:",
	 3, 1, "a.test=y .dot.test=y b.test=y dot.test=n user@u.test=n x.a.test=n"},
	{"bt", "a.test x\nxn--bcher-kva.test x\n", "btree", "btree:", 2, 0,
	 "a.test=y xn--bcher-kva.test=y c.test=n"},
	{"l", "a.test x\n.dot.test x\n@at.test x\n", "lmdb", "lmdb:", 2, 1,
	 "a.test=y .dot.test=y at.test=n"},
	{"c", "a.test x\nb.test y\n", "cdb", "cdb:", 2, 0, "a.test=y b.test=y c.test=n"},
	{"t", "# c\na.test x\n  more\nUP.test x\n\nb.test   y\n", NULL, "texthash:",
	 2, 1, "a.test=y b.test=y up.test=n more=n"},
	{NULL, NULL, NULL, "inline:{ a.test=1, {b.test = x y}, C.test=2 }", 2, 1,
	 "a.test=y b.test=y c.test=n d.test=n"},
	{"r", "if /\\.test$/\n/^a[0-9]\\.test$/ OK\n!/^b/ X\nendif\n/^b\\.x$/i OK\n",
	 NULL, "regexp:", 0, 0, "a1.test=y a.test=y b.test=n b.x=y bb.y=n"},
	{"r2", "/^x\\.(a|b)$/!/^x\\.b/ OK\n", NULL, "regexp:", 0, 0,
	 "x.a=y x.b=n x.c=n"},
	{"p", "/^pc\\d+\\.test$/ OK\nif !/^no/\n/^n?x\\w+$/ OK\nendif\n", NULL,
	 "pcre:", 0, 0, "pc12.test=y pc.test=n xab=y noxab=n"},
	{"p2", "/^CASE$/i OK\n", NULL, "pcre:", 0, 0, "case=n CASE=y"},
	{NULL, NULL, NULL, "hash:/nonexistent/relaylock-test", 0, 0, "a.test=e"},
	{NULL, NULL, NULL, "texthash:/nonexistent/relaylock-test", 0, 0, "a.test=e"},
	{NULL, NULL, NULL, "regexp:/nonexistent/relaylock-test", 0, 0, "a.test=e"},
	{NULL, NULL, NULL, "pgsql:/etc/postfix/pgsql-domains.cf", 0, 0, "a.test=e"},
	{NULL, NULL, NULL, "proxy:mysql:/etc/postfix/my.cf", 0, 0, "a.test=e"},
	{NULL, NULL, NULL, "ldap:/etc/postfix/ldap.cf", 0, 0, "a.test=e"},
};

static enum rl_src_answer answer_of(char c)
{
	return c == 'y' ? RL_SRC_YES : c == 'e' ? RL_SRC_ERROR : RL_SRC_NO;
}

static void check_lookups(const struct pf_table *t, const char *spec,
                          const char *lookups)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof buf, "%s", lookups);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');

		*eq = '\0';
		if (pf_table_lookup(t, w, strlen(w)) != answer_of(eq[1]))
			fail_msg("%s: lookup %s: expected %c", spec, w, eq[1]);
	}
}

static void test_tables(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct table_case *c = &cases[i];
		const char *path = c->file ? tu_write(c->file, c->text) : "";
		const char *spec = tu_fmt("%s%s", c->spec, path);
		struct rl_diag diag;
		struct pf_table *t;

		if (c->postmap)
			tu_postmap(c->postmap, path);
		rl_diag_init(&diag);
		t = pf_table_open(spec, "main.cf", 1, &diag);
		if (!t)
			fail_msg("%s: %s", spec, diag.n ? diag.msg[0] : "no message");
		if (t->kind == PF_TABLE_KEYS && !t->error[0] &&
		    (rl_domain_set_count(t->keys) != c->keys || t->skipped != c->skipped))
			fail_msg("%s: %zu keys %zu skipped, expected %zu and %zu", spec,
			         rl_domain_set_count(t->keys), t->skipped, c->keys, c->skipped);
		check_lookups(t, spec, c->lookups);
		pf_table_free(t);
	}
}

/* Configuration errors: the table does not open and DIAG names the place. */
struct error_case {
	const char *file, *text, *spec, *message;
};

static const struct error_case errors[] = {
	{NULL, NULL, "static:OK", "main.cf:7: table \"static:OK\": type \"static\" is not supported"},
	{NULL, NULL, "tcp:127.0.0.1:9", "type \"tcp\" is not supported"},
	{NULL, NULL, "unionmap:{hash:/a}", "type \"unionmap\" is not supported"},
	{NULL, NULL, "sqlite:/etc/x.cf", "type \"sqlite\" is not supported"},
	{NULL, NULL, "inline:a.test=1", "expected inline:{key=value, ...}"},
	{NULL, NULL, "inline:{a.test}", "missing '='"},
	{"bad1", "a.test x\nlonely\n", "texthash:", "bad1:2: expected \"key whitespace value\""},
	{"bad2", "/a/ OK\n/unclosed OK\n", "regexp:", "bad2:2: no closing pattern delimiter"},
	{"bad3", "/a/ OK\n/(/ OK\n", "regexp:", "bad3:2: regexp \"(\""},
	{"bad4", "/a/q OK\n", "regexp:", "bad4:1: unknown regexp flag \"q\""},
	{"bad5", "if /a/\n/b/ OK\n", "regexp:", "bad5:1: if without endif"},
	{"bad6", "/b/ OK\nendif\n", "pcre:", "bad6:2: endif without if"},
	{"bad7", "/a/ OK\n/b/\n", "pcre:", "bad7:2: missing result"},
	{"bad8", "/a/!/b/ OK\n", "pcre:", "bad8:1: unexpected '!'"},
	{"bad9", "/(?<x/ OK\n", "pcre:", "bad9:1: pcre"},
	{"bad10", "a.test x\n\1\0zz\n", "texthash:", "expected"},
	{"bad11", "/x/ OK\n/a++/ OK\n", "regexp:", "bad11:2: regexp \"a++\": a repetition of a repetition"},
	{"bad12", "/a{200}{200}/ OK\n", "regexp:", "product exceeds 10000"},
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		const struct error_case *c = &errors[i];
		const char *path = c->file ? tu_write(c->file, c->text) : "";
		const char *spec = tu_fmt("%s%s", c->spec, path);
		struct rl_diag diag;
		struct pf_table *t;

		rl_diag_init(&diag);
		t = pf_table_open(spec, "main.cf", 7, &diag);
		if (t || diag.n != 1 || !strstr(diag.msg[0], c->message))
			fail_msg("%s: expected error \"%s\", got %s", spec, c->message,
			         t ? "a table" : diag.n ? diag.msg[0] : "nothing");
	}
}

/* A key file with a NUL inside a line is refused, not cut short. */
static void test_nul_in_text(void **state)
{
	const char *path = tu_fmt("%s/nul", tu_dir());
	struct rl_diag diag;
	FILE *f = fopen(path, "w");

	(void)state;
	assert_non_null(f);
	fwrite("a.test x\nb.te\0st x\n", 1, 19, f);
	fclose(f);
	rl_diag_init(&diag);
	assert_null(pf_table_open(tu_fmt("texthash:%s", path), "main.cf", 1, &diag));
	assert_non_null(strstr(diag.msg[0], "nul:2: NUL octet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_in_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
