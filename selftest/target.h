/* target.h - one probed address from one vantage: the namespace or bound
 * source all runs share, then per target the address-literal parameters,
 * the --catch listener, the probe and (table format) its streamed report.
 */
#ifndef RELAYLOCK_SELFTEST_TARGET_H
#define RELAYLOCK_SELFTEST_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "netns.h"
#include "output.h"
#include "probe.h"

struct rl_config;

/* What the command line decided for every run. */
struct st_plan {
	enum st_format fmt;
	bool color;
	bool catch_on;
	bool outside_given;            /* -o: --catch keeps it */
	bool mx;                       /* --mx: several targets */
	unsigned catch_port;
	const char *netns;             /* NULL, "auto" or a name */
	char netns_host[64], netns_peer[64];
	struct rl_config *cfg;         /* -c, for the trusted-network warning */
	struct st_netns ns;
	char vantage[160];
};

/* Printable, no spaces or SMTP specials: hosted domains, names. */
bool st_is_name(const char *s);

/* Fill SS/LEN with the numeric address ADDR and PORT. */
bool st_fill_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss,
                      socklen_t *len);

/* OPT->dst as text in OPT->dst_text. */
void st_describe_dst(struct st_options *opt);

/* Enter the vantage (--netns) and describe it in PL->vantage. */
int st_vantage_enter(struct st_plan *pl, const struct st_options *opt, char *err,
                     size_t errsz);

/* Probe OPT->dst (resolved) from the vantage into RUN (zeroed, vantage
 * warnings allowed); with the table format, print its block as it goes. */
enum st_status st_target_probe(struct st_plan *pl, struct st_options *opt,
                               struct st_run *run);

/* A target that cannot be probed: UNKNOWN with WHY (table: its block). */
void st_target_skip(struct st_plan *pl, struct st_options *opt, struct st_run *run,
                    const char *why);

#endif
