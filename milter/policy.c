/* policy.c - the relay decision for one recipient. */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

struct rl_policy {
	struct rl_domain_set *hosted;
	struct rl_net_set *trusted;
	struct rl_policy_params params;
	/* Reject texts, "TEXT (reason)", made once so a decision copies nothing. */
	char reject_texts[RL_R_COUNT][RL_REPLY_TEXT_MAX];
	struct rl_domain_source sources[RL_SOURCES_MAX];
	size_t n_sources;
};

static const char tempfail_text[] =
	"Temporary relay policy failure, try again later (internal_error)";
static const char source_tempfail_text[] =
	"Temporary lookup failure of hosted domains, try again later (source_unavailable)";

static const char *const reason_names[RL_R_COUNT] = {
	[RL_R_HOSTED] = "hosted",
	[RL_R_TRUSTED_NETWORK] = "trusted_network",
	[RL_R_AUTHENTICATED] = "authenticated",
	[RL_R_POSTMASTER] = "postmaster",
	[RL_R_RELAY_DENIED] = "relay_denied",
	[RL_R_PERCENT_HACK] = "percent_hack",
	[RL_R_BANG_PATH] = "bang_path",
	[RL_R_SOURCE_ROUTE] = "source_route",
	[RL_R_QUOTED_ROUTE] = "quoted_route",
	[RL_R_MULTI_AT] = "multi_at",
	[RL_R_BACKSLASH] = "backslash_escape",
	[RL_R_DOMAIN_LITERAL] = "domain_literal",
	[RL_R_UNQUALIFIED] = "unqualified",
	[RL_R_SYNTAX] = "syntax",
	[RL_R_TOO_LONG] = "too_long",
	[RL_R_MTA_RESOLUTION] = "mta_resolution",
	[RL_R_INTERNAL_ERROR] = "internal_error",
	[RL_R_SOURCE_UNAVAILABLE] = "source_unavailable",
};

const char *rl_reason_name(enum rl_reason reason)
{
	return (unsigned)reason < RL_R_COUNT ? reason_names[reason] : "internal_error";
}

enum rl_reason rl_reason_from_name(const char *name)
{
	for (unsigned i = 0; name && i < RL_R_COUNT; i++)
		if (strcmp(reason_names[i], name) == 0)
			return (enum rl_reason)i;
	return RL_R_COUNT;
}

const char *rl_verdict_name(enum rl_verdict verdict)
{
	switch (verdict) {
	case RL_ACCEPT:
		return "accept";
	case RL_REJECT:
		return "reject";
	default:
		return "tempfail";
	}
}

void rl_policy_params_default(struct rl_policy_params *p)
{
	memset(p, 0, sizeof *p);
	p->mode = RL_MODE_ENFORCE;
	p->allow_authenticated = true;
	strcpy(p->reject_code, "550");
	strcpy(p->reject_dsn, "5.7.1");
	strcpy(p->reject_text, "Relaying denied");
}

struct rl_policy *rl_policy_new(struct rl_domain_set *hosted,
                                struct rl_net_set *trusted,
                                const struct rl_policy_params *params)
{
	struct rl_policy *p = calloc(1, sizeof *p);

	if (!p) {
		rl_domain_set_free(hosted);
		rl_net_set_free(trusted);
		return NULL;
	}
	p->hosted = hosted;
	p->trusted = trusted;
	p->params = *params;
	for (int r = 0; r < RL_R_COUNT; r++)
		snprintf(p->reject_texts[r], sizeof p->reject_texts[r], "%s (%s)",
		         params->reject_text, reason_names[r]);
	return p;
}

void rl_policy_free(struct rl_policy *p)
{
	if (!p)
		return;
	rl_domain_set_free(p->hosted);
	rl_net_set_free(p->trusted);
	free(p);
}

int rl_policy_set_sources(struct rl_policy *p,
                          const struct rl_domain_source *sources, size_t n)
{
	if (n > RL_SOURCES_MAX)
		return -1;
	memcpy(p->sources, sources, n * sizeof *sources);
	p->n_sources = n;
	return 0;
}

const struct rl_policy_params *rl_policy_params(const struct rl_policy *p)
{
	return &p->params;
}

const struct rl_domain_set *rl_policy_hosted(const struct rl_policy *p)
{
	return p->hosted;
}

const struct rl_net_set *rl_policy_trusted(const struct rl_policy *p)
{
	return p->trusted;
}

