/* pf_lines.h - Postfix's "logical lines" (readlline): a line that starts
 * with whitespace continues the previous one; blank lines and lines whose
 * first non-blank character is '#' are skipped. The whole file is read
 * into memory at open, within bounds, so later parsing does no I/O.
 */
#ifndef RELAYLOCK_PF_LINES_H
#define RELAYLOCK_PF_LINES_H

#include <stddef.h>

#include "config.h"

#define PF_TEXT_FILE_MAX (256u << 20) /* one text file (texthash, main.cf) */
#define PF_LOGICAL_LINE_MAX 65536     /* one logical line, joined */

struct pf_lines {
	const char *path;
	char *buf;          /* the file, NUL-terminated */
	size_t len, pos;
	unsigned line;      /* physical line of the next read */
	char *logical;      /* current logical line */
};

/* Read PATH (at most MAX octets). Returns 0, or -1 with ERR set to the
 * errno text or "larger than N octets". */
int pf_lines_open(struct pf_lines *l, const char *path, size_t max,
                  char *err, size_t err_cap);

/* Read text from memory instead (not copied; must stay valid). */
int pf_lines_open_text(struct pf_lines *l, const char *name, const char *text,
                       size_t len);

/* Next logical line in *LINE (valid until the next call) and the number of
 * its first physical line. Returns 1, 0 at the end, -1 on a NUL octet or
 * an over-long line (DIAG says file:line). */
int pf_lines_next(struct pf_lines *l, char **line, unsigned *lineno,
                  struct rl_diag *diag);

void pf_lines_close(struct pf_lines *l);

/* Read a whole file into a malloc'ed buffer (NUL added). -1 and ERR on
 * failure or when it is larger than MAX. */
int pf_read_file(const char *path, size_t max, char **buf, size_t *len,
                 char *err, size_t err_cap);

#endif
