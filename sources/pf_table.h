/* pf_table.h - one Postfix "type:name" table, loaded into memory.
 *
 * Fixed-string tables (hash, btree, lmdb, cdb, texthash, inline) keep
 * their keys; pattern tables (regexp, pcre) keep compiled rules matched
 * per domain; directory tables (pgsql, mysql, ldap, behind proxy: or not)
 * hold a registry slot (dir_registry.h) whose cache they peek. A table
 * that could not be read answers ERROR.
 */
#ifndef RELAYLOCK_PF_TABLE_H
#define RELAYLOCK_PF_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "config.h"
#include "domain_set.h"
#include "source.h"

#define PF_TABLE_NAME_MAX 4096
#define PF_TABLE_ERR_MAX 256

enum pf_table_kind { PF_TABLE_KEYS, PF_TABLE_PATTERNS, PF_TABLE_DIRECTORY };

struct pf_patterns; /* pf_patterns.h */
struct rl_dir_slot; /* dir_registry.h */

struct pf_table {
	char type[16];
	char name[PF_TABLE_NAME_MAX];
	enum pf_table_kind kind;
	struct rl_domain_set *keys;  /* exact keys, canonical */
	size_t skipped;               /* keys no domain can equal */
	struct pf_patterns *patterns;
	struct rl_dir_slot *dir;      /* directory tables */
	char error[PF_TABLE_ERR_MAX]; /* "" = answers; else lookups ERROR */
	size_t refused;               /* keys that are public suffixes */
	char refused_key[RL_DOMAIN_MAX + 2]; /* the first of them */
	char refusal[PF_TABLE_ERR_MAX]; /* "": used; else it hosts a public
	                                   suffix and every lookup says NO */
};

/* Open SPEC ("hash:/etc/postfix/vdomains", "inline:{a=1}"), named in
 * FILE:LINE for errors. An unknown or unsupported type is a configuration
 * error (NULL, DIAG); a table that cannot be read is returned with its
 * ERROR set. */
struct pf_table *pf_table_open(const char *spec, const char *file,
                               unsigned line, struct rl_diag *diag);

/* A table whose every lookup fails with the message ERR (a /file that
 * cannot be read, as Postfix's "non-existent" surrogate table). */
struct pf_table *pf_table_broken(const char *type, const char *name,
                                 const char *err);

/* An empty fixed-string table of type "names" that a list fills with a
 * run of its literal names: looked up as Postfix matches those names. */
struct pf_table *pf_table_names(const char *origin);

void pf_table_free(struct pf_table *t);

/* Does the pattern table T match a public suffix or a name nobody
 * registered under one? Then T gets its REFUSAL and answers NO. */
bool pf_table_refuse_wide(struct pf_table *t);

/* Look KEY up: fixed-string tables want the exact key, pattern tables
 * match it. */
enum rl_src_answer pf_table_lookup(const struct pf_table *t, const char *key,
                                   size_t len);

/* pf_table_lookup, but a directory table looks KEY up in the directory
 * (through its cache, for at most lookup_timeout): I/O, to warm the
 * cache before a decision peeks it. */
enum rl_src_answer pf_table_warm(const struct pf_table *t, const char *key,
                                 size_t len);

/* The file T reads (NAME.db for hash, the .cf of a directory table...)
 * in PATH (CAP octets); "" for inline tables and runs of names. */
void pf_table_path(const struct pf_table *t, char *path, size_t cap);

/* Do parent-domain lookups apply (DICT_FLAG_FIXED)? */
bool pf_table_fixed(const struct pf_table *t);

/* Add one stored key as the backends read it: a trailing NUL is dropped
 * (postmap keeps one on Linux), the key is kept in canonical form (lower
 * case, IDN as A-label); keys that are no domain ("user@example.com") are
 * counted in t->skipped, public suffixes in t->refused. Returns -2 when
 * out of bounds. */
int pf_table_add_key(struct pf_table *t, const char *key, size_t len);

/* Canonical form of a domain or ".domain" (an IDN as A-label) in OUT;
 * its length, or -1 when TEXT is no domain name. */
int pf_domain_key(const char *text, size_t len, char out[RL_DOMAIN_MAX + 2]);

/* Backends: fill T from its file or text; 0, or -1 with t->error set
 * (cannot read), or -2 with DIAG (malformed: a configuration error). */
int pf_load_text(struct pf_table *t, struct rl_diag *diag);   /* texthash */
int pf_load_inline(struct pf_table *t, const char *file, unsigned line,
                   struct rl_diag *diag);
int pf_load_db(struct pf_table *t, struct rl_diag *diag);     /* hash btree */
int pf_load_lmdb(struct pf_table *t, struct rl_diag *diag);
int pf_load_cdb(struct pf_table *t, struct rl_diag *diag);

#define PF_DB_FILE_MAX (4ull << 30) /* one indexed table file */
#define PF_TABLE_KEYS_MAX 20000000u /* keys of one table */

#endif
