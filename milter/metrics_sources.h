/* metrics_sources.h - a config that comes into force, for the metrics. */
#ifndef RELAYLOCK_METRICS_SOURCES_H
#define RELAYLOCK_METRICS_SOURCES_H

#include "config.h"
#include "metrics.h"

/* CONFIG is now in force: its counts, load time and sources' state. */
void rl_metrics_config_in_force(const struct rl_config *config);

/* The directories' figures into SNAP (from their registry: takes its
 * lock and each cache's briefly, never a query). */
void rl_metrics_directories(struct rl_metrics_snapshot *snap);

#endif
