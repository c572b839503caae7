/* net_set.c - trusted networks flattened into sorted disjoint ranges. */
#include "net_set.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Addresses of both families as 128-bit numbers; IPv4 uses lo only. */
struct u128 {
	uint64_t hi, lo;
};

struct prefix {
	struct u128 start, end;
	uint32_t tag;
	unsigned char len;
	bool exclude;
};

/* From BOUND.start up to the next bound, an address is trusted or not. */
struct bound {
	struct u128 start;
	bool trusted;
};

struct family {
	struct prefix *prefixes;
	size_t n, cap;
	struct bound *bounds;
	size_t n_bounds;
	struct u128 max;
};

struct rl_net_set {
	struct family v4, v6;
	size_t count;
	bool built;
};

static int cmp128(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct u128 from_bytes(const unsigned char *b, int family)
{
	struct u128 v = {0, 0};

	if (family == AF_INET) {
		v.lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 |
		       (uint64_t)b[2] << 8 | b[3];
		return v;
	}
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | b[i];
		v.lo = v.lo << 8 | b[i + 8];
	}
	return v;
}

/* Mask of the host bits of a LEN-bit prefix in a WIDTH-bit family. */
static struct u128 host_mask(unsigned len, unsigned width)
{
	struct u128 m = {0, 0};
	unsigned host = width - len;

	if (host >= 128)
		return (struct u128){~0ull, ~0ull};
	if (host >= 64) {
		m.lo = ~0ull;
		m.hi = host == 64 ? 0 : (~0ull >> (128 - host));
	} else if (host > 0)
		m.lo = ~0ull >> (64 - host);
	return m;
}

static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0, 0xff, 0xff};

bool rl_ip_parse(const char *text, struct rl_ip *out)
{
	memset(out, 0, sizeof *out);
	if (!text)
		return false;
	if (strncasecmp(text, "ipv6:", 5) == 0)
		text += 5;
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, out->addr) != 1)
		return false;
	out->family = AF_INET6;
	if (memcmp(out->addr, mapped_prefix, sizeof mapped_prefix) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
	}
	return true;
}

void rl_ip_format(const struct rl_ip *ip, char *buf, size_t size)
{
	if (!ip || !inet_ntop(ip->family, ip->addr, buf, (socklen_t)size))
		snprintf(buf, size, "unknown");
}

struct rl_net_set *rl_net_set_new(void)
{
	struct rl_net_set *set = calloc(1, sizeof *set);

	if (!set)
		return NULL;
	set->v4.max = (struct u128){0, 0xffffffffu};
	set->v6.max = (struct u128){~0ull, ~0ull};
	return set;
}

void rl_net_set_free(struct rl_net_set *set)
{
	if (!set)
		return;
	free(set->v4.prefixes);
	free(set->v4.bounds);
	free(set->v6.prefixes);
	free(set->v6.bounds);
	free(set);
}

size_t rl_net_set_count(const struct rl_net_set *set)
{
	return set ? set->count : 0;
}

/* Parse "ADDR[/LEN]" into a family, its bytes and a prefix length. */
static int parse_prefix(const char *text, int *family, unsigned char *bytes,
                        unsigned *len, const char **err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned width;

	if (alen == 0 || alen >= sizeof addr) {
		*err = "not an IP address or CIDR network";
		return -1;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bytes) == 1) {
		*family = AF_INET;
		width = 32;
	} else if (inet_pton(AF_INET6, addr, bytes) == 1) {
		*family = AF_INET6;
		width = 128;
	} else {
		*err = "not an IP address or CIDR network";
		return -1;
	}
	*len = width;
	if (slash) {
		const char *p = slash + 1;
		unsigned v = 0;

		if (*p == '\0' || strlen(p) > 3) {
			*err = "bad prefix length";
			return -1;
		}
		for (; *p; p++) {
			if (*p < '0' || *p > '9') {
				*err = "bad prefix length";
				return -1;
			}
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > width) {
			*err = "prefix length too long for the address family";
			return -1;
		}
		*len = v;
	}
	/* ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8. */
	if (*family == AF_INET6 && *len >= 96 &&
	    memcmp(bytes, mapped_prefix, sizeof mapped_prefix) == 0) {
		memmove(bytes, bytes + 12, 4);
		*family = AF_INET;
		*len -= 96;
	}
	return 0;
}

int rl_net_set_add(struct rl_net_set *set, const char *text, uint32_t tag,
                   const char **err)
{
	unsigned char bytes[16] = {0};
	struct prefix p = {.tag = tag};
	struct family *f;
	int family;
	unsigned len;

	*err = NULL;
	if (text[0] == '!') {
		p.exclude = true;
		text++;
	}
	if (parse_prefix(text, &family, bytes, &len, err) != 0)
		return -1;
	f = family == AF_INET ? &set->v4 : &set->v6;
	struct u128 m = host_mask(len, family == AF_INET ? 32 : 128);

	p.start = from_bytes(bytes, family);
	p.len = (unsigned char)len;
	if ((p.start.hi & m.hi) || (p.start.lo & m.lo)) {
		*err = "host bits set after the prefix length";
		return -1;
	}
	p.end.hi = p.start.hi | m.hi;
	p.end.lo = p.start.lo | m.lo;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct prefix *np = realloc(f->prefixes, cap * sizeof *np);

		if (!np)
			return -2;
		f->prefixes = np;
		f->cap = cap;
	}
	f->prefixes[f->n++] = p;
	set->built = false;
	return 0;
}

