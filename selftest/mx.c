/* mx.c - MX and address lookups for --mx (see mx.h). */
#include "mx.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MX_HOSTS_MAX 10
#define ADDRS_PER_FAMILY 4

struct mx_host {
	char name[256];
	unsigned pref;
};

/* What a failed lookup means, for a report. */
static const char *lookup_error(const struct __res_state *st)
{
	switch (st->res_h_errno) {
	case HOST_NOT_FOUND:
		return "does not exist (NXDOMAIN)";
	case TRY_AGAIN:
		return "no answer from the DNS (timeout or server failure)";
	case NO_DATA:
		return "no record of that type";
	default:
		return "DNS lookup failed";
	}
}

/* Query NAME for TYPE and open the answer in MSG. Returns the number of
 * answer records, or -1 (see st->res_h_errno). */
static int query(struct __res_state *st, const char *name, int type,
                 unsigned char *buf, size_t size, ns_msg *msg)
{
	int len = res_nquery(st, name, ns_c_in, type, buf, (int)size);

	if (len < 0)
		return -1;
	if (ns_initparse(buf, len, msg) < 0) {
		st->res_h_errno = NO_RECOVERY;
		return -1;
	}
	return ns_msg_count(*msg, ns_s_an);
}

static int by_pref(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;

	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* DOMAIN's MX hosts in preference order. Returns their number (0: no MX
 * record), or -1 with ERR set. */
static int mx_hosts(struct __res_state *st, const char *domain, struct mx_host *out,
                    char *err, size_t errsz)
{
	unsigned char buf[8192];
	ns_msg msg;
	ns_rr rr;
	int n = query(st, domain, ns_t_mx, buf, sizeof buf, &msg), got = 0;

	if (n < 0 && st->res_h_errno == NO_DATA)
		return 0;
	if (n < 0) {
		snprintf(err, errsz, "%s: %s", domain, lookup_error(st));
		return -1;
	}
	for (int i = 0; i < n && got < MX_HOSTS_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_mx ||
		    ns_rr_rdlen(rr) < 3)
			continue;
		out[got].pref = ns_get16(ns_rr_rdata(rr));
		if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr) + 2,
		                       out[got].name, sizeof out[got].name) < 0)
			continue;
		got++;
	}
	qsort(out, (size_t)got, sizeof *out, by_pref);
	return got;
}

static struct st_mx_target *add(struct st_mx_list *list, const struct mx_host *h)
{
	struct st_mx_target *t;

	if (list->n >= ST_MX_TARGETS_MAX)
		return NULL;
	t = &list->t[list->n++];
	memset(t, 0, sizeof *t);
	snprintf(t->host, sizeof t->host, "%s", h->name);
	t->pref = h->pref;
	return t;
}

/* One target per A and AAAA address of H; none: one target with a reason. */
static void host_addrs(struct __res_state *st, const struct mx_host *h,
                       struct st_mx_list *list)
{
	static const struct { ns_type type; int family; unsigned len; } kinds[] = {
		{ns_t_a, AF_INET, 4}, {ns_t_aaaa, AF_INET6, 16}};
	const char *why = "no A or AAAA record";
	size_t before = list->n;

	for (size_t k = 0; k < 2; k++) {
		unsigned char buf[8192];
		ns_msg msg;
		ns_rr rr;
		int n = query(st, h->name, kinds[k].type, buf, sizeof buf, &msg), got = 0;

		if (n < 0 && st->res_h_errno != NO_DATA)
			why = lookup_error(st);
		for (int i = 0; i < n && got < ADDRS_PER_FAMILY; i++) {
			struct st_mx_target *t;

			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != kinds[k].type ||
			    ns_rr_rdlen(rr) != kinds[k].len || (t = add(list, h)) == NULL)
				continue;
			inet_ntop(kinds[k].family, ns_rr_rdata(rr), t->addr, sizeof t->addr);
			got++;
		}
	}
	if (list->n == before) {
		struct st_mx_target *t = add(list, h);

		if (t)
			snprintf(t->reason, sizeof t->reason, "%.100s: %s", h->name, why);
	}
}

int st_mx_lookup(const char *domain, struct st_mx_list *list)
{
	struct __res_state st;
	struct mx_host hosts[MX_HOSTS_MAX];
	int n;

	memset(list, 0, sizeof *list);
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) < 0) {
		snprintf(list->error, sizeof list->error, "cannot read the resolver configuration");
		return -1;
	}
	n = mx_hosts(&st, domain, hosts, list->error, sizeof list->error);
	if (n == 0) { /* no MX: the domain itself is the implicit MX */
		snprintf(hosts[0].name, sizeof hosts[0].name, "%s", domain);
		hosts[0].pref = 0;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		if (hosts[i].name[0] == '\0' || strcmp(hosts[i].name, ".") == 0) {
			struct st_mx_target *t = add(list, &hosts[i]);

			if (t)
				snprintf(t->reason, sizeof t->reason,
				         "null MX (RFC 7505): %.100s accepts no mail", domain);
			continue;
		}
		host_addrs(&st, &hosts[i], list);
	}
	res_nclose(&st);
	return n < 0 ? -1 : 0;
}
