/* config_test.c - relaylock.conf and list files: good values, and every
 * kind of error reported as file:line without a half-built policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"

static char dir[] = "/tmp/relaylock-config-test-XXXXXX";

static const char *path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Load TEXT as relaylock.conf: does it fail with an error that contains
 * WANT (for instance "relaylock.conf:3: ")? Prints what it got if not. */
static bool error_found(const char *text, const char *want)
{
	struct rl_diag diag;
	struct rl_config *c;
	bool found = false;

	write_file("relaylock.conf", text);
	rl_diag_init(&diag);
	c = rl_config_load(path_of("relaylock.conf"), &diag);
	rl_config_free(c);
	for (size_t i = 0; i < diag.n; i++)
		if (strstr(diag.msg[i], want))
			found = true;
	if (!c && !found) {
		print_error("want \"%s\" in:\n", want);
		for (size_t i = 0; i < diag.n; i++)
			print_error("  %s\n", diag.msg[i]);
	}
	return !c && found;
}

static void expect_error(const char *text, const char *want)
{
	assert_true(error_found(text, want));
}

static struct rl_config *expect_ok(const char *text)
{
	struct rl_diag diag;
	struct rl_config *c;

	write_file("relaylock.conf", text);
	rl_diag_init(&diag);
	c = rl_config_load(path_of("relaylock.conf"), &diag);
	for (size_t i = 0; i < diag.n; i++)
		print_error("unexpected: %s\n", diag.msg[i]);
	assert_non_null(c);
	assert_int_equal(diag.n, 0);
	return c;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const files[] = {"relaylock.conf", "domains", "nets"};

	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(path_of(files[i]));
	return rmdir(dir);
}

static void test_full_config(void **state)
{
	struct rl_config *c;
	const struct rl_policy_params *p;
	struct rl_ip ip;

	(void)state;
	write_file("domains", "# hosted\nlist.example\n\n  .sub.list.example  # parents\n"
	                      "[192.0.2.5]\n");
	write_file("nets", "192.0.2.0/24\n!192.0.2.128/25\n2001:db8::/32\n");
	c = expect_ok(
	        "hosted_domains = { \"example.com\", \".example.com\" }\n"
	        "hosted_domains_file = \"domains\"\n"
	        "trusted_networks = { \"10.0.0.0/8\", \"::1\" }\n"
	        "trusted_networks_file = \"nets\"\n"
	        "allow_authenticated = false\n"
	        "mode = monitor\n"
	        "reject_code = \"554\"\n"
	        "reject_dsn = \"5.7.27\"\n"
	        "reject_text = \"No relay here\"\n"
	        "local_mailers = { \"local\", \"dovecot\" }\n"
	        "socket = \"inet:8891@127.0.0.1\"\n"
	        "socket_mode = 0600\n"
	        "socket_group = \"postfix\"\n"
	        "user = \"milter\"\n"
	        "run_as_root = true\n"
	        "pid_file = \"/run/x.pid\"\n"
	        "log_level = debug\n"
	        "accept_log_level = notice\n"
	        "milter_timeout = 45\n"
	        "lookup_timeout = 3\n"
	        "directory_cache_ttl = 600\n"
	        "metrics_listen = \"[::1]:9098\"\n");
	assert_int_equal(c->n_domains, 5);
	assert_int_equal(c->n_networks, 5);
	p = rl_policy_params(c->policy);
	assert_int_equal(p->mode, RL_MODE_MONITOR);
	assert_false(p->allow_authenticated);
	assert_string_equal(p->reject_code, "554");
	assert_string_equal(p->reject_dsn, "5.7.27");
	assert_string_equal(p->reject_text, "No relay here");
	assert_string_equal(c->daemon.socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->daemon.socket_mode, 0600);
	assert_string_equal(c->daemon.socket_group, "postfix");
	assert_string_equal(c->daemon.user, "milter");
	assert_true(c->daemon.run_as_root);
	assert_string_equal(c->daemon.pid_file, "/run/x.pid");
	assert_int_equal(c->daemon.log_level, LOG_DEBUG);
	assert_int_equal(c->daemon.accept_log_level, LOG_NOTICE);
	assert_int_equal(c->daemon.milter_timeout, 45);
	assert_int_equal(c->daemon.lookup_timeout, 3);
	assert_int_equal(c->daemon.directory_cache_ttl, 600);
	assert_string_equal(c->daemon.metrics_listen, "[::1]:9098");
	assert_true(rl_domain_set_match(rl_policy_hosted(c->policy), "x.sub.list.example", 18));
	assert_true(rl_ip_parse("192.0.2.1", &ip));
	assert_true(rl_net_set_match(rl_policy_trusted(c->policy), &ip));
	assert_true(rl_ip_parse("192.0.2.200", &ip));
	assert_false(rl_net_set_match(rl_policy_trusted(c->policy), &ip));
	rl_config_free(c);
}

