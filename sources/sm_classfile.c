/* sm_classfile.c - F lines: a class filled from a file, read as readcf()
 * and fileclass() read it. A class filled by a program (F{w}|/prog) or a
 * map or directory (F{w}@LDAP, F{w}key@ldap:...) is refused: relaylock
 * runs no program and asks no directory for a class. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_conf.h"
#include "sm_lines.h"

/* "key@map:spec" or "@LDAP", as readcf() tells a map from a file name. */
static bool is_map(const char *p)
{
	const char *at;

	if (*p == '/' || *p == '|' || !(at = strchr(p, '@')))
		return false;
	at++;
	return strcmp(at, "LDAP") == 0 || (*at != ':' && strchr(at, ':'));
}

/* extrquotstr(p, &q, " "): the file name, quotes removed, up to a space.
 * Returns the text after it, or NULL when a quote or a backslash is left
 * open. */
static const char *file_name(const char *p, char *out, size_t cap)
{
	bool quoted = false, backslash = false;
	size_t n = 0;

	for (; *p && n + 2 < cap; p++) {
		if (backslash) {
			backslash = false;
			if (*p != ' ')
				out[n++] = '\\';
		}
		if (*p == '\\')
			backslash = true;
		else if (*p == '"')
			quoted = !quoted;
		else if (quoted || *p != ' ')
			out[n++] = *p;
		else
			break;
	}
	out[n] = '\0';
	return quoted || backslash ? NULL : p;
}

static int refuse(struct sm_conf *c, unsigned lineno, struct rl_diag *errors,
                  const char *cls, const char *what, const char *spec)
{
	rl_diag_add(errors, c->cf, lineno, "F{%s}%s: class filled from %s;"
	            " relaylock reads classes from the cf and files only",
	            cls, spec, what);
	return -1;
}

/* Only a file that is not there is skipped for -o: one that relaylock
 * cannot read may hold domains Sendmail (root) reads. */
static bool absent(const char *path)
{
	struct stat st;

	return stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

static int read_file(struct sm_conf *c, const char *cls, const char *path,
                     bool optional, const char *fmt, unsigned lineno,
                     struct rl_diag *errors, struct rl_diag *warnings)
{
	struct sm_class *k = sm_conf_get_class(c, cls);
	int place = sm_place_add(c, path, cls, "file");
	int rc;

	if (!k || place < 0) {
		rl_diag_add(errors, c->cf, lineno, "too many classes or files");
		return -1;
	}
	c->places[place].optional = optional;
	rc = sm_classfile_read(c, k, (uint32_t)place, fmt, errors);
	if (rc == -1 && optional && absent(path)) {
		c->places[place].error[0] = '\0'; /* Sendmail skips it too */
	} else if (rc == -1) {
		rl_diag_add(warnings, c->cf, lineno, "F{%s}: %s: %s (until it can"
		            " be read, domains not found elsewhere answer 451)",
		            cls, path, c->places[place].error);
	}
	return rc == -2 ? -1 : 0;
}

int sm_cf_class_file(struct sm_conf *c, const char *cls, const char *spec,
                     unsigned lineno, struct rl_diag *errors,
                     struct rl_diag *warnings)
{
	char path[SM_PATH_MAX];
	const char *p = spec, *fmt, *why;
	bool optional = false, open_set = false;

	while (sm_space((unsigned char)*p))
		p++;
	if (p[0] == '-' && p[1] == 'o') {
		optional = true;
		while (*p && !sm_space((unsigned char)*p))
			p++;
		while (sm_space((unsigned char)*p))
			p++;
	}
	if (is_map(p))
		return refuse(c, lineno, errors, cls, "a map or directory", p);
	if (*p == '|')
		return refuse(c, lineno, errors, cls, "a program", p);
	if (!(fmt = file_name(p, path, sizeof path)) || path[0] == '\0') {
		rl_diag_add(errors, c->cf, lineno, "F{%s}: illegal or missing"
		            " file name", cls);
		return -1;
	}
	if (path[0] != '/') {
		rl_diag_add(errors, c->cf, lineno, "F{%s}: %s: relative file name"
		            " (Sendmail's working directory is not known)", cls, path);
		return -1;
	}
	if (*fmt == '\0')
		fmt = "%s";
	else
		while (sm_space((unsigned char)*++fmt))
			;
	if (sm_scanf_check(fmt, &why, &open_set) != 0) {
		rl_diag_add(errors, c->cf, lineno, "F{%s}: scanf format \"%s\": %s",
		            cls, fmt, why);
		return -1;
	}
	if (open_set)
		rl_diag_add(warnings, c->cf, lineno, "F{%s}: scanf format \"%s\""
		            " has no ']' (a '#' in the cf starts a comment; write"
		            " \\#): Sendmail takes the whole of each line", cls, fmt);
	return read_file(c, cls, path, optional, fmt, lineno, errors, warnings);
}

/* parse_class_words(): every white-space separated word. */
static int add_words(struct sm_conf *c, struct sm_class *k, const char *s,
                     uint32_t place, uint32_t line)
{
	while (*s) {
		size_t n = 0;

		while (sm_space((unsigned char)*s))
			s++;
		while (s[n] && !sm_space((unsigned char)s[n]))
			n++;
		if (n == 0)
			break;
		if (sm_class_add(c, k, s, n, place, line) != 0)
			return -2;
		c->places[place].words++;
		s += n;
	}
	return 0;
}

/* Each line as fileclass() reads it: fgets() keeps the newline, a line
 * starting with '#' is skipped, sscanf(line, fmt, word) must assign. */
static int read_lines(struct sm_conf *c, struct sm_class *k, uint32_t p,
                      const char *fmt, char *buf, size_t len,
                      struct rl_diag *errors)
{
	const char *path = c->places[p].path;
	char line[SM_FILE_LINE_MAX + 2], word[SM_FILE_LINE_MAX + 2];
	size_t pos = 0;

	for (uint32_t no = 1; pos < len; no++) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;

		if (n > SM_FILE_LINE_MAX || memchr(buf + pos, '\0', n)) {
			rl_diag_add(errors, path, no, "%s", n > SM_FILE_LINE_MAX
			            ? "line longer than Sendmail's 2047 octets"
			            : "NUL octet");
			return -2;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n;
		if (line[0] == '#' || sm_scanf(line, fmt, word, sizeof word) != 1)
			continue;
		if (add_words(c, k, word, p, no) != 0) {
			rl_diag_add(errors, path, no, "more than %u class words or"
			            " out of memory", SM_WORDS_MAX);
			return -2;
		}
	}
	return 0;
}

int sm_classfile_read(struct sm_conf *c, struct sm_class *k, uint32_t p,
                      const char *fmt, struct rl_diag *errors)
{
	struct sm_place *pl = &c->places[p];
	char *buf;
	size_t len;
	int rc;

	if (sm_read_file(pl->path, SM_CLASS_FILE_MAX, &buf, &len, pl->error,
	                 sizeof pl->error) != 0)
		return -1;
	rc = read_lines(c, k, p, fmt, buf, len, errors);
	free(buf);
	return rc;
}
