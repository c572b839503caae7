/* sm_source_test.c - the Sendmail source on hand-written sendmail.cf
 * fragments: every class form, -o files, scanf formats, comments, macros,
 * $= copies, program and map classes, class R networks and subdomains,
 * relay_hosts_only, the access map (built here with libdb, as makemap
 * hash builds it), unreadable files, malformed input. The host's names
 * are fixed, so no resolver is asked. */
#include <db.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sendmail_source.h"
#include "source.h"
#include "table_util.h"

static const struct sm_host host = {
	.canon = "mx.example.net", .nodename = "mx",
	.names = {"mx", "alias.example.net", "[192.0.2.1]"}, .n_names = 3,
};

/* Rcpt_ok's class R rule, as proto.m4 writes it with and without
 * FEATURE(relay_hosts_only). */
#define RCPT_OK "SRcpt_ok\nR$+ < @ $* $=R >\t$@ RELAY\n"
#define RCPT_OK_HOSTS_ONLY "SRcpt_ok\nR$+ < @ $=R >\t$@ RELAY\n"

/* Ruleset D's ".parent" lookup, FEATURE(access_db, , lookupdotdomain). */
#define LOOKUP_DOT "SD\nR<?> <$+.$+> <$+> <$- $-> <$*>\t" \
	"$: < $(access $5:.$2 $: ? $) > <$1.$2> <$3> <$4 $5> <$6>\n"

static struct rl_diag errors, warnings;

/* Write CF (with "@D@" replaced by the scratch directory) and load it. */
static void *load(const char *cf)
{
	char text[8192], *o = text;

	for (const char *p = cf; *p && o < text + sizeof text - 256; p++) {
		if (strncmp(p, "@D@", 3) == 0) {
			o += snprintf(o, 200, "%s", tu_dir());
			p += 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	return rl_sendmail_load_host(tu_write("sendmail.cf", text), &host,
	                             &errors, &warnings);
}

static const char *names[] = {"NO", "YES", "ERROR"};

static const char *ask(void *s, const char *domain)
{
	char why[RL_SRC_WHY_MAX];

	return names[rl_sendmail_ops.match(s, domain, strlen(domain), why,
	                                   sizeof why)];
}

/* Every "domain=ANSWER" in LIST (space separated) must hold. */
static void expect(void *s, const char *list)
{
	char buf[2048], *save, *tok;

	assert_non_null(s);
	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		assert_non_null(eq);
		*eq = '\0';
		if (strcmp(ask(s, tok), eq + 1) != 0)
			fail_msg("%s: got %s, want %s", tok, ask(s, tok), eq + 1);
	}
}

static bool diag_has(const struct rl_diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], text))
			return true;
	return false;
}

static void test_class_w_forms(void **state)
{
	void *s;

	(void)state;
	tu_write("lhn", "cw1.test\ncw2.test second.test\n# c.test\n  Space.TEST\n"
	                "[192.0.2.9]\ntrail.test.\n#\n");
	s = load("V10/Berkeley\nCwlocalhost\nCw a.test  b.test\nC{w}c.test\n"
	         "Fw@D@/lhn\nFw-o @D@/absent\nFw -o @D@/absent2 %s\n"
	         "Cw folded.test\n\tcontinued.test\nDjmail.example.net\n");
	expect(s, "localhost=YES a.test=YES b.test=YES c.test=YES cw1.test=YES"
	          " cw2.test=YES second.test=NO space.test=YES trail.test=NO"
	          " sub.a.test=NO folded.test=YES continued.test=YES"
	          " mx.example.net=YES mx=YES alias.example.net=YES"
	          " mail.example.net=YES c.test.x=NO unlisted.test=NO");
	assert_int_equal(errors.n, 0);
	assert_true(diag_has(&warnings, "lhn:6: class {w}: \"trail.test.\""));
	rl_sendmail_ops.free(s);
}

static void test_scanf_formats(void **state)
{
	void *s;

	(void)state;
	tu_write("f1", "a1.test a2.test # a3.test\n#a4.test\n");
	tu_write("f2", "b1.test b2.test\n");
	tu_write("f3", "host=c1.test,x\nc2.test\n");
	/* "\#" is a '#' in a cf; a bare '#' starts a comment: "%[^" */
	s = load("V10\nFw@D@/f1 %[^\\#]\nFw@D@/f2 %[^#]\nFw@D@/f3 host=%[^,]\n");
	expect(s, "a1.test=YES a2.test=YES a3.test=NO a4.test=NO b1.test=YES"
	          " b2.test=YES c1.test=YES c2.test=NO");
	assert_true(diag_has(&warnings, "has no ']'"));
	rl_sendmail_ops.free(s);
	assert_null(load("V10\nFw@D@/f1 %d\n"));
	assert_true(diag_has(&errors, "sendmail.cf:2: F{w}: scanf format"));
	assert_null(load("V10\nFw@D@/f1 %s%s\n"));
	assert_null(load("V10\nFw@D@/f1 %*s\n"));
}

