/* listen_addr.c - parse metrics_listen. */
#include "listen_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool parse_port(const char *s, unsigned *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

bool rl_listen_addr_parse(const char *text, struct rl_listen_addr *out,
                          const char **why)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	size_t n;

	memset(out, 0, sizeof *out);
	*why = "is not ADDRESS:PORT (127.0.0.1:PORT or [::1]:PORT)";
	if (!text || text[0] == '\0')
		return false;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return false;
		n = (size_t)(close - text - 1);
		port_text = close + 2;
	} else {
		if (!(colon = strrchr(text, ':')) || memchr(text, ':', (size_t)(colon - text)))
			return false;
		n = (size_t)(colon - text);
		port_text = colon + 1;
	}
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, text[0] == '[' ? text + 1 : text, n);
	host[n] = '\0';
	if (!parse_port(port_text, &out->port)) {
		*why = "has no port between 1 and 65535";
		return false;
	}
	if (text[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)out->port);
		out->len = sizeof *in6;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1)
			return true;
		*why = "has no IPv6 address between the brackets";
		return false;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)&out->sa;

	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)out->port);
	out->len = sizeof *in;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1)
		return true;
	*why = "has no IPv4 address (write IPv6 as [::1]:PORT; no host names)";
	return false;
}
