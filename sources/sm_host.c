/* sm_host.c - the host's own names, found as Sendmail's main.c and
 * myhostname() find them before reading the cf: gethostname(), its
 * canonical name from the resolver (a dotted alias when the canonical
 * name has no dot), the aliases, and uname's nodename. Interface probing
 * (load_if_names(): reverse lookups of every address) is not done. */
#include <netdb.h>
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