static void test_comments_and_macros(void **state)
{
	void *s;

	(void)state;
	s = load("Cwearly.test # pre.test\nV10/Berkeley\n"
	         "Cwlate.test # comment.test\nD{Dom}dom.test\n"
	         "Cw${Dom} www.${Dom} $m.alt $$dollar.test\nDmm.test\nCw$m\n");
	expect(s, "early.test=YES pre.test=YES late.test=YES"
	          " comment.test=NO dom.test=YES www.dom.test=YES"
	          " example.net.alt=YES m.test=YES");
	rl_sendmail_ops.free(s);
	/* $j is expanded after the cf, with the cf's $w */
	s = load("V10\nDwother.test\nDj$w.sub\n");
	expect(s, "other.test.sub=YES other.test=NO mx.example.net=YES");
	rl_sendmail_ops.free(s);
	assert_null(load("V10\nCw$x\n"));
	assert_true(diag_has(&errors, "sendmail.cf:2: C{w}: a macro no D line"));
	assert_null(load("V10\nCw$?x a $| b $.\n"));
	assert_true(diag_has(&errors, "metasymbol"));
	assert_null(load("V10\nDa$b\nDb$a\nCw$a\n"));
	assert_true(diag_has(&errors, "too deep"));
}

static void test_class_copies(void **state)
{
	void *s;

	(void)state;
	s = load("V10\nC{VirtHost}v1.test\nC{Other}o1.test\nCR$={VirtHost}\n"
	         "C{VirtHost}v2.test\nCw$={Other}\nC{Other}o2.test\n" RCPT_OK);
	expect(s, "v1.test=YES sub.v1.test=YES v2.test=NO o1.test=YES"
	          " o2.test=NO sub.o1.test=NO");
	rl_sendmail_ops.free(s);
}

struct refused {
	const char *cf, *message;
};

static const struct refused refused[] = {
	{"V10\nFw|/usr/bin/hostnames\n", "sendmail.cf:2: F{w}|/usr/bin/hostnames: class filled from a program"},
	{"V10\nF{w}@ldap:-k (cn=%0) -v x\n", "F{w}@ldap:-k (cn=%0) -v x: class filled from a map"},
	{"V10\nF{VirtHost}@LDAP\n", "sendmail.cf:2: F{VirtHost}@LDAP: class filled from a map"},
	{"V10\nFR-o key@hash:/etc/mail/classes\n", "F{R}key@hash:/etc/mail/classes"},
	{"V10\nF{X}|/bin/prog\nCw$={X}\n", "F{X}|/bin/prog: class filled from a program"},
	{"V10\nFwrelative/file\n", "relative file name"},
	{"V10\nFw\"/unterminated\n", "illegal or missing file name"},
	{"V10\nC{bad-name}x.test\n", "invalid macro/class name"},
	{"V10\nC{w x.test\n", "invalid macro/class name"},
	{"V10\nKaccess ldap -1 -v x -k (x)\n", "Kaccess ldap: relaylock reads"},
	{"V10\nKaccess hash -o\n", "Kaccess: missing, relative"},
};

static void test_refused(void **state)
{
	void *s;

	(void)state;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (load(refused[i].cf) != NULL)
			fail_msg("loaded: %s", refused[i].cf);
		if (!diag_has(&errors, refused[i].message))
			fail_msg("%s: no \"%s\" in \"%s\"", refused[i].cf,
			         refused[i].message, errors.n ? errors.msg[0] : "");
	}
	/* a class that never reaches w, R or {VirtHost} is not read at all */
	s = load("V10\nF{trusted}|/bin/prog\nFt@ldap:x\nCwok.test\n");
	expect(s, "ok.test=YES");
	rl_sendmail_ops.free(s);
}

