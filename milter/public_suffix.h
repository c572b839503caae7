/* public_suffix.h - refuse to host a public suffix. Hosting "com" or
 * ".co.uk" would relay for every domain under it. The Public Suffix List
 * comes from libpsl with Debian's publicsuffix data: ICANN and private
 * sections, without the implicit "*" rule, so that "localhost" and other
 * single-label local names stay allowed.
 */
#ifndef RELAYLOCK_PUBLIC_SUFFIX_H
#define RELAYLOCK_PUBLIC_SUFFIX_H

#include <stdbool.h>

struct rl_psl;

/* The newest list on this host (the packaged file, else libpsl's built-in
 * copy). NULL when none could be loaded. */
struct rl_psl *rl_psl_open(void);
void rl_psl_close(struct rl_psl *psl);

/* Is ENTRY, a canonical hosted entry ("example.com", ".example.com",
 * "[192.0.2.1]"), a public suffix or every subdomain of one? */
bool rl_psl_is_public_suffix(const struct rl_psl *psl, const char *entry);

#endif
