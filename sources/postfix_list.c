/* postfix_list.c - parse and match Postfix domain lists. */
#include "postfix_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "pf_lines.h"
#include "pf_split.h"
#include "pf_table.h"
#include "source_psl.h"

struct item {
	bool negate;
	unsigned file;           /* index in list->files */
	unsigned line;
	char *name;              /* literal, lower case; NULL for a table */
	struct pf_table *table;
};

struct pf_list {
	char param[64];
	enum pf_list_style style;
	struct item *items;
	size_t n, cap;
	char *files[PF_LIST_FILES_MAX + 1];
	unsigned n_files;
};

struct parse {
	struct pf_list *list;
	struct rl_diag *errors, *warnings;
};

static int parse_text(struct parse *p, char *text, bool negate, unsigned file,
                      unsigned line, int depth);

void pf_list_free(struct pf_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++) {
		free(list->items[i].name);
		pf_table_free(list->items[i].table);
	}
	for (unsigned i = 0; i < list->n_files; i++)
		free(list->files[i]);
	free(list->items);
	free(list);
}

size_t pf_list_count(const struct pf_list *list)
{
	return list->n;
}

const char *pf_list_param(const struct pf_list *list)
{
	return list->param;
}

static struct item *new_item(struct parse *p, bool negate, unsigned file,
                             unsigned line)
{
	struct pf_list *l = p->list;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct item *it;

		if (l->n >= PF_LIST_ITEMS_MAX ||
		    !(it = realloc(l->items, cap * sizeof *it))) {
			rl_diag_add(p->errors, l->files[file], line,
			            "%s: more than %u items or out of memory", l->param,
			            PF_LIST_ITEMS_MAX);
			return NULL;
		}
		l->items = it;
		l->cap = cap;
	}
	memset(&l->items[l->n], 0, sizeof l->items[0]);
	l->items[l->n].negate = negate;
	l->items[l->n].file = file;
	l->items[l->n].line = line;
	return &l->items[l->n++];
}

/* A literal name, kept in canonical form (an IDN as its A-label, as the
 * recipient domain is compared); text that is no domain never matches. */
static int add_name(struct parse *p, const char *item, bool negate,
                    unsigned file, unsigned line)
{
	char key[RL_DOMAIN_MAX + 2];
	struct item *it;

	if (pf_domain_key(item, strlen(item), key) < 0) {
		rl_diag_add(p->warnings, p->list->files[file], line,
		            "%s: \"%.100s\" is not a domain name and never matches"
		            " one; ignored", p->list->param, item);
		return 0;
	}
	if (!negate && rl_src_public_suffix(key)) {
		rl_diag_add(p->warnings, p->list->files[file], line,
		            "%s: \"%s\" is a public suffix: refused (hosting it would"
		            " relay for every domain under it)", p->list->param, key);
		return 0;
	}
	if (!(it = new_item(p, negate, file, line)))
		return -1;
	if (!(it->name = strdup(key))) {
		p->list->n--;
		rl_diag_add(p->errors, p->list->files[file], line, "out of memory");
		return -1;
	}
	return 0;
}

static int add_table(struct parse *p, const char *item, bool negate,
                     unsigned file, unsigned line)
{
	struct pf_table *t = pf_table_open(item, p->list->files[file], line, p->errors);
	struct item *it;

	if (!t)
		return -1;
	if (t->error[0])
		rl_diag_add(p->warnings, p->list->files[file], line,
		            "%s: %s:%.200s: %s; lookups fail (451) until it can be read",
		            p->list->param, t->type, t->name, t->error);
	if (t->refused)
		rl_diag_add(p->warnings, p->list->files[file], line,
		            "%s: %s:%.200s: %zu public suffixes refused (\"%s\"): hosting"
		            " one would relay for every domain under it", p->list->param,
		            t->type, t->name, t->refused, t->refused_key);
	if (!negate && pf_table_refuse_wide(t))
		rl_diag_add(p->warnings, p->list->files[file], line,
		            "%s: %s:%.200s refused: %s; it hosts nothing until fixed",
		            p->list->param, t->type, t->name, t->refusal);
	if (!(it = new_item(p, negate, file, line))) {
		pf_table_free(t);
		return -1;
	}
	it->table = t;
	return 0;
}

