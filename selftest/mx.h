/* mx.h - --mx DOMAIN: the addresses to probe, from the DNS through the
 * system resolver (libresolv, /etc/resolv.conf): the MX hosts in
 * preference order, each at its A and AAAA addresses; no MX record: the
 * domain itself (RFC 5321 5.1).
 */
#ifndef RELAYLOCK_SELFTEST_MX_H
#define RELAYLOCK_SELFTEST_MX_H

#include <stddef.h>

#define ST_MX_TARGETS_MAX 16

struct st_mx_target {
	char host[256];
	unsigned pref;          /* MX preference (0 for an implicit MX) */
	char addr[64];          /* numeric address, "" when there is none */
	char reason[160];       /* why there is no address */
};

struct st_mx_list {
	size_t n;
	struct st_mx_target t[ST_MX_TARGETS_MAX];
	char error[200];        /* the domain itself failed: why */
};

/* Fill LIST for DOMAIN. Returns 0, or -1 with LIST->error set when the
 * domain cannot be resolved at all (does not exist, no answer). A host
 * without addresses is one target with addr "" and a reason. */
int st_mx_lookup(const char *domain, struct st_mx_list *list);

#endif
