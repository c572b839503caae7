/* domain_set.h - hosted domains: exact names, ".parent" for every
 * subdomain, and listed address literals. Pure, no I/O.
 *
 * A hash table over one string arena: a lookup costs one probe for the
 * name and one per parent label, whatever the number of domains.
 */
#ifndef RELAYLOCK_DOMAIN_SET_H
#define RELAYLOCK_DOMAIN_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"

struct rl_domain_set;

struct rl_domain_set *rl_domain_set_new(void);
void rl_domain_set_free(struct rl_domain_set *set);

/* An entry's canonical text: ".parent" plus RL_DOMAIN_MAX octets at most. */
#define RL_DOMAIN_ENTRY_MAX (RL_DOMAIN_MAX + 1)

/* Write the canonical form of a hosted entry (lower case, A-labels, as the
 * set stores it) NUL-terminated to OUT and return its length, or -1 when
 * TEXT is malformed (ERR then says why). */
int rl_domain_entry_canonical(const char *text, size_t len,
                              char out[RL_DOMAIN_ENTRY_MAX + 1], const char **err);

/* Add "example.com", ".example.com" (subdomains only) or a literal such as
 * "[192.0.2.5]". Returns 0 when added or already present, -1 when TEXT is
 * malformed (ERR then says why), -2 when memory ran out. */
int rl_domain_set_add(struct rl_domain_set *set, const char *text, size_t len,
                      const char **err);

/* Does the canonical DOMAIN (see rl_domain_canonical) match? */
bool rl_domain_set_match(const struct rl_domain_set *set, const char *domain,
                         size_t len);

/* The entry that matches DOMAIN: DOMAIN itself or its ".parent" tail (a
 * pointer into DOMAIN, LEN octets long at most), or NULL. */
const char *rl_domain_set_entry(const struct rl_domain_set *set,
                                const char *domain, size_t len);

/* Is KEY (canonical, ".parent" form included) itself an entry? An exact
 * lookup, for callers that walk parent names their own way (the
 * fixed-string tables of sources/). */
bool rl_domain_set_has(const struct rl_domain_set *set, const char *key,
                       size_t len);

/* Call FN on each entry in canonical text (".parent" and "[literal]" forms
 * included), in the order they were added, until FN returns true. Returns
 * whether one did. */
bool rl_domain_set_find(const struct rl_domain_set *set,
                        bool (*fn)(const char *entry, void *arg), void *arg);

/* How many distinct entries the set holds. */
size_t rl_domain_set_count(const struct rl_domain_set *set);

#endif
