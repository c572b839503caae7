/* sm_macro.c - sendmail.cf macros as the class lines use them: names
 * ("w", "{VirtHost}"), D values (kept unexpanded, as Sendmail keeps them)
 * and expand() of macro.c for a class line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_conf.h"

#define EXPAND_DEPTH 20    /* macro values inside macro values */

struct out {
	char *buf;
	size_t n, cap;
};

/* A macro or class name at P: "w" or "{VirtHost}". Returns the text after
 * it, or NULL with *WHY. */
const char *sm_parse_name(const char *p, char name[SM_NAME_MAX],
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

	if (!(p = sm_parse_name(p, name, why)))
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
			char mark = SM_COPY_MARK;

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

int sm_expand(const struct sm_conf *c, const char *s, char *buf, size_t cap,
              const char **why)
{
	struct out o = {buf, 0, cap};

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	return expand(c, s, &o, 0, why);
}

int sm_define(struct sm_conf *c, const char *name, const char *v)
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
