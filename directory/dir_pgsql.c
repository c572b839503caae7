/* dir_pgsql.c - PostgreSQL lookups with libpq, bounded by a deadline. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_impl.h"
#include "dir_quote.h"

/* Wait until the socket is ready for EVENTS or DEADLINE passes. */
static int wait_sock(PGconn *c, short events, const struct timespec *deadline)
{
	struct pollfd p = {.fd = PQsocket(c), .events = events};
	int ms = rl_dir_ms_left(deadline);

	return p.fd >= 0 && ms > 0 && poll(&p, 1, ms) == 1 ? 0 : -1;
}

/* Host "unix:/dir", "inet:h:port", "h:port", "[v6]:port" or a URI. */
static void host_params(const char *h, char *host, char *port, size_t cap)
{
	const char *colon;

	host[0] = port[0] = '\0';
	if (!strncmp(h, "unix:", 5)) {
		snprintf(host, cap, "%s", h + 5);
		return;
	}
	if (!strncmp(h, "inet:", 5))
		h += 5;
	if (h[0] == '[' && (colon = strchr(h, ']'))) {
		snprintf(host, cap, "%.*s", (int)(colon - h - 1), h + 1);
		if (colon[1] == ':')
			snprintf(port, cap, "%s", colon + 2);
		return;
	}
	colon = strrchr(h, ':');
	if (colon && colon == strchr(h, ':')) {
		snprintf(host, cap, "%.*s", (int)(colon - h), h);
		snprintf(port, cap, "%s", colon + 1);
	} else
		snprintf(host, cap, "%s", h);
}

static PGconn *connect_one(const struct rl_dir_cf *cf, const char *h,
                           unsigned timeout, const struct timespec *deadline,
                           char *why, size_t cap)
{
	char host[256], port[256], opts[64], tmo[16];
	const char *kw[10], *val[10];
	int n = 0, ms = rl_dir_ms_left(deadline);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	PGconn *c;

	/* The server gives up too, for every query of this connection. */
	snprintf(opts, sizeof opts, "-c statement_timeout=%u", timeout * 1000u);
	snprintf(tmo, sizeof tmo, "%d", ms / 1000 + 1);
	if (!strncmp(h, "postgresql://", 13) || !strncmp(h, "postgres://", 11)) {
		kw[n] = "dbname"; val[n++] = h;
	} else {
		host_params(h, host, port, sizeof host);
		kw[n] = "host"; val[n++] = host;
		if (port[0]) { kw[n] = "port"; val[n++] = port; }
		kw[n] = "dbname"; val[n++] = rl_dir_cf_get(cf, "dbname", "");
	}
	kw[n] = "user"; val[n++] = rl_dir_cf_get(cf, "user", "");
	kw[n] = "password"; val[n++] = rl_dir_cf_get(cf, "password", "");
	kw[n] = "options"; val[n++] = opts;
	kw[n] = "connect_timeout"; val[n++] = tmo;
	kw[n] = "application_name"; val[n++] = "relaylock";
	kw[n] = NULL; val[n] = NULL;
	/* Empty values are ignored by libpq: the URI's own settings stay. */
	if (!(c = PQconnectStartParams(kw, val, 1))) {
		rl_dir_why(why, cap, "pgsql %s: out of memory", h);
		return NULL;
	}
	while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
	       st != PGRES_POLLING_FAILED) {
		if (wait_sock(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
		              deadline) != 0) {
			rl_dir_why(why, cap, "pgsql %s: connect timed out", h);
			PQfinish(c);
			return NULL;
		}
		st = PQconnectPoll(c);
	}
	if (PQstatus(c) != CONNECTION_OK) {
		rl_dir_why(why, cap, "pgsql %s: %s", h, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Server notices ("terminating connection...") are no answer; the error
 * that follows says what failed. */
static void no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The hosts in the order the .cf lists them; the first that answers. */
static void *pg_connect(const struct rl_dir_cf *cf, unsigned timeout,
                        const struct timespec *deadline, char *why, size_t cap)
{
	for (size_t i = 0; i < cf->n_hosts && rl_dir_ms_left(deadline) > 0; i++) {
		struct timespec mine = rl_dir_host_deadline(deadline, cf->n_hosts - i);
		PGconn *c = connect_one(cf, cf->hosts[i], timeout, &mine, why, cap);

		if (c) {
			PQsetNoticeProcessor(c, no_notice, NULL);
			PQsetnonblocking(c, 1);
			return c;
		}
	}
	return NULL;
}

static int pg_quote(void *arg, const char *in, size_t len, char *out, size_t cap)
{
	int err = 0;
	size_t n;

	if (memchr(in, '\0', len) || cap < 2 * len + 1)
		return -1;
	n = PQescapeStringConn(arg, out, in, len, &err);
	return err ? -1 : (int)n;
}

/* Any non-NULL, non-empty field: found, as Postfix counts it. */
static bool has_value(const PGresult *r)
{
	for (int i = 0; i < PQntuples(r); i++)
		for (int j = 0; j < PQnfields(r); j++)
			if (!PQgetisnull(r, i, j) && PQgetlength(r, i, j) > 0)
				return true;
	return false;
}

static enum rl_dir_answer pg_lookup(void *conn, const struct rl_dir_cf *cf,
                                    const char *key,
                                    const struct timespec *deadline,
                                    char *why, size_t cap)
{
	PGconn *c = conn;
	char *q = NULL;
	enum rl_dir_answer ans = RL_DIR_NOT_FOUND;
	PGresult *r;
	int x;

	x = rl_dir_query(cf, key, pg_quote, c, &q, why, cap);
	if (x <= 0)
		return x < 0 ? RL_DIR_ERROR : RL_DIR_NOT_FOUND;
	if (!PQsendQuery(c, q)) {
		rl_dir_why(why, cap, "pgsql: %s", PQerrorMessage(c));
		free(q);
		return RL_DIR_ERROR;
	}
	free(q);
	while ((x = PQflush(c)) == 1)
		if (wait_sock(c, POLLOUT, deadline) != 0)
			break;
	for (;;) {
		while (x == 0 && PQisBusy(c)) {
			if (wait_sock(c, POLLIN, deadline) != 0 || !PQconsumeInput(c))
				x = -1;
		}
		if (x != 0) {
			rl_dir_why(why, cap, "pgsql: query timed out or failed: %s",
			           PQerrorMessage(c));
			return RL_DIR_ERROR;
		}
		if (!(r = PQgetResult(c)))
			break;
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			if (ans == RL_DIR_NOT_FOUND && has_value(r))
				ans = RL_DIR_FOUND;
		} else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rl_dir_why(why, cap, "pgsql: %s", PQresultErrorMessage(r));
			ans = RL_DIR_ERROR;
		}
		PQclear(r);
	}
	return ans;
}

static void pg_close(void *conn)
{
	PQfinish(conn);
}

const struct rl_dir_ops rl_dir_pgsql_ops = {pg_connect, pg_lookup, pg_close};
