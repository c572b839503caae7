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

#define COPY_MARK '\001'   /* "$=" in an expanded class line */
#define EXPAND_DEPTH 20    /* macro values inside macro values */
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

struct out {
	char *buf;
	size_t n, cap;
};

/* A macro or class name at P: "w" or "{VirtHost}". Returns the text after
 * it, or NULL with *WHY. */
static const char *parse_name(const char *p, char name[SM_NAME_MAX],
                              const char **why)
{
	size_t n = 0;

	if (*p == '\0' || sm_space((unsigned char)*p) ||
	    (p[0] == '{' && p[1] == '}')) {
		*why = "name required for macro/class";
		return NULL;
	}
	if (*p != '{') {
		name[0] = *p;
		name[1] = '\0';
		return p + 1;
	}
	while (*++p != '\0' && *p != '}') {
		if (!isalnum((unsigned char)*p) && *p != '_') {
			*why = "invalid macro/class name character";
			return NULL;
		}
		if (n + 1 >= SM_NAME_MAX) {
			*why = "macro/class name too long";
			return NULL;
		}
		name[n++] = *p;
	}
	if (*p != '}') {
		*why = "unbalanced { in macro/class name";
		return NULL;
	}
	name[n] = '\0';
	return p + 1;
}

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
	const char *why, *p = parse_name(line + 1, to, &why);

	while (p && (p = strstr(p, "$=")) != NULL) {
		char from[SM_NAME_MAX];
		const char *next = parse_name(p + 2, from, &why);

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

static int out_put(struct out *o, const char *s, size_t n)
{
	if (o->n + n >= o->cap)
		return -1;
	memcpy(o->buf + o->n, s, n);
	o->n += n;
	o->buf[o->n] = '\0';
	return 0;
}

static const struct sm_macro *find_macro(const struct sm_conf *c,
                                         const char *name)
{
	for (size_t i = c->n_macros; i-- > 0;)
		if (strcmp(c->macros[i].name, name) == 0)
			return &c->macros[i];
	return NULL;
}

static int expand(const struct sm_conf *c, const char *s, struct out *o,
                  int depth, const char **why);

/* "$x" or "${name}" at P (after the '$'): append the macro's value. */
static const char *expand_macro(const struct sm_conf *c, const char *p,
                                struct out *o, int depth, const char **why)
{
	char name[SM_NAME_MAX];
	const struct sm_macro *m;

	if (!(p = parse_name(p, name, why)))
		return NULL;
	if (!(m = find_macro(c, name))) {
		*why = "a macro no D line defines (Sendmail fills it at run time)";
		return NULL;
	}
	if (depth >= EXPAND_DEPTH) {
		*why = "macros nested too deep";
		return NULL;
	}
	return expand(c, m->value, o, depth + 1, why) == 0 ? p : NULL;
}

/* expand() of macro.c for class lines: macros ($x, ${name}) are replaced
 * by their values, "$=" marks a class copy; rule and conditional
 * metasymbols have no meaning in a class and are refused. */
static int expand(const struct sm_conf *c, const char *s, struct out *o,
                  int depth, const char **why)
{
	while (*s) {
		const char *dollar = strchr(s, '$');
		size_t lit = dollar ? (size_t)(dollar - s) : strlen(s);

		if (out_put(o, s, lit) != 0) {
			*why = "class line too long after macro expansion";
			return -1;
		}
		if (!dollar)
			break;
		s = dollar + 1;
		if (*s == '$' || *s == '\0') { /* "$$" is a dollar, so is a last '$' */
			if (out_put(o, "$", 1) != 0) {
				*why = "class line too long after macro expansion";
				return -1;
			}
			s += *s == '$';
		} else if (*s == '=') {
			char mark = COPY_MARK;

			if (out_put(o, &mark, 1) != 0) {
				*why = "class line too long after macro expansion";
				return -1;
			}
			s++;
		} else if (*s == '{' || isalnum((unsigned char)*s)) {
			if (!(s = expand_macro(c, s, o, depth, why)))
				return -1;
		} else {
			*why = "a rule or conditional metasymbol in a class";
			return -1;
		}
	}
	return 0;
}

static struct sm_class *get_class(struct sm_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_classes; i++)
		if (strcmp(c->classes[i].name, name) == 0)
			return &c->classes[i];
	if (c->n_classes >= SM_CLASSES_MAX)
		return NULL;
	snprintf(c->classes[c->n_classes].name, SM_NAME_MAX, "%s", name);
	return &c->classes[c->n_classes++];
}

