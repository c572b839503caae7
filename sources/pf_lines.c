/* pf_lines.c - logical lines of Postfix configuration and table files. */
#include "pf_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pf_read_file(const char *path, size_t max, char **buf, size_t *len,
                 char *err, size_t err_cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *b;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_cap, "cannot open %.200s: %s", path,
		         fd >= 0 ? "not a regular file" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, err_cap, "%.200s: larger than %zu octets", path, max);
		close(fd);
		return -1;
	}
	if (!(b = malloc((size_t)st.st_size + 1))) {
		snprintf(err, err_cap, "%.200s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n <= 0) {
			snprintf(err, err_cap, "read %.200s: %s", path,
			         n < 0 ? strerror(errno) : "file shrank");
			free(b);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

int pf_lines_open(struct pf_lines *l, const char *path, size_t max,
                  char *err, size_t err_cap)
{
	memset(l, 0, sizeof *l);
	l->path = path;
	l->line = 1;
	if (pf_read_file(path, max, &l->buf, &l->len, err, err_cap) != 0)
		return -1;
	if (!(l->logical = malloc(PF_LOGICAL_LINE_MAX + 1))) {
		snprintf(err, err_cap, "%.200s: out of memory", path);
		free(l->buf);
		l->buf = NULL;
		return -1;
	}
	return 0;
}

int pf_lines_open_text(struct pf_lines *l, const char *name, const char *text,
                       size_t len)
{
	memset(l, 0, sizeof *l);
	l->path = name;
	l->line = 1;
	if (!(l->buf = malloc(len + 1)) ||
	    !(l->logical = malloc(PF_LOGICAL_LINE_MAX + 1))) {
		free(l->buf);
		l->buf = NULL;
		return -1;
	}
	memcpy(l->buf, text, len);
	l->buf[len] = '\0';
	l->len = len;
	return 0;
}

void pf_lines_close(struct pf_lines *l)
{
	free(l->buf);
	free(l->logical);
	l->buf = l->logical = NULL;
}

/* Physical line at l->pos: its start and length (newline excluded). */
static const char *physical(struct pf_lines *l, size_t *n)
{
	const char *s = l->buf + l->pos;
	const char *nl = memchr(s, '\n', l->len - l->pos);

	*n = nl ? (size_t)(nl - s) : l->len - l->pos;
	return s;
}

static int is_blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i == n || s[i] == '#';
}

int pf_lines_next(struct pf_lines *l, char **line, unsigned *lineno,
                  struct rl_diag *diag)
{
	size_t out = 0;
	int have = 0;

	while (l->pos < l->len) {
		size_t n;
		const char *s = physical(l, &n);
		int cont = s[0] == ' ' || s[0] == '\t';

		if (have && !cont && !is_blank_or_comment(s, n))
			break; /* the next logical line starts here */
		if (memchr(s, '\0', n)) {
			rl_diag_add(diag, l->path, l->line, "NUL octet in text");
			return -1;
		}
		if (!is_blank_or_comment(s, n)) {
			if (!have)
				*lineno = l->line;
			have = 1;
			if (out + n + 1 > PF_LOGICAL_LINE_MAX) {
				rl_diag_add(diag, l->path, *lineno,
				            "logical line longer than %d octets",
				            PF_LOGICAL_LINE_MAX);
				return -1;
			}
			memcpy(l->logical + out, s, n);
			out += n;
			l->logical[out++] = ' ';
		}
		l->pos += n + (l->pos + n < l->len);
		l->line++;
	}
	if (!have)
		return 0;
	while (out > 0 && (l->logical[out - 1] == ' ' || l->logical[out - 1] == '\t' ||
	                   l->logical[out - 1] == '\r'))
		out--;
	l->logical[out] = '\0';
	*line = l->logical;
	return 1;
}
