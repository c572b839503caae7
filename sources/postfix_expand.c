/* postfix_expand.c - $name expansion of main.cf values (mac_expand). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postfix_conf.h"

struct buf {
	char *s;
	size_t len, cap;
};

struct expand {
	const struct pf_conf *c;
	const char *param;     /* the parameter asked for, for messages */
	unsigned line;
	struct rl_diag *errors, *warnings;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > PF_EXPAND_MAX)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(p = realloc(b->s, cap)))
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int fail(struct expand *e, const char *what)
{
	rl_diag_add(e->errors, pf_conf_path(e->c), e->line, "%s: %s", e->param, what);
	return -1;
}

static int expand_text(struct expand *e, const char *s, size_t n,
                       struct buf *out, int depth);

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

/* mydomain when unset: myhostname minus its first label, when that
 * leaves a dot; else "localdomain" (mail_params.c). */
static int derive_mydomain(struct expand *e, struct buf *out, int depth)
{
	struct buf host = {0};
	unsigned line;
	const char *v = pf_conf_value(e->c, "myhostname", 10, &line);
	const char *dot;
	int rc = -1;

	if (expand_text(e, v, strlen(v), &host, depth + 1) == 0) {
		dot = host.s ? strchr(host.s, '.') : NULL;
		rc = dot && strchr(dot + 1, '.') ? put(out, dot + 1, strlen(dot + 1))
		                                 : put(out, "localdomain", 11);
	}
	free(host.s);
	return rc;
}

/* relay_domains when unset: $mydestination below compatibility_level 2. */
static int derive_relay(struct expand *e, struct buf *out, int depth)
{
	struct buf lvl = {0};
	unsigned line;
	const char *v = pf_conf_value(e->c, "compatibility_level", 19, &line);
	int rc = expand_text(e, v, strlen(v), &lvl, depth + 1);

	if (rc == 0 && strtol(lvl.s ? lvl.s : "0", NULL, 10) < 2) {
		v = pf_conf_value(e->c, "mydestination", 13, &line);
		rc = expand_text(e, v, strlen(v), out, depth + 1);
	}
	free(lvl.s);
	return rc;
}

/* The value of parameter NAME (LEN octets), expanded, appended to OUT. */
static int expand_name(struct expand *e, const char *name, size_t len,
                       struct buf *out, int depth)
{
	unsigned line;
	const char *v = pf_conf_value(e->c, name, len, &line);

	if (v)
		return expand_text(e, v, strlen(v), out, depth + 1);
	if (len == 8 && memcmp(name, "mydomain", 8) == 0)
		return derive_mydomain(e, out, depth);
	if (len == 13 && memcmp(name, "relay_domains", 13) == 0)
		return derive_relay(e, out, depth);
	rl_diag_add(e->warnings, pf_conf_path(e->c), e->line,
	            "%s: $%.*s is not set in main.cf; taken as empty (a Postfix"
	            " default would differ)", e->param, (int)(len < 100 ? len : 100),
	            name);
	return 0;
}

/* "${name?text}", "${name:text}", "${name}" between the braces at S. */
static int expand_braced(struct expand *e, const char *s, size_t n,
                         struct buf *out, int depth)
{
	size_t nl = 0;
	struct buf val = {0};
	const char *text;
	size_t tn;
	int rc;

	while (nl < n && name_char(s[nl]))
		nl++;
	if (nl == 0)
		return fail(e, "unsupported ${...} expression");
	if (nl == n)
		return expand_name(e, s, nl, out, depth);
	if (s[nl] != '?' && s[nl] != ':')
		return fail(e, "bad character in ${name}");
	text = s + nl + 1;
	tn = n - nl - 1;
	if (tn >= 2 && text[0] == '{' && text[tn - 1] == '}') {
		text++;
		tn -= 2;
	}
	if ((rc = expand_name(e, s, nl, &val, depth)) == 0 &&
	    ((val.len > 0) == (s[nl] == '?')))
		rc = expand_text(e, text, tn, out, depth + 1);
	free(val.s);
	return rc;
}

/* Length of the bracketed text at S (after the opening OPEN), or -1. */
static long closing(const char *s, size_t n, char open)
{
	char close = open == '{' ? '}' : ')';
	int level = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == open)
			level++;
		else if (s[i] == close && --level == 0)
			return (long)i;
	}
	return -1;
}

static int expand_text(struct expand *e, const char *s, size_t n,
                       struct buf *out, int depth)
{
	if (depth > PF_EXPAND_DEPTH)
		return fail(e, "$name expansion nested deeper than 30 (a loop?)");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		long len;

		while (j < n && s[j] != '$')
			j++;
		if (put(out, s + i, j - i) != 0)
			return fail(e, "expanded value too long");
		if ((i = j) >= n)
			break;
		if (i + 1 < n && (s[i + 1] == '{' || s[i + 1] == '(')) {
			if ((len = closing(s + i + 2, n - i - 2, s[i + 1])) < 0)
				return fail(e, "unbalanced ${ or $(");
			if ((s[i + 1] == '{'
			         ? expand_braced(e, s + i + 2, (size_t)len, out, depth)
			         : expand_name(e, s + i + 2, (size_t)len, out, depth)) != 0)
				return -1;
			i += 3 + (size_t)len;
			continue;
		}
		for (j = i + 1; j < n && name_char(s[j]); j++)
			;
		if (j == i + 1)
			return fail(e, "'$' not followed by a parameter name");
		if (expand_name(e, s + i + 1, j - i - 1, out, depth) != 0)
			return -1;
		i = j;
	}
	return 0;
}

char *pf_conf_expand(const struct pf_conf *c, const char *name, unsigned *line,
                     struct rl_diag *errors, struct rl_diag *warnings)
{
	struct expand e = {c, name, 0, errors, warnings};
	struct buf out = {0};
	const char *v = pf_conf_value(c, name, strlen(name), &e.line);

	*line = e.line;
	if (put(&out, "", 0) != 0 ||
	    (v ? expand_text(&e, v, strlen(v), &out, 0)
	       : expand_name(&e, name, strlen(name), &out, 0)) != 0) {
		free(out.s);
		return NULL;
	}
	return out.s;
}
