/* domain_set.c - hosted domains in an open-addressing hash table. */
#include "domain_set.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

/* A slot holds the arena offset + 1 of its string (0 = empty) and the hash,
 * so most misses and all resizes never touch the strings. */
struct slot {
	uint32_t off1;
	uint32_t hash;
};

struct rl_domain_set {
	struct slot *slots;
	size_t mask;       /* slot count - 1; the count is a power of two */
	size_t count;
	bool has_parents;  /* any ".example.com" entry */
	char *arena;       /* NUL-terminated canonical strings */
	size_t arena_len, arena_cap;
};

/* FNV-1a, folded to 32 bits: short keys, good enough spread. */
static uint32_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return (uint32_t)(h ^ (h >> 32));
}

struct rl_domain_set *rl_domain_set_new(void)
{
	struct rl_domain_set *set = calloc(1, sizeof *set);

	if (!set)
		return NULL;
	set->mask = 63;
	set->slots = calloc(set->mask + 1, sizeof *set->slots);
	if (!set->slots) {
		free(set);
		return NULL;
	}
	return set;
}

void rl_domain_set_free(struct rl_domain_set *set)
{
	if (!set)
		return;
	free(set->slots);
	free(set->arena);
	free(set);
}

size_t rl_domain_set_count(const struct rl_domain_set *set)
{
	return set ? set->count : 0;
}

/* Slot holding KEY, or the empty slot where it would go. */
static struct slot *find(const struct rl_domain_set *set, const char *key,
                         size_t len, uint32_t hash)
{
	for (size_t i = hash & set->mask;; i = (i + 1) & set->mask) {
		struct slot *s = &set->slots[i];

		if (s->off1 == 0)
			return s;
		if (s->hash == hash) {
			const char *str = set->arena + s->off1 - 1;

			if (strncmp(str, key, len) == 0 && str[len] == '\0')
				return s;
		}
	}
}

static int grow(struct rl_domain_set *set)
{
	size_t n = (set->mask + 1) * 2;
	struct slot *old = set->slots;
	size_t old_n = set->mask + 1;

	set->slots = calloc(n, sizeof *set->slots);
	if (!set->slots) {
		set->slots = old;
		return -2;
	}
	set->mask = n - 1;
	for (size_t i = 0; i < old_n; i++) {
		if (old[i].off1 == 0)
			continue;
		size_t j = old[i].hash & set->mask;

		while (set->slots[j].off1 != 0)
			j = (j + 1) & set->mask;
		set->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static int arena_append(struct rl_domain_set *set, const char *s, size_t len,
                        uint32_t *off1)
{
	if (set->arena_len + len + 1 > set->arena_cap) {
		size_t cap = set->arena_cap ? set->arena_cap * 2 : 4096;
		char *a;

		while (cap < set->arena_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX || !(a = realloc(set->arena, cap)))
			return -2;
		set->arena = a;
		set->arena_cap = cap;
	}
	memcpy(set->arena + set->arena_len, s, len);
	set->arena[set->arena_len + len] = '\0';
	*off1 = (uint32_t)set->arena_len + 1;
	set->arena_len += len + 1;
	return 0;
}

int rl_domain_entry_canonical(const char *text, size_t len,
                              char out[RL_DOMAIN_ENTRY_MAX + 1], const char **err)
{
	size_t skip = 0;
	int n;

	*err = NULL;
	if (len > 1 && text[0] == '.' && text[1] != '[')
		skip = 1; /* ".example.com": every subdomain */
	n = rl_domain_canonical(text + skip, len - skip, out + skip);
	if (n < 0) {
		*err = n == -2 ? "longer than 255 octets (in A-label form)"
		               : "not a valid domain name, IDN or address literal";
		return -1;
	}
	if (skip)
		out[0] = '.';
	return n + (int)skip;
}

int rl_domain_set_add(struct rl_domain_set *set, const char *text, size_t len,
                      const char **err)
{
	char key[RL_DOMAIN_ENTRY_MAX + 1];
	int n = rl_domain_entry_canonical(text, len, key, err);

	if (n < 0)
		return -1;
	len = (size_t)n;

	/* Keep the load factor at or below 1/2. */
	if ((set->count + 1) * 2 > set->mask + 1 && grow(set) != 0)
		return -2;
	uint32_t hash = hash_bytes(key, len);
	struct slot *slot = find(set, key, len, hash);

	if (slot->off1 != 0)
		return 0;
	if (arena_append(set, key, len, &slot->off1) != 0)
		return -2;
	slot->hash = hash;
	set->count++;
	if (key[0] == '.')
		set->has_parents = true;
	return 0;
}

static bool contains(const struct rl_domain_set *set, const char *key,
                     size_t len)
{
	return find(set, key, len, hash_bytes(key, len))->off1 != 0;
}

const char *rl_domain_set_entry(const struct rl_domain_set *set,
                                const char *domain, size_t len)
{
	if (!set || len == 0)
		return NULL;
	if (contains(set, domain, len))
		return domain;
	if (!set->has_parents || domain[0] == '[')
		return NULL;
	/* "a.b.example.com" tries ".b.example.com", then ".example.com", ... */
	for (size_t i = 1; i < len; i++)
		if (domain[i] == '.' && contains(set, domain + i, len - i))
			return domain + i;
	return NULL;
}

bool rl_domain_set_match(const struct rl_domain_set *set, const char *domain,
                         size_t len)
{
	return rl_domain_set_entry(set, domain, len) != NULL;
}

bool rl_domain_set_has(const struct rl_domain_set *set, const char *key,
                       size_t len)
{
	return set && len > 0 && contains(set, key, len);
}

bool rl_domain_set_find(const struct rl_domain_set *set,
                        bool (*fn)(const char *entry, void *arg), void *arg)
{
	/* The arena holds each distinct entry once, in insertion order. */
	for (size_t off = 0; set && off < set->arena_len;) {
		const char *entry = set->arena + off;

		if (fn(entry, arg))
			return true;
		off += strlen(entry) + 1;
	}
	return false;
}
