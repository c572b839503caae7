/* dir_cache.h - answers of a directory, cached per domain.
 *
 * Positive and negative answers live in two tables, each with its own
 * bound and least-recently-stored eviction, so a burst of random domains
 * only ever evicts negatives. Fresh answers (younger than the TTL) are
 * served without a query; concurrent lookups of one domain wait for one
 * query (single flight); lookups of other domains never wait for it: the
 * cache's lock is held for table work only, never during a query.
 *
 * An ERROR is never cached. When a query fails, a stale positive answer of
 * the domain is served instead (stale-if-error): mail for a domain that was
 * hosted keeps flowing through an outage. A stale negative is not served:
 * the domain may have been added since, and a 451 loses nothing where a
 * 550 would.
 *
 * Memory is bounded: at most max_pos + max_neg entries of at most
 * RL_DIR_CACHE_ENTRY_MAX octets each, plus fixed bucket arrays, plus one
 * record per lookup in flight.
 */
#ifndef RELAYLOCK_DIR_CACHE_H
#define RELAYLOCK_DIR_CACHE_H

#include <stddef.h>
#include <time.h>

#include "directory.h"

#define RL_DIR_CACHE_TTL_DEFAULT 300        /* directory_cache_ttl, s */
#define RL_DIR_CACHE_POS_DEFAULT (1u << 20) /* positive entries */
#define RL_DIR_CACHE_NEG_DEFAULT (1u << 16) /* negative entries */

struct rl_dir_cache_opts {
	unsigned ttl;          /* seconds; 0: the default */
	size_t max_pos;        /* 0: the default */
	size_t max_neg;        /* 0: the default */
	unsigned max_wait;     /* seconds a lookup waits for another thread's
	                          query of the same domain; 0: 30 */
	time_t (*now)(void);   /* clock, for tests; NULL: CLOCK_MONOTONIC */
};

typedef enum rl_dir_answer (*rl_dir_lookup_fn)(void *arg, const char *domain,
                                               char *why, size_t cap);

struct rl_dir_cache_stats {
	size_t pos, neg;       /* entries held */
	size_t bytes;          /* memory held by entries and buckets */
	size_t bytes_max;      /* what bytes can never pass */
	unsigned long long queries, hits, waits, stale;
};

struct rl_dir_cache *rl_dir_cache_new(const struct rl_dir_cache_opts *opts);
void rl_dir_cache_free(struct rl_dir_cache *cache);

/* DOMAIN's answer: from the cache when fresh, else from FN(ARG, ...) (one
 * call per domain at a time), stored by its kind. WHY as FN gives it, or
 * "cached", "stale: ..." for answers from the cache. */
enum rl_dir_answer rl_dir_cache_lookup(struct rl_dir_cache *cache,
                                       const char *domain, rl_dir_lookup_fn fn,
                                       void *arg, char *why, size_t cap);

/* What the cache alone says of DOMAIN, with no query and no wait (for the
 * pure matchers the policy asks): FOUND for a positive of any age (fresh,
 * or stale while the directory fails: stale-if-error), NOT_FOUND for a
 * negative younger than the TTL plus GRACE seconds (the margin between
 * the lookup that stored it and the decision that reads it), ERROR when
 * nothing usable is held. */
enum rl_dir_answer rl_dir_cache_peek(struct rl_dir_cache *cache,
                                     const char *domain, unsigned grace);

void rl_dir_cache_stats(struct rl_dir_cache *cache,
                        struct rl_dir_cache_stats *out);

/* The most one entry holds, the domain included. */
size_t rl_dir_cache_entry_max(void);

#endif
