/* daemon.c - placeholder until the milter daemon lands. */
#include "daemon.h"

#include <stdio.h>
#include <sysexits.h>

int rl_daemon_run(const struct rl_cli *cli, struct rl_config *config)
{
	(void)cli;
	rl_config_free(config);
	fprintf(stderr, "relaylock: the milter daemon is not built yet\n");
	return EX_UNAVAILABLE;
}
