/* pf_table.c - open a Postfix table by type, look keys up. */
#include "pf_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "dir_registry.h"
#include "pf_patterns.h"
#include "source_psl.h"

struct backend {
	const char *type;
	enum pf_table_kind kind;
	int (*load)(struct pf_table *t, struct rl_diag *diag);
	const struct pf_engine *engine; /* pattern tables */
};

static const struct backend backends[] = {
	{"hash", PF_TABLE_KEYS, pf_load_db, NULL},
	{"btree", PF_TABLE_KEYS, pf_load_db, NULL},
	{"lmdb", PF_TABLE_KEYS, pf_load_lmdb, NULL},
	{"cdb", PF_TABLE_KEYS, pf_load_cdb, NULL},
	{"texthash", PF_TABLE_KEYS, pf_load_text, NULL},
	{"inline", PF_TABLE_KEYS, NULL, NULL},
	{"regexp", PF_TABLE_PATTERNS, NULL, &pf_regexp_engine},
	{"pcre", PF_TABLE_PATTERNS, NULL, &pf_pcre_engine},
	{"pgsql", PF_TABLE_DIRECTORY, NULL, NULL},
	{"mysql", PF_TABLE_DIRECTORY, NULL, NULL},
	{"ldap", PF_TABLE_DIRECTORY, NULL, NULL},
	{"proxy", PF_TABLE_DIRECTORY, NULL, NULL},
};

static struct pf_table *table_new(const char *type, size_t type_len,
                                  const char *name)
{
	struct pf_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	memcpy(t->type, type, type_len);
	snprintf(t->name, sizeof t->name, "%s", name);
	if (!(t->keys = rl_domain_set_new())) {
		free(t);
		return NULL;
	}
	return t;
}

struct pf_table *pf_table_broken(const char *type, const char *name,
                                 const char *err)
{
	struct pf_table *t = table_new(type, strnlen(type, sizeof t->type - 1), name);

	if (t)
		snprintf(t->error, sizeof t->error, "%s", err);
	return t;
}

struct pf_table *pf_table_names(const char *origin)
{
	return table_new("names", 5, origin);
}

void pf_table_free(struct pf_table *t)
{
	if (!t)
		return;
	rl_domain_set_free(t->keys);
	pf_patterns_free(t->patterns);
	rl_dir_slot_put(t->dir);
	free(t);
}

static const struct backend *find_backend(const char *type, size_t len)
{
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strlen(backends[i].type) == len &&
		    memcmp(backends[i].type, type, len) == 0)
			return &backends[i];
	return NULL;
}

/* Rules of a regexp or pcre table: -1 unreadable, -2 malformed. */
static int load_patterns(struct pf_table *t, const struct pf_engine *engine,
                         struct rl_diag *diag)
{
	size_t before = diag->n + diag->dropped;

	t->patterns = pf_patterns_load(engine, t->name, diag, t->error,
	                               sizeof t->error);
	if (t->patterns)
		return 0;
	if (diag->n + diag->dropped > before)
		return -2;
	if (!t->error[0])
		snprintf(t->error, sizeof t->error, "out of memory");
	return -1;
}

struct pf_table *pf_table_open(const char *spec, const char *file,
                               unsigned line, struct rl_diag *diag)
{
	const char *colon = strchr(spec, ':');
	size_t type_len = colon ? (size_t)(colon - spec) : 0;
	const struct backend *b = find_backend(spec, type_len);
	struct pf_table *t;
	int rc = 0;

	if (b && type_len == 5 && memcmp(spec, "proxy", 5) == 0 && colon[1])
		return pf_table_open(colon + 1, file, line, diag); /* proxymap's */
	if (!b) {
		rl_diag_add(diag, file, line,
		            "table \"%s\": type \"%.*s\" is not supported (hash, btree,"
		            " lmdb, cdb, texthash, inline, regexp, pcre, pgsql, mysql,"
		            " ldap, proxy)", spec, (int)(type_len < 64 ? type_len : 64),
		            spec);
		return NULL;
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= PF_TABLE_NAME_MAX) {
		rl_diag_add(diag, file, line, "table \"%.200s\": bad table name", spec);
		return NULL;
	}
	if (!(t = table_new(spec, type_len, colon + 1))) {
		rl_diag_add(diag, file, line, "out of memory");
		return NULL;
	}
	t->kind = b->kind;
	if (b->kind == PF_TABLE_DIRECTORY && access(t->name, R_OK) != 0)
		/* as an unreadable hash table: lookups fail until it can be read */
		snprintf(t->error, sizeof t->error, "%.150s: cannot read: %.80s", t->name,
		         strerror(errno));
	else if (b->kind == PF_TABLE_DIRECTORY)
		rc = (t->dir = rl_dir_slot_get(spec, diag)) ? 0 : -2;
	else if (b->engine)
		rc = load_patterns(t, b->engine, diag);
	else if (!b->load)
		rc = pf_load_inline(t, file, line, diag);
	else
		rc = b->load(t, diag);
	if (rc == -2) {
		pf_table_free(t);
		return NULL;
	}
	return t;
}

