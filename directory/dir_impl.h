/* dir_impl.h - what each backend (dir_pgsql.c, dir_mysql.c, dir_ldap.c)
 * gives directory.c. Inside directory/ only. */
#ifndef RELAYLOCK_DIR_IMPL_H
#define RELAYLOCK_DIR_IMPL_H

#include <stddef.h>
#include <time.h>

#include "dir_cf.h"
#include "directory.h"
#include "dir_quote.h"

/* Longest query after expansion. */
#define RL_DIR_QUERY_MAX (RL_DIR_VALUE_MAX + 4 * 256)

/* A connection is used by one thread at a time. DEADLINE is on
 * CLOCK_MONOTONIC; every call returns by then (mysql: its lookups by
 * TIMEOUT seconds after they start, libmariadb's read timeout being set
 * once per connection). TIMEOUT is the whole lookup timeout, for settings
 * that last as long as the connection. On ERROR from lookup the caller
 * closes the connection. */
struct rl_dir_ops {
	void *(*connect)(const struct rl_dir_cf *cf, unsigned timeout,
	                 const struct timespec *deadline, char *why, size_t cap);
	enum rl_dir_answer (*lookup)(void *conn, const struct rl_dir_cf *cf,
	                             const char *key, const struct timespec *deadline,
	                             char *why, size_t cap);
	void (*close)(void *conn);
};

extern const struct rl_dir_ops rl_dir_pgsql_ops;
extern const struct rl_dir_ops rl_dir_mysql_ops;
extern const struct rl_dir_ops rl_dir_ldap_ops;

/* CF's query for KEY, quoted by QUOTE(ARG, ...), in a new buffer (*OUT,
 * to free): 1; 0 when Postfix would suppress the query (nothing to free);
 * -1 with WHY set when it cannot be built. */
int rl_dir_query(const struct rl_dir_cf *cf, const char *key,
                 rl_dir_quote_fn quote, void *arg, char **out,
                 char *why, size_t cap);

/* Milliseconds left until DEADLINE, 0 when past. */
int rl_dir_ms_left(const struct timespec *deadline);

/* The share of the time left until DEADLINE that one of HOSTS_LEFT hosts
 * may spend connecting, so that a host that drops packets leaves time to
 * the next ones. */
struct timespec rl_dir_host_deadline(const struct timespec *deadline,
                                     size_t hosts_left);

/* Set WHY (CAP octets, may be NULL) with printf. */
void rl_dir_why(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
