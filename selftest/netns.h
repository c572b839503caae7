/* netns.h - run the probe from a network namespace: an existing one
 * (--netns NAME) or a temporary one joined to the host by a veth pair
 * (--netns auto), removed again afterwards. Needs root (CAP_NET_ADMIN,
 * CAP_SYS_ADMIN) and iproute2's ip(8).
 */
#ifndef RELAYLOCK_SELFTEST_NETNS_H
#define RELAYLOCK_SELFTEST_NETNS_H

#include <stdbool.h>
#include <stddef.h>

struct st_netns {
	char name[32];        /* namespace name */
	char host_if[16];     /* host end of the veth pair */
	char host_addr[64];   /* address of the host end (the probe's target) */
	char ns_addr[64];     /* address of the probe inside the namespace */
	bool created;         /* ours: remove at cleanup */
	int orig_fd;          /* the original network namespace, or -1 */
};

/* Switch this process into the existing namespace NAME (/run/netns/NAME). */
int st_netns_enter(struct st_netns *ns, const char *name, char *err, size_t errsz);

/* Create a namespace and veth pair with HOST_ADDR on the host end and
 * NS_ADDR inside (point-to-point, /32 or /128 with a peer route), a
 * default route to the host, and switch into it. On failure everything
 * created so far is removed. */
int st_netns_auto(struct st_netns *ns, const char *host_addr, const char *ns_addr,
                  char *err, size_t errsz);

/* Go back to the original namespace and remove what st_netns_auto made.
 * Safe to call twice. */
void st_netns_cleanup(struct st_netns *ns);

#endif
