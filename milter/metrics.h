/* metrics.h - the daemon's counters for Prometheus (relaylock(8), METRICS).
 *
 * One process-wide registry of fixed size: decisions are a small matrix of
 * action x reason, never a label taken from the client. Milter threads only
 * add to relaxed atomics; the HTTP thread takes a snapshot and formats it
 * with rl_metrics_format(), which is pure and writes into the caller's
 * buffer. No lock is shared with the decision path. */
#ifndef RELAYLOCK_METRICS_H
#define RELAYLOCK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

enum rl_metric_action {
	RL_MA_ACCEPT,
	RL_MA_REJECT,
	RL_MA_TEMPFAIL,
	RL_MA_WOULD_REJECT, /* monitor mode: logged as would-reject, accepted */
	RL_MA_COUNT
};

/* Sources of hosted domains (hosted_domains_from): as many as a config
 * may name; their names come from relaylock.conf, never from a client. */
#define RL_METRICS_SOURCES RL_SOURCES_MAX
#define RL_METRICS_SOURCE_NAME 128

struct rl_metrics_source {
	char name[RL_METRICS_SOURCE_NAME];
	uint64_t up;                  /* 1: read now; 0: last good copy or none */
	uint64_t last_good_seconds;   /* Unix time of the last good read, 0: never */
	uint64_t read_failures_total; /* loads at which it could not be read */
	uint64_t entries;             /* names and keys it lists now */
};

/* Directories (pgsql:, mysql:, ldap: .cf files) in use; their names come
 * from relaylock.conf or the MTA's configuration, never from a client. */
#define RL_METRICS_DIRECTORIES 32

struct rl_metrics_directory {
	char name[RL_METRICS_SOURCE_NAME];
	uint64_t up;                  /* 0 during an outage */
	uint64_t queries_total;       /* lookups sent to the server */
	uint64_t cache_hits_total;    /* lookups answered from the cache */
	uint64_t errors_total;        /* lookups the server could not answer */
	uint64_t cached_hosted;       /* entries held */
	uint64_t cached_not_hosted;
};

/* Upper bounds of the decision-time buckets, in nanoseconds; +Inf follows. */
#define RL_METRICS_BUCKETS 12

struct rl_metrics_snapshot {
	uint64_t decisions[RL_MA_COUNT][RL_R_COUNT];
	uint64_t duration_buckets[RL_METRICS_BUCKETS + 1]; /* not cumulative; last is +Inf */
	uint64_t duration_sum_ns;
	uint64_t sessions_open;
	uint64_t sessions_total;
	uint64_t session_aborts_total;
	uint64_t policy_loads_total;
	uint64_t policy_reload_failures_total;
	uint64_t policy_last_load_seconds; /* Unix time of the last good load */
	uint64_t hosted_domains;
	uint64_t trusted_networks;
	struct rl_metrics_source sources[RL_METRICS_SOURCES];
	size_t n_sources;
	/* Filled by the daemon's HTTP thread from the directories' registry
	 * (rl_metrics_directories); zero in rl_metrics_snapshot's copy. */
	struct rl_metrics_directory directories[RL_METRICS_DIRECTORIES];
	size_t n_directories;
};

extern const uint64_t rl_metrics_bucket_ns[RL_METRICS_BUCKETS];

/* The action of a decision: its answer, or would-reject for a refusal
 * that monitor mode accepts. */
enum rl_metric_action rl_metric_action_of(enum rl_verdict verdict, enum rl_verdict action);

/* Recording: lock-free, from any thread. */
void rl_metrics_decision(enum rl_metric_action action, enum rl_reason reason,
                         uint64_t duration_ns);
void rl_metrics_session_open(void);
void rl_metrics_session_close(void);
void rl_metrics_session_abort(void);
void rl_metrics_policy_loaded(size_t hosted_domains, size_t trusted_networks,
                              uint64_t unix_seconds);
void rl_metrics_reload_failed(void);
/* The sources of the config now in force: N names, each read (UP) or not,
 * at NOW. A source keeps its history while its name stays. Called by the
 * loading thread only; takes the sources' own lock, no milter thread's. */
/* The entries (names and table keys; patterns and directories uncounted)
 * of the sources just given to rl_metrics_sources, in the same order. */
void rl_metrics_source_entries(const uint64_t *entries, size_t n);

void rl_metrics_sources(const char *const *names, const bool *up, size_t n,
                        uint64_t now);

/* Copy every value; consistent per value, not across values. */
void rl_metrics_snapshot(struct rl_metrics_snapshot *out);
/* Back to zero (tests). */
void rl_metrics_reset(void);

/* The Prometheus text format (0.0.4) of SNAP into BUF. Returns the length
 * the whole text needs, like snprintf: BUF holds it all only when the
 * result is below SIZE. VERSION goes into relaylock_build_info, escaped. */
size_t rl_metrics_format(char *buf, size_t size, const struct rl_metrics_snapshot *snap,
                         const char *version);

/* One label value escaped for the text format (\\, \", \n), NUL-ended;
 * returns the length it needs, like snprintf. */
size_t rl_metrics_escape(char *buf, size_t size, const char *value);

#endif
