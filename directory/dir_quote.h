/* dir_quote.h - the domain in a directory query, quoted as Postfix quotes
 * it for each backend, and Postfix's query template expansion.
 *
 * Pure functions: no I/O, no globals. Each quote function writes IN (LEN
 * octets) quoted to OUT (CAP octets, NUL added) and returns the quoted
 * length, or -1 when it does not fit or IN cannot be quoted.
 */
#ifndef RELAYLOCK_DIR_QUOTE_H
#define RELAYLOCK_DIR_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*rl_dir_quote_fn)(void *arg, const char *in, size_t len,
                               char *out, size_t cap);

/* PostgreSQL string literal contents, as PQescapeStringConn() writes
 * them: ' doubled; \ doubled too unless STD_STRINGS (the server's
 * standard_conforming_strings, on since 9.1). A NUL cannot be in a
 * PostgreSQL string: -1 (PQescapeStringConn would cut the key there). */
int rl_dir_quote_pgsql(const char *in, size_t len, bool std_strings,
                       char *out, size_t cap);

/* MySQL string literal contents, as mysql_real_escape_string() writes
 * them (server without NO_BACKSLASH_ESCAPES): NUL \n \r \ ' " and ^Z
 * become \0 \n \r \\ \' \" \Z. */
int rl_dir_quote_mysql(const char *in, size_t len, char *out, size_t cap);

/* An LDAP filter value (RFC 4515): * ( ) \ and NUL become \2a \28 \29 \5c
 * \00, as Postfix's dict_ldap_quote() does; everything else as it is. */
int rl_dir_quote_ldap(const char *in, size_t len, char *out, size_t cap);

/* Expand Postfix's query template TMPL for the lookup key KEY, a bare
 * domain: %s %S %u %U become KEY quoted by QUOTE(ARG, ...), %% a '%'.
 * Returns 1 when expanded into OUT (CAP octets), 0 when Postfix would
 * suppress the query (%d %D %1..%9 need an address: a bare domain never
 * matches), -1 when it does not fit, KEY holds an '@', or quoting fails. */
int rl_dir_expand(const char *tmpl, const char *key, rl_dir_quote_fn quote,
                  void *arg, char *out, size_t cap);

#endif
