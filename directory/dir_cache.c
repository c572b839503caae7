/* dir_cache.c - per-domain answers: two bounded tables, single flight. */
#include "dir_cache.h"
#include "dir_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define DOMAIN_MAX 255

struct ent {
	struct ent *hnext;          /* bucket chain */
	struct ent *older, *newer;  /* storing order, for eviction */
	time_t stored;
	uint64_t hash;
	unsigned char len;
	char domain[];
};

struct table {
	struct ent **buckets;
	size_t mask;                /* buckets - 1, a power of two less one */
	size_t n, max;
	struct ent *oldest, *newest;
};

/* One query in progress; waiters for the same domain sleep on COND. */
struct flight {
	struct flight *next;
	uint64_t hash;
	bool done;
	enum rl_dir_answer ans;
	unsigned waiters;
	pthread_cond_t cond;
	char why[RL_DIR_WHY_MAX];
	char domain[DOMAIN_MAX + 1];
};

struct rl_dir_cache {
	pthread_mutex_t lock;       /* tables and flights; never held in a query */
	struct table pos, neg;
	struct flight *flights;
	struct rl_dir_cache_opts opts;
	uint64_t seed;              /* keyed hash: no crafted collisions */
	size_t bytes;
	unsigned long long queries, hits, waits, stale;
};

