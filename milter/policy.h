/* policy.h - the relay decision for one recipient. Pure C: no I/O, no
 * globals. Everything that decides whether mail may pass lives in
 * rl_decide() in policy.c.
 */
#ifndef RELAYLOCK_POLICY_H
#define RELAYLOCK_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "domain_set.h"
#include "net_set.h"
#include "trace.h"

enum rl_verdict { RL_ACCEPT, RL_REJECT, RL_TEMPFAIL };

/* Stable reason names (rl_reason_name) used in logs, JSON and reports. */
enum rl_reason {
	RL_R_HOSTED,          /* plain mailbox at a hosted domain */
	RL_R_TRUSTED_NETWORK, /* client inside trusted_networks */
	RL_R_AUTHENTICATED,   /* SMTP AUTH client, allow_authenticated */
	RL_R_POSTMASTER,      /* bare "postmaster" (RFC 5321 4.5.1) */
	RL_R_RELAY_DENIED,    /* plain mailbox at an outside domain */
	RL_R_PERCENT_HACK,    /* user%ext@hosted */
	RL_R_BANG_PATH,       /* ext!user, ext!user@hosted */
	RL_R_SOURCE_ROUTE,    /* @hosted:user@ext */
	RL_R_QUOTED_ROUTE,    /* "user@ext"@hosted */
	RL_R_MULTI_AT,        /* user@ext@hosted */
	RL_R_BACKSLASH,       /* user\@ext@hosted */
	RL_R_DOMAIN_LITERAL,  /* user@[192.0.2.1] not listed as hosted */
	RL_R_UNQUALIFIED,     /* "user" without a domain */
	RL_R_SYNTAX,          /* not an RFC 5321 path, or "<>" */
	RL_R_TOO_LONG,        /* local part > 64, domain > 255, path > 256 */
	RL_R_MTA_RESOLUTION,  /* the MTA's resolution still carries routing */
	RL_R_INTERNAL_ERROR,  /* missing policy or input: tempfail */
	RL_R_SOURCE_UNAVAILABLE, /* a source of hosted domains could not answer */
	RL_R_COUNT
};

enum rl_mode { RL_MODE_ENFORCE, RL_MODE_MONITOR };

#define RL_REPLY_TEXT_MAX 256 /* reply text, including the reason */

/* The knobs of a policy; every field is validated by the config loader. */
struct rl_policy_params {
	enum rl_mode mode;
	bool allow_authenticated;
	char reject_code[4];       /* "550" */
	char reject_dsn[16];       /* "5.7.1" */
	char reject_text[160];     /* printable ASCII, no '%' */
};

/* Defaults: enforce, allow_authenticated, 550 5.7.1 "Relaying denied". */
void rl_policy_params_default(struct rl_policy_params *params);

/* A source's answer for one domain. ERROR means it could not answer: the
 * recipient then waits (451), it is never refused for it. */
enum rl_lookup { RL_LOOKUP_NO, RL_LOOKUP_YES, RL_LOOKUP_ERROR };

/* A source of hosted domains besides hosted_domains, such as the MTA's own
 * tables, consulted for a domain the static set does not hold. MATCH gets
 * the canonical domain; it must be pure, thread-safe and free of I/O.
 * WHY (WHY_CAP octets; NULL when nobody asks) gets what matched or failed. */
struct rl_domain_source {
	enum rl_lookup (*match)(const void *ctx, const char *domain, char *why,
	                        size_t why_cap);
	const void *ctx;
};

#define RL_SOURCES_MAX 16

/* Immutable once built; safe to share between threads. */
struct rl_policy;

/* Build a policy. Takes ownership of HOSTED and TRUSTED (built with
 * rl_net_set_build) even on failure. Returns NULL when memory ran out. */
struct rl_policy *rl_policy_new(struct rl_domain_set *hosted,
                                struct rl_net_set *trusted,
                                const struct rl_policy_params *params);
void rl_policy_free(struct rl_policy *policy);

/* Consult N sources, in order, before the policy is shared. Their contexts
 * must outlive the policy. Returns -1 when N exceeds RL_SOURCES_MAX. */
int rl_policy_set_sources(struct rl_policy *policy,
                          const struct rl_domain_source *sources, size_t n);

const struct rl_policy_params *rl_policy_params(const struct rl_policy *p);
const struct rl_domain_set *rl_policy_hosted(const struct rl_policy *p);
const struct rl_net_set *rl_policy_trusted(const struct rl_policy *p);

/* One RCPT TO as the milter saw it. The sender is deliberately absent: it
 * never grants relay. */
struct rl_request {
	const struct rl_ip *client; /* NULL: unknown, never trusted */
	const char *auth;           /* {auth_authen}; NULL or "": none */
	const char *rcpt;           /* argv[0] exactly as received */
	const char *resolved_addr;  /* {rcpt_addr}; NULL or "": not sent */
	const char *resolved_mailer; /* {rcpt_mailer}; logged, never decides */
	const char *resolved_host;  /* {rcpt_host}; informational only */
};

struct rl_decision {
	enum rl_verdict verdict;    /* what the policy says */
	enum rl_verdict action;     /* what to answer: monitor accepts rejects */
	enum rl_reason reason;
	bool resolution_checked;    /* the MTA's resolution was compared */
	const char *code;           /* SMTP code, "" on accept */
	const char *dsn;            /* enhanced status, "" on accept */
	const char *text;           /* reply text, "" on accept; owned by the
	                               policy (or static), never NULL */
};

/* Decide one recipient. Never fails: a NULL policy or request, or a missing
 * recipient, gives tempfail with RL_R_INTERNAL_ERROR. */
void rl_decide(const struct rl_policy *policy, const struct rl_request *req,
               struct rl_decision *out);

/* May this client relay anywhere (trusted network, or SMTP AUTH with
 * allow_authenticated)? Then no hosted domain needs looking up. */
bool rl_policy_relays_for(const struct rl_policy *policy,
                          const struct rl_request *req);

/* The same decision, with each step written to TRACE (may be NULL). */
void rl_decide_traced(const struct rl_policy *policy, const struct rl_request *req,
                      struct rl_decision *out, struct rl_trace *trace);

const char *rl_reason_name(enum rl_reason reason);
const char *rl_verdict_name(enum rl_verdict verdict);
/* Reverse of rl_reason_name; RL_R_COUNT when NAME is unknown. */
enum rl_reason rl_reason_from_name(const char *name);

#endif
