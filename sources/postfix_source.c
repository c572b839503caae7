/* postfix_source.c - the domains a Postfix instance accepts mail for:
 * its four domain lists, asked in trivial-rewrite's order (resolve.c):
 * mydestination, virtual_alias_domains, virtual_mailbox_domains,
 * relay_domains. A lookup failure in a list asked before a match makes
 * Postfix answer 451, so it makes the source answer ERROR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "file_stamps.h"
#include "pf_patterns.h"
#include "pf_split.h"
#include "pf_table.h"
#include "postfix_conf.h"
#include "postfix_list.h"
#include "postfix_master.h"
#include "source_impl.h"

#define N_LISTS 4

static const char *const list_params[N_LISTS] = {
	"mydestination", "virtual_alias_domains", "virtual_mailbox_domains",
	"relay_domains",
};

struct postfix {
	struct pf_list *lists[N_LISTS];
	struct rl_stamps *stamps;   /* every file read, for refreshes */
	/* append_dot_mydomain: "user@host" is resolved as host.$mydomain. */
	char append[RL_DOMAIN_MAX + 2];
};

static void postfix_free(void *state)
{
	struct postfix *pf = state;

	if (!pf)
		return;
	for (int i = 0; i < N_LISTS; i++)
		pf_list_free(pf->lists[i]);
	rl_stamps_free(pf->stamps);
	free(pf);
}

/* Is relay_domains in parent_domain_matches_subdomains? */
static int relay_parent(const struct pf_conf *c, struct rl_diag *errors,
                        struct rl_diag *warnings)
{
	unsigned line;
	char *v = pf_conf_expand(c, "parent_domain_matches_subdomains", &line,
	                         errors, warnings);
	char *cp = v, *item;
	int bad, found = 0;

	if (!v)
		return -1;
	while (!found && (item = pf_token(&cp, PF_SEP_LIST, &bad)) != NULL)
		found = strcmp(item, "relay_domains") == 0;
	free(v);
	return found;
}

/* ".$mydomain" when append_dot_mydomain is on (its default below
 * compatibility_level 1), else "". */
static int append_domain(const struct pf_conf *c, struct postfix *pf,
                         struct rl_diag *errors, struct rl_diag *warnings)
{
	unsigned line;
	char *v = pf_conf_raw(c, "append_dot_mydomain")
	              ? pf_conf_expand(c, "append_dot_mydomain", &line, errors, warnings)
	              : pf_conf_expand(c, "compatibility_level", &line, errors, warnings);
	char *dom;
	int on;

	if (!v)
		return -1;
	on = pf_conf_raw(c, "append_dot_mydomain") ? strcmp(v, "yes") == 0
	                                           : strtol(v, NULL, 10) < 1;
	free(v);
	if (!on)
		return 0;
	if (!(dom = pf_conf_expand(c, "mydomain", &line, errors, warnings)))
		return -1;
	snprintf(pf->append, sizeof pf->append, ".%s", dom);
	free(dom);
	return 0;
}

struct stamping {
	struct rl_stamps *stamps;
	int failed;
};

static void stamp_path(const char *path, void *arg)
{
	struct stamping *st = arg;

	if (rl_stamps_add(st->stamps, path) != 0)
		st->failed = 1;
}

static void stamp_table(const struct pf_table *t, const char *param, void *arg)
{
	char path[PF_TABLE_NAME_MAX + 8];

	(void)param;
	pf_table_path(t, path, sizeof path);
	if (path[0])
		stamp_path(path, arg);
}

/* Stamp main.cf, master.cf and every file the lists read or failed to. */
static int stamp_all(struct postfix *pf, const struct pf_conf *c,
                     struct timespec start)
{
	char master[4200];
	struct stamping st = {rl_stamps_new(start), 0};

	if (!(pf->stamps = st.stamps))
		return -1;
	snprintf(master, sizeof master, "%s/master.cf", pf_conf_dir(c));
	stamp_path(pf_conf_path(c), &st);
	stamp_path(master, &st);
	for (int i = 0; i < N_LISTS; i++) {
		pf_list_files(pf->lists[i], stamp_path, &st);
		pf_list_tables(pf->lists[i], stamp_table, &st);
	}
	return st.failed ? -1 : 0;
}

static enum pf_list_style style_of(int i, int parent)
{
	if (i < N_LISTS - 1)
		return PF_LIST_STRING;
	return parent ? PF_LIST_HOST_PARENT : PF_LIST_HOST;
}

void *rl_postfix_load(const char *dir, struct rl_diag *errors,
                      struct rl_diag *warnings)
{
	char host[256] = "localhost";
	struct postfix *pf = calloc(1, sizeof *pf);
	struct pf_conf *c;
	struct timespec start;
	int parent;

