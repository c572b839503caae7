/* dir_cf_test.c - Postfix pgsql/mysql/ldap .cf files: keys, forms, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_cf.h"

static struct rl_diag diag;

static struct rl_dir_cf *parse(const char *text, enum rl_dir_type type)
{
	rl_diag_init(&diag);
	return rl_dir_cf_parse(text, strlen(text), "t.cf", type, &diag);
}

/* TEXT is refused with one error that contains WANT. */
static void refused(const char *text, enum rl_dir_type type, const char *want)
{
	struct rl_dir_cf *cf = parse(text, type);

	if (cf || diag.n == 0 || !strstr(diag.msg[0], want))
		print_error("text: %s\nwant: %s\ngot: %s\n", text, want,
		            diag.n ? diag.msg[0] : "(no error)");
	assert_null(cf);
	assert_true(diag.n >= 1);
	assert_non_null(strstr(diag.msg[0], want));
}

static void test_postfixadmin_pgsql(void **state)
{
	struct rl_dir_cf *cf = parse(
		"# postfixadmin\n"
		"user = postfix\n"
		"password = secret\n"
		"hosts = unix:/run/postgresql, inet:db1:5433 db2\n"
		"dbname = postfix\n"
		"query = SELECT domain FROM domain WHERE domain='%s'\n"
		"   and backupmx = false\n"
		"# a comment inside a continued setting\n"
		"\tand active = true\n"
		"result_format = %s\n"
		"expansion_limit = 1\n",
		RL_DIR_PGSQL);

	(void)state;
	assert_non_null(cf);
	assert_int_equal(cf->n_hosts, 3);
	assert_string_equal(cf->hosts[0], "unix:/run/postgresql");
	assert_string_equal(cf->hosts[1], "inet:db1:5433");
	assert_string_equal(cf->hosts[2], "db2");
	assert_string_equal(cf->query, "SELECT domain FROM domain WHERE domain='%s' "
	                    "and backupmx = false and active = true");
	assert_string_equal(rl_dir_cf_get(cf, "password", NULL), "secret");
	assert_null(rl_dir_cf_get(cf, "result_format", NULL)); /* ignored */
	assert_null(cf->never_why);
	rl_dir_cf_free(cf);
}

static void test_old_forms(void **state)
{
	struct rl_dir_cf *cf = parse("dbname = d\ntable = domain\nselect_field = domain\n"
	                             "where_field = domain\n"
	                             "additional_conditions = AND active = '1'\n",
	                             RL_DIR_MYSQL);

	(void)state;
	assert_non_null(cf);
	assert_string_equal(cf->query,
	                    "SELECT domain FROM domain WHERE domain='%s' AND active = '1'");
	assert_string_equal(cf->hosts[0], "localhost");
	rl_dir_cf_free(cf);
	cf = parse("select_function = is_hosted\ndbname = d\n", RL_DIR_PGSQL);
	assert_non_null(cf);
	assert_string_equal(cf->query, "SELECT is_hosted('%s')");
	rl_dir_cf_free(cf);
	/* query wins over the old form; the last setting of a key wins. */
	cf = parse("dbname = d\ntable = t\nquery = SELECT 1\nquery = SELECT 2 WHERE '%s'=''\n",
	           RL_DIR_MYSQL);
	assert_non_null(cf);
	assert_string_equal(cf->query, "SELECT 2 WHERE '%s'=''");
	rl_dir_cf_free(cf);
}

static void test_mysql_keys(void **state)
{
	struct rl_dir_cf *cf = parse(
		"hosts = unix:/var/run/mysqld/mysqld.sock 127.0.0.1:3306\n"
		"option_file = /etc/my.cnf\noption_group = postfix\n"
		"tls_cert_file = /c\ntls_key_file = /k\ntls_CAfile = /ca\n"
		"tls_CApath = /cap\ntls_ciphers = HIGH\ntls_verify_cert = yes\n"
		"require_result_set = no\nidle_interval = 60\nretry_interval = 60\ndbname = d\n"
		"query = SELECT domain FROM domain WHERE domain='%s' AND active = '1'\n",
		RL_DIR_MYSQL);

	(void)state;
	assert_non_null(cf);
	assert_true(cf->tls_verify_cert);
	assert_false(cf->require_result_set);
	assert_string_equal(rl_dir_cf_get(cf, "tls_CAfile", ""), "/ca");
	rl_dir_cf_free(cf);
}

