/* source.h - where hosted domains come from besides relaylock.conf: an
 * MTA's own configuration ("postfix", "postfix:/etc/postfix-out").
 *
 * Loading reads every file into memory (outside the decision path);
 * matching is pure, read-only and thread-safe: no I/O, no shared state.
 */
#ifndef RELAYLOCK_SOURCE_H
#define RELAYLOCK_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* ERROR: the source could not answer (a table that failed to load, a
 * directory table, an unreadable /file): the caller answers 451, never 550. */
enum rl_src_answer { RL_SRC_NO = 0, RL_SRC_YES = 1, RL_SRC_ERROR = 2 };

/* Room for a "matched by" text such as
 * "postfix: virtual_mailbox_domains hash:/etc/postfix/vdomains". */
#define RL_SRC_WHY_MAX 512

struct rl_source;
struct rl_dir_slot; /* directory/dir_registry.h */

/* Load the source named by SPEC. Configuration errors (syntax, unknown
 * table types, file:line) go to ERRORS and give NULL; conditions of the
 * moment and things `relaylock -t` should say (a table that cannot be
 * read, master.cf -o overrides, permit_mx_backup) go to WARNINGS. */
struct rl_source *rl_source_open(const char *spec, struct rl_diag *errors,
                                 struct rl_diag *warnings);
void rl_source_free(struct rl_source *src);

/* Does the source host DOMAIN (lower-case A-label, no trailing dot)? WHY
 * (WHY_CAP octets, may be NULL) gets what matched, or what failed. */
enum rl_src_answer rl_source_match(const struct rl_source *src,
                                   const char *domain, char *why,
                                   size_t why_cap);

/* Look DOMAIN up in every directory rl_source_match would peek for it,
 * so that the match finds the answers cached: I/O, for the milter layer,
 * at most lookup_timeout per directory query. */
void rl_source_warm(const struct rl_source *src, const char *domain);

/* Has any file the source read changed since it was loaded (or been
 * modified while it loaded)? Stats each file: I/O, for the refresh timer,
 * never for a decision. */
bool rl_source_changed(const struct rl_source *src);

/* Call FN for each file the source read or will read when it appears. */
void rl_source_files(const struct rl_source *src,
                     void (*fn)(const char *path, bool exists, void *arg),
                     void *arg);

/* One table a source uses, for `relaylock -t` and later directory work. */
struct rl_source_table {
	const char *param;   /* "virtual_mailbox_domains" */
	const char *type;    /* "hash", "pgsql", "file" for /file items */
	const char *name;    /* path, or the .cf of a directory table */
	size_t keys;         /* keys loaded (0 for pattern tables) */
	size_t rules;        /* rules of a regexp or pcre table */
	size_t skipped;      /* keys that can never match a domain */
	int directory;       /* pgsql, mysql, ldap (proxy: or not) */
	const char *error;   /* why lookups answer ERROR, or NULL */
	struct rl_dir_slot *dir; /* a directory's slot, for -t's probe */
};

/* Call FN for each name the source lists (literal names and table keys,
 * canonical, ".parent" forms included; never pattern matches), in its
 * order, until FN returns true. A listed name may still be negated: ask
 * rl_source_match before relying on one. */
void rl_source_names(const struct rl_source *src,
                     bool (*fn)(const char *name, void *arg), void *arg);

/* Call FN for each table, in list order. */
void rl_source_tables(const struct rl_source *src,
                      void (*fn)(const struct rl_source_table *t, void *arg),
                      void *arg);

#endif
