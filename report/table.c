/* table.c - string-keyed counters (FNV-1a, linear probing). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

void rr_table_init(struct rr_table *t, size_t max_keys)
{
	memset(t, 0, sizeof *t);
	t->max_keys = max_keys;
}

void rr_table_free(struct rr_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static int grow(struct rr_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct rr_entry **slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		struct rr_entry *e = t->slots[i];
		size_t j;

		if (!e)
			continue;
		for (j = e->hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = e;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int rr_table_add(struct rr_table *t, const char *key, size_t len, time_t when)
{
	uint64_t h = hash_bytes(key, len);
	struct rr_entry *e;
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3 && grow(t) != 0) {
		t->overflow++;
		return -1;
	}
	for (i = h & (t->cap - 1); (e = t->slots[i]); i = (i + 1) & (t->cap - 1)) {
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) {
			e->count++;
			if (when < e->first)
				e->first = when;
			if (when > e->last)
				e->last = when;
			return 0;
		}
	}
	if (t->max_keys && t->n >= t->max_keys) {
		t->overflow++;
		return -1;
	}
	e = malloc(sizeof *e + len + 1);
	if (!e) {
		t->overflow++;
		return -1;
	}
	e->hash = h;
	e->count = 1;
	e->first = e->last = when;
	e->len = len;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	t->slots[i] = e;
	t->n++;
	return 0;
}

static struct rr_entry **collect(const struct rr_table *t)
{
	struct rr_entry **v;
	size_t n = 0;

	if (t->n == 0 || !(v = malloc(t->n * sizeof *v)))
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			v[n++] = t->slots[i];
	return v;
}

static int by_count(const void *a, const void *b)
{
	const struct rr_entry *x = *(const struct rr_entry *const *)a;
	const struct rr_entry *y = *(const struct rr_entry *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int by_number(const void *a, const void *b)
{
	long long x = strtoll((*(const struct rr_entry *const *)a)->key, NULL, 10);
	long long y = strtoll((*(const struct rr_entry *const *)b)->key, NULL, 10);

	return (x > y) - (x < y);
}

struct rr_entry **rr_table_sorted(const struct rr_table *t)
{
	struct rr_entry **v = collect(t);

	if (v)
		qsort(v, t->n, sizeof *v, by_count);
	return v;
}

struct rr_entry **rr_table_sorted_numeric(const struct rr_table *t)
{
	struct rr_entry **v = collect(t);

	if (v)
		qsort(v, t->n, sizeof *v, by_number);
	return v;
}
