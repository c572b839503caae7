/* sm_scanf.c - the sscanf() that fileclass() applies to each line of a
 * class file ("%s" by default, often "%[^#]"), for the formats that can
 * fill one word: one assigned %s or %[...], suppressed ones (%*s), literal
 * text and white space. Anything else is refused when the cf is read. */
#include <stdbool.h>
#include <string.h>

#include "sm_conf.h"

/* The scanset of "%[" at FMT (just after the '['), as libsm's sm_sccl()
 * builds it: SET[c] says whether c is taken. "a-z" is a range when z is
 * not below a; a set the format ends inside keeps what it has (so "%[^"
 * takes everything). Returns the text after it; *OPEN when no ']' came. */
static const char *scanset(const char *fmt, bool set[256], bool *open)
{
	const unsigned char *p = (const unsigned char *)fmt;
	int c = *p++, n;
	bool v = c == '^';

	if (v)
		c = *p++;
	for (n = 0; n < 256; n++)
		set[n] = v;
	*open = true;
	if (c == 0)
		return (const char *)p - 1;
	v = !v;
	for (;;) {
		set[c] = v;
		n = *p++;
again:
		if (n == 0)
			return (const char *)p - 1;
		if (n == ']') {
			*open = false;
			return (const char *)p;
		}
		if (n != '-' || *p == ']' || *p < c) {
			c = n;
			continue;
		}
		n = *p++;
		do
			set[++c] = v;
		while (c < n && c < 255);
		n = *p++;
		goto again;
	}
}

/* One conversion at FMT (after the '%'): its kind ('s' or '['), whether it
 * is assigned, its width (0 = none), the text after it. NULL if it is of
 * another kind. */
static const char *conversion(const char *fmt, char *kind, bool *assign,
                              size_t *width, bool set[256], bool *open)
{
	*assign = true;
	*width = 0;
	if (*fmt == '*') {
		*assign = false;
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9') {
		if (*width > SM_FILE_LINE_MAX)
			return NULL;
		*width = *width * 10 + (size_t)(*fmt++ - '0');
	}
	*kind = *fmt;
	*open = false;
	if (*fmt == 's')
		return fmt + 1;
	if (*fmt == '[')
		return scanset(fmt + 1, set, open);
	return NULL;
}

int sm_scanf_check(const char *fmt, const char **why, bool *open_set)
{
	int assigned = 0;
	bool set[256], open;

	while (*fmt) {
		char kind;
		bool assign;
		size_t width;

		if (*fmt++ != '%')
			continue;
		if (*fmt == '%') {
			fmt++;
			continue;
		}
		if (!(fmt = conversion(fmt, &kind, &assign, &width, set, &open))) {
			*why = "a conversion other than %s or %[...]";
			return -1;
		}
		assigned += assign;
		*open_set |= open;
	}
	if (assigned != 1) {
		*why = "not exactly one assigned %s or %[...] conversion";
		return -1;
	}
	return 0;
}

/* Apply one conversion at *IN; 1 matched, 0 no input for it. */
static int convert(const char **in, char kind, size_t width, const bool set[256],
                   char *out, size_t cap)
{
	const char *s = *in;
	size_t n = 0;

	if (kind == 's')
		while (sm_space((unsigned char)*s))
			s++;
	while (*s && (width == 0 || n < width) &&
	       (kind == 's' ? !sm_space((unsigned char)*s) : set[(unsigned char)*s])) {
		if (out && n + 1 < cap)
			out[n] = *s;
		n++;
		s++;
	}
	if (n == 0)
		return 0;
	if (out)
		out[n + 1 < cap ? n : cap - 1] = '\0';
	*in = s;
	return 1;
}

int sm_scanf(const char *line, const char *fmt, char *word, size_t cap)
{
	const char *in = line;
	int assigned = 0;
	bool set[256], open;

	while (*fmt) {
		char kind;
		bool assign;
		size_t width;

		if (sm_space((unsigned char)*fmt)) {
			while (sm_space((unsigned char)*in))
				in++;
			fmt++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			fmt += *fmt == '%' ? 2 : 1;
			if (*in != fmt[-1])
				break;
			in++;
			continue;
		}
		if (!(fmt = conversion(fmt + 1, &kind, &assign, &width, set, &open)))
			break;
		if (*in == '\0' || (kind == 's' && in[strspn(in, " \t\n\r\f\v")] == '\0'))
			return assigned ? assigned : -1;
		if (!convert(&in, kind, width, set, assign ? word : NULL, cap))
			break;
		assigned += assign;
	}
	return assigned;
}
