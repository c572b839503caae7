/* daemon.h - run relaylock as a libmilter daemon. */
#ifndef RELAYLOCK_DAEMON_H
#define RELAYLOCK_DAEMON_H

#include <stdbool.h>

#include "config.h"

/* What the command line says; NULL fields fall back to the config. */
struct rl_cli {
	const char *config_path;
	const char *socket;     /* -p */
	const char *user;       /* -u */
	const char *pid_file;   /* -P */
	bool foreground;        /* -f: stay attached, log to stderr */
};

/* Serve until SIGTERM/SIGINT. Takes ownership of CONFIG. Returns the
 * process exit status. */
int rl_daemon_run(const struct rl_cli *cli, struct rl_config *config);

#endif
