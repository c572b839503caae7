/* sm_host.c - the host's own names, found as Sendmail's main.c and
 * myhostname() find them before reading the cf: gethostname(), its
 * canonical name from the resolver (a dotted alias when the canonical
 * name has no dot), the aliases, and uname's nodename; after the cf, the
 * names of the interfaces' addresses (load_if_names()). */
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sm_conf.h"

static void add_name(struct sm_host *h, const char *name)
{
	if (name && name[0] && h->n_names < SM_HOST_NAMES_MAX)
		snprintf(h->names[h->n_names++], sizeof h->names[0], "%s", name);
}

/* myhostname(): the canonical name when it has a dot (or the host name
 * has none), else the first dotted alias. */
static void canonical(struct sm_host *h, const struct hostent *hp)
{
	if (strchr(hp->h_name, '.') || !strchr(h->canon, '.'))
		snprintf(h->canon, sizeof h->canon, "%s", hp->h_name);
	for (char **a = hp->h_aliases; !strchr(h->canon, '.') && a && *a; a++)
		if (strchr(*a, '.'))
			snprintf(h->canon, sizeof h->canon, "%s", *a);
}

void sm_host_probe(struct sm_host *h)
{
	struct hostent he, *hp = NULL;
	struct utsname u;
	char buf[8192];
	int herr;

	memset(h, 0, sizeof *h);
	if (gethostname(h->canon, sizeof h->canon - 1) != 0 || !h->canon[0])
		snprintf(h->canon, sizeof h->canon, "localhost");
	if (gethostbyname_r(h->canon, &he, buf, sizeof buf, &hp, &herr) == 0 && hp)
		canonical(h, hp);
	if (uname(&u) == 0) {
		snprintf(h->nodename, sizeof h->nodename, "%s", u.nodename);
		add_name(h, u.nodename);
	}
	for (char **a = hp ? hp->h_aliases : NULL; a && *a; a++)
		add_name(h, *a);
}

/* add_hostnames(): the name and aliases of one address. */
static void add_address(struct sm_host *h, const struct sockaddr *sa)
{
	struct hostent he, *hp = NULL;
	char buf[8192];
	const void *addr;
	socklen_t len;
	int herr;

	if (sa->sa_family == AF_INET) {
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		len = sizeof(struct in_addr);
	} else {
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		len = sizeof(struct in6_addr);
	}
	if (gethostbyaddr_r(addr, len, sa->sa_family, &he, buf, sizeof buf, &hp,
	                    &herr) != 0 || !hp)
		return;
	add_name(h, hp->h_name);
	for (char **a = hp->h_aliases; a && *a; a++)
		add_name(h, *a);
}

void sm_host_interfaces(struct sm_host *h, int probe)
{
	struct ifaddrs *ifs, *i;

	if (probe == SM_PROBE_NONE || getifaddrs(&ifs) != 0)
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) ||
		    (probe == SM_PROBE_NO_LOOPBACK && (i->ifa_flags & IFF_LOOPBACK)))
			continue;
		if (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6)
			add_address(h, i->ifa_addr);
	}
	freeifaddrs(ifs);
}