/* A "/file/name" item: its logical lines are list text, read inline. */
static int add_file(struct parse *p, const char *path, bool negate,
                    unsigned file, unsigned line, int depth)
{
	struct pf_list *l = p->list;
	struct pf_lines lines;
	char err[PF_TABLE_ERR_MAX], *text;
	unsigned idx, lineno = 0;
	int rc;

	if (depth >= PF_LIST_FILE_DEPTH || l->n_files >= PF_LIST_FILES_MAX) {
		rl_diag_add(p->errors, l->files[file], line,
		            "%s: %s: files nested deeper than %d or more than %d files",
		            l->param, path, PF_LIST_FILE_DEPTH, PF_LIST_FILES_MAX);
		return -1;
	}
	if (pf_lines_open(&lines, path, PF_TEXT_FILE_MAX, err, sizeof err) != 0) {
		struct pf_table *t = pf_table_broken("file", path, err);
		struct item *it;

		rl_diag_add(p->warnings, l->files[file], line,
		            "%s: %s; lookups fail (451) until it can be read", l->param, err);
		if (!t || !(it = new_item(p, negate, file, line))) {
			pf_table_free(t);
			return -1;
		}
		it->table = t;
		return 0;
	}
	if (!(l->files[l->n_files] = strdup(path))) {
		pf_lines_close(&lines);
		return -1;
	}
	idx = l->n_files++;
	while ((rc = pf_lines_next(&lines, &text, &lineno, p->errors)) == 1)
		if ((rc = parse_text(p, text, negate, idx, lineno, depth + 1)) != 0)
			break;
	pf_lines_close(&lines);
	return rc < 0 ? -1 : 0;
}

static int parse_text(struct parse *p, char *text, bool negate, unsigned file,
                      unsigned line, int depth)
{
	char *cp = text, *item;
	int bad = 0;

	while ((item = pf_token(&cp, PF_SEP_LIST, &bad)) != NULL) {
		bool neg = negate;
		int rc;

		for (; *item == '!'; item++)
			neg = !neg;
		if (*item == '\0') {
			rl_diag_add(p->errors, p->list->files[file], line,
			            "%s: no pattern after '!'", p->list->param);
			return -1;
		}
		if (*item == '/')
			rc = add_file(p, item, neg, file, line, depth);
		else if (*item != '[' && strchr(item, ':'))
			rc = add_table(p, item, neg, file, line);
		else
			rc = add_name(p, item, neg, file, line);
		if (rc != 0)
			return -1;
	}
	if (bad) {
		rl_diag_add(p->errors, p->list->files[file], line,
		            "%s: unbalanced braces", p->list->param);
		return -1;
	}
	return 0;
}

/* A run of RUN_MIN or more literal names of one polarity from one file
 * matches exactly as a fixed-string table of those names does (string
 * lists: the name; host lists: the name and its ".parent" or, with
 * PARENT, "parent" suffixes), whatever their order: keep it as one, so a
 * long /file list costs a few hash probes instead of a scan. */
#define RUN_MIN 16

static size_t run_end(const struct pf_list *l, size_t i)
{
	size_t j = i;

	while (j < l->n && l->items[j].name && l->items[j].negate == l->items[i].negate &&
	       l->items[j].file == l->items[i].file)
		j++;
	return j;
}

static int compact(struct pf_list *l)
{
	size_t out = 0;

	for (size_t i = 0; i < l->n;) {
		size_t end = l->items[i].name ? run_end(l, i) : i + 1;
		struct pf_table *t;

		if (end - i < RUN_MIN) {
			while (i < end)
				l->items[out++] = l->items[i++];
			continue;
		}
		if (!(t = pf_table_names(l->files[l->items[i].file])))
			return -1;
		for (size_t k = i; k < end; k++) {
			if (pf_table_add_key(t, l->items[k].name, strlen(l->items[k].name)) != 0) {
				pf_table_free(t);
				return -1;
			}
		}
		for (size_t k = i + 1; k < end; k++)
			free(l->items[k].name);
		free(l->items[i].name);
		l->items[i].name = NULL;
		l->items[i].table = t;
		l->items[out++] = l->items[i];
		i = end;
	}
	l->n = out;
	return 0;
}

struct pf_list *pf_list_parse(const char *param, const char *value,
                              enum pf_list_style style, const char *file,
                              unsigned line, struct rl_diag *errors,
                              struct rl_diag *warnings)
{
	struct pf_list *l = calloc(1, sizeof *l);
	struct parse p = {l, errors, warnings};
	char *text = strdup(value);

	if (!l || !text || !(l->files[0] = strdup(file))) {
		rl_diag_add(errors, file, line, "out of memory");
		free(text);
		pf_list_free(l);
		return NULL;
	}
	l->n_files = 1;
	snprintf(l->param, sizeof l->param, "%s", param);
	l->style = style;
	if (parse_text(&p, text, false, 0, line, 0) != 0 || compact(l) != 0) {
		if (!errors->n)
			rl_diag_add(errors, file, line, "%s: out of memory", param);
		free(text);
		pf_list_free(l);
		return NULL;
	}
	free(text);
	return l;
}

void pf_list_tables(const struct pf_list *list,
                    void (*fn)(const struct pf_table *t, const char *param,
                               void *arg),
                    void *arg)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->items[i].table && strcmp(list->items[i].table->type, "names") != 0)
			fn(list->items[i].table, list->param, arg);
}

