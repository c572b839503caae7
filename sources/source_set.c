/* source_set.c - open a config's hosted_domains_from, lend last good
 * copies, ask whether the files they read changed. */
#include "source_set.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "dir_registry.h"
#include "source.h"
#include "source_psl.h"

/* Where "mta" looks, in this order. */
#define POSTFIX_MAIN_CF "/etc/postfix/main.cf"
#define SENDMAIL_CF "/etc/mail/sendmail.cf"

/* One opened source; shared by the configs that use it (a last good copy
 * outlives the reload that could not read its files). */
struct held {
	atomic_uint refs;
	struct rl_source *src;
	char problem[RL_DIAG_LEN]; /* why some answers are errors, or "" */
};

struct entry {
	struct held *held;
	char spec[RL_SETTING_MAX];     /* as written */
	char resolved[RL_SETTING_MAX]; /* "mta" made concrete */
	bool stale;                    /* serving the last good copy */
	char problem[RL_DIAG_LEN];     /* why it is stale or failing */
};

struct set {
	size_t n;
	struct entry entries[RL_SOURCES_MAX];
};

static void held_release(struct held *h)
{
	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	rl_source_free(h->src);
	free(h);
}

static void set_free(void *attached)
{
	struct set *set = attached;

	for (size_t i = 0; set && i < set->n; i++)
		held_release(set->entries[i].held);
	free(set);
}

static enum rl_lookup held_match(const void *ctx, const char *domain, char *why,
                                 size_t cap)
{
	const struct entry *e = ctx;

	switch (rl_source_match(e->held->src, domain, why, cap)) {
	case RL_SRC_YES:
		/* The tables refuse public suffixes at load; this holds for any
		 * answer, whatever the source or table type. */
		return rl_src_public_suffix(domain) ? RL_LOOKUP_NO : RL_LOOKUP_YES;
	case RL_SRC_ERROR:
		return RL_LOOKUP_ERROR;
	default:
		if (why && cap)
			snprintf(why, cap, "%s", e->resolved);
		return RL_LOOKUP_NO;
	}
}

/* The first table error, as the reason some answers are errors. */
static void note_problem(const struct rl_source_table *t, void *arg)
{
	struct held *h = arg;

	if (t->error && !h->problem[0])
		snprintf(h->problem, sizeof h->problem, "%s:%s: %s", t->type, t->name,
		         t->error);
}

/* "mta": Postfix where it is configured, else Sendmail. */
static int resolve_spec(const char *spec, char *out, size_t size)
{
	const char *pick = spec;

	if (strcmp(spec, "mta") == 0) {
		if (access(POSTFIX_MAIN_CF, F_OK) == 0)
			pick = "postfix";
		else if (access(SENDMAIL_CF, F_OK) == 0)
			pick = "sendmail";
		else
			return -1;
	}
	snprintf(out, size, "%s", pick);
	return 0;
}

/* What would let this process read PATH: its group, or a group at all.
 * ARG: the warnings. */
static void unreadable_hint(const char *path, bool exists, void *arg)
{
	struct rl_diag *warnings = arg;
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : "relaylock";
	struct group *gr;
	struct stat st;

	if (!exists || access(path, R_OK) == 0 || errno != EACCES || stat(path, &st) != 0)
		return;
	gr = getgrgid(st.st_gid);
	if ((st.st_mode & S_IRGRP) && gr)
		rl_diag_add(warnings, path, 0, "mode %04o, group %s: %s cannot read "
		            "it: add %s to the group (usermod -a -G %s %s) and restart "
		            "relaylock", (unsigned)(st.st_mode & 07777), gr->gr_name, user,
		            user, gr->gr_name, user);
	else
		rl_diag_add(warnings, path, 0, "mode %04o: %s cannot read it and no "
		            "group may: give it a group %s is in, readable by that group "
		            "(chgrp, chmod g+r)", (unsigned)(st.st_mode & 07777), user, user);
}

static struct held *held_open(const char *resolved, struct rl_diag *errors,
                              struct rl_diag *warnings)
{
	struct held *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	atomic_init(&h->refs, 1);
	h->src = rl_source_open(resolved, errors, warnings);
	if (!h->src) {
		held_release(h);
		return NULL;
	}
	rl_source_tables(h->src, note_problem, h);
	rl_source_files(h->src, unreadable_hint, warnings);
	return h;
}

/* The healthy copy of SPEC in the config in force, if there is one. */
static struct held *last_good(const struct rl_config *previous, const char *spec)
{
	const struct set *set = previous ? previous->attached : NULL;

