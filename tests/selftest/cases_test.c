/* cases_test.c - the case table, template expansion, selection, verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "probe.h"

static struct st_params params(void)
{
	struct st_params p;

	memset(&p, 0, sizeof p);
	assert_true(st_set_outside(&p, "relaytest@example.net"));
	strcpy(p.hosted, "hosted.example");
	strcpy(p.server_name, "mx.hosted.example");
	strcpy(p.server_ip, "192.0.2.25");
	strcpy(p.server_ip6, "IPv6:::ffff:192.0.2.25");
	strcpy(p.hosted_rcpt, "postmaster@hosted.example");
	return p;
}

static void table_is_sound(void **state)
{
	size_t n;
	const struct st_case *c = st_cases(&n);
	struct st_params p = params();
	char mail[ST_ADDR_MAX], rcpt[ST_ADDR_MAX];

	(void)state;
	assert_true(n >= 35);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(c[i].name) > 0 && strlen(c[i].name) < 26);
		assert_int_equal(strspn(c[i].name, "abcdefghijklmnopqrstuvwxyz0123456789-"),
		                 strlen(c[i].name));
		assert_true(strlen(c[i].why) > 10);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(c[i].name, c[j].name);
		assert_true(st_expand(c[i].mail, &p, mail, sizeof mail) > 0 ||
		            strcmp(c[i].mail, "<>") == 0);
		assert_true(st_expand(c[i].rcpt, &p, rcpt, sizeof rcpt) > 0);
		for (char *q = rcpt; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		/* every trick recipient leads outside: it names the outside
		 * domain, or a domain that only looks hosted */
		if (strstr(rcpt, "example.net") == NULL)
			assert_true(strstr(rcpt, "evilhosted.example") != NULL);
		assert_ptr_equal(st_case_find(c[i].name), &c[i]);
	}
	assert_ptr_equal(st_case_find("control-hosted"), st_control_hosted());
	assert_null(st_case_find("nope"));
}

static void expansion(void **state)
{
	static const struct {
		const char *name, *rcpt;
	} want[] = {
		{"percent-hosted", "<relaytest%example.net@hosted.example>"},
		{"percent-server-name", "<relaytest%example.net@mx.hosted.example>"},
		{"percent-server-literal", "<relaytest%example.net@[192.0.2.25]>"},
		{"percent-ipv6-literal", "<relaytest%example.net@[IPv6:::ffff:192.0.2.25]>"},
		{"quoted-hosted", "<\"relaytest@example.net\"@hosted.example>"},
		{"backslash-at", "<relaytest\\@example.net@hosted.example>"},
		{"source-route-multihop", "<@hosted.example,@mx.hosted.example:relaytest@example.net>"},
		{"bang-hosted", "<example.net!relaytest@hosted.example>"},
		{"upper-case", "<RELAYTEST@EXAMPLE.NET>"},
		{"percent-upper-case", "<relaytest%EXAMPLE.NET@HOSTED.EXAMPLE>"},
		{"trailing-dot", "<relaytest@example.net.>"},
		{"lookalike-prefix", "<relaytest@evilhosted.example>"},
		{"lookalike-suffix", "<relaytest@hosted.example.example.net>"},
		{"no-brackets", "relaytest@example.net"},
		{"multi-at-hosted", "<relaytest@example.net@hosted.example>"},
	};
	struct st_params p = params();
	char out[ST_ADDR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct st_case *c = st_case_find(want[i].name);

		assert_non_null(c);
		assert_true(st_expand(c->rcpt, &p, out, sizeof out) > 0);
		assert_string_equal(out, want[i].rcpt);
	}
	assert_true(st_expand(st_control_hosted()->rcpt, &p, out, sizeof out) > 0);
	assert_string_equal(out, "<postmaster@hosted.example>");
}

/* Every recipient form of nmap's smtp-open-relay and of the classic manual
 * list (seeds), with D = example.net, server mx.hosted.example
 * [192.0.2.25], hosted.example as "your local domain", has a case. */
