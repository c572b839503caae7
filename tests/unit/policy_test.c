/* policy_test.c - the relay decision, table-driven: who may relay, every
 * trick, the MTA's resolution (forwards pass, routing left in it does
 * not), monitor mode, broken input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy.h"

static struct rl_policy *make_policy(enum rl_mode mode, bool allow_auth)
{
	static const char *const hosted[] = {
		"hosted.example", ".sub.hosted.example", "[192.0.2.5]",
		"[IPv6:2001:db8::5]", "\xe4\xbe\x8b.example",
		"xn--bcher-kva.example",             /* listed as an A-label */
		".M\xc3\xbcnchen.example",            /* listed as a U-label parent */
	};
	static const char *const nets[] = {"10.0.0.0/8", "!10.9.0.0/16", "2001:db8:1::/48"};
	struct rl_domain_set *d = rl_domain_set_new();
	struct rl_net_set *n = rl_net_set_new();
	struct rl_policy_params params;
	const char *err;
	uint32_t a, b;

	for (size_t i = 0; i < sizeof hosted / sizeof hosted[0]; i++)
		assert_int_equal(rl_domain_set_add(d, hosted[i], strlen(hosted[i]), &err), 0);
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
		assert_int_equal(rl_net_set_add(n, nets[i], 0, &err), 0);
	assert_int_equal(rl_net_set_build(n, &a, &b), 0);
	rl_policy_params_default(&params);
	params.mode = mode;
	params.allow_authenticated = allow_auth;
	return rl_policy_new(d, n, &params);
}

struct policy_case {
	const char *client;
	const char *auth;
	const char *rcpt;
	const char *resolved;
	const char *mailer;
	enum rl_verdict verdict;
	enum rl_reason reason;
};

#define OUT "203.0.113.9"

