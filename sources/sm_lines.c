/* sm_lines.c - sendmail.cf lines, folded as fgetfolded() folds them. */
#include "sm_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_conf.h"

int sm_read_file(const char *path, size_t max, char **buf, size_t *len,
                 char *err, size_t err_cap)
{
	struct stat st = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;

	*buf = NULL;
	if (fd < 0) {
		snprintf(err, err_cap, "%s%s", strerror(errno),
		         errno == EACCES ? SM_ACCESS_HINT : "");
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > max) {
		snprintf(err, err_cap, "%s", !S_ISREG(st.st_mode)
		         ? "not a regular file" : "larger than the bound");
		close(fd);
		return -1;
	}
	if (!(*buf = malloc((size_t)st.st_size + 1))) {
		snprintf(err, err_cap, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

int sm_lines_open(struct sm_lines *l, const char *path, char *err,
                  size_t err_cap)
{
	memset(l, 0, sizeof *l);
	if (sm_read_file(path, SM_CF_MAX, &l->buf, &l->len, err, err_cap) != 0)
		return -1;
	if (!(l->folded = malloc(SM_LINE_MAX + 1))) {
		snprintf(err, err_cap, "out of memory");
		free(l->buf);
		l->buf = NULL;
		return -1;
	}
	l->line = 1;
	return 0;
}

void sm_lines_rewind(struct sm_lines *l)
{
	l->pos = 0;
	l->line = 1;
}

/* One octet of the file, CR LF read as LF; -1 at the end. */
static int next_octet(struct sm_lines *l)
{
	int c;

	if (l->pos >= l->len)
		return -1;
	c = (unsigned char)l->buf[l->pos++];
	if (c == '\r' && l->pos < l->len && l->buf[l->pos] == '\n')
		c = (unsigned char)l->buf[l->pos++];
	return c;
}

int sm_lines_next(struct sm_lines *l, char **line, unsigned *lineno)
{
	size_t n = 0;
	int c;

	*lineno = l->line;
	if (l->pos >= l->len)
		return 0;
	while ((c = next_octet(l)) >= 0) {
		if (c == '\0' || n >= SM_LINE_MAX)
			return -1;
		l->folded[n++] = (char)c;
		if (c != '\n')
			continue;
		l->line++;
		if (l->pos >= l->len ||
		    (l->buf[l->pos] != ' ' && l->buf[l->pos] != '\t'))
			break;
	}
	if (n > 0 && l->folded[n - 1] == '\n')
		n--;
	l->folded[n] = '\0';
	*line = l->folded;
	return 1;
}

void sm_lines_close(struct sm_lines *l)
{
	free(l->buf);
	free(l->folded);
	memset(l, 0, sizeof *l);
}
