/* table.h - string-keyed counters for relaylock-report: an open-addressing
 * hash table whose memory grows with the number of distinct keys only. */
#ifndef RELAYLOCK_REPORT_TABLE_H
#define RELAYLOCK_REPORT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rr_entry {
	uint64_t hash;
	uint64_t count;
	time_t first;   /* first seen, earliest timestamp */
	time_t last;    /* last seen, latest timestamp */
	size_t len;
	char key[];     /* NUL-terminated copy of the key */
};

struct rr_table {
	struct rr_entry **slots;
	size_t cap;     /* power of two */
	size_t n;
	size_t max_keys; /* 0 = unbounded; further keys are counted in overflow */
	uint64_t overflow;
};

void rr_table_init(struct rr_table *t, size_t max_keys);
void rr_table_free(struct rr_table *t);

/* Count KEY (LEN bytes) once at time WHEN. Returns 0, or -1 when memory ran
 * out or the key limit was reached (the hit is then counted in overflow). */
int rr_table_add(struct rr_table *t, const char *key, size_t len, time_t when);

/* The entries, most counted first (ties: key order). Returns a malloc'd
 * array of t->n pointers (owned by the table) or NULL when empty or out of
 * memory. */
struct rr_entry **rr_table_sorted(const struct rr_table *t);

/* Entries ordered by key as a signed number (the histogram buckets). */
struct rr_entry **rr_table_sorted_numeric(const struct rr_table *t);

#endif
