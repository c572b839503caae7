/* source_psl.h - no source may host a public suffix. Hosting "co.uk"
 * through an MTA table, or a pattern that matches any name under ".com",
 * would make relaylock an open relay for a whole registry. The Public
 * Suffix List (milter/public_suffix.h) is read once per process.
 */
#ifndef RELAYLOCK_SOURCE_PSL_H
#define RELAYLOCK_SOURCE_PSL_H

#include <stdbool.h>

/* Read the list if not yet done; false when there is none to read. */
bool rl_src_psl_ready(void);

/* Is the canonical ENTRY ("co.uk", ".co.uk") a public suffix? False
 * before the list could be read: rl_source_open refuses to load then. */
bool rl_src_public_suffix(const char *entry);

/* Names that no source may host, to probe a pattern table with: public
 * suffixes and random names under them that nobody registered. NULL ends
 * the list. */
const char *const *rl_src_psl_probes(void);

#endif