static void test_defaults(void **state)
{
	struct rl_config *c;
	const struct rl_policy_params *p;

	(void)state;
	c = expect_ok("hosted_domains = { \"example.com\" }\n");
	p = rl_policy_params(c->policy);
	assert_int_equal(p->mode, RL_MODE_ENFORCE);
	assert_true(p->allow_authenticated);
	assert_string_equal(p->reject_code, "550");
	assert_string_equal(p->reject_dsn, "5.7.1");
	assert_string_equal(c->daemon.user, "relaylock");
	assert_non_null(strstr(c->daemon.socket, "unix:"));
	assert_int_equal(c->daemon.socket_mode, 0660);
	assert_int_equal(c->daemon.log_level, LOG_NOTICE);
	assert_int_equal(c->daemon.accept_log_level, LOG_INFO);
	assert_false(c->daemon.run_as_root);
	assert_int_equal(c->n_networks, 0);
	assert_string_equal(c->daemon.metrics_listen, ""); /* off by default */
	assert_int_equal(c->daemon.lookup_timeout, 5);
	assert_int_equal(c->daemon.directory_cache_ttl, 300);
	rl_config_free(c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"hosted_domains = { \"example.com\" }\nbogus = 1\n",
		 "relaylock.conf:2: no such option 'bogus'"},
		{"hosted_domains = { \"example.com\",\n \"bad..domain\" }\n",
		 "relaylock.conf:2: hosted domain \"bad..domain\""},
		{"hosted_domains = { \"example.com\" }\ntrusted_networks = { \"10.0.0.1/8\" }\n",
		 "relaylock.conf:2: trusted network \"10.0.0.1/8\": host bits set"},
		{"hosted_domains = { \"example.com\" }\ntrusted_networks = { \"10.0.0.0/8\",\n\n\"!10.0.0.0/8\" }\n",
		 "relaylock.conf:4: trusted network is both included and excluded (see "},
		{"hosted_domains = { \"example.com\" }\nmode = block\n",
		 "relaylock.conf:2: mode: \"block\""},
		{"hosted_domains = { \"example.com\" }\nreject_code = \"450\"\n",
		 "relaylock.conf:2: reject_code"},
		{"hosted_domains = { \"example.com\" }\nreject_dsn = \"4.7.1\"\n",
		 "relaylock.conf:2: reject_dsn"},
		{"hosted_domains = { \"example.com\" }\nreject_dsn = \"5.x.1\"\n",
		 "relaylock.conf:2: reject_dsn"},
		{"hosted_domains = { \"example.com\" }\nreject_text = \"100% sure\"\n",
		 "relaylock.conf:2: reject_text"},
		{"hosted_domains = { \"example.com\" }\nsocket = \"/run/x.sock\"\n",
		 "relaylock.conf:2: socket"},
		{"hosted_domains = { \"example.com\" }\nsocket_mode = 999\n",
		 "relaylock.conf:2: socket_mode"},
		{"hosted_domains = { \"example.com\" }\nmilter_timeout = 0\n",
		 "relaylock.conf:2: milter_timeout"},
		{"hosted_domains = { \"example.com\" }\nlookup_timeout = 0\n",
		 "relaylock.conf:2: lookup_timeout: \"0\" is not between 1 and 3600"},
		{"hosted_domains = { \"example.com\" }\n\ndirectory_cache_ttl = 5m\n",
		 "relaylock.conf:3: directory_cache_ttl"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"localhost:9098\"\n",
		 "relaylock.conf:2: metrics_listen: \"localhost:9098\" has no IPv4 address"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"127.0.0.1:0\"\n",
		 "relaylock.conf:2: metrics_listen: \"127.0.0.1:0\" has no port"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"127.0.0.1:70000\"\n",
		 "relaylock.conf:2: metrics_listen: \"127.0.0.1:70000\" has no port"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"::1:9098\"\n",
		 "relaylock.conf:2: metrics_listen: \"::1:9098\" is not ADDRESS:PORT"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"[::1]9098\"\n",
		 "relaylock.conf:2: metrics_listen: \"[::1]9098\" is not ADDRESS:PORT"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"[127.0.0.1]:9098\"\n",
		 "relaylock.conf:2: metrics_listen: \"[127.0.0.1]:9098\" has no IPv6"},
		{"hosted_domains = { \"example.com\" }\nmetrics_listen = \"9098\"\n",
		 "relaylock.conf:2: metrics_listen: \"9098\" is not ADDRESS:PORT"},
		{"hosted_domains = { \"example.com\" }\nlog_level = loud\n",
		 "relaylock.conf:2: log_level"},
		{"hosted_domains = { \"example.com\" }\npid_file = \"run/x.pid\"\n",
		 "relaylock.conf:2: pid_file"},
		{"hosted_domains = { \"example.com\" }\nallow_authenticated = maybe\n",
		 "relaylock.conf:2:"},
		{"hosted_domains = { \"example.com\" }\nuser = \"a b\"\n",
		 "relaylock.conf:2: user"},
		/* Obsolete, still checked: a typo is never silently accepted. */
		{"hosted_domains = { \"example.com\" }\nlocal_mailers = { \"local\",\n \"a b\" }\n",
		 "relaylock.conf:3: local_mailers: \"a b\""},
		{"hosted_domains = { \"example.com\"\n", "relaylock.conf"},
		{"trusted_networks = { \"10.0.0.0/8\" }\n", "no hosted domains"},
		{"hosted_domains = {}\n", "no hosted domains"},
		{"hosted_domains = { \"example.com\" }\nhosted_domains_file = \"missing\"\n",
		 "relaylock.conf:2: hosted_domains_file: cannot read"},
		/* Invalid IDNs: bad Punycode, a disallowed character, a mapped '@'. */
		{"hosted_domains = { \"example.com\",\n \"xn--zzzz.example\" }\n",
		 "relaylock.conf:2: hosted domain \"xn--zzzz.example\": not a valid"},
		{"# x\nhosted_domains = { \".\xf0\x9f\x92\xa9.example\" }\n",
		 "relaylock.conf:2: hosted domain"},
		{"hosted_domains = { \"a\xef\xbc\xa0" "b.example\" }\n",
		 "relaylock.conf:1: hosted domain"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].text, cases[i].want);
}

