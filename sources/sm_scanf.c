/* sm_scanf.c - the sscanf() that fileclass() applies to each line of a
 * class file ("%s" by default, often "%[^#]"), for the formats that can
 * fill one word: one assigned %s or %[...], suppressed ones (%*s), literal
 * text and white space. Anything else is refused when the cf is read. */
#include <stdbool.h>
#include <string.h>

#include "sm_conf.h"

/* The scanset of "%[" at FMT (just after the '['): SET[c] says whether c
 * is taken. Returns the text after the closing ']' or NULL. */
static const char *scanset(const char *fmt, bool set[256])
{
	bool neg = false;
	const unsigned char *p = (const unsigned char *)fmt;

	memset(set, 0, 256 * sizeof set[0]);
	if (*p == '^') {
		neg = true;
		p++;
	}
	if (*p == ']')
		set[*p++] = true;
	while (*p && *p != ']') {
		if (p[1] == '-' && p[2] && p[2] != ']' && p[2] >= p[0]) {
			for (unsigned c = p[0]; c <= p[2]; c++)
				set[c] = true;
			p += 3;
		} else
			set[*p++] = true;
	}
	if (*p != ']')
		return NULL;
	for (unsigned c = 0; neg && c < 256; c++)
		set[c] = !set[c];
	set[0] = false;
	return (const char *)p + 1;
}

/* One conversion at FMT (after the '%'): its kind ('s' or '['), whether it
 * is assigned, its width (0 = none), the text after it. NULL if it is of
 * another kind. */
static const char *conversion(const char *fmt, char *kind, bool *assign,
                              size_t *width, bool set[256])
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
	if (*fmt == 's')
		return fmt + 1;
	if (*fmt == '[')
		return scanset(fmt + 1, set);
	return NULL;
}

int sm_scanf_check(const char *fmt, const char **why)
{
	int assigned = 0;
	bool set[256];

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
		if (!(fmt = conversion(fmt, &kind, &assign, &width, set))) {
			*why = "a conversion other than %s or %[...]";
			return -1;
		}
		assigned += assign;
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
	bool set[256];

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
		if (!(fmt = conversion(fmt + 1, &kind, &assign, &width, set)))
			break;
		if (*in == '\0' || (kind == 's' && in[strspn(in, " \t\n\r\f\v")] == '\0'))
			return assigned ? assigned : -1;
		if (!convert(&in, kind, width, set, assign ? word : NULL, cap))
			break;
		assigned += assign;
	}
	return assigned;
}