static enum rl_reason reason_of_kind(enum rl_addr_kind kind)
{
	switch (kind) {
	case RL_ADDR_SOURCE_ROUTE: return RL_R_SOURCE_ROUTE;
	case RL_ADDR_MULTI_AT: return RL_R_MULTI_AT;
	case RL_ADDR_QUOTED_ROUTE: return RL_R_QUOTED_ROUTE;
	case RL_ADDR_BACKSLASH: return RL_R_BACKSLASH;
	case RL_ADDR_PERCENT_HACK: return RL_R_PERCENT_HACK;
	case RL_ADDR_BANG_PATH: return RL_R_BANG_PATH;
	case RL_ADDR_TOO_LONG: return RL_R_TOO_LONG;
	default: return RL_R_SYNTAX;
	}
}

/* Does the MTA's own resolution still carry routing? The client typed a
 * plain hosted mailbox; where the MTA's own tables send it (virtusertable,
 * mailertable, virtual aliases, transport, a mail hub) is the admin's
 * routing, so any plain mailbox or bare user is fine. Routing operators
 * left in the resolution mean the next hop would route again; an
 * unreadable resolution is unknown state. Both are refused. */
static bool resolution_is_plain(const struct rl_request *req, struct rl_trace *t)
{
	struct rl_address a;
	enum rl_addr_kind kind = rl_address_parse(req->resolved_addr,
	                                          strlen(req->resolved_addr), &a);
	bool plain = kind == RL_ADDR_MAILBOX || kind == RL_ADDR_LOCAL_ONLY;

	RL_TRACE(t, "resolution: %s via %s: %s", req->resolved_addr,
	             req->resolved_mailer ? req->resolved_mailer : "-",
	             plain ? "no routing left, the MTA's own routing"
	                   : kind == RL_ADDR_SYNTAX || kind == RL_ADDR_TOO_LONG
	                   ? "unreadable" : "routing left in it");
	return plain;
}

/* Is the canonical DOMAIN hosted: the static set, then each source in
 * order? RL_R_HOSTED, RL_R_SOURCE_UNAVAILABLE when a source that could have
 * said yes failed and none did, else RL_R_RELAY_DENIED. */
static enum rl_reason judge_domain(const struct rl_policy *p, const char *domain,
                                   size_t len, struct rl_trace *t)
{
	const char *entry = rl_domain_set_entry(p->hosted, domain, len);
	char why[256];
	bool failed = false;

	if (entry) {
		RL_TRACE(t, "domain %s: hosted_domains entry %.*s", domain,
		             (int)(len - (size_t)(entry - domain)), entry);
		return RL_R_HOSTED;
	}
	RL_TRACE(t, "domain %s: not in hosted_domains", domain);
	for (size_t i = 0; i < p->n_sources; i++) {
		const struct rl_domain_source *s = &p->sources[i];

		why[0] = '\0';
		switch (s->match(s->ctx, domain, t ? why : NULL, t ? sizeof why : 0)) {
		case RL_LOOKUP_YES:
			RL_TRACE(t, "domain %s: hosted by %s", domain, why);
			return RL_R_HOSTED;
		case RL_LOOKUP_ERROR:
			RL_TRACE(t, "domain %s: no answer: %s", domain, why);
			failed = true;
			break;
		default:
			RL_TRACE(t, "domain %s: not hosted by %s", domain, why);
		}
	}
	return failed ? RL_R_SOURCE_UNAVAILABLE : RL_R_RELAY_DENIED;
}

/* The raw address alone: RL_R_HOSTED or RL_R_POSTMASTER when it may pass. */
static enum rl_reason judge_raw(const struct rl_policy *p, const char *rcpt,
                                struct rl_trace *t)
{
	struct rl_address a;
	enum rl_addr_kind kind = rl_address_parse(rcpt, strlen(rcpt), &a);
	enum rl_reason r;

	switch (kind) {
	case RL_ADDR_LOCAL_ONLY:
		r = rl_is_postmaster(a.local, a.local_len) ? RL_R_POSTMASTER
		                                           : RL_R_UNQUALIFIED;
		RL_TRACE(t, "recipient %s: no domain: %s", rcpt,
		             r == RL_R_POSTMASTER ? "the bare postmaster" : "unqualified");
		return r;
	case RL_ADDR_MAILBOX:
		RL_TRACE(t, "recipient %s: a plain mailbox at %s", rcpt, a.domain);
		r = judge_domain(p, a.domain, a.domain_len, t);
		if (r == RL_R_RELAY_DENIED && a.domain_literal)
			r = RL_R_DOMAIN_LITERAL;
		return r;
	default:
		r = reason_of_kind(kind);
		RL_TRACE(t, "recipient %s: %s (%s)", rcpt,
		         r == RL_R_SYNTAX || r == RL_R_TOO_LONG ? "not a usable path"
		                                                : "routing typed by the client",
		         rl_reason_name(r));
		return r;
	}
}

