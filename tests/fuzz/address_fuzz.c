/* address_fuzz.c - the RFC 5321 parser and the decision on hostile input.
 * Besides crashes, it aborts when an outsider's recipient is accepted
 * without being a plain hosted mailbox or the bare postmaster, when the
 * MTA's resolution of a hosted mailbox passes with routing in it (or is
 * refused without), or when a canonical domain is not a fixed point of
 * canonicalisation. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fuzz.h"
#include "policy.h"

static struct rl_policy *policy(void)
{
	static struct rl_policy *p;

	if (!p) {
		struct rl_domain_set *d = rl_domain_set_new();
		struct rl_net_set *n = rl_net_set_new();
		struct rl_policy_params params;
		const char *err;
		uint32_t a, b;

		rl_domain_set_add(d, "hosted.example", 14, &err);
		rl_domain_set_add(d, ".sub.example", 12, &err);
		rl_domain_set_add(d, "[192.0.2.5]", 11, &err);
		rl_domain_set_add(d, "xn--bcher-kva.example", 21, &err);
		rl_net_set_add(n, "10.0.0.0/8", 0, &err);
		rl_net_set_build(n, &a, &b);
		rl_policy_params_default(&params);
		p = rl_policy_new(d, n, &params);
	}
	return p;
}

/* A canonical domain is ASCII (IDNs as A-labels) and canonical again:
 * matching never depends on which form the client typed. */
static bool canonical_is_fixed(const char *domain, size_t len)
{
	char again[RL_DOMAIN_MAX + 1];

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)domain[i] >= 0x80)
			return false;
	return rl_domain_canonical(domain, len, again) == (int)len &&
	       memcmp(again, domain, len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_address a;
	struct rl_decision d;
	char *rcpt;
	enum rl_addr_kind kind = rl_address_parse((const char *)data, size, &a);

	if (kind != a.kind || a.domain_len != strlen(a.domain))
		abort();
	if (kind == RL_ADDR_MAILBOX && (a.domain_len == 0 || strchr(a.domain, '@')))
		abort();
	if (kind == RL_ADDR_MAILBOX && !canonical_is_fixed(a.domain, a.domain_len))
		abort();

	/* Decide it as argv[0]: a C string, cut at the first NUL. */
	rcpt = malloc(size + 1);
	if (!rcpt)
		return 0;
	memcpy(rcpt, data, size);
	rcpt[size] = '\0';
	struct rl_request req = {.rcpt = rcpt, .resolved_addr = rcpt, .resolved_mailer = "esmtp"};

	rl_decide(policy(), &req, &d);
	kind = rl_address_parse(rcpt, strlen(rcpt), &a);
	if (d.verdict == RL_ACCEPT &&
	    !(kind == RL_ADDR_MAILBOX && d.reason == RL_R_HOSTED) &&
	    !(kind == RL_ADDR_LOCAL_ONLY && d.reason == RL_R_POSTMASTER))
		abort();

	/* The input as the MTA's resolution of a plain hosted mailbox: it
	 * passes exactly when it carries no routing and can be read. */
	struct rl_request fwd = {.rcpt = "<user@hosted.example>", .resolved_addr = rcpt,
	                         .resolved_mailer = "relay"};
	bool plain = kind == RL_ADDR_MAILBOX || kind == RL_ADDR_LOCAL_ONLY;

	rl_decide(policy(), &fwd, &d);
	if (rcpt[0] && (d.verdict == RL_ACCEPT) != plain)
		abort();
	if (!rcpt[0] && d.verdict != RL_ACCEPT)
		abort(); /* no resolution sent: the typed address alone decides */
	free(rcpt);
	return 0;
}
