/* sm_cf.c - read a sendmail.cf as readcf() does, for the lines that decide
 * which domains Sendmail accepts mail for: C and F lines of the classes
 * w, R, {VirtHost} and of any class copied into them ($=X), D lines (the
 * macros those lines use), the access map's K line, and ruleset Rcpt_ok
 * (relay_hosts_only). Everything else is skipped unread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sm_conf.h"
#include "sm_lines.h"

#define EDGES_MAX 1024

struct edge {
	char from[SM_NAME_MAX], to[SM_NAME_MAX];
};

struct reader {
	struct sm_conf *c;
	struct rl_diag *errors, *warnings;
	struct sm_lines lines;
	unsigned lineno;
	char ruleset[SM_NAME_MAX];
	char relevant[SM_CLASSES_MAX][SM_NAME_MAX];
	size_t n_relevant;
	struct edge *edges;
	size_t n_edges;
};

static bool relevant(const struct reader *r, const char *name)
{
	for (size_t i = 0; i < r->n_relevant; i++)
		if (strcmp(r->relevant[i], name) == 0)
			return true;
	return false;
}

static int add_relevant(struct reader *r, const char *name)
{
	if (relevant(r, name))
		return 0;
	if (r->n_relevant >= SM_CLASSES_MAX)
		return -1;
	snprintf(r->relevant[r->n_relevant++], SM_NAME_MAX, "%s", name);
	return 1;
}

/* Pass 1: which classes are copied (C{to}$={from}) into which. */
static int collect_edges(struct reader *r, const char *line)
{
	char to[SM_NAME_MAX];
	const char *why, *p = sm_parse_name(line + 1, to, &why);

	while (p && (p = strstr(p, "$=")) != NULL) {
		char from[SM_NAME_MAX];
		const char *next = sm_parse_name(p + 2, from, &why);

		if (!next)
			break; /* pass 2 reports it if the class matters */
		if (r->n_edges >= EDGES_MAX) {
			rl_diag_add(r->errors, r->c->cf, r->lineno,
			            "more than %d class copies ($=)", EDGES_MAX);
			return -1;
		}
		snprintf(r->edges[r->n_edges].from, SM_NAME_MAX, "%s", from);
		snprintf(r->edges[r->n_edges].to, SM_NAME_MAX, "%s", to);
		r->n_edges++;
		p = next;
	}
	return 0;
}

/* The classes that end up in w, R or {VirtHost}. */
static int close_relevant(struct reader *r)
{
	int grew = 1;

	add_relevant(r, "w");
	add_relevant(r, "R");
	add_relevant(r, "VirtHost");
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < r->n_edges; i++) {
			int a;

			if (!relevant(r, r->edges[i].to))
				continue;
			if ((a = add_relevant(r, r->edges[i].from)) < 0) {
				rl_diag_add(r->errors, r->c->cf, 0,
				            "more than %d classes copied into w, R"
				            " or {VirtHost}", SM_CLASSES_MAX);
				return -1;
			}
			grew |= a;
		}
	}
	return 0;
}

/* One word of a C line: a domain candidate or a class copy. */
static int class_word(struct reader *r, struct sm_class *k, const char *w,
                      size_t len, uint32_t place)
{
	char name[SM_NAME_MAX + 2], from[SM_NAME_MAX];
	const char *why;

	if (w[0] != SM_COPY_MARK) {
		r->c->places[place].words++;
		return sm_class_add(r->c, k, w, len, place, r->lineno);
	}
	snprintf(name, sizeof name, "%.*s", (int)(len - 1), w + 1);
	if (!sm_parse_name(name, from, &why)) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "C{%s}: $=%s: %s",
		            k->name, name, why);
		return -1;
	}
	return sm_class_copy(r->c, k, from);
}

static void no_memory(struct reader *r)
{
	rl_diag_add(r->errors, r->c->cf, r->lineno,
	            "more than %u class words, %d places or out of memory",
	            SM_WORDS_MAX, SM_PLACES_MAX);
}

