/* directory.h - hosted domains looked up, one domain at a time, in the
 * directory the MTA reads: PostgreSQL, MySQL/MariaDB or LDAP, configured by
 * the MTA's own Postfix .cf file (pgsql_table(5), mysql_table(5),
 * ldap_table(5)), so a domain added in the panel is hosted by both at once.
 *
 * Use:
 *   struct rl_dir *d = rl_dir_open("pgsql:/etc/postfix/sql/domains.cf",
 *                                  5, &errors);        // no I/O to the server
 *   struct rl_dir_cache *c = rl_dir_cache_new(NULL);    // dir_cache.h
 *   rl_dir_cache_lookup(c, "example.com", rl_dir_lookup_cb, d, why, sizeof why);
 *
 * Answers are three-valued, with the values of sources/source.h's
 * RL_SRC_NO/YES/ERROR: ERROR means "could not answer" (server down, slow,
 * password refused, query failed) and must become a 451, never a 550.
 * FOUND is what Postfix calls found: at least one row (entry) with a
 * non-empty value; what the value says never matters.
 *
 * Thread-safe: each lookup takes a connection of its own from a small pool
 * (RL_DIR_POOL_MAX), so a slow query delays only the lookups that wait for
 * it, each for at most the lookup timeout. Connections are opened on
 * first use (a server that is down at start is no error), dropped after
 * any error and opened again by a later lookup: after an outage the
 * directory answers again within RL_DIR_RETRY_SECONDS of the server's
 * return, with nothing restarted.
 */
#ifndef RELAYLOCK_DIRECTORY_H
#define RELAYLOCK_DIRECTORY_H

#include <stddef.h>

#include "config.h" /* struct rl_diag */

enum rl_dir_answer { RL_DIR_NOT_FOUND = 0, RL_DIR_FOUND = 1, RL_DIR_ERROR = 2 };

#define RL_DIR_LOOKUP_TIMEOUT_DEFAULT 5 /* seconds: lookup_timeout */
#define RL_DIR_POOL_MAX 4               /* connections per directory */
#define RL_DIR_RETRY_SECONDS 5          /* no connect attempt for this long
                                           after a failed one */
#define RL_DIR_WHY_MAX 512

struct rl_dir;

/* Open the directory SPEC: "pgsql:/path.cf", "mysql:/path.cf",
 * "ldap:/path.cf", each optionally behind Postfix's "proxy:". Reads and
 * checks the .cf (errors name file:line: unknown key, bad value, a
 * password others can read) but does not connect. Every lookup takes at
 * most LOOKUP_TIMEOUT seconds (0: the default, 5). NULL on error. */
struct rl_dir *rl_dir_open(const char *spec, unsigned lookup_timeout,
                           struct rl_diag *errors);
void rl_dir_free(struct rl_dir *dir);

/* Is DOMAIN (lower-case A-label, no trailing dot) in the directory? The
 * query gets DOMAIN as %s, quoted for the backend; when DOMAIN has
 * "xn--" labels and the A-label is not found, its U-label form is tried
 * too (sites store either). WHY (CAP octets, may be NULL) gets a short
 * reason: what failed, or why the table can never find a bare domain. */
enum rl_dir_answer rl_dir_lookup(struct rl_dir *dir, const char *domain,
                                 char *why, size_t cap);

/* rl_dir_lookup with a void * first argument, for rl_dir_cache_lookup. */
enum rl_dir_answer rl_dir_lookup_cb(void *dir, const char *domain, char *why,
                                    size_t cap);

/* For `relaylock -t`: connect and look up a random name that no one can
 * have registered ("relaylock-canary-HEX.invalid"). NOT_FOUND is the
 * healthy answer; FOUND means the query matches every domain (a source
 * to refuse: it would make an open relay); ERROR means the directory
 * cannot answer now (a warning: -t must not fail on the weather). WHY
 * says which. */
enum rl_dir_answer rl_dir_probe(struct rl_dir *dir, char *why, size_t cap);

/* "pgsql:/etc/postfix/x.cf" as given to rl_dir_open (without "proxy:"). */
const char *rl_dir_spec(const struct rl_dir *dir);

/* Why this table never finds a bare domain (Postfix suppresses the query:
 * `domain` is set, or the query uses %d / %1..%9), or NULL. For -t. */
const char *rl_dir_never_why(const struct rl_dir *dir);

#endif