void pf_table_path(const struct pf_table *t, char *path, size_t cap)
{
	static const char *const suffix[][2] = {
		{"hash", ".db"}, {"btree", ".db"}, {"lmdb", ".lmdb"}, {"cdb", ".cdb"},
	};
	const char *name = t->name;

	path[0] = '\0';
	if (strcmp(t->type, "inline") == 0 || strcmp(t->type, "names") == 0)
		return;
	if (strcmp(t->type, "proxy") == 0 && strchr(name, ':'))
		name = strchr(name, ':') + 1; /* proxy:mysql:/etc/postfix/x.cf */
	if (name[0] != '/')
		return;
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
		if (strcmp(t->type, suffix[i][0]) == 0) {
			snprintf(path, cap, "%s%s", name, suffix[i][1]);
			return;
		}
	snprintf(path, cap, "%s", name);
}

bool pf_table_fixed(const struct pf_table *t)
{
	/* Postfix's pgsql, mysql and ldap tables are fixed-string too. */
	return t->kind == PF_TABLE_KEYS || t->kind == PF_TABLE_DIRECTORY;
}

int pf_domain_key(const char *text, size_t len, char out[RL_DOMAIN_MAX + 2])
{
	size_t skip = len > 1 && text[0] == '.';
	int n;

	if (len > RL_DOMAIN_IN_MAX || memchr(text, '@', len))
		return -1;
	n = rl_domain_canonical(text + skip, len - skip, out + skip);
	if (n < 0)
		return -1;
	out[0] = skip ? '.' : out[0];
	return n + (int)skip;
}

int pf_table_add_key(struct pf_table *t, const char *key, size_t len)
{
	char buf[RL_DOMAIN_MAX + 2];
	const char *err;
	int n;

	if (len > 0 && key[len - 1] == '\0')
		len--;
	/* Postfix folds the query, never the stored key: "Example.com" in a
	 * table never matches (postmap folds at creation, texthash does not). */
	for (size_t i = 0; i < len; i++)
		if (key[i] >= 'A' && key[i] <= 'Z') {
			t->skipped++;
			return 0;
		}
	if ((n = pf_domain_key(key, len, buf)) < 0) {
		t->skipped++;
		return 0;
	}
	if (rl_src_public_suffix(buf)) {
		if (t->refused++ == 0)
			snprintf(t->refused_key, sizeof t->refused_key, "%s", buf);
		return 0;
	}
	if (rl_domain_set_count(t->keys) >= PF_TABLE_KEYS_MAX)
		return -2;
	return rl_domain_set_add(t->keys, buf, (size_t)n, &err) == 0 ? 0 : -2;
}

bool pf_table_refuse_wide(struct pf_table *t)
{
	const char *const *probe = rl_src_psl_probes();

	if (t->kind != PF_TABLE_PATTERNS || t->error[0])
		return false;
	for (; *probe; probe++)
		if (pf_table_lookup(t, *probe, strlen(*probe)) == RL_SRC_YES) {
			snprintf(t->refusal, sizeof t->refusal, "it matches %s, %s", *probe,
			         rl_src_public_suffix(*probe)
			                 ? "a public suffix"
			                 : "a name nobody registered under a public suffix");
			return true;
		}
	return false;
}

/* KEY in T's directory: peeked in the cache, or WARM: looked up. */
static enum rl_src_answer dir_lookup(const struct pf_table *t, const char *key,
                                     size_t len, bool warm)
{
	char k[RL_DOMAIN_MAX + 2];

	if (len >= sizeof k)
		return RL_SRC_NO;
	memcpy(k, key, len);
	k[len] = '\0';
	/* A row for a public suffix (or, with parent lookups, ".co.uk") would
	 * host every domain under it. */
	if (rl_src_public_suffix(k))
		return RL_SRC_NO;
	switch (warm ? rl_dir_slot_warm(t->dir, k) : rl_dir_slot_peek(t->dir, k)) {
	case RL_DIR_FOUND:
		return RL_SRC_YES;
	case RL_DIR_NOT_FOUND:
		return RL_SRC_NO;
	default:
		return RL_SRC_ERROR;
	}
}

enum rl_src_answer pf_table_warm(const struct pf_table *t, const char *key,
                                 size_t len)
{
	if (t->kind == PF_TABLE_DIRECTORY && !t->error[0] && !t->refusal[0])
		return dir_lookup(t, key, len, true);
	return pf_table_lookup(t, key, len);
}

enum rl_src_answer pf_table_lookup(const struct pf_table *t, const char *key,
                                   size_t len)
{
	if (t->error[0])
		return RL_SRC_ERROR;
	if (t->refusal[0])
		return RL_SRC_NO;
	if (t->kind == PF_TABLE_PATTERNS)
		return t->patterns ? pf_patterns_match(t->patterns, key, len) : RL_SRC_ERROR;
	if (t->kind == PF_TABLE_DIRECTORY)
		return dir_lookup(t, key, len, false);
	return rl_domain_set_has(t->keys, key, len) ? RL_SRC_YES : RL_SRC_NO;
}
