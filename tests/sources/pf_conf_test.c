/* pf_conf_test.c - main.cf reading and $name expansion (postconf -hx),
 * then whole Postfix sources from a scratch directory: defaults, master.cf
 * -o overrides, permit_mx_backup, configuration errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "postfix_conf.h"
#include "source.h"
#include "table_util.h"

struct expand_case {
	const char *main_cf, *param;
	const char *want;     /* expanded value, or NULL for an error */
	const char *message;  /* error or warning text expected, or NULL */
};

static const struct expand_case cases[] = {
	{"myhostname = mx.example.com\n", "mydestination",
	 "mx.example.com, localhost.example.com, localhost", NULL},
	{"myhostname = mx.test\n", "mydestination", "mx.test, localhost.localdomain, localhost",
	 NULL},
	{"", "mydestination", "host.localdomain, localhost.localdomain, localhost", NULL},
	{"mydomain = d.test\n", "myhostname", "host.d.test", NULL},
	{"a = 1\nb = $a${a}$(a)\n", "b", "111", NULL},
	{"a = x\nb = ${a?yes}${a:no}|${c?yes}${c:{no, really}}\n", "b", "yes|no, really",
	 "$c is not set"},
	{"a = first\na = second\n", "a", "second", NULL},
	{"list = a,\n  b\n# comment\n  c\n", "list", "a,   b   c", NULL},
	{"virtual_mailbox_maps = hash:/x\n", "virtual_mailbox_domains", "hash:/x", NULL},
	{"virtual_alias_maps = $v\nv = lmdb:/y\n", "virtual_alias_domains", "lmdb:/y", NULL},
	{"mydestination = m.test\n", "relay_domains", "m.test", NULL},
	{"compatibility_level = 2\nmydestination = m.test\n", "relay_domains", "", NULL},
	{"compatibility_level = 1\nmydestination = m.test\n", "relay_domains", "m.test", NULL},
	{"compatibility_level = 3.6\n", "relay_domains", "", NULL},
	{"a = $b\nb = $a\n", "a", NULL, "main.cf:1: a: $name expansion nested deeper than 30"},
	{"a = ${b\n", "a", NULL, "main.cf:1: a: unbalanced ${ or $("},
	{"a = $\n", "a", NULL, "'$' not followed by a parameter name"},
	{"a = ${{$b} == {x} ? {y} : {z}}\n", "a", NULL, "unsupported ${...} expression"},
};

static void test_expand(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct expand_case *c = &cases[i];
		struct rl_diag errors, warnings;
		struct pf_conf *conf;
		unsigned line;
		char *v;

		rl_diag_init(&errors);
		rl_diag_init(&warnings);
		conf = pf_conf_parse("main.cf", c->main_cf, strlen(c->main_cf), "host",
		                     &errors);
		assert_non_null(conf);
		v = pf_conf_expand(conf, c->param, &line, &errors, &warnings);
		if (c->want ? !v || strcmp(v, c->want) != 0 : v != NULL)
			fail_msg("case %zu: %s = \"%s\", expected \"%s\"", i, c->param,
			         v ? v : "(error)", c->want ? c->want : "(error)");
		if (c->message &&
		    !strstr(c->want ? warnings.msg[0] : errors.msg[0], c->message))
			fail_msg("case %zu: expected message \"%s\"", i, c->message);
		if (!c->message && (errors.n || warnings.n))
			fail_msg("case %zu: unexpected \"%s\"", i,
			         errors.n ? errors.msg[0] : warnings.msg[0]);
		free(v);
		pf_conf_free(conf);
	}
}

static void test_syntax(void **state)
{
	static const char *const bad[][2] = {
		{"a = 1\nno equals here\n", "main.cf:2: missing '='"},
		{"= 1\n", "main.cf:1: missing parameter name"},
		{"a b = 1\n", "main.cf:1: whitespace in parameter name"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rl_diag errors;

		rl_diag_init(&errors);
		assert_null(pf_conf_parse("main.cf", bad[i][0], strlen(bad[i][0]), "h",
		                          &errors));
		if (errors.n != 1 || !strstr(errors.msg[0], bad[i][1]))
			fail_msg("\"%s\": expected \"%s\"", bad[i][0], bad[i][1]);
	}
}

/* A Postfix instance in DIR with MAIN and MASTER; returns the source. */
static struct rl_source *instance(const char *name, const char *main_cf,
                                  const char *master, struct rl_diag *errors,
                                  struct rl_diag *warnings)
{
	const char *dir = tu_fmt("%s/%s", tu_dir(), name);

	mkdir(dir, 0755);
	tu_write(tu_fmt("%s/main.cf", name), main_cf);
	if (master)
		tu_write(tu_fmt("%s/master.cf", name), master);
	rl_diag_init(errors);
	rl_diag_init(warnings);
	return rl_source_open(tu_fmt("postfix:%s", dir), errors, warnings);
}

static int has(const struct rl_diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], text))
			return 1;
	return 0;
}