void pf_list_files(const struct pf_list *list,
                   void (*fn)(const char *path, void *arg), void *arg)
{
	for (unsigned i = 1; i < list->n_files; i++) /* 0 is main.cf */
		fn(list->files[i], arg);
}

struct name_walk {
	void (*fn)(const char *name, void *arg);
	void *arg;
};

static bool each_name(const char *name, void *arg)
{
	const struct name_walk *w = arg;

	w->fn(name, w->arg);
	return false;
}

void pf_list_names(const struct pf_list *list,
                   void (*fn)(const char *name, void *arg), void *arg)
{
	struct name_walk w = {fn, arg};

	for (size_t i = 0; i < list->n; i++) {
		const struct pf_table *t = list->items[i].table;

		if (list->items[i].name)
			fn(list->items[i].name, arg);
		else if (t && strcmp(t->type, "names") == 0) /* a run of names */
			rl_domain_set_find(t->keys, each_name, &w);
	}
}

/* Literal PATTERN against NAME, as match_string()/match_hostname(). */
static bool name_matches(enum pf_list_style style, const char *name, size_t len,
                         const char *pattern)
{
	size_t plen = strlen(pattern);
	const char *pd;

	if (plen == len && memcmp(name, pattern, len) == 0)
		return true;
	if (style == PF_LIST_STRING || plen >= len)
		return false;
	pd = name + len - plen;
	if (style == PF_LIST_HOST_PARENT)
		return pd[-1] == '.' && memcmp(pd, pattern, plen) == 0;
	return pattern[0] == '.' && memcmp(pd, pattern, plen) == 0;
}

/* Table T against NAME: the name itself; in host lists and fixed-string
 * tables also its parents, as "example.com" (PARENT) or ".example.com". */
typedef enum rl_src_answer (*table_lookup_fn)(const struct pf_table *t,
                                              const char *key, size_t len);

static enum rl_src_answer table_matches(enum pf_list_style style,
                                        const struct pf_table *t,
                                        const char *name, size_t len,
                                        const char **hit, table_lookup_fn lookup)
{
	enum rl_src_answer a = lookup(t, name, len);
	const char *dot;

	*hit = name;
	if (a != RL_SRC_NO || style == PF_LIST_STRING || !pf_table_fixed(t))
		return a;
	for (const char *e = name; (dot = memchr(e + 1, '.', len - (size_t)(e + 1 - name)));
	     e = dot) {
		const char *key = style == PF_LIST_HOST_PARENT ? dot + 1 : dot;

		*hit = key;
		if ((a = lookup(t, key, len - (size_t)(key - name))) != RL_SRC_NO)
			return a;
		if (style == PF_LIST_HOST_PARENT)
			dot++;
		if ((size_t)(dot - name) >= len)
			break;
	}
	return RL_SRC_NO;
}

static void explain(const struct pf_list *l, const struct item *it,
                    const char *hit, char *why, size_t cap)
{
	const char *file = it->file ? l->files[it->file] : NULL;

	if (!why)
		return;
	if (it->table && strcmp(it->table->type, "names") == 0) {
		/* a run of names: the name that matched, and its file */
		snprintf(why, cap, "%s %s%s%s%s%s", l->param, it->negate ? "!" : "", hit,
		         file ? " (" : "", file ? file : "", file ? ")" : "");
		return;
	}
	if (it->table)
		snprintf(why, cap, "%s %s%s:%s%s%s", l->param, it->negate ? "!" : "",
		         it->table->type, it->table->name, it->table->error[0] ? ": " : "",
		         it->table->error);
	else
		snprintf(why, cap, "%s %s%s", l->param, it->negate ? "!" : "", it->name);
	if (file) {
		size_t n = strlen(why);

		snprintf(why + n, cap - n, " (%s:%u)", file, it->line);
	}
}

static enum rl_src_answer list_match(const struct pf_list *list,
                                     const char *domain, size_t len, char *why,
                                     size_t why_cap, table_lookup_fn lookup)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct item *it = &list->items[i];
		enum rl_src_answer a;
		const char *hit = domain;

		if (it->table)
			a = table_matches(list->style, it->table, domain, len, &hit, lookup);
		else
			a = name_matches(list->style, domain, len, it->name) ? RL_SRC_YES
			                                                     : RL_SRC_NO;
		if (a == RL_SRC_NO)
			continue;
		explain(list, it, hit, why, why_cap);
		if (a == RL_SRC_ERROR)
			return RL_SRC_ERROR;
		return it->negate ? RL_SRC_NO : RL_SRC_YES;
	}
	return RL_SRC_NO;
}

enum rl_src_answer pf_list_match(const struct pf_list *list, const char *domain,
                                 size_t len, char *why, size_t why_cap)
{
	return list_match(list, domain, len, why, why_cap, pf_table_lookup);
}

enum rl_src_answer pf_list_warm(const struct pf_list *list, const char *domain,
                                size_t len)
{
	return list_match(list, domain, len, NULL, 0, pf_table_warm);
}
