/* dir_mysql.c - MySQL/MariaDB lookups with libmariadb, bounded by the
 * connect, read and write timeouts. */
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_impl.h"
#include "dir_quote.h"

static void set_opt_str(MYSQL *m, enum mysql_option o, const char *v)
{
	if (v && *v)
		mysql_options(m, o, v);
}

/* Options for every attempt: timeouts, option file, TLS, as Postfix.
 * CONNECT: seconds left for this lookup; IO: the whole lookup timeout,
 * for every read and write of the connection's life. */
static void set_options(MYSQL *m, const struct rl_dir_cf *cf, unsigned connect,
                        unsigned io)
{
	const char *ca = rl_dir_cf_get(cf, "tls_CAfile", NULL);
	const char *capath = rl_dir_cf_get(cf, "tls_CApath", NULL);
	const char *cert = rl_dir_cf_get(cf, "tls_cert_file", NULL);
	const char *key = rl_dir_cf_get(cf, "tls_key_file", NULL);
	my_bool verify = cf->tls_verify_cert, off = 0;

	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io);
	mysql_options(m, MYSQL_OPT_RECONNECT, &off); /* directory.c reconnects */
	set_opt_str(m, MYSQL_READ_DEFAULT_FILE, rl_dir_cf_get(cf, "option_file", NULL));
	/* Postfix >= 3.2 reads the [client] group by default. */
	set_opt_str(m, MYSQL_READ_DEFAULT_GROUP,
	            rl_dir_cf_get(cf, "option_group", "client"));
	if (ca || capath || cert || key)
		mysql_ssl_set(m, key, cert, ca, capath,
		              rl_dir_cf_get(cf, "tls_ciphers", NULL));
	mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

static MYSQL *connect_one(const struct rl_dir_cf *cf, const char *h,
                          unsigned timeout, const struct timespec *deadline,
                          char *why, size_t cap)
{
	unsigned secs = (unsigned)(rl_dir_ms_left(deadline) + 999) / 1000;
	char host[256] = "";
	const char *sock = NULL, *colon;
	unsigned port = 0;
	MYSQL *m = mysql_init(NULL);

	if (!m) {
		rl_dir_why(why, cap, "mysql: out of memory");
		return NULL;
	}
	set_options(m, cf, secs ? secs : 1, timeout);
	if (!strncmp(h, "unix:", 5)) {
		sock = h + 5;
		snprintf(host, sizeof host, "localhost");
	} else {
		if (!strncmp(h, "inet:", 5))
			h += 5;
		snprintf(host, sizeof host, "%s", h);
		if ((colon = strrchr(host, ':')) && colon == strchr(host, ':')) {
			port = (unsigned)strtoul(colon + 1, NULL, 10);
			host[colon - host] = '\0';
		}
	}
	/* As Postfix: an unset user comes from the option file, an unset
	 * password is empty (libmariadb reads the option file's for NULL only). */
	if (!mysql_real_connect(m, host, rl_dir_cf_get(cf, "user", ""),
	                        rl_dir_cf_get(cf, "password", ""),
	                        rl_dir_cf_get(cf, "dbname", NULL), port, sock,
	                        CLIENT_MULTI_RESULTS)) {
		rl_dir_why(why, cap, "mysql %s: %s", h, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* mysql_init() would initialise the library on first use, racing. */
static void library_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

static void *my_connect(const struct rl_dir_cf *cf, unsigned timeout,
                        const struct timespec *deadline, char *why, size_t cap)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, library_init);
	for (size_t i = 0; i < cf->n_hosts && rl_dir_ms_left(deadline) > 0; i++) {
		struct timespec mine = rl_dir_host_deadline(deadline, cf->n_hosts - i);
		MYSQL *m = connect_one(cf, cf->hosts[i], timeout, &mine, why, cap);

		if (m)
			return m;
	}
	return NULL;
}

static int my_quote(void *arg, const char *in, size_t len, char *out, size_t cap)
{
	unsigned long n;

	if (cap < 2 * len + 1)
		return -1;
	n = mysql_real_escape_string(arg, out, in, (unsigned long)len);
	return n == (unsigned long)-1 ? -1 : (int)n;
}

/* Any non-NULL, non-empty field of any row: found, as Postfix counts it. */
static bool has_value(MYSQL_RES *res)
{
	unsigned nf = mysql_num_fields(res);
	MYSQL_ROW row;

	while ((row = mysql_fetch_row(res))) {
		unsigned long *len = mysql_fetch_lengths(res);

		for (unsigned j = 0; j < nf; j++)
			if (row[j] && len && len[j] > 0)
				return true;
	}
	return false;
}

static enum rl_dir_answer my_lookup(void *conn, const struct rl_dir_cf *cf,
                                    const char *key,
                                    const struct timespec *deadline,
                                    char *why, size_t cap)
{
	MYSQL *m = conn;
	char *q = NULL;
	enum rl_dir_answer ans = RL_DIR_NOT_FOUND;
	bool any_set = false;
	int x, next = 0;

	(void)deadline; /* bounded by the read and write timeouts */
	x = rl_dir_query(cf, key, my_quote, m, &q, why, cap);
	if (x <= 0)
		return x < 0 ? RL_DIR_ERROR : RL_DIR_NOT_FOUND;
	x = mysql_real_query(m, q, (unsigned long)strlen(q));
	free(q);
	if (x != 0) {
		rl_dir_why(why, cap, "mysql: %s", mysql_error(m));
		return RL_DIR_ERROR;
	}
	/* Every result set of a stored procedure, as Postfix reads them. */
	while (next == 0) {
		MYSQL_RES *res = mysql_store_result(m);

		if (res) {
			any_set = true;
			if (has_value(res))
				ans = RL_DIR_FOUND;
			mysql_free_result(res);
		} else if (mysql_field_count(m) != 0) {
			rl_dir_why(why, cap, "mysql: %s", mysql_error(m));
			return RL_DIR_ERROR;
		}
		next = mysql_next_result(m);
	}
	if (next > 0) {
		rl_dir_why(why, cap, "mysql: %s", mysql_error(m));
		return RL_DIR_ERROR;
	}
	if (!any_set && cf->require_result_set) {
		rl_dir_why(why, cap, "mysql: the query returned no result set");
		return RL_DIR_ERROR;
	}
	return ans;
}

static void my_close(void *conn)
{
	mysql_close(conn);
}

const struct rl_dir_ops rl_dir_mysql_ops = {my_connect, my_lookup, my_close};