static void test_ldap_keys(void **state)
{
	struct rl_dir_cf *cf = parse(
		"server_host = ldap://a.example ldaps://b.example:636,\n"
		"   ldapi://%2Frun%2Fslapd%2Fldapi c.example d.example:10389\n"
		"server_port = 3389\nsearch_base = o=domains,dc=example\n"
		"query_filter = (&(objectClass=mailDomain)(domainName=%s))\n"
		"result_attribute = domainName\nleaf_result_attribute = mail\n"
		"special_result_attribute = member\nscope = one\nbind = no\n"
		"version = 2\nstart_tls = yes\ntls_require_cert = demand\n"
		"timeout = 7\nsize_limit = 1\ndereference = 0\nchase_referrals = 1\n"
		"cache = no\ncache_expiry = 30\ncache_size = 32\ndebuglevel = 0\n"
		"expansion_limit = 1\nrecursion_limit = 10\nresult_format = %s\n",
		RL_DIR_LDAP);

	(void)state;
	assert_non_null(cf);
	assert_int_equal(cf->n_hosts, 5);
	assert_string_equal(cf->hosts[0], "ldap://a.example");
	assert_string_equal(cf->hosts[1], "ldaps://b.example:636");
	assert_string_equal(cf->hosts[2], "ldapi://%2Frun%2Fslapd%2Fldapi");
	assert_string_equal(cf->hosts[3], "ldap://c.example:3389");
	assert_string_equal(cf->hosts[4], "ldap://d.example:10389");
	assert_int_equal(cf->scope, RL_DIR_SCOPE_ONE);
	assert_int_equal(cf->bind, RL_DIR_BIND_NO);
	assert_int_equal(cf->version, 2);
	assert_true(cf->start_tls);
	assert_true(cf->tls_require_cert);
	assert_int_equal(cf->timeout, 7);
	assert_int_equal(cf->n_attrs, 2); /* result and leaf, not special */
	assert_string_equal(cf->attrs[0], "domainName");
	assert_string_equal(cf->attrs[1], "mail");
	rl_dir_cf_free(cf);
	/* Postfix's defaults. */
	cf = parse("search_base = dc=example\n", RL_DIR_LDAP);
	assert_non_null(cf);
	assert_string_equal(cf->hosts[0], "ldap://localhost:389");
	assert_string_equal(cf->query, "mailacceptinggeneralid=%s");
	assert_string_equal(cf->attrs[0], "maildrop");
	assert_int_equal(cf->scope, RL_DIR_SCOPE_SUB);
	assert_int_equal(cf->bind, RL_DIR_BIND_YES);
	assert_int_equal(cf->version, 3);
	rl_dir_cf_free(cf);
}

/* Postfix never looks up a bare domain with these: neither do we. */
static void test_never(void **state)
{
	static const char *const texts[] = {
		"dbname = d\nquery = SELECT 1 FROM d WHERE d='%s'\ndomain = example.com\n",
		"dbname = d\nquery = SELECT 1 FROM d WHERE d='%d'\n",
		"dbname = d\nquery = SELECT 1 FROM d WHERE tld='%1' AND d='%s'\n",
		"dbname = d\nquery = SELECT 1 FROM d WHERE d='%D'\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct rl_dir_cf *cf = parse(texts[i], RL_DIR_PGSQL);

		assert_non_null(cf);
		assert_non_null(cf->never_why);
		rl_dir_cf_free(cf);
	}
	struct rl_dir_cf *cf = parse("query = SELECT '%%' WHERE d='%u' OR d='%S'\n"
	                             "domain =\ndbname = d\n", RL_DIR_PGSQL);
	assert_non_null(cf);
	assert_null(cf->never_why);
	rl_dir_cf_free(cf);
}

