/* dir_registry.h - the directories the loaded configs use, one per .cf
 * spec for the whole process, each with its cache.
 *
 * A reload that names the same spec again gets the same slot back, so the
 * cache survives reloads; a .cf whose content changed (or a new
 * lookup_timeout or directory_cache_ttl) gets a fresh slot and cache. The
 * sources hold slots: the pure matchers peek the cache (no I/O); the
 * milter layer warms it (the blocking, bounded lookup) before deciding.
 */
#ifndef RELAYLOCK_DIR_REGISTRY_H
#define RELAYLOCK_DIR_REGISTRY_H

#include <stddef.h>

#include "config.h"
#include "directory.h"

/* A negative answer is read for this long past the TTL (see
 * rl_dir_cache_peek): covers the lookups of one decision. */
#define RL_DIR_PEEK_GRACE 60

struct rl_dir_slot;

/* Settings for the slots opened from now on (relaylock.conf's
 * lookup_timeout and directory_cache_ttl, seconds; 0: the defaults). */
void rl_dir_registry_settings(unsigned lookup_timeout, unsigned cache_ttl);

/* Where outages are told (once per streak, at LOG_ERR) and recoveries;
 * NULL: nowhere. */
void rl_dir_registry_logger(void (*log)(int priority, const char *text));

/* The slot of SPEC ("pgsql:/etc/postfix/x.cf", "proxy:" allowed), shared;
 * NULL with ERRORS (the .cf's file:line) when the .cf is wrong. */
struct rl_dir_slot *rl_dir_slot_get(const char *spec, struct rl_diag *errors);
void rl_dir_slot_put(struct rl_dir_slot *slot);

/* "pgsql:/etc/postfix/x.cf" (no "proxy:"), and its .cf path. */
const char *rl_dir_slot_spec(const struct rl_dir_slot *slot);
const char *rl_dir_slot_path(const struct rl_dir_slot *slot);

/* The cache's answer for KEY, no I/O (rl_dir_cache_peek). */
enum rl_dir_answer rl_dir_slot_peek(const struct rl_dir_slot *slot,
                                    const char *key);

/* Look KEY up through the cache: a query when nothing fresh is held, for
 * at most lookup_timeout. Logs the start and end of an outage. */
enum rl_dir_answer rl_dir_slot_warm(struct rl_dir_slot *slot, const char *key);

/* One directory's figures, for the metrics. */
struct rl_dir_slot_stats {
	char spec[128];                 /* truncated */
	unsigned long long queries;     /* lookups sent to the server */
	unsigned long long hits;        /* answered from the cache */
	unsigned long long errors;      /* lookups the server could not answer */
	size_t hosted, not_hosted;      /* cached answers held */
	int up;                         /* 0 during an outage streak */
};

/* The figures of up to MAX directories in use, one per spec (the newest
 * slot of a spec); returns how many. */
size_t rl_dir_registry_stats(struct rl_dir_slot_stats *out, size_t max);

/* For relaylock -t: rl_dir_probe. */
enum rl_dir_answer rl_dir_slot_probe(struct rl_dir_slot *slot, char *why,
                                     size_t cap);

#endif
