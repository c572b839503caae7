/* pf_table_cdb.c - cdb: tables (NAME.cdb, tinycdb as Debian's
 * postfix-cdb builds them), every record read at open. */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_table.h"

static int read_keys(struct pf_table *t, struct cdb *c, const char *path,
                     struct rl_diag *diag)
{
	unsigned pos;
	int rc;

	cdb_seqinit(&pos, c);
	while ((rc = cdb_seqnext(&pos, c)) > 0) {
		const char *key = cdb_getkey(c);

		if (!key) {
			rc = -1;
			break;
		}
		if (pf_table_add_key(t, key, cdb_keylen(c)) != 0) {
			rl_diag_add(diag, path, 0, "more than %u keys or out of memory",
			            PF_TABLE_KEYS_MAX);
			return -2;
		}
	}
	if (rc < 0) {
		snprintf(t->error, sizeof t->error, "%.160s: malformed cdb file", path);
		return -1;
	}
	return 0;
}

int pf_load_cdb(struct pf_table *t, struct rl_diag *diag)
{
	char path[PF_TABLE_NAME_MAX + 8];
	struct stat st;
	struct cdb c;
	int fd, rc;

	snprintf(path, sizeof path, "%s.cdb", t->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > PF_DB_FILE_MAX) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path,
		         fd < 0 ? strerror(errno) : "not a regular file or too large");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (cdb_init(&c, fd) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: not a cdb file", path);
		close(fd);
		return -1;
	}
	rc = read_keys(t, &c, path, diag);
	cdb_free(&c);
	close(fd);
	return rc;
}
