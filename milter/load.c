/* load.c - relaylock.conf, then its sources. */
#include "load.h"

#include "source_set.h"

struct rl_config *rl_load(const char *path, const struct rl_config *previous,
                          struct rl_diag *errors, struct rl_diag *warnings)
{
	struct rl_config *config = rl_config_load(path, errors);

	if (config && rl_sources_attach(config, previous, errors, warnings) != 0) {
		rl_config_free(config);
		return NULL;
	}
	return config;
}