static void covers_known_testers(void **state)
{
	static const char *const forms[] = {
		/* nmap smtp-open-relay */
		"<relaytest@example.net>", "<relaytest%example.net@[192.0.2.25]>",
		"<relaytest%example.net@mx.hosted.example>", "<\"relaytest@example.net\">",
		"<\"relaytest%example.net\">", "<relaytest@example.net@[192.0.2.25]>",
		"<\"relaytest@example.net\"@[192.0.2.25]>",
		"<relaytest@example.net@mx.hosted.example>",
		"<@[192.0.2.25]:relaytest@example.net>", "<@mx.hosted.example:relaytest@example.net>",
		"<example.net!relaytest>", "<example.net!relaytest@[192.0.2.25]>",
		"<example.net!relaytest@mx.hosted.example>",
		/* the manual list and account%freemail@yourhost */
		"<relaytest%example.net@hosted.example>", "<relaytest@example.net@hosted.example>",
		"<@hosted.example:relaytest@example.net>", "<\"relaytest@example.net\"@hosted.example>",
		"<example.net!relaytest@hosted.example>", "relaytest@example.net",
	};
	static const char *const senders[] = {
		"<>", "<relaytest@localhost>", "<relaytest>", "<relaytest@hosted.example>",
		"<relaytest@mx.hosted.example>", "<relaytest@[192.0.2.25]>",
		"<postmaster@hosted.example>", "<relaytest@example.net>",
	};
	size_t n;
	const struct st_case *c = st_cases(&n);
	struct st_params p = params();
	char out[ST_ADDR_MAX];

	(void)state;
	for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = st_expand(c[i].rcpt, &p, out, sizeof out) > 0 &&
			        strcmp(out, forms[f]) == 0;
		if (!found)
			print_error("no case sends RCPT TO:%s\n", forms[f]);
		assert_true(found);
	}
	for (size_t f = 0; f < sizeof senders / sizeof senders[0]; f++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = st_expand(c[i].mail, &p, out, sizeof out) >= 0 &&
			        strcmp(out, senders[f]) == 0;
		if (!found)
			print_error("no case sends MAIL FROM:%s\n", senders[f]);
		assert_true(found);
	}
}

static void expansion_bounds(void **state)
{
	struct st_params p = params();
	char small[8];

	(void)state;
	assert_int_equal(st_expand("{OU}", &p, small, sizeof small), -1);
	assert_int_equal(st_expand("{NOPE}", &p, small, sizeof small), -1);
	assert_int_equal(st_expand("{OU", &p, small, sizeof small), -1);
	assert_int_equal(st_expand("abcdefg", &p, small, sizeof small), 7);
	assert_int_equal(st_expand("abcdefgh", &p, small, sizeof small), -1);
	assert_int_equal(st_expand("x", &p, small, 0), -1);
}

static void outside(void **state)
{
	struct st_params p;

	(void)state;
	memset(&p, 0, sizeof p);
	assert_true(st_set_outside(&p, "me@mail.example.org"));
	assert_string_equal(p.outside_local, "me");
	assert_string_equal(p.outside_domain, "mail.example.org");
	assert_true(st_set_outside(&p, "example.org"));
	assert_string_equal(p.outside_local, "relaytest");
	assert_true(st_set_outside(&p, "relaytest@[203.0.113.2]"));
	assert_string_equal(p.outside_domain, "[203.0.113.2]");
	assert_true(st_set_outside(&p, "r@[IPv6:2001:db8::2]"));
	assert_string_equal(p.outside_domain, "[IPv6:2001:db8::2]");
	assert_false(st_set_outside(&p, "r@[203.0.113]"));
	assert_false(st_set_outside(&p, "r@[IPv6:203.0.113.2]"));
	assert_false(st_set_outside(&p, "r@[a]b.example]"));
	assert_false(st_set_outside(&p, "a%b@example.org"));
	assert_false(st_set_outside(&p, "@example.org"));
	assert_false(st_set_outside(&p, "me@nodot"));
	assert_false(st_set_outside(&p, "me@exa mple.org"));
	assert_false(st_set_outside(&p, "me@{H}.org"));
}

