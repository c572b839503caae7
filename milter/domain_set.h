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

struct rl_domain_set;

struct rl_domain_set *rl_domain_set_new(void);
void rl_domain_set_free(struct rl_domain_set *set);

/* Add "example.com", ".example.com" (subdomains only) or a literal such as
 * "[192.0.2.5]". Returns 0 when added or already present, -1 when TEXT is
 * malformed (ERR then says why), -2 when memory ran out. */
int rl_domain_set_add(struct rl_domain_set *set, const char *text, size_t len,
                      const char **err);

/* Does the canonical DOMAIN (see rl_domain_canonical) match? */
bool rl_domain_set_match(const struct rl_domain_set *set, const char *domain,
                         size_t len);

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
