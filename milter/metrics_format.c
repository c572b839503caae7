/* metrics_format.c - a metrics snapshot in the Prometheus text format
 * 0.0.4: each family's HELP and TYPE once, then all its samples. Pure: it
 * writes into the caller's buffer and never allocates. */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PREFIX "relaylock_"

static const char *const action_names[RL_MA_COUNT] = {
	"accept", "reject", "tempfail", "would-reject",
};

/* Appends stop at the end of the buffer but keep counting. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

size_t rl_metrics_escape(char *buf, size_t size, const char *value)
{
	size_t len = 0, kept = 0;

	for (const char *p = value ? value : ""; *p; p++) {
		const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
		char one[2] = {*p, '\0'};
		const char *seq = esc ? esc : one;
		size_t n = strlen(seq);

		/* A sequence goes in whole or not at all: never a lone '\'. */
		if (kept == len && len + n < size) {
			memcpy(buf + len, seq, n);
			kept += n;
		}
		len += n;
	}
	if (size)
		buf[kept] = '\0';
	return len;
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

static void scalar(struct out *o, const char *name, const char *type, const char *help,
                   uint64_t value)
{
	family(o, name, type, help);
	put(o, PREFIX "%s %" PRIu64 "\n", name, value);
}

static void decisions(struct out *o, const struct rl_metrics_snapshot *s)
{
	family(o, "decisions_total", "counter",
	       "Recipients decided, by action and reason, as in the decision log.");
	for (int a = 0; a < RL_MA_COUNT; a++)
		for (int r = 0; r < RL_R_COUNT; r++)
			put(o, PREFIX "decisions_total{action=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
			    action_names[a], rl_reason_name((enum rl_reason)r), s->decisions[a][r]);
}

/* NS nanoseconds as decimal seconds, exact. */
static void put_seconds(struct out *o, uint64_t ns)
{
	put(o, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static void duration(struct out *o, const struct rl_metrics_snapshot *s)
{
	const char *name = PREFIX "decision_duration_seconds";
	uint64_t cumulative = 0;

	family(o, "decision_duration_seconds", "histogram",
	       "Time spent deciding one recipient.");
	for (size_t b = 0; b < RL_METRICS_BUCKETS; b++) {
		cumulative += s->duration_buckets[b];
		put(o, "%s_bucket{le=\"", name);
		put_seconds(o, rl_metrics_bucket_ns[b]);
		put(o, "\"} %" PRIu64 "\n", cumulative);
	}
	/* _count is the +Inf bucket by construction, whatever the snapshot. */
	cumulative += s->duration_buckets[RL_METRICS_BUCKETS];
	put(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cumulative);
	put(o, "%s_sum ", name);
	put_seconds(o, s->duration_sum_ns);
	put(o, "\n%s_count %" PRIu64 "\n", name, cumulative);
}

/* One family with a sample per source or directory, labelled
 * LABEL="its name": the uint64_t at OFFSET in each of the N items of SIZE
 * octets at ITEMS, whose first member is their name. */
static void per_item(struct out *o, const char *name, const char *type,
                     const char *help, const char *label, const void *items,
                     size_t size, size_t n, size_t offset)
{
	char text[RL_METRICS_SOURCE_NAME * 2];

	family(o, name, type, help);
	for (size_t i = 0; i < n; i++) {
		const char *item = (const char *)items + i * size;
		uint64_t value;

		memcpy(&value, item + offset, sizeof value);
		rl_metrics_escape(text, sizeof text, item);
		put(o, PREFIX "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, text, value);
	}
}

_Static_assert(offsetof(struct rl_metrics_source, name) == 0 &&
               offsetof(struct rl_metrics_directory, name) == 0,
               "per_item reads an item's name at its start");

#define PER_SOURCE(o, s, name, type, help, field)                              \
	per_item(o, name, type, help, "source", (s)->sources,                  \
	         sizeof (s)->sources[0], (s)->n_sources,                       \
	         offsetof(struct rl_metrics_source, field))
#define PER_DIRECTORY(o, s, name, type, help, field)                           \
	per_item(o, name, type, help, "directory", (s)->directories,           \
	         sizeof (s)->directories[0], (s)->n_directories,               \
	         offsetof(struct rl_metrics_directory, field))

static void sources(struct out *o, const struct rl_metrics_snapshot *s)
{
	PER_SOURCE(o, s, "source_up", "gauge",
	           "1 when the source was read at the last load, 0 when it serves "
	           "its last good copy or cannot answer.", up);
	PER_SOURCE(o, s, "source_last_good_read_timestamp_seconds", "gauge",
	           "Unix time of the source's last good read, 0 for never.",
	           last_good_seconds);
	PER_SOURCE(o, s, "source_read_failures_total", "counter",
	           "Loads at which the source could not be read.", read_failures_total);
	PER_SOURCE(o, s, "source_entries", "gauge",
	           "Names and table keys the source lists (patterns and "
	           "directories are not counted).", entries);
}

static void directories(struct out *o, const struct rl_metrics_snapshot *s)
{
	if (s->n_directories == 0)
		return;
	PER_DIRECTORY(o, s, "directory_up", "gauge",
	              "0 while the directory cannot answer, else 1.", up);
	PER_DIRECTORY(o, s, "directory_queries_total", "counter",
	              "Lookups sent to the directory (cache misses).", queries_total);
	PER_DIRECTORY(o, s, "directory_cache_hits_total", "counter",
	              "Lookups answered from the cache.", cache_hits_total);
	PER_DIRECTORY(o, s, "directory_errors_total", "counter",
	              "Lookups the directory could not answer (451, or a stale "
	              "hosted answer served).", errors_total);
	PER_DIRECTORY(o, s, "directory_cached_hosted", "gauge",
	              "Hosted answers held in the cache.", cached_hosted);
	PER_DIRECTORY(o, s, "directory_cached_not_hosted", "gauge",
	              "Not-hosted answers held in the cache.", cached_not_hosted);
}

size_t rl_metrics_format(char *buf, size_t size, const struct rl_metrics_snapshot *s,
                         const char *version)
{
	struct out o = {buf, size, 0};
	char v[256];

	if (size)
		buf[0] = '\0';
	decisions(&o, s);
	duration(&o, s);
	scalar(&o, "sessions_open", "gauge", "Milter sessions open now.", s->sessions_open);
	scalar(&o, "sessions_total", "counter", "Milter sessions opened.", s->sessions_total);
	scalar(&o, "session_aborts_total", "counter",
	       "Messages the MTA aborted within a session.", s->session_aborts_total);
	scalar(&o, "policy_loads_total", "counter",
	       "Configurations loaded: the start and each good reload.", s->policy_loads_total);
	scalar(&o, "policy_reload_failures_total", "counter",
	       "Reloads refused because the configuration was broken.",
	       s->policy_reload_failures_total);
	scalar(&o, "policy_last_load_timestamp_seconds", "gauge",
	       "Unix time of the last good configuration load.", s->policy_last_load_seconds);
	scalar(&o, "hosted_domains", "gauge", "Hosted domain entries in force.",
	       s->hosted_domains);
	scalar(&o, "trusted_networks", "gauge", "Trusted network entries in force.",
	       s->trusted_networks);
	sources(&o, s);
	directories(&o, s);
	family(&o, "build_info", "gauge", "Always 1; the version as a label.");
	rl_metrics_escape(v, sizeof v, version);
	put(&o, PREFIX "build_info{version=\"%s\"} 1\n", v);
	return o.len;
}