static void test_class_r(void **state)
{
	const char *cf = "V10\nFR-o @D@/rd\nC{R}cr.test 10.1 IPv6:2001:db8::\n";
	void *s;

	(void)state;
	tu_write("rd", "rd.test\n192.168.1\nIPv6:2001:db8\n.dot.test\n"
	               "[10.0.0.1]\n");
	s = load(tu_fmt("%s%s", cf, RCPT_OK));
	expect(s, "rd.test=YES a.b.rd.test=YES xrd.test=NO dot.test=NO"
	          " x.dot.test=YES cr.test=YES sub.cr.test=YES 192.168.1=NO"
	          " x.192.168.1=NO 10.1=NO");
	assert_false(diag_has(&warnings, "192.168.1"));
	rl_sendmail_ops.free(s);
	s = load(tu_fmt("%s%s", cf, RCPT_OK_HOSTS_ONLY));
	expect(s, "rd.test=YES a.b.rd.test=NO x.dot.test=NO cr.test=YES"
	          " sub.cr.test=NO");
	rl_sendmail_ops.free(s);
	s = load(tu_fmt("%sSRcpt_ok\nR$+ < @ $={R} >\t$@ RELAY\n", cf));
	expect(s, "rd.test=YES a.b.rd.test=NO");
	rl_sendmail_ops.free(s);
	/* relay_entire_domain is a permission: no domain, a warning */
	s = load("V10\nCmexample.net\nCwa.test\nSRcpt_ok\n"
	         "R$+ < @ $* $=m >\t$@ RELAY\nR$+ < @ $=w >\t$@ RELAY\n");
	expect(s, "example.net=NO sub.example.net=NO mx.example.net=YES");
	assert_true(diag_has(&warnings, "sendmail.cf:5: relay_entire_domain"));
	rl_sendmail_ops.free(s);
	/* no Rcpt_ok rule (promiscuous_relay): still the listed domains */
	s = load(cf);
	expect(s, "rd.test=YES a.b.rd.test=YES");
	rl_sendmail_ops.free(s);
}

static void db_put(DB *db, const char *k, const char *v)
{
	DBT key = {.data = (void *)k, .size = (u_int32_t)strlen(k)};
	DBT val = {.data = (void *)v, .size = (u_int32_t)strlen(v)};

	assert_int_equal(db->put(db, NULL, &key, &val, 0), 0);
}

/* An access map as makemap hash writes it: keys lower-cased. */
static void make_access(const char *name)
{
	DB *db;

	assert_int_equal(db_create(&db, NULL, 0), 0);
	assert_int_equal(db->open(db, NULL, tu_fmt("%s/%s.db", tu_dir(), name),
	                          NULL, DB_HASH, DB_CREATE | DB_TRUNCATE, 0644), 0);
	db_put(db, "to:acc.test", "RELAY");
	db_put(db, "to:sub.acc.test", "REJECT");
	db_put(db, "plain.test", " relay ");
	db_put(db, "to:ok.test", "OK");
	db_put(db, "connect:192.168.5", "RELAY");
	db_put(db, "connect:conn.test", "RELAY");
	db_put(db, "from:from.test", "RELAY");
	db_put(db, "192.168.7", "RELAY");
	db_put(db, "to:user@full.test", "RELAY");
	db_put(db, "to:nul.test", "RELAY");
	db_put(db, "to:.dotacc.test", "RELAY");
	db->close(db, 0);
}

static void test_access(void **state)
{
	const char *k = "V10\nKaccess hash -T<TMPF> -o @D@/access\n";
	void *s;

	(void)state;
	make_access("access");
	s = load(tu_fmt("%s%s", k, RCPT_OK));
	expect(s, "acc.test=YES x.acc.test=YES sub.acc.test=NO x.sub.acc.test=NO"
	          " plain.test=YES x.plain.test=YES ok.test=NO conn.test=NO"
	          " from.test=NO full.test=NO nul.test=YES unlisted.test=NO"
	          " x.dotacc.test=NO");
	assert_true(diag_has(&warnings, "1 To:user@domain RELAY"));
	rl_sendmail_ops.free(s);
	s = load(tu_fmt("%s%s%s", k, RCPT_OK, LOOKUP_DOT));
	expect(s, "dotacc.test=NO x.dotacc.test=YES y.x.dotacc.test=YES");
	rl_sendmail_ops.free(s);
	s = load(tu_fmt("%s%s%s", k, RCPT_OK_HOSTS_ONLY, LOOKUP_DOT));
	expect(s, "acc.test=YES x.acc.test=NO plain.test=YES x.plain.test=NO"
	          " x.dotacc.test=NO");
	rl_sendmail_ops.free(s);
	/* optional and absent: empty, as for Sendmail */
	s = load("V10\nKaccess hash -o @D@/none\nCwa.test\n");
	expect(s, "a.test=YES b.test=NO");
	rl_sendmail_ops.free(s);
}

static void test_unreadable(void **state)
{
	void *s;

	(void)state;
	s = load("V10\nCwa.test\nFw@D@/missing\n");
	expect(s, "a.test=YES b.test=ERROR");
	assert_true(diag_has(&warnings, "sendmail.cf:3: F{w}:"));
	rl_sendmail_ops.free(s);
	s = load("V10\nCwa.test\nKaccess hash @D@/missing-access\n");
	expect(s, "a.test=YES b.test=ERROR");
	assert_true(diag_has(&warnings, "access map:"));
	rl_sendmail_ops.free(s);
	{
		FILE *f = fopen(tu_fmt("%s/nul.cf", tu_dir()), "w");

		assert_non_null(f);
		fwrite("V10\nCwa.test\nCwb\0c\n", 1, 20, f);
		fclose(f);
	}
	assert_null(rl_sendmail_load_host(tu_fmt("%s/nul.cf", tu_dir()), &host,
	                                  &errors, &warnings));
	assert_true(diag_has(&errors, "nul.cf:3: NUL octet"));
	assert_null(rl_sendmail_load_host(tu_fmt("%s/no-such.cf", tu_dir()), &host,
	                                  &errors, &warnings));
	assert_true(diag_has(&errors, "no-such.cf: cannot read"));
}

