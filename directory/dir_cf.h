/* dir_cf.h - Postfix's pgsql_table(5), mysql_table(5) and ldap_table(5)
 * .cf files, read the way Postfix reads them.
 *
 * Format: "key = value" lines; '#' lines and blank lines are comments; a
 * line that starts with white space continues the previous one. The last
 * setting of a key wins, as in Postfix. Keys relaylock uses are checked
 * here, once, with file:line errors; keys that only shape the MTA's result
 * value are accepted and ignored; any other key is an error.
 */
#ifndef RELAYLOCK_DIR_CF_H
#define RELAYLOCK_DIR_CF_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h" /* struct rl_diag */

enum rl_dir_type { RL_DIR_PGSQL, RL_DIR_MYSQL, RL_DIR_LDAP };

/* Bounds of what one .cf may hold. */
#define RL_DIR_CF_SIZE_MAX  (64u * 1024)  /* the whole file */
#define RL_DIR_VALUE_MAX    4096          /* one value, joined lines */
#define RL_DIR_KEYS_MAX     64            /* distinct keys */
#define RL_DIR_HOSTS_MAX    8             /* hosts / server_host items */
#define RL_DIR_ATTRS_MAX    8             /* result_attribute items */

enum rl_dir_bind { RL_DIR_BIND_NO, RL_DIR_BIND_YES, RL_DIR_BIND_SASL };

/* LDAP search scopes, same values as libldap's LDAP_SCOPE_*. */
enum rl_dir_scope { RL_DIR_SCOPE_BASE = 0, RL_DIR_SCOPE_ONE = 1,
                    RL_DIR_SCOPE_SUB = 2 };

struct rl_dir_setting {
	char key[32];
	char *value;       /* NUL-terminated, at most RL_DIR_VALUE_MAX - 1 */
	unsigned line;
};

struct rl_dir_cf {
	enum rl_dir_type type;
	char path[1024];
	struct rl_dir_setting set[RL_DIR_KEYS_MAX];
	size_t n_set;

	/* Derived and checked at load time. */
	char hosts[RL_DIR_HOSTS_MAX][256]; /* pgsql/mysql hosts, ldap URLs */
	size_t n_hosts;
	const char *query;      /* SQL query or LDAP filter, template form */
	char built_query[RL_DIR_VALUE_MAX]; /* the table/select_field form */
	/* Postfix suppresses every lookup of a bare domain (no '@') when
	 * `domain` is set or the query needs %d %D %1..%9: such a table never
	 * finds a domain, and relaylock answers as the MTA does. */
	const char *never_why;  /* NULL, or why lookups are suppressed */
	/* LDAP */
	char attrs[RL_DIR_ATTRS_MAX][128];
	size_t n_attrs;
	enum rl_dir_scope scope;
	enum rl_dir_bind bind;
	int version;            /* 2 or 3 */
	bool start_tls;
	bool tls_require_cert;
	unsigned timeout;       /* ldap `timeout`, seconds, 0 = unset */
	/* mysql */
	bool tls_verify_cert;
	bool require_result_set;
};

/* Read the .cf at PATH for TYPE. Errors name file:line and go to ERRORS;
 * returns NULL on any error. A file holding a password (`password`,
 * `bind_pw`) that others can read is refused. */
struct rl_dir_cf *rl_dir_cf_load(const char *path, enum rl_dir_type type,
                                 struct rl_diag *errors);

/* Parse TEXT (LEN octets) as if read from PATH; no file access, no mode
 * check. For tests and the fuzz target. */
struct rl_dir_cf *rl_dir_cf_parse(const char *text, size_t len,
                                  const char *path, enum rl_dir_type type,
                                  struct rl_diag *errors);

void rl_dir_cf_free(struct rl_dir_cf *cf);

/* The value of KEY, or DEF when the file does not set it. */
const char *rl_dir_cf_get(const struct rl_dir_cf *cf, const char *key,
                          const char *def);

/* "pgsql" -> RL_DIR_PGSQL; -1 when NAME is not a directory table type. */
int rl_dir_type_parse(const char *name);
const char *rl_dir_type_name(enum rl_dir_type type);

#endif
