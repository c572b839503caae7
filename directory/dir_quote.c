/* dir_quote.c - SQL and LDAP quoting, Postfix query templates. */
#include "dir_quote.h"

#include <stdio.h>
#include <string.h>

/* Append N octets to OUT at *POS, keeping room for the NUL. */
static int put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (n >= cap - *pos)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

int rl_dir_quote_pgsql(const char *in, size_t len, bool std_strings,
                       char *out, size_t cap)
{
	size_t pos = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\0')
			return -1;
		if ((c == '\'' || (c == '\\' && !std_strings)) &&
		    put(out, cap, &pos, &c, 1))
			return -1;
		if (put(out, cap, &pos, &c, 1))
			return -1;
	}
	return (int)pos;
}

int rl_dir_quote_mysql(const char *in, size_t len, char *out, size_t cap)
{
	size_t pos = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		const char *esc = NULL;

		switch (in[i]) {
		case '\0': esc = "\\0"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\\': esc = "\\\\"; break;
		case '\'': esc = "\\'"; break;
		case '"': esc = "\\\""; break;
		case '\032': esc = "\\Z"; break;
		default: break;
		}
		if (esc ? put(out, cap, &pos, esc, 2) : put(out, cap, &pos, in + i, 1))
			return -1;
	}
	return (int)pos;
}

int rl_dir_quote_ldap(const char *in, size_t len, char *out, size_t cap)
{
	size_t pos = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char hex[4];

		if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
			snprintf(hex, sizeof hex, "\\%02x", c);
			if (put(out, cap, &pos, hex, 3))
				return -1;
		} else if (put(out, cap, &pos, in + i, 1))
			return -1;
	}
	return (int)pos;
}

int rl_dir_expand(const char *tmpl, const char *key, rl_dir_quote_fn quote,
                  void *arg, char *out, size_t cap)
{
	size_t pos = 0, klen = strlen(key);

	if (cap == 0 || strchr(key, '@'))
		return -1;
	/* Postfix decides to suppress before it expands anything. */
	for (const char *p = tmpl; *p && p[1]; p++)
		if (*p == '%' && strchr("dD123456789", *++p))
			return 0;
	out[0] = '\0';
	for (const char *p = tmpl; *p; p++) {
		int n;

		if (*p != '%') {
			if (put(out, cap, &pos, p, 1))
				return -1;
			continue;
		}
		switch (*++p) {
		case '%':
			if (put(out, cap, &pos, "%", 1))
				return -1;
			break;
		case 's': case 'S': case 'u': case 'U':
			n = quote(arg, key, klen, out + pos, cap - pos);
			if (n < 0)
				return -1;
			pos += (size_t)n;
			break;
		case 'd': case 'D': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			return 0;
		default: /* the .cf parser refuses these */
			return -1;
		}
	}
	return 1;
}