static const struct policy_case cases[] = {
	/* Hosted mail from anyone. */
	{OUT, NULL, "<user@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{NULL, NULL, "<user@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "USER@HOSTED.EXAMPLE.", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<a+tag@x.sub.hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<\"john doe\"@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<j\xc3\xb6rg@\xe4\xbe\x8b.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@[192.0.2.5]>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@[IPv6:2001:db8:0::5]>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<postmaster>", NULL, NULL, RL_ACCEPT, RL_R_POSTMASTER},
	{OUT, NULL, "<POSTMASTER>", NULL, NULL, RL_ACCEPT, RL_R_POSTMASTER},
	{OUT, NULL, "<postmaster@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	/* Authorised clients relay anywhere, tricks included. */
	{"10.1.2.3", NULL, "<user@ext.example>", NULL, NULL, RL_ACCEPT, RL_R_TRUSTED_NETWORK},
	{"::ffff:10.1.2.3", NULL, "<user@ext.example>", NULL, NULL, RL_ACCEPT, RL_R_TRUSTED_NETWORK},
	{"2001:db8:1::77", NULL, "<user@ext.example>", NULL, NULL, RL_ACCEPT, RL_R_TRUSTED_NETWORK},
	{"10.1.2.3", NULL, "<user%ext@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_TRUSTED_NETWORK},
	{OUT, "alice", "<user@ext.example>", NULL, NULL, RL_ACCEPT, RL_R_AUTHENTICATED},
	/* Excluded part of a trusted network is an outsider. */
	{"10.9.1.1", NULL, "<user@ext.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{"2001:db8:2::1", NULL, "<user@ext.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	/* An empty AUTH identity is no identity. */
	{OUT, "", "<user@ext.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	/* Plain relay and look-alike domains. */
	{OUT, NULL, "<nobody@third-party.bar>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{NULL, NULL, "<nobody@third-party.bar>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@evilhosted.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@hosted.example.ext.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@sub.hosted.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@badsub.hosted.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<postmaster@ext.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	/* The seeds' manual list (ORDB/MAPS style), hosted = hosted.example. */
	{OUT, NULL, "<nobody%third-party.bar@hosted.example>", NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<nobody%third-party.bar@[192.0.2.5]>", NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<\"nobody@third-party.bar\">", NULL, NULL, RL_REJECT, RL_R_QUOTED_ROUTE},
	{OUT, NULL, "<\"nobody%third-party.bar\">", NULL, NULL, RL_REJECT, RL_R_QUOTED_ROUTE},
	{OUT, NULL, "<\"nobody@third-party.bar\"@hosted.example>", NULL, NULL, RL_REJECT, RL_R_QUOTED_ROUTE},
	{OUT, NULL, "<\"nobody@third-party.bar\"@[192.0.2.5]>", NULL, NULL, RL_REJECT, RL_R_QUOTED_ROUTE},
	{OUT, NULL, "<test@some.other.site@hosted.example>", NULL, NULL, RL_REJECT, RL_R_MULTI_AT},
	{OUT, NULL, "<nobody@third-party.bar@[192.0.2.5]>", NULL, NULL, RL_REJECT, RL_R_MULTI_AT},
	{OUT, NULL, "<@hosted.example:nobody@third-party.bar>", NULL, NULL, RL_REJECT, RL_R_SOURCE_ROUTE},
	{OUT, NULL, "<@[192.0.2.5]:nobody@third-party.bar>", NULL, NULL, RL_REJECT, RL_R_SOURCE_ROUTE},
	{OUT, NULL, "<@a.example,@hosted.example:user@hosted.example>", NULL, NULL, RL_REJECT, RL_R_SOURCE_ROUTE},
	{OUT, NULL, "<third-party.bar!nobody>", NULL, NULL, RL_REJECT, RL_R_BANG_PATH},
	{OUT, NULL, "<third-party.bar!nobody@[192.0.2.5]>", NULL, NULL, RL_REJECT, RL_R_BANG_PATH},
	{OUT, NULL, "<third-party.bar!nobody@hosted.example>", NULL, NULL, RL_REJECT, RL_R_BANG_PATH},
	{OUT, NULL, "account%freemail.example@hosted.example", NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<user%%ext.example@hosted.example>", NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<user\\@ext.example@hosted.example>", NULL, NULL, RL_REJECT, RL_R_BACKSLASH},
	{OUT, NULL, "<user@[1.1.1.1]>", NULL, NULL, RL_REJECT, RL_R_DOMAIN_LITERAL},
	{OUT, NULL, "<user@[IPv6:2001:db8::6]>", NULL, NULL, RL_REJECT, RL_R_DOMAIN_LITERAL},
	{OUT, NULL, "<user>", NULL, NULL, RL_REJECT, RL_R_UNQUALIFIED},
	{OUT, NULL, "<>", NULL, NULL, RL_REJECT, RL_R_SYNTAX},
	{OUT, NULL, "<user@hosted.example", NULL, NULL, RL_REJECT, RL_R_SYNTAX},
	/* Length is no trick: a 65-octet local part and SRS/VERP pass... */
	{OUT, NULL, "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@hosted.example>",
	 NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<SRS0=HHH=TT=outside.example=a.very.long.original.local.part.of.a."
	 "forwarded.sender@hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<listname-bounces+subscriber.with.a.long.name=subscriber-domain.example"
	 "@x.sub.hosted.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	/* ...and a long trick is still the trick. */
	{OUT, NULL, "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaa%third-party.bar@hosted.example>",
	 NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	/* IDN: the A-label entry takes the U-label, the A-label, any case. */
	{OUT, NULL, "<user@b\xc3\xbc" "cher.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@B\xc3\x9c" "CHER.EXAMPLE>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@XN--BCHER-KVA.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@mx.xn--mnchen-3ya.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@mx.M\xc3\x9c" "NCHEN.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@xn--fsq.example>", NULL, NULL, RL_ACCEPT, RL_R_HOSTED},
	/* Look-alikes of an outside domain stay outside; bad IDNs are syntax. */
	{OUT, NULL, "<nobody@th\xc3\xad" "rd-party.bar>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<nobody@\xef\xbd\x94hird-party.bar>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@b\xc3\xbc" "cher.example.third-party.bar>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@bucher.example>", NULL, NULL, RL_REJECT, RL_R_RELAY_DENIED},
	{OUT, NULL, "<user@xn--bcher-kvb.example>", NULL, NULL, RL_REJECT, RL_R_SYNTAX},
	{OUT, NULL, "<user@xn--zzzz.example>", NULL, NULL, RL_REJECT, RL_R_SYNTAX},
	{OUT, NULL, "<user@hosted\xef\xbc\xa0third-party.bar>", NULL, NULL, RL_REJECT, RL_R_SYNTAX},
	{OUT, NULL, "<user%third-party.bar@b\xc3\xbc" "cher.example>", NULL, NULL, RL_REJECT, RL_R_PERCENT_HACK},
	/* The MTA's resolution of a plain hosted mailbox: local delivery... */
	{OUT, NULL, "<user@hosted.example>", "user@hosted.example", "smtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user", "local", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user", "LOCAL", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<postmaster>", "postmaster", "local", RL_ACCEPT, RL_R_POSTMASTER},
	{OUT, NULL, "<postmaster>", "postmaster@mx.localdomain", "local", RL_ACCEPT, RL_R_POSTMASTER},
	{OUT, NULL, "<user@hosted.example>", "user", NULL, RL_ACCEPT, RL_R_HOSTED},
	/* ...or the admin's own routing elsewhere: Sendmail virtusertable
	 * forwards (with +detail), catch-alls, mailertable backup MX, a mail
	 * hub; Postfix relay_domains + transport_maps. */
	{OUT, NULL, "<fwd@hosted.example>", "nobody@outside.example", "relay", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<fwd+list@hosted.example>", "nobody+list@outside.example", "relay", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<anyone@x.sub.hosted.example>", "anyone@outside.example", "esmtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user@hosted.example", "esmtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user", "relay", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user@[192.0.2.77]", "smtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@hosted.example>", "user@th\xc3\xad" "rd-party.bar", "esmtp", RL_ACCEPT, RL_R_HOSTED},
	/* A resolution that still carries routing would be routed again by
	 * the next hop; an unreadable one is unknown state. */
	{OUT, NULL, "<user@hosted.example>", "user%ext@hosted.example", "smtp", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "ext!user@hosted.example", "smtp", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "\"user@ext\"@hosted.example", "smtp", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "@hosted.example:user@ext.example", "relay", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "user@ext.example@hosted.example", "relay", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "user\\@ext.example@hosted.example", "relay", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "user%ext", "local", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "ext!user", "uucp", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "<>", "local", RL_REJECT, RL_R_MTA_RESOLUTION},
	{OUT, NULL, "<user@hosted.example>", "user@ext..example", "esmtp", RL_REJECT, RL_R_MTA_RESOLUTION},
	/* Routing typed by the client is refused whatever the MTA makes of it,
	 * at forwarded names too. */
	{OUT, NULL, "<fwd%outside.example@hosted.example>", "nobody@outside.example", "relay", RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<outside.example!fwd@hosted.example>", "nobody@outside.example", "relay", RL_REJECT, RL_R_BANG_PATH},
	{OUT, NULL, "<\"fwd@outside.example\"@hosted.example>", "fwd@outside.example", "esmtp", RL_REJECT, RL_R_QUOTED_ROUTE},
	{OUT, NULL, "<@hosted.example:fwd@outside.example>", "fwd@outside.example", "esmtp", RL_REJECT, RL_R_SOURCE_ROUTE},
	{OUT, NULL, "<fwd@outside.example@hosted.example>", "fwd@outside.example", "esmtp", RL_REJECT, RL_R_MULTI_AT},
	{OUT, NULL, "<fwd\\@outside.example@hosted.example>", "fwd@outside.example", "esmtp", RL_REJECT, RL_R_BACKSLASH},
	{OUT, NULL, "<fwd@[192.0.2.99]>", "fwd@outside.example", "relay", RL_REJECT, RL_R_DOMAIN_LITERAL},
	{OUT, NULL, "<fwd@outside.example>", "fwd@hosted.example", "local", RL_REJECT, RL_R_RELAY_DENIED},
	/* The resolution is read as IDNs too (Sendmail sends U-labels); an
	 * invalid one is unreadable. */
	{OUT, NULL, "<user@xn--bcher-kva.example>", "user@B\xc3\x9c" "cher.example", "smtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@b\xc3\xbc" "cher.example>", "user@xn--bcher-kva.example", "esmtp", RL_ACCEPT, RL_R_HOSTED},
	{OUT, NULL, "<user@b\xc3\xbc" "cher.example>", "user@xn--zzzz.example", "esmtp", RL_REJECT, RL_R_MTA_RESOLUTION},
	/* No resolution sent: the raw check alone decides. */
	{OUT, NULL, "<user@hosted.example>", "", "smtp", RL_ACCEPT, RL_R_HOSTED},
	/* The raw check is never skipped because the resolution looks fine. */
	{OUT, NULL, "<user%ext.example@hosted.example>", "user%ext.example", "local", RL_REJECT, RL_R_PERCENT_HACK},
	{OUT, NULL, "<ext.example!user@hosted.example>", "user@hosted.example", "smtp", RL_REJECT, RL_R_BANG_PATH},
};

static void test_cases(void **state)
{
	struct rl_policy *p = make_policy(RL_MODE_ENFORCE, true);

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct policy_case *c = &cases[i];
		struct rl_ip ip;
		struct rl_request req = {
			.auth = c->auth, .rcpt = c->rcpt,
			.resolved_addr = c->resolved, .resolved_mailer = c->mailer,
		};
		struct rl_decision d;

		if (c->client) {
			assert_true(rl_ip_parse(c->client, &ip));
			req.client = &ip;
		}
		rl_decide(p, &req, &d);
		if (d.verdict != c->verdict || d.reason != c->reason)
			print_error("case %zu %s: got %s %s, want %s %s\n", i, c->rcpt,
			            rl_verdict_name(d.verdict), rl_reason_name(d.reason),
			            rl_verdict_name(c->verdict), rl_reason_name(c->reason));
		assert_int_equal(d.verdict, c->verdict);
		assert_int_equal(d.reason, c->reason);
		assert_int_equal(d.action, d.verdict);
		if (d.verdict == RL_REJECT) {
			assert_string_equal(d.code, "550");
			assert_string_equal(d.dsn, "5.7.1");
			assert_non_null(strstr(d.text, rl_reason_name(c->reason)));
		} else {
			assert_string_equal(d.code, "");
			assert_string_equal(d.text, "");
		}
	}
	rl_policy_free(p);
}

static void test_auth_not_allowed(void **state)
{
	struct rl_policy *p = make_policy(RL_MODE_ENFORCE, false);
	struct rl_request req = {.auth = "alice", .rcpt = "<u@ext.example>"};
	struct rl_decision d;

	(void)state;
	rl_decide(p, &req, &d);
	assert_int_equal(d.verdict, RL_REJECT);
	assert_int_equal(d.reason, RL_R_RELAY_DENIED);
	assert_false(rl_policy_relays_for(p, &req));
	rl_policy_free(p);
}

/* Who needs no hosted-domain lookup: exactly rule 1's clients. */
static void test_relays_for(void **state)
{
	struct rl_policy *p = make_policy(RL_MODE_ENFORCE, true);
	struct rl_ip in, excluded, out;
	struct rl_request req = {.rcpt = "<u@ext.example>"};

	(void)state;
	assert_true(rl_ip_parse("10.1.2.3", &in));
	assert_true(rl_ip_parse("10.9.1.1", &excluded));
	assert_true(rl_ip_parse(OUT, &out));
	req.client = &in;
	assert_true(rl_policy_relays_for(p, &req));
	req.client = &excluded;
	assert_false(rl_policy_relays_for(p, &req));
	req.client = &out;
	assert_false(rl_policy_relays_for(p, &req));
	req.auth = "";
	assert_false(rl_policy_relays_for(p, &req));
	req.auth = "alice";
	assert_true(rl_policy_relays_for(p, &req));
	assert_false(rl_policy_relays_for(NULL, &req));
	rl_policy_free(p);
}

static void test_monitor(void **state)
{
	struct rl_policy *p = make_policy(RL_MODE_MONITOR, true);
	struct rl_request req = {.rcpt = "<u%ext.example@hosted.example>"};
	struct rl_decision d;

	(void)state;
	rl_decide(p, &req, &d);
	assert_int_equal(d.verdict, RL_REJECT);
	assert_int_equal(d.action, RL_ACCEPT);
	assert_int_equal(d.reason, RL_R_PERCENT_HACK);
	/* Internal errors still tempfail in monitor mode. */
	req.rcpt = NULL;
	rl_decide(p, &req, &d);
	assert_int_equal(d.action, RL_TEMPFAIL);
	rl_policy_free(p);
}

/* A source of hosted domains as the policy sees one: an in-memory answer
 * per domain. "src.example" is hosted, "down.example" cannot be answered. */
static enum rl_lookup fake_source(const void *ctx, const char *domain, char *why,
                                  size_t cap)
{
	const char *name = ctx;

	if (why)
		snprintf(why, cap, "%s", name);
	if (strcmp(domain, "src.example") == 0 && strcmp(name, "up") == 0)
		return RL_LOOKUP_YES;
	if (strcmp(domain, "hosted.example") == 0)
		fail_msg("the static set is consulted first");
	return strcmp(domain, "down.example") == 0 || strcmp(name, "down") == 0
	               ? RL_LOOKUP_ERROR : RL_LOOKUP_NO;
}

static void decide_with_sources(enum rl_mode mode, const char *const *names, size_t n,
                                const char *rcpt, struct rl_decision *d)
{
	struct rl_policy *p = make_policy(mode, true);
	struct rl_domain_source src[RL_SOURCES_MAX];
	struct rl_request req = {.rcpt = rcpt};

	for (size_t i = 0; i < n; i++)
		src[i] = (struct rl_domain_source){fake_source, names[i]};
	assert_int_equal(rl_policy_set_sources(p, src, n), 0);
	rl_decide(p, &req, d);
	rl_policy_free(p);
}

static void test_sources(void **state)
{
	static const char *const up[] = {"up"}, *const down_up[] = {"down", "up"},
	                         *const up_down[] = {"up", "down"}, *const down[] = {"down"};
	static const struct {
		const char *const *names;
		size_t n;
		const char *rcpt;
		enum rl_verdict verdict;
		enum rl_reason reason;
	} table[] = {
		{up, 1, "<u@src.example>", RL_ACCEPT, RL_R_HOSTED},
		{up, 1, "<u@hosted.example>", RL_ACCEPT, RL_R_HOSTED},
		{up, 1, "<u@other.example>", RL_REJECT, RL_R_RELAY_DENIED},
		{up, 1, "<u@[192.0.2.9]>", RL_REJECT, RL_R_DOMAIN_LITERAL},
		{up, 1, "<u%other.example@src.example>", RL_REJECT, RL_R_PERCENT_HACK},
		/* A source that cannot answer: mail waits, never refused... */
		{up, 1, "<u@down.example>", RL_TEMPFAIL, RL_R_SOURCE_UNAVAILABLE},
		{down, 1, "<u@other.example>", RL_TEMPFAIL, RL_R_SOURCE_UNAVAILABLE},
		/* ...unless another source says yes, whatever the order... */
		{down_up, 2, "<u@src.example>", RL_ACCEPT, RL_R_HOSTED},
		{up_down, 2, "<u@src.example>", RL_ACCEPT, RL_R_HOSTED},
		/* ...or the static set holds it, or a trick needs no lookup. */
		{down, 1, "<u@hosted.example>", RL_ACCEPT, RL_R_HOSTED},
		{down, 1, "<u@x.sub.hosted.example>", RL_ACCEPT, RL_R_HOSTED},
		{down, 1, "<u%other.example@down.example>", RL_REJECT, RL_R_PERCENT_HACK},
		{down, 1, "<u>", RL_REJECT, RL_R_UNQUALIFIED},
	};
	struct rl_decision d;

	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		decide_with_sources(RL_MODE_ENFORCE, table[i].names, table[i].n, table[i].rcpt, &d);
		if (d.verdict != table[i].verdict || d.reason != table[i].reason)
			print_error("case %zu %s: got %s %s\n", i, table[i].rcpt,
			            rl_verdict_name(d.verdict), rl_reason_name(d.reason));
		assert_int_equal(d.verdict, table[i].verdict);
		assert_int_equal(d.reason, table[i].reason);
		assert_int_equal(d.action, d.verdict);
		if (d.verdict == RL_TEMPFAIL) {
			assert_string_equal(d.code, "451");
			assert_string_equal(d.dsn, "4.3.0");
			assert_non_null(strstr(d.text, "(source_unavailable)"));
		}
	}
	/* In monitor mode an outage never touches mail. */
	decide_with_sources(RL_MODE_MONITOR, down, 1, "<u@other.example>", &d);
	assert_int_equal(d.verdict, RL_TEMPFAIL);
	assert_int_equal(d.action, RL_ACCEPT);
	assert_int_equal(d.reason, RL_R_SOURCE_UNAVAILABLE);
	{
		struct rl_domain_source many[RL_SOURCES_MAX + 1] = {{0}};
		struct rl_policy *p = make_policy(RL_MODE_ENFORCE, true);

		assert_int_equal(rl_policy_set_sources(p, many, RL_SOURCES_MAX + 1), -1);
		rl_policy_free(p);
	}
}

/* --explain: each step, with what matched. */
static void test_trace(void **state)
{
	static const struct {
		const char *client, *rcpt, *resolved, *want[4];
	} table[] = {
		{"10.1.2.3", "<u@ext.example>", NULL,
		 {"client 10.1.2.3: inside trusted_networks 10.0.0.0/8\n"}},
		{"10.9.1.1", "<u@ext.example>", NULL,
		 {"client 10.9.1.1: excluded from trusted_networks by !10.9.0.0/16\n",
		  "domain ext.example: not in hosted_domains\n"}},
		{OUT, "<fwd@x.sub.hosted.example>", "nobody@outside.example",
		 {"client 203.0.113.9: not in trusted_networks\n",
		  "recipient <fwd@x.sub.hosted.example>: a plain mailbox at x.sub.hosted.example\n",
		  "domain x.sub.hosted.example: hosted_domains entry .sub.hosted.example\n",
		  "resolution: nobody@outside.example via relay: no routing left"}},
		{OUT, "<u%ext@hosted.example>", NULL,
		 {"routing typed by the client (percent_hack)\n"}},
		{OUT, "<u@hosted.example>", "u%ext@hosted.example",
		 {"resolution: u%ext@hosted.example via relay: routing left in it\n"}},
	};
	struct rl_policy *p = make_policy(RL_MODE_ENFORCE, true);
	struct rl_trace trace;
	struct rl_decision d, plain;
	struct rl_ip ip;

	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		struct rl_request req = {.rcpt = table[i].rcpt, .client = &ip,
		                         .resolved_addr = table[i].resolved,
		                         .resolved_mailer = "relay"};

		assert_true(rl_ip_parse(table[i].client, &ip));
		rl_trace_init(&trace);
		rl_decide_traced(p, &req, &d, &trace);
		rl_decide(p, &req, &plain);
		assert_int_equal(d.verdict, plain.verdict); /* tracing changes nothing */
		assert_int_equal(d.reason, plain.reason);
		for (size_t j = 0; j < 4 && table[i].want[j]; j++) {
			if (!strstr(trace.text, table[i].want[j]))
				print_error("case %zu: want \"%s\" in:\n%s", i, table[i].want[j],
				            trace.text);
			assert_non_null(strstr(trace.text, table[i].want[j]));
		}
	}
	/* Bounded: whole lines only, then marked truncated. */
	rl_trace_init(&trace);
	for (int i = 0; i < 1000; i++)
		rl_trace_add(&trace, "step %d of a long explanation", i);
	assert_true(trace.truncated);
	assert_true(trace.len < sizeof trace.text);
	assert_int_equal(trace.text[trace.len - 1], '\n');
	rl_policy_free(p);
}

static void test_broken_input(void **state)
{
	struct rl_policy *p = make_policy(RL_MODE_ENFORCE, true);
	struct rl_request req = {.rcpt = "<u@hosted.example>"};
	struct rl_decision d;

	(void)state;
	rl_decide(NULL, &req, &d);
	assert_int_equal(d.verdict, RL_TEMPFAIL);
	assert_int_equal(d.reason, RL_R_INTERNAL_ERROR);
	assert_string_equal(d.code, "451");
	assert_string_equal(d.dsn, "4.3.0");
	rl_decide(p, NULL, &d);
	assert_int_equal(d.verdict, RL_TEMPFAIL);
	req.rcpt = NULL;
	rl_decide(p, &req, &d);
	assert_int_equal(d.verdict, RL_TEMPFAIL);
	rl_policy_free(p);
}

static void test_reason_names(void **state)
{
	(void)state;
	for (int r = 0; r < RL_R_COUNT; r++) {
		const char *name = rl_reason_name((enum rl_reason)r);

		assert_non_null(name);
		assert_int_equal(rl_reason_from_name(name), r);
		assert_null(strpbrk(name, " =\t"));
	}
	assert_int_equal(rl_reason_from_name("nonsense"), RL_R_COUNT);
	assert_string_equal(rl_reason_name(RL_R_PERCENT_HACK), "percent_hack");
	assert_string_equal(rl_verdict_name(RL_TEMPFAIL), "tempfail");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_auth_not_allowed),
		cmocka_unit_test(test_relays_for),
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_broken_input),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
