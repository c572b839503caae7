/* target.c - one target from one vantage (see target.h). */
#include "target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catch.h"
#include "conf.h"

bool st_is_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

void st_describe_dst(struct st_options *opt)
{
	if (opt->dst.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&opt->dst)->sin6_addr,
		          opt->dst_text, sizeof opt->dst_text);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&opt->dst)->sin_addr,
		          opt->dst_text, sizeof opt->dst_text);
}

static bool dst_is_loopback(const struct st_options *opt)
{
	if (opt->dst.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&opt->dst)->sin_addr.s_addr) >> 24) == 127;
	if (opt->dst.ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)&opt->dst)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

bool st_fill_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss,
                      socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof *s4;
		return true;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof *s6;
		return true;
	}
	return false;
}

/* The local address the route to the target leaves from (no packet is
 * sent: a UDP socket is only connected). */
static bool route_source(const struct st_options *opt, struct sockaddr_storage *ss,
                         socklen_t *len)
{
	int fd = socket(opt->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	*len = sizeof *ss;
	ok = connect(fd, (const struct sockaddr *)&opt->dst, opt->dst_len) == 0 &&
	     getsockname(fd, (struct sockaddr *)ss, len) == 0;
	close(fd);
	return ok;
}

/* --catch: listen on the vantage address (the bound source, else the
 * route's), and make relaytest@[that address] the outside address unless
 * -o named one. Sets opt->catcher, or fills ERR. */
static bool start_catch(struct st_options *opt, struct st_run *run, unsigned port,
                        bool outside_given, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len = opt->src_len;
	char ip[INET6_ADDRSTRLEN], outside[120];
	bool v6;

	if (opt->has_source)
		memcpy(&ss, &opt->src, sizeof ss);
	else if (!route_source(opt, &ss, &len)) {
		snprintf(err, errsz, "no route to %s to find the vantage address", opt->dst_text);
		return false;
	}
	v6 = ss.ss_family == AF_INET6;
	if (v6) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof ip);
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
	}
	opt->catcher = st_catch_start((struct sockaddr *)&ss, len, err, errsz);
	if (opt->catcher == NULL)
		return false;
	snprintf(run->catch_addr, sizeof run->catch_addr, v6 ? "[%s]:%u" : "%s:%u", ip, port);
	snprintf(outside, sizeof outside, v6 ? "relaytest@[IPv6:%s]" : "relaytest@[%s]", ip);
	if (!outside_given)
		st_set_outside(&opt->params, outside);
	opt->data = true;
	return true;
}

int st_vantage_enter(struct st_plan *pl, const struct st_options *opt, char *err,
                     size_t errsz)
{
	struct st_netns *ns = &pl->ns;

	if (pl->netns != NULL && strcmp(pl->netns, "auto") == 0) {
		if (st_netns_auto(ns, pl->netns_host, pl->netns_peer, err, errsz) < 0)
			return -1;
		snprintf(pl->vantage, sizeof pl->vantage,
		         "temporary network namespace %s, client %s via veth %s", ns->name,
		         ns->ns_addr, ns->host_if);
	} else if (pl->netns != NULL) {
		if (st_netns_enter(ns, pl->netns, err, errsz) < 0)
			return -1;
		snprintf(pl->vantage, sizeof pl->vantage, "network namespace %s", pl->netns);
	} else if (opt->xclient[0]) {
		snprintf(pl->vantage, sizeof pl->vantage, "XCLIENT ADDR=%s", opt->xclient);
	} else if (opt->has_source) {
		snprintf(pl->vantage, sizeof pl->vantage, "bound source address");
	} else {
		snprintf(pl->vantage, sizeof pl->vantage, "direct");
	}
	return 0;
}

