/* load.h - a whole configuration: relaylock.conf and the sources it names
 * (hosted_domains_from), for the command line and the daemon's reloads.
 */
#ifndef RELAYLOCK_LOAD_H
#define RELAYLOCK_LOAD_H

#include "config.h"

/* Load PATH and open its sources; PREVIOUS (the config in force, or NULL)
 * lends last good copies. NULL with ERRORS filled when anything the admin
 * wrote is wrong; WARNINGS get the conditions of the moment. */
struct rl_config *rl_load(const char *path, const struct rl_config *previous,
                          struct rl_diag *errors, struct rl_diag *warnings);

#endif
