/* metrics_http.c - GET /metrics through libmicrohttpd, on its own polling
 * thread. A scrape copies the atomic counters and formats the copy: no
 * lock that a milter thread takes is ever held here. */
#include "metrics_http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen_addr.h"
#include "log.h"
#include "metrics.h"
#include "metrics_sources.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct rl_metrics_http {
	struct MHD_Daemon *mhd;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *text, bool allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	        strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The whole text in a malloc'd buffer sized by a first dry run. */
static char *render(size_t *len)
{
	struct rl_metrics_snapshot snap;
	size_t need;
	char *buf;

	rl_metrics_snapshot(&snap);
	rl_metrics_directories(&snap);
	need = rl_metrics_format(NULL, 0, &snap, RELAYLOCK_VERSION);
	if (!(buf = malloc(need + 1)))
		return NULL;
	*len = rl_metrics_format(buf, need + 1, &snap, RELAYLOCK_VERSION);
	return buf;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *text;

	(void)cls;
	(void)version;
	(void)upload;
	/* Answer at the first call: a body, if any, is never read. */
	*upload_size = 0;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", true);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", false);
	if (!(text = render(&len)))
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n", false);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	rl_log(LOG_WARNING, "metrics endpoint: %s", msg);
}

struct rl_metrics_http *rl_metrics_http_start(const char *listen, const char **why)
{
	struct rl_metrics_http *h;
	struct rl_listen_addr la;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (!rl_listen_addr_parse(listen, &la, why))
		return NULL;
	if (!(h = calloc(1, sizeof *h))) {
		*why = "out of memory";
		return NULL;
	}
	if (la.sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* A handful of scrapers at most: few connections, short timeouts. */
	h->mhd = MHD_start_daemon(flags, (uint16_t)la.port, NULL, NULL, on_request, NULL,
	                          MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.sa,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
	                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	                          MHD_OPTION_END);
	if (!h->mhd) {
		free(h);
		*why = "cannot listen there (address in use or not local?)";
		return NULL;
	}
	return h;
}

void rl_metrics_http_stop(struct rl_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