static void test_source(void **state)
{
	struct rl_diag e, w;
	struct rl_source *src;
	char why[RL_SRC_WHY_MAX];

	(void)state;
	src = instance("p1", "compatibility_level = 3.6\nmyhostname = mx.p.test\n"
	               "smtpd_recipient_restrictions = permit_mx_backup,\n"
	               "  reject_unauth_destination\nrelay_domains = r.test\n",
	               "smtp inet n - y - - smtpd\n"
	               "2525 inet n - y - - smtpd\n  -o relay_domains=x.test\n"
	               "  -o { mydestination = a, b }\n"
	               "pickup unix n - y 60 1 pickup -o relay_domains=ignored\n", &e, &w);
	assert_non_null(src);
	assert_true(has(&w, "main.cf:3: smtpd_recipient_restrictions: permit_mx_backup"));
	assert_true(has(&w, "master.cf:2: service 2525 overrides relay_domains"));
	assert_true(has(&w, "master.cf:2: service 2525 overrides mydestination"));
	assert_false(has(&w, "service pickup"));
	assert_int_equal(rl_source_match(src, "mx.p.test", why, sizeof why), RL_SRC_YES);
	assert_string_equal(why, "postfix: mydestination mx.p.test");
	assert_int_equal(rl_source_match(src, "a.r.test", why, sizeof why), RL_SRC_YES);
	assert_int_equal(rl_source_match(src, "localhost", why, sizeof why), RL_SRC_YES);
	assert_int_equal(rl_source_match(src, "p.test", why, sizeof why), RL_SRC_NO);
	assert_string_equal(why, "");
	rl_source_free(src);

	/* compatibility_level 0: append_dot_mydomain and relay = mydestination */
	src = instance("p2", "myhostname = mx.q.test\nmydestination = q.test\n", NULL,
	               &e, &w);
	assert_non_null(src);
	assert_true(has(&w, "master.cf: cannot open"));
	assert_int_equal(rl_source_match(src, "q", why, sizeof why), RL_SRC_YES);
	assert_int_equal(rl_source_match(src, "x.q.test", why, sizeof why), RL_SRC_YES);
	assert_string_equal(why, "postfix: relay_domains q.test");
	rl_source_free(src);

	/* configuration errors give no source */
	assert_null(instance("p3", "relay_domains = static:OK\n", NULL, &e, &w));
	if (!has(&e, "p3/main.cf:1: table \"static:OK\""))
		fail_msg("got \"%s\"", e.n ? e.msg[0] : "");
	assert_null(instance("p4", "mydestination = $mydestination\n", NULL, &e, &w));
	assert_true(has(&e, "expansion nested deeper"));
	rl_diag_init(&e);
	assert_null(rl_source_open("postfix:/nonexistent/relaylock", &e, &w));
	assert_true(has(&e, "/nonexistent/relaylock/main.cf: cannot open"));
	rl_diag_init(&e);
	assert_null(rl_source_open("exim", &e, &w));
	assert_true(has(&e, "unknown source"));
}

static void collect(const char *path, bool exists, void *arg)
{
	char *out = arg;
	const char *base = strrchr(path, '/') + 1;

	snprintf(out + strlen(out), 512 - strlen(out), "%s%s ", base, exists ? "" : "?");
}

/* A source says when a file it read (or could not) has changed. */
static void test_refresh(void **state)
{
	char d[512], main_cf[2048];
	struct rl_diag e, w;
	struct rl_source *src;
	char files[512] = "";

	(void)state;
	snprintf(d, sizeof d, "%s/p5", tu_dir());
	snprintf(main_cf, sizeof main_cf, "mydestination = %s/dest.list, hash:%s/h\n"
	         "relay_domains = %s/missing.list\n", d, d, d);
	mkdir(d, 0755);
	tu_write("p5/dest.list", "a.test\n");
	tu_postmap("hash", tu_write("p5/h", "b.test x\n"));
	src = instance("p5", main_cf, NULL, &e, &w);
	assert_non_null(src);
	rl_source_files(src, collect, files);
	assert_string_equal(files, "main.cf master.cf? dest.list h.db missing.list? ");
	assert_false(rl_source_changed(src));
	tu_write("p5/dest.list", "a.test c.test\n");
	assert_true(rl_source_changed(src));
	rl_source_free(src);

	src = instance("p5", main_cf, NULL, &e, &w);
	assert_false(rl_source_changed(src));
	tu_write("p5/missing.list", "m.test\n");
	assert_true(rl_source_changed(src));
	rl_source_free(src);

	src = instance("p5", main_cf, NULL, &e, &w);
	assert_false(rl_source_changed(src));
	tu_postmap("hash", tu_write("p5/h", "b.test x\nd.test y\n"));
	assert_true(rl_source_changed(src));
	rl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
