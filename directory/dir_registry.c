/* dir_registry.c - one directory and cache per .cf spec, shared by the
 * configs in force and reused across reloads. */
#include "dir_registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dir_cache.h"

#define CF_READ_MAX (1u << 20) /* a .cf bigger than this is hashed in part */

/* A query that finds a random name nobody registered (SELECT with no
 * WHERE, a filter of (objectClass=*)) would host every domain: the
 * directory is refused, as a pattern table matching under .com is. */
enum { WIDE_UNKNOWN, WIDE_NO, WIDE_REFUSED };

struct rl_dir_slot {
	struct rl_dir_slot *next;
	unsigned refs;              /* under registry_lock */
	char spec[4200];
	char path[4200];
	uint64_t content;           /* hash of the .cf as opened */
	unsigned timeout, ttl;
	struct rl_dir *dir;
	struct rl_dir_cache *cache;
	atomic_bool down;           /* in an outage streak (logged once) */
	atomic_int wide;            /* WIDE_*: does the query match anything? */
	atomic_ullong errors;       /* lookups answered ERROR or stale */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rl_dir_slot *slots;
static unsigned set_timeout, set_ttl;
static void (*logger)(int priority, const char *text);

void rl_dir_registry_settings(unsigned lookup_timeout, unsigned cache_ttl)
{
	pthread_mutex_lock(&registry_lock);
	set_timeout = lookup_timeout ? lookup_timeout : RL_DIR_LOOKUP_TIMEOUT_DEFAULT;
	set_ttl = cache_ttl ? cache_ttl : RL_DIR_CACHE_TTL_DEFAULT;
	pthread_mutex_unlock(&registry_lock);
}

void rl_dir_registry_logger(void (*log)(int priority, const char *text))
{
	logger = log;
}

/* FNV-1a of the .cf's content; 0 when it cannot be read (rl_dir_open
 * then says why). */
static uint64_t content_hash(const char *path)
{
	uint64_t h = 14695981039346656037ull;
	FILE *f = fopen(path, "rb");
	size_t total = 0;
	int ch;

	if (!f)
		return 0;
	while (total++ < CF_READ_MAX && (ch = getc(f)) != EOF)
		h = (h ^ (unsigned char)ch) * 1099511628211ull;
	fclose(f);
	return h;
}

static const char *strip_proxy(const char *spec)
{
	return strncmp(spec, "proxy:", 6) == 0 ? spec + 6 : spec;
}

static struct rl_dir_slot *slot_new(const char *spec, uint64_t content,
                                    struct rl_diag *errors)
{
	struct rl_dir_slot *s = calloc(1, sizeof *s);
	const char *colon = strchr(spec, ':');

	if (!s) {
		rl_diag_add(errors, spec, 0, "out of memory");
		return NULL;
	}
	snprintf(s->spec, sizeof s->spec, "%s", spec);
	snprintf(s->path, sizeof s->path, "%s", colon ? colon + 1 : spec);
	s->content = content;
	s->timeout = set_timeout ? set_timeout : RL_DIR_LOOKUP_TIMEOUT_DEFAULT;
	s->ttl = set_ttl ? set_ttl : RL_DIR_CACHE_TTL_DEFAULT;
	s->refs = 1;
	atomic_init(&s->down, false);
	atomic_init(&s->errors, 0);
	atomic_init(&s->wide, WIDE_UNKNOWN);
	if (!(s->dir = rl_dir_open(spec, s->timeout, errors)) ||
	    !(s->cache = rl_dir_cache_new(&(struct rl_dir_cache_opts){.ttl = s->ttl}))) {
		if (s->dir)
			rl_diag_add(errors, spec, 0, "out of memory");
		rl_dir_free(s->dir);
		free(s);
		return NULL;
	}
	return s;
}

struct rl_dir_slot *rl_dir_slot_get(const char *spec, struct rl_diag *errors)
{
	struct rl_dir_slot *s;
	uint64_t content;