size_t rl_dir_cache_entry_max(void)
{
	return sizeof(struct ent) + DOMAIN_MAX + 1;
}

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static uint64_t hash_of(const struct rl_dir_cache *c, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ c->seed;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int table_init(struct table *t, size_t max)
{
	size_t nb = 16;

	while (nb < max && nb < ((size_t)1 << 30))
		nb <<= 1;
	t->buckets = calloc(nb, sizeof *t->buckets);
	t->mask = nb - 1;
	t->max = max;
	return t->buckets ? 0 : -1;
}

static struct ent *table_find(const struct table *t, uint64_t h,
                              const char *d, size_t n)
{
	for (struct ent *e = t->buckets[h & t->mask]; e; e = e->hnext)
		if (e->hash == h && e->len == n && memcmp(e->domain, d, n) == 0)
			return e;
	return NULL;
}

static void table_unlink(struct rl_dir_cache *c, struct table *t, struct ent *e)
{
	struct ent **pp = &t->buckets[e->hash & t->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older) e->older->newer = e->newer; else t->oldest = e->newer;
	if (e->newer) e->newer->older = e->older; else t->newest = e->older;
	t->n--;
	c->bytes -= sizeof *e + e->len + 1;
	free(e);
}

/* Store D as of NOW: refresh its entry, or add one, evicting this
 * table's oldest when full. Other tables are never touched. */
static void table_store(struct rl_dir_cache *c, struct table *t, uint64_t h,
                        const char *d, size_t n, time_t now)
{
	struct ent *e = table_find(t, h, d, n);

	if (e) { /* move to the newest end */
		if (e->newer) {
			if (e->older) e->older->newer = e->newer; else t->oldest = e->newer;
			e->newer->older = e->older;
			e->older = t->newest;
			e->newer = NULL;
			t->newest->newer = e;
			t->newest = e;
		}
		e->stored = now;
		return;
	}
	if (t->n >= t->max && t->oldest)
		table_unlink(c, t, t->oldest);
	if (!(e = malloc(sizeof *e + n + 1)))
		return; /* not cached: the next lookup asks again */
	e->hash = h;
	e->len = (unsigned char)n;
	memcpy(e->domain, d, n);
	e->domain[n] = '\0';
	e->stored = now;
	e->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = e;
	e->older = t->newest;
	e->newer = NULL;
	if (t->newest) t->newest->newer = e; else t->oldest = e;
	t->newest = e;
	t->n++;
	c->bytes += sizeof *e + n + 1;
}

static void table_drop(struct rl_dir_cache *c, struct table *t, uint64_t h,
                       const char *d, size_t n)
{
	struct ent *e = table_find(t, h, d, n);

	if (e)
		table_unlink(c, t, e);
}

static void table_free(struct table *t)
{
	struct ent *e = t->oldest;

	while (e) {
		struct ent *next = e->newer;

		free(e);
		e = next;
	}
	free(t->buckets);
}

struct rl_dir_cache *rl_dir_cache_new(const struct rl_dir_cache_opts *opts)
{
	struct rl_dir_cache *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (opts)
		c->opts = *opts;
	if (!c->opts.ttl) c->opts.ttl = RL_DIR_CACHE_TTL_DEFAULT;
	if (!c->opts.max_pos) c->opts.max_pos = RL_DIR_CACHE_POS_DEFAULT;
	if (!c->opts.max_neg) c->opts.max_neg = RL_DIR_CACHE_NEG_DEFAULT;
	if (!c->opts.max_wait) c->opts.max_wait = 30;
	if (!c->opts.now) c->opts.now = mono_now;
	pthread_mutex_init(&c->lock, NULL);
	if (getrandom(&c->seed, sizeof c->seed, GRND_NONBLOCK) != sizeof c->seed)
		c->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
	if (table_init(&c->pos, c->opts.max_pos) || table_init(&c->neg, c->opts.max_neg)) {
		rl_dir_cache_free(c);
		return NULL;
	}
	return c;
}

void rl_dir_cache_free(struct rl_dir_cache *c)
{
	if (!c)
		return;
	table_free(&c->pos);
	table_free(&c->neg);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Wait for another thread's query of the same domain; the last waiter
 * out frees the record. Called and returns with the lock held. */
static enum rl_dir_answer flight_wait(struct rl_dir_cache *c, struct flight *f,
                                      char *why, size_t cap)
{
	struct timespec abs;
	enum rl_dir_answer ans = RL_DIR_ERROR;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += c->opts.max_wait;
	f->waiters++;
	c->waits++;
	while (!f->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&f->cond, &c->lock, &abs);
	if (f->done) {
		ans = f->ans;
		rl_dir_why(why, cap, "%s", f->why);
	} else
		rl_dir_why(why, cap, "no answer after %us", c->opts.max_wait);
	if (--f->waiters == 0 && f->done) {
		pthread_cond_destroy(&f->cond);
		free(f);
	}
	return ans;
}

/* Store a fresh answer; for ERROR, serve a stale positive if there is one. */
static enum rl_dir_answer settle(struct rl_dir_cache *c, uint64_t h,
                                 const char *d, size_t n,
                                 enum rl_dir_answer ans, char *why, size_t cap)
{
	time_t now = c->opts.now();

	if (ans == RL_DIR_FOUND) {
		table_drop(c, &c->neg, h, d, n);
		table_store(c, &c->pos, h, d, n, now);
	} else if (ans == RL_DIR_NOT_FOUND) {
		table_drop(c, &c->pos, h, d, n);
		table_store(c, &c->neg, h, d, n, now);
	} else if (table_find(&c->pos, h, d, n)) {
		c->stale++;
		if (why && cap) {
			char tmp[RL_DIR_WHY_MAX];

			snprintf(tmp, sizeof tmp, "%s", why);
			rl_dir_why(why, cap, "stale answer served: %s", tmp);
		}
		ans = RL_DIR_FOUND;
	}
	return ans;
}

static void flight_end(struct rl_dir_cache *c, struct flight *f,
                       enum rl_dir_answer ans, const char *why)
{
	struct flight **pp = &c->flights;

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	f->ans = ans;
	f->done = true;
	snprintf(f->why, sizeof f->why, "%s", why);
	if (f->waiters == 0) {
		pthread_cond_destroy(&f->cond);
		free(f);
	} else
		pthread_cond_broadcast(&f->cond);
}

enum rl_dir_answer rl_dir_cache_lookup(struct rl_dir_cache *c, const char *d,
                                       rl_dir_lookup_fn fn, void *arg,
                                       char *why, size_t cap)
{
	size_t n = strlen(d);
	char local[RL_DIR_WHY_MAX] = "";
	uint64_t h;
	time_t now;
	struct ent *e;
	struct flight *f;
	enum rl_dir_answer ans;

	if (n == 0 || n > DOMAIN_MAX)
		return fn(arg, d, why, cap);
	h = hash_of(c, d, n);
	pthread_mutex_lock(&c->lock);
	now = c->opts.now();
	for (int k = 0; k < 2; k++) {
		e = table_find(k ? &c->neg : &c->pos, h, d, n);
		if (e && now - e->stored < (time_t)c->opts.ttl) {
			c->hits++;
			pthread_mutex_unlock(&c->lock);
			rl_dir_why(why, cap, "cached");
			return k ? RL_DIR_NOT_FOUND : RL_DIR_FOUND;
		}
	}
	for (f = c->flights; f; f = f->next)
		if (f->hash == h && !strcmp(f->domain, d)) {
			ans = flight_wait(c, f, why, cap);
			pthread_mutex_unlock(&c->lock);
			return ans;
		}
	if (!(f = calloc(1, sizeof *f))) {
		pthread_mutex_unlock(&c->lock);
		return fn(arg, d, why, cap);
	}
	f->hash = h;
	memcpy(f->domain, d, n + 1);
	pthread_cond_init(&f->cond, NULL);
	f->next = c->flights;
	c->flights = f;
	c->queries++;
	pthread_mutex_unlock(&c->lock);

	ans = fn(arg, d, local, sizeof local);

	pthread_mutex_lock(&c->lock);
	ans = settle(c, h, d, n, ans, local, sizeof local);
	flight_end(c, f, ans, local);
	pthread_mutex_unlock(&c->lock);
	rl_dir_why(why, cap, "%s", local);
	return ans;
}

enum rl_dir_answer rl_dir_cache_peek(struct rl_dir_cache *c, const char *d,
                                     unsigned grace)
{
	size_t n = strlen(d);
	enum rl_dir_answer ans = RL_DIR_ERROR;
	struct ent *e;
	uint64_t h;

	if (n == 0 || n > DOMAIN_MAX)
		return RL_DIR_ERROR;
	h = hash_of(c, d, n);
	pthread_mutex_lock(&c->lock);
	if (table_find(&c->pos, h, d, n))
		ans = RL_DIR_FOUND;
	else if ((e = table_find(&c->neg, h, d, n)) &&
	         c->opts.now() - e->stored < (time_t)c->opts.ttl + (time_t)grace)
		ans = RL_DIR_NOT_FOUND;
	pthread_mutex_unlock(&c->lock);
	return ans;
}

void rl_dir_cache_stats(struct rl_dir_cache *c, struct rl_dir_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->pos = c->pos.n;
	out->neg = c->neg.n;
	out->bytes = c->bytes + (c->pos.mask + c->neg.mask + 2) * sizeof(void *);
	out->bytes_max = (c->opts.max_pos + c->opts.max_neg) * rl_dir_cache_entry_max() +
	                 (c->pos.mask + c->neg.mask + 2) * sizeof(void *);
	out->queries = c->queries;
	out->hits = c->hits;
	out->waits = c->waits;
	out->stale = c->stale;
	pthread_mutex_unlock(&c->lock);
}
