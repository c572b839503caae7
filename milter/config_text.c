/* config_text.c - relaylock.conf text prepared for libconfuse's lexer. */
#include "config_text.h"

#include <stdbool.h>
#include <string.h>

/* An octet of an unquoted token in libconfuse's lexer (its rule is
 * [^ #"'\t\n\r={}()+,*] plus '/' inside a token). */
static bool token_char(char c)
{
	return c != '\0' && !strchr(" #\"'\t\n\r={}()+,*", c);
}

/* Copy the quoted string starting at IN[I] (its quote) to OUT. Returns the
 * offset past it; an unterminated string is copied whole, for libconfuse
 * to report. */
static size_t copy_string(const char *in, size_t len, size_t i, char *out,
                          size_t *o)
{
	char quote = in[i];
	size_t moved = 0; /* backslash-newlines, put back after the quote */

	out[(*o)++] = in[i++];
	while (i < len && in[i] != quote) {
		if (in[i] == '\\' && i + 1 < len) {
			if (in[i + 1] == '\n')
				moved++;
			else {
				out[(*o)++] = in[i];
				out[(*o)++] = in[i + 1];
			}
			i += 2;
			continue;
		}
		out[(*o)++] = in[i++];
	}
	if (i < len)
		out[(*o)++] = in[i++];
	for (; moved > 0; moved--)
		out[(*o)++] = '\n';
	return i;
}

/* Skip a comment at IN[I]; only its line breaks are kept. Returns the
 * offset past it (at the '\n' that ends a one-line comment). */
static size_t skip_comment(const char *in, size_t len, size_t i, char *out,
                           size_t *o)
{
	if (in[i] != '/' || in[i + 1] != '*') {
		while (i < len && in[i] != '\n')
			i++;
		return i;
	}
	for (i += 2; i < len; i++) {
		if (in[i] == '*' && i + 1 < len && in[i + 1] == '/')
			return i + 2;
		if (in[i] == '\n')
			out[(*o)++] = '\n';
	}
	return i; /* unterminated: libconfuse too reads it to the end */
}

size_t rl_conf_strip_comments(const char *in, size_t len, char *out)
{
	size_t o = 0;
	bool in_token = false;

	for (size_t i = 0; i < len;) {
		char c = in[i];
		bool slash2 = c == '/' && i + 1 < len &&
		              (in[i + 1] == '/' || in[i + 1] == '*');

		if (c == '"' || c == '\'') {
			i = copy_string(in, len, i, out, &o);
			in_token = false;
		} else if (c == '#' || (slash2 && !in_token)) {
			i = skip_comment(in, len, i, out, &o);
			in_token = false;
		} else {
			out[o++] = c;
			in_token = token_char(c);
			i++;
		}
	}
	out[o] = '\0';
	return o;
}