	spec = strip_proxy(spec);
	content = content_hash(strchr(spec, ':') ? strchr(spec, ':') + 1 : spec);
	pthread_mutex_lock(&registry_lock);
	for (s = slots; s; s = s->next)
		if (strcmp(s->spec, spec) == 0 && s->content == content && content &&
		    s->timeout == set_timeout && s->ttl == set_ttl) {
			s->refs++;
			pthread_mutex_unlock(&registry_lock);
			return s;
		}
	if ((s = slot_new(spec, content, errors))) {
		s->next = slots;
		slots = s;
	}
	pthread_mutex_unlock(&registry_lock);
	return s;
}

void rl_dir_slot_put(struct rl_dir_slot *slot)
{
	struct rl_dir_slot **pp;

	if (!slot)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--slot->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &slots; *pp && *pp != slot; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = slot->next;
	pthread_mutex_unlock(&registry_lock);
	rl_dir_cache_free(slot->cache);
	rl_dir_free(slot->dir);
	free(slot);
}

const char *rl_dir_slot_spec(const struct rl_dir_slot *slot)
{
	return slot->spec;
}

const char *rl_dir_slot_path(const struct rl_dir_slot *slot)
{
	return slot->path;
}

enum rl_dir_answer rl_dir_slot_peek(const struct rl_dir_slot *slot,
                                    const char *key)
{
	if (atomic_load(&((struct rl_dir_slot *)slot)->wide) == WIDE_REFUSED)
		return RL_DIR_NOT_FOUND;
	return rl_dir_cache_peek(slot->cache, key, RL_DIR_PEEK_GRACE);
}

/* Probe once per slot, before its first lookup (again after an ERROR). */
static void check_wide(struct rl_dir_slot *slot)
{
	char why[RL_DIR_WHY_MAX] = "", text[RL_DIR_WHY_MAX + 4400];
	int unknown = WIDE_UNKNOWN;

	if (atomic_load(&slot->wide) != WIDE_UNKNOWN)
		return;
	switch (rl_dir_probe(slot->dir, why, sizeof why)) {
	case RL_DIR_FOUND:
		if (atomic_compare_exchange_strong(&slot->wide, &unknown, WIDE_REFUSED) &&
		    logger) {
			snprintf(text, sizeof text, "directory %s refused: its query finds "
			         "a random name nobody registered (%s), so it would host "
			         "every domain; it hosts nothing until fixed", slot->spec, why);
			logger(LOG_ERR, text);
		}
		break;
	case RL_DIR_NOT_FOUND:
		atomic_compare_exchange_strong(&slot->wide, &unknown, WIDE_NO);
		break;
	default:
		break; /* down: probed again at the next lookup */
	}
}

enum rl_dir_answer rl_dir_slot_warm(struct rl_dir_slot *slot, const char *key)
{
	char why[RL_DIR_WHY_MAX] = "";
	enum rl_dir_answer ans;

	check_wide(slot);
	if (atomic_load(&slot->wide) == WIDE_REFUSED)
		return RL_DIR_NOT_FOUND;
	ans = rl_dir_cache_lookup(slot->cache, key, rl_dir_lookup_cb, slot->dir, why,
	                          sizeof why);
	bool failed = ans == RL_DIR_ERROR || strncmp(why, "stale answer", 12) == 0;

	char text[RL_DIR_WHY_MAX + 4400];

	if (failed)
		atomic_fetch_add(&slot->errors, 1);
	if (failed && !atomic_exchange(&slot->down, true) && logger) {
		snprintf(text, sizeof text, "directory %s cannot answer: %s (cached "
		         "answers serve; other recipients get 451 until it returns)",
		         slot->spec, why);
		logger(LOG_ERR, text);
	} else if (!failed && strcmp(why, "cached") != 0 &&
	           atomic_exchange(&slot->down, false) && logger) {
		snprintf(text, sizeof text, "directory %s answers again", slot->spec);
		logger(LOG_NOTICE, text);
	}
	return ans;
}

enum rl_dir_answer rl_dir_slot_probe(struct rl_dir_slot *slot, char *why,
                                     size_t cap)
{
	return rl_dir_probe(slot->dir, why, cap);
}

static bool seen(const struct rl_dir_slot_stats *out, size_t n, const char *spec)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(out[i].spec, spec, sizeof out[i].spec - 1) == 0)
			return true;
	return false;
}

size_t rl_dir_registry_stats(struct rl_dir_slot_stats *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&registry_lock);
	/* Newest first: a spec whose .cf changed shows its new slot. */
	for (struct rl_dir_slot *s = slots; s && n < max; s = s->next) {
		struct rl_dir_cache_stats cs;

		if (seen(out, n, s->spec))
			continue;
		rl_dir_cache_stats(s->cache, &cs);
		snprintf(out[n].spec, sizeof out[n].spec, "%.127s", s->spec);
		out[n].queries = cs.queries;
		out[n].hits = cs.hits;
		out[n].errors = atomic_load(&s->errors);
		out[n].hosted = cs.pos;
		out[n].not_hosted = cs.neg;
		out[n].up = !atomic_load(&s->down);
		n++;
	}
	pthread_mutex_unlock(&registry_lock);
	return n;
}
