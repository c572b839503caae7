/* pf_table_regexp.c - regexp: tables, POSIX extended expressions with
 * regexp_table(5)'s flags: i (case, default insensitive), x (extended,
 * default on), m (newline). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "pf_patterns.h"

static void *re_compile(const char *re, const char *flags, char *err,
                        size_t cap)
{
	int cflags = REG_EXTENDED | REG_ICASE | REG_NOSUB, rc;
	regex_t *r;

	for (; *flags; flags++) {
		switch (*flags) {
		case 'i': cflags ^= REG_ICASE; break;
		case 'x': cflags ^= REG_EXTENDED; break;
		case 'm': cflags ^= REG_NEWLINE; break;
		default:
			snprintf(err, cap, "unknown regexp flag \"%c\"", *flags);
			return NULL;
		}
	}
	if (!(r = malloc(sizeof *r))) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	if ((rc = regcomp(r, re, cflags)) != 0) {
		char msg[128];

		regerror(rc, r, msg, sizeof msg);
		snprintf(err, cap, "regexp \"%.100s\": %s", re, msg);
		free(r);
		return NULL;
	}
	return r;
}

/* Domains never hold a NUL, so the subject is a C string. */
static int re_exec(const void *re, const char *subject, size_t len)
{
	(void)len;
	return regexec(re, subject, 0, NULL, 0) == 0;
}

static void re_free(void *re)
{
	regfree(re);
	free(re);
}

const struct pf_engine pf_regexp_engine = {
	"regexp", 1, re_compile, re_exec, re_free,
};