const struct sm_class *sm_conf_class(const struct sm_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_classes; i++)
		if (strcmp(c->classes[i].name, name) == 0)
			return &c->classes[i];
	return NULL;
}

int sm_class_add(struct sm_conf *c, struct sm_class *k, const char *word,
                 size_t len, uint32_t place, uint32_t line)
{
	char *t;

	if (c->n_words >= SM_WORDS_MAX)
		return -2;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		struct sm_word *w = realloc(k->w, cap * sizeof *w);

		if (!w)
			return -2;
		k->w = w;
		k->cap = cap;
	}
	if (!(t = malloc(len + 1)))
		return -2;
	for (size_t i = 0; i < len; i++)
		t[i] = (char)tolower((unsigned char)word[i]);
	t[len] = '\0';
	k->w[k->n++] = (struct sm_word){t, place, line};
	c->n_words++;
	return 0;
}

int sm_place_add(struct sm_conf *c, const char *path, const char *cls,
                 const char *kind)
{
	struct sm_place *p;

	for (size_t i = 0; i < c->n_places; i++) {
		p = &c->places[i];
		if (strcmp(p->kind, "file") != 0 && strcmp(p->kind, kind) == 0 &&
		    strcmp(p->path, path) == 0 && strcmp(p->cls, cls) == 0)
			return (int)i;
	}
	if (c->n_places >= SM_PLACES_MAX)
		return -1;
	p = &c->places[c->n_places];
	if (!(p->path = strdup(path)))
		return -1;
	snprintf(p->cls, sizeof p->cls, "%s", cls);
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	return (int)c->n_places++;
}

/* Copy class FROM into TO now, as setclass() does for "$=X": entries
 * added to FROM later are not copied. */
static int copy_class(struct sm_conf *c, struct sm_class *to,
                      const char *from)
{
	const struct sm_class *f = sm_conf_class(c, from);
	size_t n = f ? f->n : 0;

	if (!f || f == to)
		return 0;
	for (size_t i = 0; i < n; i++) {
		/* TO may be reallocated, F is another class: its array stays */
		const struct sm_word *w = &f->w[i];

		if (sm_class_add(c, to, w->text, strlen(w->text), w->place,
		                 w->line) != 0)
			return -2;
	}
	return 0;
}

/* One word of a C line: a domain candidate or a class copy. */
static int class_word(struct reader *r, struct sm_class *k, const char *w,
                      size_t len, uint32_t place)
{
	char name[SM_NAME_MAX + 2], from[SM_NAME_MAX];
	const char *why;

	if (w[0] != COPY_MARK) {
		r->c->places[place].words++;
		return sm_class_add(r->c, k, w, len, place, r->lineno);
	}
	snprintf(name, sizeof name, "%.*s", (int)(len - 1), w + 1);
	if (!parse_name(name, from, &why)) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "C%s: $=%s: %s",
		            k->name, name, why);
		return -1;
	}
	return copy_class(r->c, k, from);
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
	char name[SM_NAME_MAX], *buf;
	const char *why, *p = parse_name(line + 1, name, &why);
	struct out o = {0};
	struct sm_class *k;
	int place, rc = 0;

	if (!p) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "%s", why);
		return -1;
	}
	if (!relevant(r, name))
		return 0;
	if (!(o.buf = malloc(SM_LINE_MAX + 1))) {
		no_memory(r);
		return -1;
	}
	o.cap = SM_LINE_MAX + 1;
	o.buf[0] = '\0';
	if (expand(r->c, p, &o, 0, &why) != 0) {
		rl_diag_add(r->errors, r->c->cf, r->lineno, "C{%s}: %s", name, why);
		free(o.buf);
		return -1;
	}
	k = get_class(r->c, name);
	place = sm_place_add(r->c, r->c->cf, name, "cf");
	buf = o.buf;
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
	free(o.buf);
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
	const char *why, *p = parse_name(line + 1, name, &why);
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
	const char *why, *p = parse_name(line + 1, name, &why);

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