/* Cx word... / C{name} word...: expanded, then split at white space. */
static int class_line(struct reader *r, const char *line)
{
	char name[SM_NAME_MAX], *buf, *p0;
	const char *why, *p = sm_parse_name(line + 1, name, &why);
	struct sm_class *k;
	int place, rc = 0;

	if (!p) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "%s", why);
		return -1;
	}
	if (!relevant(r, name))
		return 0;
	if (!(p0 = buf = malloc(SM_LINE_MAX + 1))) {
		no_memory(r);
		return -1;
	}
	if (sm_expand(r->c, p, buf, SM_LINE_MAX + 1, &why) != 0) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "C{%s}: %s", name, why);
		free(p0);
		return -1;
	}
	k = sm_conf_get_class(r->c, name);
	place = sm_place_add(r->c, r->c->cf, name, "cf");
	while (rc == 0 && k && place >= 0 && *buf) {
		size_t n;

		while (sm_space((unsigned char)*buf))
			buf++;
		for (n = 0; buf[n] && !sm_space((unsigned char)buf[n]); n++)
			;
		if (n > 0)
			rc = class_word(r, k, buf, n, (uint32_t)place);
		buf += n;
	}
	free(p0);
	if (!k || place < 0 || rc == -2) {
		no_memory(r);
		return -1;
	}
	return rc;
}

/* Dx value: kept unexpanded, quotes and backslashes as munchstring(). */
static int define_line(struct reader *r, const char *line)
{
	char name[SM_NAME_MAX], *v;
	const char *why, *p = sm_parse_name(line + 1, name, &why);
	bool quoted = false, backslash = false;
	size_t n = 0;

	if (!p) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "%s", why);
		return -1;
	}
	if (r->c->n_macros >= SM_MACROS_MAX || !(v = malloc(strlen(p) + 1))) {
		rl_diag_add(r->errors, r->c->cf, r->lineno,
		            "more than %d macros or out of memory", SM_MACROS_MAX);
		return -1;
	}
	for (; *p; p++) {
		if (backslash) {
			backslash = false;
			v[n++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
		} else if (*p == '\\')
			backslash = true;
		else if (*p == '"')
			quoted = !quoted;
		else
			v[n++] = *p;
	}
	v[n] = '\0';
	snprintf(r->c->macros[r->c->n_macros].name, SM_NAME_MAX, "%s", name);
	r->c->macros[r->c->n_macros++].value = v;
	return 0;
}

static int file_line(struct reader *r, const char *line)
{
	char name[SM_NAME_MAX];
	const char *why, *p = sm_parse_name(line + 1, name, &why);

	if (!p) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "%s", why);
		return -1;
	}
	if (!relevant(r, name))
		return 0;
	return sm_cf_class_file(r->c, name, p, r->lineno, r->errors, r->warnings);
}

/* S lines name the ruleset the R lines below belong to. */
static void ruleset_line(struct reader *r, const char *line)
{
	size_t n = strcspn(line + 1, "= \t");

	snprintf(r->ruleset, sizeof r->ruleset, "%.*s",
	         (int)(n < SM_NAME_MAX ? n : SM_NAME_MAX - 1), line + 1);
}

/* Rcpt_ok's class R rule: "R$+ < @ $* $=R >" relays subdomains too,
 * "R$+ < @ $=R >" (FEATURE(relay_hosts_only)) the listed names only. */
static void rule_line(struct reader *r, const char *line)
{
	char lhs[64];
	size_t n = 0;

	/* lookupdotdomain: "$(access $5:.$2 ...)" looks ".parent" up */
	if (strcmp(r->ruleset, "D") == 0 && strstr(line, ":.$2"))
		r->c->lookup_dot = true;
	if (strcmp(r->ruleset, "Rcpt_ok") != 0)
		return;
	for (const char *p = line + 1; *p && *p != '\t' && n + 1 < sizeof lhs; p++)
		if (*p != ' ')
			lhs[n++] = *p;
	lhs[n] = '\0';
	/* without either rule (promiscuous_relay) R keeps the default */
	if (strcmp(lhs, "$+<@$=R>") == 0 || strcmp(lhs, "$+<@$={R}>") == 0)
		r->c->relay_hosts_only = true;
	/* relay_entire_domain: a permission, never read as domains, but said */
	if (strcmp(lhs, "$+<@$*$=m>") == 0)
		r->c->entire_domain_line = r->lineno;
}

