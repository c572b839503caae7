/* source_set.h - the sources a relaylock.conf names in hosted_domains_from,
 * opened together and handed to the config's policy.
 *
 * A source that cannot be read now stands in with its last good copy (the
 * config in force lends it); one never read answers "cannot say", which
 * the policy turns into 451. Every file a source read is stamped, so the
 * daemon can tell when to read the sources again.
 */
#ifndef RELAYLOCK_SOURCE_SET_H
#define RELAYLOCK_SOURCE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* Open CONFIG's sources and give them to its policy, before the config is
 * shared. PREVIOUS is the config in force, or NULL. Mistakes in what the
 * admin wrote go to ERRORS as relaylock.conf:line (exit 78, a failed
 * reload); conditions of the moment go to WARNINGS. Returns 0, or -1 when
 * ERRORS got something. */
int rl_sources_attach(struct rl_config *config, const struct rl_config *previous,
                      struct rl_diag *errors, struct rl_diag *warnings);

/* Before deciding on the recipient RCPT as typed: when it is a plain mailbox whose domain the static hosted set does
 * not hold, look the domain up in every directory CONFIG's sources could
 * consult for it (Postfix's parent lookups included), so the pure match
 * finds the answers in the cache. Blocks the caller only, for at most
 * lookup_timeout per directory query. */
void rl_sources_warm(const struct rl_config *config, const char *rcpt);

/* Has a file that CONFIG's sources read changed, appeared or gone since? */
bool rl_sources_changed(const struct rl_config *config);

/* How many of CONFIG's sources serve a last good copy or cannot answer;
 * their names, comma-separated, in NAMES. */
size_t rl_sources_failing(const struct rl_config *config, char *names, size_t size);

/* Call FN for each name CONFIG's sources list and host now (never a
 * public suffix, never a name a later "!" takes back), source by source,
 * until FN returns true. For relaylock-selftest, which needs one hosted
 * name to probe with. Returns whether FN did. */
bool rl_sources_names(const struct rl_config *config,
                      bool (*fn)(const char *name, void *arg), void *arg);

/* How many names and table keys the source at INDEX of CONFIG's
 * hosted_domains_from lists (0 for one not opened). */
size_t rl_sources_entries(const struct rl_config *config, size_t index);

/* For relaylock -t: what each source read (tables, keys, errors), and the
 * static hosted_domains entries no source serves (likely stale). */
void rl_sources_print(const struct rl_config *config, FILE *out);

#endif