static int define_macro(struct sm_conf *c, const char *name, const char *v)
{
	char *dup;

	if (!v[0])
		return 0;
	if (c->n_macros >= SM_MACROS_MAX || !(dup = strdup(v)))
		return -1;
	snprintf(c->macros[c->n_macros].name, SM_NAME_MAX, "%s", name);
	c->macros[c->n_macros++].value = dup;
	return 0;
}

int sm_conf_add_host(struct sm_conf *c, const struct sm_host *h, size_t from)
{
	struct sm_class *w = get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	int rc = 0;

	if (!w || place < 0)
		return -1;
	for (size_t i = from; i < h->n_names && i < SM_HOST_NAMES_MAX; i++) {
		rc |= sm_class_add(c, w, h->names[i], strlen(h->names[i]),
		                   (uint32_t)place, 0);
		c->places[place].words++;
	}
	return rc ? -1 : 0;
}

/* What main.c does before readcf(): $w, $j, $m, $k, and the host's names
 * in class w. */
static int host_names(struct sm_conf *c, const struct sm_host *h)
{
	const char *dot = strchr(h->canon, '.');
	struct sm_class *w = get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	int rc = 0;

	if (!w || place < 0)
		return -1;
	rc |= define_macro(c, "w", h->canon);
	rc |= define_macro(c, "j", h->canon);
	rc |= define_macro(c, "m", dot && dot[1] ? dot + 1 : "");
	rc |= define_macro(c, "k", h->nodename);
	if (h->canon[0]) {
		rc |= sm_class_add(c, w, h->canon, strlen(h->canon),
		                   (uint32_t)place, 0);
		c->places[place].words++;
	}
	return rc || sm_conf_add_host(c, h, 0) != 0 ? -1 : 0;
}

/* After readcf(): "make certain that this name ($j) is part of $=w". */
static int add_j(struct sm_conf *c, struct rl_diag *errors)
{
	struct out o = {0};
	const char *why;
	struct sm_class *w = get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	int rc;

	if (!w || place < 0 || !(o.buf = malloc(SM_LINE_MAX + 1)))
		return -1;
	o.cap = SM_LINE_MAX + 1;
	o.buf[0] = '\0';
	if (expand(c, "$j", &o, 0, &why) != 0) {
		rl_diag_add(errors, c->cf, 0, "$j: %s", why);
		free(o.buf);
		return -1;
	}
	if (o.buf[0] == '\0')
		snprintf(o.buf, o.cap, "localhost");
	rc = sm_class_add(c, w, o.buf, strlen(o.buf), (uint32_t)place, 0);
	c->places[place].words++;
	free(o.buf);
	return rc ? -1 : 0;
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
	if (host_names(c, host) != 0)
		rl_diag_add(errors, cf, 0, "out of memory");
	else if (walk(&r, 1) == 0 && close_relevant(&r) == 0 &&
	         walk(&r, 2) == 0)
		rc = add_j(c, errors);
	free(r.edges);
	sm_lines_close(&r.lines);
	return rc;
}

void sm_conf_drop_words(struct sm_conf *c)
{
	for (size_t i = 0; i < c->n_classes; i++) {
		for (size_t j = 0; j < c->classes[i].n; j++)
			free(c->classes[i].w[j].text);
		free(c->classes[i].w);
		c->classes[i].w = NULL;
		c->classes[i].n = c->classes[i].cap = 0;
	}
}

void sm_conf_free(struct sm_conf *c)
{
	sm_conf_drop_words(c);
	for (size_t i = 0; i < c->n_macros; i++)
		free(c->macros[i].value);
	for (size_t i = 0; i < c->n_places; i++) {
		free(c->places[i].path);
	}
	memset(c, 0, sizeof *c);
}