/* O DontProbeInterfaces=true|false|loopback (setoption(), atobool()). */
static void option_line(struct reader *r, const char *line)
{
	const char *p = line + 1, *v;
	size_t n;

	if (*p != ' ')
		return;
	while (sm_space((unsigned char)*p))
		p++;
	n = strcspn(p, "= \t");
	if (n != 19 || strncasecmp(p, "DontProbeInterfaces", n) != 0)
		return;
	for (v = p + n; sm_space((unsigned char)*v) || *v == '='; v++)
		;
	r->c->dont_probe = strcasecmp(v, "loopback") == 0 ? SM_PROBE_NO_LOOPBACK
	                   : (!*v || strchr("tTyY", *v)) ? SM_PROBE_NONE
	                                                  : SM_PROBE_ALL;
}

static int read_line(struct reader *r, char *line)
{
	switch (line[0]) {
	case 'O':
		option_line(r, line);
		return 0;
	case 'D':
		return define_line(r, line);
	case 'C':
		return class_line(r, line);
	case 'F':
		return file_line(r, line);
	case 'K':
		return sm_cf_map_line(r->c, line, r->lineno, r->errors);
	case 'S':
		ruleset_line(r, line);
		return 0;
	case 'R':
		rule_line(r, line);
		return 0;
	default:
		return 0;
	}
}

/* translate_dollars(): from V3 on, a '#' after the first column starts a
 * comment that runs to the end of the (physical) line, white space before
 * it included, unless it is "\#" or "$#"; then trailing white space goes. */
static void strip_comments(char *line, long level)
{
	char *p = line + 1;

	while (level >= 3 && *p && (p = strchr(p, '#')) != NULL) {
		char *start = p, *nl;

		if (p[-1] == '$') {
			p++;
			continue;
		}
		if (p[-1] == '\\') {
			memmove(p - 1, p, strlen(p) + 1);
			continue;
		}
		while (start - 1 > line && start[-1] != '\n' &&
		       sm_space((unsigned char)start[-1]))
			start--;
		nl = strchr(p, '\n');
		memmove(start, nl ? nl : p + strlen(p), strlen(nl ? nl : "") + 1);
		p = start;
	}
	for (size_t n = strlen(line); n > 0 && sm_space((unsigned char)line[n - 1]);)
		line[--n] = '\0';
}

/* Walk every line; PASS 1 collects class copies, pass 2 reads. */
static int walk(struct reader *r, int pass)
{
	char *line;
	long level = 0;
	int rc, status = 0;

	sm_lines_rewind(&r->lines);
	while ((rc = sm_lines_next(&r->lines, &line, &r->lineno)) == 1) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (line[0] == 'V')
			level = strtol(line + 1, NULL, 10);
		strip_comments(line, level);
		if (pass == 1 && line[0] == 'C' && collect_edges(r, line) != 0)
			return -1;
		if (pass == 2 && read_line(r, line) != 0) {
			status = -1;
			if (r->errors->n >= RL_DIAG_MAX)
				break;
		}
	}
	if (rc < 0) {
		rl_diag_add(r->errors, r->c->cf, r->lineno,
		            "NUL octet or line longer than %d octets", SM_LINE_MAX);
		return -1;
	}
	return status;
}

int sm_conf_read(struct sm_conf *c, const char *cf, const struct sm_host *host,
                 struct rl_diag *errors, struct rl_diag *warnings)
{
	struct reader r = {.c = c, .errors = errors, .warnings = warnings};
	char err[256];
	int rc = -1;

	c->cf = cf;
	if (sm_lines_open(&r.lines, cf, err, sizeof err) != 0) {
		rl_diag_add(errors, cf, 0, "cannot read: %s", err);
		return -1;
	}
	if (!(r.edges = calloc(EDGES_MAX, sizeof *r.edges))) {
		sm_lines_close(&r.lines);
		rl_diag_add(errors, cf, 0, "out of memory");
		return -1;
	}
	if (sm_conf_host_names(c, host) != 0)
		rl_diag_add(errors, cf, 0, "out of memory");
	else if (walk(&r, 1) == 0 && close_relevant(&r) == 0 &&
	         walk(&r, 2) == 0)
		rc = sm_conf_add_j(c, errors);
	free(r.edges);
	sm_lines_close(&r.lines);
	return rc;
}

