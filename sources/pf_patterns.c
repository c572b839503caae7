/* pf_patterns.c - parse and run regexp/pcre table rules. */
#include "pf_patterns.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pf_lines.h"

enum rule_op { OP_MATCH, OP_IF, OP_ENDIF };

struct pattern {
	void *re;    /* compiled; NULL when absent */
	int negate;
};

struct rule {
	enum rule_op op;
	struct pattern first, second; /* second: regexp's "!/re2/" */
	size_t endif;                 /* OP_IF: index of its endif */
};

struct pf_patterns {
	const struct pf_engine *engine;
	struct rule *rules;
	size_t n, cap;
};

void pf_patterns_free(struct pf_patterns *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		if (p->rules[i].first.re)
			p->engine->free(p->rules[i].first.re);
		if (p->rules[i].second.re)
			p->engine->free(p->rules[i].second.re);
	}
	free(p->rules);
	free(p);
}

size_t pf_patterns_count(const struct pf_patterns *p)
{
	return p ? p->n : 0;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse "!!/re/flags" at *CP into PAT; returns NULL or what is wrong. */
static const char *get_pattern(const struct pf_engine *e, char **cp,
                               struct pattern *pat, char *err, size_t cap)
{
	char *p = *cp, *re, delim, flags[16];
	size_t nf = 0;

	for (pat->negate = 0; *p == '!' || blank(*p); p++)
		pat->negate ^= *p == '!';
	if (*p == '\0')
		return "no pattern";
	delim = *p++;
	for (re = p; *p && *p != delim; p++)
		if (*p == '\\' && p[1])
			p++;
	if (*p == '\0')
		return "no closing pattern delimiter";
	*p++ = '\0';
	while (*p && !blank(*p) && *p != '!') {
		if (nf + 1 >= sizeof flags)
			return "too many pattern flags";
		flags[nf++] = *p++;
	}
	flags[nf] = '\0';
	*cp = p;
	if (!(pat->re = e->compile(re, flags, err, cap)))
		return err;
	return NULL;
}

/* Word W (case-insensitive) followed by a blank or the end? */
static int keyword(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncasecmp(s, w, n) == 0 && (s[n] == '\0' || blank(s[n]));
}

/* One logical line into R; returns NULL or what is wrong. */
static const char *parse_rule(const struct pf_engine *e, char *line,
                              struct rule *r, char *err, size_t cap)
{
	const char *why;

	memset(r, 0, sizeof *r);
	if (keyword(line, "endif")) {
		r->op = OP_ENDIF;
		return line[5] && line[5 + strspn(line + 5, " \t")] ? "text after endif" : NULL;
	}
	if (keyword(line, "if")) {
		r->op = OP_IF;
		line += 2;
	}
	if ((why = get_pattern(e, &line, &r->first, err, cap)) != NULL)
		return why;
	if (*line == '!') {
		if (!e->second_pattern || r->op == OP_IF)
			return "unexpected '!' after the pattern";
		if ((why = get_pattern(e, &line, &r->second, err, cap)) != NULL)
			return why;
	}
	line += strspn(line, " \t");
	if (r->op == OP_IF)
		return *line ? "text after \"if /pattern/\"" : NULL;
	return *line ? NULL : "missing result after the pattern";
}

/* Close the open if at *DEPTH (STACK holds their indexes). */
static const char *nest(struct pf_patterns *p, size_t *stack, size_t *depth)
{
	struct rule *r = &p->rules[p->n - 1];

	if (r->op == OP_IF) {
		if (*depth >= PF_PATTERN_IF_DEPTH)
			return "if nested too deep";
		stack[(*depth)++] = p->n - 1;
	} else if (r->op == OP_ENDIF) {
		if (*depth == 0)
			return "endif without if";
		p->rules[stack[--*depth]].endif = p->n - 1;
	}
	return NULL;
}

static int grow(struct pf_patterns *p)
{
	size_t cap = p->cap ? p->cap * 2 : 16;
	struct rule *r;

	if (p->n < p->cap)
		return 0;
	if (p->n >= PF_PATTERN_RULES_MAX || !(r = realloc(p->rules, cap * sizeof *r)))
		return -1;
	p->rules = r;
	p->cap = cap;
	return 0;
}

struct pf_patterns *pf_patterns_load(const struct pf_engine *engine,
                                     const char *path, struct rl_diag *diag,
                                     char *read_err, size_t err_cap)
{
	struct pf_patterns *p = calloc(1, sizeof *p);
	struct pf_lines l;
	size_t stack[PF_PATTERN_IF_DEPTH], depth = 0;
	unsigned lineno = 0, if_line = 0;
	char *line, err[256];
	const char *why = NULL;
	int rc;

	if (!p || pf_lines_open(&l, path, PF_TEXT_FILE_MAX, read_err, err_cap) != 0) {
		free(p);
		return NULL;
	}
	p->engine = engine;
	while (!why && (rc = pf_lines_next(&l, &line, &lineno, diag)) == 1) {
		if (grow(p) != 0) {
			why = "too many rules or out of memory";
			break;
		}
		why = parse_rule(engine, line, &p->rules[p->n], err, sizeof err);
		p->n++;
		if (!why && p->rules[p->n - 1].op == OP_IF && depth == 0)
			if_line = lineno;
		if (!why)
			why = nest(p, stack, &depth);
	}
	if (why)
		rl_diag_add(diag, path, lineno, "%s", why);
	else if (rc == 0 && depth > 0)
		rl_diag_add(diag, path, if_line, "if without endif");
	pf_lines_close(&l);
	if (why || rc != 0 || depth > 0) {
		pf_patterns_free(p);
		return NULL;
	}
	return p;
}

/* Does PAT hold for SUBJECT: 1, 0, or -1 when the engine failed. */
static int holds(const struct pf_patterns *p, const struct pattern *pat,
                 const char *subject, size_t len)
{
	int m = p->engine->exec(pat->re, subject, len);

	return m < 0 ? -1 : m ^ pat->negate;
}

enum rl_src_answer pf_patterns_match(const struct pf_patterns *p,
                                     const char *subject, size_t len)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct rule *r = &p->rules[i];
		int m;

		if (r->op == OP_ENDIF)
			continue;
		if ((m = holds(p, &r->first, subject, len)) == 1 && r->second.re)
			m = holds(p, &r->second, subject, len);
		if (m < 0)
			return RL_SRC_ERROR;
		if (r->op == OP_IF && m == 0)
			i = r->endif;
		else if (r->op == OP_MATCH && m == 1)
			return RL_SRC_YES;
	}
	return RL_SRC_NO;
}
