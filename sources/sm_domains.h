/* sm_domains.h - a class's words turned into a sorted set of canonical
 * domains, and the lookups Sendmail's relay rules make in it. Pure: no
 * I/O once built.
 */
#ifndef RELAYLOCK_SM_DOMAINS_H
#define RELAYLOCK_SM_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "sm_conf.h"

/* What a class word is, when it is not a domain. */
#define SM_WORD_INVALID (-1) /* no domain name: reported, ignored */
#define SM_WORD_NETWORK (-3) /* class R client prefix: 192.168.1, IPv6:... */
#define SM_WORD_LITERAL (-4) /* [192.0.2.1]: Sendmail's own addresses */

/* Canonical form of word W (LEN octets) in OUT: lower-case A-label, or
 * ".domain" when ALLOW_DOT (class R: "$* $=R" matches it below a label).
 * Its length or one of SM_WORD_*. */
int sm_word_domain(const char *w, size_t len, bool allow_dot,
                   char out[RL_DOMAIN_MAX + 2]);

struct sm_dom {
	char *name;          /* canonical; ".x" only in class R */
	uint32_t place, line;
};

struct sm_domset {
	struct sm_dom *d;    /* sorted by name, no duplicates */
	size_t n;
};

/* Build S from class K (may be NULL: empty). Words that are no domain
 * are counted in their place's `skipped`; invalid ones are warned about
 * with file:line. 0, or -1 out of memory. */
int sm_domset_build(struct sm_domset *s, struct sm_conf *c,
                    const struct sm_class *k, bool allow_dot,
                    struct rl_diag *warnings);

const struct sm_dom *sm_domset_find(const struct sm_domset *s,
                                    const char *name, size_t len);

/* Class R as Rcpt_ok asks it: the name itself, and with SUBDOMAINS any
 * parent at a label boundary ("$* $=R"), ".parent" entries included. */
const struct sm_dom *sm_domset_find_parent(const struct sm_domset *s,
                                           const char *name, size_t len,
                                           bool subdomains);

void sm_domset_free(struct sm_domset *s);

/* WORD with anything unprintable shown as '?', cut to fit OUT. */
void sm_printable(const char *word, char *out, size_t cap);

#endif
