/* listen_addr.h - "127.0.0.1:PORT" or "[::1]:PORT" to a socket address:
 * where metrics_listen serves. Pure. */
#ifndef RELAYLOCK_LISTEN_ADDR_H
#define RELAYLOCK_LISTEN_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

struct rl_listen_addr {
	struct sockaddr_storage sa; /* sockaddr_in or sockaddr_in6 */
	socklen_t len;
	unsigned port;
};

/* Parse TEXT: an IPv4 address or a bracketed IPv6 address, ':', a port
 * 1..65535. Host names are refused (no lookup at start). On failure
 * returns false and sets *WHY. */
bool rl_listen_addr_parse(const char *text, struct rl_listen_addr *out,
                          const char **why);

#endif
