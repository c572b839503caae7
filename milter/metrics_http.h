/* metrics_http.h - the /metrics endpoint (libmicrohttpd, its own thread). */
#ifndef RELAYLOCK_METRICS_HTTP_H
#define RELAYLOCK_METRICS_HTTP_H

struct rl_metrics_http;

/* Serve GET /metrics on LISTEN ("127.0.0.1:PORT" or "[::1]:PORT") from a
 * thread of libmicrohttpd's. NULL with *WHY set when it cannot listen. */
struct rl_metrics_http *rl_metrics_http_start(const char *listen, const char **why);
void rl_metrics_http_stop(struct rl_metrics_http *h);

#endif