static int cmp_prefix(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;
	int c = cmp128(x->start, y->start);

	if (c != 0)
		return c;
	return (int)x->len - (int)y->len; /* the wider network first */
}

static void emit(struct family *f, struct u128 start, bool trusted)
{
	if (f->n_bounds > 0) {
		struct bound *last = &f->bounds[f->n_bounds - 1];

		if (cmp128(last->start, start) == 0) {
			last->trusted = trusted;
			return;
		}
		if (last->trusted == trusted)
			return;
	} else if (!trusted)
		return; /* untrusted is the default below the first bound */
	f->bounds[f->n_bounds++] = (struct bound){start, trusted};
}

/* After network T ends, the enclosing network (or the default) resumes. */
static void close_prefix(struct family *f, const struct prefix *t,
                         const struct prefix *outer)
{
	struct u128 next = t->end;

	if (cmp128(next, f->max) == 0)
		return;
	if (++next.lo == 0)
		next.hi++;
	emit(f, next, outer ? !outer->exclude : false);
}

static int build_family(struct rl_net_set *set, struct family *f,
                        uint32_t *tag_a, uint32_t *tag_b)
{
	const struct prefix *stack[129];
	size_t depth = 0, kept = 0;

	free(f->bounds);
	f->bounds = NULL;
	f->n_bounds = 0;
	if (f->n == 0)
		return 0;
	qsort(f->prefixes, f->n, sizeof *f->prefixes, cmp_prefix);
	for (size_t i = 0; i < f->n; i++) {
		struct prefix *p = &f->prefixes[i];

		if (kept > 0 && cmp_prefix(&f->prefixes[kept - 1], p) == 0) {
			if (f->prefixes[kept - 1].exclude != p->exclude) {
				*tag_a = f->prefixes[kept - 1].tag;
				*tag_b = p->tag;
				return -1;
			}
			continue; /* the same network twice */
		}
		f->prefixes[kept++] = *p;
	}
	f->n = kept;
	set->count += kept;
	/* Each prefix opens one range and closes at most one. */
	f->bounds = malloc((2 * kept + 1) * sizeof *f->bounds);
	if (!f->bounds)
		return -2;
	for (size_t i = 0; i < kept; i++) {
		const struct prefix *p = &f->prefixes[i];

		while (depth > 0 && cmp128(stack[depth - 1]->end, p->start) < 0) {
			depth--;
			close_prefix(f, stack[depth], depth ? stack[depth - 1] : NULL);
		}
		emit(f, p->start, !p->exclude);
		stack[depth++] = p;
	}
	while (depth > 0) {
		depth--;
		close_prefix(f, stack[depth], depth ? stack[depth - 1] : NULL);
	}
	return 0;
}

int rl_net_set_build(struct rl_net_set *set, uint32_t *tag_a, uint32_t *tag_b)
{
	int r;

	set->count = 0;
	if ((r = build_family(set, &set->v4, tag_a, tag_b)) != 0)
		return r;
	if ((r = build_family(set, &set->v6, tag_a, tag_b)) != 0)
		return r;
	set->built = true;
	return 0;
}

bool rl_net_set_match(const struct rl_net_set *set, const struct rl_ip *ip)
{
	const struct family *f;
	size_t lo = 0, hi;

	if (!set || !ip || !set->built)
		return false;
	if (ip->family == AF_INET)
		f = &set->v4;
	else if (ip->family == AF_INET6)
		f = &set->v6;
	else
		return false;
	struct u128 a = from_bytes(ip->addr, ip->family);

	/* Last bound whose start <= a. */
	hi = f->n_bounds;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp128(f->bounds[mid].start, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && f->bounds[lo - 1].trusted;
}

static void to_ip(struct u128 v, int family, struct rl_ip *ip)
{
	ip->family = family;
	if (family == AF_INET) {
		for (int i = 0; i < 4; i++)
			ip->addr[i] = (unsigned char)(v.lo >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		ip->addr[i] = (unsigned char)(v.hi >> (56 - 8 * i));
		ip->addr[8 + i] = (unsigned char)(v.lo >> (56 - 8 * i));
	}
}

bool rl_net_set_longest(const struct rl_net_set *set, const struct rl_ip *ip,
                        char *buf, size_t size)
{
	const struct family *f;
	const struct prefix *best = NULL;
	struct rl_ip start;
	char text[64];

	if (!set || !ip || (ip->family != AF_INET && ip->family != AF_INET6))
		return false;
	f = ip->family == AF_INET ? &set->v4 : &set->v6;
	struct u128 a = from_bytes(ip->addr, ip->family);

	for (size_t i = 0; i < f->n; i++) {
		const struct prefix *p = &f->prefixes[i];

		if (cmp128(p->start, a) <= 0 && cmp128(a, p->end) <= 0 &&
		    (!best || p->len > best->len))
			best = p;
	}
	if (!best)
		return false;
	to_ip(best->start, ip->family, &start);
	rl_ip_format(&start, text, sizeof text);
	snprintf(buf, size, "%s%s/%u", best->exclude ? "!" : "", text, best->len);
	return true;
}
