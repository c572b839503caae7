/* sm_lines.h - a sendmail.cf read whole, walked as readcf() walks it:
 * lines folded when the next one starts with a space or a tab (the
 * newline is kept), CR LF taken as LF, comments and blank lines left to
 * the caller.
 */
#ifndef RELAYLOCK_SM_LINES_H
#define RELAYLOCK_SM_LINES_H

#include <stddef.h>

struct sm_lines {
	char *buf;          /* the file, NUL-terminated */
	size_t len, pos;
	unsigned line;      /* physical line of the next read */
	char *folded;       /* current folded line, SM_LINE_MAX + 1 */
};

/* What would let relaylock read a file Sendmail (root) reads. */
#define SM_ACCESS_HINT "; relaylock's user needs read access (a group such as" \
	" smmsp, or the file's mode)"

/* Read PATH, at most MAX octets, a regular file. 0, or -1 with ERR (and
 * SM_ACCESS_HINT when permission was denied). */
int sm_read_file(const char *path, size_t max, char **buf, size_t *len,
                 char *err, size_t err_cap);

/* 0, or -1 with ERR (cannot read, too large). */
int sm_lines_open(struct sm_lines *l, const char *path, char *err,
                  size_t err_cap);

/* Next folded line in *LINE and its first physical line number. 1; 0 at
 * the end; -1 on a NUL octet or a folded line longer than SM_LINE_MAX
 * (*LINENO says where). */
int sm_lines_next(struct sm_lines *l, char **line, unsigned *lineno);

/* Start again from the first line. */
void sm_lines_rewind(struct sm_lines *l);

void sm_lines_close(struct sm_lines *l);

#endif