	for (size_t i = 0; set && i < set->n; i++) {
		const struct entry *e = &set->entries[i];

		if (strcmp(e->spec, spec) == 0 && !e->held->problem[0]) {
			atomic_fetch_add(&e->held->refs, 1);
			return e->held;
		}
	}
	return NULL;
}

/* Diagnostics of a source, prefixed with where relaylock.conf names it. */
static void copy_diag(struct rl_diag *to, const struct rl_config *config,
                      const struct rl_source_spec *spec, const struct rl_diag *from)
{
	for (size_t i = 0; i < from->n; i++)
		rl_diag_add(to, config->path, spec->line, "hosted_domains_from \"%s\": %s",
		            spec->spec, from->msg[i]);
	if (from->dropped)
		rl_diag_add(to, config->path, spec->line, "hosted_domains_from \"%s\": "
		            "%zu more messages", spec->spec, from->dropped);
}

static int open_entry(struct entry *e, const struct rl_config *config,
                      const struct rl_source_spec *spec,
                      const struct rl_config *previous, struct rl_diag *errors,
                      struct rl_diag *warnings, struct rl_diag scratch[2])
{
	struct held *good;

	snprintf(e->spec, sizeof e->spec, "%s", spec->spec);
	if (resolve_spec(spec->spec, e->resolved, sizeof e->resolved) != 0) {
		rl_diag_add(errors, config->path, spec->line, "hosted_domains_from \"mta\": "
		            "no MTA here: neither %s nor %s exists", POSTFIX_MAIN_CF,
		            SENDMAIL_CF);
		return -1;
	}
	rl_diag_init(&scratch[0]);
	rl_diag_init(&scratch[1]);
	e->held = held_open(e->resolved, &scratch[0], &scratch[1]);
	copy_diag(warnings, config, spec, &scratch[1]);
	if (!e->held) {
		copy_diag(errors, config, spec, &scratch[0]);
		if (scratch[0].n == 0)
			rl_diag_add(errors, config->path, spec->line, "out of memory");
		return -1;
	}
	if (!e->held->problem[0] || !(good = last_good(previous, spec->spec)))
		return 0;
	/* Cannot be read now: the last good copy serves until it can. */
	snprintf(e->problem, sizeof e->problem, "%s", e->held->problem);
	rl_diag_add(warnings, config->path, spec->line, "hosted_domains_from \"%s\": %s; "
	            "keeping the last good copy", spec->spec, e->problem);
	held_release(e->held);
	e->held = good;
	e->stale = true;
	return 0;
}

int rl_sources_attach(struct rl_config *config, const struct rl_config *previous,
                      struct rl_diag *errors, struct rl_diag *warnings)
{
	struct rl_domain_source adapters[RL_SOURCES_MAX];
	struct rl_diag *scratch;
	struct set *set;
	int rc = 0;

	if (config->n_sources == 0)
		return 0;
	rl_dir_registry_settings(config->daemon.lookup_timeout,
	                         config->daemon.directory_cache_ttl);
	set = calloc(1, sizeof *set);
	scratch = malloc(2 * sizeof *scratch); /* a source's errors, warnings */
	if (!set || !scratch) {
		free(set);
		free(scratch);
		rl_diag_add(errors, config->path, 0, "out of memory");
		return -1;
	}
	config->attached = set;
	config->attached_free = set_free;
	for (size_t i = 0; i < config->n_sources; i++) {
		struct entry *e = &set->entries[set->n];

		if (open_entry(e, config, &config->sources[i], previous, errors, warnings,
		               scratch) != 0) {
			rc = -1;
			continue;
		}
		if (!e->stale && e->held->problem[0])
			snprintf(e->problem, sizeof e->problem, "%s", e->held->problem);
		adapters[set->n] = (struct rl_domain_source){held_match, e};
		set->n++;
	}
	free(scratch);
	if (rc == 0)
		rl_policy_set_sources(config->policy, adapters, set->n);
	return rc;
}

bool rl_sources_changed(const struct rl_config *config)
{
	const struct set *set = config ? config->attached : NULL;

	for (size_t i = 0; set && i < set->n; i++)
		if (rl_source_changed(set->entries[i].held->src))
			return true;
	return false;
}

size_t rl_sources_failing(const struct rl_config *config, char *names, size_t size)
{
	const struct set *set = config ? config->attached : NULL;
	size_t n = 0, len = 0;

	if (size)
		names[0] = '\0';
	for (size_t i = 0; set && i < set->n; i++) {
		const struct entry *e = &set->entries[i];

		if (!e->problem[0])
			continue;
		n++;
		if (len < size)
			len += (size_t)snprintf(names + len, size - len, "%s%s", len ? "," : "",
			                        e->spec);
	}
	return n;
}

