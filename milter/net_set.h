/* net_set.h - trusted networks: IPv4/IPv6 CIDR with "!" exclusions, longest
 * matching prefix wins. Pure, no I/O.
 *
 * At build time the nested prefixes are flattened into sorted disjoint
 * ranges, so a lookup is one binary search, whatever the number of
 * networks or prefix lengths.
 */
#ifndef RELAYLOCK_NET_SET_H
#define RELAYLOCK_NET_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A client address. IPv4 lives in addr[0..3]. */
struct rl_ip {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
};

/* Parse a bare IPv4 or IPv6 address ("::ffff:a.b.c.d" becomes IPv4).
 * Returns false when TEXT is not one. */
bool rl_ip_parse(const char *text, struct rl_ip *out);

/* Write IP as text into BUF (at least 46 octets). */
void rl_ip_format(const struct rl_ip *ip, char *buf, size_t size);

struct rl_net_set;

struct rl_net_set *rl_net_set_new(void);
void rl_net_set_free(struct rl_net_set *set);

/* Add "10.0.0.0/8", "192.0.2.1", "2001:db8::/32" or an exclusion
 * "!10.9.0.0/16". TAG is the caller's handle for error reports. Returns 0,
 * -1 when TEXT is malformed (ERR says why) or -2 when memory ran out. */
int rl_net_set_add(struct rl_net_set *set, const char *text, uint32_t tag,
                   const char **err);

/* Flatten into lookup form; call once after the last add. Returns 0, -1
 * when one prefix is both included and excluded (*TAG_A and *TAG_B name the
 * two entries), or -2 when memory ran out. */
int rl_net_set_build(struct rl_net_set *set, uint32_t *tag_a, uint32_t *tag_b);

/* Is IP inside a trusted network? False before build. */
bool rl_net_set_match(const struct rl_net_set *set, const struct rl_ip *ip);

/* The longest listed prefix holding IP, as text ("10.0.0.0/8",
 * "!10.9.0.0/16" for an exclusion) in BUF; false when none does. A linear
 * scan: for explanations, not for decisions. */
bool rl_net_set_longest(const struct rl_net_set *set, const struct rl_ip *ip,
                        char *buf, size_t size);

/* How many distinct prefixes were added (exclusions included). */
size_t rl_net_set_count(const struct rl_net_set *set);

#endif