static void test_errors(void **state)
{
	static const struct {
		enum rl_dir_type type;
		const char *text, *want;
	} cases[] = {
		{RL_DIR_PGSQL, "query = x\nhosts = h\nfrobnicate = 1\n",
		 "t.cf:3: unknown pgsql_table(5) key \"frobnicate\""},
		{RL_DIR_PGSQL, "query = x\nserver_host = h\n", "t.cf:2: unknown"},
		{RL_DIR_MYSQL, "select_function = f\n", "t.cf:1: unknown mysql"},
		{RL_DIR_LDAP, "search_base = x\nhosts = h\n", "t.cf:2: unknown ldap"},
		{RL_DIR_PGSQL, "query x\n", "t.cf:1: missing '='"},
		{RL_DIR_PGSQL, "  query = x\n", "t.cf:1: a line starting with white"},
		{RL_DIR_PGSQL, "user = u\n", "t.cf: no query"},
		{RL_DIR_PGSQL, "table = t\nwhere_field = d\n", "t.cf: no query"},
		{RL_DIR_PGSQL, "\nquery = SELECT '%x'\n", "t.cf:2: query: invalid % "},
		{RL_DIR_PGSQL, "query = SELECT '%s' %\n", "t.cf:1: query: invalid"},
		{RL_DIR_PGSQL, "query = q\nhosts =\n", "t.cf:2: hosts: empty"},
		{RL_DIR_MYSQL, "query = q\n", "t.cf: dbname is not set"},
		{RL_DIR_PGSQL, "query = q\ndbname =\n", "t.cf:2: dbname is not set"},
		{RL_DIR_PGSQL, "query = q\nhosts = unix:\n", "names no socket"},
		{RL_DIR_PGSQL, "query = q\nhosts = a b c d e f g h i\n",
		 "t.cf:2: hosts: more than 8 items"},
		{RL_DIR_MYSQL, "query = q\ntls_verify_cert = maybe\n",
		 "t.cf:2: tls_verify_cert: \"maybe\" is not yes or no"},
		{RL_DIR_LDAP, "query_filter = x\n", "t.cf: search_base is not set"},
		{RL_DIR_LDAP, "search_base = x\nscope = deep\n", "t.cf:2: scope:"},
		{RL_DIR_LDAP, "search_base = x\nbind = sasl\n", "t.cf:2: bind = sasl"},
		{RL_DIR_LDAP, "search_base = x\nbind = maybe\n", "t.cf:2: bind:"},
		{RL_DIR_LDAP, "search_base = x\nversion = 4\n", "t.cf:2: version:"},
		{RL_DIR_LDAP, "search_base = x\nserver_port = 0\n", "server_port:"},
		{RL_DIR_LDAP, "search_base = x\nserver_host =\n", "t.cf:2: server_host: empty"},
		{RL_DIR_LDAP, "search_base = x\ntimeout = 5s\n", "t.cf:2: timeout:"},
		{RL_DIR_LDAP, "search_base = x\nserver_host = http://h\n",
		 "t.cf:2: server_host: \"http://h\""},
		{RL_DIR_LDAP, "search_base = uid=%u,dc=x\n", "t.cf:1: search_base:"},
		{RL_DIR_LDAP, "search_base = x\nquery_filter = (d=%z)\n",
		 "query_filter: invalid"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		refused(cases[i].text, cases[i].type, cases[i].want);
}

static void test_bounds(void **state)
{
	char *big = malloc(RL_DIR_CF_SIZE_MAX + 2);
	char text[64];
	struct rl_dir_cf *cf;

	(void)state;
	assert_non_null(big);
	/* One setting longer than a value may be, through continuations. */
	strcpy(big, "query = x");
	for (size_t n = strlen(big); n < RL_DIR_VALUE_MAX + 100; n = strlen(big))
		strcat(big, "\n xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	refused(big, RL_DIR_PGSQL, "a setting longer than 4096 octets");
	memset(big, '#', RL_DIR_CF_SIZE_MAX + 1);
	big[RL_DIR_CF_SIZE_MAX + 1] = '\0';
	refused(big, RL_DIR_PGSQL, "larger than");
	free(big);
	memcpy(text, "query = a\0b\n", 12);
	rl_diag_init(&diag);
	cf = rl_dir_cf_parse(text, 12, "t.cf", RL_DIR_PGSQL, &diag);
	assert_null(cf);
	assert_non_null(strstr(diag.msg[0], "t.cf:1: NUL byte"));
	/* CRLF line ends are fine; the key alone, without spaces, too. */
	cf = parse("query=SELECT '%s'\r\nhosts=a\r\ndbname=d\r\n", RL_DIR_PGSQL);
	assert_non_null(cf);
	assert_string_equal(cf->query, "SELECT '%s'");
	rl_dir_cf_free(cf);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_password_mode(void **state)
{
	char dir[] = "/tmp/dir_cf_test-XXXXXX", path[64];
	struct rl_dir_cf *cf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/p.cf", dir);
	write_file(path, "query = q\ndbname = d\npassword = s3cret\n", 0644);
	rl_diag_init(&diag);
	assert_null(rl_dir_cf_load(path, RL_DIR_PGSQL, &diag));
	assert_int_equal(diag.n, 1);
	assert_non_null(strstr(diag.msg[0], path));
	assert_non_null(strstr(diag.msg[0], "mode 0644"));
	assert_non_null(strstr(diag.msg[0], "0640"));
	assert_non_null(strstr(diag.msg[0], "relaylock"));
	assert_int_equal(chmod(path, 0640), 0);
	rl_diag_init(&diag);
	cf = rl_dir_cf_load(path, RL_DIR_PGSQL, &diag);
	assert_non_null(cf);
	rl_dir_cf_free(cf);
	write_file(path, "search_base = x\nbind_pw = s3cret\n", 0604);
	rl_diag_init(&diag);
	assert_null(rl_dir_cf_load(path, RL_DIR_LDAP, &diag));
	/* No password: readable by all is fine. */
	write_file(path, "query = q\ndbname = d\nuser = u\n", 0644);
	rl_diag_init(&diag);
	cf = rl_dir_cf_load(path, RL_DIR_PGSQL, &diag);
	assert_non_null(cf);
	rl_dir_cf_free(cf);
	unlink(path);
	rl_diag_init(&diag);
	assert_null(rl_dir_cf_load(path, RL_DIR_PGSQL, &diag));
	assert_non_null(strstr(diag.msg[0], "cannot read"));
	rmdir(dir);
}

static void test_types(void **state)
{
	(void)state;
	assert_int_equal(rl_dir_type_parse("pgsql"), RL_DIR_PGSQL);
	assert_int_equal(rl_dir_type_parse("mysql"), RL_DIR_MYSQL);
	assert_int_equal(rl_dir_type_parse("ldap"), RL_DIR_LDAP);
	assert_int_equal(rl_dir_type_parse("sqlite"), -1);
	assert_string_equal(rl_dir_type_name(RL_DIR_LDAP), "ldap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfixadmin_pgsql),
		cmocka_unit_test(test_old_forms),
		cmocka_unit_test(test_mysql_keys),
		cmocka_unit_test(test_ldap_keys),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_password_mode),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests_name("dir_cf", tests, NULL, NULL);
}