	if (!pf)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &start);
	gethostname(host, sizeof host - 1);
	if (!(c = pf_conf_load(dir, host, errors)) ||
	    (parent = relay_parent(c, errors, warnings)) < 0 ||
	    append_domain(c, pf, errors, warnings) != 0) {
		pf_conf_free(c);
		free(pf);
		return NULL;
	}
	for (int i = 0; i < N_LISTS; i++) {
		unsigned line;
		char *v = pf_conf_expand(c, list_params[i], &line, errors, warnings);

		if (!v || !(pf->lists[i] = pf_list_parse(list_params[i], v,
		                                         style_of(i, parent), pf_conf_path(c),
		                                         line, errors, warnings))) {
			free(v);
			pf_conf_free(c);
			postfix_free(pf);
			return NULL;
		}
		free(v);
	}
	pf_master_check(c, warnings);
	if (stamp_all(pf, c, start) != 0) {
		rl_diag_add(errors, pf_conf_path(c), 0, "more than %d files or out of memory",
		            RL_STAMPS_MAX);
		pf_conf_free(c);
		postfix_free(pf);
		return NULL;
	}
	pf_conf_free(c);
	return pf;
}

/* The lists in trivial-rewrite's order; WARM looks directories up. */
static enum rl_src_answer walk(const struct postfix *pf, const char *domain,
                               size_t len, char *why, size_t why_cap, bool warm)
{
	char full[2 * RL_DOMAIN_MAX + 4];

	if (pf->append[0] && !memchr(domain, '.', len) && domain[0] != '[') {
		len = (size_t)snprintf(full, sizeof full, "%.*s%s", (int)len, domain,
		                       pf->append);
		domain = full;
	}
	for (int i = 0; i < N_LISTS; i++) {
		enum rl_src_answer a = warm ? pf_list_warm(pf->lists[i], domain, len)
		                            : pf_list_match(pf->lists[i], domain, len, why,
		                                            why_cap);

		if (a != RL_SRC_NO)
			return a;
	}
	return RL_SRC_NO;
}

static enum rl_src_answer postfix_match(const void *state, const char *domain,
                                        size_t len, char *why, size_t why_cap)
{
	return walk(state, domain, len, why, why_cap, false);
}

static void postfix_warm(const void *state, const char *domain, size_t len)
{
	walk(state, domain, len, NULL, 0, true);
}

struct each {
	void (*fn)(const struct rl_source_table *t, void *arg);
	void *arg;
};

static void one_table(const struct pf_table *t, const char *param, void *arg)
{
	struct each *e = arg;
	struct rl_source_table info = {
		param, t->type, t->name, rl_domain_set_count(t->keys),
		pf_patterns_count(t->patterns), t->skipped,
		t->kind == PF_TABLE_DIRECTORY, t->error[0] ? t->error : NULL, t->dir,
	};

	e->fn(&info, e->arg);
}

static void postfix_tables(const void *state,
                           void (*fn)(const struct rl_source_table *t, void *arg),
                           void *arg)
{
	const struct postfix *pf = state;
	struct each e = {fn, arg};

	for (int i = 0; i < N_LISTS; i++)
		pf_list_tables(pf->lists[i], one_table, &e);
}

static const struct rl_stamps *postfix_stamps(const void *state)
{
	return ((const struct postfix *)state)->stamps;
}

struct names {
	bool (*fn)(const char *name, void *arg);
	void *arg;
	bool done;
};

static void one_name(const char *name, void *arg)
{
	struct names *n = arg;

	if (!n->done)
		n->done = n->fn(name, n->arg);
}

static bool one_key(const char *key, void *arg)
{
	struct names *n = arg;

	return n->done = n->fn(key, n->arg);
}

static void table_keys(const struct pf_table *t, const char *param, void *arg)
{
	struct names *n = arg;

	(void)param;
	if (!n->done && t->keys)
		rl_domain_set_find(t->keys, one_key, n);
}

/* Literal names, then table keys, list by list. */
static void postfix_names(const void *state, bool (*fn)(const char *name, void *arg),
                          void *arg)
{
	const struct postfix *pf = state;
	struct names n = {fn, arg, false};

	for (int i = 0; i < N_LISTS && !n.done; i++) {
		pf_list_names(pf->lists[i], one_name, &n);
		pf_list_tables(pf->lists[i], table_keys, &n);
	}
}

const struct rl_source_ops rl_postfix_ops = {
	"postfix", postfix_match, postfix_tables, postfix_free, postfix_stamps,
	postfix_names, postfix_warm,
};