/* Line numbers with comments and blank lines anywhere. libconfuse 3.3
 * alone counts a '#' line three times and refuses comments in lists. */
static void test_line_numbers(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"# one\n# two\n\nhosted_domains = { \"example.com\" }\nbogus = 1\n",
		 "relaylock.conf:5: no such option 'bogus'"},
		{"### many hashes\n//// many slashes\n#\n//\nmode = block\n",
		 "relaylock.conf:5: mode: \"block\""},
		{"hosted_domains = {\n  # first\n  \"example.com\", # trailing\n"
		 "  // c++ style\n\n  \"bad..domain\"\n}\n",
		 "relaylock.conf:6: hosted domain \"bad..domain\""},
		{"/* a\n   b\n   c */\nhosted_domains = { \"example.com\" }\nmode = block\n",
		 "relaylock.conf:5: mode"},
		{"hosted_domains = { \"example.com\" } /* one */ /* two\n */ mode = x\n",
		 "relaylock.conf:2: mode"},
		{"hosted_domains = { \"example.com\" } # hosted\nmode = \"enforce\" // ok\n"
		 "\n\nsocket_mode = 999 # bad\n", "relaylock.conf:5: socket_mode"},
		{"hosted_domains = { \"example.com\" }\nreject_text = \"two\nlines\"\n"
		 "# x\nmode = block\n", "relaylock.conf:2: reject_text"},
		{"hosted_domains = { \"example.com\" }\nreject_text = \"two\nlines\"\n"
		 "# x\nmode = block\n", "relaylock.conf:5: mode"},
		{"hosted_domains = { \"example.com\" }\nreject_text = \"a \\\nb\"\n"
		 "# x\nmode = block\n", "relaylock.conf:5: mode"},
		{"hosted_domains = { \"example.com\" }\nreject_text = 'a # b'\n#\nmode = x\n",
		 "relaylock.conf:4: mode"},
		{"# a\r\n# b\r\n\r\nhosted_domains = { \"example.com\" }\r\nmode = x\r\n",
		 "relaylock.conf:5: mode"},
		{"hosted_domains = { \"example.com\" }\n# x\n# y\ntrusted_networks = {\n"
		 "  \"10.0.0.0/8\", # a\n  # b\n  \"!10.0.0.0/8\"\n}\n",
		 "relaylock.conf:7: trusted network is both included and excluded "
		 "(see /"},
		{"hosted_domains = { \"example.com\" }\n# x\n# y\ntrusted_networks = {\n"
		 "  \"10.0.0.0/8\", # a\n  # b\n  \"!10.0.0.0/8\"\n}\n",
		 "relaylock.conf:5)"},
		{"# a\n# b\nhosted_domains = { \"example.com\" }\n# c\n"
		 "hosted_domains_file = \"missing\"\n",
		 "relaylock.conf:5: hosted_domains_file: cannot read"},
		{"# a\n# b\nhosted_domains = { \"example.com\" \"x\" }\n",
		 "relaylock.conf:3:"},
	};

	size_t wrong = 0;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!error_found(cases[i].text, cases[i].want)) {
			print_error("line case %zu wrong\n", i);
			wrong++;
		}
	assert_int_equal(wrong, 0);
}