static void answer(const struct rl_policy *p, enum rl_verdict verdict,
                   enum rl_reason reason, struct rl_decision *out)
{
	out->verdict = out->action = verdict;
	out->reason = reason;
	out->code = out->dsn = out->text = "";
	if (verdict == RL_REJECT) {
		out->code = p->params.reject_code;
		out->dsn = p->params.reject_dsn;
		out->text = p->reject_texts[reason];
		if (p->params.mode == RL_MODE_MONITOR)
			out->action = RL_ACCEPT;
	} else if (verdict == RL_TEMPFAIL) {
		out->code = "451";
		out->dsn = "4.3.0";
		out->text = tempfail_text;
		/* An outage of a source never touches mail in monitor mode. */
		if (reason == RL_R_SOURCE_UNAVAILABLE) {
			out->text = source_tempfail_text;
			if (p->params.mode == RL_MODE_MONITOR)
				out->action = RL_ACCEPT;
		}
	}
}

static void trace_client(const struct rl_policy *p, const struct rl_request *req,
                         bool trusted, struct rl_trace *t)
{
	char net[64], ip[64];
	bool listed = req->client &&
	              rl_net_set_longest(p->trusted, req->client, net, sizeof net);

	rl_ip_format(req->client, ip, sizeof ip);
	if (trusted)
		rl_trace_add(t, "client %s: inside trusted_networks %s", ip, net);
	else if (listed)
		rl_trace_add(t, "client %s: excluded from trusted_networks by %s", ip, net);
	else
		rl_trace_add(t, "client %s: not in trusted_networks", ip);
}

static bool trusted_client(const struct rl_policy *p, const struct rl_request *req)
{
	return req->client && rl_net_set_match(p->trusted, req->client);
}

static bool authenticated_client(const struct rl_policy *p,
                                 const struct rl_request *req)
{
	return p->params.allow_authenticated && req->auth && req->auth[0];
}

bool rl_policy_relays_for(const struct rl_policy *p, const struct rl_request *req)
{
	return p && req && (trusted_client(p, req) || authenticated_client(p, req));
}

/* Rule 1: may this client send anywhere? */
static bool authorised(const struct rl_policy *p, const struct rl_request *req,
                       struct rl_decision *out, struct rl_trace *t)
{
	bool trusted = trusted_client(p, req);

	if (t)
		trace_client(p, req, trusted, t);
	if (trusted) {
		answer(p, RL_ACCEPT, RL_R_TRUSTED_NETWORK, out);
		return true;
	}
	if (authenticated_client(p, req)) {
		RL_TRACE(t, "client authenticated as %s (allow_authenticated)", req->auth);
		answer(p, RL_ACCEPT, RL_R_AUTHENTICATED, out);
		return true;
	}
	RL_TRACE(t, "client not authenticated%s",
	         req->auth && req->auth[0] ? " (allow_authenticated is off)" : "");
	return false;
}

void rl_decide_traced(const struct rl_policy *p, const struct rl_request *req,
                      struct rl_decision *out, struct rl_trace *t)
{
	static const struct rl_policy fallback; /* for the reply of a NULL policy */
	enum rl_reason reason;

	memset(out, 0, sizeof *out);
	if (!p || !req || !req->rcpt) {
		RL_TRACE(t, "no policy or no recipient: internal error");
		answer(p ? p : &fallback, RL_TEMPFAIL, RL_R_INTERNAL_ERROR, out);
		return;
	}
	if (authorised(p, req, out, t))
		return;

	/* 2. Everyone else: a plain hosted mailbox, or the bare postmaster... */
	reason = judge_raw(p, req->rcpt, t);
	if (reason == RL_R_SOURCE_UNAVAILABLE) {
		answer(p, RL_TEMPFAIL, reason, out);
		return;
	}
	if (reason != RL_R_HOSTED && reason != RL_R_POSTMASTER) {
		answer(p, RL_REJECT, reason, out);
		return;
	}
	/* ...and where the MTA says where it really goes, that must carry no
	 * routing either. */
	bool checked = req->resolved_addr && req->resolved_addr[0];

	if (!checked)
		RL_TRACE(t, "resolution: not sent by the MTA");
	if (checked && !resolution_is_plain(req, t))
		answer(p, RL_REJECT, RL_R_MTA_RESOLUTION, out);
	else
		answer(p, RL_ACCEPT, reason, out);
	out->resolution_checked = checked;
}

void rl_decide(const struct rl_policy *p, const struct rl_request *req,
               struct rl_decision *out)
{
	rl_decide_traced(p, req, out, NULL);
}