/* The address-literal and name parameters of the tricks, from the target. */
static void target_params(struct st_options *opt)
{
	struct st_params *pp = &opt->params;
	unsigned char buf[16];

	if (pp->server_ip[0] == '\0')
		snprintf(pp->server_ip, sizeof pp->server_ip, "%s", opt->dst_text);
	if (strchr(pp->server_ip, ':') != NULL) {
		snprintf(pp->server_ip6, sizeof pp->server_ip6, "IPv6:%.45s", pp->server_ip);
		snprintf(pp->server_ip, sizeof pp->server_ip, "%.50s", pp->server_ip6);
	} else {
		snprintf(pp->server_ip6, sizeof pp->server_ip6, "IPv6:::ffff:%.15s", pp->server_ip);
	}
	if (pp->server_name[0] == '\0' && inet_pton(AF_INET, opt->target_host, buf) != 1 &&
	    inet_pton(AF_INET6, opt->target_host, buf) != 1 && st_is_name(opt->target_host) &&
	    strchr(opt->target_host, '.') != NULL)
		snprintf(pp->server_name, sizeof pp->server_name, "%s", opt->target_host);
}

/* Nothing could be probed: UNKNOWN with a reason. */
static void not_probed(struct st_run *run, const char *what, const char *err)
{
	run->status = ST_UNKNOWN;
	snprintf(run->summary, sizeof run->summary, "UNKNOWN - %s: %.300s", what, err);
}

static void probe_with_catch(struct st_plan *pl, struct st_options *opt, struct st_run *run)
{
	char err[256];

	if (pl->catch_on && !start_catch(opt, run, pl->catch_port, pl->outside_given, err,
	                                 sizeof err)) {
		not_probed(run, "--catch", err);
		return;
	}
	st_probe(opt, run, pl->cfg ? st_conf_trusted : NULL, pl->cfg);
	st_catch_stop(opt->catcher);
	opt->catcher = NULL;
}

enum st_status st_target_probe(struct st_plan *pl, struct st_options *opt,
                               struct st_run *run)
{
	struct st_table_stream table = {.f = stdout, .color = pl->color, .opt = opt};

	int link_family = strchr(pl->netns_host, ':') ? AF_INET6 : AF_INET;

	/* One MX address of many: never probe another (the link's end) in its name. */
	if (pl->mx && pl->ns.created && (dst_is_loopback(opt) || opt->dst.ss_family != link_family)) {
		st_target_skip(pl, opt, run, dst_is_loopback(opt)
		               ? "a loopback address is not reachable from --netns auto"
		               : "the --netns auto link has no address of this family (--netns-addr)");
		return run->status;
	}
	snprintf(run->vantage, sizeof run->vantage, "%s", pl->vantage);
	if (pl->ns.created && (dst_is_loopback(opt) || opt->dst.ss_family != link_family))
		st_fill_sockaddr(pl->netns_host, opt->port, &opt->dst, &opt->dst_len);
	st_describe_dst(opt);
	target_params(opt);
	if (dst_is_loopback(opt) && !opt->has_source && !opt->xclient[0] && pl->netns == NULL)
		st_run_warn(run, "the target %s is loopback and neither --source, --xclient "
		            "nor --netns was given: the server may see a trusted local client; "
		            "the result proves nothing for outside clients", opt->dst_text);
	if (pl->fmt == ST_FMT_TABLE) {
		opt->on_result = st_table_result;
		opt->on_result_ctx = &table;
	}
	probe_with_catch(pl, opt, run);
	if (!run->connected && pl->ns.created)
		st_run_warn(run, "--netns auto probes %s, the host's end of the link: the MTA "
		            "must listen there (Postfix: inet_interfaces = all)", opt->dst_text);
	opt->on_result = NULL;
	if (pl->fmt == ST_FMT_TABLE)
		st_table_end(&table, run);
	return run->status;
}

void st_target_skip(struct st_plan *pl, struct st_options *opt, struct st_run *run,
                    const char *why)
{
	struct st_table_stream table = {.f = stdout, .color = pl->color, .opt = opt};

	snprintf(run->vantage, sizeof run->vantage, "%s", pl->vantage);
	run->status = ST_UNKNOWN;
	snprintf(run->summary, sizeof run->summary, "UNKNOWN - %.400s", why);
	if (pl->fmt == ST_FMT_TABLE)
		st_table_end(&table, run);
}