/* libconfuse would stop reading at a NUL: it is an error, with its line. */
static void test_nul_in_config(void **state)
{
	static const char text[] = "# a\nhosted_domains = { \"example.com\" }\n\0mode = x\n";
	struct rl_diag diag;
	FILE *f = fopen(path_of("relaylock.conf"), "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
	assert_int_equal(fclose(f), 0);
	rl_diag_init(&diag);
	assert_null(rl_config_load(path_of("relaylock.conf"), &diag));
	assert_int_equal(diag.n, 1);
	assert_non_null(strstr(diag.msg[0], "relaylock.conf:3: NUL character"));
}

/* The file is read whole, up to a bound: above it, an error, no policy. */
static void test_too_large(void **state)
{
	static const char line[] = "# a comment line, many times, to pass the size bound\n";
	struct rl_diag diag;
	FILE *f = fopen(path_of("relaylock.conf"), "w");

	(void)state;
	assert_non_null(f);
	fputs("hosted_domains = { \"example.com\" }\n", f);
	for (size_t i = 0; i <= (16u << 20) / (sizeof line - 1); i++)
		fputs(line, f);
	assert_int_equal(fclose(f), 0);
	rl_diag_init(&diag);
	assert_null(rl_config_load(path_of("relaylock.conf"), &diag));
	assert_int_equal(diag.n, 1);
	assert_non_null(strstr(diag.msg[0], "relaylock.conf: larger than"));
}

/* Comment markers inside values stay: quoted, or "//" within a token. */
static void test_comment_markers_in_values(void **state)
{
	struct rl_config *c;

	(void)state;
	c = expect_ok("hosted_domains = { \"example.com\" } # x\n"
	              "reject_text = \"No # relay // here\" // y\n"
	              "pid_file = /run/relaylock//x.pid # z\n"
	              "socket = 'unix:/run/a#b' /* w */\n");
	assert_string_equal(rl_policy_params(c->policy)->reject_text,
	                    "No # relay // here");
	assert_string_equal(c->daemon.pid_file, "/run/relaylock//x.pid");
	assert_string_equal(c->daemon.socket, "unix:/run/a#b");
	rl_config_free(c);
}

/* A public suffix would make relaylock an open relay for a whole TLD or
 * registry; local single-label names and literals stay allowed. */
static void test_public_suffixes(void **state)
{
	static const struct {
		const char *entry;
		bool refused;
	} cases[] = {
		{"com", true}, {".com", true}, {"co.uk", true}, {".co.uk", true},
		{"CO.UK.", true}, {"github.io", true}, {"\xe5\x85\xac\xe5\x8f\xb8.cn", true},
		{"xn--55qx5d.cn", true}, {"foo.ck", true},
		{"example.com", false}, {".example.co.uk", false}, {"www.ck", false},
		{"localhost", false}, {"mailhost", false}, {"[192.0.2.1]", false},
		{"user.github.io", false},
	};
	char text[300], want[300];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text,
		         "hosted_domains = { \"example.net\",\n\"%s\" }\n", cases[i].entry);
		snprintf(want, sizeof want,
		         "relaylock.conf:2: hosted domain \"%s\": a public suffix", cases[i].entry);
		if (cases[i].refused)
			expect_error(text, want);
		else
			rl_config_free(expect_ok(text));
	}
	write_file("domains", "example.org\n# registries\n\nco.uk\n");
	expect_error("hosted_domains_file = \"domains\"\n",
	             "domains:4: hosted domain \"co.uk\": a public suffix");
}

