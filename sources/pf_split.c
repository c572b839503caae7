/* pf_split.c - list and name=value splitting as Postfix does it. */
#include "pf_split.h"

#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *pf_token(char **cp, const char *sep, int *bad)
{
	char *s = *cp, *start;
	int level = 0;

	*bad = 0;
	s += strspn(s, sep);
	if (*s == '\0') {
		*cp = s;
		return NULL;
	}
	for (start = s; *s; s++) {
		if (*s == '{')
			level++;
		else if (*s == '}' && --level < 0)
			break;
		else if (level == 0 && strchr(sep, *s))
			break;
	}
	if (level != 0) {
		*bad = 1;
		return NULL;
	}
	if (*s)
		*s++ = '\0';
	*cp = s;
	return start;
}

static char *trim(char *s)
{
	size_t n;

	while (blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

const char *pf_nameval(char *text, char **name, char **value)
{
	char *eq = strchr(text, '=');

	if (!eq)
		return "missing '=' after parameter name";
	*eq = '\0';
	*name = trim(text);
	*value = trim(eq + 1);
	if (**name == '\0')
		return "missing parameter name before '='";
	if ((*name)[strcspn(*name, " \t")] != '\0')
		return "whitespace in parameter name";
	return NULL;
}

char *pf_unbrace(char *text)
{
	size_t n;

	text = trim(text);
	n = strlen(text);
	if (n < 2 || text[0] != '{' || text[n - 1] != '}')
		return NULL;
	text[n - 1] = '\0';
	return trim(text + 1);
}
