/* pf_table_regexp.c - regexp: tables, POSIX extended expressions with
 * regexp_table(5)'s flags: i (case, default insensitive), x (extended,
 * default on), m (newline). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_patterns.h"

#define RE_LEN_MAX 1024       /* octets of one pattern */
#define RE_REPEAT_PRODUCT 10000 /* product of all {n,m} upper bounds */

static int quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* glibc's regcomp copies a subexpression once per repetition: "a{1000}{1000}"
 * or "a+++++..." take gigabytes. Refuse such patterns at load (a real domain
 * pattern needs neither); returns NULL or why. */
static const char *re_bounded(const char *re)
{
	unsigned long product = 1;
	size_t len = strlen(re);

	if (len > RE_LEN_MAX)
		return "longer than 1024 octets";
	for (size_t i = 0; i < len; i++) {
		if (re[i] == '\\' && re[i + 1]) {
			i++;
			continue;
		}
		if (i > 0 && quantifier(re[i]) && quantifier(re[i - 1]) && (i < 2 || re[i - 2] != '\\'))
			return "a repetition of a repetition";
		if (re[i] == '{') {
			const char *close = strchr(re + i, '}');
			const char *comma = close ? memchr(re + i, ',', (size_t)(close - re - i)) : NULL;
			unsigned long hi = strtoul((comma ? comma : re + i) + 1, NULL, 10);

			if (!close)
				continue;
			if (comma && comma + 1 == close)
				hi = 1; /* {n,}: like "+" once n copies are made */
			if (hi == 0)
				hi = strtoul(re + i + 1, NULL, 10);
			product *= hi ? hi : 1;
			if (product > RE_REPEAT_PRODUCT)
				return "repetition bounds whose product exceeds 10000";
			i = (size_t)(close - re) - 1;
		}
	}
	return NULL;
}

static void *re_compile(const char *re, const char *flags, char *err,
                        size_t cap)
{
	int cflags = REG_EXTENDED | REG_ICASE | REG_NOSUB, rc;
	const char *why;
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
	if ((why = re_bounded(re)) != NULL) {
		snprintf(err, cap, "regexp \"%.100s\": %s", re, why);
		return NULL;
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
