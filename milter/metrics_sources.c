/* metrics_sources.c - the metrics of a config that comes into force: the
 * load, the gauges, and which sources of hosted domains were read. */
#include "metrics_sources.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dir_registry.h"
#include "metrics.h"
#include "source_set.h"

/* Is NAME one of the comma-separated LIST? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

void rl_metrics_config_in_force(const struct rl_config *config)
{
	char failing[RL_SOURCES_MAX * (RL_SETTING_MAX + 1)];
	const char *names[RL_SOURCES_MAX];
	bool up[RL_SOURCES_MAX];
	uint64_t entries[RL_SOURCES_MAX];
	uint64_t now = (uint64_t)time(NULL);
	size_t n = config->n_sources < RL_SOURCES_MAX ? config->n_sources : RL_SOURCES_MAX;

	rl_metrics_policy_loaded(config->n_domains, config->n_networks, now);
	rl_sources_failing(config, failing, sizeof failing);
	for (size_t i = 0; i < n; i++) {
		names[i] = config->sources[i].spec;
		up[i] = !listed(failing, names[i]);
	}
	rl_metrics_sources(names, up, n, now);
	for (size_t i = 0; i < n; i++)
		entries[i] = rl_sources_entries(config, i);
	rl_metrics_source_entries(entries, n);
}

void rl_metrics_directories(struct rl_metrics_snapshot *snap)
{
	struct rl_dir_slot_stats st[RL_METRICS_DIRECTORIES];
	size_t n = rl_dir_registry_stats(st, RL_METRICS_DIRECTORIES);

	for (size_t i = 0; i < n; i++) {
		struct rl_metrics_directory *d = &snap->directories[i];

		snprintf(d->name, sizeof d->name, "%.127s", st[i].spec);
		d->up = (uint64_t)st[i].up;
		d->queries_total = st[i].queries;
		d->cache_hits_total = st[i].hits;
		d->errors_total = st[i].errors;
		d->cached_hosted = st[i].hosted;
		d->cached_not_hosted = st[i].not_hosted;
	}
	snap->n_directories = n;
}