static void test_list_file_errors(void **state)
{
	(void)state;
	write_file("domains", "good.example\n\nbad_domain.example\ntwo words.example\n"
	                      "# idn\nb\xc3\xbc" "cher.example\nxn--abc.example\n");
	expect_error("hosted_domains_file = \"domains\"\n", "domains:3: hosted domain");
	expect_error("hosted_domains_file = \"domains\"\n", "domains:4: one entry per line");
	expect_error("hosted_domains_file = \"domains\"\n",
	             "domains:7: hosted domain \"xn--abc.example\"");
	write_file("nets", "# x\n10.0.0.0/8\n10.1.2.3/16\n");
	expect_error("hosted_domains = { \"example.com\" }\ntrusted_networks_file = \"nets\"\n",
	             "nets:3: trusted network \"10.1.2.3/16\": host bits set");
	write_file("nets", "10.0.0.0/8\n!10.0.0.0/8\n");
	expect_error("hosted_domains = { \"example.com\" }\ntrusted_networks_file = \"nets\"\n",
	             "nets:2: trusted network is both included and excluded (see ");
	/* A directory opens but cannot be read, even by root. */
	char text[600];

	snprintf(text, sizeof text, "hosted_domains_file = \"%s\"\n", dir);
	expect_error(text, "read error");
}

static void test_every_error_reported(void **state)
{
	struct rl_diag diag;

	(void)state;
	write_file("relaylock.conf", "hosted_domains = { \"a..b\", \"c..d\" }\n"
	                             "mode = x\nreject_code = \"1\"\n");
	rl_diag_init(&diag);
	assert_null(rl_config_load(path_of("relaylock.conf"), &diag));
	assert_int_equal(diag.n, 4);
}

static void test_missing_file(void **state)
{
	struct rl_diag diag;

	(void)state;
	rl_diag_init(&diag);
	assert_null(rl_config_load(path_of("nonexistent.conf"), &diag));
	assert_int_equal(diag.n, 1);
	assert_non_null(strstr(diag.msg[0], "nonexistent.conf: cannot read"));
}

static void test_diag_bounded(void **state)
{
	struct rl_diag diag;

	(void)state;
	rl_diag_init(&diag);
	for (int i = 0; i < RL_DIAG_MAX + 5; i++)
		rl_diag_add(&diag, "f", (unsigned)i + 1, "error %d", i);
	assert_int_equal(diag.n, RL_DIAG_MAX);
	assert_int_equal(diag.dropped, 5);
	assert_string_equal(diag.msg[0], "f:1: error 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_comment_markers_in_values),
		cmocka_unit_test(test_nul_in_config),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_public_suffixes),
		cmocka_unit_test(test_list_file_errors),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_diag_bounded),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