/* A directory: connect and run one query (a failure is the weather, a
 * warning; a query that finds anything is worse). */
static void print_probe(struct rl_dir_slot *slot, FILE *out)
{
	char why[RL_DIR_WHY_MAX];

	switch (rl_dir_slot_probe(slot, why, sizeof why)) {
	case RL_DIR_NOT_FOUND:
		fprintf(out, ": a directory, looked up per domain (%s)\n", why);
		break;
	case RL_DIR_FOUND:
		fprintf(out, ": WARNING %s (it would host every domain)\n", why);
		break;
	default:
		fprintf(out, ": WARNING cannot answer now: %s (its domains get 451 until"
		        " it does)\n", why);
	}
}

static void print_table(const struct rl_source_table *t, void *arg)
{
	FILE *out = arg;

	fprintf(out, "  %s %s:%s", t->param, t->type, t->name ? t->name : "");
	if (t->error)
		fprintf(out, ": ERROR %s\n", t->error);
	else if (t->directory && t->dir)
		print_probe(t->dir, out);
	else if (t->directory)
		fputs(": a directory, looked up per domain\n", out);
	else if (t->keys || t->skipped)
		fprintf(out, ": %zu keys%s\n", t->keys, t->skipped ? " (some skipped)" : "");
	else
		fputs(": patterns, matched per domain\n", out);
}

struct stale_check {
	const struct set *set;
	FILE *out;
};

/* A static entry that no source hosts is likely left over. */
static bool print_if_stale(const char *entry, void *arg)
{
	const struct stale_check *c = arg;

	if (entry[0] == '[' || entry[0] == '.')
		return false;
	for (size_t i = 0; i < c->set->n; i++)
		if (rl_source_match(c->set->entries[i].held->src, entry, NULL, 0) == RL_SRC_YES)
			return false;
	fprintf(c->out, "hosted_domains entry %s: no source hosts it (stale?)\n", entry);
	return false;
}

void rl_sources_print(const struct rl_config *config, FILE *out)
{
	const struct set *set = config->attached;
	struct stale_check check = {set, out};

	for (size_t i = 0; set && i < set->n; i++) {
		const struct entry *e = &set->entries[i];

		fprintf(out, "source %s (%s)%s\n", e->spec, e->resolved,
		        e->stale ? ": cannot be read now, serving the last good copy"
		                 : e->problem[0] ? ": some answers are errors (451)" : "");
		rl_source_tables(e->held->src, print_table, out);
	}
	if (set && set->n > 0 && config->n_domains > 0)
		rl_domain_set_find(rl_policy_hosted(config->policy), print_if_stale, &check);
}

struct name_walk {
	const struct entry *e;
	bool (*fn)(const char *name, void *arg);
	void *arg;
	bool done;
};

static bool hosted_name(const char *name, void *arg)
{
	struct name_walk *w = arg;

	if (name[0] == '.' || name[0] == '[' ||
	    held_match(w->e, name, NULL, 0) != RL_LOOKUP_YES)
		return false;
	return w->done = w->fn(name, w->arg);
}

bool rl_sources_names(const struct rl_config *config,
                      bool (*fn)(const char *name, void *arg), void *arg)
{
	const struct set *set = config ? config->attached : NULL;
	struct name_walk w = {NULL, fn, arg, false};

	for (size_t i = 0; set && i < set->n && !w.done; i++) {
		w.e = &set->entries[i];
		rl_source_names(w.e->held->src, hosted_name, &w);
	}
	return w.done;
}

static bool count_name(const char *name, void *arg)
{
	(void)name;
	++*(size_t *)arg;
	return false;
}

size_t rl_sources_entries(const struct rl_config *config, size_t index)
{
	const struct set *set = config ? config->attached : NULL;
	size_t n = 0;

	if (set && index < set->n)
		rl_source_names(set->entries[index].held->src, count_name, &n);
	return n;
}

void rl_sources_warm(const struct rl_config *config, const char *rcpt)
{
	const struct set *set = config ? config->attached : NULL;
	struct rl_address a;

	if (!set || !rcpt ||
	    rl_address_parse(rcpt, strnlen(rcpt, RL_PATH_MAX + 1), &a) != RL_ADDR_MAILBOX ||
	    a.domain_literal ||
	    rl_domain_set_entry(rl_policy_hosted(config->policy), a.domain, a.domain_len))
		return;
	for (size_t i = 0; i < set->n; i++)
		rl_source_warm(set->entries[i].held->src, a.domain);
}