/* A -o file that exists but cannot be read is no absent file: lookups
 * answer ERROR and the warning says what would let relaylock read it. Run
 * in a child as nobody (root reads anything). */
static void test_unreadable_optional(void **state)
{
	char dir[] = "/tmp/relaylock-smtest-XXXXXX", cf[64], secret[64];
	int status;
	pid_t pid;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(cf, sizeof cf, "%s/sendmail.cf", dir);
	snprintf(secret, sizeof secret, "%s/secret", dir);
	assert_non_null(f = fopen(secret, "w"));
	fputs("secret.test\n", f);
	fclose(f);
	assert_int_equal(chmod(secret, 0), 0);
	assert_non_null(f = fopen(cf, "w"));
	fprintf(f, "V10\nCwa.test\nFw-o %s\n", secret);
	fclose(f);
	assert_int_equal(chmod(cf, 0644), 0);
	if ((pid = fork()) == 0) {
		void *s;

		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		rl_diag_init(&errors);
		rl_diag_init(&warnings);
		s = rl_sendmail_load_host(cf, &host, &errors, &warnings);
		_exit(!s || strcmp(ask(s, "a.test"), "YES") ||
		      strcmp(ask(s, "secret.test"), "ERROR") ||
		      !diag_has(&warnings, "needs read access"));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(secret);
	unlink(cf);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_malformed_files(void **state)
{
	char big[3000];

	(void)state;
	memset(big, 'a', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	tu_write("long", big);
	assert_null(load("V10\nFw@D@/long\n"));
	assert_true(diag_has(&errors, "long:1: line longer"));
	/* a NUL octet inside a class file */
	{
		FILE *f = fopen(tu_fmt("%s/nul", tu_dir()), "w");

		assert_non_null(f);
		fwrite("a.test\nb\0c\n", 1, 11, f);
		fclose(f);
	}
	assert_null(load("V10\nFw@D@/nul\n"));
	assert_true(diag_has(&errors, "nul:2: NUL octet"));
}

static void test_mx_warning_and_spec(void **state)
{
	struct rl_diag e, w;
	struct rl_source *src;
	void *s;

	(void)state;
	s = load("V10\nKmxserved bestmx -z: -T<TEMP>\nCwa.test\n");
	assert_non_null(s);
	assert_true(diag_has(&warnings, "sendmail.cf:2: a bestmx map"));
	rl_sendmail_ops.free(s);
	rl_diag_init(&e);
	rl_diag_init(&w);
	src = rl_source_open(tu_fmt("sendmail:%s/sendmail.cf", tu_dir()), &e, &w);
	assert_non_null(src);
	rl_source_free(src);
	assert_null(rl_source_open("sendmail:relative.cf", &e, &w));
	assert_true(diag_has(&e, "unknown source"));
}

static void test_changed(void **state)
{
	struct rl_diag e, w;
	struct rl_source *src;
	const char *cf;

	(void)state;
	tu_write("ch-lhn", "a.test\n");
	unlink(tu_fmt("%s/ch-opt", tu_dir()));
	cf = tu_write("ch.cf", tu_fmt("V10\nFw%s/ch-lhn\nFw-o %s/ch-opt\n",
	                              tu_dir(), tu_dir()));
	rl_diag_init(&e);
	rl_diag_init(&w);
	assert_non_null(src = rl_source_open(tu_fmt("sendmail:%s", cf), &e, &w));
	assert_false(rl_source_changed(src));
	tu_write("ch-opt", "b.test\n"); /* an optional file appears */
	assert_true(rl_source_changed(src));
	rl_source_free(src);
	assert_non_null(src = rl_source_open(tu_fmt("sendmail:%s", cf), &e, &w));
	assert_false(rl_source_changed(src));
	tu_write("ch-lhn", "a.test\nc.test\n");
	assert_true(rl_source_changed(src));
	rl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_w_forms),
		cmocka_unit_test(test_scanf_formats),
		cmocka_unit_test(test_comments_and_macros),
		cmocka_unit_test(test_class_copies),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_class_r),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_unreadable_optional),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_mx_warning_and_spec),
		cmocka_unit_test(test_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
