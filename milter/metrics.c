/* metrics.c - the process-wide registry: relaxed atomic counters that the
 * milter threads add to and the metrics thread copies. */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* 1 us .. 1 s: a decision takes a few microseconds; the tail shows stalls. */
const uint64_t rl_metrics_bucket_ns[RL_METRICS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000,
	500000, 1000000, 10000000, 100000000, 1000000000,
};

static struct {
	atomic_uint_fast64_t decisions[RL_MA_COUNT][RL_R_COUNT];
	atomic_uint_fast64_t buckets[RL_METRICS_BUCKETS + 1];
	atomic_uint_fast64_t sum_ns;
	atomic_uint_fast64_t sessions_open;
	atomic_uint_fast64_t sessions_total;
	atomic_uint_fast64_t aborts;
	atomic_uint_fast64_t loads;
	atomic_uint_fast64_t reload_failures;
	atomic_uint_fast64_t last_load;
	atomic_uint_fast64_t domains;
	atomic_uint_fast64_t networks;
} reg;

/* Written at loads, read by scrapes: never touched by a decision. */
static pthread_mutex_t sources_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rl_metrics_source sources[RL_METRICS_SOURCES];
static size_t n_sources;

#define ADD(var, n) atomic_fetch_add_explicit(&(var), (n), memory_order_relaxed)
#define SET(var, n) atomic_store_explicit(&(var), (n), memory_order_relaxed)
#define GET(var) ((uint64_t)atomic_load_explicit(&(var), memory_order_relaxed))

enum rl_metric_action rl_metric_action_of(enum rl_verdict verdict, enum rl_verdict action)
{
	if (verdict == RL_REJECT && action == RL_ACCEPT)
		return RL_MA_WOULD_REJECT;
	return action == RL_ACCEPT ? RL_MA_ACCEPT
	       : action == RL_REJECT ? RL_MA_REJECT : RL_MA_TEMPFAIL;
}

void rl_metrics_decision(enum rl_metric_action action, enum rl_reason reason,
                         uint64_t duration_ns)
{
	size_t b = 0;

	if ((unsigned)action >= RL_MA_COUNT || (unsigned)reason >= RL_R_COUNT)
		return;
	ADD(reg.decisions[action][reason], 1);
	while (b < RL_METRICS_BUCKETS && duration_ns > rl_metrics_bucket_ns[b])
		b++;
	ADD(reg.buckets[b], 1);
	ADD(reg.sum_ns, duration_ns);
}

void rl_metrics_session_open(void)
{
	ADD(reg.sessions_open, 1);
	ADD(reg.sessions_total, 1);
}

void rl_metrics_session_close(void)
{
	atomic_fetch_sub_explicit(&reg.sessions_open, 1, memory_order_relaxed);
}

void rl_metrics_session_abort(void)
{
	ADD(reg.aborts, 1);
}

void rl_metrics_policy_loaded(size_t hosted_domains, size_t trusted_networks,
                              uint64_t unix_seconds)
{
	SET(reg.domains, hosted_domains);
	SET(reg.networks, trusted_networks);
	SET(reg.last_load, unix_seconds);
	ADD(reg.loads, 1);
}

void rl_metrics_reload_failed(void)
{
	ADD(reg.reload_failures, 1);
}

void rl_metrics_sources(const char *const *names, const bool *up, size_t n,
                        uint64_t now)
{
	struct rl_metrics_source next[RL_METRICS_SOURCES];

	if (n > RL_METRICS_SOURCES)
		n = RL_METRICS_SOURCES;
	pthread_mutex_lock(&sources_mu);
	for (size_t i = 0; i < n; i++) {
		struct rl_metrics_source *s = &next[i];

		memset(s, 0, sizeof *s);
		snprintf(s->name, sizeof s->name, "%s", names[i]);
		for (size_t j = 0; j < n_sources; j++)
			if (strcmp(sources[j].name, s->name) == 0)
				*s = sources[j];
		s->up = up[i];
		if (up[i])
			s->last_good_seconds = now;
		else
			s->read_failures_total++;
	}
	memcpy(sources, next, n * sizeof next[0]);
	n_sources = n;
	pthread_mutex_unlock(&sources_mu);
}

void rl_metrics_source_entries(const uint64_t *entries, size_t n)
{
	pthread_mutex_lock(&sources_mu);
	for (size_t i = 0; i < n && i < n_sources; i++)
		sources[i].entries = entries[i];
	pthread_mutex_unlock(&sources_mu);
}

void rl_metrics_snapshot(struct rl_metrics_snapshot *out)
{
	memset(out, 0, sizeof *out);
	for (int a = 0; a < RL_MA_COUNT; a++)
		for (int r = 0; r < RL_R_COUNT; r++)
			out->decisions[a][r] = GET(reg.decisions[a][r]);
	for (size_t b = 0; b <= RL_METRICS_BUCKETS; b++)
		out->duration_buckets[b] = GET(reg.buckets[b]);
	out->duration_sum_ns = GET(reg.sum_ns);
	out->sessions_open = GET(reg.sessions_open);
	out->sessions_total = GET(reg.sessions_total);
	out->session_aborts_total = GET(reg.aborts);
	out->policy_loads_total = GET(reg.loads);
	out->policy_reload_failures_total = GET(reg.reload_failures);
	out->policy_last_load_seconds = GET(reg.last_load);
	out->hosted_domains = GET(reg.domains);
	out->trusted_networks = GET(reg.networks);
	pthread_mutex_lock(&sources_mu);
	memcpy(out->sources, sources, n_sources * sizeof sources[0]);
	out->n_sources = n_sources;
	pthread_mutex_unlock(&sources_mu);
}

void rl_metrics_reset(void)
{
	for (int a = 0; a < RL_MA_COUNT; a++)
		for (int r = 0; r < RL_R_COUNT; r++)
			SET(reg.decisions[a][r], 0);
	for (size_t b = 0; b <= RL_METRICS_BUCKETS; b++)
		SET(reg.buckets[b], 0);
	SET(reg.sum_ns, 0);
	SET(reg.sessions_open, 0);
	SET(reg.sessions_total, 0);
	SET(reg.aborts, 0);
	SET(reg.loads, 0);
	SET(reg.reload_failures, 0);
	SET(reg.last_load, 0);
	SET(reg.domains, 0);
	SET(reg.networks, 0);
	pthread_mutex_lock(&sources_mu);
	n_sources = 0;
	pthread_mutex_unlock(&sources_mu);
}
