/* netns.c - namespaces for relaylock-selftest (see netns.h). */
#define _GNU_SOURCE
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ip_path(void)
{
	static const char *const paths[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip",
	                                    "/bin/ip"};

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Run ip(8) with ARGV (NULL-terminated, argv[0] ignored). QUIET sends its
 * output to /dev/null. Returns its exit status, or -1. */
static int run_ip(char *const argv[], bool quiet)
{
	const char *ip = ip_path();
	pid_t pid;
	int status;

	if (ip == NULL)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		} else {
			dup2(2, 1);
		}
		execv(ip, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int enter(struct st_netns *ns, const char *name, char *err, size_t errsz)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "/run/netns/%s", name);
	if (ns->orig_fd < 0) {
		ns->orig_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns->orig_fd < 0) {
			snprintf(err, errsz, "/proc/self/ns/net: %s", strerror(errno));
			return -1;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "network namespace %s: %s", path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		snprintf(err, errsz, "setns %s: %s (root needed)", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int st_netns_enter(struct st_netns *ns, const char *name, char *err, size_t errsz)
{
	memset(ns, 0, sizeof *ns);
	ns->orig_fd = -1;
	if (strchr(name, '/') != NULL || name[0] == '.' || strlen(name) >= sizeof ns->name) {
		snprintf(err, errsz, "bad namespace name: %s", name);
		return -1;
	}
	snprintf(ns->name, sizeof ns->name, "%s", name);
	return enter(ns, name, err, errsz);
}

static int family_of(const char *addr)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, addr, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, addr, buf) == 1)
		return AF_INET6;
	return 0;
}

int st_netns_auto(struct st_netns *ns, const char *host_addr, const char *ns_addr,
                  char *err, size_t errsz)
{
	char peer_if[16], host_cidr[80], ns_cidr[80];
	int fam = family_of(host_addr);
	const char *plen = fam == AF_INET6 ? "/128" : "/32";
	char fam_opt[3] = {'-', fam == AF_INET6 ? '6' : '4', '\0'};

	memset(ns, 0, sizeof *ns);
	ns->orig_fd = -1;
	if (fam == 0 || family_of(ns_addr) != fam || strcmp(host_addr, ns_addr) == 0) {
		snprintf(err, errsz, "--netns-addr needs two different addresses of one "
		         "family: %s,%s", host_addr, ns_addr);
		return -1;
	}
	if (ip_path() == NULL) {
		snprintf(err, errsz, "ip(8) not found (install iproute2)");
		return -1;
	}
	snprintf(ns->name, sizeof ns->name, "rlst-%ld", (long)getpid());
	snprintf(ns->host_if, sizeof ns->host_if, "rlsth%ld", (long)getpid() % 10000000);
	snprintf(peer_if, sizeof peer_if, "rlstn%ld", (long)getpid() % 10000000);
	snprintf(ns->host_addr, sizeof ns->host_addr, "%s", host_addr);
	snprintf(ns->ns_addr, sizeof ns->ns_addr, "%s", ns_addr);
	snprintf(host_cidr, sizeof host_cidr, "%s%s", host_addr, plen);
	snprintf(ns_cidr, sizeof ns_cidr, "%s%s", ns_addr, plen);
	{
		char *add_ns[] = {"ip", "netns", "add", ns->name, NULL};

		if (run_ip(add_ns, false) != 0) {
			snprintf(err, errsz, "ip netns add %s failed (root needed)", ns->name);
			return -1;
		}
		ns->created = true;
	}
	{
		char *veth[] = {"ip", "link", "add", ns->host_if, "type", "veth", "peer",
		                "name", peer_if, "netns", ns->name, NULL};
		/* IPv6: no duplicate address detection, usable at once. */
		char *host_ip[] = {"ip", fam_opt, "addr", "add", host_cidr, "peer", ns_cidr,
		                   "dev", ns->host_if, fam == AF_INET6 ? "nodad" : NULL, NULL};
		char *host_up[] = {"ip", "link", "set", ns->host_if, "up", NULL};
		char *ns_ip[] = {"ip", "-n", ns->name, fam_opt, "addr", "add", ns_cidr, "peer",
		                 host_cidr, "dev", peer_if, fam == AF_INET6 ? "nodad" : NULL,
		                 NULL};
		char *ns_up[] = {"ip", "-n", ns->name, "link", "set", peer_if, "up", NULL};
		char *lo_up[] = {"ip", "-n", ns->name, "link", "set", "lo", "up", NULL};
		char *route[] = {"ip", "-n", ns->name, fam_opt, "route", "add", "default",
		                 "via", ns->host_addr, "dev", peer_if, "onlink", NULL};
		/* IPv6 "peer" does not always install the peer route: be explicit. */
		char *host_route[] = {"ip", fam_opt, "route", "replace", ns_cidr, "dev",
		                      ns->host_if, NULL};
		char **steps[] = {veth, host_ip, host_up, ns_ip, ns_up, lo_up, route,
		                  host_route};

		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
			if (run_ip(steps[i], false) != 0) {
				snprintf(err, errsz, "setting up the veth pair failed at: ip %s %s %s",
				         steps[i][1], steps[i][2], steps[i][3]);
				st_netns_cleanup(ns);
				return -1;
			}
	}
	if (enter(ns, ns->name, err, errsz) < 0) {
		st_netns_cleanup(ns);
		return -1;
	}
	return 0;
}

void st_netns_cleanup(struct st_netns *ns)
{
	if (ns->orig_fd >= 0) {
		if (setns(ns->orig_fd, CLONE_NEWNET) < 0)
			fprintf(stderr, "relaylock-selftest: cannot return to the original "
			        "network namespace: %s\n", strerror(errno));
		close(ns->orig_fd);
		ns->orig_fd = -1;
	}
	if (ns->created) {
		char *del_link[] = {"ip", "link", "del", ns->host_if, NULL};
		char *del_ns[] = {"ip", "netns", "del", ns->name, NULL};

		run_ip(del_link, true);
		if (run_ip(del_ns, false) != 0)
			fprintf(stderr, "relaylock-selftest: could not remove network "
			        "namespace %s: run \"ip netns del %s\"\n", ns->name, ns->name);
		ns->created = false;
	}
}
