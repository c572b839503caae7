/* reload.h - read the configuration again, on SIGUSR1 and when a file that
 * a source of hosted domains read has changed.
 */
#ifndef RELAYLOCK_RELOAD_H
#define RELAYLOCK_RELOAD_H

#include <limits.h>
#include <stdbool.h>

#include "policy_holder.h"

struct rl_reloader {
	struct rl_holder *holder;
	char config_path[PATH_MAX]; /* absolute: reloads run after chdir("/") */
	bool refresh_failed;        /* the last automatic refresh failed */
	char failing[512];          /* sources failing after the last load */
};

/* The thread body: waits for SIGUSR1 (blocked in every thread) or for
 * hosted_domains_refresh seconds, then swaps in a new config or keeps the
 * current one. ARG is a struct rl_reloader. */
void *rl_reload_thread(void *arg);

#endif