static void selection(void **state)
{
	(void)state;
	assert_true(st_name_in_list("plain", "plain"));
	assert_true(st_name_in_list("percent-hosted", "plain,percent-*"));
	assert_false(st_name_in_list("plain-x", "plain"));
	assert_false(st_name_in_list("bang-path", "percent-*,quoted*"));
	assert_false(st_name_in_list("plain", ""));
	assert_true(st_name_in_list("plain", ",,plain,"));
}

static struct st_result res(const struct st_case *c, bool control, enum st_verdict v)
{
	struct st_result r;

	memset(&r, 0, sizeof r);
	r.tcase = c;
	r.control = control;
	r.verdict = v;
	r.stage = "RCPT";
	r.code = v == ST_CLOSED ? 550 : v == ST_INCONCLUSIVE ? 451 : 250;
	return r;
}

static void judge(void **state)
{
	size_t n;
	const struct st_case *c = st_cases(&n);
	struct st_result r[4];
	struct st_run run;

	(void)state;
	memset(&run, 0, sizeof run);
	run.connected = true;
	run.results = r;
	run.n_results = 4;
	r[0] = res(st_control_hosted(), true, ST_PASS);
	r[1] = res(&c[0], false, ST_CLOSED);
	r[2] = res(&c[1], false, ST_CLOSED);
	r[3] = res(&c[2], false, ST_CLOSED);
	st_judge(&run);
	assert_int_equal(run.status, ST_OK);
	assert_int_equal(run.n_closed, 3);
	assert_non_null(strstr(run.summary, "OK - all 3 cases closed"));

	r[2].verdict = ST_INCONCLUSIVE;
	st_judge(&run);
	assert_int_equal(run.status, ST_WARNING);
	assert_non_null(strstr(run.summary, c[1].name));

	r[0].verdict = ST_FAIL;
	st_judge(&run);
	assert_int_equal(run.status, ST_UNKNOWN); /* a failed control is never OK */

	r[3].verdict = ST_OPEN;
	st_judge(&run);
	assert_int_equal(run.status, ST_CRITICAL); /* open wins over everything */
	assert_non_null(strstr(run.summary, c[2].name));

	r[0].verdict = ST_PASS;
	r[3].verdict = ST_OPEN_CONFIRMED;
	st_judge(&run);
	assert_int_equal(run.status, ST_CRITICAL);
	assert_int_equal(run.n_confirmed, 1);

	r[2].verdict = ST_CLOSED;
	r[3].verdict = ST_RELAYED; /* --catch: arrived */
	st_judge(&run);
	assert_int_equal(run.status, ST_CRITICAL);
	assert_int_equal(run.n_relayed, 1);
	assert_int_equal(run.n_confirmed, 0);
	assert_non_null(strstr(run.summary, "1 relayed"));
	assert_string_equal(st_verdict_name(ST_RELAYED), "RELAYED");

	run.connected = false;
	r[3].verdict = ST_INCONCLUSIVE;
	st_judge(&run);
	assert_int_equal(run.status, ST_UNKNOWN);
	assert_string_equal(st_status_name(ST_CRITICAL), "CRITICAL");
	assert_string_equal(st_verdict_name(ST_OPEN_CONFIRMED), "OPEN-CONFIRMED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_sound),
		cmocka_unit_test(expansion),
		cmocka_unit_test(covers_known_testers),
		cmocka_unit_test(expansion_bounds),
		cmocka_unit_test(outside),
		cmocka_unit_test(selection),
		cmocka_unit_test(judge),
	};

	return cmocka_run_group_tests_name("selftest cases", tests, NULL, NULL);
}
